/* we_flow.c - Horn-Schunck optical flow, coarse to fine (see we_flow.h). */
#include "we_flow.h"

#include <math.h>
#include <string.h>

#include "we_warp.h"

/* The one bilinear sampler of lib/image, edges clamped as we_flow.h says. */
static float sample(const float *p, int h, int w, float x, float y)
{
    return we_warp_sample(p, h, w, x, y, WE_BORDER_CLAMP);
}

#define MAX_LEVELS 8

void we_flow_params_init(we_flow_params *p)
{
    p->alpha = 0.05f;
    p->levels = 3;
    p->warps = 1; /* coarse to fine is the warping; more per level diverged on small planes */
    p->iters = 60;
    p->max = 4.0f;
}

size_t we_flow_work_size(int h, int w)
{
    /* two pyramids (< 4/3 h w each, 2 h w to be safe) + 10 planes */
    return 14 * (size_t)h * (size_t)w + 64;
}

/* out [h/2, w/2] = 2x2 box means of inp [h, w] (a trailing odd row or
 * column is dropped). */
static void down2(float *out, const float *inp, int h, int w)
{
    int h2 = h / 2, w2 = w / 2;
    for (int y = 0; y < h2; y++)
        for (int x = 0; x < w2; x++) {
            const float *r = inp + (size_t)(2 * y) * w + 2 * x;
            out[(size_t)y * w2 + x] = 0.25f * (r[0] + r[1] + r[w] + r[w + 1]);
        }
}

/* The mean of the 4-neighbours of U at (y, x), edges clamped. */
static float avg4(const float *U, int h, int w, int y, int x)
{
    int xl = x > 0 ? x - 1 : x, xr = x + 1 < w ? x + 1 : x;
    int yt = y > 0 ? y - 1 : y, yb = y + 1 < h ? y + 1 : y;
    return 0.25f * (U[(size_t)y * w + xl] + U[(size_t)y * w + xr] + U[(size_t)yt * w + x] + U[(size_t)yb * w + x]);
}

/* One level: refine u, v [h, w] in place so that b ~ a(p + (u, v)).
 * t: 8 h w floats. */
static void level_refine(float *u, float *v, float *t, const float *a, const float *b, int h, int w,
                         const we_flow_params *p)
{
    size_t n = (size_t)h * (size_t)w;
    float *ix = t, *iy = t + n, *it = t + 2 * n, *aw = t + 3 * n;
    float *U = t + 4 * n, *V = t + 5 * n, *U2 = t + 6 * n, *V2 = t + 7 * n;
    float a2 = p->alpha * p->alpha;
    for (int k = 0; k < p->warps; k++) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t i = (size_t)y * w + x;
                aw[i] = sample(a, h, w, (float)x + u[i], (float)y + v[i]);
            }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t i = (size_t)y * w + x;
                int xl = x > 0 ? x - 1 : x, xr = x + 1 < w ? x + 1 : x;
                int yt = y > 0 ? y - 1 : y, yb = y + 1 < h ? y + 1 : y;
                /* gradients of the mean of the warped a and b: steadier
                 * over several warps than a's alone */
                float gx = aw[(size_t)y * w + xr] - aw[(size_t)y * w + xl] + b[(size_t)y * w + xr] - b[(size_t)y * w + xl];
                float gy = aw[(size_t)yb * w + x] - aw[(size_t)yt * w + x] + b[(size_t)yb * w + x] - b[(size_t)yt * w + x];
                ix[i] = 0.5f * gx / (float)(xr - xl > 0 ? xr - xl : 1);
                iy[i] = 0.5f * gy / (float)(yb - yt > 0 ? yb - yt : 1);
                it[i] = aw[i] - b[i];
            }
        /* Jacobi on the total flow U = u + du: the data term is linear in du */
        memcpy(U, u, n * sizeof(float));
        memcpy(V, v, n * sizeof(float));
        for (int r = 0; r < p->iters; r++) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    size_t i = (size_t)y * w + x;
                    float du = avg4(U, h, w, y, x) - u[i], dv = avg4(V, h, w, y, x) - v[i];
                    float e = (ix[i] * du + iy[i] * dv + it[i]) / (a2 + ix[i] * ix[i] + iy[i] * iy[i]);
                    U2[i] = u[i] + du - ix[i] * e;
                    V2[i] = v[i] + dv - iy[i] * e;
                }
            float *s = U;
            U = U2, U2 = s;
            s = V, V = V2, V2 = s;
        }
        memcpy(u, U, n * sizeof(float));
        memcpy(v, V, n * sizeof(float));
    }
}

void we_flow_estimate(float *u, float *v, float *work, const float *a, const float *b, int h, int w,
                      const we_flow_params *p)
{
    size_t n = (size_t)h * (size_t)w;
    const float *pa[MAX_LEVELS], *pb[MAX_LEVELS];
    int hs[MAX_LEVELS], ws[MAX_LEVELS], L = 1;
    float *t = work;
    pa[0] = a, pb[0] = b, hs[0] = h, ws[0] = w;
    while (L < p->levels && L < MAX_LEVELS && hs[L - 1] / 2 >= 8 && ws[L - 1] / 2 >= 8) {
        hs[L] = hs[L - 1] / 2, ws[L] = ws[L - 1] / 2;
        size_t m = (size_t)hs[L] * (size_t)ws[L];
        float *da = t, *db = t + m;
        down2(da, pa[L - 1], hs[L - 1], ws[L - 1]);
        down2(db, pb[L - 1], hs[L - 1], ws[L - 1]);
        pa[L] = da, pb[L] = db, t += 2 * m;
        L++;
    }
    /* the flow of each level in u, v's own storage (the finest last) */
    float *cu = t, *cv = t + n, *scratch = t + 2 * n;
    memset(cu, 0, (size_t)hs[L - 1] * (size_t)ws[L - 1] * sizeof(float));
    memset(cv, 0, (size_t)hs[L - 1] * (size_t)ws[L - 1] * sizeof(float));
    for (int l = L - 1; l >= 0; l--) {
        if (l < L - 1) { /* from the coarser level: upsample, double */
            int hc = hs[l + 1], wc = ws[l + 1];
            for (int y = 0; y < hs[l]; y++)
                for (int x = 0; x < ws[l]; x++) {
                    float cx = ((float)x + 0.5f) * (float)wc / (float)ws[l] - 0.5f;
                    float cy = ((float)y + 0.5f) * (float)hc / (float)hs[l] - 0.5f;
                    size_t i = (size_t)y * ws[l] + x;
                    u[i] = 2 * sample(cu, hc, wc, cx, cy);
                    v[i] = 2 * sample(cv, hc, wc, cx, cy);
                }
        } else {
            memset(u, 0, (size_t)hs[l] * (size_t)ws[l] * sizeof(float));
            memset(v, 0, (size_t)hs[l] * (size_t)ws[l] * sizeof(float));
        }
        level_refine(u, v, scratch, pa[l], pb[l], hs[l], ws[l], p);
        memcpy(cu, u, (size_t)hs[l] * (size_t)ws[l] * sizeof(float));
        memcpy(cv, v, (size_t)hs[l] * (size_t)ws[l] * sizeof(float));
    }
    if (p->max > 0)
        for (size_t i = 0; i < n; i++) {
            u[i] = u[i] > p->max ? p->max : u[i] < -p->max ? -p->max : u[i];
            v[i] = v[i] > p->max ? p->max : v[i] < -p->max ? -p->max : v[i];
        }
}

void we_flow_warp_up(float *out, const float *img, const float *u, const float *v, int h, int w, int f)
{
    int H = h * f, W = w * f;
    float s = 1.0f / (float)f;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float cx = ((float)x + 0.5f) * s - 0.5f, cy = ((float)y + 0.5f) * s - 0.5f;
            float U = (float)f * sample(u, h, w, cx, cy), V = (float)f * sample(v, h, w, cx, cy);
            size_t i = (size_t)y * W + x;
            out[i] = U == 0 && V == 0 ? img[i] : sample(img, H, W, (float)x + U, (float)y + V);
        }
}
