/* we_nn_linear.c - linear (y = x W^T + b), embedding lookup, sinusoidal
 * timestep embedding: CPU reference. Backward accumulates (+=). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "we_nn.h"

void we_nn_linear_forward(float *out, const float *inp, const float *weight,
                          const float *bias, int B, int IN, int OUT)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, OUT, IN, 1.0f, inp, IN,
                weight, IN, 0.0f, out, OUT);
    if (bias)
        for (int b = 0; b < B; b++)
            for (int o = 0; o < OUT; o++) out[(size_t)b * OUT + o] += bias[o];
}

void we_nn_linear_backward(float *dinp, float *dweight, float *dbias,
                           const float *dout, const float *inp, const float *weight,
                           int B, int IN, int OUT)
{
    if (dinp) /* dinp[B,IN] += dout[B,OUT] W[OUT,IN] */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, IN, OUT, 1.0f, dout, OUT,
                    weight, IN, 1.0f, dinp, IN);
    if (dweight) /* dW[OUT,IN] += dout^T[OUT,B] x[B,IN] */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, OUT, IN, B, 1.0f, dout, OUT,
                    inp, IN, 1.0f, dweight, IN);
    if (dbias)
        for (int o = 0; o < OUT; o++) {
            double s = 0.0;
            for (int b = 0; b < B; b++) s += dout[(size_t)b * OUT + o];
            dbias[o] += (float)s;
        }
}

void we_nn_embedding_forward(float *out, const int32_t *ids, const float *table,
                             int B, int V, int D)
{
    (void)V;
    for (int b = 0; b < B; b++)
        memcpy(out + (size_t)b * D, table + (size_t)ids[b] * D, sizeof(float) * D);
}

void we_nn_embedding_backward(float *dtable, const float *dout, const int32_t *ids,
                              int B, int V, int D)
{
    (void)V;
    for (int b = 0; b < B; b++) {
        float *row = dtable + (size_t)ids[b] * D;
        const float *dy = dout + (size_t)b * D;
        for (int i = 0; i < D; i++) row[i] += dy[i];
    }
}

void we_nn_timestep_embedding(float *out, const float *t, int B, int D,
                              float max_period, we_temb_kind kind)
{
    const int half = D / 2;
    const double lp = log((double)max_period);
    const double den = kind == WE_TEMB_WAVEDIFF ? (double)(half > 1 ? half - 1 : 1) : (double)half;
    for (int b = 0; b < B; b++) {
        float *y = out + (size_t)b * D;
        for (int i = 0; i < half; i++) {
            double f = exp(-lp * (double)i / den), a = (double)t[b] * f;
            if (kind == WE_TEMB_WAVEDIFF) {
                y[i] = (float)sin(a);
                y[half + i] = (float)cos(a);
            } else {
                y[i] = (float)cos(a);
                y[half + i] = (float)sin(a);
            }
        }
        if (D & 1) y[D - 1] = 0.0f;
    }
}
