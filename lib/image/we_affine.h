/* we_affine.h - 2x3 row-major affines A = {a, b, c, d, e, f} mapping a point
 * (x, y) to (a*x + b*y + c, d*x + e*y + f), pixel centres at integer
 * coordinates (the convention of we_align.h, we_warp.h and we_face_paste.h).
 * Maths only: no images, no landmarks. */
#ifndef WE_AFFINE_H
#define WE_AFFINE_H

#include "we_err.h"

/* Inverse of an affine; WE_EDATA if it is singular. */
we_status we_affine_invert(float inv[6], const float A[6]);
/* Apply A to n points in place (x,y pairs). */
void we_affine_apply(const float A[6], float *pts, int n);
/* Scale of a similarity (sqrt(|det|)): photo pixels per crop pixel. */
double we_affine_scale(const float A[6]);

#endif
