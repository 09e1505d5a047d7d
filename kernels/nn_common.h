// nn_common.h - shared by kernels/nn_*.cu (not part of the public API):
// error recording (cuda_check style), the cuBLAS handle, row-major GEMM
// wrappers and a block reduction.
#ifndef WE_NN_COMMON_H
#define WE_NN_COMMON_H

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "we_nn_cuda.h"

// Record the first CUDA / cuBLAS failure with its file and line; reported
// (and cleared) by we_nn_cuda_sync().
void we_nn_cuda_record(int failed, const char *what, const char *file, int line);
#define NN_CUDA_CHECK(call) \
    do { cudaError_t e_ = (call); if (e_ != cudaSuccess) we_nn_cuda_record(1, cudaGetErrorString(e_), __FILE__, __LINE__); } while (0)
#define NN_CUBLAS_CHECK(call) \
    do { cublasStatus_t s_ = (call); if (s_ != CUBLAS_STATUS_SUCCESS) we_nn_cuda_record(1, "cublas call failed", __FILE__, __LINE__); } while (0)
// After a kernel launch: catches bad launch configurations.
#define NN_LAUNCH_CHECK() NN_CUDA_CHECK(cudaGetLastError())

cublasHandle_t we_nn_cublas(void);

// Row-major C[M,N] = alpha op(A) op(B) + beta C (ta/tb: 0 = as stored,
// 1 = transposed), expressed as the column-major product C^T = op(B)^T op(A)^T.
void we_nn_gemm_rm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc);
// The same over `batch` matrices at fixed strides (stride 0 = shared).
void we_nn_gemm_rm_batched(int ta, int tb, int M, int N, int K, float alpha,
                           const float *A, int lda, long long sA,
                           const float *B, int ldb, long long sB, float beta,
                           float *C, int ldc, long long sC, int batch);

static inline unsigned nn_blocks(size_t n, unsigned threads)
{
    size_t b = (n + threads - 1) / threads;
    return (unsigned)(b > 65535u * 16u ? 65535u * 16u : (b ? b : 1));
}

// Sum over a block of blockDim.x threads (a multiple of 32, <= 1024).
template <typename T>
__device__ inline T nn_block_sum(T v)
{
    __shared__ T sh[32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) sh[wid] = v;
    __syncthreads();
    int nw = (blockDim.x + 31) >> 5;
    v = (threadIdx.x < (unsigned)nw) ? sh[threadIdx.x] : (T)0;
    if (wid == 0)
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    if (threadIdx.x == 0) sh[0] = v;
    __syncthreads();
    T r = sh[0];
    __syncthreads();
    return r;
}

#define NN_GRID_STRIDE(i, n) for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

#endif
