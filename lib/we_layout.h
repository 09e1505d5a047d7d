/* we_layout.h - typed frame layouts: the one place per standard frame kind
 * (see design/stream.md, "Standard frames") that reads, checks and writes
 * its keys and its tensor shape.
 *
 *   image      u8 or f32 C x H x W                        we_layout_image.c
 *   wavelet    f32 [N x] 4^J*C x H/2^J x W/2^J, keys       we_layout_wavelet.c
 *              wavelet, levels, mode, image.dtype,
 *              image.height, image.width
 *   landmarks  f32 68 x 2                                  we_layout_face.c
 *   affine     f32 2 x 3, keys photo, size (face keys)
 *   heatmap    f32 K x H x W, keys regions, sigma
 *
 * Readers never allocate: the structs hold numbers and pointers into the
 * frame (valid while the frame lives). Every failure is WE_EDATA with a
 * detail naming the key or shape that is wrong, without a "frame N:" or
 * "item ID:" prefix: the tool adds where. Writers set the frame's name,
 * allocate its tensor and set its keys in a fixed order (the order is part
 * of the golden files).
 */
#ifndef WE_LAYOUT_H
#define WE_LAYOUT_H

#include "we_face.h"
#include "we_face_align.h"
#include "we_stream.h"
#include "we_wavelet.h"

/* ---- image ---------------------------------------------------------- */

typedef struct {
    we_dtype dtype; /* WE_U8 (0..255) or WE_F32 ([-1,1]) */
    int C, H, W;
} we_image_layout;

/* Shape and dtype of an `image` frame: rank 3 C x H x W, u8 or f32.
 * WE_EDATA "image must be C x H x W, got rank R" or "image dtype D not
 * supported (u8 or f32)". */
we_status we_layout_image_read(const we_frame *fr, we_image_layout *L);

/* As we_layout_image_read, for an aligned face crop: C = 1 or 3 and H = W.
 * WE_EDATA "image must be C x S x S with C = 1 or 3" or "image must be f32
 * or u8". */
we_status we_layout_image_read_face(const we_frame *fr, we_image_layout *L);

/* Make fr (empty) an `image` frame holding pix (moved in: pix is zeroed on
 * success; on failure the caller keeps it). pix must be rank 3, u8 or f32:
 * WE_EDATA as we_layout_image_read otherwise. */
we_status we_layout_image_new(we_frame *fr, we_tensor *pix);

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

/* ---- landmarks, affine: an aligned face ------------------------------ */

/* The keys facealign gives every frame of one aligned face, in this
 * order: id, src, face, detector, score, fit, box, photo, size, margin,
 * emotion (omitted if NULL). */
typedef struct {
    const char *id, *src;
    int index;            /* face: 0-based index in the photo */
    const char *detector; /* hog, ssd or whole */
    double score, fit;
    we_face_box box;      /* photo pixels */
    int photo_w, photo_h; /* photo: WxH */
    int size;             /* the crop side S the affine and landmarks were made for */
    double margin;
    const char *emotion;
} we_face_keys;

we_status we_layout_face_set_keys(we_frame *fr, const we_face_keys *k);

/* Write the three frames of an aligned face (we_face_align.h) to f, each
 * with the keys k: `image` (a->image moved out of a, or converted to u8
 * when u8 is set), `landmarks` (a->crop_pts), `affine` (a->affine).
 * WE_EINTERNAL "cannot set frame keys for ID" if a key is refused (e.g. an
 * id with a newline), WE_EIO on a write error, WE_ENOMEM. */
we_status we_layout_face_write(FILE *f, we_face_aligned *a, const we_face_keys *k, int u8);

/* `landmarks`: f32 68 x 2. WE_EDATA "landmarks must be f32 68x2". */
we_status we_layout_landmarks_check(const we_frame *fr);
/* Make fr (empty) a `landmarks` frame holding a copy of pts (68 x,y). */
we_status we_layout_landmarks_new(we_frame *fr, const float pts[2 * WE_FACE_NPTS]);
/* Size of the image the landmarks lm of item it refer to: the item's image
 * frame (rank 3), else lm's `size` key (a square of that side, 1..1e5).
 * WE_EDATA "no image frame or size key gives the landmarks' image size". */
we_status we_layout_landmarks_image_size(we_item *it, const we_frame *lm, int *h, int *w);

typedef struct {
    float A[6];           /* crop pixel -> photo pixel (see we_align.h) */
    int have_photo;       /* 1 if the `photo` key reads as WxH */
    int photo_w, photo_h; /* `photo` key WxH; 0 if absent or unreadable */
    double size;          /* `size` key: crop side the affine was made for; 0 if absent */
} we_affine_layout;

/* `affine`: f32 2 x 3 plus its photo and size keys.
 * WE_EDATA "affine must be f32 2x3". */
we_status we_layout_affine_read(const we_frame *fr, we_affine_layout *L);
/* Make fr (empty) an `affine` frame holding a copy of A. */
we_status we_layout_affine_new(we_frame *fr, const float A[6]);

/* ---- heatmap -------------------------------------------------------- */

typedef struct {
    int K, H, W;
} we_heatmap_layout;

/* `heatmap`: f32 K x H x W. WE_EDATA "heatmap must be f32 K x H x W". */
we_status we_layout_heatmap_read(const we_frame *fr, we_heatmap_layout *L);
/* Check against K, H, W (0 = any): WE_EDATA "heatmap must be f32 K x H x W"
 * with the wanted numbers, or "heatmap has K channels, want K'". */
we_status we_layout_heatmap_check(const we_heatmap_layout *L, int K, int H, int W);
/* Make fr (empty) a `heatmap` frame with a zeroed f32 K x H x W tensor. */
we_status we_layout_heatmap_new(we_frame *fr, int K, int H, int W);
/* Set the heatmap's own keys: regions (we_heatmap_regions_key) and sigma. */
we_status we_layout_heatmap_set_keys(we_frame *fr, int with_mask, double sigma);

#endif
