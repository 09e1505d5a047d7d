// nn_norm.cu - CUDA twins of lib/nn/we_nn_norm.c: GroupNorm and AdaGN.
// One block per (sample, group); statistics in double as on the CPU.
// dweight/dbias sum over samples in a second kernel, one block per channel,
// in a fixed order: no atomics, so a training step gives the same bits on
// every run (resume is exact on the GPU too).
#include "nn_common.h"

#define NORM_THREADS 256

__global__ void gn_forward_kernel(float *out, float *mean, float *rstd, const float *inp,
                                  const float *weight, const float *bias, const float *gamma,
                                  const float *beta, int ld, int C, int HW, int G, float eps)
{
    const int ng = blockIdx.x, n = ng / G, g = ng % G, Cg = C / G;
    const size_t gs = (size_t)Cg * HW, off = ((size_t)n * C + (size_t)g * Cg) * HW;
    const float *x = inp + off;
    double s = 0.0;
    for (size_t i = threadIdx.x; i < gs; i += blockDim.x) s += x[i];
    double m = nn_block_sum(s) / (double)gs;
    double ss = 0.0;
    for (size_t i = threadIdx.x; i < gs; i += blockDim.x) {
        double dx = x[i] - m;
        ss += dx * dx;
    }
    double r = 1.0 / sqrt(nn_block_sum(ss) / (double)gs + (double)eps);
    if (threadIdx.x == 0) {
        mean[ng] = (float)m;
        rstd[ng] = (float)r;
    }
    for (size_t i = threadIdx.x; i < gs; i += blockDim.x) {
        int c = g * Cg + (int)(i / HW);
        float w = weight ? weight[c] : 1.0f, b = bias ? bias[c] : 0.0f;
        float a = (float)r * w, o = b - (float)(m * r) * w;
        if (gamma) {
            float gm = 1.0f + gamma[(size_t)n * ld + c], bt = beta[(size_t)n * ld + c];
            a *= gm;
            o = o * gm + bt;
        }
        out[off + i] = x[i] * a + o;
    }
}

__global__ void gn_backward_kernel(float *dinp, float *dweight, float *dbias, float *dgamma,
                                   float *dbeta, const float *dout, const float *inp,
                                   const float *weight, const float *bias, const float *gamma,
                                   int ld, const float *mean, const float *rstd, int C, int HW, int G)
{
    const int ng = blockIdx.x, n = ng / G, g = ng % G, Cg = C / G;
    const size_t gs = (size_t)Cg * HW, off = ((size_t)n * C + (size_t)g * Cg) * HW;
    const float *x = inp + off, *dy = dout + off;
    const float m = mean[ng], r = rstd[ng];
    double sum_dxh = 0.0, sum_dxh_xh = 0.0;
    for (int cc = 0; cc < Cg; cc++) {
        const int c = g * Cg + cc;
        double s_dy = 0.0, s_dy_xh = 0.0;
        for (int i = threadIdx.x; i < HW; i += blockDim.x) {
            double xh = (x[(size_t)cc * HW + i] - m) * r, v = dy[(size_t)cc * HW + i];
            s_dy += v;
            s_dy_xh += v * xh;
        }
        s_dy = nn_block_sum(s_dy);
        s_dy_xh = nn_block_sum(s_dy_xh);
        float w = weight ? weight[c] : 1.0f, b = bias ? bias[c] : 0.0f;
        float gm = gamma ? 1.0f + gamma[(size_t)n * ld + c] : 1.0f;
        if (threadIdx.x == 0) {
            if (dbeta) dbeta[(size_t)n * ld + c] += (float)s_dy;
            if (dgamma) dgamma[(size_t)n * ld + c] += (float)(s_dy_xh * w + s_dy * b);
        }
        sum_dxh += s_dy * gm * w;
        sum_dxh_xh += s_dy_xh * gm * w;
    }
    if (!dinp) return;
    const double mdxh = sum_dxh / (double)gs, mdxh_xh = sum_dxh_xh / (double)gs;
    for (size_t i = threadIdx.x; i < gs; i += blockDim.x) {
        int c = g * Cg + (int)(i / HW);
        float w = weight ? weight[c] : 1.0f;
        float gm = gamma ? 1.0f + gamma[(size_t)n * ld + c] : 1.0f;
        double xh = (x[i] - m) * r;
        dinp[off + i] += (float)(r * (dy[i] * (gm * w) - mdxh - xh * mdxh_xh));
    }
}

// dweight[c] += sum_n sum_i dy xh (1 + gamma), dbias[c] += sum_n sum_i dy (1 + gamma)
__global__ void gn_param_grad_kernel(float *dweight, float *dbias, const float *dout, const float *inp,
                                     const float *gamma, int ld, const float *mean, const float *rstd,
                                     int N, int C, int HW, int G)
{
    const int c = blockIdx.x, g = c / (C / G);
    double sw = 0.0, sb = 0.0;
    for (int n = 0; n < N; n++) {
        const float *x = inp + ((size_t)n * C + c) * HW, *dy = dout + ((size_t)n * C + c) * HW;
        const float m = mean[n * G + g], r = rstd[n * G + g];
        double gm = gamma ? 1.0 + (double)gamma[(size_t)n * ld + c] : 1.0, s1 = 0.0, s2 = 0.0;
        for (int i = threadIdx.x; i < HW; i += blockDim.x) {
            double v = dy[i];
            s1 += v * ((x[i] - m) * r);
            s2 += v;
        }
        sw += s1 * gm;
        sb += s2 * gm;
    }
    sw = nn_block_sum(sw);
    sb = nn_block_sum(sb);
    if (threadIdx.x == 0) {
        if (dweight) dweight[c] += (float)sw;
        if (dbias) dbias[c] += (float)sb;
    }
}

static void param_grads(float *dweight, float *dbias, const float *dout, const float *inp, const float *gamma,
                        int ld, const float *mean, const float *rstd, int N, int C, int HW, int G)
{
    if (!dweight && !dbias) return;
    gn_param_grad_kernel<<<C, NORM_THREADS>>>(dweight, dbias, dout, inp, gamma, ld, mean, rstd, N, C, HW, G);
}

extern "C" void we_nn_groupnorm_forward_cuda(float *out, float *mean, float *rstd,
                                             const float *inp, const float *weight, const float *bias,
                                             int N, int C, int HW, int G, float eps)
{
    gn_forward_kernel<<<N * G, NORM_THREADS>>>(out, mean, rstd, inp, weight, bias, NULL, NULL, 0,
                                               C, HW, G, eps);
    NN_LAUNCH_CHECK();
}

extern "C" void we_nn_groupnorm_backward_cuda(float *dinp, float *dweight, float *dbias,
                                              const float *dout, const float *inp, const float *weight,
                                              const float *mean, const float *rstd,
                                              int N, int C, int HW, int G)
{
    gn_backward_kernel<<<N * G, NORM_THREADS>>>(dinp, dweight, dbias, NULL, NULL, dout, inp, weight,
                                                NULL, NULL, 0, mean, rstd, C, HW, G);
    param_grads(dweight, dbias, dout, inp, NULL, 0, mean, rstd, N, C, HW, G);
    NN_LAUNCH_CHECK();
}

extern "C" void we_nn_adagn_forward_cuda(float *out, float *mean, float *rstd,
                                         const float *inp, const float *weight, const float *bias,
                                         const float *gamma, const float *beta, int ld,
                                         int N, int C, int HW, int G, float eps)
{
    gn_forward_kernel<<<N * G, NORM_THREADS>>>(out, mean, rstd, inp, weight, bias, gamma, beta, ld,
                                               C, HW, G, eps);
    NN_LAUNCH_CHECK();
}

extern "C" void we_nn_adagn_backward_cuda(float *dinp, float *dweight, float *dbias,
                                          float *dgamma, float *dbeta,
                                          const float *dout, const float *inp,
                                          const float *weight, const float *bias,
                                          const float *gamma, const float *beta, int ld,
                                          const float *mean, const float *rstd,
                                          int N, int C, int HW, int G)
{
    (void)beta;
    gn_backward_kernel<<<N * G, NORM_THREADS>>>(dinp, dweight, dbias, dgamma, dbeta, dout, inp,
                                                weight, bias, gamma, ld, mean, rstd, C, HW, G);
    param_grads(dweight, dbias, dout, inp, gamma, ld, mean, rstd, N, C, HW, G);
    NN_LAUNCH_CHECK();
}
