/* we_image_priv.h - internal interface between the we_image_*.c files.
 *
 * Not part of the public API: tools and other modules use we_image.h.
 */
#ifndef WE_IMAGE_PRIV_H
#define WE_IMAGE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "we_image.h"

/* Decode a JPEG / PNG held in memory into a new u8 C x H x W tensor.
 * max_pixels: images with more pixels (from the header) are refused with
 * WE_ELIMIT before any pixel buffer is allocated. On failure *out is left
 * zeroed and nothing leaks. min_side > 0 (JPEG): an image above max_pixels
 * is decoded at 1/2, 1/4 or 1/8 scale when that fits and keeps its shorter
 * side >= min_side (we_image_decode_fit). */
we_status we_image_decode_jpeg(const uint8_t *buf, size_t n, uint64_t max_pixels, int64_t min_side, we_tensor *out);
we_status we_image_decode_png(const uint8_t *buf, size_t n, uint64_t max_pixels, we_tensor *out);

/* Apply EXIF orientation o (1..8, as stored in tag 0x0112) to a u8
 * C x H x W tensor in place (the tensor may change shape: 5..8 swap H, W).
 * Values outside 1..8 are treated as 1. */
we_status we_image_orient(we_tensor *img, int o);

/* EXIF orientation (1..8) from an APP1 payload starting with "Exif\0\0";
 * 0 when absent or malformed. Bounds-checked against n. */
int we_image_exif_orientation(const uint8_t *app1, size_t n);

/* Check that t is a u8 C x H x W image with C = 1 or 3 (detail otherwise). */
we_status we_image_check_u8(const we_tensor *t);

#endif
