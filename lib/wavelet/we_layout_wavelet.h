/* we_layout_wavelet.h - the `wavelet` frame: f32 [N x] 4^J*C x H/2^J x W/2^J with
 * keys wavelet, levels, mode, image.dtype, image.height, image.width.
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
#ifndef WE_WE_LAYOUT_WAVELET_H
#define WE_WE_LAYOUT_WAVELET_H

#include "we_stream.h"
#include "we_wavelet.h"

/* ---- wavelet -------------------------------------------------------- */

/* Flags of we_layout_wavelet_read. */
#define WE_LAYOUT_STRICT 1 /* the `wavelet` and `levels` keys must be there (to invert) */
#define WE_LAYOUT_BATCH 2  /* accept a leading batch dim: N x 4^J*C x h x w */

typedef struct {
    const char *name;          /* `wavelet` key (NULL if absent, non-strict) */
    const we_wavelet *wavelet; /* parsed name (NULL if absent) */
    int levels;                /* J, the `levels` key (1 if absent, non-strict) */
    int N;                     /* batch: shape[0] of a rank-4 frame, else 1 */
    int C;                     /* image channels: 4^J*C / 4^J */
    int H, W;                  /* padded image size: h << J, w << J */
    int height, width;         /* original image size (image.height/width), else H, W */
    int image_dtype;           /* image.dtype key: WE_U8 or WE_F32; -1 if absent */
} we_wavelet_layout;

/* Layout of a `wavelet` frame: f32 rank 3 (or 4 with WE_LAYOUT_BATCH);
 * keys wavelet (a known wavelet), levels (1..WE_DWT_MAX_LEVELS), mode
 * (periodization, if present), image.height and image.width (both or
 * neither, integers in 1..H and 1..W), image.dtype. WE_EDATA otherwise:
 *   "wavelet frame must be f32 with 3 dims, got D with R"
 *   "wavelet frame has no 'wavelet' key (which wavelet?)"  (strict)
 *   "wavelet frame has no 'levels' key"                     (strict)
 *   "levels=V is not an integer in 1..16"
 *   "mode=V not supported (only periodization)"
 *   "N channels is not a multiple of 4^J"
 *   "bad wavelet frame size: ..."
 *   "bad image.height/image.width keys for a HxW image"
 * and the wavelet parser's message for an unknown name. */
we_status we_layout_wavelet_read(const we_frame *fr, int flags, we_wavelet_layout *L);

/* What a consumer of wavelet frames expects; 0 / NULL = anything. */
typedef struct {
    const char *wavelet; /* wavelet name (a frame without the key passes) */
    int levels;          /* J */
    int C;               /* image channels */
    int H, W;            /* padded image size */
    int square;          /* 1: H == W */
} we_wavelet_want;

/* Check a layout against want. WE_EDATA naming the first mismatch:
 *   "wavelet frame has J levels, want K"
 *   "wavelet frame is A, want B"
 *   "wavelet frame has C image channels, want D"
 *   "wavelet frame is for a HxW image, want HxW" (or "want a square image"). */
we_status we_layout_wavelet_check(const we_wavelet_layout *L, const we_wavelet_want *want);

/* Layout of a new wavelet frame for an image of C x height x width with J
 * levels of w (whose name it keeps): H, W are height, width rounded up to a
 * multiple of 2^J (we_dwt2_padded_size). image_dtype: WE_U8/WE_F32 to
 * record the source image's dtype, -1 for none. WE_EDATA (we_dwt2_check's
 * message) if the sizes do not fit. */
we_status we_layout_wavelet_make(we_wavelet_layout *L, const we_wavelet *w, const char *name, int J, int C,
                                 int height, int width, int image_dtype);

/* Coefficient shape of L: 4^J*C x H/2^J x W/2^J (N is not included). */
void we_layout_wavelet_shape(const we_wavelet_layout *L, int64_t shape[3]);

/* Make fr (empty) a `wavelet` frame with an uninitialised f32 tensor of
 * L's shape (rank 3). Keys are set by we_layout_wavelet_set_keys. */
we_status we_layout_wavelet_new(we_frame *fr, const we_wavelet_layout *L);

/* Set L's keys on fr, in this order: wavelet, levels, mode=periodization,
 * image.dtype (if image_dtype >= 0), image.height and image.width (if they
 * differ from the padded size). */
we_status we_layout_wavelet_set_keys(we_frame *fr, const we_wavelet_layout *L);

/* Remove the keys above from fr (an image made from a wavelet frame). */
void we_layout_wavelet_unset_keys(we_frame *fr);

#endif
