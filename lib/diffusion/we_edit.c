/* we_edit.c - sampler settings, channel adaptation and one batch of edits
 * (see we_edit.h). */
#include "we_edit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_color.h"
#include "we_dwt.h"
#include "we_emotion.h"
#include "we_faceapi.h"
#include "we_pixel.h"
#include "we_wavelet.h"

void we_edit_params_init(we_edit_params *p)
{
    memset(p, 0, sizeof *p);
    p->steps = 40;
    p->strength = 0.5;
    p->t0 = -1;
    p->g_low = p->g_high = 4.0;
    p->eta = 0;
    p->seed = 1;
    p->faith = 0;
    p->faith_levels = 1;
}

int we_edit_t0(const we_edit_params *p, int T)
{
    long t0 = p->t0 >= 0 ? p->t0 : lround(p->strength * T);
    if (t0 > T - 1) t0 = T - 1;
    if (t0 < 1) t0 = 1;
    return (int)t0;
}

we_status we_edit_params_check(const we_edit_params *p, int T)
{
    if (p->t0 >= T) return we_err_set(WE_EUSAGE, "t0 %d is not below the model's T = %d", p->t0, T);
    if (p->t0 < 0 && !(p->strength > 0 && p->strength <= 1))
        return we_err_set(WE_EUSAGE, "strength %g is not in (0, 1]", p->strength);
    int t0 = we_edit_t0(p, T);
    if (p->steps < 1 || p->steps > t0 + 1)
        return we_err_set(WE_EUSAGE, "steps %d not in 1..%d (t0 + 1 for t0 = %d)", p->steps, t0 + 1, t0);
    if (!(p->eta >= 0)) return we_err_set(WE_EUSAGE, "eta %g is negative", p->eta);
    if (!(p->faith >= 0 && p->faith <= 1)) return we_err_set(WE_EUSAGE, "faithfulness %g not in [0, 1]", p->faith);
    if (p->faith_levels < 0 || p->faith_levels > 12)
        return we_err_set(WE_EUSAGE, "faithfulness levels %d not in 0..12", p->faith_levels);
    return WE_OK;
}


void we_edit_to_model(float *dst, float *keep, const float *src, int Ci, int Cm, size_t hw)
{
    if (Ci == Cm) {
        memcpy(dst, src, sizeof(float) * 4 * (size_t)Ci * hw);
        return;
    }
    for (int b = 0; b < 4; b++) {
        if (Ci == 3) {               /* RGB item, luminance model: Y to the model, CbCr kept */
            float *tmp = keep + (size_t)b * 2 * hw; /* reuse keep: write Cb, Cr there */
            const float *r = src + (size_t)b * 3 * hw, *g = r + hw, *bl = g + hw;
            for (size_t i = 0; i < hw; i++) {
                float in[3] = {r[i], g[i], bl[i]}, out[3];
                we_color_rgb_to_ycbcr(out, in, 1);
                dst[(size_t)b * hw + i] = out[0];
                tmp[i] = out[1];
                tmp[hw + i] = out[2];
            }
        } else {                     /* grey item, RGB model: R = G = B */
            for (int c = 0; c < 3; c++)
                memcpy(dst + ((size_t)b * 3 + c) * hw, src + (size_t)b * hw, sizeof(float) * hw);
        }
    }
}

void we_edit_from_model(float *dst, const float *edited, const float *keep, int Ci, int Cm, size_t hw)
{
    if (Ci == Cm) {
        memcpy(dst, edited, sizeof(float) * 4 * (size_t)Ci * hw);
        return;
    }
    for (int b = 0; b < 4; b++) {
        if (Ci == 3) {
            const float *cb = keep + (size_t)b * 2 * hw, *cr = cb + hw;
            float *r = dst + (size_t)b * 3 * hw, *g = r + hw, *bl = g + hw;
            for (size_t i = 0; i < hw; i++) {
                float in[3] = {edited[(size_t)b * hw + i], cb[i], cr[i]}, out[3];
                we_color_ycbcr_to_rgb(out, in, 1);
                r[i] = out[0], g[i] = out[1], bl[i] = out[2];
            }
        } else {
            const float *r = edited + (size_t)b * 3 * hw, *g = r + hw, *bl = g + hw;
            for (size_t i = 0; i < hw; i++)
                dst[(size_t)b * hw + i] = we_color_luma(r[i], g[i], bl[i]);
        }
    }
}

we_status we_edit_source_net(struct we_fa_net *net, const float *coef, int C, int h, int J, const char *wavelet,
                             int *label)
{
    const we_wavelet *w;
    we_status s = we_wavelet_parse(wavelet, &w);
    if (s) return s;
    int S = h << J;
    size_t n = (size_t)C * S * S;
    float *img = malloc(sizeof(float) * n);
    if (!img) return we_err_set(WE_ENOMEM, "out of memory for the source estimate");
    s = we_dwt2_inverse(img, NULL, coef, C, S, S, w, J, 1);
    if (!s) {
        for (size_t i = 0; i < n; i++) {
            float v = we_pixel_clamp_unit(img[i]);
            img[i] = we_pixel_from_unit(v);
        }
        float prob[WE_FA_NCLASS];
        s = we_fa_run_pixels(net, prob, img, C, S, S);
        if (!s) {
            int best = 0;
            for (int k = 1; k < WE_FA_NCLASS; k++)
                if (prob[k] > prob[best]) best = k;
            s = we_emotion_label_parse(we_fa_expr_vocab[best], label);
        }
    }
    free(img);
    return s;
}
