/* we_color.h - BT.601 luma and RGB <-> YCbCr: the one place for the
 * weights 0.299 / 0.587 / 0.114.
 *
 * Luma (RGB -> gray) comes in three precisions, each the expression its
 * callers have always used, so results stay bit-identical:
 *   we_color_luma     double arithmetic, rounded once to float (YCbCr, the
 *                     edit's RGB model -> gray item);
 *   we_color_luma_f   single-precision arithmetic (image channel conversion,
 *                     face detection's gray, face paste): differs from the
 *                     double form in the last bit for some inputs;
 *   we_color_luma_u8  u8 -> u8 in 16.16 fixed point, rounded.
 * They are static inline: they run per pixel in inner loops.
 *
 * RGB <-> YCbCr, ITU-R BT.601 full range (as JPEG/JFIF), on
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
#include <stdint.h>

#include "we_err.h"
#include "we_tensor.h"

/* BT.601 luma weights (red, green, blue); they sum to 1. */
#define WE_COLOR_KR 0.299
#define WE_COLOR_KG 0.587
#define WE_COLOR_KB 0.114

/* Luma KR r + KG g + KB b in double (any scale: [-1, 1] or 0..255). */
static inline double we_color_luma_d(double r, double g, double b)
{
    return WE_COLOR_KR * r + WE_COLOR_KG * g + WE_COLOR_KB * b;
}

/* we_color_luma_d rounded once to float: the Y of we_color_rgb_to_ycbcr. */
static inline float we_color_luma(float r, float g, float b) { return (float)we_color_luma_d(r, g, b); }

/* Luma in single precision, ((KR r + KG g) + KB b) with float weights
 * ((float)0.299 == 0.299f etc.). Not always equal to we_color_luma. */
static inline float we_color_luma_f(float r, float g, float b)
{
    return (float)WE_COLOR_KR * r + (float)WE_COLOR_KG * g + (float)WE_COLOR_KB * b;
}

/* u8 luma: the weights in 16.16 fixed point (19595 + 38470 + 7471 =
 * 65536, so a gray input maps to itself), rounded half up. */
static inline uint8_t we_color_luma_u8(uint8_t r, uint8_t g, uint8_t b)
{
    return (uint8_t)((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

/* out[P] = we_color_luma_f of the planar RGB image rgb[3][P] (single
 * precision, the weights above). out must not alias rgb. */
void we_color_luma_planes(float *out, const float *rgb, size_t P);

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
