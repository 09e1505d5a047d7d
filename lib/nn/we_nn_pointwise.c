/* we_nn_pointwise.c - SiLU, add, scale, per-channel add, concat, slice, MSE
 * loss: CPU reference. Backward functions accumulate (+=); see we_nn.h. */
#include <math.h>
#include <string.h>

#include "we_nn.h"

/* Elementwise loops: GCC's -O2 cost model leaves most of them scalar. */
/* An AVX2 clone beside the baseline one, picked at load time. GCC only:
 * clang 14 emits the clones but not the plain symbol (the fuzz build). */
#if defined(__GNUC__) && !defined(__clang__)
#define WE_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WE_SIMD_CLONES
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-trapping-math")
#endif

/* expf for the SiLU loops, branch-free so the loops vectorize: x = n ln2 + r,
 * |r| <= ln2/2, exp(r) by a degree-6 Taylor polynomial (relative error
 * < 2e-7 before rounding), 2^n put into the exponent bits. x is clamped to
 * [-87, 87], where the sigmoid is 0 or 1 to float precision anyway. */
static inline float silu_exp(float x)
{
    /* written so that NaN clamps too (every comparison with NaN is false):
     * a NaN input gives a finite exp here (no undefined int conversion
     * below) and still NaN out of silu, x * sigmoid(x) */
    x = x > -87.0f ? x : -87.0f;
    x = x < 87.0f ? x : 87.0f;
    /* round to nearest by the 1.5 * 2^23 trick (|x log2 e| < 2^22) */
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693145751953125f - n * 1.42860682030941723212e-6f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* AVX2 clones where the CPU has it (runtime dispatch by the loader). */
WE_SIMD_CLONES
void we_nn_silu_forward(float *out, const float *inp, size_t n)
{
    if (out == inp) { /* in place: one pointer, so the loop vectorizes without alias checks */
        for (size_t i = 0; i < n; i++) {
            float x = out[i];
            out[i] = x / (1.0f + silu_exp(-x));
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = x / (1.0f + silu_exp(-x));
    }
}

WE_SIMD_CLONES
void we_nn_silu_backward(float *dinp, const float *dout, const float *inp, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float x = inp[i], s = 1.0f / (1.0f + silu_exp(-x));
        dinp[i] += dout[i] * s * (1.0f + x * (1.0f - s));
    }
}

void we_nn_add_forward(float *out, const float *a, const float *b, float s, size_t n)
{
    if (s == 1.0f)
        for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
    else
        for (size_t i = 0; i < n; i++) out[i] = s * (a[i] + b[i]);
}

void we_nn_add_backward(float *da, float *db, const float *dout, float s, size_t n)
{
    if (da)
        for (size_t i = 0; i < n; i++) da[i] += s * dout[i];
    if (db)
        for (size_t i = 0; i < n; i++) db[i] += s * dout[i];
}

void we_nn_scale_forward(float *out, const float *inp, float s, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = s * inp[i];
}

void we_nn_scale_backward(float *dinp, const float *dout, float s, size_t n)
{
    for (size_t i = 0; i < n; i++) dinp[i] += s * dout[i];
}

void we_nn_addnc_forward(float *out, const float *inp, const float *v, int N, int C, int HW)
{
    for (size_t nc = 0; nc < (size_t)N * C; nc++) {
        float b = v[nc];
        const float *x = inp + nc * HW;
        float *y = out + nc * HW;
        for (int i = 0; i < HW; i++) y[i] = x[i] + b;
    }
}

void we_nn_addnc_backward(float *dinp, float *dv, const float *dout, int N, int C, int HW)
{
    for (size_t nc = 0; nc < (size_t)N * C; nc++) {
        const float *dy = dout + nc * HW;
        if (dinp) {
            float *dx = dinp + nc * HW;
            for (int i = 0; i < HW; i++) dx[i] += dy[i];
        }
        if (dv) {
            double s = 0.0;
            for (int i = 0; i < HW; i++) s += dy[i];
            dv[nc] += (float)s;
        }
    }
}

void we_nn_concat_forward(float *out, const float *a, const float *b,
                          int N, int Ca, int Cb, int HW)
{
    const size_t sa = (size_t)Ca * HW, sb = (size_t)Cb * HW;
    for (int n = 0; n < N; n++) {
        memcpy(out + n * (sa + sb), a + n * sa, sa * sizeof(float));
        memcpy(out + n * (sa + sb) + sa, b + n * sb, sb * sizeof(float));
    }
}

void we_nn_concat_backward(float *da, float *db, const float *dout,
                           int N, int Ca, int Cb, int HW)
{
    const size_t sa = (size_t)Ca * HW, sb = (size_t)Cb * HW;
    for (int n = 0; n < N; n++) {
        const float *dy = dout + n * (sa + sb);
        if (da)
            for (size_t i = 0; i < sa; i++) da[n * sa + i] += dy[i];
        if (db)
            for (size_t i = 0; i < sb; i++) db[n * sb + i] += dy[sa + i];
    }
}

void we_nn_slice_forward(float *out, const float *inp, int N, int Cin, int c0, int Cout, int HW)
{
    const size_t so = (size_t)Cout * HW;
    for (int n = 0; n < N; n++)
        memcpy(out + n * so, inp + ((size_t)n * Cin + c0) * HW, so * sizeof(float));
}

void we_nn_slice_backward(float *dinp, const float *dout, int N, int Cin, int c0, int Cout, int HW)
{
    const size_t so = (size_t)Cout * HW;
    for (int n = 0; n < N; n++) {
        float *dx = dinp + ((size_t)n * Cin + c0) * HW;
        const float *dy = dout + n * so;
        for (size_t i = 0; i < so; i++) dx[i] += dy[i];
    }
}

float we_nn_mse_forward(const float *pred, const float *target, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)pred[i] - (double)target[i];
        s += d * d;
    }
    return n ? (float)(s / (double)n) : 0.0f;
}

void we_nn_mse_backward(float *dpred, float *dtarget, const float *pred,
                        const float *target, float dloss, size_t n)
{
    const float k = 2.0f * dloss / (float)n;
    for (size_t i = 0; i < n; i++) {
        float g = k * (pred[i] - target[i]);
        if (dpred) dpred[i] += g;
        if (dtarget) dtarget[i] -= g;
    }
}
