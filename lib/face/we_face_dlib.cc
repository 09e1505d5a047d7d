// we_face_dlib.cc - the only C++ in the faces module: dlib's frontal HOG
// detector and 68-point shape predictor behind the C API of we_face.h.
// Every dlib call is wrapped in try/catch; no exception crosses into C.
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <sys/stat.h>
#include <vector>

extern "C" {
#include "we_face.h"
extern "C" {
#include "we_limits.h"
}
}

struct we_face_model {
    dlib::frontal_face_detector det;
    dlib::shape_predictor sp;
};

namespace {

// Copy a C buffer into a dlib image (dlib wants its own container).
void to_dlib(const uint8_t *gray, int h, int w, dlib::array2d<unsigned char> &img)
{
    img.set_size(h, w);
    for (int y = 0; y < h; y++)
        std::memcpy(&img[y][0], gray + (size_t)y * (size_t)w, (size_t)w);
}

bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace

extern "C" const char *we_face_default_predictor(void)
{
    const char *e = std::getenv("WE_DLIB_PREDICTOR");
    return (e && *e) ? e : WE_FACE_PREDICTOR_DEFAULT;
}

extern "C" we_status we_face_model_load(const char *path, we_face_model **out)
{
    *out = nullptr;
    if (!path) path = we_face_default_predictor();
    if (!file_exists(path)) {
        std::string bz = std::string(path) + ".bz2";
        if (file_exists(bz.c_str()))
            return we_err_set(WE_ENOINPUT, "%s: missing; decompress %s first (bunzip2 -k) or pass --predictor",
                              path, bz.c_str());
        return we_err_set(WE_ENOINPUT, "%s: shape predictor not found (install libdlib-data or pass --predictor)", path);
    }
    we_face_model *m = nullptr;
    try {
        m = new we_face_model;
        m->det = dlib::get_frontal_face_detector();
        dlib::deserialize(path) >> m->sp;
    } catch (const std::bad_alloc &) {
        delete m;
        return we_err_set(WE_ENOMEM, "%s: out of memory loading the shape predictor", path);
    } catch (const std::exception &e) {
        delete m;
        return we_err_set(WE_EDATA, "%s: not a dlib shape predictor (%.200s)", path, e.what());
    }
    if (m->sp.num_parts() != WE_FACE_NPTS) {
        unsigned long np = m->sp.num_parts();
        delete m;
        return we_err_set(WE_EDATA, "%s: shape predictor has %lu parts, need %d", path, np, WE_FACE_NPTS);
    }
    *out = m;
    return WE_OK;
}

extern "C" void we_face_model_free(we_face_model *m)
{
    delete m;
}

extern "C" we_status we_face_detect(we_face_model *m, const uint8_t *gray, int h, int w,
                                    int upsample, double threshold, we_face_box **boxes, int *n)
{
    *boxes = nullptr;
    *n = 0;
    if (h < 1 || w < 1 || upsample < 0 || upsample > 4)
        return we_err_set(WE_EUSAGE, "we_face_detect: bad size %dx%d or upsample %d", w, h, upsample);
    /* dlib doubles the image per upsample step and builds its HOG pyramid on
     * that: budget it as an RGB image before dlib allocates. */
    we_status ls = we_limit_image(3, (uint64_t)h << upsample, (uint64_t)w << upsample, "HOG detector image (upsampled)");
    if (ls) return ls;
    try {
        dlib::array2d<unsigned char> img;
        to_dlib(gray, h, w, img);
        double scale = 1;
        for (int i = 0; i < upsample; i++) {
            dlib::pyramid_up(img);
            scale *= 2;
        }
        std::vector<dlib::rect_detection> dets;
        m->det(img, dets, threshold);
        if (dets.empty()) return WE_OK;
        std::vector<we_face_box> v;
        for (const auto &d : dets) {
            const dlib::rectangle &r = d.rect;
            we_face_box b;
            // dlib rectangles are inclusive; pyramid_up maps x -> 2x (+ centre shift ignored, < 1/4 px)
            b.x0 = r.left() / scale;
            b.y0 = r.top() / scale;
            b.x1 = (r.right() + 1) / scale;
            b.y1 = (r.bottom() + 1) / scale;
            b.score = d.detection_confidence;
            v.push_back(b);
        }
        std::stable_sort(v.begin(), v.end(), [](const we_face_box &a, const we_face_box &b) {
            return (a.x1 - a.x0) * (a.y1 - a.y0) > (b.x1 - b.x0) * (b.y1 - b.y0);
        });
        *boxes = (we_face_box *)std::malloc(v.size() * sizeof(we_face_box));
        if (!*boxes) return we_err_set(WE_ENOMEM, "we_face_detect: out of memory");
        std::memcpy(*boxes, v.data(), v.size() * sizeof(we_face_box));
        *n = (int)v.size();
    } catch (const std::bad_alloc &) {
        return we_err_set(WE_ENOMEM, "face detection: out of memory (%dx%d image)", w, h);
    } catch (const std::exception &e) {
        return we_err_set(WE_EINTERNAL, "face detection failed: %.200s", e.what());
    }
    return WE_OK;
}

extern "C" we_status we_face_landmarks(we_face_model *m, const uint8_t *gray, int h, int w,
                                       const we_face_box *box, float pts[2 * WE_FACE_NPTS])
{
    if (h < 1 || w < 1)
        return we_err_set(WE_EUSAGE, "we_face_landmarks: bad size %dx%d", w, h);
    try {
        dlib::array2d<unsigned char> img;
        to_dlib(gray, h, w, img);
        dlib::drectangle dr(box->x0, box->y0, box->x1 - 1, box->y1 - 1);
        dlib::rectangle r((long)std::lround(dr.left()), (long)std::lround(dr.top()),
                          (long)std::lround(dr.right()), (long)std::lround(dr.bottom()));
        dlib::full_object_detection s = m->sp(img, r);
        for (unsigned long i = 0; i < WE_FACE_NPTS; i++) {
            pts[2 * i] = (float)s.part(i).x();
            pts[2 * i + 1] = (float)s.part(i).y();
        }
    } catch (const std::bad_alloc &) {
        return we_err_set(WE_ENOMEM, "landmarks: out of memory");
    } catch (const std::exception &e) {
        return we_err_set(WE_EINTERNAL, "landmarks failed: %.200s", e.what());
    }
    return WE_OK;
}
