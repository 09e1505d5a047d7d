/* we_aux.h - auxiliary training losses on the predicted clean sample
 * (doc/design/model.md section 5): L_wav and L_expr.
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
 *   L_expr = mean over counted samples of the cross-entropy of face-api's
 *            faceExpressionNet on the image IWT(x0_hat / data_scale) mapped
 *            to pixels (v+1)*127.5, against the sample's label mapped to
 *            face-api's classes (we_aux_expr_class; contempt and NULL are
 *            not counted). Needs an orthogonal wavelet (haar, db, sym,
 *            coif): the gradient uses the forward DWT as the exact adjoint
 *            of the periodized IWT.
 *
 * One we_aux holds the expression net and every scratch buffer, sized once
 * for one sample: a step allocates nothing. Not thread-safe.
 */
#ifndef WE_AUX_H
#define WE_AUX_H

#include <stdint.h>

#include "we_err.h"
#include "we_faceapi.h"
#include "we_sched.h"
#include "we_unet.h"
#include "we_wavelet.h"

typedef struct {
    we_unet_config cfg;     /* copy of the model's config */
    const we_wavelet *wl;
    int hw, xsize;          /* (S/2)^2, 4C*hw */
    int lo, hi;             /* noised channel range */
    we_fa_net *expr;        /* NULL unless initialised with the expression net */
    we_fa_geom g;
    float *x0h, *img, *inp, *sq, *dinp, *dimg, *coef, *work; /* scratch */
} we_aux;

/* Prepare for model config cfg. with_expr != 0 loads faceExpressionNet from
 * dir (NULL = we_fa_model_dir()): WE_ENOINPUT (with the setup.sh hint) when
 * the weights are missing, WE_EUSAGE for a non-orthogonal wavelet. */
we_status we_aux_init(we_aux *a, const we_unet_config *cfg, int with_expr, const char *dir);
void we_aux_free(we_aux *a);

/* face-api class (0..6, we_fa_expr_names order) of a UNet label id
 * (we_emotion.h), or -1 for contempt, NULL (8) and anything else. */
int we_aux_expr_class(int label);

/* L_wav of a batch. xt, eps, x0 [N, xsize] (diffusion space); t [N].
 * *loss = L_wav (without lambda; 0 when no sample has t < tmax).
 * deps (may be NULL) += lambda * dL_wav/d eps. */
we_status we_aux_wav(const we_aux *a, const we_sched *s, const float *xt, const float *eps,
                     const float *x0, const int32_t *t, int N, int tmax, float w_low, float w_high,
                     float lambda, float *loss, float *deps);

/* L_expr of a batch (a initialised with the expression net). label [N]
 * true labels (not condition-dropped). *loss = L_expr (0 when nothing is
 * counted); *counted (may be NULL) = samples counted. deps (may be NULL)
 * += lambda * dL_expr/d eps. */
we_status we_aux_expr(we_aux *a, const we_sched *s, const float *xt, const float *eps,
                      const int32_t *t, const int32_t *label, int N, int tmax, float lambda,
                      float *loss, int *counted, float *deps);

#endif
