/* we_layout_face.h - the frames of an aligned face: `landmarks` (f32 68 x 2),
 * `affine` (f32 2 x 3, keys photo, size, and the face keys facealign
 * writes) and `heatmap` (f32 K x H x W, keys regions, sigma).
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
#ifndef WE_WE_LAYOUT_FACE_H
#define WE_WE_LAYOUT_FACE_H

#include "we_face.h"
#include "we_face_align.h"
#include "we_stream.h"

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

/* `landmarks`: f32 68 x 2, every value finite and |v| <= WE_AFFINE_MAX_ABS.
 * WE_EDATA "landmarks must be f32 68x2" or naming the bad landmark. */
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

/* `affine`: f32 2 x 3 plus its photo and size keys; the coefficients pass
 * we_affine_check (finite, bounded, invertible).
 * WE_EDATA "affine must be f32 2x3" or we_affine_check's detail. */
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
/* Make fr (empty) a `heatmap` frame with a zeroed f32 K x H x W tensor;
 * WE_ELIMIT above the memory budget (we_limits.h). */
we_status we_layout_heatmap_new(we_frame *fr, int K, int H, int W);
/* Set the heatmap's own keys: regions (we_heatmap_regions_key) and sigma. */
we_status we_layout_heatmap_set_keys(we_frame *fr, int with_mask, double sigma);

#endif
