/* we_dwt_cuda.h - CUDA twins of we_dwt2_forward / we_dwt2_inverse
 * (kernels/dwt.cu), and run-time selection between CPU and GPU.
 *
 * The CUDA functions exist only in builds with WE_HAVE_CUDA. They take the
 * same arguments in the same order as the CPU functions; `nthreads` is
 * ignored. The GPU result equals the CPU result bit for bit: the kernels
 * use the same tap order and round every product and sum separately
 * (no fused multiply-add).
 */
#ifndef WE_DWT_CUDA_H
#define WE_DWT_CUDA_H

#include "we_device.h"
#include "we_dwt.h"

#ifdef WE_HAVE_CUDA
#ifdef __cplusplus
extern "C" {
#endif
/* Device pointers: out, in (C*H*W floats each) and work
 * (we_dwt2_work_floats() floats, or NULL to cudaMalloc/cudaFree one per
 * call). Returns WE_OK, WE_EDATA/WE_EUSAGE as the CPU version, or
 * WE_EDEVICE with a detail naming the CUDA error. Synchronous. */
we_status we_dwt2_forward_cuda(float *out, float *work, const float *in, int C, int H, int W,
                               const we_wavelet *w, int J, int nthreads);
we_status we_dwt2_inverse_cuda(float *out, float *work, const float *in, int C, int H, int W,
                               const we_wavelet *w, int J, int nthreads);

/* Host-pointer wrappers: copy in to the GPU, transform, copy out back.
 * Device buffers are cached between calls (one set per process, guarded
 * by a mutex) and grow as needed. */
we_status we_dwt2_forward_cuda_host(float *out, float *work, const float *in, int C, int H, int W,
                                    const we_wavelet *w, int J, int nthreads);
we_status we_dwt2_inverse_cuda_host(float *out, float *work, const float *in, int C, int H, int W,
                                    const we_wavelet *w, int J, int nthreads);

/* Benchmark helper: runs forward + inverse `iters` times on device
 * buffers of a random N x C x H x W batch (N items, each transformed by
 * one call over N*C channels) and stores the mean seconds per round trip
 * in *seconds. WE_EDEVICE without a GPU. */
we_status we_dwt2_cuda_time(double *seconds, int C, int H, int W, const we_wavelet *w, int J, int iters);

/* Theoretical memory bandwidth of GPU 0 in GB/s (0 if unknown). */
double we_dwt2_cuda_bandwidth_gbs(void);
#ifdef __cplusplus
}
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif
/* Host buffers on the device d (WE_DEV_CPU or WE_DEV_CUDA, from
 * we_device_resolve): the CPU functions, or the CUDA host wrappers.
 * inverse = 0 forward, 1 inverse; other arguments as we_dwt2_forward. */
we_status we_dwt2_run(we_device d, int inverse, float *out, float *work, const float *in, int C, int H,
                      int W, const we_wavelet *w, int J, int nthreads);
#ifdef __cplusplus
}
#endif

#endif
