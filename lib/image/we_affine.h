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

/* Largest |coefficient| an affine read from a stream may have: photos are
 * at most a few 10^4 pixels a side, so 1e6 leaves room for any real crop
 * while keeping every pixel coordinate far inside int range. */
#define WE_AFFINE_MAX_ABS 1e6

/* An affine from outside (a stream's `affine` frame): WE_EDATA with a
 * detail when a coefficient is non-finite or above WE_AFFINE_MAX_ABS, or
 * it is singular. */
we_status we_affine_check(const float A[6]);

/* The pixels [i0, i1] of 0..n-1 that the real interval [lo, hi] touches
 * (floor(lo) .. ceil(hi), clipped): 1, or 0 when none does or lo/hi is NaN.
 * Clips in double before converting, so no coordinate overflows an int. */
int we_affine_span(double lo, double hi, int n, int *i0, int *i1);

#endif
