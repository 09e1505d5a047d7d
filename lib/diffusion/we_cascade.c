/* we_cascade.c - the cascade edit (see we_cascade.h). */
#include "we_cascade.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_flow.h"
#include "we_nn.h"

void we_cascade_params_init(we_cascade_params *p)
{
    p->mask_sigma = 1.0f;
    p->mask_lo = 0.03f;
    p->mask_hi = 0.10f;
    p->mask_dilate = 2;
    p->mask_feather = 1.0f;
    p->tone_sigma = 8.0f;
    p->tone_mean = 1;
    p->flow_alpha = 0.0f;
    p->detail_fade = 0.0f;
    p->region = 0.10f;
    p->region_side = 1.0f;
    p->region_clip = 0;
    p->recon = 1.0f;
    p->allow = NULL;
}

we_status we_cascade_check(int S, int J)
{
    if (J < 1 || J > WE_CASCADE_MAX_J) return we_err_set(WE_EUSAGE, "cascade levels %d out of range 1..%d", J, WE_CASCADE_MAX_J);
    if (S < (1 << J) || S % (1 << J))
        return we_err_set(WE_EUSAGE, "cascade: face size %d is not a multiple of 2^%d", S, J);
    return WE_OK;
}

/* Layout: ll[0] (S^2), then per level j: ll[j] (n^2) directly followed by
 * det[j] (3 n^2), so [ll[j], det[j]] is the [4, n, n] one-level DWT. */
we_status we_cascade_pyr_alloc(we_cascade_pyr *p, int S, int J)
{
    memset(p, 0, sizeof *p);
    we_status s = we_cascade_check(S, J);
    if (s) return s;
    size_t total = (size_t)S * (size_t)S;
    for (int j = 1; j <= J; j++) total += 4 * (size_t)(S >> j) * (size_t)(S >> j);
    p->mem = malloc(total * sizeof(float));
    if (!p->mem) return we_err_set(WE_ENOMEM, "cascade: pyramid of %dx%d", S, S);
    p->S = S, p->J = J;
    float *q = p->mem;
    p->ll[0] = q;
    q += (size_t)S * (size_t)S;
    for (int j = 1; j <= J; j++) {
        size_t n2 = (size_t)(S >> j) * (size_t)(S >> j);
        p->ll[j] = q;
        p->det[j] = q + n2;
        q += 4 * n2;
    }
    return WE_OK;
}

void we_cascade_pyr_free(we_cascade_pyr *p)
{
    free(p->mem);
    memset(p, 0, sizeof *p);
}

we_status we_cascade_pyr_forward(we_cascade_pyr *p, const float *img)
{
    if (!p->mem) return we_err_set(WE_EUSAGE, "cascade: pyramid not allocated");
    memcpy(p->ll[0], img, (size_t)p->S * (size_t)p->S * sizeof(float));
    for (int j = 1; j <= p->J; j++) {
        int n = p->S >> (j - 1);
        we_nn_dwt_forward(p->ll[j], p->ll[j - 1], 1, 1, n, n);
    }
    return WE_OK;
}

we_status we_cascade_coarse(float *out, const float *src, int S, int J)
{
    we_cascade_pyr p;
    we_status s = we_cascade_pyr_alloc(&p, S, J);
    if (s) return s;
    we_cascade_pyr_forward(&p, src);
    int n = S >> J;
    float u = ldexpf(1.0f, -J);
    for (size_t i = 0; i < (size_t)n * (size_t)n; i++) out[i] = p.ll[J][i] * u;
    we_cascade_pyr_free(&p);
    return WE_OK;
}

/* One pass of the separable blur along rows (dx = 1) or columns. */
static void blur_pass(float *out, const float *inp, int h, int w, const float *k, int r, int along_x)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double acc = 0, wsum = 0;
            for (int t = -r; t <= r; t++) {
                int xx = along_x ? x + t : x, yy = along_x ? y : y + t;
                if (xx < 0 || xx >= w || yy < 0 || yy >= h) continue;
                acc += (double)k[t + r] * inp[(size_t)yy * (size_t)w + (size_t)xx];
                wsum += k[t + r];
            }
            out[(size_t)y * (size_t)w + (size_t)x] = (float)(acc / wsum);
        }
}

#define MAX_RADIUS 64

void we_cascade_blur(float *out, float *work, const float *inp, int h, int w, float sigma)
{
    size_t n = (size_t)h * (size_t)w;
    if (sigma <= 0) {
        if (out != inp) memmove(out, inp, n * sizeof(float));
        return;
    }
    int r = (int)ceilf(3.0f * sigma);
    if (r > MAX_RADIUS) r = MAX_RADIUS;
    float k[2 * MAX_RADIUS + 1];
    for (int t = -r; t <= r; t++) k[t + r] = expf(-0.5f * (float)(t * t) / (sigma * sigma));
    blur_pass(work, inp, h, w, k, r, 1);
    blur_pass(out, work, h, w, k, r, 0);
}

/* Square max filter of radius r, separable; out may alias inp. */
static void dilate(float *out, float *work, const float *inp, int n, int r)
{
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            float m = 0;
            for (int t = x - r; t <= x + r; t++)
                if (t >= 0 && t < n && inp[(size_t)y * n + t] > m) m = inp[(size_t)y * n + t];
            work[(size_t)y * n + x] = m;
        }
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            float m = 0;
            for (int t = y - r; t <= y + r; t++)
                if (t >= 0 && t < n && work[(size_t)t * n + x] > m) m = work[(size_t)t * n + x];
            out[(size_t)y * n + x] = m;
        }
}

static float clamp01(float v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

void we_cascade_mask(float *mask, float *work, const float *edited, const float *coarse,
                     const float *extra, int n, const we_cascade_params *p)
{
    size_t n2 = (size_t)n * (size_t)n;
    float *tmp = work + n2;
    for (size_t i = 0; i < n2; i++) mask[i] = fabsf(edited[i] - coarse[i]);
    we_cascade_blur(mask, work, mask, n, n, p->mask_sigma);
    float span = p->mask_hi > p->mask_lo ? p->mask_hi - p->mask_lo : 1e-6f;
    for (size_t i = 0; i < n2; i++) {
        float t = clamp01((mask[i] - p->mask_lo) / span);
        mask[i] = t * t * (3 - 2 * t);
    }
    if (p->mask_dilate > 0) dilate(mask, tmp, mask, n, p->mask_dilate);
    we_cascade_blur(mask, work, mask, n, n, p->mask_feather);
    for (size_t i = 0; i < n2; i++) {
        float v = clamp01(mask[i]);
        if (v < 1e-4f) v = 0; /* the blur's far tail: exactly outside */
        if (extra && extra[i] > v) v = clamp01(extra[i]);
        if (p->allow) v *= clamp01(p->allow[i]);
        if (v < 1e-4f) v = 0;
        mask[i] = v;
    }
}

void we_cascade_mask_up(float *fine, float *work, const float *coarse, int n, float feather)
{
    int m = 2 * n;
    size_t m2 = (size_t)m * (size_t)m;
    float *near = work + m2;
    for (int y = 0; y < m; y++)
        for (int x = 0; x < m; x++) near[(size_t)y * m + x] = coarse[(size_t)(y / 2) * n + x / 2];
    we_cascade_blur(fine, work, near, m, m, feather);
    for (size_t i = 0; i < m2; i++) {
        float v = clamp01(fine[i]);
        /* the blur's far tail is cut to exactly 0, but never where the
         * coarser level is on: supports nest */
        if (v < 1e-4f) v = near[i] > 0 ? 1e-4f : 0;
        fine[i] = v;
    }
}

void we_cascade_smooth_detail(float *det, float *work, const float *dll, int n)
{
    int m = 2 * n;
    float *up = work, *dw = work + (size_t)m * (size_t)m;
    for (int y = 0; y < m; y++) {
        int yi = y / 2, yn = y % 2 ? (yi + 1 < n ? yi + 1 : yi) : (yi > 0 ? yi - 1 : 0);
        for (int x = 0; x < m; x++) {
            int xi = x / 2, xn = x % 2 ? (xi + 1 < n ? xi + 1 : xi) : (xi > 0 ? xi - 1 : 0);
            float v = 0.5625f * dll[(size_t)yi * n + xi] + 0.1875f * (dll[(size_t)yi * n + xn] + dll[(size_t)yn * n + xi]) +
                      0.0625f * dll[(size_t)yn * n + xn];
            up[(size_t)y * m + x] = 0.5f * v;
        }
    }
    we_nn_dwt_forward(dw, up, 1, 1, m, m);
    memcpy(det, dw + (size_t)n * (size_t)n, 3 * (size_t)n * (size_t)n * sizeof(float));
}

/* Remove the low-frequency part of the coarse change (see the header):
 * d [n,n] in place, m the mask; work 3 n^2 floats. */
static void tone_correct(float *d, float *work, const float *m, int n, const we_cascade_params *p)
{
    size_t n2 = (size_t)n * (size_t)n;
    if (p->tone_sigma > 0) {
        float *low = work + n2;
        for (size_t i = 0; i < n2; i++) low[i] = m[i] * d[i];
        we_cascade_blur(low, work, low, n, n, p->tone_sigma);
        for (size_t i = 0; i < n2; i++) d[i] -= low[i];
    }
    if (p->tone_mean) {
        double sm = 0, sd = 0;
        for (size_t i = 0; i < n2; i++) sm += m[i], sd += (double)m[i] * d[i];
        if (sm > 0) {
            float c = (float)(sd / sm);
            for (size_t i = 0; i < n2; i++) d[i] -= c;
        }
    }
}

/* The source moved by the flow from its coarse face x to the target
 * x + d / 2^J (d the masked coarse change of LL_J), the flow faded by the
 * coarse mask: out [S,S] = src + m_0 (warp(src) - src), so exactly src
 * where m_0 = 0. work: 8 S^2 floats (the flow needs 14 n^2 + 64 < 4 S^2,
 * the target and the flow 3 n^2 more). */
static void move_source(float *out, float *work, const float *src, const float *x,
                        const float *d, const we_cascade_pyr *mk, int S, int J, const we_cascade_params *p)
{
    int n = S >> J;
    size_t n2 = (size_t)n * (size_t)n, S2 = (size_t)S * (size_t)S;
    float *tb = work, *fu = work + n2, *fv = work + 2 * n2, *fw = work + 3 * n2;
    for (size_t i = 0; i < n2; i++) tb[i] = x[i] + ldexpf(d[i], -J);
    we_flow_params fp;
    we_flow_params_init(&fp);
    fp.alpha = p->flow_alpha;
    we_flow_estimate(fu, fv, fw, x, tb, n, n, &fp);
    for (size_t i = 0; i < n2; i++) fu[i] *= mk->ll[J][i], fv[i] *= mk->ll[J][i];
    we_flow_warp_up(out, src, fu, fv, n, n, 1 << J);
    const float *m0 = mk->ll[0];
    for (size_t i = 0; i < S2; i++) out[i] = m0[i] == 0 ? src[i] : src[i] + m0[i] * (out[i] - src[i]);
}

we_status we_cascade_edit(float *out, we_cascade_pyr *masks, const float *src, const float *edited,
                          const float *extra, int S, int J, we_detail *D, const we_cascade_params *p)
{
    we_cascade_params defaults;
    if (!p) {
        we_cascade_params_init(&defaults);
        p = &defaults;
    }
    if (masks && (masks->S != S || masks->J != J)) return we_err_set(WE_EUSAGE, "cascade: mask pyramid of the wrong size");
    we_cascade_pyr sp = {0}, dp = {0}, mp = {0};
    float *work = NULL, *lle = NULL, *dnew = NULL, *warped = NULL, *fade = NULL;
    we_status s = we_cascade_pyr_alloc(&sp, S, J);
    s = s ? s : we_cascade_pyr_alloc(&dp, S, J);
    if (!s && !masks) s = we_cascade_pyr_alloc(&mp, S, J);
    size_t S2 = (size_t)S * (size_t)S;
    if (!s && !(work = malloc(8 * S2 * sizeof(float)))) s = we_err_set(WE_ENOMEM, "cascade: work of %dx%d", S, S);
    if (!s && !(lle = malloc(4 * S2 / 4 * sizeof(float)))) s = we_err_set(WE_ENOMEM, "cascade: work of %dx%d", S, S);
    if (s) goto done;
    dnew = lle + S2 / 4;
    we_cascade_pyr *mk = masks ? masks : &mp;
    we_cascade_pyr_forward(&sp, src);

    /* 1. coarse mask; 2. coarse change, tone-corrected and masked */
    int n = S >> J;
    size_t n2 = (size_t)n * (size_t)n;
    float u = ldexpf(1.0f, J), *x = lle; /* x = LL_J / 2^J, as we_cascade_coarse (lle is free until step 3) */
    for (size_t i = 0; i < n2; i++) x[i] = sp.ll[J][i] * ldexpf(1.0f, -J);
    we_cascade_mask(mk->ll[J], work + n2, edited, x, extra, n, p);
    float *d = dp.ll[J];
    for (size_t i = 0; i < n2; i++) d[i] = u * (edited[i] - x[i]);
    tone_correct(d, work + n2, mk->ll[J], n, p);
    for (size_t i = 0; i < n2; i++) d[i] *= mk->ll[J][i];
    /* the masks of the finer levels depend on m_J alone */
    for (int j = J; j >= 1; j--) we_cascade_mask_up(mk->ll[j - 1], work, mk->ll[j], S >> j, p->mask_feather);

    /* 2b. with flow_alpha: the source moved along the coarse change (see
     * the header); the rebuild then starts from the moved source */
    const float *base = src;
    if (p->flow_alpha > 0) {
        if (!(warped = malloc(S2 * sizeof(float)))) {
            s = we_err_set(WE_ENOMEM, "cascade: work of %dx%d", S, S);
            goto done;
        }
        move_source(warped, work, src, x, d, mk, S, J, p);
        base = warped;
        we_cascade_pyr_forward(&sp, warped);
        /* the change still to make: from the moved source's coarse band to
         * the target LL_J + d (x u is LL_J exactly: u is a power of 2) */
        for (size_t i = 0; i < n2; i++) d[i] = (x[i] * u + d[i]) - sp.ll[J][i];
    }

    if (p->detail_fade > 0 && !(fade = malloc(3 * (S2 / 4) * sizeof(float)))) {
        s = we_err_set(WE_ENOMEM, "cascade: work of %dx%d", S, S);
        goto done;
    }
    /* 3. level by level */
    for (int j = J; j >= 1; j--) {
        int nj = S >> j;
        size_t q = (size_t)nj * (size_t)nj;
        const float *m = mk->ll[j];
        /* base = source detail + the smooth change's detail (into dp.det[j]) */
        we_cascade_smooth_detail(dp.det[j], work, dp.ll[j], nj);
        for (size_t i = 0; i < 3 * q; i++) dp.det[j][i] += sp.det[j][i];
        if (p->detail_fade > 0) { /* 3b: where the coarse band changed a lot, the source's
                                    * detail gives way to a smooth interpolation of its LL */
            we_cascade_smooth_detail(fade, work, sp.ll[j], nj);
            for (size_t i = 0; i < q; i++) {
                float a = fabsf(dp.ll[j][i]) * ldexpf(1.0f, -j) / p->detail_fade;
                a = (a > 1 ? 1 : a) * m[i];
                for (int b = 0; b < 3; b++) dp.det[j][b * q + i] += a * (fade[b * q + i] - sp.det[j][b * q + i]);
            }
        }
        if (D) {
            for (size_t i = 0; i < q; i++) lle[i] = sp.ll[j][i] + dp.ll[j][i];
            if ((s = we_detail_apply(D, dnew, lle, sp.ll[j], dp.det[j], m, j, nj, nj))) goto done;
        } else {
            memcpy(dnew, dp.det[j], 3 * q * sizeof(float));
        }
        for (int b = 0; b < 3; b++)
            for (size_t i = 0; i < q; i++) dp.det[j][b * q + i] = m[i] * (dnew[b * q + i] - sp.det[j][b * q + i]);
        we_nn_iwt_forward(dp.ll[j - 1], dp.ll[j], 1, 1, nj, nj);
    }
    /* 4. (an unchanged pixel is copied, so even -0 stays as it was) */
    for (size_t i = 0; i < S2; i++) out[i] = dp.ll[0][i] != 0 ? base[i] + dp.ll[0][i] : base[i];
done:
    free(fade);
    free(warped);
    free(work);
    free(lle);
    we_cascade_pyr_free(&sp);
    we_cascade_pyr_free(&dp);
    we_cascade_pyr_free(&mp);
    return s;
}
