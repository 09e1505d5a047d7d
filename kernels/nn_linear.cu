// nn_linear.cu - CUDA twins of lib/nn/we_nn_linear.c: linear (cuBLAS),
// embedding lookup / scatter-add, sinusoidal timestep embedding.
#include "nn_common.h"

__global__ void row_bias_k(float *y, const float *b, int OUT, size_t n)
{
    NN_GRID_STRIDE(i, n) y[i] += b[i % OUT];
}
// dbias[o] += sum_b dout[b,o]; one block per output column.
__global__ void col_sum_k(float *db, const float *dout, int B, int OUT)
{
    int o = blockIdx.x;
    float s = 0.0f;
    for (int b = threadIdx.x; b < B; b += blockDim.x) s += dout[(size_t)b * OUT + o];
    s = nn_block_sum(s);
    if (threadIdx.x == 0) db[o] += s;
}

extern "C" void we_nn_linear_forward_cuda(float *out, const float *inp, const float *weight,
                                          const float *bias, int B, int IN, int OUT)
{
    we_nn_gemm_rm(0, 1, B, OUT, IN, 1.0f, inp, IN, weight, IN, 0.0f, out, OUT);
    if (bias) {
        size_t n = (size_t)B * OUT;
        row_bias_k<<<nn_blocks(n, 256), 256>>>(out, bias, OUT, n);
        NN_LAUNCH_CHECK();
    }
}

extern "C" void we_nn_linear_backward_cuda(float *dinp, float *dweight, float *dbias,
                                           const float *dout, const float *inp, const float *weight,
                                           int B, int IN, int OUT)
{
    if (dinp) we_nn_gemm_rm(0, 0, B, IN, OUT, 1.0f, dout, OUT, weight, IN, 1.0f, dinp, IN);
    if (dweight) we_nn_gemm_rm(1, 0, OUT, IN, B, 1.0f, dout, OUT, inp, IN, 1.0f, dweight, IN);
    if (dbias) {
        col_sum_k<<<OUT, 128>>>(dbias, dout, B, OUT);
        NN_LAUNCH_CHECK();
    }
}

__global__ void emb_fwd_k(float *out, const int32_t *ids, const float *table, int D, size_t n)
{
    NN_GRID_STRIDE(i, n) out[i] = table[(size_t)ids[i / D] * D + i % D];
}
// One thread per table entry, adding the rows that used it in sample order
// (the CPU's order): deterministic, no atomics.
__global__ void emb_bwd_k(float *dtable, const float *dout, const int32_t *ids, int B, int D, size_t n)
{
    NN_GRID_STRIDE(i, n) {
        const int v = (int)(i / D), d = (int)(i % D);
        float acc = dtable[i];
        for (int b = 0; b < B; b++)
            if (ids[b] == v) acc += dout[(size_t)b * D + d];
        dtable[i] = acc;
    }
}

extern "C" void we_nn_embedding_forward_cuda(float *out, const int32_t *ids, const float *table,
                                             int B, int V, int D)
{
    size_t n = (size_t)B * D;
    emb_fwd_k<<<nn_blocks(n, 256), 256>>>(out, ids, table, D, n);
    NN_LAUNCH_CHECK();
}

extern "C" void we_nn_embedding_backward_cuda(float *dtable, const float *dout, const int32_t *ids,
                                              int B, int V, int D)
{
    size_t n = (size_t)V * D;
    emb_bwd_k<<<nn_blocks(n, 256), 256>>>(dtable, dout, ids, B, D, n);
    NN_LAUNCH_CHECK();
}

__global__ void temb_k(float *out, const float *t, int B, int D, double lp, double den, int adm)
{
    const int half = D / 2;
    size_t n = (size_t)B * D;
    NN_GRID_STRIDE(i, n) {
        int b = (int)(i / D), j = (int)(i % D);
        float v = 0.0f;
        if (j < 2 * half) {
            int f = j < half ? j : j - half;
            double a = (double)t[b] * exp(-lp * (double)f / den);
            int first = j < half; // first half: sin (WaveDiff) / cos (ADM)
            v = (float)((first != adm) ? sin(a) : cos(a));
        }
        out[i] = v;
    }
}

extern "C" void we_nn_timestep_embedding_cuda(float *out, const float *t, int B, int D,
                                              float max_period, we_temb_kind kind)
{
    const int half = D / 2;
    double den = kind == WE_TEMB_WAVEDIFF ? (double)(half > 1 ? half - 1 : 1) : (double)half;
    size_t n = (size_t)B * D;
    temb_k<<<nn_blocks(n, 256), 256>>>(out, t, B, D, log((double)max_period), den, kind == WE_TEMB_ADM);
    NN_LAUNCH_CHECK();
}
