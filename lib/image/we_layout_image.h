/* we_layout_image.h - the `image` frame: u8 or f32 C x H x W.
 *
 * Readers never allocate: the structs hold numbers and pointers into the
 * frame (valid while the frame lives). Every failure is WE_EDATA with a
 * detail naming the key or shape that is wrong, without a "frame N:" or
 * "item ID:" prefix: the tool adds where. Writers set the frame's name,
 * allocate its tensor and set its keys in a fixed order (the order is part
 * of the golden files). The frame kinds are those of wes(5) (man/wes.5,
 * doc/design/stream.md "Standard frames"); one header per layer:
 * we_layout_image.h, we_layout_wavelet.h, we_layout_face.h.
 */
#ifndef WE_WE_LAYOUT_IMAGE_H
#define WE_WE_LAYOUT_IMAGE_H

#include "we_stream.h"

/* ---- image ---------------------------------------------------------- */

typedef struct {
    we_dtype dtype; /* WE_U8 (0..255) or WE_F32 ([-1,1]) */
    int C, H, W;
} we_image_layout;

/* f32 pixels are in [-1, 1]; a value beyond this is garbage (3e38 once
 * overflowed facepaste's pixel maths to inf) and refused on read. */
#define WE_IMAGE_F32_MAX_ABS 1e6

/* Shape and dtype of an `image` frame: rank 3 C x H x W, u8 or f32 (every
 * f32 value within +-WE_IMAGE_F32_MAX_ABS). WE_EDATA "image must be C x H
 * x W, got rank R", "image dtype D not supported (u8 or f32)" or "image
 * value V at element I is far outside [-1, 1]". */
we_status we_layout_image_read(const we_frame *fr, we_image_layout *L);

/* As we_layout_image_read, for an aligned face crop: C = 1 or 3 and H = W.
 * WE_EDATA "image must be C x S x S with C = 1 or 3" or "image must be f32
 * or u8". */
we_status we_layout_image_read_face(const we_frame *fr, we_image_layout *L);

/* Make fr (empty) an `image` frame holding pix (moved in: pix is zeroed on
 * success; on failure the caller keeps it). pix must be rank 3, u8 or f32:
 * WE_EDATA as we_layout_image_read otherwise. */
we_status we_layout_image_new(we_frame *fr, we_tensor *pix);

#endif
