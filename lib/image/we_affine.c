/* we_affine.c - 2x3 affine maths shared by alignment, warping and pasting. */
#include "we_affine.h"

#include <math.h>

we_status we_affine_invert(float inv[6], const float A[6])
{
    double a = A[0], b = A[1], c = A[2], d = A[3], e = A[4], f = A[5];
    double det = a * e - b * d;
    if (!(fabs(det) > 1e-12) || !isfinite(det)) return we_err_set(WE_EDATA, "singular affine (det %g)", det);
    double ia = e / det, ib = -b / det, id = -d / det, ie = a / det;
    inv[0] = (float)ia; inv[1] = (float)ib; inv[2] = (float)(-(ia * c + ib * f));
    inv[3] = (float)id; inv[4] = (float)ie; inv[5] = (float)(-(id * c + ie * f));
    return WE_OK;
}

void we_affine_apply(const float A[6], float *pts, int n)
{
    for (int i = 0; i < n; i++) {
        double x = pts[2 * i], y = pts[2 * i + 1];
        pts[2 * i] = (float)(A[0] * x + A[1] * y + A[2]);
        pts[2 * i + 1] = (float)(A[3] * x + A[4] * y + A[5]);
    }
}

double we_affine_scale(const float A[6])
{
    return sqrt(fabs((double)A[0] * A[4] - (double)A[1] * A[3]));
}

we_status we_affine_check(const float A[6])
{
    for (int i = 0; i < 6; i++)
        if (!isfinite(A[i]) || fabs(A[i]) > WE_AFFINE_MAX_ABS)
            return we_err_set(WE_EDATA, "affine coefficient %d is %g (want finite, |a| <= %g)", i, A[i],
                              WE_AFFINE_MAX_ABS);
    float inv[6];
    return we_affine_invert(inv, A);
}

int we_affine_span(double lo, double hi, int n, int *i0, int *i1)
{
    if (n < 1 || !(lo <= hi) || !(hi >= 0) || !(lo <= n - 1)) return 0;
    *i0 = lo <= 0 ? 0 : (int)floor(lo);
    *i1 = hi >= n - 1 ? n - 1 : (int)ceil(hi);
    return *i0 <= *i1;
}
