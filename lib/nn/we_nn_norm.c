/* we_nn_norm.c - GroupNorm and AdaGN (GroupNorm * (1 + gamma) + beta),
 * CPU reference. Statistics in double; see we_nn.h for shapes. */
#include <math.h>

#include "we_nn.h"

/* Sums run in 8 float lanes (which GCC vectorizes) and are combined in
 * double; the loops below are plain unit-stride. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-trapping-math")
#endif

/* sum x[i] and sum (x[i] - m)^2 over n, lanes in float, total in double. */
static double lane_sum(const float *x, size_t n)
{
    float acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += x[i + j];
    double s = 0.0;
    for (int j = 0; j < 8; j++) s += acc[j];
    for (; i < n; i++) s += x[i];
    return s;
}

static double lane_sumsq_dev(const float *x, size_t n, float m)
{
    float acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) {
            float d = x[i + j] - m;
            acc[j] += d * d;
        }
    double s = 0.0;
    for (int j = 0; j < 8; j++) s += acc[j];
    for (; i < n; i++) {
        double d = (double)x[i] - m;
        s += d * d;
    }
    return s;
}

/* s_dy = sum dy, s_dy_xh = sum dy * (x - m) * r over n. */
static void lane_dy_sums(const float *dy, const float *x, size_t n, float m, float r,
                         double *s_dy, double *s_dy_xh)
{
    float a[8] = {0}, b[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; j++) {
            a[j] += dy[i + j];
            b[j] += dy[i + j] * ((x[i + j] - m) * r);
        }
    double sa = 0.0, sb = 0.0;
    for (int j = 0; j < 8; j++) {
        sa += a[j];
        sb += b[j];
    }
    for (; i < n; i++) {
        sa += dy[i];
        sb += (double)dy[i] * ((x[i] - m) * r);
    }
    *s_dy = sa;
    *s_dy_xh = sb;
}

/* Shared forward: gamma/beta NULL = plain GroupNorm. */
static void gn_forward(float *out, float *mean, float *rstd, const float *inp,
                       const float *weight, const float *bias, const float *gamma,
                       const float *beta, int ld, int N, int C, int HW, int G, float eps)
{
    const int Cg = C / G;
    const size_t gs = (size_t)Cg * HW;
    for (int n = 0; n < N; n++) {
        for (int g = 0; g < G; g++) {
            const float *x = inp + ((size_t)n * C + (size_t)g * Cg) * HW;
            float *y = out + ((size_t)n * C + (size_t)g * Cg) * HW;
            double m = lane_sum(x, gs) / (double)gs;
            double ss = lane_sumsq_dev(x, gs, (float)m);
            double r = 1.0 / sqrt(ss / (double)gs + (double)eps);
            mean[n * G + g] = (float)m;
            rstd[n * G + g] = (float)r;
            for (int cc = 0; cc < Cg; cc++) {
                int c = g * Cg + cc;
                float w = weight ? weight[c] : 1.0f, b = bias ? bias[c] : 0.0f;
                float a = (float)r * w, o = b - (float)(m * r) * w;
                if (gamma) {
                    float gm = 1.0f + gamma[(size_t)n * ld + c], bt = beta[(size_t)n * ld + c];
                    a *= gm;
                    o = o * gm + bt;
                }
                const float *xc = x + (size_t)cc * HW;
                float *yc = y + (size_t)cc * HW;
                for (int i = 0; i < HW; i++) yc[i] = xc[i] * a + o;
            }
        }
    }
}

/* Shared backward; every gradient accumulates (+=), NULL skips. */
static void gn_backward(float *dinp, float *dweight, float *dbias, float *dgamma,
                        float *dbeta, const float *dout, const float *inp,
                        const float *weight, const float *bias, const float *gamma,
                        int ld, const float *mean, const float *rstd,
                        int N, int C, int HW, int G)
{
    const int Cg = C / G;
    const size_t gs = (size_t)Cg * HW;
    for (int n = 0; n < N; n++) {
        for (int g = 0; g < G; g++) {
            const size_t off = ((size_t)n * C + (size_t)g * Cg) * HW;
            const float *x = inp + off, *dy = dout + off;
            const float m = mean[n * G + g], r = rstd[n * G + g];
            double sum_dxh = 0.0, sum_dxh_xh = 0.0;
            for (int cc = 0; cc < Cg; cc++) {
                int c = g * Cg + cc;
                const float *xc = x + (size_t)cc * HW, *dyc = dy + (size_t)cc * HW;
                float w = weight ? weight[c] : 1.0f, b = bias ? bias[c] : 0.0f;
                float gm = gamma ? 1.0f + gamma[(size_t)n * ld + c] : 1.0f;
                double s_dy, s_dy_xh;
                lane_dy_sums(dyc, xc, (size_t)HW, m, r, &s_dy, &s_dy_xh);
                /* out = (xh*w + b)*gm + beta */
                if (dbeta) dbeta[(size_t)n * ld + c] += (float)s_dy;
                if (dgamma) dgamma[(size_t)n * ld + c] += (float)(s_dy_xh * w + s_dy * b);
                if (dweight) dweight[c] += (float)(s_dy_xh * gm);
                if (dbias) dbias[c] += (float)(s_dy * gm);
                sum_dxh += s_dy * gm * w;
                sum_dxh_xh += s_dy_xh * gm * w;
            }
            if (!dinp) continue;
            const double mdxh = sum_dxh / (double)gs, mdxh_xh = sum_dxh_xh / (double)gs;
            float *dx = dinp + off;
            for (int cc = 0; cc < Cg; cc++) {
                int c = g * Cg + cc;
                const float *xc = x + (size_t)cc * HW, *dyc = dy + (size_t)cc * HW;
                float *dxc = dx + (size_t)cc * HW;
                float w = weight ? weight[c] : 1.0f;
                float gm = gamma ? 1.0f + gamma[(size_t)n * ld + c] : 1.0f;
                const float k = gm * w, fm = (float)mdxh, fmx = (float)mdxh_xh;
                for (int i = 0; i < HW; i++) {
                    float xh = (xc[i] - m) * r;
                    dxc[i] += r * (dyc[i] * k - fm - xh * fmx);
                }
            }
        }
    }
}

void we_nn_groupnorm_forward(float *out, float *mean, float *rstd,
                             const float *inp, const float *weight, const float *bias,
                             int N, int C, int HW, int G, float eps)
{
    gn_forward(out, mean, rstd, inp, weight, bias, NULL, NULL, 0, N, C, HW, G, eps);
}

void we_nn_groupnorm_backward(float *dinp, float *dweight, float *dbias,
                              const float *dout, const float *inp, const float *weight,
                              const float *mean, const float *rstd,
                              int N, int C, int HW, int G)
{
    gn_backward(dinp, dweight, dbias, NULL, NULL, dout, inp, weight, NULL, NULL, 0,
                mean, rstd, N, C, HW, G);
}

void we_nn_adagn_forward(float *out, float *mean, float *rstd,
                         const float *inp, const float *weight, const float *bias,
                         const float *gamma, const float *beta, int ld,
                         int N, int C, int HW, int G, float eps)
{
    gn_forward(out, mean, rstd, inp, weight, bias, gamma, beta, ld, N, C, HW, G, eps);
}

void we_nn_adagn_backward(float *dinp, float *dweight, float *dbias,
                          float *dgamma, float *dbeta,
                          const float *dout, const float *inp,
                          const float *weight, const float *bias,
                          const float *gamma, const float *beta, int ld,
                          const float *mean, const float *rstd,
                          int N, int C, int HW, int G)
{
    (void)beta;
    gn_backward(dinp, dweight, dbias, dgamma, dbeta, dout, inp, weight, bias, gamma, ld,
                mean, rstd, N, C, HW, G);
}
