/* we_image.h - image files <-> u8 tensors, and pixel conversions.
 *
 * Decoded images are u8 tensors C x H x W (planar, C order), C = 1 (gray)
 * or 3 (RGB). The format comes from the magic bytes, never the file name:
 *   JPEG: baseline, progressive, grayscale, CMYK/YCCK (converted to RGB),
 *         EXIF orientation applied.
 *   PNG:  gray, gray+alpha, RGB, RGBA, palette, 16-bit, interlaced; alpha is
 *         dropped (documented in imgread(1)), 16-bit is rounded to 8.
 * Anything else (WebP, GIF, BMP, ...) is WE_EUNSUPP with a detail naming
 * the format when it is recognised ("WebP images are not supported").
 * Decoding refuses images above the pixel budget before allocating.
 */
#ifndef WE_IMAGE_H
#define WE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "we_tensor.h"

/* Decoding refuses images above the memory budget (WE_MAX_PIXELS,
 * we_limits.h: default 16.7 Mpx) before allocating; decompression bombs are
 * named as such. we_image_decode_max takes an explicit limit instead. */

typedef enum { WE_IMG_UNKNOWN, WE_IMG_PNG, WE_IMG_JPEG } we_image_format;

/* Format from the first bytes (needs >= 12 bytes for a sure answer). */
we_image_format we_image_sniff(const uint8_t *buf, size_t n);

/* Decode an image held in memory into a new u8 C x H x W tensor. */
we_status we_image_decode(const uint8_t *buf, size_t n, we_tensor *out);
/* Read a whole file ("-" = stdin) and decode it. WE_ENOINPUT if missing.
 * Reading stops as soon as the first 16 bytes show no PNG or JPEG (the
 * error names the format, as we_image_decode's): /dev/zero is refused at
 * once, not after 1 GiB. */
we_status we_image_read_file(const char *path, we_tensor *out);

/* Encode a u8 C x H x W tensor (C = 1 or 3) into a malloc'd buffer. */
we_status we_image_encode_png(const we_tensor *img, uint8_t **buf, size_t *n);
we_status we_image_encode_jpeg(const we_tensor *img, int quality, uint8_t **buf, size_t *n);
/* Write atomically (temp file + rename, so a failure never leaves a
 * half-written file under the final name); "-" writes to stdout. */
we_status we_image_write_file(const char *path, const we_tensor *img, we_image_format fmt, int quality);

/* u8 [0,255] -> f32 [-1,1]: v/127.5 - 1 (we_pixel_to_unit, we_pixel.h). */
we_status we_image_u8_to_f32(const we_tensor *in, we_tensor *out);
/* f32 [-1,1] -> u8: round((v+1)*127.5), ties to even, clamped, NaN -> 0
 * (we_pixel_unit_to_u8). Exact inverse of the above on u8 values. */
we_status we_image_f32_to_u8(const we_tensor *in, we_tensor *out);
/* Any image frame tensor (u8 or f32) to u8. */
we_status we_image_to_u8(const we_tensor *in, we_tensor *out);

/* Resize C x H x W (u8 or f32) to C x oh x ow: area averaging when
 * shrinking, bilinear (half-pixel centres) when enlarging. */
we_status we_image_resize(const we_tensor *in, int64_t oh, int64_t ow, we_tensor *out);

/* RGB <-> gray: 3 -> 1 channel with ITU-R BT.601 luma weights (u8:
 * we_color_luma_u8, f32: we_color_luma_f, we_color.h); 1 -> 3 by copying.
 * Same dtype out as in. */
we_status we_image_to_channels(const we_tensor *in, int c, we_tensor *out);

/* ---- additions (images engineer) ---------------------------------------- */

/* we_image_decode with a caller-chosen pixel limit (fuzzers use a small one
 * so a huge header fails fast instead of allocating). */
we_status we_image_decode_max(const uint8_t *buf, size_t n, uint64_t max_pixels, we_tensor *out);
/* we_image_decode_max for a caller that shrinks the image until its shorter
 * side is min_side (imgread -s): a JPEG above max_pixels is decoded at 1/2,
 * 1/4 or 1/8 scale (libjpeg's DCT scaling, the full image is never held)
 * when that fits max_pixels and keeps the shorter side >= min_side; PNG
 * cannot scale. Within the limit the image is decoded at full size, so the
 * result is the same as we_image_decode's. min_side <= 0: no scaling. */
we_status we_image_decode_fit(const uint8_t *buf, size_t n, uint64_t max_pixels, int64_t min_side, we_tensor *out);
/* we_image_read_file with we_image_decode_fit's scaling (limit: the budget). */
we_status we_image_read_file_fit(const char *path, int64_t min_side, we_tensor *out);
/* Name of a recognised format from the magic bytes ("WebP", "GIF", "BMP",
 * "TIFF", "HEIF", "AVIF", "PNM", "HTML", ...), or NULL when unknown. For
 * error messages only: decodable formats are decided by we_image_sniff. */
const char *we_image_format_guess(const uint8_t *buf, size_t n);
/* PNG or JPEG from a file name's extension (.png, .jpg, .jpeg; any case),
 * WE_IMG_UNKNOWN otherwise. */
we_image_format we_image_format_from_name(const char *path);

/* Whole file ("-" = stdin) into a malloc'd buffer (caller frees); files
 * above 1 GiB are WE_ELIMIT, a missing file or a directory WE_ENOINPUT. */
we_status we_image_read_bytes(const char *path, uint8_t **buf, size_t *n);
/* Bytes to a file atomically (temp + rename); "-" writes to stdout. */
we_status we_image_write_bytes(const char *path, const uint8_t *buf, size_t n);
/* Encode to PNG or JPEG (quality 1..100, ignored for PNG); u8 or f32
 * input (f32 goes through we_image_to_u8). Caller frees *buf. */
we_status we_image_encode(const we_tensor *img, we_image_format fmt, int quality, uint8_t **buf, size_t *n);

/* Centre crop to a square of side min(H, W) (new tensor, same dtype). */
we_status we_image_crop_square(const we_tensor *in, we_tensor *out);

#endif
