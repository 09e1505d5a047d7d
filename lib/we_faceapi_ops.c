/* we_faceapi_ops.c - the layers of face-api's nets, planar C x H x W, CPU
 * reference (llm.c style: outputs first, a layer never allocates).
 * Convolutions are im2col + OpenBLAS sgemm. Backward passes compute the
 * gradient w.r.t. the input only: these nets are frozen loss networks. */
#include "we_faceapi.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

void we_fa_same_pad(int in, int k, int stride, int *out, int *pad_before)
{
    int o = (in + stride - 1) / stride;
    int total = (o - 1) * stride + k - in;
    if (total < 0) total = 0;
    *out = o;
    *pad_before = total / 2; /* the smaller half goes before */
}

static void im2col(float *col, const float *inp, int Ci, int H, int W, int k, int s, int pt, int pl, int OH,
                   int OW)
{
    for (int ci = 0; ci < Ci; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                float *c = col + ((size_t)(ci * k + ky) * k + kx) * (size_t)OH * OW;
                const float *x = inp + (size_t)ci * H * W;
                for (int oy = 0; oy < OH; oy++) {
                    int iy = oy * s - pt + ky;
                    float *crow = c + (size_t)oy * OW;
                    if (iy < 0 || iy >= H) {
                        memset(crow, 0, sizeof(float) * (size_t)OW);
                        continue;
                    }
                    const float *xrow = x + (size_t)iy * W;
                    for (int ox = 0; ox < OW; ox++) {
                        int ix = ox * s - pl + kx;
                        crow[ox] = (ix >= 0 && ix < W) ? xrow[ix] : 0.0f;
                    }
                }
            }
}

static void col2im_acc(float *dinp, const float *col, int Ci, int H, int W, int k, int s, int pt, int pl,
                       int OH, int OW)
{
    for (int ci = 0; ci < Ci; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                const float *c = col + ((size_t)(ci * k + ky) * k + kx) * (size_t)OH * OW;
                float *x = dinp + (size_t)ci * H * W;
                for (int oy = 0; oy < OH; oy++) {
                    int iy = oy * s - pt + ky;
                    if (iy < 0 || iy >= H) continue;
                    const float *crow = c + (size_t)oy * OW;
                    float *xrow = x + (size_t)iy * W;
                    for (int ox = 0; ox < OW; ox++) {
                        int ix = ox * s - pl + kx;
                        if (ix >= 0 && ix < W) xrow[ix] += crow[ox];
                    }
                }
            }
}

/* out[Co][OH*OW] = w[Co][Ci*k*k] . col + bias */
void we_fa_conv_forward(float *out, float *col, const float *inp, const float *w, const float *bias,
                        int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l,
                        int OH, int OW)
{
    int P = OH * OW, K = Ci * k * k;
    im2col(col, inp, Ci, H, W, k, stride, pad_t, pad_l, OH, OW);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Co, P, K, 1.0f, w, K, col, P, 0.0f, out, P);
    if (bias)
        for (int c = 0; c < Co; c++)
            for (int p = 0; p < P; p++) out[(size_t)c * P + p] += bias[c];
}

/* dcol = w^T . dout, then scattered back (accumulating) into dinp. */
void we_fa_conv_backward_acc(float *dinp, float *dcol, const float *dout, const float *w,
                             int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l,
                             int OH, int OW)
{
    int P = OH * OW, K = Ci * k * k;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, Co, 1.0f, w, K, dout, P, 0.0f, dcol, P);
    col2im_acc(dinp, dcol, Ci, H, W, k, stride, pad_t, pad_l, OH, OW);
}

void we_fa_dw_forward(float *out, const float *inp, const float *w, int C, int H, int W, int stride,
                      int pad_t, int pad_l, int OH, int OW)
{
    for (int c = 0; c < C; c++) {
        const float *x = inp + (size_t)c * H * W, *f = w + 9 * c;
        float *o = out + (size_t)c * OH * OW;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                float acc = 0;
                int y0 = oy * stride - pad_t, x0 = ox * stride - pad_l;
                if (y0 >= 0 && x0 >= 0 && y0 + 2 < H && x0 + 2 < W) {
                    const float *r = x + (size_t)y0 * W + x0;
                    acc = f[0] * r[0] + f[1] * r[1] + f[2] * r[2] + f[3] * r[W] + f[4] * r[W + 1] +
                          f[5] * r[W + 2] + f[6] * r[2 * W] + f[7] * r[2 * W + 1] + f[8] * r[2 * W + 2];
                } else {
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = y0 + ky;
                        if (iy < 0 || iy >= H) continue;
                        for (int kx = 0; kx < 3; kx++) {
                            int ix = x0 + kx;
                            if (ix >= 0 && ix < W) acc += f[ky * 3 + kx] * x[(size_t)iy * W + ix];
                        }
                    }
                }
                o[(size_t)oy * OW + ox] = acc;
            }
    }
}

void we_fa_dw_backward(float *dinp, const float *dout, const float *w, int C, int H, int W, int stride,
                       int pad_t, int pad_l, int OH, int OW)
{
    memset(dinp, 0, sizeof(float) * (size_t)C * H * W);
    for (int c = 0; c < C; c++) {
        float *dx = dinp + (size_t)c * H * W;
        const float *f = w + 9 * c, *d = dout + (size_t)c * OH * OW;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                float g = d[(size_t)oy * OW + ox];
                int y0 = oy * stride - pad_t, x0 = ox * stride - pad_l;
                for (int ky = 0; ky < 3; ky++) {
                    int iy = y0 + ky;
                    if (iy < 0 || iy >= H) continue;
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = x0 + kx;
                        if (ix >= 0 && ix < W) dx[(size_t)iy * W + ix] += f[ky * 3 + kx] * g;
                    }
                }
            }
    }
}

void we_fa_pw_forward(float *out, const float *inp, const float *w, const float *bias, int Ci, int P, int Co)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Co, P, Ci, 1.0f, w, Ci, inp, P, 0.0f, out, P);
    if (bias)
        for (int c = 0; c < Co; c++)
            for (int p = 0; p < P; p++) out[(size_t)c * P + p] += bias[c];
}

void we_fa_pw_backward(float *dinp, const float *dout, const float *w, int Ci, int P, int Co, int acc)
{
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Ci, P, Co, 1.0f, w, Ci, dout, P, acc ? 1.0f : 0.0f,
                dinp, P);
}

void we_fa_maxpool_forward(float *out, int *argmax, const float *inp, int C, int H, int W, int k, int s,
                           int OH, int OW)
{
    for (int c = 0; c < C; c++) {
        const float *x = inp + (size_t)c * H * W;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                int best = (oy * s) * W + ox * s;
                float m = x[best];
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int idx = (oy * s + ky) * W + ox * s + kx;
                        if (x[idx] > m) { m = x[idx]; best = idx; }
                    }
                size_t o = ((size_t)c * OH + oy) * OW + ox;
                out[o] = m;
                argmax[o] = best;
            }
    }
}

void we_fa_maxpool_backward(float *dinp, const float *dout, const int *argmax, int C, int H, int W, int OH,
                            int OW)
{
    memset(dinp, 0, sizeof(float) * (size_t)C * H * W);
    for (int c = 0; c < C; c++)
        for (int p = 0; p < OH * OW; p++) {
            size_t o = (size_t)c * OH * OW + p;
            dinp[(size_t)c * H * W + argmax[o]] += dout[o];
        }
}

void we_fa_avgpool_forward(float *out, const float *inp, int C, int H, int W, int k, int s, int OH, int OW)
{
    float inv = 1.0f / (float)(k * k);
    for (int c = 0; c < C; c++) {
        const float *x = inp + (size_t)c * H * W;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                float acc = 0;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) acc += x[(oy * s + ky) * W + ox * s + kx];
                out[((size_t)c * OH + oy) * OW + ox] = acc * inv;
            }
    }
}

void we_fa_avgpool_backward(float *dinp, const float *dout, int C, int H, int W, int k, int s, int OH, int OW)
{
    float inv = 1.0f / (float)(k * k);
    memset(dinp, 0, sizeof(float) * (size_t)C * H * W);
    for (int c = 0; c < C; c++) {
        float *dx = dinp + (size_t)c * H * W;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                float g = dout[((size_t)c * OH + oy) * OW + ox] * inv;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) dx[(oy * s + ky) * W + ox * s + kx] += g;
            }
    }
}

void we_fa_gmean_forward(float *out, const float *inp, int C, int P)
{
    for (int c = 0; c < C; c++) {
        double acc = 0;
        for (int p = 0; p < P; p++) acc += inp[(size_t)c * P + p];
        out[c] = (float)(acc / P);
    }
}

void we_fa_gmean_backward(float *dinp, const float *dout, int C, int P)
{
    for (int c = 0; c < C; c++)
        for (int p = 0; p < P; p++) dinp[(size_t)c * P + p] = dout[c] / (float)P;
}

void we_fa_fc_forward(float *out, const float *inp, const float *w, const float *bias, int in, int nout)
{
    for (int o = 0; o < nout; o++) out[o] = bias ? bias[o] : 0.0f;
    cblas_sgemv(CblasRowMajor, CblasTrans, in, nout, 1.0f, w, nout, inp, 1, 1.0f, out, 1);
}

void we_fa_fc_backward(float *dinp, const float *dout, const float *w, int in, int nout)
{
    cblas_sgemv(CblasRowMajor, CblasNoTrans, in, nout, 1.0f, w, nout, dout, 1, 0.0f, dinp, 1);
}

void we_fa_relu(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(x[i] > 0)) x[i] = 0;
}

void we_fa_relu_backward(float *d, const float *pre, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(pre[i] > 0)) d[i] = 0;
}

void we_fa_softmax_forward(float *p, const float *logits, int n)
{
    float m = logits[0];
    for (int i = 1; i < n; i++) m = logits[i] > m ? logits[i] : m;
    double s = 0;
    for (int i = 0; i < n; i++) s += p[i] = expf(logits[i] - m);
    for (int i = 0; i < n; i++) p[i] = (float)(p[i] / s);
}

void we_fa_softmax_backward(float *dlogits, const float *dp, const float *p, int n)
{
    double dot = 0;
    for (int i = 0; i < n; i++) dot += (double)dp[i] * p[i];
    for (int i = 0; i < n; i++) dlogits[i] = (float)(p[i] * (dp[i] - dot));
}
