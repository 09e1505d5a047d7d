/* we_faceapi_cuda.h - CUDA twins of we_faceapi_ops.c (kernels/faceapi.cu),
 * same argument order, all pointers are device pointers. Only declared when
 * the library is built with CUDA (WE_HAVE_CUDA). Errors are recorded and
 * reported by we_fa_cuda_sync. Elementwise helpers used by the nets are
 * included (the CPU versions live in we_faceapi_nets.c). */
#ifndef WE_FACEAPI_CUDA_H
#define WE_FACEAPI_CUDA_H

#include <stddef.h>

#include "we_err.h"

#ifdef WE_HAVE_CUDA
#ifdef __cplusplus
extern "C" {
#endif

/* Memory: device allocation (NULL on failure), free, copies. */
void *we_fa_cuda_alloc(size_t bytes);
void we_fa_cuda_free(void *p);
void we_fa_cuda_upload(void *dst, const void *src, size_t bytes);
void we_fa_cuda_download(void *dst, const void *src, size_t bytes);
/* Wait for the device; WE_EDEVICE with the first recorded failure. */
we_status we_fa_cuda_sync(void);

void we_fa_conv_forward_cuda(float *out, float *col, const float *inp, const float *w, const float *bias,
                             int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l, int OH, int OW);
void we_fa_conv_backward_acc_cuda(float *dinp, float *dcol, const float *dout, const float *w, int Ci, int H, int W,
                                  int Co, int k, int stride, int pad_t, int pad_l, int OH, int OW);
void we_fa_dw_forward_cuda(float *out, const float *inp, const float *w, int C, int H, int W, int stride, int pad_t,
                           int pad_l, int OH, int OW);
void we_fa_dw_backward_cuda(float *dinp, const float *dout, const float *w, int C, int H, int W, int stride,
                            int pad_t, int pad_l, int OH, int OW);
void we_fa_pw_forward_cuda(float *out, const float *inp, const float *w, const float *bias, int Ci, int P, int Co);
void we_fa_pw_backward_cuda(float *dinp, const float *dout, const float *w, int Ci, int P, int Co, int acc);
void we_fa_maxpool_forward_cuda(float *out, int *argmax, const float *inp, int C, int H, int W, int k, int s, int OH,
                                int OW);
void we_fa_maxpool_backward_cuda(float *dinp, const float *dout, const int *argmax, int C, int H, int W, int OH,
                                 int OW);
void we_fa_avgpool_forward_cuda(float *out, const float *inp, int C, int H, int W, int k, int s, int OH, int OW);
void we_fa_avgpool_backward_cuda(float *dinp, const float *dout, int C, int H, int W, int k, int s, int OH, int OW);
void we_fa_gmean_forward_cuda(float *out, const float *inp, int C, int P);
void we_fa_gmean_backward_cuda(float *dinp, const float *dout, int C, int P);
void we_fa_fc_forward_cuda(float *out, const float *inp, const float *w, const float *bias, int in, int nout);
void we_fa_fc_backward_cuda(float *dinp, const float *dout, const float *w, int in, int nout);
void we_fa_relu_backward_cuda(float *d, const float *pre, size_t n);

/* Elementwise helpers of the nets. */
void we_fa_relu_copy_cuda(float *d, const float *s, size_t n);
void we_fa_add_cuda(float *d, const float *a, const float *b, size_t n);
void we_fa_acc_cuda(float *d, const float *s, size_t n);
void we_fa_zero_cuda(float *d, size_t n);
void we_fa_copy_cuda(float *d, const float *s, size_t n);
/* out[c][p] = out[c][p] * sw[c] + sb[c]; backward: d[c][p] *= sw[c]. */
void we_fa_scale_forward_cuda(float *out, const float *sw, const float *sb, int C, int P);
void we_fa_scale_backward_cuda(float *d, const float *sw, int C, int P);
/* Residual-down combine: outpre[c][y][x] = (c < Ci ? pooled : 0) + (y,x < th ? t : 0). */
void we_fa_down_combine_cuda(float *outpre, const float *pooled, const float *t, int Co, int Ci, int OH, int th);
/* dt[c][y][x] = d[c][y][x] for y, x < th (d is Co x OH x OH). */
void we_fa_down_slice_cuda(float *dt, const float *d, int Co, int OH, int th);

#ifdef __cplusplus
}
#endif
#endif
#endif
