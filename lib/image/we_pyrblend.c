/* we_pyrblend.c - Laplacian pyramid blend inside a distance-map region. */
#include "we_pyrblend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_affine.h"
#include "we_warp.h"

#define MAXLEV 12

static const float K5[5] = {1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f};

int we_pyrblend_levels(double inradius)
{
    int L = 1;
    while (L < 6 && we_pyrblend_reach(L + 1) <= inradius / 2) L++;
    return L;
}

double we_pyrblend_reach(int levels) { return 5.0 * ldexp(1, levels) - 4; }

/* Mirror about the edge samples (-1 -> 1, n -> n-2). */
static int refl(int i, int n)
{
    if (n == 1) return 0;
    while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
    return i;
}

/* dst (ceil(h/2) x ceil(w/2)) = every other sample of src (h x w) blurred
 * by K5 x K5; tmp: h x ceil(w/2). */
static void reduce(float *dst, float *tmp, const float *src, int h, int w)
{
    int hc = (h + 1) / 2, wc = (w + 1) / 2;
    for (int y = 0; y < h; y++)
        for (int j = 0; j < wc; j++) {
            float s = 0;
            for (int k = -2; k <= 2; k++) s += K5[k + 2] * src[(size_t)y * w + refl(2 * j + k, w)];
            tmp[(size_t)y * wc + j] = s;
        }
    for (int i = 0; i < hc; i++)
        for (int j = 0; j < wc; j++) {
            float s = 0;
            for (int k = -2; k <= 2; k++) s += K5[k + 2] * tmp[(size_t)refl(2 * i + k, h) * wc + j];
            dst[(size_t)i * wc + j] = s;
        }
}

/* dst (h x w) = src (ceil(h/2) x ceil(w/2)) put on the even samples and
 * interpolated by 2 K5 x 2 K5; tmp: ceil(h/2) x w. */
static void expand(float *dst, float *tmp, const float *src, int h, int w)
{
    int hc = (h + 1) / 2, wc = (w + 1) / 2;
    for (int i = 0; i < hc; i++)
        for (int x = 0; x < w; x++) {
            float s = 0;
            for (int k = -2; k <= 2; k++) {
                int j = refl(x - k, w);
                if (!(j & 1)) s += 2 * K5[k + 2] * src[(size_t)i * wc + j / 2];
            }
            tmp[(size_t)i * w + x] = s;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0;
            for (int k = -2; k <= 2; k++) {
                int i = refl(y - k, h);
                if (!(i & 1)) s += 2 * K5[k + 2] * tmp[(size_t)(i / 2) * w + x];
            }
            dst[(size_t)y * w + x] = s;
        }
}

we_status we_pyrblend(float *a, const float *b, const float *dist, int C, int h, int w, int levels)
{
    if (C < 1 || h < 1 || w < 1 || levels < 1 || levels > MAXLEV)
        return we_err_set(WE_EUSAGE, "pyramid blend: C %d, %dx%d, %d levels unsupported", C, w, h, levels);
    int L = 0, hs[MAXLEV + 1], ws[MAXLEV + 1];
    size_t off[MAXLEV + 2];
    hs[0] = h;
    ws[0] = w;
    off[0] = 0;
    off[1] = (size_t)h * w;
    while (L < levels && (hs[L] > 1 || ws[L] > 1)) {
        hs[L + 1] = (hs[L] + 1) / 2;
        ws[L + 1] = (ws[L] + 1) / 2;
        L++;
        off[L + 1] = off[L] + (size_t)hs[L] * ws[L];
    }
    size_t total = off[L + 1], plane = (size_t)h * w;
    float *g = malloc(total * sizeof *g), *m = malloc(total * sizeof *m);
    float *e = malloc(plane * sizeof *e), *tmp = malloc(plane * sizeof *tmp);
    if (!g || !m || !e || !tmp) {
        free(g); free(m); free(e); free(tmp);
        return we_err_set(WE_ENOMEM, "pyramid blend: out of memory (%dx%d)", w, h);
    }
    /* Masks: level l samples dist at pixel (2^l i, 2^l j). */
    for (int l = 0; l <= L; l++) {
        double e0 = ldexp(1, l + 1) - 2, f = ldexp(1, l);
        for (int i = 0; i < hs[l]; i++)
            for (int j = 0; j < ws[l]; j++) {
                double t = (dist[((size_t)i << l) * w + ((size_t)j << l)] - e0) / f;
                m[off[l] + (size_t)i * ws[l] + j] = t <= 0 ? 0.f : t >= 1 ? 1.f : (float)(t * t * (3 - 2 * t));
            }
    }
    for (int c = 0; c < C; c++) {
        float *ac = a + c * plane;
        const float *bc = b + c * plane;
        for (size_t i = 0; i < plane; i++) g[i] = bc[i] - ac[i];
        for (int l = 0; l < L; l++) reduce(g + off[l + 1], tmp, g + off[l], hs[l], ws[l]);
        for (int l = 0; l < L; l++) { /* band l = G_l - expand(G_{l+1}) */
            expand(e, tmp, g + off[l + 1], hs[l], ws[l]);
            for (size_t i = 0; i < (size_t)hs[l] * ws[l]; i++) g[off[l] + i] -= e[i];
        }
        for (size_t i = 0; i < (size_t)hs[L] * ws[L]; i++) g[off[L] + i] *= m[off[L] + i];
        for (int l = L - 1; l >= 0; l--) { /* collapse the masked bands */
            expand(e, tmp, g + off[l + 1], hs[l], ws[l]);
            for (size_t i = 0; i < (size_t)hs[l] * ws[l]; i++) g[off[l] + i] = m[off[l] + i] * g[off[l] + i] + e[i];
        }
        for (size_t i = 0; i < plane; i++)
            if (dist[i] > 0) ac[i] += g[i];
    }
    free(g); free(m); free(e); free(tmp);
    return WE_OK;
}

/* Signed distance to the nearest edge line of convex polygon poly (k
 * points, counter-clockwise as we_warp_convex_hull writes it). */
static double poly_dist(const float *poly, int k, double x, double y)
{
    double dmin = INFINITY;
    for (int e = 0; e < k; e++) {
        const float *p = poly + 2 * e, *q = poly + 2 * ((e + 1) % k);
        double ex = q[0] - p[0], ey = q[1] - p[1], len = sqrt(ex * ex + ey * ey);
        if (len <= 0) continue;
        double d = (ex * (y - p[1]) - ey * (x - p[0])) / len;
        if (d < dmin) dmin = d;
    }
    return dmin;
}

we_status we_pyrblend_hull_dist(float *dist, int h, int w, double x0, double y0, const float *pts, int n,
                                const float clip[8])
{
    memset(dist, 0, (size_t)h * w * sizeof *dist);
    float *hull = malloc((size_t)(n > 4 ? n : 4) * 2 * sizeof *hull), cq[8];
    if (!hull) return we_err_set(WE_ENOMEM, "hull distance: out of memory");
    int k = we_warp_convex_hull(hull, pts, n), kc = clip ? we_warp_convex_hull(cq, clip, 4) : 0;
    if (k >= 3)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double d = poly_dist(hull, k, x0 + x, y0 + y);
                if (kc >= 3) d = fmin(d, poly_dist(cq, kc, x0 + x, y0 + y));
                dist[(size_t)y * w + x] = d > 0 ? (float)d : 0.f;
            }
    free(hull);
    return WE_OK;
}

we_status we_pyrblend_paste(float *photo, int C, int H, int W, const float *face, int S,
                            const float crop_to_photo[6], const float *pts, int npts, int levels)
{
    if (C < 1 || S < 1 || H < 1 || W < 1)
        return we_err_set(WE_EUSAGE, "pyramid paste: C %d, S %d, %dx%d unsupported", C, S, W, H);
    float inv[6];
    we_status st = we_affine_invert(inv, crop_to_photo);
    if (st != WE_OK) return st;
    const float *A = crop_to_photo;
    /* The crop square (pixel edges) in photo pixels, and its bounding box. */
    float sq[8] = {-0.5f, -0.5f, S - 0.5f, -0.5f, S - 0.5f, S - 0.5f, -0.5f, S - 0.5f};
    we_affine_apply(A, sq, 4);
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 4; i++) {
        x0 = fmin(x0, sq[2 * i]); x1 = fmax(x1, sq[2 * i]);
        y0 = fmin(y0, sq[2 * i + 1]); y1 = fmax(y1, sq[2 * i + 1]);
    }
    int bx0, bx1, by0, by1;
    if (!we_affine_span(x0, x1, W, &bx0, &bx1) || !we_affine_span(y0, y1, H, &by0, &by1))
        return WE_OK; /* the crop lies outside the photo */
    int bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;
    size_t bplane = (size_t)bw * bh, plane = (size_t)H * W, fplane = (size_t)S * S;
    float *hp = malloc((size_t)(npts > 4 ? npts : 4) * 2 * sizeof *hp);
    float *dist = malloc(bplane * sizeof *dist);
    float *a = malloc((size_t)C * bplane * sizeof *a), *b = malloc((size_t)C * bplane * sizeof *b);
    if (!hp || !dist || !a || !b) { st = we_err_set(WE_ENOMEM, "pyramid paste: out of memory"); goto out; }
    float corners[8] = {0, 0, (float)(S - 1), 0, 0, (float)(S - 1), (float)(S - 1), (float)(S - 1)};
    if (!pts || npts < 3) { pts = corners; npts = 4; }
    memcpy(hp, pts, (size_t)npts * 2 * sizeof *hp);
    we_affine_apply(A, hp, npts);
    if ((st = we_pyrblend_hull_dist(dist, bh, bw, bx0, by0, hp, npts, sq)) != WE_OK) goto out;
    double r = 0;
    for (size_t i = 0; i < bplane; i++) r = fmax(r, dist[i]);
    if (r <= 0) goto out;
    for (int c = 0; c < C; c++)
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) {
                size_t i = (size_t)y * bw + x;
                double qx = inv[0] * (bx0 + x) + inv[1] * (by0 + y) + inv[2];
                double qy = inv[3] * (bx0 + x) + inv[4] * (by0 + y) + inv[5];
                a[c * bplane + i] = photo[c * plane + (size_t)(by0 + y) * W + bx0 + x];
                b[c * bplane + i] = we_warp_sample(face + c * fplane, S, S, qx, qy, WE_BORDER_CLAMP);
            }
    if ((st = we_pyrblend(a, b, dist, C, bh, bw, levels > 0 ? levels : we_pyrblend_levels(r))) != WE_OK) goto out;
    for (int c = 0; c < C; c++)
        for (int y = 0; y < bh; y++)
            memcpy(photo + c * plane + (size_t)(by0 + y) * W + bx0, a + c * bplane + (size_t)y * bw,
                   (size_t)bw * sizeof *a);
out:
    free(hp); free(dist); free(a); free(b);
    return st;
}
