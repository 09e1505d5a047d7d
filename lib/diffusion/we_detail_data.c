/* we_detail_data.c - simulated edits for training the detail network (see
 * we_detail_data.h). */
#include "we_detail_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_warp.h"

void we_detail_sim_params_init(we_detail_sim_params *p, int S, int J)
{
    p->S = S, p->J = J;
    p->P = S >> J < 64 ? S >> J : 64;
    p->amp_min = 1.0f, p->amp_max = 6.0f;
    p->sigma_min = 0.05f, p->sigma_max = 0.12f;
    p->blobs_min = 2, p->blobs_max = 5;
    we_cascade_params_init(&p->cp);
}

we_status we_detail_sim_params_validate(const we_detail_sim_params *p)
{
    we_status s = we_cascade_check(p->S, p->J);
    if (s) return s;
    if (p->P < 4 || p->P > p->S >> p->J)
        return we_err_set(WE_EUSAGE, "patch %d out of range 4..%d (the coarsest band)", p->P, p->S >> p->J);
    if (!(p->amp_min >= 0 && p->amp_max >= p->amp_min) || !(p->sigma_min > 0 && p->sigma_max >= p->sigma_min) ||
        p->blobs_min < 1 || p->blobs_max < p->blobs_min || p->blobs_max > 64)
        return we_err_set(WE_EUSAGE, "bad simulated-warp ranges");
    return WE_OK;
}

we_status we_detail_sim_alloc(we_detail_sim *w, const we_detail_sim_params *p)
{
    memset(w, 0, sizeof *w);
    we_status s = we_detail_sim_params_validate(p);
    if (s) return s;
    w->p = *p;
    size_t S2 = (size_t)p->S * (size_t)p->S;
    s = we_cascade_pyr_alloc(&w->src, p->S, p->J);
    s = s ? s : we_cascade_pyr_alloc(&w->tgt, p->S, p->J);
    s = s ? s : we_cascade_pyr_alloc(&w->mask, p->S, p->J);
    s = s ? s : we_cascade_pyr_alloc(&w->base, p->S, p->J);
    if (!s && !(w->img = malloc(S2 * sizeof(float)))) s = we_err_set(WE_ENOMEM, "detail data: image");
    if (!s && !(w->work = malloc(8 * S2 * sizeof(float)))) s = we_err_set(WE_ENOMEM, "detail data: work");
    if (s) we_detail_sim_free(w);
    return s;
}

void we_detail_sim_free(we_detail_sim *w)
{
    we_cascade_pyr_free(&w->src);
    we_cascade_pyr_free(&w->tgt);
    we_cascade_pyr_free(&w->mask);
    we_cascade_pyr_free(&w->base);
    free(w->img);
    free(w->work);
    memset(w, 0, sizeof *w);
}

static double unif(we_rng *r, double a, double b) { return a + (b - a) * we_rng_uniform(r); }

void we_detail_sim_warp(float *target, const float *src, int S, const we_detail_sim_params *p, we_rng *r)
{
    enum { MAXB = 64 };
    double cx[MAXB], cy[MAXB], ax[MAXB], ay[MAXB], s2[MAXB];
    int nb = p->blobs_min + (int)we_rng_below(r, (uint64_t)(p->blobs_max - p->blobs_min + 1));
    double k = S / 256.0;
    for (int b = 0; b < nb; b++) {
        /* facealign's template at margin 0.3: brows ~0.19 S, eyes ~0.34 S,
         * mouth ~0.81 S from the top; the face spans ~0.2..0.8 S across */
        if (we_rng_uniform(r) < 0.5) cx[b] = unif(r, 0.25, 0.75) * S, cy[b] = unif(r, 0.16, 0.42) * S;
        else cx[b] = unif(r, 0.28, 0.72) * S, cy[b] = unif(r, 0.55, 0.88) * S;
        double amp = unif(r, p->amp_min, p->amp_max) * k, th = unif(r, 0, 2 * M_PI);
        double sg = unif(r, p->sigma_min, p->sigma_max) * S;
        ax[b] = amp * cos(th), ay[b] = amp * sin(th), s2[b] = 2 * sg * sg;
    }
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            double dx = 0, dy = 0;
            for (int b = 0; b < nb; b++) {
                double e = exp(-((x - cx[b]) * (x - cx[b]) + (y - cy[b]) * (y - cy[b])) / s2[b]);
                dx += ax[b] * e, dy += ay[b] * e;
            }
            target[(size_t)y * S + x] = we_warp_sample(src, S, S, x - dx, y - dy, WE_BORDER_REFLECT);
        }
}

we_status we_detail_sim_edit(we_detail_sim *w, const float *src, we_rng *r)
{
    const we_detail_sim_params *p = &w->p;
    int S = p->S, J = p->J, n = S >> J;
    size_t n2 = (size_t)n * (size_t)n;
    we_detail_sim_warp(w->img, src, S, p, r);
    we_cascade_pyr_forward(&w->src, src);
    we_cascade_pyr_forward(&w->tgt, w->img);
    /* the cascade's mask from the coarse images (LL_J / 2^J) */
    float *xs = w->work, *xt = w->work + n2, u = ldexpf(1.0f, -J);
    for (size_t i = 0; i < n2; i++) xs[i] = w->src.ll[J][i] * u, xt[i] = w->tgt.ll[J][i] * u;
    we_cascade_mask(w->mask.ll[J], w->work + 2 * n2, xt, xs, NULL, n, &p->cp);
    for (int j = J; j >= 1; j--) we_cascade_mask_up(w->mask.ll[j - 1], w->work, w->mask.ll[j], S >> j, p->cp.mask_feather);
    /* base detail: the source's plus the smooth change's (base.ll[j] holds
     * the masked change of LL_j) */
    for (int j = 1; j <= J; j++) {
        int nj = S >> j;
        size_t q = (size_t)nj * (size_t)nj;
        const float *m = w->mask.ll[j];
        for (size_t i = 0; i < q; i++) w->base.ll[j][i] = m[i] * (w->tgt.ll[j][i] - w->src.ll[j][i]);
        we_cascade_smooth_detail(w->base.det[j], w->work, w->base.ll[j], nj);
        for (size_t i = 0; i < 3 * q; i++) w->base.det[j][i] += w->src.det[j][i];
    }
    return WE_OK;
}

void we_detail_sim_sample(const we_detail_sim *w, float *inp, float *tgt, float *wgt, int level, we_rng *r)
{
    int nj = w->p.S >> level, P = w->p.P;
    size_t q = (size_t)nj * (size_t)nj, PP = (size_t)P * (size_t)P;
    const float *m = w->mask.ll[level];
    int x0 = 0, y0 = 0;
    if (nj > P) {
        int cx = (int)we_rng_below(r, (uint64_t)nj), cy = (int)we_rng_below(r, (uint64_t)nj);
        for (int t = 0; t < 32; t++) {
            int x = (int)we_rng_below(r, (uint64_t)nj), y = (int)we_rng_below(r, (uint64_t)nj);
            if (m[(size_t)y * nj + x] > 0.5f) {
                cx = x, cy = y;
                break;
            }
        }
        x0 = cx - P / 2, y0 = cy - P / 2;
        x0 = x0 < 0 ? 0 : x0 > nj - P ? nj - P : x0;
        y0 = y0 < 0 ? 0 : y0 > nj - P ? nj - P : y0;
    }
    float s = ldexpf(1.0f, -level);
    const float *lls = w->src.ll[level], *llt = w->tgt.ll[level], *ds = w->base.det[level], *dt = w->tgt.det[level];
    for (int y = 0; y < P; y++)
        for (int x = 0; x < P; x++) {
            size_t i = (size_t)(y + y0) * nj + (size_t)(x + x0), o = (size_t)y * P + x;
            float mv = m[i];
            inp[o] = (lls[i] + mv * (llt[i] - lls[i])) * s;
            inp[PP + o] = lls[i] * s;
            for (int b = 0; b < 3; b++) {
                inp[(2 + b) * PP + o] = ds[b * q + i] * s;
                tgt[b * PP + o] = dt[b * q + i] * s;
            }
            inp[5 * PP + o] = mv;
            wgt[o] = mv;
        }
}

float we_detail_sim_l1(float *dpred, const float *pred, const float *tgt, const float *wgt, int N, size_t HW)
{
    double sw = 0, sl = 0;
    for (int n = 0; n < N; n++)
        for (size_t i = 0; i < HW; i++) sw += 3.0 * wgt[(size_t)n * HW + i];
    for (int n = 0; n < N; n++)
        for (int b = 0; b < 3; b++)
            for (size_t i = 0; i < HW; i++) {
                size_t k = ((size_t)n * 3 + (size_t)b) * HW + i;
                float d = pred[k] - tgt[k], wv = wgt[(size_t)n * HW + i];
                sl += (double)wv * fabsf(d);
                if (dpred) dpred[k] = sw > 0 ? (float)(wv * (d > 0 ? 1 : d < 0 ? -1 : 0) / sw) : 0;
            }
    return sw > 0 ? (float)(sl / sw) : 0;
}

we_status we_detail_sim_eval(const we_detail_sim *w, we_detail *D, int level, we_detail_sim_score *sc)
{
    int nj = w->p.S >> level;
    size_t q = (size_t)nj * (size_t)nj;
    const float *m = w->mask.ll[level], *lls = w->src.ll[level], *llt = w->tgt.ll[level];
    const float *d0 = w->src.det[level], *ds = w->base.det[level], *dt = w->tgt.det[level];
    double s = ldexp(1.0, -level);
    for (size_t i = 0; i < q; i++) {
        sc->w += 3.0 * m[i];
        for (int b = 0; b < 3; b++) {
            size_t k = b * q + i;
            sc->l1_id += m[i] * fabs(d0[k] - dt[k]) * s;
            sc->l1_base += m[i] * fabs(ds[k] - dt[k]) * s;
            sc->e_base += m[i] * (ds[k] * s) * (ds[k] * s);
            sc->e_tgt += m[i] * (dt[k] * s) * (dt[k] * s);
        }
    }
    if (!D) return WE_OK;
    float *lle = calloc(4 * q, sizeof(float));
    if (!lle) return we_err_set(WE_ENOMEM, "detail eval: band of %dx%d", nj, nj);
    float *dout = lle + q;
    for (size_t i = 0; i < q; i++) lle[i] = lls[i] + m[i] * (llt[i] - lls[i]);
    we_status st = we_detail_apply(D, dout, lle, lls, ds, m, level, nj, nj);
    for (size_t i = 0; i < q && !st; i++)
        for (int b = 0; b < 3; b++) {
            size_t k = b * q + i;
            sc->l1_d += m[i] * fabs(dout[k] - dt[k]) * s;
            sc->e_d += m[i] * (dout[k] * s) * (dout[k] * s);
        }
    free(lle);
    return st;
}
