/* we_aux_face.c - auxiliary losses L_lm, L_id and L_bg (see we_aux_face.h). */
#include "we_aux_face.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_aux.h"
#include "we_dwt.h"
#include "we_warp.h"

#define NPT 68

void we_aux_face_free(we_aux_face *a)
{
    we_fa_net_free(a->lm_net);
    we_fa_net_free(a->id_net);
    free(a->coef);
    free(a->work);
    free(a->img);
    free(a->dimg);
    free(a->inp);
    free(a->dinp);
    free(a->sq);
    free(a->mask);
    memset(a, 0, sizeof *a);
}

we_status we_aux_face_init(we_aux_face *a, const we_unet_config *cfg, unsigned nets, const char *dir)
{
    memset(a, 0, sizeof *a);
    a->cfg = *cfg;
    int C = cfg->C, S = cfg->S;
    we_status s = we_aux_geometry(cfg, "L_lm/L_id/L_bg", &a->hw, &a->xsize, &a->lo, &a->hi, &a->wl);
    if (s) return s;
    if ((nets & WE_AUX_FACE_LM) && (s = we_fa_net_load(&a->lm_net, WE_FA_LANDMARK, dir))) goto fail;
    if ((nets & WE_AUX_FACE_ID) && (s = we_fa_net_load(&a->id_net, WE_FA_RECOG, dir))) goto fail;
    if (a->lm_net) we_fa_geom_init(&a->glm, S, S, we_fa_net_input_size(a->lm_net));
    if (a->id_net) we_fa_geom_init(&a->gid, S, S, we_fa_net_input_size(a->id_net));
    int isz = a->id_net ? we_fa_net_input_size(a->id_net) : a->lm_net ? we_fa_net_input_size(a->lm_net) : 1;
    if (a->lm_net && we_fa_net_input_size(a->lm_net) > isz) isz = we_fa_net_input_size(a->lm_net);
    size_t img = (size_t)C * S * S, in = (size_t)3 * isz * isz;
    size_t wk = we_dwt2_work_floats(C, S, S, a->wl, 1, 1);
    a->coef = malloc(sizeof(float) * (size_t)a->xsize);
    a->work = malloc(sizeof(float) * (wk ? wk : 1));
    a->img = malloc(sizeof(float) * img);
    a->dimg = malloc(sizeof(float) * img);
    a->inp = malloc(sizeof(float) * in);
    a->dinp = malloc(sizeof(float) * in);
    a->sq = malloc(sizeof(float) * 3 * (size_t)S * S);
    a->mask = malloc(sizeof(float) * (size_t)S * S);
    if (!a->coef || !a->work || !a->img || !a->dimg || !a->inp || !a->dinp || !a->sq || !a->mask) {
        s = we_err_set(WE_ENOMEM, "aux: out of memory");
        goto fail;
    }
    return WE_OK;
fail:
    we_aux_face_free(a);
    return s;
}

void we_aux_face_hull(float *mask, int S, const float *lm)
{
    float hull[2 * NPT];
    int k = we_warp_convex_hull(hull, lm, NPT);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            int in = k >= 3;
            for (int e = 0; in && e < k; e++) {
                const float *p = hull + 2 * e, *q = hull + 2 * ((e + 1) % k);
                double ex = q[0] - p[0], ey = q[1] - p[1];
                in = ex * (y - p[1]) - ey * (x - p[0]) > 0; /* left of the edge: inside */
            }
            mask[(size_t)y * S + x] = (float)in;
        }
}

static we_status check_t(const we_sched *s, const int32_t *t, int N)
{
    for (int n = 0; n < N; n++)
        if (t[n] < 0 || t[n] >= s->T) return we_err_set(WE_EUSAGE, "aux: timestep %d out of range", t[n]);
    return WE_OK;
}

/* a->coef = x0_hat / data_scale of sample (xn, en) at timestep tt (the
 * clean channels are x_t itself); x0 given: x0_hat - x0 on the noised
 * channels and 0 elsewhere; en NULL: xn itself (a clean sample). */
static void hat_coef(we_aux_face *a, const we_sched *s, const float *xn, const float *en, const float *x0, int tt)
{
    int C = a->cfg.C, hw = a->hw;
    double ab = s->acp[tt];
    float sa = (float)sqrt(ab), sb = (float)sqrt(1 - ab), inv = 1.0f / a->cfg.data_scale;
    for (int c = 0; c < 4 * C; c++) {
        size_t o = (size_t)c * hw;
        int noised = en && c >= a->lo && c < a->hi;
        for (int i = 0; i < hw; i++) {
            float v = noised ? (xn[o + i] - sb * en[o + i]) / sa : xn[o + i];
            if (x0) v = noised ? v - x0[o + i] : 0;
            a->coef[o + i] = v * inv;
        }
    }
}

/* a->img = IWT(a->coef), then as face-api pixels (v + 1) * 127.5 when pix. */
static we_status coef_to_image(we_aux_face *a, int pix)
{
    int C = a->cfg.C, S = a->cfg.S;
    we_status st = we_dwt2_inverse(a->img, a->work, a->coef, C, S, S, a->wl, 1, 1);
    if (st || !pix) return st;
    for (size_t i = 0, n = (size_t)C * S * S; i < n; i++) a->img[i] = (a->img[i] + 1.0f) * 127.5f;
    return WE_OK;
}

/* dn += d/d eps of a loss whose gradient w.r.t. the image a->img is
 * a->dimg (times `unit`: 127.5 for a gradient w.r.t. pixels, 1 in [-1,1]). */
static we_status image_grad_to_eps(we_aux_face *a, const we_sched *s, int tt, float unit, float *dn)
{
    int C = a->cfg.C, S = a->cfg.S, hw = a->hw;
    /* the adjoint of the orthogonal IWT is the DWT */
    we_status st = we_dwt2_forward(a->coef, a->work, a->dimg, C, S, S, a->wl, 1, 1);
    if (st) return st;
    double ab = s->acp[tt];
    float g = (float)(-sqrt(1 - ab) / sqrt(ab)) * unit / a->cfg.data_scale;
    for (int c = a->lo; c < a->hi; c++) {
        size_t o = (size_t)c * hw;
        for (int i = 0; i < hw; i++) dn[o + i] += g * a->coef[o + i];
    }
    return WE_OK;
}

static we_status net_forward(we_aux_face *a, we_fa_net *net, const we_fa_geom *g, float *out)
{
    we_fa_prep_forward(a->inp, a->sq, a->img, a->cfg.C, g);
    return we_fa_net_forward(net, out, a->inp);
}

/* a->dimg = d/d pixels of the last forward given dout. */
static we_status net_backward(we_aux_face *a, we_fa_net *net, const we_fa_geom *g, const float *dout)
{
    we_status st = we_fa_net_backward(net, a->dinp, dout);
    if (!st) we_fa_prep_backward(a->dimg, a->sq, a->dinp, a->cfg.C, g);
    return st;
}

/* Samples the net terms take: t < tmax, known (NULL = all), at most max. */
static int take(int n, const int32_t *t, int tmax, const int32_t *known, int *used, int max)
{
    if (t[n] >= tmax || (known && !known[n]) || (max > 0 && *used >= max)) return 0;
    ++*used;
    return 1;
}

/* The samples L_lm and L_id count (t < tmax, at most max_items): *cnt;
 * *loss = 0 and *counted (may be NULL) = *cnt for the caller to fill. */
static we_status count_net_items(const we_sched *s, const int32_t *t, int N, int tmax, int max_items, float *loss,
                                 int *counted, int *cnt)
{
    we_status st = check_t(s, t, N);
    if (st) return st;
    int used = 0;
    *cnt = 0;
    for (int n = 0; n < N; n++) *cnt += take(n, t, tmax, NULL, &used, max_items);
    *loss = 0;
    if (counted) *counted = *cnt;
    return WE_OK;
}

we_status we_aux_lm(we_aux_face *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                    const int32_t *t, int N, int tmax, int max_items, float lambda, float *loss, int *counted,
                    float *deps)
{
    if (!a->lm_net) return we_err_set(WE_EUSAGE, "aux: the landmark net is not loaded");
    int cnt, used;
    we_status st = count_net_items(s, t, N, tmax, max_items, loss, counted, &cnt);
    if (st || !cnt) return st;
    int S = a->cfg.S;
    double acc = 0;
    used = 0;
    for (int n = 0; n < N; n++) {
        if (!take(n, t, tmax, NULL, &used, max_items)) continue;
        size_t o = (size_t)n * a->xsize;
        float q[2 * NPT], raw[2 * NPT], d[2 * NPT];
        hat_coef(a, s, x0 + o, NULL, NULL, t[n]); /* the clean face: the target, no gradient */
        if ((st = coef_to_image(a, 1)) || (st = net_forward(a, a->lm_net, &a->glm, raw))) return st;
        for (int k = 0; k < 2 * NPT; k++) q[k] = raw[k] * S;
        hat_coef(a, s, xt + o, eps + o, NULL, t[n]);
        if ((st = coef_to_image(a, 1)) || (st = net_forward(a, a->lm_net, &a->glm, raw))) return st;
        double io = hypot(q[2 * 36] - q[2 * 45], q[2 * 36 + 1] - q[2 * 45 + 1]);
        if (!(io >= 1)) io = S;
        double e = 0, gs = lambda / cnt / (NPT * io);
        for (int k = 0; k < NPT; k++) {
            /* the square face needs no padding: pixels = fraction * S */
            double dx = raw[2 * k] * S - q[2 * k], dy = raw[2 * k + 1] * S - q[2 * k + 1];
            double r = sqrt(dx * dx + dy * dy + 1e-4);
            e += r;
            d[2 * k] = (float)(gs * dx / r * S);
            d[2 * k + 1] = (float)(gs * dy / r * S);
        }
        acc += e / (NPT * io);
        if (!deps) continue;
        if ((st = net_backward(a, a->lm_net, &a->glm, d)) || (st = image_grad_to_eps(a, s, t[n], 127.5f, deps + o)))
            return st;
    }
    *loss = (float)(acc / cnt);
    return WE_OK;
}

we_status we_aux_id(we_aux_face *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                    const int32_t *t, int N, int tmax, int max_items, float lambda, float *loss, int *counted,
                    float *deps)
{
    if (!a->id_net) return we_err_set(WE_EUSAGE, "aux: the recognition net is not loaded");
    int cnt, used;
    we_status st = count_net_items(s, t, N, tmax, max_items, loss, counted, &cnt);
    if (st || !cnt) return st;
    double acc = 0;
    used = 0;
    for (int n = 0; n < N; n++) {
        if (!take(n, t, tmax, NULL, &used, max_items)) continue;
        size_t o = (size_t)n * a->xsize;
        float ref[128], b[128], db[128];
        hat_coef(a, s, x0 + o, NULL, NULL, t[n]); /* the clean face: no gradient */
        if ((st = coef_to_image(a, 1)) || (st = net_forward(a, a->id_net, &a->gid, ref))) return st;
        hat_coef(a, s, xt + o, eps + o, NULL, t[n]);
        if ((st = coef_to_image(a, 1)) || (st = net_forward(a, a->id_net, &a->gid, b))) return st;
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < 128; i++) ab += (double)ref[i] * b[i], aa += (double)ref[i] * ref[i], bb += (double)b[i] * b[i];
        double na = sqrt(aa) + 1e-12, nb = sqrt(bb) + 1e-12, cs = ab / (na * nb);
        acc += 1 - cs;
        if (!deps) continue;
        /* d(1 - cos)/db = -(a / (|a||b|) - cos b / |b|^2) */
        double gs = lambda / cnt;
        for (int i = 0; i < 128; i++) db[i] = (float)(-gs * (ref[i] / (na * nb) - cs * b[i] / (nb * nb)));
        if ((st = net_backward(a, a->id_net, &a->gid, db)) || (st = image_grad_to_eps(a, s, t[n], 127.5f, deps + o)))
            return st;
    }
    *loss = (float)(acc / cnt);
    return WE_OK;
}

/* Pixels of the mask outside the hull (0 = none: the sample is not counted). */
static long outside(const float *mask, int S)
{
    long k = 0;
    for (size_t i = 0, n = (size_t)S * S; i < n; i++) k += mask[i] == 0;
    return k;
}

we_status we_aux_bg(we_aux_face *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                    const int32_t *t, const float *lm, const int32_t *lm_known, int N, int tmax, float lambda,
                    float *loss, int *counted, float *deps)
{
    we_status st = check_t(s, t, N);
    if (st) return st;
    int C = a->cfg.C, S = a->cfg.S, cnt = 0;
    size_t P = (size_t)S * S;
    for (int n = 0; n < N && lm && lm_known; n++) {
        if (t[n] >= tmax || !lm_known[n]) continue;
        we_aux_face_hull(a->mask, S, lm + (size_t)n * 2 * NPT);
        cnt += outside(a->mask, S) > 0;
    }
    *loss = 0;
    if (counted) *counted = cnt;
    if (!cnt) return WE_OK;
    double acc = 0;
    for (int n = 0; n < N; n++) {
        if (t[n] >= tmax || !lm_known[n]) continue;
        we_aux_face_hull(a->mask, S, lm + (size_t)n * 2 * NPT);
        long no = outside(a->mask, S);
        if (!no) continue;
        size_t o = (size_t)n * a->xsize;
        hat_coef(a, s, xt + o, eps + o, x0 + o, t[n]); /* x0_hat - x0 */
        if ((st = coef_to_image(a, 0))) return st;
        double e = 0, norm = (double)C * no;
        float g = (float)(lambda / cnt / norm);
        for (int c = 0; c < C; c++)
            for (size_t i = 0; i < P; i++) {
                float d = a->img[c * P + i], out = a->mask[i] == 0;
                e += out * fabsf(d);
                a->dimg[c * P + i] = out * (d > 0 ? g : d < 0 ? -g : 0.0f);
            }
        acc += e / norm;
        if (deps && (st = image_grad_to_eps(a, s, t[n], 1.0f, deps + o))) return st;
    }
    *loss = (float)(acc / cnt);
    return WE_OK;
}
