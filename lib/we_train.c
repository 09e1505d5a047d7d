/* we_train.c - training step and resumable state (see we_train.h). */
#include "we_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void we_train_params_init(we_train_params *p)
{
    p->lr = 2e-4f;
    p->beta1 = 0.9f;
    p->beta2 = 0.999f;
    p->eps = 1e-8f;
    p->weight_decay = 0.0f;
    p->clip = 1.0f;
    p->ema = 0.999f;
    p->p_drop = 0.15f;
    p->p_all = 0.1f;
}

void we_train_free(we_train *tr)
{
    we_sched_free(&tr->sched);
    free(tr->adam_m);
    free(tr->adam_v);
    free(tr->ema);
    free(tr->noise);
    free(tr->va);
    free(tr->t);
    free(tr->label);
    free(tr->va_null);
    free(tr->heat);
    memset(tr, 0, sizeof *tr);
}

we_status we_train_init(we_train *tr, we_unet *m, const we_train_params *hp, uint64_t seed)
{
    memset(tr, 0, sizeof *tr);
    tr->m = m;
    tr->hp = *hp;
    we_status s = we_sched_init(&tr->sched, m->cfg.schedule, m->cfg.T);
    if (s) return s;
    size_t P = m->nparams, N = (size_t)m->maxN;
    tr->adam_m = calloc(P, sizeof(float));
    tr->adam_v = calloc(P, sizeof(float));
    tr->ema = malloc(P * sizeof(float));
    tr->noise = malloc(N * (size_t)m->xsize * sizeof(float));
    tr->va = calloc(2 * N, sizeof(float));
    tr->t = calloc(N, sizeof(int32_t));
    tr->label = calloc(N, sizeof(int32_t));
    tr->va_null = calloc(N, sizeof(int32_t));
    tr->heat = m->cfg.K ? calloc(N * (size_t)m->heatsize, sizeof(float)) : NULL;
    if (!tr->adam_m || !tr->adam_v || !tr->ema || !tr->noise || !tr->va || !tr->t || !tr->label ||
        !tr->va_null || (m->cfg.K && !tr->heat)) {
        we_train_free(tr);
        return we_err_set(WE_ENOMEM, "train: out of memory");
    }
    memcpy(tr->ema, m->params, P * sizeof(float));
    we_rng_seed(&tr->rng, seed);
    return WE_OK;
}

we_status we_train_step(we_train *tr, const float *x0, const int32_t *label, const float *va,
                        const int32_t *va_known, const float *heat, int N, float *loss,
                        float *gnorm)
{
    we_unet *m = tr->m;
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "train: batch %d not in 1..%d", N, m->maxN);
    const we_train_params *hp = &tr->hp;
    size_t hs = (size_t)m->heatsize;
    /* condition dropout: the draws happen in a fixed order per sample so a
     * resumed run sees the same sequence */
    for (int n = 0; n < N; n++) {
        int all = we_rng_uniform(&tr->rng) < hp->p_all;
        int dl = all || we_rng_uniform(&tr->rng) < hp->p_drop;
        int dv = all || we_rng_uniform(&tr->rng) < hp->p_drop;
        int dh = all || we_rng_uniform(&tr->rng) < hp->p_drop;
        tr->label[n] = (label && !dl) ? label[n] : WE_UNET_NULL_LABEL;
        int known = va && va_known && va_known[n];
        tr->va_null[n] = (!known || dv) ? 1 : 0;
        tr->va[2 * n] = known ? va[2 * n] : 0;
        tr->va[2 * n + 1] = known ? va[2 * n + 1] : 0;
        if (m->cfg.K) {
            if (heat && !dh) memcpy(tr->heat + n * hs, heat + n * hs, hs * sizeof(float));
            else memset(tr->heat + n * hs, 0, hs * sizeof(float));
        }
        tr->t[n] = (int32_t)we_rng_below(&tr->rng, (uint64_t)m->cfg.T);
    }
    we_rng_fill_normal(&tr->rng, tr->noise, (size_t)N * (size_t)m->xsize);
    memset(m->grads, 0, m->nparams * sizeof(float));
    we_status s = we_unet_loss(m, &tr->sched, x0, tr->noise, tr->t, tr->label, tr->va, tr->va_null,
                               m->cfg.K ? tr->heat : NULL, N, 1, loss, NULL);
    if (s) return s;
    if (!isfinite(*loss)) return we_err_set(WE_EDATA, "train: loss is not finite at step %ld", tr->step + 1);
    float gn = hp->clip > 0 ? we_optim_clip_grad_norm(m->grads, m->nparams, hp->clip)
                            : we_optim_grad_norm(m->grads, m->nparams);
    if (gnorm) *gnorm = gn;
    we_adamw_params ap;
    we_adamw_params_init(&ap);
    ap.lr = hp->lr;
    ap.beta1 = hp->beta1;
    ap.beta2 = hp->beta2;
    ap.eps = hp->eps;
    ap.weight_decay = hp->weight_decay;
    tr->step++;
    we_adamw_step(m->params, tr->adam_m, tr->adam_v, m->grads, m->nparams, &ap, tr->step);
    we_optim_ema_update(tr->ema, m->params, m->nparams, hp->ema);
    return WE_OK;
}

we_status we_train_save(const we_train *tr, const char *path)
{
    const we_unet *m = tr->m;
    we_st_writer w;
    we_st_writer_init(&w);
    char rng[96];
    we_rng_to_hex(&tr->rng, rng);
    int64_t P = (int64_t)m->nparams;
    we_status s = we_unet_config_to_meta(&m->cfg, &w);
    s = s ? s : we_st_writer_metaf(&w, "train.step", "%ld", tr->step);
    s = s ? s : we_st_writer_meta(&w, "train.rng", rng);
    s = s ? s : we_st_writer_metaf(&w, "train.lr", "%.9g", tr->hp.lr);
    s = s ? s : we_st_writer_metaf(&w, "train.ema", "%.9g", tr->hp.ema);
    s = s ? s : we_st_writer_metaf(&w, "train.clip", "%.9g", tr->hp.clip);
    s = s ? s : we_st_writer_metaf(&w, "train.weight_decay", "%.9g", tr->hp.weight_decay);
    s = s ? s : we_st_writer_metaf(&w, "train.p_drop", "%.9g", tr->hp.p_drop);
    s = s ? s : we_st_writer_metaf(&w, "train.p_all", "%.9g", tr->hp.p_all);
    s = s ? s : we_unet_add_tensors(m, &w, "", m->params);
    s = s ? s : we_unet_add_tensors(m, &w, "ema.", tr->ema);
    s = s ? s : we_st_writer_add(&w, "train.adam_m", WE_ST_F32, 1, &P, tr->adam_m);
    s = s ? s : we_st_writer_add(&w, "train.adam_v", WE_ST_F32, 1, &P, tr->adam_v);
    s = s ? s : we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    return s;
}

we_status we_train_load(we_train *tr, const we_st_file *f)
{
    we_unet *m = tr->m;
    int64_t P = (int64_t)m->nparams;
    we_status s = we_unet_load(m, f, "");
    if (s) return s;
    /* the EMA copy: load into params temporarily, then swap back */
    float *keep = malloc(m->nparams * sizeof(float));
    if (!keep) return we_err_set(WE_ENOMEM, "train: out of memory");
    memcpy(keep, m->params, m->nparams * sizeof(float));
    s = we_unet_load(m, f, "ema.");
    if (!s) memcpy(tr->ema, m->params, m->nparams * sizeof(float));
    memcpy(m->params, keep, m->nparams * sizeof(float));
    free(keep);
    if (s) return s;
    s = we_st_get_f32(f, "train.adam_m", tr->adam_m, (size_t)P, 1, &P);
    s = s ? s : we_st_get_f32(f, "train.adam_v", tr->adam_v, (size_t)P, 1, &P);
    if (s) return s;
    const char *st = we_st_meta(f, "train.step"), *rng = we_st_meta(f, "train.rng");
    if (!st || !rng || we_rng_from_hex(&tr->rng, rng))
        return we_err_set(WE_EDATA, "checkpoint lacks training state (train.step / train.rng)");
    tr->step = strtol(st, NULL, 10);
    return WE_OK;
}
