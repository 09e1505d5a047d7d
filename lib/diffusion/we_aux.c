/* we_aux.c - auxiliary losses L_wav, L_expr and L_VA (see we_aux.h). */
#include "we_aux.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_dwt.h"
#include "we_emotion.h"

void we_aux_free(we_aux *a)
{
    if (a->net_ready) we_fexpr_free(&a->net);
    free(a->img);
    free(a->dimg);
    free(a->coef);
    free(a->work);
    free(a->x);
    free(a->dx);
    memset(a, 0, sizeof *a);
}

we_status we_aux_geometry(const we_unet_config *cfg, const char *terms, int *hw, int *xsize, int *lo, int *hi,
                          const we_wavelet **wl)
{
    int C = cfg->C, h = cfg->S / 2;
    *hw = h * h;
    *xsize = 4 * C * *hw;
    *lo = cfg->region == WE_REGION_HIGH ? C : 0;
    *hi = cfg->region == WE_REGION_LOW ? C : 4 * C;
    we_status s = we_wavelet_parse(cfg->wavelet, wl);
    if (s || !terms) return s;
    if (!(*wl)->orthogonal)
        return we_err_set(WE_EUSAGE, "aux: %s need an orthogonal wavelet (haar, db, sym, coif), model uses %s", terms,
                          cfg->wavelet);
    if (C != 1 && C != 3) return we_err_set(WE_EUSAGE, "aux: %s need C = 1 or 3, model has %d", terms, C);
    return WE_OK;
}

we_status we_aux_init(we_aux *a, const we_unet_config *cfg, int with_net, const char *path)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    int C = cfg->C, S = cfg->S;
    we_status s = we_aux_geometry(cfg, with_net ? "L_expr/L_VA" : NULL, &a->hw, &a->xsize, &a->lo, &a->hi, &a->wl);
    if (s || !with_net) return s;
    if (S % WE_FEXPR_S && WE_FEXPR_S % S)
        return we_err_set(WE_EUSAGE, "aux: L_expr/L_VA need S a multiple or a divisor of %d, model has %d", WE_FEXPR_S, S);
    if ((s = we_fexpr_load(&a->net, path, 1, 0))) return s;
    a->net_ready = 1;
    size_t img = (size_t)C * S * S, in = (size_t)WE_FEXPR_S * WE_FEXPR_S;
    size_t wk = we_dwt2_work_floats(C, S, S, a->wl, 1, 1);
    a->coef = malloc(sizeof(float) * (size_t)a->xsize);
    a->img = malloc(sizeof(float) * img);
    a->dimg = malloc(sizeof(float) * img);
    a->x = malloc(sizeof(float) * in);
    a->dx = malloc(sizeof(float) * in);
    a->work = malloc(sizeof(float) * (wk ? wk : 1));
    if (!a->coef || !a->img || !a->dimg || !a->x || !a->dx || !a->work) {
        we_aux_free(a);
        return we_err_set(WE_ENOMEM, "aux: out of memory");
    }
    return WE_OK;
}

int we_aux_expr_class(int label)
{
    return label >= 0 && label < WE_FEXPR_NCLASS ? label : -1;
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

/* One sample through the classifier: the face of x0_hat (sample xn/en at
 * timestep tt) -> logits z; with dz (d loss/d logits, already scaled),
 * dn += d loss / d eps on the noised channels. */
static we_status face_logits(we_aux *a, const we_sched *s, const float *xn, const float *en, int tt, float *z)
{
    int C = a->cfg.C, S = a->cfg.S, hw = a->hw;
    double ab = s->acp[tt];
    float sa = (float)sqrt(ab), sb = (float)sqrt(1 - ab), inv_scale = 1.0f / a->cfg.data_scale;
    /* x0_hat / data_scale: the clean channels are x_t itself */
    for (int c = 0; c < 4 * C; c++) {
        size_t o = (size_t)c * hw;
        int noised = c >= a->lo && c < a->hi;
        for (int i = 0; i < hw; i++)
            a->coef[o + i] = (noised ? (xn[o + i] - sb * en[o + i]) / sa : xn[o + i]) * inv_scale;
    }
    we_status st = we_dwt2_inverse(a->img, a->work, a->coef, C, S, S, a->wl, 1, 1);
    if (!st) st = we_fexpr_prep_forward(a->x, a->img, C, S);
    if (!st) we_fexpr_forward(&a->net, z, a->x, 1);
    return st;
}

static we_status face_backward(we_aux *a, const we_sched *s, int tt, const float *dz, float *dn)
{
    int C = a->cfg.C, S = a->cfg.S, hw = a->hw;
    double ab = s->acp[tt];
    float sa = (float)sqrt(ab), sb = (float)sqrt(1 - ab), inv_scale = 1.0f / a->cfg.data_scale;
    memset(a->dx, 0, sizeof(float) * WE_FEXPR_S * WE_FEXPR_S);
    we_fexpr_backward(&a->net, a->dx, dz);
    memset(a->dimg, 0, sizeof(float) * (size_t)C * S * S);
    we_status st = we_fexpr_prep_backward(a->dimg, a->dx, C, S);
    /* the adjoint of the orthogonal IWT is the DWT */
    if (!st) st = we_dwt2_forward(a->coef, a->work, a->dimg, C, S, S, a->wl, 1, 1);
    if (st) return st;
    float g = -sb / sa * inv_scale;
    for (int c = a->lo; c < a->hi; c++) {
        size_t o = (size_t)c * hw;
        for (int i = 0; i < hw; i++) dn[o + i] += g * a->coef[o + i];
    }
    return WE_OK;
}

we_status we_aux_expr(we_aux *a, const we_sched *s, const float *xt, const float *eps,
                      const int32_t *t, const int32_t *label, int N, int tmax, float lambda,
                      float *loss, int *counted, float *deps)
{
    if (!a->net_ready) return we_err_set(WE_EUSAGE, "aux: the expression classifier is not loaded");
    we_status st = check_t(s, t, N);
    if (st) return st;
    int cnt = 0;
    for (int n = 0; n < N; n++) cnt += t[n] < tmax && we_aux_expr_class(label[n]) >= 0;
    *loss = 0;
    if (counted) *counted = cnt;
    if (!cnt) return WE_OK;
    double acc = 0;
    for (int n = 0; n < N; n++) {
        int k = we_aux_expr_class(label[n]);
        if (t[n] >= tmax || k < 0) continue;
        size_t o = (size_t)n * a->xsize;
        float z[WE_FEXPR_NCLASS], dz[WE_FEXPR_NCLASS] = {0};
        if ((st = face_logits(a, s, xt + o, eps + o, t[n], z))) return st;
        acc += we_fexpr_xent(z, k, lambda / cnt, deps ? dz : NULL);
        if (deps && (st = face_backward(a, s, t[n], dz, deps + o))) return st;
    }
    *loss = (float)(acc / cnt);
    return WE_OK;
}

we_status we_aux_va(we_aux *a, const we_sched *s, const float *xt, const float *eps, const int32_t *t,
                    const float *va, const int32_t *va_known, int N, int tmax, float lambda, float *loss,
                    int *counted, float *deps)
{
    if (!a->net_ready) return we_err_set(WE_EUSAGE, "aux: the expression classifier is not loaded");
    we_status st = check_t(s, t, N);
    if (st) return st;
    int cnt = 0;
    for (int n = 0; n < N; n++) cnt += t[n] < tmax && va && va_known && va_known[n];
    *loss = 0;
    if (counted) *counted = cnt;
    if (!cnt) return WE_OK;
    double acc = 0;
    for (int n = 0; n < N; n++) {
        if (t[n] >= tmax || !va_known[n]) continue;
        size_t o = (size_t)n * a->xsize;
        float z[WE_FEXPR_NCLASS], dz[WE_FEXPR_NCLASS] = {0};
        if ((st = face_logits(a, s, xt + o, eps + o, t[n], z))) return st;
        acc += we_fexpr_va_loss(z, va + 2 * n, lambda / cnt, deps ? dz : NULL);
        if (deps && (st = face_backward(a, s, t[n], dz, deps + o))) return st;
    }
    *loss = (float)(acc / cnt);
    return WE_OK;
}
