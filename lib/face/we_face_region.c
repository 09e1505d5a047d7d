/* we_face_region.c - the landmark regions an expression may change (see
 * we_face_region.h). */
#include "we_face_region.h"

#include <math.h>
#include <stddef.h>

/* Convex hull of np points (x,y pairs) into h (counter-clockwise, Andrew's
 * monotone chain); returns its size (np <= 68). */
static int hull(float *h, const float *p, int np)
{
    int idx[68], k = 0;
    for (int i = 0; i < np; i++) idx[i] = i;
    for (int i = 1; i < np; i++) /* insertion sort by x, then y */
        for (int j = i; j > 0; j--) {
            const float *a = p + 2 * idx[j - 1], *b = p + 2 * idx[j];
            if (a[0] < b[0] || (a[0] == b[0] && a[1] <= b[1])) break;
            int t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t;
        }
    int out[2 * 68 + 2];
    for (int pass = 0; pass < 2; pass++) {
        int start = k;
        for (int q = 0; q < np; q++) {
            int i = pass ? idx[np - 1 - q] : idx[q];
            while (k >= start + 2) {
                const float *a = p + 2 * out[k - 2], *b = p + 2 * out[k - 1], *c = p + 2 * i;
                if ((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) > 0) break;
                k--;
            }
            out[k++] = i;
        }
        k--; /* the last point starts the other chain */
    }
    for (int i = 0; i < k; i++) h[2 * i] = p[2 * out[i]], h[2 * i + 1] = p[2 * out[i] + 1];
    return k;
}

/* Signed distance of (x, y) to the convex polygon h (nh >= 3 vertices,
 * counter-clockwise): > 0 inside (to the nearest edge line), < 0 outside
 * (minus the distance to the nearest edge segment). */
static double poly_dist(const float *h, int nh, double x, double y)
{
    double in = INFINITY, out = INFINITY;
    int inside = 1;
    for (int i = 0; i < nh; i++) {
        const float *a = h + 2 * i, *b = h + 2 * ((i + 1) % nh);
        double ex = b[0] - a[0], ey = b[1] - a[1], len = hypot(ex, ey);
        if (len <= 0) continue;
        double side = (ex * (y - a[1]) - ey * (x - a[0])) / len; /* > 0: left of a->b = inside */
        if (side < 0) inside = 0;
        if (side < in) in = side;
        double t = ((x - a[0]) * ex + (y - a[1]) * ey) / (len * len);
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double d = hypot(x - a[0] - t * ex, y - a[1] - t * ey);
        if (d < out) out = d;
    }
    return inside ? in : -out;
}

/* The 68 landmarks in grid units (see we_face_region_mask) into g, and the
 * inter-ocular distance there; WE_EDATA for a non-finite landmark or
 * coinciding outer eye corners. */
static we_status to_grid(float *g, double *io, const float *lm, double scale)
{
    for (int i = 0; i < 136; i++)
        if (!isfinite(lm[i])) return we_err_set(WE_EDATA, "face region: landmark %d is not finite", i / 2);
    for (int i = 0; i < 136; i++) g[i] = (float)((lm[i] + 0.5) / scale - 0.5);
    *io = hypot(g[2 * 36] - g[2 * 45], g[2 * 36 + 1] - g[2 * 45 + 1]);
    if (!(*io > 1e-3)) return we_err_set(WE_EDATA, "face region: the outer eye corners coincide");
    return WE_OK;
}

we_status we_face_region_mask(float *mask, int n, double scale, const float *lm, double grow, double side)
{
    if (n < 1 || !(scale > 0) || !(grow >= 0) || !(side > 0 && side <= 100))
        return we_err_set(WE_EUSAGE, "face region: n %d, scale %g, grow %g, side %g", n, scale, grow, side);
    float g[136];
    double io;
    we_status s = to_grid(g, &io, lm, scale);
    if (s) return s;
    static const int ranges[2][4] = {{17, 26, 36, 47}, {27, 35, 48, 67}};
    float pts[2 * 40], h[2 * 40];
    size_t n2 = (size_t)n * n;
    double reach = grow * io, fall = 0.1 * io < 1 ? 1 : 0.1 * io;
    for (size_t i = 0; i < n2; i++) mask[i] = 0;
    for (int r = 0; r < 2; r++) {
        int np = 0;
        for (int part = 0; part < 2; part++)
            for (int k = ranges[r][2 * part]; k <= ranges[r][2 * part + 1]; k++, np++)
                pts[2 * np] = (float)(g[2 * k] / side), pts[2 * np + 1] = g[2 * k + 1];
        int nh = hull(h, pts, np);
        if (nh < 3) continue; /* collinear points: no region */
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++) {
                /* 1 down to -reach, 0 at -reach - fall */
                double t = (poly_dist(h, nh, x / side, y) + reach + fall) / fall;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                float v = (float)(t * t * (3 - 2 * t));
                if (v > mask[(size_t)y * n + x]) mask[(size_t)y * n + x] = v;
            }
    }
    return WE_OK;
}

void we_face_region_expr_points(float *p, const float *lm)
{
    int n = 0;
    for (int i = 17; i < 68; i++, n++) p[2 * n] = lm[2 * i], p[2 * n + 1] = lm[2 * i + 1];
    for (int i = 0; i < 17; i++, n++) { /* the cheeks: halfway from each jaw point to the nose tip */
        p[2 * n] = 0.5f * (lm[2 * i] + lm[2 * 30]);
        p[2 * n + 1] = 0.5f * (lm[2 * i + 1] + lm[2 * 30 + 1]);
    }
    we_face_region_grow(p, n, WE_FACE_REGION_EXPR_GROW);
}

void we_face_region_grow(float *p, int n, double f)
{
    double cx = 0, cy = 0;
    for (int i = 0; i < n; i++) cx += p[2 * i], cy += p[2 * i + 1];
    cx /= n, cy /= n;
    for (int i = 0; i < n; i++) {
        p[2 * i] = (float)(cx + f * (p[2 * i] - cx));
        p[2 * i + 1] = (float)(cy + f * (p[2 * i + 1] - cy));
    }
}

we_status we_face_region_expr_mask(float *mask, int n, double scale, const float *lm, double fall)
{
    if (n < 1 || !(scale > 0) || !(fall >= 0))
        return we_err_set(WE_EUSAGE, "face region: n %d, scale %g, fall %g", n, scale, fall);
    float g[136], p[136], h[136];
    double io;
    we_status s = to_grid(g, &io, lm, scale);
    if (s) return s;
    we_face_region_expr_points(p, g); /* growing about the centroid commutes with the grid's affine map */
    double f = fall * io < 1 ? 1 : fall * io;
    int nh = hull(h, p, 68);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            /* 0 on the hull's edge and outside, 1 from f inside it */
            double t = nh < 3 ? 0 : poly_dist(h, nh, x, y) / f;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            mask[(size_t)y * n + x] = (float)(t * t * (3 - 2 * t));
        }
    return WE_OK;
}
