// nn_common.cu - CUDA glue for the nn layers: first-error recording, the
// cuBLAS handle, row-major GEMM wrappers, memory helpers.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "nn_common.h"

static cublasHandle_t g_cublas;
static int g_tf32 = -1; // -1: not set by we_nn_cuda_set_tf32, $WE_CUDA_TF32 decides
static int g_failed;
static char g_what[160];

void we_nn_cuda_record(int failed, const char *what, const char *file, int line)
{
    if (!failed || g_failed) return;
    g_failed = 1;
    snprintf(g_what, sizeof g_what, "%s:%d: %s", file, line, what);
}

static void apply_math_mode(void)
{
    if (g_tf32 < 0) {
        const char *e = getenv("WE_CUDA_TF32");
        g_tf32 = e && *e && strcmp(e, "0") != 0;
    }
    NN_CUBLAS_CHECK(cublasSetMathMode(g_cublas, g_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
}

cublasHandle_t we_nn_cublas(void)
{
    if (!g_cublas) {
        if (cublasCreate(&g_cublas) != CUBLAS_STATUS_SUCCESS) {
            we_nn_cuda_record(1, "cublasCreate failed", __FILE__, __LINE__);
            g_cublas = NULL;
        } else {
            apply_math_mode();
        }
    }
    return g_cublas;
}

extern "C" we_status we_nn_cuda_init(void)
{
    if (!we_nn_cublas()) return we_err_set(WE_EDEVICE, "cannot create the cuBLAS handle");
    return WE_OK;
}

extern "C" void we_nn_cuda_set_tf32(int on)
{
    g_tf32 = on ? 1 : 0;
    if (g_cublas) apply_math_mode();
}

extern "C" we_status we_nn_cuda_sync(void)
{
    cudaError_t e = cudaDeviceSynchronize();
    if (e != cudaSuccess) we_nn_cuda_record(1, cudaGetErrorString(e), __FILE__, __LINE__);
    e = cudaGetLastError();
    if (e != cudaSuccess) we_nn_cuda_record(1, cudaGetErrorString(e), __FILE__, __LINE__);
    if (g_failed) {
        g_failed = 0;
        return we_err_set(WE_EDEVICE, "%s", g_what);
    }
    return WE_OK;
}

extern "C" float *we_nn_cuda_alloc(size_t nfloats)
{
    void *p = NULL;
    if (cudaMalloc(&p, (nfloats ? nfloats : 1) * sizeof(float)) != cudaSuccess) {
        cudaGetLastError();
        return NULL;
    }
    return (float *)p;
}

extern "C" void we_nn_cuda_free(void *p)
{
    if (p) cudaFree(p);
}

static we_status copy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind)
{
    cudaError_t e = cudaMemcpy(dst, src, bytes, kind);
    if (e != cudaSuccess) return we_err_set(WE_EDEVICE, "cudaMemcpy: %s", cudaGetErrorString(e));
    return WE_OK;
}

extern "C" we_status we_nn_cuda_upload(float *dst_dev, const float *src_host, size_t nfloats)
{
    return copy(dst_dev, src_host, nfloats * sizeof(float), cudaMemcpyHostToDevice);
}

extern "C" we_status we_nn_cuda_download(float *dst_host, const float *src_dev, size_t nfloats)
{
    return copy(dst_host, src_dev, nfloats * sizeof(float), cudaMemcpyDeviceToHost);
}

extern "C" we_status we_nn_cuda_upload_i32(int32_t *dst_dev, const int32_t *src_host, size_t n)
{
    return copy(dst_dev, src_host, n * sizeof(int32_t), cudaMemcpyHostToDevice);
}

void we_nn_gemm_rm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                   const float *B, int ldb, float beta, float *C, int ldc)
{
    cublasHandle_t h = we_nn_cublas();
    if (!h) return;
    NN_CUBLAS_CHECK(cublasSgemm(h, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                                N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc));
}

void we_nn_gemm_rm_batched(int ta, int tb, int M, int N, int K, float alpha,
                           const float *A, int lda, long long sA,
                           const float *B, int ldb, long long sB, float beta,
                           float *C, int ldc, long long sC, int batch)
{
    cublasHandle_t h = we_nn_cublas();
    if (!h) return;
    NN_CUBLAS_CHECK(cublasSgemmStridedBatched(h, tb ? CUBLAS_OP_T : CUBLAS_OP_N,
                                              ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &alpha,
                                              B, ldb, sB, A, lda, sA, &beta, C, ldc, sC, batch));
}
