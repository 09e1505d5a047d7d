/* we_edit.h - emotion editing of wavelet items with a trained WaveEmotion
 * UNet (doc/design/model.md section 4): the glue between wdenoise and the
 * model engineer's we_unet / we_cond / we_sampler (we_sampler_edit does
 * the inversion + guided DDIM + faithfulness; this module adapts the
 * channels, scales to diffusion space, fills the conditions). The model is
 * loaded and the request set up by we_model.h, which calls this.
 *
 * Data: `x` are TRUE wavelet coefficients (as `dwt` writes them),
 * [N, 4C, h, h], subband-major. The model's data_scale is applied here.
 *
 * Channels: an RGB item through a luminance model (C = 1) is converted to
 * YCbCr subband by subband (exact, the transform is linear; we_color.h),
 * Y's four subbands are edited and the photo's CbCr are kept. A grey item
 * through an RGB model is edited as R = G = B and written back as the
 * BT.601 luma of the result.
 */
#ifndef WE_EDIT_H
#define WE_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "we_cond.h"
#include "we_err.h"
#include "we_sampler.h"
#include "we_sched.h"
#include "we_train_rng.h"
#include "we_unet.h"

typedef struct {
    int steps;              /* DDIM steps over [0, t0] (40) */
    double strength;        /* t0 = round(strength T), clipped to 1..T-1 (0.5) */
    int t0;                 /* >= 0: use this t0 instead of strength (-1) */
    double g_low, g_high;   /* guidance on LL / high channels (4, 4) */
    int per_cond;           /* 1: per-condition guidance with cond_scales (0) */
    float cond_scales[WE_COND_COUNT]; /* label, va, heat */
    double eta;             /* DDIM eta of the reverse pass (0) */
    uint64_t seed;          /* noise for eta > 0 (1) */
    double faith;           /* fraction of reverse steps with LL-of-LL anchoring (0) */
    int faith_levels;       /* block = 2^levels of the LL channels (1: LL of LL) */
} we_edit_params;

/* The defaults above. */
void we_edit_params_init(we_edit_params *p);
/* t0 for a model with T steps (from t0 or strength). */
int we_edit_t0(const we_edit_params *p, int T);
/* Check ranges and combinations against a model with T timesteps: steps
 * 1..t0+1, strength in (0, 1], eta >= 0, faith in [0, 1]. WE_EUSAGE. */
we_status we_edit_params_check(const we_edit_params *p, int T);


/* Channel adaptation of one item (hw = h*h). to: dst [4*Cm, hw] from src
 * [4*Ci, hw]; keep [8 hw] receives CbCr when Ci = 3 and Cm = 1 (may be
 * NULL otherwise). from: dst [4*Ci, hw] from the edited [4*Cm, hw] and
 * keep. Ci, Cm in {1, 3}. */
void we_edit_to_model(float *dst, float *keep, const float *src, int Ci, int Cm, size_t hw);
void we_edit_from_model(float *dst, const float *edited, const float *keep, int Ci, int Cm, size_t hw);

/* Estimate an item's source emotion with face-api's expression net: the
 * inverse DWT (wavelet w, J levels) of coef [4^J C, h, h] true coefficients
 * gives the C x 2^J h x 2^J h face, whose most probable class becomes *label
 * (0..7, never contempt, which the net does not know). net: a loaded
 * WE_FA_EXPR net (we_faceapi.h); wavelet: the data-level wavelet's name. */
struct we_fa_net;
we_status we_edit_source_net(struct we_fa_net *net, const float *coef, int C, int h, int J, const char *wavelet,
                             int *label);

#endif
