/* we_nn_cuda.h - CUDA twins of we_nn.h and we_optim.h (kernels/nn_*.cu).
 *
 * Each function has the CPU twin's name with a _cuda suffix and the SAME
 * argument order and semantics (including += into every gradient and
 * NULL = skip), over DEVICE pointers. Calls are asynchronous on the default
 * stream; we_nn_cuda_sync() waits and reports the first error. GEMMs use
 * cuBLAS in FP32 (TF32 tensor cores only after we_nn_cuda_set_tf32(1)).
 * conv2d on the GPU is im2col + cuBLAS for every shape (no Winograd), with
 * its own scratch size (we_nn_conv2d_cuda_scratch_size).
 * Mixed precision (FP16/BF16) is not implemented.
 *
 * Only declared when the library is built with CUDA (WE_HAVE_CUDA); guard
 * calls with #ifdef WE_HAVE_CUDA and check we_cuda_available() at run time.
 */
#ifndef WE_NN_CUDA_H
#define WE_NN_CUDA_H

#ifdef __cplusplus
extern "C" {
#endif
#include "we_err.h"
#ifdef __cplusplus
}
#endif
#include "we_nn.h"
#include "we_optim.h"

#ifdef WE_HAVE_CUDA
#ifdef __cplusplus
extern "C" {
#endif

/* Create the cuBLAS handle (done lazily by the first GEMM anyway). */
we_status we_nn_cuda_init(void);
/* Allow TF32 tensor-core GEMMs (0 = strict FP32). The default is strict
 * FP32 unless the environment variable WE_CUDA_TF32 is set to 1. */
void we_nn_cuda_set_tf32(int on);
/* Wait for the device; WE_EDEVICE with "file:line: cuda error" detail if
 * any kernel or cuBLAS call failed since the last sync. */
we_status we_nn_cuda_sync(void);
/* Device memory helpers for tests and callers (no-throw; NULL on failure). */
float *we_nn_cuda_alloc(size_t nfloats);
void we_nn_cuda_free(void *p);
we_status we_nn_cuda_upload(float *dst_dev, const float *src_host, size_t nfloats);
we_status we_nn_cuda_download(float *dst_host, const float *src_dev, size_t nfloats);
we_status we_nn_cuda_upload_i32(int32_t *dst_dev, const int32_t *src_host, size_t n);

/* conv2d: scratch of we_nn_conv2d_cuda_scratch_size(d) floats on the device. */
size_t we_nn_conv2d_cuda_scratch_size(const we_conv2d_dims *d);
void we_nn_conv2d_forward_cuda(float *out, float *scratch, const float *inp,
                               const float *weight, const float *bias,
                               const we_conv2d_dims *d);
void we_nn_conv2d_backward_cuda(float *dinp, float *dweight, float *dbias, float *scratch,
                                const float *dout, const float *inp, const float *weight,
                                const we_conv2d_dims *d);

void we_nn_groupnorm_forward_cuda(float *out, float *mean, float *rstd,
                                  const float *inp, const float *weight, const float *bias,
                                  int N, int C, int HW, int G, float eps);
void we_nn_groupnorm_backward_cuda(float *dinp, float *dweight, float *dbias,
                                   const float *dout, const float *inp, const float *weight,
                                   const float *mean, const float *rstd,
                                   int N, int C, int HW, int G);
void we_nn_adagn_forward_cuda(float *out, float *mean, float *rstd,
                              const float *inp, const float *weight, const float *bias,
                              const float *gamma, const float *beta, int ld,
                              int N, int C, int HW, int G, float eps);
void we_nn_adagn_backward_cuda(float *dinp, float *dweight, float *dbias,
                               float *dgamma, float *dbeta,
                               const float *dout, const float *inp,
                               const float *weight, const float *bias,
                               const float *gamma, const float *beta, int ld,
                               const float *mean, const float *rstd,
                               int N, int C, int HW, int G);

void we_nn_silu_forward_cuda(float *out, const float *inp, size_t n);
void we_nn_silu_backward_cuda(float *dinp, const float *dout, const float *inp, size_t n);
void we_nn_add_forward_cuda(float *out, const float *a, const float *b, float s, size_t n);
void we_nn_add_backward_cuda(float *da, float *db, const float *dout, float s, size_t n);
void we_nn_scale_forward_cuda(float *out, const float *inp, float s, size_t n);
void we_nn_scale_backward_cuda(float *dinp, const float *dout, float s, size_t n);
void we_nn_addnc_forward_cuda(float *out, const float *inp, const float *v, int N, int C, int HW);
void we_nn_addnc_backward_cuda(float *dinp, float *dv, const float *dout, int N, int C, int HW);
void we_nn_concat_forward_cuda(float *out, const float *a, const float *b,
                               int N, int Ca, int Cb, int HW);
void we_nn_concat_backward_cuda(float *da, float *db, const float *dout,
                                int N, int Ca, int Cb, int HW);
void we_nn_slice_forward_cuda(float *out, const float *inp, int N, int Cin, int c0, int Cout, int HW);
void we_nn_slice_backward_cuda(float *dinp, const float *dout, int N, int Cin, int c0, int Cout, int HW);

void we_nn_linear_forward_cuda(float *out, const float *inp, const float *weight,
                               const float *bias, int B, int IN, int OUT);
void we_nn_linear_backward_cuda(float *dinp, float *dweight, float *dbias,
                                const float *dout, const float *inp, const float *weight,
                                int B, int IN, int OUT);

void we_nn_embedding_forward_cuda(float *out, const int32_t *ids, const float *table,
                                  int B, int V, int D);
void we_nn_embedding_backward_cuda(float *dtable, const float *dout, const int32_t *ids,
                                   int B, int V, int D);
void we_nn_timestep_embedding_cuda(float *out, const float *t, int B, int D,
                                   float max_period, we_temb_kind kind);

void we_nn_attention_forward_cuda(float *out, float *qkv, float *att, float *a,
                                  const float *inp,
                                  const float *wqkv, const float *bqkv,
                                  const float *wproj, const float *bproj,
                                  int N, int C, int T, int heads);
/* scratch: we_nn_attention_cuda_scratch_size(N, C, T, heads) floats. */
size_t we_nn_attention_cuda_scratch_size(int N, int C, int T, int heads);
void we_nn_attention_backward_cuda(float *dinp, float *dwqkv, float *dbqkv,
                                   float *dwproj, float *dbproj, float *scratch,
                                   const float *dout, const float *inp,
                                   const float *wqkv, const float *wproj,
                                   const float *qkv, const float *att, const float *a,
                                   int N, int C, int T, int heads);

void we_nn_dwt_forward_cuda(float *out, const float *inp, int N, int C, int H, int W);
void we_nn_dwt_backward_cuda(float *dinp, const float *dout, int N, int C, int H, int W);
void we_nn_iwt_forward_cuda(float *out, const float *inp, int N, int C, int h, int w);
void we_nn_iwt_backward_cuda(float *dinp, const float *dout, int N, int C, int h, int w);

/* MSE: the loss is written to *loss_dev (one float on the device). */
void we_nn_mse_forward_cuda(float *loss_dev, const float *pred, const float *target, size_t n);
void we_nn_mse_backward_cuda(float *dpred, float *dtarget, const float *pred,
                             const float *target, float dloss, size_t n);

/* Optimizer twins (we_optim.h). grad_norm returns the norm on the host
 * (it synchronises). */
void we_adamw_step_cuda(float *param, float *m, float *v, const float *grad, size_t n,
                        const we_adamw_params *p, long t);
float we_optim_grad_norm_cuda(const float *grad, size_t n);
float we_optim_clip_grad_norm_cuda(float *grad, size_t n, float max_norm);
void we_optim_scale_cuda(float *grad, size_t n, float s);
void we_optim_ema_update_cuda(float *ema, const float *param, size_t n, float decay);

#ifdef __cplusplus
}
#endif
#endif /* WE_HAVE_CUDA */
#endif
