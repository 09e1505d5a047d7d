/* we_detail_data.h - self-supervised training data for the detail network
 * (we_detail.h) of the cascade edit (we_cascade.h).
 *
 * An expression edit is simulated on an aligned S x S face (luminance,
 * [-1,1]) by a smooth random local warp: a few Gaussian displacement blobs
 * around the eyes and brows (upper face) and the mouth and cheeks (lower
 * face; positions from facealign's template at margin 0.3), each moving
 * its neighbourhood by a few pixels. The warped face is the target T of
 * the source S. The cascade sees coarse(T) as the edited coarse image, so
 * the mask is the cascade's own (we_cascade_mask from coarse(T) vs
 * coarse(S), refined per level), and D must predict the details of T at
 * every level from
 *   LL'_j = LL_j(S) + m_j (LL_j(T) - LL_j(S)), LL_j(S), base_j, m_j
 * where base_j = det_j(S) + we_cascade_smooth_detail(LL'_j - LL_j(S)), as
 * the cascade builds it (D is a residual on base_j).
 * Loss: L1 between D's output and det_j(T) / 2^j, weighted by m_j.
 *
 * Prefix: we_detail_sim_.
 */
#ifndef WE_DETAIL_DATA_H
#define WE_DETAIL_DATA_H

#include <stddef.h>

#include "we_cascade.h"
#include "we_detail.h"
#include "we_err.h"
#include "we_train_rng.h"

typedef struct {
    int S, J;           /* face size and cascade levels (256, 2) */
    int P;              /* patch side at every level (64); <= S / 2^J */
    float amp_min, amp_max;     /* blob displacement, px at S = 256 (1, 6); scaled by S/256 */
    float sigma_min, sigma_max; /* blob radius, fraction of S (0.05, 0.12) */
    int blobs_min, blobs_max;   /* blobs per face (2, 5) */
    we_cascade_params cp;       /* mask settings (the cascade's defaults) */
} we_detail_sim_params;

/* Defaults above for S, J; P = min(64, S / 2^J). */
void we_detail_sim_params_init(we_detail_sim_params *p, int S, int J);
/* WE_EUSAGE naming the bad field. */
we_status we_detail_sim_params_validate(const we_detail_sim_params *p);

/* Workspace of one simulated edit: the pyramids of source and target and
 * the masks of every level (mask.ll[j]). */
typedef struct {
    we_detail_sim_params p;
    we_cascade_pyr src, tgt, mask;
    we_cascade_pyr base; /* base.det[j]: the base detail D starts from */
    float *img;   /* target image S x S */
    float *work;  /* scratch */
} we_detail_sim;

we_status we_detail_sim_alloc(we_detail_sim *w, const we_detail_sim_params *p);
void we_detail_sim_free(we_detail_sim *w);

/* Warp target [S,S] = src sampled at p - disp(p) (bilinear, reflected at
 * the border) for a random displacement field drawn from r. */
void we_detail_sim_warp(float *target, const float *src, int S, const we_detail_sim_params *p, we_rng *r);

/* Simulate one edit of face src [S,S]: fills w->src, w->tgt and w->mask. */
we_status we_detail_sim_edit(we_detail_sim *w, const float *src, we_rng *r);

/* One training sample at level j (1..J) of the last edit: a P x P patch of
 * the level-j bands, centred (when the mask is on anywhere) on a random
 * masked position: inp [6,P,P] (we_detail_pack), tgt [3,P,P] = det_j(T) /
 * 2^j, wgt [P,P] = m_j. */
void we_detail_sim_sample(const we_detail_sim *w, float *inp, float *tgt, float *wgt, int level, we_rng *r);

/* Mask-weighted L1 over a batch: returns sum(wgt |pred - tgt|) / sum(wgt)
 * (pred, tgt [N,3,HW], wgt [N,HW]; 0 when the weights are all 0) and, when
 * dpred is not NULL, writes (not accumulates) its gradient there. */
float we_detail_sim_l1(float *dpred, const float *pred, const float *tgt, const float *wgt, int N, size_t HW);

/* Held-out measure: sums over masked coefficients (weights m_j, the three
 * bands, scaled by 1/2^j), for D, the base detail (what the cascade keeps
 * with D = NULL) and the source's detail unchanged, against the target's. */
typedef struct {
    double w;                       /* sum of the weights (3 m_j per position) */
    double l1_d, l1_base, l1_id;    /* sum m |x - det_j(T)| */
    double e_d, e_base, e_tgt;      /* sum m x^2: detail energy (sharpness) */
} we_detail_sim_score;

/* Add the last edit's level-j sums over the whole band to *sc (D NULL:
 * l1_d and e_d are left alone). WE_ENOMEM. */
we_status we_detail_sim_eval(const we_detail_sim *w, we_detail *D, int level, we_detail_sim_score *sc);

#endif
