/* we_aux.h - auxiliary training losses on the predicted clean sample
 * (doc/design/model.md section 5): L_wav, L_expr and L_VA.
 *
 * Both work on x0_hat = (x_t - sqrt(1-abar_t) eps_hat) / sqrt(abar_t) on the
 * noised channels (region all/high/low as in we_unet_loss; outside the
 * region x_t is the clean x0, so x0_hat = x_t there and no gradient flows),
 * and only for samples with t < tmax. Gradients are chained back to eps_hat:
 * d eps_hat = -sqrt(1-abar)/sqrt(abar) * d x0_hat, and ADDED (times the
 * term's lambda) to the caller's deps [N, 4C, h, h] buffer.
 *
 *   L_wav  = sum over counted samples, noised channels and pixels of
 *            w_c |x0_hat - x0| / (counted samples * noised channels * h*h),
 *            w_c = w_low for the LL channels (0..C-1), w_high for LH/HL/HH.
 *   L_expr = mean over counted samples of the cross-entropy of the
 *            project's expression classifier (lib/face/we_fexpr.h) on the
 *            face IWT(x0_hat / data_scale) in [-1,1] (luma, at 64 px:
 *            we_fexpr_prep_forward), against the sample's label (all eight
 *            classes; NULL is not counted).
 *   L_VA   = mean over samples with known valence/arousal of the squared
 *            distance between the classifier's valence/arousal read-out
 *            (we_fexpr_va) on the same face and the sample's (v, a).
 * Both need an orthogonal wavelet (haar, db, sym, coif): the gradient uses
 * the forward DWT as the exact adjoint of the periodized IWT. face-api's
 * expression net is never a loss net: it judges (femo, femetrics), and a
 * loss trained against the judge would inflate the judged numbers.
 *
 * One we_aux holds the classifier and every scratch buffer, sized once for
 * one sample: a step allocates nothing. Not thread-safe.
 */
#ifndef WE_AUX_H
#define WE_AUX_H

#include <stdint.h>

#include "we_err.h"
#include "we_fexpr.h"
#include "we_sched.h"
#include "we_unet.h"
#include "we_wavelet.h"

typedef struct {
    we_unet_config cfg;     /* copy of the model's config */
    const we_wavelet *wl;
    int hw, xsize;          /* (S/2)^2, 4C*hw */
    int lo, hi;             /* noised channel range */
    we_fexpr net;           /* the classifier (loaded when net_ready) */
    int net_ready;
    float *img, *dimg, *coef, *work, *x, *dx; /* scratch */
} we_aux;

/* The geometry every auxiliary term needs from a model config: hw =
 * (S/2)^2, xsize = 4C hw, the noised channel range [lo, hi) of the
 * config's region, the data wavelet wl. With terms (a name for messages,
 * e.g. "L_expr/L_VA"; NULL = no checks) also WE_EUSAGE for a wavelet that
 * is not orthogonal or C not 1 or 3; WE_EUSAGE for an unknown wavelet. */
we_status we_aux_geometry(const we_unet_config *cfg, const char *terms, int *hw, int *xsize, int *lo, int *hi,
                          const we_wavelet **wl);

/* Prepare for model config cfg. with_net != 0 (L_expr or L_VA) loads the
 * expression classifier from path (NULL = we_fexpr_path's default):
 * WE_ENOINPUT when the weights are missing, WE_EUSAGE for a non-orthogonal
 * wavelet, C not 1 or 3, or S neither a multiple nor a divisor of 64. */
we_status we_aux_init(we_aux *a, const we_unet_config *cfg, int with_net, const char *path);
void we_aux_free(we_aux *a);

/* Classifier class (0..7, we_emotion.h order: the label itself) of a UNet
 * label id, or -1 for NULL (8) and anything else. */
int we_aux_expr_class(int label);

/* L_wav of a batch. xt, eps, x0 [N, xsize] (diffusion space); t [N].
 * *loss = L_wav (without lambda; 0 when no sample has t < tmax).
 * deps (may be NULL) += lambda * dL_wav/d eps. */
we_status we_aux_wav(const we_aux *a, const we_sched *s, const float *xt, const float *eps,
                     const float *x0, const int32_t *t, int N, int tmax, float w_low, float w_high,
                     float lambda, float *loss, float *deps);

/* L_expr of a batch (a initialised with the classifier). label [N]
 * true labels (not condition-dropped). *loss = L_expr (0 when nothing is
 * counted); *counted (may be NULL) = samples counted. deps (may be NULL)
 * += lambda * dL_expr/d eps. */
we_status we_aux_expr(we_aux *a, const we_sched *s, const float *xt, const float *eps,
                      const int32_t *t, const int32_t *label, int N, int tmax, float lambda,
                      float *loss, int *counted, float *deps);

/* L_VA of a batch (a initialised with the classifier). va [N, 2] the true
 * (valence, arousal), va_known [N] 1 where given (NULL = none known).
 * *loss, *counted, deps as for we_aux_expr. */
we_status we_aux_va(we_aux *a, const we_sched *s, const float *xt, const float *eps, const int32_t *t,
                    const float *va, const int32_t *va_known, int N, int tmax, float lambda, float *loss,
                    int *counted, float *deps);

#endif
