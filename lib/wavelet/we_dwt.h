/* we_dwt.h - 2-D discrete wavelet transform and its inverse, mode
 * periodization, equal to PyWavelets' pywt.dwt2 / pywt.idwt2 and
 * pywt.WaveletPacket2D(..., mode='periodization') within float rounding.
 *
 * Buffers are flat floats, outermost first. An image is C x H x W.
 *
 * One level (J = 1) turns every channel into four H/2 x W/2 subbands,
 * pywt's cA, cH, cV, cD (we call them LL, LH, HL, HH), stored
 * subband-major: out is 4C x H/2 x W/2 with channel b*C + c holding
 * subband b (0 = cA, 1 = cH, 2 = cV, 3 = cD) of input channel c.
 *
 * J levels are a full wavelet packet: the one-level transform is applied
 * again to every one of the 4C channels, J times, giving 4^J*C channels of
 * H/2^J x W/2^J. Channel index at level J:
 *     ch = ((b_J * 4 + b_{J-1}) * 4 + ... + b_1) * C + c
 * where b_l is the subband (0..3 = a, h, v, d) taken at level l. The pywt
 * packet node with path p_1 p_2 ... p_J (p_1 the first level, as in
 * WaveletPacket2D(x, w, 'periodization', maxlevel=J)[path]) is therefore
 * channel group sum_l b_l * 4^(l-1), i.e. the path read last letter first
 * as a base-4 number: for J = 2, 'aa' = 0, 'ha' = 1, 'va' = 2, 'da' = 3,
 * 'ah' = 4, ..., 'dd' = 15 (times C, plus c).
 *
 * Periodization needs even sizes at every level: H and W must be divisible
 * by 2^J, otherwise the functions fail with WE_EDATA (no other extension
 * mode is offered). Callers extend odd sizes first: we_dwt2_pad_edge below.
 *
 * Threads: nthreads = 0 means all online cores; the work is split over
 * rows, and small transforms run on fewer threads (about one per 64 Ki
 * values). Every output value is computed by the same sequence of float
 * operations whatever the thread count, so results are bit-identical for
 * any nthreads.
 */
#ifndef WE_DWT_H
#define WE_DWT_H

#include <stddef.h>
#include <stdint.h>

#include "we_err.h"
#include "we_wavelet.h"

#define WE_DWT_MAX_LEVELS 16

/* Check that a C x H x W image can take J levels of periodization DWT:
 * dims >= 1, 1 <= J <= WE_DWT_MAX_LEVELS, H and W divisible by 2^J, the
 * element count fits in memory arithmetic. WE_EDATA (with a detail naming
 * the sizes) or WE_EUSAGE for a bad J. */
we_status we_dwt2_check(int64_t C, int64_t H, int64_t W, int J);

/* Shape of the J-level coefficients of a C x H x W image:
 * 4^J*C x H/2^J x W/2^J (call we_dwt2_check first). */
void we_dwt2_coef_shape(int64_t C, int64_t H, int64_t W, int J, int64_t shape[3]);

/* Floats of workspace the functions below need for these sizes and thread
 * count (nthreads = 0: all cores). Pass at least this many in `work`. */
size_t we_dwt2_work_floats(int C, int H, int W, const we_wavelet *w, int J, int nthreads);

/* Forward transform. in: C x H x W image; out: 4^J*C x H/2^J x W/2^J
 * coefficients in the order described above (C*H*W floats, must not
 * overlap in). work: we_dwt2_work_floats() floats of scratch, or NULL to
 * let the function allocate (and free) it. Returns WE_OK, WE_EDATA for
 * sizes periodization cannot take, WE_EUSAGE for a bad argument, WE_ENOMEM. */
we_status we_dwt2_forward(float *out, float *work, const float *in, int C, int H, int W,
                          const we_wavelet *w, int J, int nthreads);

/* Inverse transform (pywt.idwt2 / WaveletPacket2D.reconstruct). C, H, W
 * are the sizes of the image to rebuild; in: 4^J*C x H/2^J x W/2^J
 * coefficients; out: C x H x W (must not overlap in). work as above. */
we_status we_dwt2_inverse(float *out, float *work, const float *in, int C, int H, int W,
                          const we_wavelet *w, int J, int nthreads);

/* Resolve a thread request: n > 0 as is, 0 -> online cores (>= 1). */
int we_dwt_threads(int nthreads);

/* Odd sizes. PyWavelets' periodization mode treats an odd length by
 * repeating the last sample once; we generalise that to J levels by
 * repeating the last row/column up to the next multiple of 2^J (for J = 1
 * this is exactly pywt.dwt2). dwt records the original size in the keys
 * image.height / image.width and iwt crops back to it. */
int64_t we_dwt2_padded_size(int64_t n, int J);
/* in C x H x W -> out C x Hp x Wp (Hp >= H, Wp >= W), edge-replicated. */
void we_dwt2_pad_edge(float *out, const float *in, int C, int H, int W, int Hp, int Wp);
/* in C x Hp x Wp -> out C x H x W, the top-left part. */
void we_dwt2_crop(float *out, const float *in, int C, int Hp, int Wp, int H, int W);

#endif
