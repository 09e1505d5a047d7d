// nn_attention.cu - CUDA twin of lib/nn/we_nn_attention.c: multi-head
// self-attention over T positions (qkv 1x1 conv, softmax(Q^T K/sqrt(d)) V,
// proj 1x1 conv), GEMMs through cuBLAS strided-batched calls.
#include "nn_common.h"

// y[n][m][t] += b[m] over [N, M, T]
__global__ void att_bias_k(float *y, const float *b, int M, int T, size_t n)
{
    NN_GRID_STRIDE(i, n) y[i] += b[(i / T) % M];
}
// db[m] += sum_{n,t} dy[n][m][t]; one block per m.
__global__ void att_bias_grad_k(float *db, const float *dy, int N, int M, int T)
{
    int m = blockIdx.x;
    float s = 0.0f;
    for (int i = threadIdx.x; i < N * T; i += blockDim.x) s += dy[((size_t)(i / T) * M + m) * T + i % T];
    s = nn_block_sum(s);
    if (threadIdx.x == 0) db[m] += s;
}
// Row softmax in place; one block per row of length T.
__global__ void softmax_rows_k(float *A, int T)
{
    float *r = A + (size_t)blockIdx.x * T;
    __shared__ float smax;
    float mx = -INFINITY;
    for (int s = threadIdx.x; s < T; s += blockDim.x) mx = fmaxf(mx, r[s]);
    for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
    __shared__ float wm[32];
    if ((threadIdx.x & 31) == 0) wm[threadIdx.x >> 5] = mx;
    __syncthreads();
    if (threadIdx.x == 0) {
        float m = wm[0];
        for (int w = 1; w < (int)((blockDim.x + 31) >> 5); w++) m = fmaxf(m, wm[w]);
        smax = m;
    }
    __syncthreads();
    mx = smax;
    float z = 0.0f;
    for (int s = threadIdx.x; s < T; s += blockDim.x) {
        float e = expf(r[s] - mx);
        r[s] = e;
        z += e;
    }
    z = nn_block_sum(z);
    float iz = 1.0f / z;
    for (int s = threadIdx.x; s < T; s += blockDim.x) r[s] *= iz;
}
// dS = A * (dA - rowsum(A*dA)), in place in dA; one block per row.
__global__ void softmax_back_k(float *dA, const float *A, int T)
{
    const float *a = A + (size_t)blockIdx.x * T;
    float *d = dA + (size_t)blockIdx.x * T;
    float s = 0.0f;
    for (int j = threadIdx.x; j < T; j += blockDim.x) s += a[j] * d[j];
    s = nn_block_sum(s);
    for (int j = threadIdx.x; j < T; j += blockDim.x) d[j] = a[j] * (d[j] - s);
}

static unsigned row_threads(int T) { return T >= 256 ? 256 : (T > 32 ? ((T + 31) / 32) * 32 : 32); }

extern "C" size_t we_nn_attention_cuda_scratch_size(int N, int C, int T, int heads)
{
    // da [N,C,T] + dqkv [N,3C,T] + dA [heads,T,T]
    return 4 * (size_t)N * C * T + (size_t)heads * T * T;
}

extern "C" void we_nn_attention_forward_cuda(float *out, float *qkv, float *att, float *a,
                                             const float *inp,
                                             const float *wqkv, const float *bqkv,
                                             const float *wproj, const float *bproj,
                                             int N, int C, int T, int heads)
{
    const int d = C / heads;
    const float scale = 1.0f / sqrtf((float)d);
    const long long sx = (long long)C * T, sq = 3LL * C * T, sT = (long long)T * T;
    we_nn_gemm_rm_batched(0, 0, 3 * C, T, C, 1.0f, wqkv, C, 0, inp, T, sx, 0.0f, qkv, T, sq, N);
    if (bqkv) {
        size_t n = (size_t)N * 3 * C * T;
        att_bias_k<<<nn_blocks(n, 256), 256>>>(qkv, bqkv, 3 * C, T, n);
        NN_LAUNCH_CHECK();
    }
    for (int n = 0; n < N; n++) {
        const float *q3 = qkv + n * sq;
        float *A = att + (size_t)n * heads * sT;
        // A[h][t,s] = scale sum_c Q[c,t] K[c,s]
        we_nn_gemm_rm_batched(1, 0, T, T, d, scale, q3, T, (long long)d * T, q3 + (size_t)C * T, T,
                              (long long)d * T, 0.0f, A, T, sT, heads);
        softmax_rows_k<<<heads * T, row_threads(T)>>>(A, T);
        NN_LAUNCH_CHECK();
        // a_h[c,t] = sum_s V[c,s] A[t,s]
        we_nn_gemm_rm_batched(0, 1, d, T, T, 1.0f, q3 + 2 * (size_t)C * T, T, (long long)d * T, A, T,
                              sT, 0.0f, a + n * sx, T, (long long)d * T, heads);
    }
    we_nn_gemm_rm_batched(0, 0, C, T, C, 1.0f, wproj, C, 0, a, T, sx, 0.0f, out, T, sx, N);
    if (bproj) {
        size_t n = (size_t)N * C * T;
        att_bias_k<<<nn_blocks(n, 256), 256>>>(out, bproj, C, T, n);
        NN_LAUNCH_CHECK();
    }
}

extern "C" void we_nn_attention_backward_cuda(float *dinp, float *dwqkv, float *dbqkv,
                                              float *dwproj, float *dbproj, float *scratch,
                                              const float *dout, const float *inp,
                                              const float *wqkv, const float *wproj,
                                              const float *qkv, const float *att, const float *a,
                                              int N, int C, int T, int heads)
{
    const int d = C / heads;
    const float scale = 1.0f / sqrtf((float)d);
    const long long sx = (long long)C * T, sq = 3LL * C * T, sT = (long long)T * T, sh = (long long)d * T;
    float *da = scratch, *dqkv = da + (size_t)N * sx, *dA = dqkv + (size_t)N * sq;
    if (dbproj) {
        att_bias_grad_k<<<C, 256>>>(dbproj, dout, N, C, T);
        NN_LAUNCH_CHECK();
    }
    for (int n = 0; n < N; n++)
        if (dwproj) we_nn_gemm_rm(0, 1, C, C, T, 1.0f, dout + n * sx, T, a + n * sx, T, 1.0f, dwproj, C);
    if (!dinp && !dwqkv && !dbqkv) return;
    // da[n] = Wproj^T dout[n]
    we_nn_gemm_rm_batched(1, 0, C, T, C, 1.0f, wproj, C, 0, dout, T, sx, 0.0f, da, T, sx, N);
    for (int n = 0; n < N; n++) {
        const float *q3 = qkv + n * sq, *A = att + (size_t)n * heads * sT, *dan = da + n * sx;
        float *dq3 = dqkv + n * sq;
        // dA[h][t,s] = sum_c da[c,t] V[c,s]
        we_nn_gemm_rm_batched(1, 0, T, T, d, 1.0f, dan, T, sh, q3 + 2 * (size_t)C * T, T, sh, 0.0f,
                              dA, T, sT, heads);
        // dV[c,s] = sum_t da[c,t] A[t,s]
        we_nn_gemm_rm_batched(0, 0, d, T, T, 1.0f, dan, T, sh, A, T, sT, 0.0f,
                              dq3 + 2 * (size_t)C * T, T, sh, heads);
        softmax_back_k<<<heads * T, row_threads(T)>>>(dA, A, T);
        NN_LAUNCH_CHECK();
        // dQ[c,t] = scale sum_s K[c,s] dS[t,s];  dK[c,s] = scale sum_t Q[c,t] dS[t,s]
        we_nn_gemm_rm_batched(0, 1, d, T, T, scale, q3 + (size_t)C * T, T, sh, dA, T, sT, 0.0f,
                              dq3, T, sh, heads);
        we_nn_gemm_rm_batched(0, 0, d, T, T, scale, q3, T, sh, dA, T, sT, 0.0f,
                              dq3 + (size_t)C * T, T, sh, heads);
    }
    if (dbqkv) {
        att_bias_grad_k<<<3 * C, 256>>>(dbqkv, dqkv, N, 3 * C, T);
        NN_LAUNCH_CHECK();
    }
    if (dwqkv)
        for (int n = 0; n < N; n++)
            we_nn_gemm_rm(0, 1, 3 * C, C, T, 1.0f, dqkv + n * sq, T, inp + n * sx, T, 1.0f, dwqkv, C);
    if (dinp) we_nn_gemm_rm_batched(1, 0, C, T, 3 * C, 1.0f, wqkv, C, 0, dqkv, T, sq, 1.0f, dinp, T, sx, N);
}
