/* we_layout_face.c - the frames of an aligned face: `landmarks` (f32 68 x
 * 2), `affine` (f32 2 x 3), the face keys facealign writes on each, and
 * `heatmap` (f32 K x H x W) made from the landmarks. */
#include "we_layout_face.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "we_layout_image.h"

#include "we_affine.h"
#include "we_limits.h"

#include "we_face_align.h"
#include "we_heatmap.h"
#include "we_image.h"

we_status we_layout_face_set_keys(we_frame *fr, const we_face_keys *k)
{
    we_status s = WE_OK;
    s |= we_frame_set(fr, "id", k->id);
    s |= we_frame_set(fr, "src", k->src);
    s |= we_frame_setf(fr, "face", "%d", k->index);
    s |= we_frame_set(fr, "detector", k->detector);
    s |= we_frame_setf(fr, "score", "%.4f", k->score);
    s |= we_frame_setf(fr, "fit", "%.4f", k->fit);
    s |= we_frame_setf(fr, "box", "%.1f,%.1f,%.1f,%.1f", k->box.x0, k->box.y0, k->box.x1, k->box.y1);
    s |= we_frame_setf(fr, "photo", "%dx%d", k->photo_w, k->photo_h);
    s |= we_frame_setf(fr, "size", "%d", k->size);
    s |= we_frame_setf(fr, "margin", "%g", k->margin);
    if (k->emotion) s |= we_frame_set(fr, "emotion", k->emotion);
    return s ? we_err_set(WE_EUSAGE, "cannot set frame keys for %s", k->id) : WE_OK;
}

/* Give fr the face keys and write it; fr is freed either way. */
static we_status write_face_frame(FILE *f, we_frame *fr, const we_face_keys *k)
{
    we_status s = we_layout_face_set_keys(fr, k);
    if (s) s = we_err_set(WE_EINTERNAL, "cannot set frame keys for %s", k->id);
    else s = we_frame_write(f, fr);
    we_frame_free(fr);
    return s;
}

static int is_f32_2d(const we_tensor *t, int64_t d0, int64_t d1)
{
    return t->dtype == WE_F32 && t->rank == 2 && t->shape[0] == d0 && t->shape[1] == d1;
}

static we_status new_f32_2d(we_frame *fr, const char *name, int64_t d0, int64_t d1, const float *v)
{
    we_status s = we_frame_set_name(fr, name);
    if (!s) s = we_tensor_alloc(&fr->t, WE_F32, 2, (int64_t[]){d0, d1});
    if (!s) memcpy(fr->t.data, v, (size_t)(d0 * d1) * sizeof *v);
    return s;
}

we_status we_layout_landmarks_check(const we_frame *fr)
{
    if (!is_f32_2d(&fr->t, WE_FACE_NPTS, 2)) return we_err_set(WE_EDATA, "landmarks must be f32 68x2");
    const float *p = fr->t.data;
    for (int i = 0; i < 2 * WE_FACE_NPTS; i++)
        if (!isfinite(p[i]) || fabsf(p[i]) > WE_AFFINE_MAX_ABS)
            return we_err_set(WE_EDATA, "landmark %d is %g (want finite, |v| <= %g)", i / 2, p[i], WE_AFFINE_MAX_ABS);
    return WE_OK;
}

we_status we_layout_landmarks_new(we_frame *fr, const float pts[2 * WE_FACE_NPTS])
{
    return new_f32_2d(fr, "landmarks", WE_FACE_NPTS, 2, pts);
}

we_status we_layout_landmarks_image_size(we_item *it, const we_frame *lm, int *h, int *w)
{
    we_frame *img = we_item_find(it, "image");
    *h = *w = 0;
    if (img && img->t.rank == 3) {
        *h = (int)img->t.shape[1];
        *w = (int)img->t.shape[2];
        return WE_OK;
    }
    double s;
    if (we_frame_get_double(lm, "size", &s) == WE_OK && s >= 1 && s <= 1e5) *h = *w = (int)s;
    if (!*h) return we_err_set(WE_EDATA, "no image frame or size key gives the landmarks' image size");
    return WE_OK;
}

we_status we_layout_affine_read(const we_frame *fr, we_affine_layout *L)
{
    if (!is_f32_2d(&fr->t, 2, 3)) return we_err_set(WE_EDATA, "affine must be f32 2x3");
    memcpy(L->A, fr->t.data, sizeof L->A);
    we_status s = we_affine_check(L->A);
    if (s) return s;
    const char *pk = we_frame_get(fr, "photo");
    L->have_photo = pk && sscanf(pk, "%dx%d", &L->photo_w, &L->photo_h) == 2;
    if (!L->have_photo) L->photo_w = L->photo_h = 0;
    if (we_frame_get_double(fr, "size", &L->size) != WE_OK) L->size = 0;
    return WE_OK;
}

we_status we_layout_affine_new(we_frame *fr, const float A[6])
{
    return new_f32_2d(fr, "affine", 2, 3, A);
}

we_status we_layout_heatmap_read(const we_frame *fr, we_heatmap_layout *L)
{
    const we_tensor *t = &fr->t;
    if (t->dtype != WE_F32 || t->rank != 3) return we_err_set(WE_EDATA, "heatmap must be f32 K x H x W");
    L->K = (int)t->shape[0];
    L->H = (int)t->shape[1];
    L->W = (int)t->shape[2];
    return WE_OK;
}

we_status we_layout_heatmap_check(const we_heatmap_layout *L, int K, int H, int W)
{
    if ((H && L->H != H) || (W && L->W != W))
        return we_err_set(WE_EDATA, "heatmap must be f32 K x %d x %d", H ? H : L->H, W ? W : L->W);
    if (K && L->K != K) return we_err_set(WE_EDATA, "heatmap has %d channels, want %d", L->K, K);
    return WE_OK;
}

we_status we_layout_heatmap_new(we_frame *fr, int K, int H, int W)
{
    we_status s = we_limit_image((uint64_t)K, (uint64_t)H, (uint64_t)W, "heatmap");
    if (!s) s = we_frame_set_name(fr, "heatmap");
    if (!s) s = we_tensor_alloc(&fr->t, WE_F32, 3, (int64_t[]){K, H, W});
    return s;
}

we_status we_layout_heatmap_set_keys(we_frame *fr, int with_mask, double sigma)
{
    we_status s = we_frame_set(fr, "regions", we_heatmap_regions_key(with_mask));
    if (!s) s = we_frame_setf(fr, "sigma", "%g", sigma);
    return s;
}

we_status we_layout_face_write(FILE *f, we_face_aligned *a, const we_face_keys *k, int u8)
{
    we_frame fr;
    we_frame_init(&fr);
    we_tensor pix;
    we_status s = WE_OK;
    if (u8 && (s = we_image_f32_to_u8(&a->image, &pix))) return s;
    if ((s = we_layout_image_new(&fr, u8 ? &pix : &a->image))) {
        if (u8) we_tensor_free(&pix);
        return s;
    }
    if ((s = write_face_frame(f, &fr, k))) return s;
    if ((s = we_layout_landmarks_new(&fr, a->crop_pts)) || (s = write_face_frame(f, &fr, k))) return s;
    if ((s = we_layout_affine_new(&fr, a->affine)) || (s = write_face_frame(f, &fr, k))) return s;
    return WE_OK;
}
