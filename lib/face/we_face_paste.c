/* we_face_paste.c - inverse warp + feathered hull blend of one face. */
#include "we_face_paste.h"

#include <stdlib.h>
#include <string.h>

#include "we_color.h"
#include "we_warp.h"

we_status we_face_paste(float *photo, int Cp, int H, int W, const float *face, int Cf, int S,
                        const float crop_to_photo[6], const float *pts, int npts, double feather)
{
    if ((Cp != 1 && Cp != 3) || (Cf != 1 && Cf != 3) || S < 1 || H < 1 || W < 1)
        return we_err_set(WE_EUSAGE, "face paste: channels %d->%d or size %d unsupported", Cf, Cp, S);
    size_t fplane = (size_t)S * S, plane = (size_t)H * W;
    float *mask = malloc(fplane * sizeof *mask);
    float *gray = NULL, *luma = NULL, *luma0 = NULL;
    we_status st = WE_OK;
    if (!mask) return we_err_set(WE_ENOMEM, "face paste: out of memory");
    float corners[8] = {0, 0, (float)(S - 1), 0, 0, (float)(S - 1), (float)(S - 1), (float)(S - 1)};
    if (!pts || npts < 3) { pts = corners; npts = 4; }
    we_warp_hull_mask(mask, S, S, pts, npts, (float)(feather >= 0 ? feather : S / 16.0));
    if (Cf == 3 && Cp == 1) {
        if (!(gray = malloc(fplane * sizeof *gray))) { st = we_err_set(WE_ENOMEM, "face paste: out of memory"); goto out; }
        for (size_t i = 0; i < fplane; i++)
            gray[i] = we_color_luma_f(face[i], face[fplane + i], face[2 * fplane + i]);
        st = we_warp_paste(photo, 1, H, W, gray, mask, S, crop_to_photo);
    } else if (Cf == 1 && Cp == 3) {
        luma = malloc(plane * sizeof *luma);
        luma0 = malloc(plane * sizeof *luma0);
        if (!luma || !luma0) { st = we_err_set(WE_ENOMEM, "face paste: out of memory"); goto out; }
        for (size_t i = 0; i < plane; i++)
            luma[i] = luma0[i] = we_color_luma_f(photo[i], photo[plane + i], photo[2 * plane + i]);
        if ((st = we_warp_paste(luma, 1, H, W, face, mask, S, crop_to_photo)) != WE_OK) goto out;
        for (size_t i = 0; i < plane; i++) {
            float d = luma[i] - luma0[i];
            if (d != 0)
                for (int c = 0; c < 3; c++) photo[c * plane + i] += d;
        }
    } else {
        st = we_warp_paste(photo, Cp, H, W, face, mask, S, crop_to_photo);
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
