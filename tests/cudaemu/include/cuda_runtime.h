/* cuda_runtime.h (cudaemu) - the part of the CUDA runtime API that
 * WaveEmotion uses, implemented on the CPU by tests/cudaemu/cudaemu.cc so
 * the CUDA path (the kernels/ sources and the host code that drives them) runs and
 * is tested on machines without a GPU. See tests/cudaemu/README.
 *
 * Host part: plain C declarations with the real names (C and C++).
 * Device part (C++ only): __global__ & co., threadIdx/blockIdx/blockDim/
 * gridDim, __syncthreads, warp shuffles, atomics, and cudaemu::launch,
 * which the build substitutes for the <<<grid, block>>> syntax. */
#ifndef CUDAEMU_CUDA_RUNTIME_H
#define CUDAEMU_CUDA_RUNTIME_H

#include <stddef.h>
#include <string.h>

#define CUDAEMU 1

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorNoDevice = 100,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchFailure = 719
} cudaError_t;

typedef enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4
} cudaMemcpyKind;

typedef enum cudaDeviceAttr {
    cudaDevAttrMaxThreadsPerBlock = 1,
    cudaDevAttrMemoryClockRate = 36,
    cudaDevAttrGlobalMemoryBusWidth = 37
} cudaDeviceAttr;

typedef struct cudaemu_event *cudaEvent_t;
typedef struct cudaemu_stream *cudaStream_t;

cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaDeviceGetAttribute(int *value, cudaDeviceAttr attr, int device);
cudaError_t cudaMalloc(void **ptr, size_t bytes);
cudaError_t cudaFree(void *ptr);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemset(void *ptr, int value, size_t bytes);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);
const char *cudaGetErrorString(cudaError_t e);
cudaError_t cudaEventCreate(cudaEvent_t *e);
cudaError_t cudaEventDestroy(cudaEvent_t e);
#ifdef __cplusplus
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s = 0);
#else
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s);
#endif
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b);

/* Emulator only: 1 when p lies in a live device allocation of at least
 * bytes from p on (what a kernel or cuBLAS may touch). */
int cudaemu_is_device(const void *p, size_t bytes);
/* Emulator only: record an error for cudaGetLastError and print why. */
void cudaemu_fail(cudaError_t e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
} /* extern "C" */

#include <cstdint>
#include <math.h>
#include <functional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

/* ---- device side, C++ only --------------------------------------------- */
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __restrict__ __restrict
/* All threads of a block run as fibers on one host thread and blocks run
 * one after another (launches are serialised), so a function-local static
 * is exactly one block's shared memory. */
#define __shared__ static

struct uint3 { unsigned x, y, z; };
struct dim3 {
    unsigned x, y, z;
    dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
    dim3(uint3 u) : x(u.x), y(u.y), z(u.z) {}
};

template <class T> cudaError_t cudaMalloc(T **ptr, size_t bytes) { return cudaMalloc((void **)ptr, bytes); }
template <class T>
cudaError_t cudaMemcpyFromSymbol(void *dst, const T &symbol, size_t bytes, size_t offset = 0,
                                 cudaMemcpyKind kind = cudaMemcpyDeviceToHost)
{
    memcpy(dst, (const char *)&symbol + offset, bytes);
    return cudaSuccess;
}
template <class T>
cudaError_t cudaMemcpyToSymbol(T &symbol, const void *src, size_t bytes, size_t offset = 0,
                               cudaMemcpyKind kind = cudaMemcpyHostToDevice)
{
    memcpy((char *)&symbol + offset, src, bytes);
    return cudaSuccess;
}

namespace cudaemu {

struct thread_state {
    uint3 tid;
    unsigned lane, warp;
};
extern thread_local thread_state *cur;
extern thread_local uint3 block_idx;
extern thread_local dim3 block_dim, grid_dim;

/* __syncthreads and the warp barrier behind the shuffles */
void syncthreads();
void warp_exchange(const void *mine, void *theirs, unsigned src_lane, size_t size);

/* Run body once per thread of every block; errors (bad configuration,
 * deadlock) are recorded for cudaGetLastError. */
void run_grid(const char *name, dim3 grid, dim3 block, size_t smem, const std::vector<const void *> &ptrs,
              const std::function<void()> &body);
/* 0 when p is NULL or device memory; else prints and records an error. */
int check_kernel_pointer(const char *kernel, int argno, const void *p);

/* Pointer arguments are checked and collected: only their buffers are
 * readable while the kernel runs. */
template <class T>
int check_arg(const char *kernel, int argno, const T &v, std::vector<const void *> &ptrs)
{
    if constexpr (std::is_pointer<T>::value) {
        ptrs.push_back((const void *)v);
        return check_kernel_pointer(kernel, argno, (const void *)v);
    } else {
        return 0;
    }
}

template <class... P>
struct launcher {
    const char *name;
    void (*kernel)(P...);
    dim3 grid, block;
    size_t smem;
    /* Not a template, so NULL and 0 convert to the pointer parameters as
     * they do in a <<<>>> launch. */
    void operator()(P... a) const
    {
        int bad = 0, argno = 0;
        std::vector<const void *> ptrs;
        ((bad |= check_arg(name, ++argno, a, ptrs)), ...);
        if (bad) return;
        auto k = kernel;
        run_grid(name, grid, block, smem, ptrs, [&]() { k(a...); });
    }
};

template <class... P>
launcher<P...> launch(const char *name, void (*kernel)(P...), dim3 grid, dim3 block, size_t smem = 0,
                      cudaStream_t stream = 0)
{
    (void)stream;
    return launcher<P...>{name, kernel, grid, block, smem};
}

} // namespace cudaemu

#define threadIdx (cudaemu::cur->tid)
#define blockIdx (cudaemu::block_idx)
#define blockDim (cudaemu::block_dim)
#define gridDim (cudaemu::grid_dim)
#define warpSize 32

inline void __syncthreads() { cudaemu::syncthreads(); }

template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32)
{
    (void)mask;
    T r;
    unsigned lane = cudaemu::cur->lane;
    unsigned base = lane & ~(unsigned)(width - 1);
    cudaemu::warp_exchange(&v, &r, base | ((lane ^ (unsigned)lane_mask) & (unsigned)(width - 1)), sizeof(T));
    return r;
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32)
{
    (void)mask;
    T r;
    unsigned lane = cudaemu::cur->lane, in = (lane & (unsigned)(width - 1)) + delta;
    unsigned src = in < (unsigned)width ? lane + delta : lane;
    cudaemu::warp_exchange(&v, &r, src, sizeof(T));
    return r;
}
template <class T>
T __shfl_sync(unsigned mask, T v, int src_lane, int width = 32)
{
    (void)mask;
    T r;
    unsigned lane = cudaemu::cur->lane, base = lane & ~(unsigned)(width - 1);
    cudaemu::warp_exchange(&v, &r, base + ((unsigned)src_lane & (unsigned)(width - 1)), sizeof(T));
    return r;
}

/* Fibers are never preempted, so a read-modify-write is atomic. */
template <class T> T atomicAdd(T *p, T v) { T old = *p; *p = old + v; return old; }
template <class T> T atomicMax(T *p, T v) { T old = *p; if (v > old) *p = v; return old; }
template <class T> T atomicMin(T *p, T v) { T old = *p; if (v < old) *p = v; return old; }
template <class T> T atomicExch(T *p, T v) { T old = *p; *p = v; return old; }

/* Round-to-nearest arithmetic that must not fuse into an FMA (the build
 * compiles emulated kernels with -ffp-contract=off). */
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
template <class T> T __ldg(const T *p) { return *p; }

#endif /* __cplusplus */
#endif
