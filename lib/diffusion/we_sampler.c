/* we_sampler.c - DDPM / DDIM / inversion / guidance / editing (see we_sampler.h). */
#include "we_sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void we_sampler_init(we_sampler *s)
{
    memset(s, 0, sizeof *s);
    s->s_low = s->s_high = 1.0f;
    s->region = WE_REGION_ALL;
}

void we_sampler_grid(int *g, int steps, int t_top)
{
    g[0] = -1;
    for (int k = 1; k <= steps; k++) {
        g[k] = (int)lround((double)k * t_top / steps);
        if (g[k] <= g[k - 1]) g[k] = g[k - 1] + 1; /* more steps than timesteps */
    }
}

void we_sampler_ddim_step(float *xprev, const float *x, const float *eps, double a_t, double a_prev,
                          float eta, const float *noise, float clip, size_t n)
{
    double sig = 0;
    if (eta > 0 && a_t < 1) sig = eta * sqrt((1 - a_prev) / (1 - a_t)) * sqrt(1 - a_t / a_prev);
    double c0 = sqrt(a_prev) / sqrt(a_t), ce = sqrt(fmax(0, 1 - a_prev - sig * sig)) - c0 * sqrt(1 - a_t);
    if (clip > 0 && a_t < 1) {
        double ra = 1 / sqrt(a_t), rb = sqrt(1 - a_t), dir = sqrt(fmax(0, 1 - a_prev - sig * sig));
        for (size_t i = 0; i < n; i++) {
            double x0 = (x[i] - rb * eps[i]) * ra;
            x0 = x0 < -clip ? -clip : x0 > clip ? clip : x0;
            double e = (x[i] - sqrt(a_t) * x0) / rb;
            double v = sqrt(a_prev) * x0 + dir * e;
            if (sig > 0 && noise) v += sig * noise[i];
            xprev[i] = (float)v;
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double v = c0 * x[i] + ce * eps[i];
        if (sig > 0 && noise) v += sig * noise[i];
        xprev[i] = (float)v;
    }
}

void we_sampler_ddpm_step(float *xprev, const float *x, const float *eps, double a_t, double a_prev,
                          const float *noise, float clip, size_t n)
{
    double beta = 1 - a_t / a_prev;
    double c_x0 = sqrt(a_prev) * beta / (1 - a_t), c_xt = sqrt(1 - beta) * (1 - a_prev) / (1 - a_t);
    double var = beta * (1 - a_prev) / (1 - a_t), sd = sqrt(fmax(var, 0));
    double ra = 1 / sqrt(a_t), rb = sqrt(1 - a_t);
    for (size_t i = 0; i < n; i++) {
        double x0 = (x[i] - rb * eps[i]) * ra;
        if (clip > 0) x0 = x0 < -clip ? -clip : x0 > clip ? clip : x0;
        double v = c_x0 * x0 + c_xt * x[i];
        if (sd > 0 && noise) v += sd * noise[i];
        xprev[i] = (float)v;
    }
}

void we_sampler_ddim_invert_step(float *xnext, const float *x, const float *eps, double a_t,
                                 double a_next, size_t n)
{
    we_sampler_ddim_step(xnext, x, eps, a_t, a_next, 0.0f, NULL, 0.0f, n);
}

void we_sampler_guide(float *eps_cond, const float *eps_null, float s_low, float s_high,
                      int N, int C, int hw)
{
    for (int n = 0; n < N; n++)
        for (int c = 0; c < 4 * C; c++) {
            float sc = c < C ? s_low : s_high;
            size_t o = ((size_t)n * 4 * C + (size_t)c) * (size_t)hw;
            for (int i = 0; i < hw; i++) eps_cond[o + i] = eps_null[o + i] + sc * (eps_cond[o + i] - eps_null[o + i]);
        }
}

static size_t xcount(const we_sampler *s)
{
    return (size_t)s->N * 4 * (size_t)s->C * (size_t)s->h * (size_t)s->h;
}

we_status we_sampler_eps(const we_sampler *s, float *eps, const float *x, int t, float *work)
{
    size_t n = xcount(s);
    int hw = s->h * s->h;
    if (s->ncond > 0) {
        float *en = work, *ec = work + n;
        we_status st = s->fn(s->ctx, en, x, t, WE_EPS_NULL, s->N);
        if (st) return st;
        memcpy(eps, en, n * sizeof(float));
        for (int c = 0; c < s->ncond; c++) {
            if (s->cond_scales[c] == 0) continue;
            if ((st = s->fn(s->ctx, ec, x, t, c + 1, s->N))) return st;
            float sc = s->cond_scales[c];
            for (size_t i = 0; i < n; i++) eps[i] += sc * (ec[i] - en[i]);
        }
        return WE_OK;
    }
    if (s->s_low == 1.0f && s->s_high == 1.0f) return s->fn(s->ctx, eps, x, t, WE_EPS_TARGET, s->N);
    if (s->s_low == 0.0f && s->s_high == 0.0f) return s->fn(s->ctx, eps, x, t, WE_EPS_NULL, s->N);
    we_status st = s->fn(s->ctx, work, x, t, WE_EPS_NULL, s->N);
    if (!st) st = s->fn(s->ctx, eps, x, t, WE_EPS_TARGET, s->N);
    if (st) return st;
    we_sampler_guide(eps, work, s->s_low, s->s_high, s->N, s->C, hw);
    return WE_OK;
}

/* channel range [lo, hi) that is diffused */
static void region_range(const we_sampler *s, int *lo, int *hi)
{
    *lo = 0, *hi = 4 * s->C;
    if (s->region == WE_REGION_HIGH) *lo = s->C;
    if (s->region == WE_REGION_LOW) *hi = s->C;
}

/* put the fixed (not diffused) channels back */
static void apply_fixed(const we_sampler *s, float *x)
{
    if (s->region == WE_REGION_ALL || !s->fixed) return;
    int lo, hi, hw = s->h * s->h;
    region_range(s, &lo, &hi);
    for (int n = 0; n < s->N; n++)
        for (int c = 0; c < 4 * s->C; c++) {
            if (c >= lo && c < hi) continue;
            size_t o = ((size_t)n * 4 * s->C + (size_t)c) * (size_t)hw;
            memcpy(x + o, s->fixed + o, sizeof(float) * (size_t)hw);
        }
}

we_status we_sampler_generate(const we_sampler *s, float *x, int steps, int ddpm, we_rng *rng)
{
    int T = s->sched->T;
    if (steps < 1 || steps > T) return we_err_set(WE_EUSAGE, "sampler: steps %d not in 1..%d", steps, T);
    if (s->region != WE_REGION_ALL && !s->fixed)
        return we_err_set(WE_EUSAGE, "sampler: noise region '%s' needs the fixed subbands of a source", we_region_name(s->region));
    size_t n = xcount(s);
    int *g = malloc(sizeof(int) * (size_t)(steps + 1));
    float *eps = malloc(sizeof(float) * n), *work = malloc(sizeof(float) * 2 * n), *noise = malloc(sizeof(float) * n);
    if (!g || !eps || !work || !noise) {
        free(g), free(eps), free(work), free(noise);
        return we_err_set(WE_ENOMEM, "sampler: out of memory");
    }
    we_sampler_grid(g, steps, T - 1);
    we_rng_fill_normal(rng, x, n);
    apply_fixed(s, x);
    we_status st = WE_OK;
    for (int k = steps; k >= 1 && !st; k--) {
        st = we_sampler_eps(s, eps, x, g[k], work);
        if (st) break;
        double a = we_sched_acp(s->sched, g[k]), ap = we_sched_acp(s->sched, g[k - 1]);
        if (ddpm) {
            we_rng_fill_normal(rng, noise, n);
            we_sampler_ddpm_step(x, x, eps, a, ap, noise, s->clip, n);
        } else {
            if (s->eta > 0) we_rng_fill_normal(rng, noise, n);
            we_sampler_ddim_step(x, x, eps, a, ap, s->eta, noise, s->clip, n);
        }
        apply_fixed(s, x);
    }
    free(g), free(eps), free(work), free(noise);
    return st;
}

we_status we_sampler_invert(const we_sampler *s, float *x, int steps, int t0, float *traj)
{
    int T = s->sched->T;
    if (t0 < 0 || t0 >= T) return we_err_set(WE_EUSAGE, "sampler: t0 %d not in 0..%d", t0, T - 1);
    if (steps < 1 || steps > t0 + 1) return we_err_set(WE_EUSAGE, "sampler: steps %d not in 1..%d", steps, t0 + 1);
    size_t n = xcount(s);
    int *g = malloc(sizeof(int) * (size_t)(steps + 1));
    float *eps = malloc(sizeof(float) * n);
    if (!g || !eps) { free(g), free(eps); return we_err_set(WE_ENOMEM, "sampler: out of memory"); }
    we_sampler_grid(g, steps, t0);
    if (traj) memcpy(traj, x, n * sizeof(float));
    we_status st = WE_OK;
    for (int k = 1; k <= steps; k++) {
        st = s->fn(s->ctx, eps, x, g[k], WE_EPS_SOURCE, s->N);
        if (st) break;
        we_sampler_ddim_invert_step(x, x, eps, we_sched_acp(s->sched, g[k - 1]), we_sched_acp(s->sched, g[k]), n);
        apply_fixed(s, x);
        if (traj) memcpy(traj + (size_t)k * n, x, n * sizeof(float));
    }
    free(g), free(eps);
    return st;
}

/* x's LL channels: replace the block means (block b x b) by ref's */
static void replace_coarse(const we_sampler *s, float *x, const float *ref, int b)
{
    int h = s->h;
    if (b > h) b = h;
    for (int n = 0; n < s->N; n++)
        for (int c = 0; c < s->C; c++) {
            size_t o = ((size_t)n * 4 * s->C + (size_t)c) * (size_t)h * h;
            for (int by = 0; by + b <= h; by += b)
                for (int bx = 0; bx + b <= h; bx += b) {
                    double mx = 0, mr = 0;
                    for (int y = by; y < by + b; y++)
                        for (int xx = bx; xx < bx + b; xx++) {
                            mx += x[o + (size_t)y * h + xx];
                            mr += ref[o + (size_t)y * h + xx];
                        }
                    float d = (float)((mr - mx) / (b * b));
                    for (int y = by; y < by + b; y++)
                        for (int xx = bx; xx < bx + b; xx++) x[o + (size_t)y * h + xx] += d;
                }
        }
}

/* The reverse pass of an edit, from x = x_{g[steps]} down to clean data:
 * guided DDIM(eta) under the target condition, or (recon != 0)
 * deterministic unguided DDIM under the source's own condition. The first
 * nfaith steps anchor the coarse LL to the inversion trajectory traj. */
static we_status edit_reverse(const we_sampler *sf, float *x, int recon, const int *g, int steps, const float *traj,
                              int nfaith, int faith_levels, float *eps, float *work, float *noise, we_rng *rng)
{
    size_t n = xcount(sf);
    int b = 1 << faith_levels;
    float eta = recon ? 0.0f : sf->eta;
    we_status st = WE_OK;
    for (int k = steps, i = 0; k >= 1 && !st; k--, i++) {
        st = recon ? sf->fn(sf->ctx, eps, x, g[k], WE_EPS_SOURCE, sf->N) : we_sampler_eps(sf, eps, x, g[k], work);
        if (st) break;
        if (eta > 0) we_rng_fill_normal(rng, noise, n);
        we_sampler_ddim_step(x, x, eps, we_sched_acp(sf->sched, g[k]), we_sched_acp(sf->sched, g[k - 1]), eta,
                             recon ? NULL : noise, sf->clip, n);
        apply_fixed(sf, x);
        if (i < nfaith && k - 1 >= 1 && faith_levels > 0) replace_coarse(sf, x, traj + (size_t)(k - 1) * n, b);
    }
    return st;
}

we_status we_sampler_edit(const we_sampler *s, float *x, int steps, int t0, float faith_frac,
                          int faith_levels, we_rng *rng)
{
    return we_sampler_edit_recon(s, x, NULL, steps, t0, faith_frac, faith_levels, rng);
}

we_status we_sampler_edit_recon(const we_sampler *s, float *x, float *recon, int steps, int t0, float faith_frac,
                                int faith_levels, we_rng *rng)
{
    size_t n = xcount(s);
    if (steps < 1 || t0 < 0 || t0 >= s->sched->T || steps > t0 + 1)
        return we_err_set(WE_EUSAGE, "sampler: edit needs 1 <= steps <= t0+1 and t0 < T");
    if (faith_levels < 0 || faith_levels > 12) return we_err_set(WE_EUSAGE, "sampler: faith levels %d not in 0..12", faith_levels);
    float *traj = malloc(sizeof(float) * n * (size_t)(steps + 1));
    int *g = malloc(sizeof(int) * (size_t)(steps + 1));
    float *eps = malloc(sizeof(float) * n), *work = malloc(sizeof(float) * 2 * n), *noise = malloc(sizeof(float) * n);
    if (!traj || !g || !eps || !work || !noise) {
        free(traj), free(g), free(eps), free(work), free(noise);
        return we_err_set(WE_ENOMEM, "sampler: out of memory for %d inversion steps", steps);
    }
    we_sampler sf = *s;
    float *fixed = NULL;
    if (s->region != WE_REGION_ALL && !s->fixed) {
        /* keep the source's clean bands outside the noise region */
        fixed = malloc(sizeof(float) * n);
        if (!fixed) { free(traj), free(g), free(eps), free(work), free(noise); return we_err_set(WE_ENOMEM, "sampler: out of memory"); }
        memcpy(fixed, x, sizeof(float) * n);
        sf.fixed = fixed;
    }
    we_status st = we_sampler_invert(&sf, x, steps, t0, traj);
    we_sampler_grid(g, steps, t0);
    int nfaith = (int)lround(faith_frac * steps);
    if (recon && !st) {
        /* the reconstruction: the same x_t0 back to 0 under the source's own
         * condition, deterministic and unguided (one model call a step) */
        memcpy(recon, x, sizeof(float) * n);
        st = edit_reverse(&sf, recon, 1, g, steps, traj, nfaith, faith_levels, eps, work, noise, rng);
    }
    if (!st) st = edit_reverse(&sf, x, 0, g, steps, traj, nfaith, faith_levels, eps, work, noise, rng);
    free(traj), free(g), free(eps), free(work), free(noise), free(fixed);
    return st;
}
