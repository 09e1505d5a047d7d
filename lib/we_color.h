/* we_color.h - RGB <-> YCbCr, ITU-R BT.601 full range (as JPEG/JFIF), on
 * f32 pixels in [-1, 1] (no offsets: 0 is mid-grey, Cb = Cr = 0 is grey):
 *     Y  =  0.299 R + 0.587 G + 0.114 B
 *     Cb = (B - Y) / 1.772
 *     Cr = (R - Y) / 1.402
 * and the exact inverse (R = Y + 1.402 Cr, B = Y + 1.772 Cb,
 * G = (Y - 0.299 R - 0.114 B) / 0.587), computed in double.
 *
 * The transform is linear and acts on each pixel's three channels, so it
 * commutes with any per-channel linear map such as a DWT: applied to the
 * R, G, B channels of one wavelet subband it gives that subband of Y, Cb,
 * Cr. A luminance model edits Y (or Y's subbands) and keeps the photo's
 * CbCr. Planar layout: 3 x P floats (all R, then all G, then all B).
 */
#ifndef WE_COLOR_H
#define WE_COLOR_H

#include <stddef.h>

#include "we_err.h"
#include "we_tensor.h"

/* out[3][P] = YCbCr of in[3][P] (RGB). out may equal in. */
void we_color_rgb_to_ycbcr(float *out, const float *in, size_t P);
/* out[3][P] = RGB of in[3][P] (YCbCr). out may equal in. */
void we_color_ycbcr_to_rgb(float *out, const float *in, size_t P);

/* Same on every channel group of a tensor: an f32 tensor of rank >= 1
 * whose first dim is 3*G (G groups of R,G,B planes: an RGB image, G = 1,
 * or an RGB wavelet frame with its subband-major channels, G = 4^J).
 * to_ycbcr != 0: RGB -> YCbCr, else back. In place. WE_EDATA if the dtype
 * is not f32 or the first dim is not a multiple of 3. */
we_status we_color_convert_groups(we_tensor *t, int to_ycbcr);

#endif
