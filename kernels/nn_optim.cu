// nn_optim.cu - CUDA twins of lib/nn/we_optim.c: AdamW, gradient norm and
// clipping, EMA of weights.
#include <math.h>

#include "nn_common.h"

__global__ void adamw_k(float *param, float *m, float *v, const float *grad, size_t n, float step,
                        float sbc2, float decay, float b1, float b2, float eps)
{
    NN_GRID_STRIDE(i, n) {
        float g = grad[i];
        float w = param[i] * decay;
        float mi = b1 * m[i] + (1.0f - b1) * g;
        float vi = b2 * v[i] + (1.0f - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] = w - step * mi / (sqrtf(vi) / sbc2 + eps);
    }
}

extern "C" void we_adamw_step_cuda(float *param, float *m, float *v, const float *grad, size_t n,
                                   const we_adamw_params *p, long t)
{
    const double bc1 = 1.0 - pow((double)p->beta1, (double)t);
    const double bc2 = 1.0 - pow((double)p->beta2, (double)t);
    adamw_k<<<nn_blocks(n, 256), 256>>>(param, m, v, grad, n, (float)((double)p->lr / bc1),
                                        (float)sqrt(bc2), 1.0f - p->lr * p->weight_decay,
                                        p->beta1, p->beta2, p->eps);
    NN_LAUNCH_CHECK();
}

// Sum of squares in double: one partial per block, then one block adds the
// partials in a fixed order (no atomics: the same bits on every run).
#define NORM_BLOCKS 1024
static __device__ double g_norm_part[NORM_BLOCKS];
static __device__ double g_norm_acc;
__global__ void sumsq_k(const float *g, size_t n)
{
    double s = 0.0;
    NN_GRID_STRIDE(i, n) s += (double)g[i] * g[i];
    s = nn_block_sum(s);
    if (threadIdx.x == 0) g_norm_part[blockIdx.x] = s;
}
__global__ void sumsq_final_k(unsigned nb)
{
    double s = 0.0;
    for (unsigned i = threadIdx.x; i < nb; i += blockDim.x) s += g_norm_part[i];
    s = nn_block_sum(s);
    if (threadIdx.x == 0) g_norm_acc = s;
}

extern "C" float we_optim_grad_norm_cuda(const float *grad, size_t n)
{
    unsigned b = nn_blocks(n, 256);
    if (b > NORM_BLOCKS) b = NORM_BLOCKS;
    sumsq_k<<<b, 256>>>(grad, n);
    sumsq_final_k<<<1, 256>>>(b);
    NN_LAUNCH_CHECK();
    double s = 0.0;
    NN_CUDA_CHECK(cudaMemcpyFromSymbol(&s, g_norm_acc, sizeof s));
    return (float)sqrt(s);
}

__global__ void scale_inplace_k(float *g, size_t n, float s)
{
    NN_GRID_STRIDE(i, n) g[i] *= s;
}

extern "C" void we_optim_scale_cuda(float *grad, size_t n, float s)
{
    scale_inplace_k<<<nn_blocks(n, 256), 256>>>(grad, n, s);
    NN_LAUNCH_CHECK();
}

extern "C" float we_optim_clip_grad_norm_cuda(float *grad, size_t n, float max_norm)
{
    float total = we_optim_grad_norm_cuda(grad, n);
    float coef = max_norm / (total + 1e-6f);
    if (coef < 1.0f) we_optim_scale_cuda(grad, n, coef);
    return total;
}

__global__ void ema_k(float *ema, const float *param, size_t n, float k)
{
    NN_GRID_STRIDE(i, n) ema[i] += k * (param[i] - ema[i]);
}

extern "C" void we_optim_ema_update_cuda(float *ema, const float *param, size_t n, float decay)
{
    ema_k<<<nn_blocks(n, 256), 256>>>(ema, param, n, 1.0f - decay);
    NN_LAUNCH_CHECK();
}
