/* we_metrics_photo.h - the photo route of femetrics(1) (issue 12, point 6):
 * an edited face judged at the source's full resolution, as pasted.
 *
 * Images are planar C x H x W floats in 0..255 (C = 1 or 3); masks are
 * H x W floats in [0,1]; landmarks are 68 (x, y) pairs (iBUG scheme) in the
 * source image's pixel coordinates. Luminance is BT.601 (C = 1: the plane).
 *
 * Regions, from the source's landmarks:
 *   face hull    the convex hull of the 68 points (jaw and brows), hard edge;
 *   change region  what an expression may move: the hull of the brows, eyes,
 *                nose and mouth (points 17..67) and of the cheeks (midpoints
 *                of each jaw point and the nose tip 30), grown by 10% about
 *                its centroid, hard edge (we_face_region_expr_points: the
 *                cascade's cascade.region_clip uses the same area);
 *   kept ring    the face hull grown by 20% about its centroid, less the
 *                change region: the face around what the expression
 *                moves (jaw, chin, temples, the brows' surroundings), which
 *                must stay the source's. Bounded, so that the number does
 *                not depend on how much background the crop holds (the
 *                whole image's PSNR is femetrics' psnr column).
 * Metrics:
 *   sharp     finest-level Haar detail energy (LH, HL, HH of 2x2 blocks) of
 *             the edited luminance over the source's, inside the face hull:
 *             1.0 = as sharp, < 1 blurred (target >= 0.85);
 *   psnr_out  PSNR (peak 255) of the edited image against the source over
 *             the kept ring (outside the change region), all channels
 *             (target >= 35 dB; INFINITY when identical there);
 *   tone      mean luminance of the edited face minus the source's inside
 *             the face hull, in gray levels (signed; target |tone| <= 2);
 *   seam      not computed here: see the SEAM HOOK in we_metrics_photo.c.
 */
#ifndef WE_METRICS_PHOTO_H
#define WE_METRICS_PHOTO_H

#include <stddef.h>

#include "we_err.h"
#include "we_tensor.h"

typedef struct {
    double sharp, psnr_out, tone;
    double seam; /* NAN until the seam measure is hooked in (SEAM HOOK) */
} we_photo_scores;

/* BT.601 luminance of a C x P image into out (P floats); C = 1 copies. */
void we_metrics_luma(float *out, const float *pix, int C, size_t P);

/* Finest-level Haar detail energy of one H x W plane: the sum over the 2x2
 * blocks with even top-left corner (an odd last row/column is left out) of
 * w * (LH^2 + HL^2 + HH^2), orthonormal Haar (a 2x2 block a b / c d gives
 * LH = (a + b - c - d) / 2, HL = (a - b + c - d) / 2, HH = (a - b - c + d) / 2),
 * w = the block's mean mask value (mask NULL: 1). Never allocates. */
double we_metrics_detail_energy(const float *img, const float *mask, int H, int W);

/* Sharpness ratio: detail energy of edit over src (both H x W planes) with
 * the same mask. WE_EDATA when the source has no detail energy there. */
we_status we_metrics_sharpness(double *out, const float *edit, const float *src, const float *mask, int H, int W);

/* PSNR in dB (peak 255) of C x P images a and b, each pixel's squared
 * error weighted by w[p] (shared by the channels; NULL = 1):
 * 10 log10(255^2 / (sum w d^2 / (C sum w))). INFINITY when the weighted
 * error is 0, NAN when the weights sum to 0. */
double we_metrics_psnr_weighted(const float *a, const float *b, const float *w, int C, size_t P);

/* Weighted mean of a - b over P values (w NULL = 1); NAN when the weights
 * sum to 0. With luminance planes: the mean shift in gray levels. */
double we_metrics_mean_shift(const float *a, const float *b, const float *w, size_t P);

/* The face hull, change region and kept ring masks (H x W, 0 or 1) of 68
 * landmarks (see the header comment); scratch: H x W. Never allocate. */
void we_metrics_face_mask(float *mask, int H, int W, const float *lm);
void we_metrics_change_mask(float *mask, int H, int W, const float *lm);
void we_metrics_keep_mask(float *mask, float *scratch, int H, int W, const float *lm);

/* The edited face as the photo would show it, in place of *edit.
 *   edit: f32 C x h x w (0..255), src: f32 C x H x W (0..255), H == W, same C;
 *   an edit smaller or larger than the source is first resized to H x W
 *   (bilinear, pixel centres kept: x_edit = (x + 0.5) * w / W - 0.5, the
 *   mapping between facealign crops of two sizes), so a 64 px edit of a
 *   256 px face is judged as what pasting it would show;
 *   paste != 0: then blended into a copy of src with facepaste's mask (the
 *   convex hull of lm feathered inwards by H/16, see we_face_paste.h):
 *   outside the hull the source's pixels are kept.
 * On success *edit is freed and replaced by a new f32 C x H x W tensor; on
 * failure it is left as it was. WE_EDATA for different channel counts, a
 * non-square image or a bad shape, WE_ENOMEM. */
we_status we_metrics_photo_paste(we_tensor *edit, const we_tensor *src, const float *lm, int paste);

/* The `landmarks` frames (f32 68 x 2) of a WES stream file, by item id. */
typedef struct we_lm_table we_lm_table;
/* Read them all from path (the first frame of an id wins); *out NULL when
 * there is none. WE_ENOINPUT, WE_ENOMEM, or the stream's errors. */
we_status we_lm_table_load(we_lm_table **out, const char *path);
/* The same for the 68 x 2 frames called name (e.g. target_landmarks). */
we_status we_lm_table_load_frame(we_lm_table **out, const char *path, const char *name);
/* The 136 floats of item id, or NULL (also for t NULL). */
const float *we_lm_table_find(const we_lm_table *t, const char *id);
void we_lm_table_free(we_lm_table *t);

/* The photo-route scores of one item: edit and src are C x H x W (0..255,
 * edit already at the source's size, e.g. from we_metrics_photo_paste), lm
 * the source's landmarks. Allocates scratch. WE_EDATA when the source has
 * no detail inside the face hull or a region is empty, WE_ENOMEM. */
we_status we_metrics_photo(we_photo_scores *out, const float *edit, const float *src, int C, int H, int W,
                           const float *lm);

/* All of femetrics' per-item numbers except face-api's own: csim of the
 * identity descriptors desc_e, desc_s (128), psnr over the whole image and
 * ssim (we_metrics.h), nme of landmarks lm_e against lm_s on the non-mouth
 * points; with plm (the source's landmarks: the photo route) also ph, else
 * ph is all 0. psnr and ph.psnr_out are capped at WE_METRICS_PSNR_CAP dB
 * (identical images). edit, src: C x H x W, 0..255. */
#define WE_METRICS_PSNR_CAP 100.0
typedef struct {
    double csim, psnr, ssim, nme;
    we_photo_scores ph;
} we_item_scores;
we_status we_metrics_item(we_item_scores *out, const float *edit, const float *src, int C, int H, int W,
                          const float *desc_e, const float *desc_s, const float *lm_e, const float *lm_s,
                          const float *plm);

/* sum += s, for means over items: ph.tone is added as |tone|, so shifts
 * of opposite signs do not cancel. */
void we_item_scores_add(we_item_scores *sum, const we_item_scores *s);

#endif
