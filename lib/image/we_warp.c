/* we_warp.c - bilinear affine warps with reflected borders, hull masks,
 * and pasting a warped face back into its photo. */
#include "we_warp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_affine.h"

const char *we_border_name(we_border b)
{
    static const char *names[] = {
#define WE_X_BORDER(e, s) s,
        WE_BORDER_LIST(WE_X_BORDER)
#undef WE_X_BORDER
    };
    return (unsigned)b < WE_BORDER_COUNT ? names[b] : "?";
}

/* Index i mapped into [0, n) by the border rule; -1 means "zero". */
static inline int border_index(long i, int n, we_border b)
{
    if (i >= 0 && i < n) return (int)i;
    if (b == WE_BORDER_ZERO) return -1;
    if (b == WE_BORDER_CLAMP) return i < 0 ? 0 : n - 1;
    long p = 2L * n;
    long m = i % p;
    if (m < 0) m += p;
    return (int)(m < n ? m : p - 1 - m);
}

float we_warp_sample(const float *p, int h, int w, double x, double y, we_border border)
{
    double fx = floor(x), fy = floor(y);
    long x0 = (long)fx, y0 = (long)fy;
    float ax = (float)(x - fx), ay = (float)(y - fy);
    int xa = border_index(x0, w, border), xb = border_index(x0 + 1, w, border);
    int ya = border_index(y0, h, border), yb = border_index(y0 + 1, h, border);
    float v00 = (xa >= 0 && ya >= 0) ? p[(size_t)ya * w + xa] : 0.f;
    float v01 = (xb >= 0 && ya >= 0) ? p[(size_t)ya * w + xb] : 0.f;
    float v10 = (xa >= 0 && yb >= 0) ? p[(size_t)yb * w + xa] : 0.f;
    float v11 = (xb >= 0 && yb >= 0) ? p[(size_t)yb * w + xb] : 0.f;
    float top = v00 + ax * (v01 - v00), bot = v10 + ax * (v11 - v10);
    return top + ay * (bot - top);
}

int we_warp_supersample(double scale)
{
    int ss = (int)ceil(scale - 0.01);
    return ss < 1 ? 1 : ss > 8 ? 8 : ss;
}

void we_warp_affine_forward(float *out, const float *inp, const float A[6],
                            int C, int h, int w, int oh, int ow, int ss, we_border border)
{
    if (ss < 1) ss = 1;
    size_t plane = (size_t)h * w, oplane = (size_t)oh * ow;
    double inv = 1.0 / ((double)ss * ss);
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
            for (int c = 0; c < C; c++) {
                double acc = 0;
                for (int j = 0; j < ss; j++)
                    for (int i = 0; i < ss; i++) {
                        double sx = x + (i + 0.5) / ss - 0.5, sy = y + (j + 0.5) / ss - 0.5;
                        double px = A[0] * sx + A[1] * sy + A[2];
                        double py = A[3] * sx + A[4] * sy + A[5];
                        acc += we_warp_sample(inp + c * plane, h, w, px, py, border);
                    }
                out[c * oplane + (size_t)y * ow + x] = (float)(acc * inv);
            }
}

static double cross(const float *o, const float *a, const float *b)
{
    return ((double)a[0] - o[0]) * ((double)b[1] - o[1]) - ((double)a[1] - o[1]) * ((double)b[0] - o[0]);
}

static int cmp_pt(const void *pa, const void *pb)
{
    const float *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    if (a[1] != b[1]) return a[1] < b[1] ? -1 : 1;
    return 0;
}

int we_warp_convex_hull(float *hull, const float *pts, int n)
{
    if (n <= 0) return 0;
    float *s = malloc((size_t)n * 2 * sizeof *s);
    float *h = malloc((size_t)(2 * n + 1) * 2 * sizeof *h);
    if (!s || !h) { free(s); free(h); return 0; }
    /* Non-finite points are dropped: a NaN breaks both the sort's order and
     * the chain's turn test (cross <= 0 is false), which let the chain grow
     * to 2n - 1 points, past the caller's room for n. */
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(pts[2 * i]) && isfinite(pts[2 * i + 1])) {
            s[2 * m] = pts[2 * i];
            s[2 * m + 1] = pts[2 * i + 1];
            m++;
        }
    n = m;
    qsort(s, (size_t)n, 2 * sizeof *s, cmp_pt);
    int k = 0; /* Andrew's monotone chain */
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross(h + 2 * (k - 2), h + 2 * (k - 1), s + 2 * i) <= 0) k--;
        h[2 * k] = s[2 * i]; h[2 * k + 1] = s[2 * i + 1]; k++;
    }
    for (int i = n - 2, t = k + 1; i >= 0; i--) {
        while (k >= t && cross(h + 2 * (k - 2), h + 2 * (k - 1), s + 2 * i) <= 0) k--;
        h[2 * k] = s[2 * i]; h[2 * k + 1] = s[2 * i + 1]; k++;
    }
    if (k > 1) k--; /* last point repeats the first */
    if (k > n) k = n; /* cannot happen for finite points; the buffer holds n */
    if (k > 0) memcpy(hull, h, (size_t)k * 2 * sizeof *h);
    free(s);
    free(h);
    return k;
}

void we_warp_hull_mask(float *mask, int h, int w, const float *pts, int n, float feather)
{
    memset(mask, 0, (size_t)h * w * sizeof *mask);
    float *hull = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof *hull);
    if (!hull) return;
    int k = we_warp_convex_hull(hull, pts, n);
    if (k < 3) { free(hull); return; }
    /* Inward unit normals: the hull runs counter-clockwise in a y-up frame,
     * i.e. with the interior on the left of each edge (cross > 0). */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dmin = INFINITY;
            for (int e = 0; e < k; e++) {
                const float *a = hull + 2 * e, *b = hull + 2 * ((e + 1) % k);
                double ex = b[0] - a[0], ey = b[1] - a[1];
                double len = sqrt(ex * ex + ey * ey);
                if (len <= 0) continue;
                double d = (ex * (y - a[1]) - ey * (x - a[0])) / len; /* > 0 inside */
                if (d < dmin) dmin = d;
            }
            float v;
            if (dmin <= 0) v = 0;
            else if (feather <= 0 || dmin >= feather) v = 1;
            else {
                double t = dmin / feather;
                v = (float)(t * t * (3 - 2 * t));
            }
            mask[(size_t)y * w + x] = v;
        }
    free(hull);
}

we_status we_warp_paste(float *photo, int C, int H, int W, const float *face,
                        const float *mask, int S, const float crop_to_photo[6])
{
    float inv[6];
    we_status st = we_affine_invert(inv, crop_to_photo);
    if (st != WE_OK) return st;
    /* Photo-space bounding box of the crop square. */
    double cx[4] = {-0.5, S - 0.5, -0.5, S - 0.5}, cy[4] = {-0.5, -0.5, S - 0.5, S - 0.5};
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
        const float *A = crop_to_photo;
        double px = A[0] * cx[i] + A[1] * cy[i] + A[2], py = A[3] * cx[i] + A[4] * cy[i] + A[5];
        if (px < x0) x0 = px;
        if (px > x1) x1 = px;
        if (py < y0) y0 = py;
        if (py > y1) y1 = py;
    }
    int bx0, bx1, by0, by1;
    if (!we_affine_span(x0, x1, W, &bx0, &bx1) || !we_affine_span(y0, y1, H, &by0, &by1))
        return WE_OK; /* the crop lies outside the photo */
    size_t plane = (size_t)H * W, fplane = (size_t)S * S;
    for (int y = by0; y <= by1; y++)
        for (int x = bx0; x <= bx1; x++) {
            double qx = inv[0] * x + inv[1] * y + inv[2], qy = inv[3] * x + inv[4] * y + inv[5];
            if (qx <= -1 || qy <= -1 || qx >= S || qy >= S) continue;
            float a;
            if (mask) a = we_warp_sample(mask, S, S, qx, qy, WE_BORDER_ZERO);
            else a = (qx >= -0.5 && qy >= -0.5 && qx <= S - 0.5 && qy <= S - 0.5) ? 1.f : 0.f;
            if (!(a > 0)) continue;
            if (a > 1) a = 1;
            for (int c = 0; c < C; c++) {
                float v = we_warp_sample(face + c * fplane, S, S, qx, qy, WE_BORDER_CLAMP);
                float *p = photo + c * plane + (size_t)y * W + x;
                *p = (1 - a) * *p + a * v;
            }
        }
    return WE_OK;
}
