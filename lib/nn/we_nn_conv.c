/* we_nn_conv.c - conv2d forward/backward (im2col + cblas_sgemm, Winograd
 * for 3x3, a direct loop for depthwise), CPU reference. Layout, geometry
 * and accumulation rules: see we_nn.h. */
#include <cblas.h>
#include <string.h>

#include "we_nn.h"
#include "we_nn_priv.h"
#include "we_nn_winograd.h"

static int g_threads; /* 0: not set yet, follow OpenBLAS */

int we_nn_set_threads(int n)
{
    int prev = we_nn_get_threads();
    if (n >= 1) {
        openblas_set_num_threads(n);
        g_threads = n;
    }
    return prev;
}

int we_nn_get_threads(void)
{
    if (g_threads > 0) return g_threads;
    int n = openblas_get_num_threads();
    return n > 0 ? n : 1;
}

/* One sample's geometry with the optional fields resolved: C input planes
 * of H x W, a kh x kw kernel, stride s, padding pt/pb/pl/pr, Ho x Wo out. */
typedef struct {
    int C, H, W, kh, kw, s, pt, pb, pl, pr, Ho, Wo;
} cgeom;

static cgeom conv_geom(const we_conv2d_geom *d)
{
    cgeom g;
    g.C = d->Cin, g.H = d->H, g.W = d->W, g.s = d->stride;
    g.kh = d->kh, g.kw = d->kw;
    g.pt = d->pad_t, g.pb = d->pad_b, g.pl = d->pad_l, g.pr = d->pad_r;
    g.Ho = (g.H + g.pt + g.pb - g.kh) / g.s + 1;
    g.Wo = (g.W + g.pl + g.pr - g.kw) / g.s + 1;
    return g;
}

we_conv2d_geom we_conv2d_geom_of(const we_conv2d_dims *d)
{
    we_conv2d_geom g = {.N = d->N, .Cin = d->Cin, .H = d->H, .W = d->W, .Cout = d->Cout,
                        .groups = d->groups, .kh = d->k, .kw = d->k, .stride = d->stride,
                        .pad_t = d->pad, .pad_b = d->pad, .pad_l = d->pad, .pad_r = d->pad,
                        .algo = WE_CONV2D_AUTO};
    return g;
}

int we_conv2d_geom_out_h(const we_conv2d_geom *g) { return conv_geom(g).Ho; }
int we_conv2d_geom_out_w(const we_conv2d_geom *g) { return conv_geom(g).Wo; }
int we_conv2d_out_h(const we_conv2d_dims *d) { return (d->H + 2 * d->pad - d->k) / d->stride + 1; }
int we_conv2d_out_w(const we_conv2d_dims *d) { return (d->W + 2 * d->pad - d->k) / d->stride + 1; }

static int pads_all(const cgeom *g, int p)
{
    return g->pt == p && g->pb == p && g->pl == p && g->pr == p;
}

/* Depthwise (one input channel per group, channel multiplier 1): a
 * direct loop over the taps (WE_CONV2D_PLAIN only; AUTO keeps the GEMM). */
static int conv_is_depthwise(const we_conv2d_geom *d)
{
    return d->algo == WE_CONV2D_PLAIN && d->groups > 1 && d->Cin == d->groups && d->Cout == d->groups;
}

/* A 1x1, stride 1, unpadded conv is a plain GEMM on the input. */
static int conv_is_pointwise(const we_conv2d_geom *d)
{
    cgeom g = conv_geom(d);
    return !conv_is_depthwise(d) && g.kh == 1 && g.kw == 1 && g.s == 1 && pads_all(&g, 0);
}

/* A stride-1 "same" conv (odd square k, pad (k-1)/2 on every side): its
 * input gradient is the same conv of dout with the flipped, transposed
 * kernel, so backward uses im2col(dout) + GEMM into dinp instead of
 * GEMM + col2im (WE_CONV2D_AUTO only). */
static int conv_is_same(const we_conv2d_geom *d)
{
    cgeom g = conv_geom(d);
    return d->algo == WE_CONV2D_AUTO && g.s == 1 && g.kh == g.kw && (g.kh & 1) &&
           pads_all(&g, (g.kh - 1) / 2);
}

/* 3x3, stride 1, pad 1 with enough tiles: forward, dinp and dweight by
 * Winograd F(2x2,3x3) (WE_CONV2D_AUTO only). Below g_wino_min_tiles 2x2
 * output tiles per call (small maps at batch 1, the edit loop) the
 * per-call weight transform costs more than it saves, and im2col + GEMM
 * runs instead. */
static long g_wino_min_tiles = 64;

long we_nn_conv_wino_min_tiles(long n)
{
    long prev = g_wino_min_tiles;
    if (n >= 0) g_wino_min_tiles = n;
    return prev;
}

static int conv_is_wino(const we_conv2d_geom *d)
{
    cgeom g = conv_geom(d);
    long tiles = (long)d->N * ((d->H + 1) / 2) * ((d->W + 1) / 2);
    return d->algo == WE_CONV2D_AUTO && g.kh == 3 && g.kw == 3 && g.s == 1 && pads_all(&g, 1) &&
           tiles >= g_wino_min_tiles;
}

/* Scratch layout (floats), shared by forward and backward:
 *   col    one sample's im2col of the input (Cin*kh*kw*P), reused in
 *          backward, after the weight gradient's GEMM, for dcol or for the
 *          im2col of dout (same convs: Cout*k*k*P); none for pointwise,
 *          depthwise and Winograd convs
 *   wflip  nW            flipped, transposed weights (same conv only)
 *   dwt    nW            dweight^T accumulated over the batch (not for
 *                        depthwise convs)
 *   wino   Winograd U, V, M buffers (Winograd convs only) */
typedef struct {
    size_t col, wflip, dwt, wino, total;
} conv_scratch;

static conv_scratch conv_layout(const we_conv2d_geom *d)
{
    conv_scratch l;
    cgeom g = conv_geom(d);
    size_t P = (size_t)g.Ho * (size_t)g.Wo;
    size_t kk = (size_t)g.kh * g.kw, nW = (size_t)d->Cout * (d->Cin / d->groups) * kk;
    int pw = conv_is_pointwise(d), same = conv_is_same(d), wino = conv_is_wino(d);
    int dw = conv_is_depthwise(d);
    size_t ncol = (pw || wino || dw) ? 0 : (size_t)d->Cin * kk * P;
    size_t nsec = (pw || wino || dw) ? 0 : (same ? (size_t)d->Cout * kk * P : ncol);
    l.col = 0;
    l.wflip = ncol > nsec ? ncol : nsec;
    l.dwt = l.wflip + (same && !pw ? nW : 0);
    l.wino = l.dwt + (dw ? 0 : nW);
    l.total = l.wino + (wino ? we_nn_wino_scratch_size(d->N, d->Cin, d->Cout, d->H, d->W, d->groups) : 0);
    return l;
}

size_t we_nn_conv2d_geom_scratch_size(const we_conv2d_geom *d)
{
    return conv_layout(d).total;
}

size_t we_nn_conv2d_scratch_size(const we_conv2d_dims *d)
{
    we_conv2d_geom g = we_conv2d_geom_of(d);
    return conv_layout(&g).total;
}

/* col[(c*kh + ky)*kw + kx][oh*Wo + ow] = x[c][oh*s - pt + ky][ow*s - pl + kx]
 * (0 outside), for the C planes of g. */
static void im2col(float *col, const float *x, const cgeom *g)
{
    const int kh = g->kh, kw = g->kw, s = g->s, H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo;
    for (int c = 0; c < g->C; c++) {
        const float *xc = x + (size_t)c * H * W;
        for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) {
                float *row = col + ((size_t)(c * kh + ky) * kw + kx) * Ho * Wo;
                /* ow range with 0 <= ow*s - pl + kx < W */
                int ow0 = 0, ow1 = Wo;
                while (ow0 < Wo && ow0 * s - g->pl + kx < 0) ow0++;
                while (ow1 > ow0 && (ow1 - 1) * s - g->pl + kx >= W) ow1--;
                for (int oh = 0; oh < Ho; oh++) {
                    float *r = row + (size_t)oh * Wo;
                    int ih = oh * s - g->pt + ky;
                    if (ih < 0 || ih >= H) {
                        memset(r, 0, sizeof(float) * Wo);
                        continue;
                    }
                    const float *xr = xc + (size_t)ih * W;
                    for (int ow = 0; ow < ow0; ow++) r[ow] = 0.0f;
                    if (s == 1) {
                        memcpy(r + ow0, xr + ow0 - g->pl + kx, sizeof(float) * (ow1 - ow0));
                    } else {
                        for (int ow = ow0; ow < ow1; ow++) r[ow] = xr[ow * s - g->pl + kx];
                    }
                    for (int ow = ow1; ow < Wo; ow++) r[ow] = 0.0f;
                }
            }
        }
    }
}

/* The transpose of im2col: dx[c][ih][iw] += every col entry that read it. */
static void col2im_add(float *dx, const float *col, const cgeom *g)
{
    const int kh = g->kh, kw = g->kw, s = g->s, H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo;
    for (int c = 0; c < g->C; c++) {
        float *xc = dx + (size_t)c * H * W;
        for (int ky = 0; ky < kh; ky++) {
            for (int kx = 0; kx < kw; kx++) {
                const float *row = col + ((size_t)(c * kh + ky) * kw + kx) * Ho * Wo;
                int ow0 = 0, ow1 = Wo;
                while (ow0 < Wo && ow0 * s - g->pl + kx < 0) ow0++;
                while (ow1 > ow0 && (ow1 - 1) * s - g->pl + kx >= W) ow1--;
                for (int oh = 0; oh < Ho; oh++) {
                    int ih = oh * s - g->pt + ky;
                    if (ih < 0 || ih >= H) continue;
                    const float *r = row + (size_t)oh * Wo;
                    float *xr = xc + (size_t)ih * W - g->pl + kx;
                    if (s == 1) {
                        for (int ow = ow0; ow < ow1; ow++) xr[ow] += r[ow];
                    } else {
                        for (int ow = ow0; ow < ow1; ow++) xr[ow * s] += r[ow];
                    }
                }
            }
        }
    }
}

/* Depthwise forward of one sample: y[c] = sum over taps of f[c] * x[c], in
 * tap order (ky, kx), one rounding per product and per sum. */
static void dw_forward(float *y, const float *x, const float *w, const cgeom *g)
{
    const int kh = g->kh, kw = g->kw, s = g->s, H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo;
    for (int c = 0; c < g->C; c++) {
        const float *xc = x + (size_t)c * H * W, *f = w + (size_t)c * kh * kw;
        float *o = y + (size_t)c * Ho * Wo;
        for (int oy = 0; oy < Ho; oy++)
            for (int ox = 0; ox < Wo; ox++) {
                float acc = 0;
                int y0 = oy * s - g->pt, x0 = ox * s - g->pl;
                if (kh == 3 && kw == 3 && y0 >= 0 && x0 >= 0 && y0 + 2 < H && x0 + 2 < W) {
                    const float *r = xc + (size_t)y0 * W + x0;
                    acc = f[0] * r[0] + f[1] * r[1] + f[2] * r[2] + f[3] * r[W] + f[4] * r[W + 1] +
                          f[5] * r[W + 2] + f[6] * r[2 * W] + f[7] * r[2 * W + 1] + f[8] * r[2 * W + 2];
                } else {
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = y0 + ky;
                        if (iy < 0 || iy >= H) continue;
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = x0 + kx;
                            if (ix >= 0 && ix < W) acc += f[ky * kw + kx] * xc[(size_t)iy * W + ix];
                        }
                    }
                }
                o[(size_t)oy * Wo + ox] = acc;
            }
    }
}

/* Depthwise backward of one sample: dx += the transpose (output by output,
 * taps in order), dw += sum of dy * x per tap (either may be NULL). */
static void dw_backward(float *dx, float *dw, const float *dy, const float *x, const float *w,
                        const cgeom *g)
{
    const int kh = g->kh, kw = g->kw, s = g->s, H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo;
    for (int c = 0; c < g->C; c++) {
        const float *f = w + (size_t)c * kh * kw, *d = dy + (size_t)c * Ho * Wo;
        const float *xc = dw ? x + (size_t)c * H * W : NULL;
        float *dxc = dx ? dx + (size_t)c * H * W : NULL;
        for (int oy = 0; dxc && oy < Ho; oy++)
            for (int ox = 0; ox < Wo; ox++) {
                float gv = d[(size_t)oy * Wo + ox];
                int y0 = oy * s - g->pt, x0 = ox * s - g->pl;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = y0 + ky;
                    if (iy < 0 || iy >= H) continue;
                    for (int kx = 0; kx < kw; kx++) {
                        int ix = x0 + kx;
                        if (ix >= 0 && ix < W) dxc[(size_t)iy * W + ix] += f[ky * kw + kx] * gv;
                    }
                }
            }
        for (int ky = 0; dw && ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++) {
                float acc = 0;
                for (int oy = 0; oy < Ho; oy++) {
                    int iy = oy * s - g->pt + ky;
                    if (iy < 0 || iy >= H) continue;
                    for (int ox = 0; ox < Wo; ox++) {
                        int ix = ox * s - g->pl + kx;
                        if (ix >= 0 && ix < W) acc += d[(size_t)oy * Wo + ox] * xc[(size_t)iy * W + ix];
                    }
                }
                dw[((size_t)c * kh + ky) * kw + kx] += acc;
            }
    }
}

static void add_bias(float *y, const float *bias, int C, int P)
{
    for (int co = 0; co < C; co++) {
        float b = bias[co], *yc = y + (size_t)co * P;
        for (int i = 0; i < P; i++) yc[i] += b;
    }
}

void we_nn_conv2d_geom_forward(float *out, float *scratch, const float *inp,
                               const float *weight, const float *bias,
                               const we_conv2d_geom *d)
{
    const cgeom g = conv_geom(d);
    const int P = g.Ho * g.Wo;
    const int G = d->groups, Cig = d->Cin / G, Cog = d->Cout / G;
    const int K = Cig * g.kh * g.kw;
    const int pw = conv_is_pointwise(d), dw = conv_is_depthwise(d);
    if (conv_is_wino(d)) {
        we_nn_wino_conv3x3(out, 0, scratch + conv_layout(d).wino, inp, weight, bias, d->N, d->Cin,
                           d->Cout, d->H, d->W, G, we_nn_get_threads());
        return;
    }
    for (int n = 0; n < d->N; n++) {
        const float *x = inp + (size_t)n * d->Cin * d->H * d->W;
        float *y = out + (size_t)n * d->Cout * P;
        if (dw) {
            dw_forward(y, x, weight, &g);
        } else {
            const float *col = x;
            if (!pw) {
                im2col(scratch, x, &g);
                col = scratch;
            }
            for (int gi = 0; gi < G; gi++) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cog, P, K, 1.0f,
                            weight + (size_t)gi * Cog * K, K, col + (size_t)gi * K * P, P, 0.0f,
                            y + (size_t)gi * Cog * P, P);
            }
        }
        if (bias) add_bias(y, bias, d->Cout, P);
    }
}

/* Gradients accumulate (+=) into dinp, dweight and dbias; NULL skips. */
void we_nn_conv2d_geom_backward(float *dinp, float *dweight, float *dbias, float *scratch,
                                const float *dout, const float *inp, const float *weight,
                                const we_conv2d_geom *d)
{
    const cgeom g = conv_geom(d);
    const int Ho = g.Ho, Wo = g.Wo, P = Ho * Wo;
    const int G = d->groups, Cig = d->Cin / G, Cog = d->Cout / G;
    const int K = Cig * g.kh * g.kw;
    const int pw = conv_is_pointwise(d), same = !pw && conv_is_same(d), wino = conv_is_wino(d);
    const int dw = conv_is_depthwise(d);
    const int kk = g.kh * g.kw, Kt = Cog * kk; /* transposed conv: K of the dinp GEMM */
    const conv_scratch L = conv_layout(d);
    /* (scratch may be NULL where nothing below touches it) */
    float *wflip = scratch ? scratch + L.wflip : NULL, *dycol = scratch ? scratch + L.col : NULL;
    float *dwt = scratch ? scratch + L.dwt : NULL;
    cgeom gd = g; /* dout seen as the input of the transposed conv (same convs) */
    gd.C = d->Cout;
    if (dweight && !dw) memset(dwt, 0, sizeof(float) * (size_t)d->Cout * K);
    if (dinp && same) {
        /* wflip_g[ci][co][a][b] = W[g*Cog + co][ci][k-1-a][k-1-b] */
        for (int gi = 0; gi < G; gi++)
            for (int ci = 0; ci < Cig; ci++)
                for (int co = 0; co < Cog; co++)
                    for (int a = 0; a < kk; a++)
                        wflip[(((size_t)gi * Cig + ci) * Cog + co) * kk + a] =
                            weight[(((size_t)gi * Cog + co) * Cig + ci) * kk + (kk - 1 - a)];
    }
    for (int n = 0; n < d->N; n++) {
        const float *x = inp ? inp + (size_t)n * d->Cin * d->H * d->W : NULL; /* NULL: no dweight */
        const float *dy = dout + (size_t)n * d->Cout * P;
        if (dbias) {
            for (int co = 0; co < d->Cout; co++) {
                const float *r = dy + (size_t)co * P;
                float s = 0.0f;
                for (int i = 0; i < P; i++) s += r[i];
                dbias[co] += s;
            }
        }
        if (dw) {
            dw_backward(dinp ? dinp + (size_t)n * d->Cin * d->H * d->W : NULL, dweight, dy, x, weight, &g);
            continue;
        }
        if (dweight && !wino) {
            const float *col = x;
            if (!pw) {
                im2col(scratch + L.col, x, &g);
                col = scratch + L.col;
            }
            /* dW_g^T [K,Cog] += col_g [K,P] dy_g^T: this orientation runs
             * markedly faster in OpenBLAS than dW_g += dy_g col_g^T. */
            for (int gi = 0; gi < G; gi++) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, Cog, P, 1.0f,
                            col + (size_t)gi * K * P, P, dy + (size_t)gi * Cog * P, P, 1.0f,
                            dwt + (size_t)gi * K * Cog, Cog);
            }
        }
        /* from here the col region is free again (its im2col is used up) */
        if (dinp && wino) {
            /* after the loop, over the whole batch */
        } else if (dinp && same) {
            float *dx = dinp + (size_t)n * d->Cin * d->H * d->W;
            im2col(dycol, dy, &gd);
            for (int gi = 0; gi < G; gi++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cig, P, Kt, 1.0f,
                            wflip + (size_t)gi * Cig * Kt, Kt, dycol + (size_t)gi * Kt * P, P, 1.0f,
                            dx + (size_t)gi * Cig * P, P);
        } else if (dinp) {
            float *dx = dinp + (size_t)n * d->Cin * d->H * d->W;
            float *dcol = pw ? dx : scratch + L.col;
            for (int gi = 0; gi < G; gi++) {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, Cog, 1.0f,
                            weight + (size_t)gi * Cog * K, K, dy + (size_t)gi * Cog * P, P,
                            pw ? 1.0f : 0.0f, dcol + (size_t)gi * K * P, P);
            }
            if (!pw) col2im_add(dx, dcol, &g);
        }
    }
    if (dinp && wino)
        we_nn_wino_conv3x3(dinp, 1, scratch + L.wino, dout, wflip, NULL, d->N, d->Cout, d->Cin,
                           d->H, d->W, G, we_nn_get_threads());
    if (dweight && wino)
        we_nn_wino_dweight3x3(dweight, scratch + L.wino, dout, inp, d->N, d->Cin, d->Cout, d->H,
                              d->W, G, we_nn_get_threads());
    else if (dweight && !dw)
        for (int gi = 0; gi < G; gi++)
            for (int co = 0; co < Cog; co++)
                for (int j = 0; j < K; j++)
                    dweight[((size_t)gi * Cog + co) * K + j] += dwt[((size_t)gi * K + j) * Cog + co];
}

void we_nn_conv2d_forward(float *out, float *scratch, const float *inp,
                          const float *weight, const float *bias,
                          const we_conv2d_dims *d)
{
    we_conv2d_geom g = we_conv2d_geom_of(d);
    we_nn_conv2d_geom_forward(out, scratch, inp, weight, bias, &g);
}

void we_nn_conv2d_backward(float *dinp, float *dweight, float *dbias, float *scratch,
                           const float *dout, const float *inp, const float *weight,
                           const we_conv2d_dims *d)
{
    we_conv2d_geom g = we_conv2d_geom_of(d);
    we_nn_conv2d_geom_backward(dinp, dweight, dbias, scratch, dout, inp, weight, &g);
}
