/* we_nn_conv.c - conv2d forward/backward (im2col + cblas_sgemm), CPU reference.
 * Layout and accumulation rules: see we_nn.h. */
#include <cblas.h>
#include <string.h>

#include "we_nn.h"
#include "we_nn_priv.h"

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

int we_conv2d_out_h(const we_conv2d_dims *d) { return (d->H + 2 * d->pad - d->k) / d->stride + 1; }
int we_conv2d_out_w(const we_conv2d_dims *d) { return (d->W + 2 * d->pad - d->k) / d->stride + 1; }

/* A 1x1, stride 1, unpadded conv is a plain GEMM on the input. */
static int conv_is_pointwise(const we_conv2d_dims *d)
{
    return d->k == 1 && d->stride == 1 && d->pad == 0;
}

/* A stride-1 "same" conv (odd k, pad (k-1)/2): its input gradient is the
 * same conv of dout with the flipped, transposed kernel, so backward uses
 * im2col(dout) + GEMM into dinp instead of GEMM + col2im. */
static int conv_is_same(const we_conv2d_dims *d)
{
    return d->stride == 1 && (d->k & 1) && d->pad == (d->k - 1) / 2;
}

/* 3x3, stride 1, pad 1 with enough tiles: forward, dinp and dweight by
 * Winograd F(2x2,3x3). Below g_wino_min_tiles 2x2 output tiles per call
 * (small maps at batch 1, the edit loop) the per-call weight transform
 * costs more than it saves, and im2col + GEMM runs instead. */
static long g_wino_min_tiles = 64;

long we_nn_conv_wino_min_tiles(long n)
{
    long prev = g_wino_min_tiles;
    if (n >= 0) g_wino_min_tiles = n;
    return prev;
}

static int conv_is_wino(const we_conv2d_dims *d)
{
    long tiles = (long)d->N * ((d->H + 1) / 2) * ((d->W + 1) / 2);
    return d->k == 3 && d->stride == 1 && d->pad == 1 && tiles >= g_wino_min_tiles;
}

/* Scratch layout (floats), shared by forward and backward:
 *   col    Cin*k*k*P     im2col of one input sample (not for pointwise)
 *   second Cout*k*k*P (same conv: im2col of dout) or Cin*k*k*P (dcol);
 *                        none for pointwise and Winograd convs
 *   wflip  nW            flipped, transposed weights (same conv only)
 *   dwt    nW            dweight^T accumulated over the batch
 *   wino   Winograd U, V, M buffers (Winograd convs only) */
typedef struct {
    size_t col, second, wflip, dwt, wino, total;
} conv_scratch;

static conv_scratch conv_layout(const we_conv2d_dims *d)
{
    conv_scratch l;
    size_t P = (size_t)we_conv2d_out_h(d) * (size_t)we_conv2d_out_w(d);
    size_t kk = (size_t)d->k * d->k, nW = (size_t)d->Cout * (d->Cin / d->groups) * kk;
    int pw = conv_is_pointwise(d), same = conv_is_same(d), wino = conv_is_wino(d);
    size_t ncol = (pw || wino) ? 0 : (size_t)d->Cin * kk * P;
    size_t nsec = (pw || wino) ? 0 : (same ? (size_t)d->Cout * kk * P : ncol);
    l.col = 0;
    l.second = ncol;
    l.wflip = l.second + nsec;
    l.dwt = l.wflip + (same && !pw ? nW : 0);
    l.wino = l.dwt + nW;
    l.total = l.wino + (wino ? we_nn_wino_scratch_size(d->N, d->Cin, d->Cout, d->H, d->W, d->groups) : 0);
    return l;
}

size_t we_nn_conv2d_scratch_size(const we_conv2d_dims *d)
{
    return conv_layout(d).total;
}

/* col[(c*k + kh)*k + kw][oh*Wo + ow] = x[c][oh*s - p + kh][ow*s - p + kw] (0 outside). */
static void im2col(float *col, const float *x, const we_conv2d_dims *d, int Ho, int Wo)
{
    const int k = d->k, s = d->stride, p = d->pad, H = d->H, W = d->W;
    for (int c = 0; c < d->Cin; c++) {
        const float *xc = x + (size_t)c * H * W;
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                float *row = col + ((size_t)(c * k + kh) * k + kw) * Ho * Wo;
                /* ow range with 0 <= ow*s - p + kw < W */
                int ow0 = 0, ow1 = Wo;
                while (ow0 < Wo && ow0 * s - p + kw < 0) ow0++;
                while (ow1 > ow0 && (ow1 - 1) * s - p + kw >= W) ow1--;
                for (int oh = 0; oh < Ho; oh++) {
                    float *r = row + (size_t)oh * Wo;
                    int ih = oh * s - p + kh;
                    if (ih < 0 || ih >= H) {
                        memset(r, 0, sizeof(float) * Wo);
                        continue;
                    }
                    const float *xr = xc + (size_t)ih * W;
                    for (int ow = 0; ow < ow0; ow++) r[ow] = 0.0f;
                    if (s == 1) {
                        memcpy(r + ow0, xr + ow0 - p + kw, sizeof(float) * (ow1 - ow0));
                    } else {
                        for (int ow = ow0; ow < ow1; ow++) r[ow] = xr[ow * s - p + kw];
                    }
                    for (int ow = ow1; ow < Wo; ow++) r[ow] = 0.0f;
                }
            }
        }
    }
}

/* The transpose of im2col: dx[c][ih][iw] += every col entry that read it. */
static void col2im_add(float *dx, const float *col, const we_conv2d_dims *d, int Ho, int Wo)
{
    const int k = d->k, s = d->stride, p = d->pad, H = d->H, W = d->W;
    for (int c = 0; c < d->Cin; c++) {
        float *xc = dx + (size_t)c * H * W;
        for (int kh = 0; kh < k; kh++) {
            for (int kw = 0; kw < k; kw++) {
                const float *row = col + ((size_t)(c * k + kh) * k + kw) * Ho * Wo;
                int ow0 = 0, ow1 = Wo;
                while (ow0 < Wo && ow0 * s - p + kw < 0) ow0++;
                while (ow1 > ow0 && (ow1 - 1) * s - p + kw >= W) ow1--;
                for (int oh = 0; oh < Ho; oh++) {
                    int ih = oh * s - p + kh;
                    if (ih < 0 || ih >= H) continue;
                    const float *r = row + (size_t)oh * Wo;
                    float *xr = xc + (size_t)ih * W - p + kw;
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

void we_nn_conv2d_forward(float *out, float *scratch, const float *inp,
                          const float *weight, const float *bias,
                          const we_conv2d_dims *d)
{
    const int Ho = we_conv2d_out_h(d), Wo = we_conv2d_out_w(d), P = Ho * Wo;
    const int G = d->groups, Cig = d->Cin / G, Cog = d->Cout / G;
    const int K = Cig * d->k * d->k;
    const int pw = conv_is_pointwise(d);
    if (conv_is_wino(d)) {
        we_nn_wino_conv3x3(out, 0, scratch + conv_layout(d).wino, inp, weight, bias, d->N, d->Cin,
                           d->Cout, d->H, d->W, G);
        return;
    }
    for (int n = 0; n < d->N; n++) {
        const float *x = inp + (size_t)n * d->Cin * d->H * d->W;
        float *y = out + (size_t)n * d->Cout * P;
        const float *col = x;
        if (!pw) {
            im2col(scratch, x, d, Ho, Wo);
            col = scratch;
        }
        for (int g = 0; g < G; g++) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cog, P, K, 1.0f,
                        weight + (size_t)g * Cog * K, K, col + (size_t)g * K * P, P, 0.0f,
                        y + (size_t)g * Cog * P, P);
        }
        if (bias) {
            for (int co = 0; co < d->Cout; co++) {
                float b = bias[co], *yc = y + (size_t)co * P;
                for (int i = 0; i < P; i++) yc[i] += b;
            }
        }
    }
}

/* Gradients accumulate (+=) into dinp, dweight and dbias; NULL skips. */
void we_nn_conv2d_backward(float *dinp, float *dweight, float *dbias, float *scratch,
                           const float *dout, const float *inp, const float *weight,
                           const we_conv2d_dims *d)
{
    const int Ho = we_conv2d_out_h(d), Wo = we_conv2d_out_w(d), P = Ho * Wo;
    const int G = d->groups, Cig = d->Cin / G, Cog = d->Cout / G;
    const int K = Cig * d->k * d->k;
    const int pw = conv_is_pointwise(d), same = !pw && conv_is_same(d), wino = conv_is_wino(d);
    const int kk = d->k * d->k, Kt = Cog * kk; /* transposed conv: K of the dinp GEMM */
    const conv_scratch L = conv_layout(d);
    float *wflip = scratch + L.wflip, *dycol = scratch + L.second, *dwt = scratch + L.dwt;
    we_conv2d_dims dd = *d; /* dout seen as the input of the transposed conv */
    if (dweight) memset(dwt, 0, sizeof(float) * (size_t)d->Cout * K);
    if (dinp && same) {
        dd.Cin = d->Cout;
        /* wflip_g[ci][co][a][b] = W[g*Cog + co][ci][k-1-a][k-1-b] */
        for (int g = 0; g < G; g++)
            for (int ci = 0; ci < Cig; ci++)
                for (int co = 0; co < Cog; co++)
                    for (int a = 0; a < kk; a++)
                        wflip[(((size_t)g * Cig + ci) * Cog + co) * kk + a] =
                            weight[(((size_t)g * Cog + co) * Cig + ci) * kk + (kk - 1 - a)];
    }
    for (int n = 0; n < d->N; n++) {
        const float *x = inp + (size_t)n * d->Cin * d->H * d->W;
        const float *dy = dout + (size_t)n * d->Cout * P;
        if (dbias) {
            for (int co = 0; co < d->Cout; co++) {
                const float *r = dy + (size_t)co * P;
                float s = 0.0f;
                for (int i = 0; i < P; i++) s += r[i];
                dbias[co] += s;
            }
        }
        if (dweight && !wino) {
            const float *col = x;
            if (!pw) {
                im2col(scratch, x, d, Ho, Wo);
                col = scratch;
            }
            /* dW_g^T [K,Cog] += col_g [K,P] dy_g^T: this orientation runs
             * markedly faster in OpenBLAS than dW_g += dy_g col_g^T. */
            for (int g = 0; g < G; g++) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, Cog, P, 1.0f,
                            col + (size_t)g * K * P, P, dy + (size_t)g * Cog * P, P, 1.0f,
                            dwt + (size_t)g * K * Cog, Cog);
            }
        }
        if (dinp && wino) {
            /* after the loop, over the whole batch */
        } else if (dinp && same) {
            float *dx = dinp + (size_t)n * d->Cin * d->H * d->W;
            im2col(dycol, dy, &dd, Ho, Wo);
            for (int g = 0; g < G; g++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Cig, P, Kt, 1.0f,
                            wflip + (size_t)g * Cig * Kt, Kt, dycol + (size_t)g * Kt * P, P, 1.0f,
                            dx + (size_t)g * Cig * P, P);
        } else if (dinp) {
            float *dx = dinp + (size_t)n * d->Cin * d->H * d->W;
            float *dcol = pw ? dx : scratch + L.second;
            for (int g = 0; g < G; g++) {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, Cog, 1.0f,
                            weight + (size_t)g * Cog * K, K, dy + (size_t)g * Cog * P, P,
                            pw ? 1.0f : 0.0f, dcol + (size_t)g * K * P, P);
            }
            if (!pw) col2im_add(dx, dcol, d, Ho, Wo);
        }
    }
    if (dinp && wino)
        we_nn_wino_conv3x3(dinp, 1, scratch + L.wino, dout, wflip, NULL, d->N, d->Cout, d->Cin,
                           d->H, d->W, G);
    if (dweight && wino)
        we_nn_wino_dweight3x3(dweight, scratch + L.wino, dout, inp, d->N, d->Cin, d->Cout, d->H,
                              d->W, G);
    else if (dweight)
        for (int g = 0; g < G; g++)
            for (int co = 0; co < Cog; co++)
                for (int j = 0; j < K; j++)
                    dweight[((size_t)g * Cog + co) * K + j] += dwt[((size_t)g * K + j) * Cog + co];
}
