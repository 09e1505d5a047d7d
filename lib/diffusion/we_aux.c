/* we_aux.c - auxiliary losses L_wav and L_expr (see we_aux.h). */
#include "we_aux.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_dwt.h"
#include "we_emotion.h"
#include "we_pixel.h"

void we_aux_free(we_aux *a)
{
    we_fa_net_free(a->expr);
    free(a->x0h);
    free(a->img);
    free(a->inp);
    free(a->sq);
    free(a->dinp);
    free(a->dimg);
    free(a->coef);
    free(a->work);
    memset(a, 0, sizeof *a);
}

we_status we_aux_init(we_aux *a, const we_unet_config *cfg, int with_expr, const char *dir)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    int C = cfg->C, h = cfg->S / 2;
    a->hw = h * h;
    a->xsize = 4 * C * a->hw;
    a->lo = cfg->region == WE_REGION_HIGH ? C : 0;
    a->hi = cfg->region == WE_REGION_LOW ? C : 4 * C;
    we_status s = we_wavelet_parse(cfg->wavelet, &a->wl);
    if (s) return s;
    if (!with_expr) return WE_OK;
    if (!a->wl->orthogonal)
        return we_err_set(WE_EUSAGE, "aux: L_expr needs an orthogonal wavelet (haar, db, sym, coif), model uses %s",
                          cfg->wavelet);
    if (C != 1 && C != 3) return we_err_set(WE_EUSAGE, "aux: L_expr needs C = 1 or 3, model has %d", C);
    if ((s = we_fa_net_load(&a->expr, WE_FA_EXPR, dir))) return s;
    int S = cfg->S, I = we_fa_net_input_size(a->expr);
    we_fa_geom_init(&a->g, S, S, I);
    size_t img = (size_t)C * S * S, in = 3 * (size_t)I * I, sq = 3 * (size_t)a->g.L * a->g.L;
    size_t wk = we_dwt2_work_floats(C, S, S, a->wl, 1, 1);
    a->x0h = malloc(sizeof(float) * (size_t)a->xsize);
    a->coef = malloc(sizeof(float) * (size_t)a->xsize);
    a->img = malloc(sizeof(float) * img);
    a->dimg = malloc(sizeof(float) * img);
    a->inp = malloc(sizeof(float) * in);
    a->dinp = malloc(sizeof(float) * in);
    a->sq = malloc(sizeof(float) * sq);
    a->work = malloc(sizeof(float) * (wk ? wk : 1));
    if (!a->x0h || !a->coef || !a->img || !a->dimg || !a->inp || !a->dinp || !a->sq || !a->work) {
        we_aux_free(a);
        return we_err_set(WE_ENOMEM, "aux: out of memory");
    }
    return WE_OK;
}

int we_aux_expr_class(int label)
{
    const char *name = we_emotion_name(label); /* NULL for 8 = NULL label */
    if (!name) return -1;
    for (int i = 0; i < WE_FA_NCLASS; i++)
        if (!strcmp(name, we_fa_expr_vocab[i])) return i;
    return -1;
}

static we_status check_t(const we_sched *s, const int32_t *t, int N)
{
    for (int n = 0; n < N; n++)
        if (t[n] < 0 || t[n] >= s->T) return we_err_set(WE_EUSAGE, "aux: timestep %d out of range", t[n]);
    return WE_OK;
}

we_status we_aux_wav(const we_aux *a, const we_sched *s, const float *xt, const float *eps,
                     const float *x0, const int32_t *t, int N, int tmax, float w_low, float w_high,
                     float lambda, float *loss, float *deps)
{
    we_status st = check_t(s, t, N);
    if (st) return st;
    int C = a->cfg.C, hw = a->hw, cnt_n = 0;
    for (int n = 0; n < N; n++) cnt_n += t[n] < tmax;
    *loss = 0;
    if (!cnt_n) return WE_OK;
    double cnt = (double)cnt_n * (a->hi - a->lo) * hw, acc = 0;
    for (int n = 0; n < N; n++) {
        if (t[n] >= tmax) continue;
        double ab = s->acp[t[n]], sa = sqrt(ab), sb = sqrt(1 - ab);
        for (int c = a->lo; c < a->hi; c++) {
            double w = c < C ? w_low : w_high;
            float gw = (float)(lambda * w / cnt * (-sb / sa));
            size_t o = (size_t)n * a->xsize + (size_t)c * hw;
            for (int i = 0; i < hw; i++) {
                double d = (xt[o + i] - sb * eps[o + i]) / sa - x0[o + i];
                acc += w * fabs(d);
                if (deps) deps[o + i] += d > 0 ? gw : d < 0 ? -gw : 0.0f;
            }
        }
    }
    *loss = (float)(acc / cnt);
    return WE_OK;
}

we_status we_aux_expr(we_aux *a, const we_sched *s, const float *xt, const float *eps,
                      const int32_t *t, const int32_t *label, int N, int tmax, float lambda,
                      float *loss, int *counted, float *deps)
{
    if (!a->expr) return we_err_set(WE_EUSAGE, "aux: the expression net is not loaded");
    we_status st = check_t(s, t, N);
    if (st) return st;
    int C = a->cfg.C, S = a->cfg.S, hw = a->hw, cnt = 0;
    for (int n = 0; n < N; n++) cnt += t[n] < tmax && we_aux_expr_class(label[n]) >= 0;
    *loss = 0;
    if (counted) *counted = cnt;
    if (!cnt) return WE_OK;
    float inv_scale = 1.0f / a->cfg.data_scale;
    size_t npix = (size_t)C * S * S;
    double acc = 0;
    for (int n = 0; n < N; n++) {
        int k = we_aux_expr_class(label[n]);
        if (t[n] >= tmax || k < 0) continue;
        double ab = s->acp[t[n]];
        float sa = (float)sqrt(ab), sb = (float)sqrt(1 - ab);
        const float *xn = xt + (size_t)n * a->xsize, *en = eps + (size_t)n * a->xsize;
        /* x0_hat / data_scale: the clean channels are x_t itself */
        for (int c = 0; c < 4 * C; c++) {
            size_t o = (size_t)c * hw;
            int noised = c >= a->lo && c < a->hi;
            for (int i = 0; i < hw; i++)
                a->coef[o + i] = (noised ? (xn[o + i] - sb * en[o + i]) / sa : xn[o + i]) * inv_scale;
        }
        if ((st = we_dwt2_inverse(a->img, a->work, a->coef, C, S, S, a->wl, 1, 1))) return st;
        for (size_t i = 0; i < npix; i++) a->img[i] = we_pixel_from_unit(a->img[i]);
        we_fa_prep_forward(a->inp, a->sq, a->img, C, &a->g);
        float logit[WE_FA_NCLASS], p[WE_FA_NCLASS], dl[WE_FA_NCLASS];
        if ((st = we_fa_net_forward(a->expr, logit, a->inp))) return st;
        double mx = logit[0], se = 0;
        for (int j = 1; j < WE_FA_NCLASS; j++) mx = logit[j] > mx ? logit[j] : mx;
        for (int j = 0; j < WE_FA_NCLASS; j++) se += exp(logit[j] - mx);
        acc += mx + log(se) - logit[k];
        if (!deps) continue;
        for (int j = 0; j < WE_FA_NCLASS; j++) {
            p[j] = (float)(exp(logit[j] - mx) / se);
            dl[j] = (float)(lambda * ((double)p[j] - (j == k)) / cnt);
        }
        if ((st = we_fa_net_backward(a->expr, a->dinp, dl))) return st;
        we_fa_prep_backward(a->dimg, a->sq, a->dinp, C, &a->g);
        /* pixels = (v+1)*127.5; the adjoint of the orthogonal IWT is the DWT */
        for (size_t i = 0; i < npix; i++) a->dimg[i] = we_pixel_from_unit_grad(a->dimg[i]);
        if ((st = we_dwt2_forward(a->coef, a->work, a->dimg, C, S, S, a->wl, 1, 1))) return st;
        float g = -sb / sa * inv_scale;
        float *dn = deps + (size_t)n * a->xsize;
        for (int c = a->lo; c < a->hi; c++) {
            size_t o = (size_t)c * hw;
            for (int i = 0; i < hw; i++) dn[o + i] += g * a->coef[o + i];
        }
    }
    *loss = (float)(acc / cnt);
    return WE_OK;
}
