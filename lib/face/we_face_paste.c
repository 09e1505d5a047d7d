/* we_face_paste.c - inverse warp + feathered or pyramid hull blend of one face. */
#include "we_face_paste.h"

#include <stdlib.h>
#include <string.h>

#include "we_color.h"
#include "we_pyrblend.h"
#include "we_warp.h"

static const char *blend_names[] = {
#define WE_X_PB(e, s) s,
    WE_PASTE_BLEND_LIST(WE_X_PB)
#undef WE_X_PB
};

const char *we_paste_blend_name(we_paste_blend b)
{
    return (unsigned)b < WE_PASTE_BLEND_COUNT ? blend_names[b] : "?";
}

int we_paste_blend_parse(const char *name)
{
    for (int i = 0; i < WE_PASTE_BLEND_COUNT; i++)
        if (strcmp(name, blend_names[i]) == 0) return i;
    return -1;
}

void we_face_paste_params_init(we_face_paste_params *p)
{
    p->blend = WE_PASTE_PYRAMID;
    p->feather = -1;
    p->levels = 0;
}

/* One C-channel face into a C-channel photo with the blend of p. */
static we_status paste_planes(float *photo, int C, int H, int W, const float *face, const float *mask, int S,
                              const float A[6], const float *pts, int npts, const we_face_paste_params *p)
{
    if (p->blend == WE_PASTE_PYRAMID) return we_pyrblend_paste(photo, C, H, W, face, S, A, pts, npts, p->levels);
    return we_warp_paste(photo, C, H, W, face, mask, S, A);
}

we_status we_face_paste(float *photo, int Cp, int H, int W, const float *face, int Cf, int S,
                        const float crop_to_photo[6], const float *pts, int npts, double feather)
{
    we_face_paste_params p;
    we_face_paste_params_init(&p);
    p.blend = WE_PASTE_FEATHER;
    p.feather = feather;
    return we_face_paste_blend(photo, Cp, H, W, face, Cf, S, crop_to_photo, pts, npts, &p);
}

we_status we_face_paste_blend(float *photo, int Cp, int H, int W, const float *face, int Cf, int S,
                              const float crop_to_photo[6], const float *pts, int npts,
                              const we_face_paste_params *p)
{
    we_face_paste_params def;
    if (!p) { we_face_paste_params_init(&def); p = &def; }
    if ((unsigned)p->blend >= WE_PASTE_BLEND_COUNT)
        return we_err_set(WE_EUSAGE, "face paste: unknown blend %d", (int)p->blend);
    double feather = p->feather;
    if ((Cp != 1 && Cp != 3) || (Cf != 1 && Cf != 3) || S < 1 || H < 1 || W < 1)
        return we_err_set(WE_EUSAGE, "face paste: channels %d->%d or size %d unsupported", Cf, Cp, S);
    size_t fplane = (size_t)S * S, plane = (size_t)H * W;
    float *mask = malloc(fplane * sizeof *mask);
    float *gray = NULL, *luma = NULL, *luma0 = NULL;
    we_status st = WE_OK;
    if (!mask) return we_err_set(WE_ENOMEM, "face paste: out of memory");
    float corners[8] = {0, 0, (float)(S - 1), 0, 0, (float)(S - 1), (float)(S - 1), (float)(S - 1)};
    if (!pts || npts < 3) { pts = corners; npts = 4; }
    if (p->blend == WE_PASTE_FEATHER) we_warp_hull_mask(mask, S, S, pts, npts, (float)(feather >= 0 ? feather : S / 16.0));
    if (Cf == 3 && Cp == 1) {
        if (!(gray = malloc(fplane * sizeof *gray))) { st = we_err_set(WE_ENOMEM, "face paste: out of memory"); goto out; }
        we_color_luma_planes(gray, face, fplane);
        st = paste_planes(photo, 1, H, W, gray, mask, S, crop_to_photo, pts, npts, p);
    } else if (Cf == 1 && Cp == 3) {
        luma = malloc(plane * sizeof *luma);
        luma0 = malloc(plane * sizeof *luma0);
        if (!luma || !luma0) { st = we_err_set(WE_ENOMEM, "face paste: out of memory"); goto out; }
        we_color_luma_planes(luma, photo, plane);
        memcpy(luma0, luma, plane * sizeof *luma0);
        if ((st = paste_planes(luma, 1, H, W, face, mask, S, crop_to_photo, pts, npts, p)) != WE_OK) goto out;
        for (size_t i = 0; i < plane; i++) {
            float d = luma[i] - luma0[i];
            if (d != 0)
                for (int c = 0; c < 3; c++) photo[c * plane + i] += d;
        }
    } else {
        st = paste_planes(photo, Cp, H, W, face, mask, S, crop_to_photo, pts, npts, p);
    }
out:
    free(mask);
    free(gray);
    free(luma);
    free(luma0);
    return st;
}

void we_face_paste_rescale(float A[6], float *pts, int npts, double size, int S)
{
    if (size <= 0 || (int)size == S) return;
    double k = size / S, o = 0.5 * k - 0.5; /* x_old = k*x + o */
    float B[6] = {(float)(A[0] * k), (float)(A[1] * k), (float)(A[0] * o + A[1] * o + A[2]),
                  (float)(A[3] * k), (float)(A[4] * k), (float)(A[3] * o + A[4] * o + A[5])};
    memcpy(A, B, sizeof B);
    for (int i = 0; i < 2 * npts; i++) pts[i] = (float)((pts[i] - o) / k);
}
