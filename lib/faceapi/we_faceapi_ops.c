/* we_faceapi_ops.c - the layers of face-api's nets, planar C x H x W, CPU
 * reference (llm.c style: outputs first, a layer never allocates).
 * Convolutions (plain, depthwise, pointwise) are the nn conv layer
 * (we_nn_conv.c) in its plain-sums mode, with TF 'SAME' geometry. Backward
 * passes compute the gradient w.r.t. the input only: these nets are frozen
 * loss networks. */
#include "we_faceapi.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "we_nn.h"

void we_fa_same_pad(int in, int k, int stride, int *out, int *pad_before)
{
    int o = (in + stride - 1) / stride;
    int total = (o - 1) * stride + k - in;
    if (total < 0) total = 0;
    *out = o;
    *pad_before = total / 2; /* the smaller half goes before */
}

/* The nn conv geometry of one face-api conv: batch 1, the padding before
 * as given, the padding after whatever makes the output OH x OW. */
static we_conv2d_geom fa_geom(int Ci, int H, int W, int Co, int groups, int k, int stride, int pad_t,
                              int pad_l, int OH, int OW)
{
    int pb = (OH - 1) * stride + k - H - pad_t, pr = (OW - 1) * stride + k - W - pad_l;
    we_conv2d_geom g = {.N = 1, .Cin = Ci, .H = H, .W = W, .Cout = Co, .groups = groups, .kh = k, .kw = k,
                        .stride = stride, .pad_t = pad_t, .pad_b = pb > 0 ? pb : 0, .pad_l = pad_l,
                        .pad_r = pr > 0 ? pr : 0, .algo = WE_CONV2D_PLAIN};
    return g;
}

size_t we_fa_conv_scratch_size(int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l, int OH,
                               int OW)
{
    we_conv2d_geom g = fa_geom(Ci, H, W, Co, 1, k, stride, pad_t, pad_l, OH, OW);
    return we_nn_conv2d_geom_scratch_size(&g);
}

void we_fa_conv_forward(float *out, float *col, const float *inp, const float *w, const float *bias,
                        int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l,
                        int OH, int OW)
{
    we_conv2d_geom g = fa_geom(Ci, H, W, Co, 1, k, stride, pad_t, pad_l, OH, OW);
    we_nn_conv2d_geom_forward(out, col, inp, w, bias, &g);
}

void we_fa_conv_backward_acc(float *dinp, float *dcol, const float *dout, const float *w,
                             int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l,
                             int OH, int OW)
{
    we_conv2d_geom g = fa_geom(Ci, H, W, Co, 1, k, stride, pad_t, pad_l, OH, OW);
    we_nn_conv2d_geom_backward(dinp, NULL, NULL, dcol, dout, NULL, w, &g);
}

void we_fa_dw_forward(float *out, const float *inp, const float *w, int C, int H, int W, int stride,
                      int pad_t, int pad_l, int OH, int OW)
{
    we_conv2d_geom g = fa_geom(C, H, W, C, C, 3, stride, pad_t, pad_l, OH, OW);
    we_nn_conv2d_geom_forward(out, NULL, inp, w, NULL, &g);
}

void we_fa_dw_backward(float *dinp, const float *dout, const float *w, int C, int H, int W, int stride,
                       int pad_t, int pad_l, int OH, int OW)
{
    we_conv2d_geom g = fa_geom(C, H, W, C, C, 3, stride, pad_t, pad_l, OH, OW);
    memset(dinp, 0, sizeof(float) * (size_t)C * H * W);
    we_nn_conv2d_geom_backward(dinp, NULL, NULL, NULL, dout, NULL, w, &g);
}

void we_fa_pw_forward(float *out, const float *inp, const float *w, const float *bias, int Ci, int P, int Co)
{
    we_conv2d_geom g = fa_geom(Ci, 1, P, Co, 1, 1, 1, 0, 0, 1, P);
    we_nn_conv2d_geom_forward(out, NULL, inp, w, bias, &g);
}

void we_fa_pw_backward(float *dinp, const float *dout, const float *w, int Ci, int P, int Co, int acc)
{
    we_conv2d_geom g = fa_geom(Ci, 1, P, Co, 1, 1, 1, 0, 0, 1, P);
    if (!acc) memset(dinp, 0, sizeof(float) * (size_t)Ci * P);
    we_nn_conv2d_geom_backward(dinp, NULL, NULL, NULL, dout, NULL, w, &g);
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
