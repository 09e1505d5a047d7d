/* we_align.c - canonical face template and similarity fits. */
#include "we_align.h"

#include <math.h>
#include <string.h>

#include "we_affine.h"

/* dlib's mean face shape (dlib/image_transforms/interpolation.h,
 * get_face_chip_details), points 17..67, Boost Software License. */
static const double tpl_x[51] = {
    0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
    0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
    0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
    0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
    0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
    0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
    0.553364, 0.490127, 0.42689};
static const double tpl_y[51] = {
    0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
    0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
    0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
    0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
    0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
    0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
    0.784792, 0.824182, 0.831803, 0.824182};

int we_align_template_point(int i, int size, double margin, double *x, double *y)
{
    if (i < 17 || i >= WE_ALIGN_NPTS) return 0;
    double k = (double)size / (1 + 2 * margin);
    /* dlib's mean face is centred at x = 0.490127; shift it to 0.5 so the
     * crop is symmetric (horizontal flips keep the eyes in place). */
    *x = (margin + tpl_x[i - 17] + (0.5 - 0.490127)) * k - 0.5;
    *y = (margin + tpl_y[i - 17]) * k - 0.5;
    return 1;
}

double we_align_fit_weight(int i)
{
    /* Eye-dominant: the eyes (12 points) place the face; the nose (0.05
     * each) and the mouth corners (0.3 each) only steady rotation and
     * scale. On facial_expressions this puts both eye centres within 2 px
     * of the template (S = 128) for ~96% of faces, against ~38% with
     * dlib's uniform nose/eyes/upper-lip weights. */
    if (i >= 36 && i <= 47) return 1;
    if (i >= 27 && i <= 35) return 0.05;
    if (i == 48 || i == 54) return 0.3;
    return 0;
}

we_status we_align_similarity(float A[6], const float *src, const float *dst,
                              const double *w, int n)
{
    double sw = 0, msx = 0, msy = 0, mdx = 0, mdy = 0;
    for (int i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        sw += wi;
        msx += wi * src[2 * i]; msy += wi * src[2 * i + 1];
        mdx += wi * dst[2 * i]; mdy += wi * dst[2 * i + 1];
    }
    if (!(sw > 0)) return we_err_set(WE_EDATA, "similarity fit: no weighted points");
    msx /= sw; msy /= sw; mdx /= sw; mdy /= sw;
    double ss = 0, pa = 0, pb = 0;
    for (int i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        if (wi == 0) continue;
        double sx = src[2 * i] - msx, sy = src[2 * i + 1] - msy;
        double dx = dst[2 * i] - mdx, dy = dst[2 * i + 1] - mdy;
        ss += wi * (sx * sx + sy * sy);
        pa += wi * (sx * dx + sy * dy);
        pb += wi * (sx * dy - sy * dx);
    }
    if (!(ss > 1e-12)) return we_err_set(WE_EDATA, "similarity fit: degenerate points");
    double a = pa / ss, b = pb / ss; /* s*cos, s*sin */
    A[0] = (float)a;  A[1] = (float)-b; A[2] = (float)(mdx - a * msx + b * msy);
    A[3] = (float)b;  A[4] = (float)a;  A[5] = (float)(mdy - b * msx - a * msy);
    return WE_OK;
}

we_status we_align_face(float crop_to_photo[6], float *crop_pts, const float *photo_pts,
                        int size, double margin)
{
    float tpl[2 * WE_ALIGN_NPTS];
    double w[WE_ALIGN_NPTS];
    for (int i = 0; i < WE_ALIGN_NPTS; i++) {
        double x = 0, y = 0;
        w[i] = we_align_template_point(i, size, margin, &x, &y) ? we_align_fit_weight(i) : 0;
        tpl[2 * i] = (float)x;
        tpl[2 * i + 1] = (float)y;
    }
    float p2c[6];
    we_status st = we_align_similarity(p2c, photo_pts, tpl, w, WE_ALIGN_NPTS);
    if (st != WE_OK) return st;
    if ((st = we_affine_invert(crop_to_photo, p2c)) != WE_OK) return st;
    if (crop_pts) {
        memcpy(crop_pts, photo_pts, sizeof tpl);
        we_affine_apply(p2c, crop_pts, WE_ALIGN_NPTS);
    }
    return WE_OK;
}

double we_align_residual(const float *crop_pts, int size, double margin)
{
    double sum = 0, sw = 0;
    for (int i = 0; i < WE_ALIGN_NPTS; i++) {
        double x, y, w = we_align_fit_weight(i);
        if (w == 0 || !we_align_template_point(i, size, margin, &x, &y)) continue;
        double dx = crop_pts[2 * i] - x, dy = crop_pts[2 * i + 1] - y;
        sum += w * (dx * dx + dy * dy);
        sw += w;
    }
    return sw > 0 ? sqrt(sum / sw) / size : 0;
}

void we_align_eye_centres(const float *pts, double out[4])
{
    memset(out, 0, 4 * sizeof *out);
    for (int i = 36; i < 42; i++) {
        out[0] += pts[2 * i] / 6.0; out[1] += pts[2 * i + 1] / 6.0;
        out[2] += pts[2 * (i + 6)] / 6.0; out[3] += pts[2 * (i + 6) + 1] / 6.0;
    }
}
