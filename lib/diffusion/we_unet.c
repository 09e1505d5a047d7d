/* we_unet.c - the WaveEmotion UNet on the host: its arenas and parameters,
 * checkpoints, the forward/backward entry points (the op loop of
 * we_unet_loop.c with the CPU layers) and the DDPM loss. The tape is built
 * by we_unet_plan.c, the config lives in we_unet_config.c (see we_unet.h,
 * we_unet_priv.h and tests/ref/model.py). */
#include "we_unet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_emotion.h"
#include "we_unet_priv.h"

_Static_assert(WE_UNET_NULL_LABEL == WE_EMOTION_NULL && WE_UNET_NUM_LABELS == WE_EMOTION_COUNT + 1,
               "the model's label ids are the emotion vocabulary plus NULL");

we_status we_unet_create(we_unet *m, const we_unet_config *cfg, int maxN)
{
    memset(m, 0, sizeof *m);
    we_status s = we_unet_config_validate(cfg);
    if (s) return s;
    if (maxN < 1 || maxN > 65536) return we_err_set(WE_EUSAGE, "model: batch %d out of range", maxN);
    m->cfg = *cfg;
    m->maxN = maxN;
    if ((s = we_unet_plan_build(m))) { we_unet_free(m); return s; }
    m->nscratch = we_unet_loop_scratch(m, &we_unet_cpu);
    m->params = calloc(m->nparams, sizeof(float));
    m->grads = calloc(m->nparams, sizeof(float));
    m->acts = calloc(m->nact, sizeof(float));
    m->dacts = calloc(m->nact, sizeof(float));
    m->scratch = calloc(m->nscratch, sizeof(float));
    m->tf = calloc((size_t)maxN, sizeof(float));
    m->labels = calloc((size_t)maxN, sizeof(int32_t));
    m->vamask = calloc((size_t)maxN, sizeof(float));
    if (!m->params || !m->grads || !m->acts || !m->dacts || !m->scratch || !m->tf || !m->labels || !m->vamask) {
        size_t mb = (2 * m->nact + 2 * m->nparams + m->nscratch) * 4 >> 20;
        we_unet_free(m);
        return we_err_set(WE_ENOMEM, "model: cannot allocate %zu MiB for batch %d", mb, maxN);
    }
    return WE_OK;
}

void we_unet_free(we_unet *m)
{
    free(m->pt);
    free(m->ops);
    free(m->params);
    free(m->grads);
    free(m->acts);
    free(m->dacts);
    free(m->scratch);
    free(m->tf);
    free(m->labels);
    free(m->vamask);
    memset(m, 0, sizeof *m);
}

const we_unet_param *we_unet_find(const we_unet *m, const char *name)
{
    for (int i = 0; i < m->nt; i++)
        if (!strcmp(m->pt[i].name, name)) return &m->pt[i];
    return NULL;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

void we_unet_init_params(we_unet *m, we_rng *r)
{
    for (int i = 0; i < m->nt; i++) {
        const we_unet_param *p = &m->pt[i];
        float *w = m->params + p->off;
        const char *nm = p->name;
        int zero = ends_with(nm, ".conv1.weight") || ends_with(nm, ".conv1.bias") || strstr(nm, ".lin.") ||
                   strstr(nm, ".proj.") || !strncmp(nm, "conv_out.", 9) || !strcmp(nm, "va.null");
        if (zero) { memset(w, 0, p->n * sizeof(float)); continue; }
        if (!strcmp(nm, "label_emb.weight")) { we_rng_fill_normal(r, w, p->n); continue; }
        if (strstr(nm, "norm.weight")) { for (size_t k = 0; k < p->n; k++) w[k] = 1; continue; }
        if (strstr(nm, "norm.bias")) { memset(w, 0, p->n * sizeof(float)); continue; }
        /* fan_in of the layer: a bias uses its weight's (the entry before it) */
        const we_unet_param *wp = ends_with(nm, ".bias") && i > 0 ? &m->pt[i - 1] : p;
        size_t fan_in = wp->rank >= 2 ? wp->n / (size_t)wp->shape[0] : 1;
        double bound = 1.0 / sqrt((double)fan_in);
        for (size_t k = 0; k < p->n; k++) w[k] = (float)((2 * we_rng_uniform(r) - 1) * bound);
    }
}

we_status we_unet_load(we_unet *m, const we_st_file *f, const char *prefix)
{
    char nm[128];
    for (int i = 0; i < m->nt; i++) {
        const we_unet_param *p = &m->pt[i];
        snprintf(nm, sizeof nm, "%s%s", prefix, p->name);
        we_status s = we_st_get_f32(f, nm, m->params + p->off, p->n, p->rank, p->shape);
        if (s) return s;
    }
    return WE_OK;
}

const char *we_unet_weights_prefix(const we_st_file *f, int use_ema)
{
    return use_ema && we_st_find(f, "ema.conv_in.weight") ? "ema." : "";
}

we_status we_unet_add_tensors_as(const we_unet *m, we_st_writer *w, const char *prefix, const void *buf,
                                 we_st_dtype dtype)
{
    char nm[128];
    size_t es = we_st_dtype_size(dtype);
    for (int i = 0; i < m->nt; i++) {
        const we_unet_param *p = &m->pt[i];
        snprintf(nm, sizeof nm, "%s%s", prefix, p->name);
        we_status s = we_st_writer_add(w, nm, dtype, p->rank, p->shape, (const char *)buf + p->off * es);
        if (s) return s;
    }
    return WE_OK;
}

we_status we_unet_add_tensors(const we_unet *m, we_st_writer *w, const char *prefix, const float *buf)
{
    return we_unet_add_tensors_as(m, w, prefix, buf, WE_ST_F32);
}

/* ------------------------------------------------------------ run */

/* The host arenas as the op loop sees them. */
static we_unet_bufs host_bufs(we_unet *m)
{
    we_unet_bufs b = {m->params, m->grads, m->acts, m->dacts, m->scratch, m->tf, m->labels, m->vamask};
    return b;
}

we_status we_unet_forward(we_unet *m, const float *x, const int32_t *t, const int32_t *label,
                          const float *va, const int32_t *va_null, const float *heat, int N,
                          const float **eps)
{
    we_unet_bufs b = host_bufs(m);
    we_status s = we_unet_loop_conds(m, m->tf, m->labels, m->vamask, t, label, va, va_null, N);
    s = s ? s : we_unet_loop_inputs(m, &we_unet_cpu, &b, x, va, heat, N);
    if (s) return s;
    m->N = N;
    we_unet_loop_forward(m, &we_unet_cpu, &b, N);
    if (eps) *eps = m->acts + m->off_eps;
    return WE_OK;
}

void we_unet_backward(we_unet *m, const float *deps)
{
    int N = m->N;
    we_unet_bufs b = host_bufs(m);
    /* zero the activation gradients of the batch part of every buffer: the
     * arena is laid out buffer by buffer, so clear it all (cheap next to
     * the convolutions) */
    memset(m->dacts, 0, sizeof(float) * m->nact);
    memcpy(m->dacts + m->off_eps, deps, sizeof(float) * (size_t)N * (size_t)m->xsize);
    we_unet_loop_backward(m, &we_unet_cpu, &b, N);
}

/* The noised channel range [lo, hi) of the config's region. */
static void noised_range(const we_unet *m, int *lo, int *hi)
{
    int C = we_unet_cfg_c1(&m->cfg);
    *lo = 0, *hi = 4 * C;
    if (m->cfg.region == WE_REGION_HIGH) *lo = C;
    if (m->cfg.region == WE_REGION_LOW) *hi = C;
}

we_status we_unet_loss_xt(const we_unet *m, const we_sched *s, float *xt, const float *x0, const float *noise,
                          const int32_t *t, int N)
{
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "model: batch %d not in 1..%d", N, m->maxN);
    int C = we_unet_cfg_c1(&m->cfg), hw = m->xsize / (4 * C), lo, hi;
    noised_range(m, &lo, &hi);
    size_t per = (size_t)m->xsize;
    for (int n = 0; n < N; n++)
        if (t[n] < 0 || t[n] >= s->T) return we_err_set(WE_EUSAGE, "model: timestep %d out of range", t[n]);
    for (int n = 0; n < N; n++) {
        double a = s->acp[t[n]];
        float sa = (float)sqrt(a), sb = (float)sqrt(1 - a);
        for (int c = 0; c < 4 * C; c++) {
            size_t o = (size_t)n * per + (size_t)c * hw;
            int noised = c >= lo && c < hi;
            for (int i = 0; i < hw; i++) xt[o + i] = noised ? sa * x0[o + i] + sb * noise[o + i] : x0[o + i];
        }
    }
    return WE_OK;
}

float we_unet_loss_eps(const we_unet *m, float *deps, const float *eps, const float *noise, int N)
{
    int C = we_unet_cfg_c1(&m->cfg), hw = m->xsize / (4 * C), lo, hi;
    noised_range(m, &lo, &hi);
    size_t per = (size_t)m->xsize;
    double cnt = (double)N * (hi - lo) * hw, acc = 0;
    for (int n = 0; n < N; n++)
        for (int c = 0; c < 4 * C; c++) {
            size_t o = (size_t)n * per + (size_t)c * hw;
            int noised = c >= lo && c < hi;
            for (int i = 0; i < hw; i++) {
                double e = noised ? (double)eps[o + i] - noise[o + i] : 0;
                acc += e * e;
                deps[o + i] = (float)(2 * e / cnt);
            }
        }
    return (float)(acc / cnt);
}

we_status we_unet_loss_forward(we_unet *m, const we_sched *s, const float *x0, const float *noise,
                               const int32_t *t, const int32_t *label, const float *va,
                               const int32_t *va_null, const float *heat, int N, float *loss,
                               float *xt, float *deps, const float **eps_out)
{
    we_status st = we_unet_loss_xt(m, s, xt, x0, noise, t, N);
    if (st) return st;
    const float *eps;
    if ((st = we_unet_forward(m, xt, t, label, va, va_null, heat, N, &eps))) return st;
    *loss = we_unet_loss_eps(m, deps, eps, noise, N);
    if (eps_out) *eps_out = eps;
    return WE_OK;
}

we_status we_unet_loss(we_unet *m, const we_sched *s, const float *x0, const float *noise,
                       const int32_t *t, const int32_t *label, const float *va,
                       const int32_t *va_null, const float *heat, int N, int backward,
                       float *loss, float *xt_out)
{
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "model: batch %d not in 1..%d", N, m->maxN);
    size_t per = (size_t)m->xsize;
    float *xt = malloc(sizeof(float) * per * (size_t)N);
    float *d = malloc(sizeof(float) * per * (size_t)N);
    if (!xt || !d) { free(xt); free(d); return we_err_set(WE_ENOMEM, "model: out of memory"); }
    we_status st = we_unet_loss_forward(m, s, x0, noise, t, label, va, va_null, heat, N, loss, xt, d, NULL);
    if (!st) {
        if (xt_out) memcpy(xt_out, xt, sizeof(float) * per * (size_t)N);
        if (backward) we_unet_backward(m, d);
    }
    free(xt);
    free(d);
    return st;
}
