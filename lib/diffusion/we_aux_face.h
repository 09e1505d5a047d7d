/* we_aux_face.h - the face auxiliary losses of doc/design/model.md
 * section 5 that look at the picture: L_lm, L_id (through face-api's
 * frozen landmark and recognition nets, lib/faceapi/we_faceapi.h) and L_bg.
 *
 * Conventions as we_aux.h: x0_hat = (x_t - sqrt(1-abar_t) eps_hat) /
 * sqrt(abar_t) on the noised channels (region all/high/low; outside it x_t
 * is the clean x0), only samples with t < tmax, the face is
 * IWT(x0_hat / data_scale) in [-1,1] (C x S x S), gradients chained back to
 * eps_hat through the forward DWT (the exact adjoint of the periodized
 * IWT: orthogonal wavelets only) and ADDED, times lambda, into the
 * caller's deps [N, 4C, h, h]. The face goes to face-api whole (S x S, no
 * crop: what femetrics judges by default) as pixels (v + 1) * 127.5, a
 * luma face (C = 1) as three equal channels, through we_fa_prep_forward
 * and its backward.
 *
 *   L_lm = mean over counted samples of the NME of the landmark net's 68
 *          points p on the face of x0_hat against the same net's points q
 *          on the clean face x0 (no gradient): the mean over points of
 *          sqrt(|p - q|^2 + 1e-4) / d_io, d_io the inter-ocular distance
 *          |q36 - q45| (the outer eye corners; S when under 1 pixel).
 *          Counted: t < tmax. Why the net's own reading of x0 and not the
 *          item's dlib landmarks: the two detectors disagree on clean
 *          faces by NME 0.056 (facial_expressions) and 0.128 (fer2013),
 *          so against dlib's points the loss could not reach 0 and would
 *          pull faces towards face-api's bias.
 *   L_id = mean over counted samples of 1 - cos(d(x0), d(x0_hat)), d the
 *          recognition net's 128-d descriptor; d(x0) takes no gradient.
 *          Counted: t < tmax.
 *   L_bg = mean over counted samples of the L1 distance between the faces
 *          of x0_hat and x0 outside the convex hull of lm (pixel centres
 *          (x, y) strictly inside the hull are face), per pixel and channel
 *          of the outside. Counted: t < tmax, lm_known, some pixel outside.
 *
 * L_lm and L_id run a net forward and backward per counted sample (the
 * recognition net is a ResNet at 150 x 150: the costly one), so they take
 * at most max_items of the samples that qualify, the first in batch order
 * (0 = all); L_bg is cheap and takes all of them.
 *
 * One we_aux_face holds the nets and every scratch buffer, sized once for
 * one sample: a step allocates nothing. Not thread-safe.
 */
#ifndef WE_AUX_FACE_H
#define WE_AUX_FACE_H

#include <stdint.h>

#include "we_err.h"
#include "we_faceapi.h"
#include "we_sched.h"
#include "we_unet.h"
#include "we_wavelet.h"

enum { WE_AUX_FACE_LM = 1, WE_AUX_FACE_ID = 2 };

typedef struct {
    we_unet_config cfg;     /* copy of the model's config */
    const we_wavelet *wl;
    int hw, xsize;          /* (S/2)^2, 4C*hw */
    int lo, hi;             /* noised channel range */
    we_fa_net *lm_net, *id_net; /* loaded per init's nets bits, else NULL */
    we_fa_geom glm, gid;    /* S x S -> 112 / 150 */
    float *coef, *work, *img, *dimg, *inp, *dinp, *sq, *mask;
} we_aux_face;

/* Prepare for model config cfg: nets is WE_AUX_FACE_LM | WE_AUX_FACE_ID
 * (the face-api nets to load from dir, NULL = we_fa_model_dir()), 0 for
 * L_bg alone. WE_ENOINPUT (naming the folder, "run sh scripts/setup.sh")
 * when the weights are missing, WE_EUSAGE for a non-orthogonal wavelet or
 * C not 1 or 3, WE_ENOMEM. */
we_status we_aux_face_init(we_aux_face *a, const we_unet_config *cfg, unsigned nets, const char *dir);
void we_aux_face_free(we_aux_face *a);

/* L_lm of a batch (a with WE_AUX_FACE_LM). xt, eps, x0 [N, xsize] (x0
 * the clean samples); t [N]. *loss = L_lm without lambda (0 when nothing
 * is counted), *counted (may be NULL) = samples counted; deps (may be
 * NULL) += lambda * dL_lm/d eps. */
we_status we_aux_lm(we_aux_face *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                    const int32_t *t, int N, int tmax, int max_items, float lambda, float *loss, int *counted,
                    float *deps);

/* L_id of a batch (a with WE_AUX_FACE_ID); arguments as we_aux_lm. */
we_status we_aux_id(we_aux_face *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                    const int32_t *t, int N, int tmax, int max_items, float lambda, float *loss, int *counted,
                    float *deps);

/* L_bg of a batch (any we_aux_face). x0 [N, xsize]; lm, lm_known as
 * we_aux_lm; the rest as we_aux_lm. */
we_status we_aux_bg(we_aux_face *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                    const int32_t *t, const float *lm, const int32_t *lm_known, int N, int tmax, float lambda,
                    float *loss, int *counted, float *deps);

/* The face mask of L_bg: mask[S*S] = 1 at pixel centres strictly inside
 * the convex hull of the 68 points lm, else 0 (all 0 for a degenerate
 * hull). Allocates nothing. */
void we_aux_face_hull(float *mask, int S, const float *lm);

#endif
