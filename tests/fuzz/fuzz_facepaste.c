/* fuzz_facepaste.c - libFuzzer harness for what facepaste does with a
 * stream: read items, and for each with an `image` and an `affine` frame,
 * the checks facepaste makes (we_layout_affine_read, the face layout, the
 * landmarks), the rescale, and the paste into a small photo with both
 * blends. The photo must stay finite and nothing may hang: an affine like
 * 1,0,3e9,0,1,500 once overflowed the paste loop's int bounds and NaN
 * landmarks overflowed the convex hull (issue 17). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "we_face_paste.h"
#include "we_layout_face.h"
#include "we_layout_image.h"
#include "we_pixel.h"
#include "we_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { PH = 40, PW = 48 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    we_reader r;
    we_reader_init(&r, f, "fuzz");
    r.max_bytes = 1 << 16; /* faces up to ~128 px gray */
    static float photo[3 * PH * PW];
    for (int i = 0; i < 3 * PH * PW; i++) photo[i] = (float)(i % 251);
    we_item it;
    we_item_init(&it);
    for (int n = 0; n < 8 && we_reader_item(&r, &it) == WE_OK; n++) {
        we_frame *fi = we_item_find(&it, "image"), *fa = we_item_find(&it, "affine");
        we_frame *fl = we_item_find(&it, "landmarks");
        we_affine_layout af;
        we_image_layout il;
        if (!fi || !fa || we_layout_affine_read(fa, &af) || we_layout_image_read_face(fi, &il)) continue;
        if (fl && we_layout_landmarks_check(fl)) continue;
        int S = il.H, Cf = il.C, npts = 4;
        float pts[2 * 68] = {0, 0, (float)(S - 1), 0, 0, (float)(S - 1), (float)(S - 1), (float)(S - 1)};
        if (fl) memcpy(pts, fl->t.data, sizeof pts), npts = 68;
        we_face_paste_rescale(af.A, pts, npts == 68 ? npts : 0, af.size, S);
        size_t fn = (size_t)Cf * S * S;
        float *face = malloc(fn * sizeof *face);
        if (!face) abort();
        for (size_t i = 0; i < fn; i++)
            face[i] = fi->t.dtype == WE_F32 ? we_pixel_from_unit(((const float *)fi->t.data)[i])
                                             : ((const uint8_t *)fi->t.data)[i];
        we_face_paste_params pp;
        we_face_paste_params_init(&pp);
        pp.blend = (data[size - 1] & 1) ? WE_PASTE_FEATHER : WE_PASTE_PYRAMID;
        we_status s = we_face_paste_blend(photo, 3, PH, PW, face, Cf, S, af.A, pts, npts, &pp);
        free(face);
        if (s == WE_OK)
            for (int i = 0; i < 3 * PH * PW; i++)
                if (!isfinite(photo[i])) abort();
    }
    we_item_free(&it);
    we_reader_free(&r);
    fclose(f);
    return 0;
}
