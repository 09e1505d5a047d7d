// selftest.cu - the emulator's own test: it must run correct kernels right
// (block reductions through shuffles and shared memory, in both thread
// orders) and catch the mistakes it claims to catch: a host pointer passed
// to a kernel, the host touching device memory, a kernel writing past a
// buffer, a barrier not every thread reaches, a bad launch, a race that a
// missing __syncthreads leaves. Built only under the emulator (Makefile:
// build/emu/tests/test_cudaemu_self); prints "N passed, N failed".
#include <cuda_runtime.h>
#include <cublas_v2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn_common.h"

static int passed, failed;
static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    ok ? passed++ : failed++;
}

__global__ void row_sums(float *out, const float *x, int n)
{
    float s = 0;
    for (int i = threadIdx.x; i < n; i += blockDim.x) s += x[(size_t)blockIdx.x * n + i];
    s = nn_block_sum(s); // the project's block reduction (kernels/nn_common.h)
    if (threadIdx.x == 0) out[blockIdx.x] = s;
}

// Reverses a block through shared memory; with sync = 0 it reads slots that
// other threads may not have written yet.
__global__ void reverse_block(float *out, const float *x, int sync)
{
    __shared__ float sh[256];
    sh[threadIdx.x] = x[blockIdx.x * blockDim.x + threadIdx.x];
    if (sync) __syncthreads();
    out[blockIdx.x * blockDim.x + threadIdx.x] = sh[blockDim.x - 1 - threadIdx.x];
}

// Lane 0 shuffles alone while the rest of the block waits at __syncthreads:
// the shuffle's full mask promises 32 lanes that never come.
__global__ void lonely_shuffle(float *out)
{
    float v = (float)threadIdx.x;
    if (threadIdx.x == 0) v = __shfl_xor_sync(0xffffffffu, v, 1);
    __syncthreads();
    out[threadIdx.x] = v;
}

__global__ void write_past(float *out, int n)
{
    out[n + threadIdx.x] = 1; // n floats were allocated
}

__global__ void fill(float *out, float v, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) out[i] = v;
}

// Runs f in a child; 1 when the child died of SIGSEGV (what the emulator's
// fault handler ends with), its message left on stderr.
static int dies_of_segv(void (*f)(void))
{
    fflush(stdout);
    pid_t p = fork();
    if (p == 0) {
        f();
        _exit(0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

static float *g_dev;
static void host_reads_device(void) { volatile float v = g_dev[0]; (void)v; }
static void kernel_writes_past(void)
{
    write_past<<<1, 64>>>(g_dev, 1024);
    cudaDeviceSynchronize();
}

int main(void)
{
    int ndev = 0;
    check(cudaGetDeviceCount(&ndev) == cudaSuccess && ndev == 1, "one emulated device");
    const int rows = 5, n = 1000;
    float *hx = (float *)malloc(sizeof(float) * rows * n), hs[rows], ref[rows];
    for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int i = 0; i < n; i++) s += hx[r * n + i] = (float)((r * 7 + i * 13) % 17) - 8.0f;
        ref[r] = (float)s;
    }
    float *dx, *ds;
    check(cudaMalloc(&dx, sizeof(float) * rows * n) == cudaSuccess && cudaMalloc(&ds, sizeof(float) * rows) == cudaSuccess,
          "cudaMalloc");
    cudaMemcpy(dx, hx, sizeof(float) * rows * n, cudaMemcpyHostToDevice);
    for (int bs = 32; bs <= 1024; bs *= 2) {
        row_sums<<<rows, bs>>>(ds, dx, n);
        check(cudaGetLastError() == cudaSuccess, "block reduction launches");
        cudaMemcpy(hs, ds, sizeof hs, cudaMemcpyDeviceToHost);
        int ok = 1;
        for (int r = 0; r < rows; r++) ok &= hs[r] == ref[r];
        char what[80];
        snprintf(what, sizeof what, "block reduction (shuffles + shared memory) exact, %d threads", bs);
        check(ok, what);
    }

    // a kernel's pointer arguments must be device memory
    row_sums<<<rows, 64>>>(hs, dx, n);
    check(cudaGetLastError() == cudaErrorIllegalAddress, "a host pointer passed to a kernel is an error");
    check(cudaGetLastError() == cudaSuccess, "cudaGetLastError clears the error");

    // launch configuration
    fill<<<1, 2048>>>(ds, 0, rows);
    check(cudaGetLastError() == cudaErrorInvalidConfiguration, "2048 threads per block is refused");
    fill<<<0, 32>>>(ds, 0, rows);
    check(cudaGetLastError() == cudaErrorInvalidConfiguration, "an empty grid is refused");

    // a shuffle the other lanes never reach (threads that exit do not count
    // for __syncthreads, as on Volta and later)
    float *d64;
    cudaMalloc(&d64, sizeof(float) * 64);
    lonely_shuffle<<<1, 64>>>(d64);
    check(cudaGetLastError() == cudaErrorLaunchFailure, "a shuffle not every lane reaches is reported (deadlock)");
    cudaFree(d64);

    // copies check their direction
    check(cudaMemcpy(hs, dx, sizeof hs, cudaMemcpyHostToDevice) != cudaSuccess, "cudaMemcpy refuses a wrong direction");
    cudaGetLastError();
    check(cudaMemcpy(hs, dx, sizeof(float) * rows * n + 4, cudaMemcpyDeviceToHost) != cudaSuccess,
          "cudaMemcpy refuses to read past a device buffer");
    cudaGetLastError();

    // cuBLAS: C = A B (column-major 2x3 * 3x2), and operands must be device memory
    float hA[6] = {1, 2, 3, 4, 5, 6}, hB[6] = {1, 0, 2, 1, 0, 3}, hC[4], one = 1, zero = 0;
    float *dA, *dB, *dC;
    cudaMalloc(&dA, sizeof hA), cudaMalloc(&dB, sizeof hB), cudaMalloc(&dC, sizeof hC);
    cudaMemcpy(dA, hA, sizeof hA, cudaMemcpyHostToDevice), cudaMemcpy(dB, hB, sizeof hB, cudaMemcpyHostToDevice);
    cublasHandle_t h;
    cublasCreate(&h);
    check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &one, dA, 2, dB, 3, &zero, dC, 2) == CUBLAS_STATUS_SUCCESS,
          "cublasSgemm runs");
    cudaMemcpy(hC, dC, sizeof hC, cudaMemcpyDeviceToHost);
    check(hC[0] == 11 && hC[1] == 14 && hC[2] == 16 && hC[3] == 20, "cublasSgemm column-major product");
    check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 3, &one, hA, 2, dB, 3, &zero, dC, 2) != CUBLAS_STATUS_SUCCESS,
          "cublasSgemm refuses a host operand");
    cudaGetLastError();

    // a missing __syncthreads: both orders agree only when the barrier is there
    float hin[256], hout[256];
    for (int i = 0; i < 256; i++) hin[i] = (float)i;
    float *din, *dout;
    cudaMalloc(&din, sizeof hin), cudaMalloc(&dout, sizeof hout);
    cudaMemcpy(din, hin, sizeof hin, cudaMemcpyHostToDevice);
    reverse_block<<<1, 256>>>(dout, din, 1);
    cudaMemcpy(hout, dout, sizeof hout, cudaMemcpyDeviceToHost);
    int ok = 1;
    for (int i = 0; i < 256; i++) ok &= hout[i] == 255 - i;
    check(ok, "shared-memory reversal with __syncthreads is right");
    for (int i = 0; i < 256; i++) hin[i] = (float)(1000 + i); // shared memory still holds 0..255
    cudaMemcpy(din, hin, sizeof hin, cudaMemcpyHostToDevice);
    reverse_block<<<1, 256>>>(dout, din, 0);
    cudaMemcpy(hout, dout, sizeof hout, cudaMemcpyDeviceToHost);
    ok = 1;
    for (int i = 0; i < 256; i++) ok &= hout[i] == 1255 - i;
    const char *order = getenv("CUDAEMU_ORDER");
    // threads run one after another: in forward order thread i reads slot
    // 255-i before thread 255-i wrote it (for i < 128), so the race shows
    check(!ok, order && !strcmp(order, "reverse") ? "the race shows (reverse order)" : "the race shows (forward order)");

    // faults: the host reading device memory, a kernel writing past a buffer
    cudaMalloc(&g_dev, sizeof(float) * 1024);
    check(dies_of_segv(host_reads_device), "the host dereferencing a device pointer faults (message above)");
    check(dies_of_segv(kernel_writes_past), "a kernel writing past its buffer faults (message above)");

    // fresh device memory is not zero (as on a GPU): NaN
    float *dn, hn = 0;
    cudaMalloc(&dn, sizeof(float));
    cudaMemcpy(&hn, dn, sizeof hn, cudaMemcpyDeviceToHost);
    check(hn != hn, "fresh device memory reads as NaN, not zero");

    cudaFree(dx), cudaFree(ds), cudaFree(dA), cudaFree(dB), cudaFree(dC), cudaFree(din), cudaFree(dout),
        cudaFree(g_dev), cudaFree(dn);
    check(cudaFree(hs) == cudaErrorInvalidDevicePointer, "cudaFree of a host pointer is an error");
    cublasDestroy(h);
    free(hx);
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
