/* we_cascade.h - the cascade edit at the photo's own resolution (issue 12,
 * 1b): a model edits the coarse band of a face, the detail stage rebuilds
 * the finer Haar subbands level by level from the source's own.
 *
 * Images are planar float S x S luminance in [-1,1] (S divisible by 2^J,
 * one channel). The Haar Mallat pyramid (orthonormal, pywt conventions, as
 * `dwt -w haar`) of the source gives, for j = 1..J, the coarse band LL_j
 * and the details det_j = (LH, HL, HH)_j, each (S/2^j)^2; LL_0 is the
 * image. For Haar LL_j = 2^j * (box mean over 2^j x 2^j), so the coarse
 * image the model edits is x = LL_J / 2^J (we_cascade_coarse: S = 256,
 * J = 2 gives today's 64 px face).
 *
 * we_cascade_edit takes the edited coarse image x' and:
 *  1. change mask m_J at the coarse size: |x' - x| blurred (mask_sigma),
 *     soft-thresholded (smoothstep from mask_lo to mask_hi), dilated
 *     (mask_dilate), blurred again (mask_feather), max-unioned with an
 *     optional extra mask, then multiplied by p->allow when set (the
 *     landmark regions an expression may change). Finer levels:
 *     m_{j-1} = blur(nearest 2x upsampling of m_j) (mask_feather), so the
 *     support only grows towards finer levels.
 *  2. coarse change dLL_J = m_J * (r - tone(r)), r = 2^J (x' - x): tone
 *     removes the low-frequency part of the change, a Gaussian blur of
 *     m_J r of sigma tone_sigma (normalised at the image border only, so a
 *     change that covers the face is removed where it is uniform, a local
 *     one mostly kept), then, with tone_mean, the remaining mask-weighted
 *     mean: the mean luminance of the face does not drift.
 *  2b. with flow_alpha > 0 (cascade.flow_alpha): the flow from x to the
 *     target x + dLL_J / 2^J (lib/image/we_flow.h, Horn-Schunck with that
 *     smoothness), faded by m_J, moves the source: src' = src + m_0
 *     (warp(src) - src), so a feature the model moves takes its own sharp
 *     detail along instead of leaving it behind as a ghost; the rest of
 *     the steps then run on src' (its pyramid in place of the source's)
 *     with dLL_J = LL_J + dLL_J - LL_J(src'), so the coarse band still
 *     comes out as the target. Where m_0 = 0, src' is src bit for bit.
 *  3. for j = J..1: LL'_j = LL_j + dLL_j; base_j = det_j +
 *     we_cascade_smooth_detail(dLL_j) (the source's detail plus the detail
 *     of a smooth interpolation of the change); det'_j = D(LL'_j, LL_j,
 *     base_j, m_j) (we_detail_apply: D's residual is on base_j; D = NULL
 *     keeps base_j); ddet_j = m_j * (det'_j - det_j);
 *     dLL_{j-1} = IWT(dLL_j, ddet_j).
 *  3b. with detail_fade > 0 (cascade.detail_fade): inside the mask the
 *     source's detail at level j gives way to the smooth interpolation of
 *     its own LL_j, by a = min(1, |dLL_j| / 2^j / detail_fade) m_j: where the
 *     coarse band changed a lot the old texture would be a ghost.
 *  4. out = src + dLL_0.
 * So where m_j = 0 every coefficient of level j (LL_j and det_j) is the
 * source's, and a zero change returns the source bit for bit.
 *
 * Prefix: we_cascade_.
 */
#ifndef WE_CASCADE_H
#define WE_CASCADE_H

#include <stddef.h>

#include "we_detail.h"
#include "we_err.h"

#define WE_CASCADE_MAX_J 6

typedef struct {
    float mask_sigma;   /* blur of |x' - x| before the threshold, coarse px (1.0) */
    float mask_lo;      /* change (in [-1,1] units) where the mask starts to rise (0.03) */
    float mask_hi;      /* ... and where it reaches 1 (0.10) */
    int mask_dilate;    /* max-filter radius, coarse px (2) */
    float mask_feather; /* blur after dilation and per finer level, px of that level (1.0); 0 = none */
    float tone_sigma;   /* sigma of the low-frequency change removed, coarse px (8); 0 = off */
    int tone_mean;      /* 1: also remove the remaining mask-weighted mean change (1) */
    float flow_alpha;   /* > 0: move the source's detail along the change (step 2b), the
                           Horn-Schunck smoothness of that flow (0 = off) */
    float detail_fade;  /* > 0: the source's detail at level j fades by min(1, |dLL_j| / 2^j /
                           detail_fade) inside the mask (step 3b; 0 = off) */
    float region;       /* > 0: the caller limits the change to the landmark regions grown by
                           `region` inter-ocular distances (we_face_region.h; cascade.region)
                           (0.10: with the shipped model the 35 dB outside the change are kept,
                           for some judged accuracy: README); 0 = off */
    float region_side;  /* the regions' reach sideways as a fraction of `region` (the
                           `side` of we_face_region_mask; cascade.region_side) (1) */
    float region_clip;  /* > 0: the caller also limits the change to the expression area
                           (we_face_region_expr_mask: mouth, eyes, brows, cheeks, the area
                           femetrics keeps apart from the ring it judges), fading in over
                           region_clip inter-ocular distances inside its edge
                           (cascade.region_clip) (0 = off) */
    float recon;        /* the caller's reference for the change (cascade.recon): 1 = the face
                           inverted and reconstructed under its own condition, so the round
                           trip's drift is no change (1); 0 = the source itself, so all that
                           the model rewrote counts, inside the mask and regions; between:
                           recon * reconstruction + (1 - recon) * source */
    const float *allow; /* per call, not a setting: [(S/2^J)^2] in [0,1] multiplying the change
                           mask after step 1 (the regions above), NULL = everywhere */
} we_cascade_params;

/* Fill p with the defaults above. */
void we_cascade_params_init(we_cascade_params *p);

/* The Haar Mallat pyramid of one S x S image. ll[0] is the image itself
 * (a copy), ll[j] and det[j] ([3, S/2^j, S/2^j]: LH, HL, HH) for
 * j = 1..J; all in one block (mem). */
typedef struct {
    int S, J;
    float *ll[WE_CASCADE_MAX_J + 1];
    float *det[WE_CASCADE_MAX_J + 1]; /* det[0] = NULL */
    float *mem;
} we_cascade_pyr;

/* WE_EUSAGE unless 1 <= J <= WE_CASCADE_MAX_J, S >= 2^J and S % 2^J == 0. */
we_status we_cascade_check(int S, int J);

/* Allocate a pyramid for S, J (contents undefined). WE_EUSAGE, WE_ENOMEM. */
we_status we_cascade_pyr_alloc(we_cascade_pyr *p, int S, int J);
void we_cascade_pyr_free(we_cascade_pyr *p);
/* Fill p (allocated for S, J) from img [S,S]. */
we_status we_cascade_pyr_forward(we_cascade_pyr *p, const float *img);

/* The coarse image the model edits: out [(S/2^J)^2] = LL_J / 2^J of src
 * [S,S] (the 2^J x 2^J box mean, computed through the same pyramid as
 * we_cascade_edit so that passing it back unchanged is a zero change). */
we_status we_cascade_coarse(float *out, const float *src, int S, int J);

/* Change mask at one size: mask [n,n] in [0,1] from the edited and the
 * source coarse images [n,n] and an optional extra mask (NULL = none),
 * as step 1 above. Never allocates but needs work of 2*n*n floats. */
void we_cascade_mask(float *mask, float *work, const float *edited, const float *coarse,
                     const float *extra, int n, const we_cascade_params *p);

/* Finer-level mask: fine [2n,2n] = blur(nearest 2x upsampling of coarse
 * [n,n]) with sigma `feather` (0 = none), clamped to [0,1]. work: 8*n*n
 * floats; where the coarse mask is on, the fine one is too (>= 1e-4). */
void we_cascade_mask_up(float *fine, float *work, const float *coarse, int n, float feather);

/* The detail bands a smooth change brings: det [3,n,n] = (LH, HL, HH) of
 * the one-level Haar DWT of the bilinear 2x upsampling of dll / 2 (dll
 * [n,n] a change of LL_j; the upsampling's pixel centres at 2i + 0.5,
 * edges clamped). Adding them to the source's detail makes a changed coarse
 * band come out smooth instead of in 2^j x 2^j Haar blocks. work: 8*n*n
 * floats. */
void we_cascade_smooth_detail(float *det, float *work, const float *dll, int n);

/* Gaussian blur of an h x w plane, separable, truncated at ceil(3 sigma),
 * each output divided by the kernel weight that fell inside the image.
 * out may alias inp; work: h*w floats. sigma <= 0 copies. */
void we_cascade_blur(float *out, float *work, const float *inp, int h, int w, float sigma);

/* The cascade edit (steps 1-4 above). out [S,S]; src [S,S]; edited
 * [(S/2^J)^2], the model's edit of we_cascade_coarse(src); extra
 * [(S/2^J)^2] or NULL; D NULL keeps the source's detail in the changed
 * region plus the smooth change's own (step 3). masks: NULL, or a
 * pyramid allocated for S, J whose ll[j] receive m_j (j = 0..J; det
 * unused). out may alias src. p NULL = defaults. WE_EUSAGE, WE_ENOMEM. */
we_status we_cascade_edit(float *out, we_cascade_pyr *masks, const float *src, const float *edited,
                          const float *extra, int S, int J, we_detail *D, const we_cascade_params *p);

#endif
