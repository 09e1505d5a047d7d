/* we_model_edit.c - one batch of edits on a loaded model: set the batch's
 * conditions, scale to diffusion space, run the sampler's inversion + guided
 * DDIM (we_sampler_edit) and scale back. The algorithm's parameters live in
 * we_edit.h; the model (weights, schedule, conditions, buffers) in we_model.h. */
#include "we_model.h"

#include "we_sampler.h"

long we_model_edit_calls(const we_edit_params *p, int recon)
{
    long per = 2;
    if (p->per_cond) {
        per = 1;
        for (int c = 0; c < WE_COND_COUNT; c++) per += p->cond_scales[c] != 0;
    } else if ((p->g_low == 1 && p->g_high == 1) || (p->g_low == 0 && p->g_high == 0)) {
        per = 1;
    }
    return (long)p->steps * (1 + per + (recon != 0));
}

/* we_cond_eps, then the model's tick (m->tick) with the count so far. */
typedef struct {
    we_cond *c;
    we_model *m;
    long calls;
} tick_ctx;

static we_status eps_tick(void *ctx, float *eps, const float *x, int t, int which, int N)
{
    tick_ctx *k = ctx;
    we_status s = we_cond_eps(k->c, eps, x, t, which, N);
    return s ? s : k->m->tick(k->m->tick_ctx, ++k->calls);
}

we_status we_model_edit_batch(we_model *em, const we_edit_params *p, float *x, float *recon,
                              const int32_t *src_label, int tgt_label, const float *va, const float *heat,
                              const float *heat_src, int N, we_rng *rng)
{
    if (N < 1 || N > em->maxN) return we_err_set(WE_EUSAGE, "edit: batch %d not in 1..%d", N, em->maxN);
    we_status s = we_edit_params_check(p, em->cfg.T);
    if (s) return s;
    if (va && !em->has_va)
        return we_err_set(WE_EUSAGE, "the model was trained without valence/arousal (its metadata "
                          "'conditions' does not list 'va'); -V/-A cannot be used with it");
    size_t n = em->per * (size_t)N;
    float sc = we_unet_cfg_scale(&em->cfg);
    for (size_t i = 0; i < n; i++) x[i] *= sc;
    for (int b = 0; b < N; b++) {
        em->tgt[b] = tgt_label;
        em->src[b] = src_label[b];
        em->vk[b] = va != NULL;
        em->va[2 * b] = va ? va[0] : 0;
        em->va[2 * b + 1] = va ? va[1] : 0;
    }
    we_cond *c = &em->cond;
    c->tgt_label = em->tgt;
    c->src_label = em->src;
    c->tgt_va = em->va;
    c->tgt_va_known = em->vk;
    c->src_va = NULL;           /* the source's valence/arousal is unknown: NULL */
    c->src_va_known = NULL;
    c->heat = heat;
    c->heat_src = heat ? heat_src : NULL;
    we_sampler sp;
    we_sampler_init(&sp);
    sp.fn = we_cond_eps;
    sp.ctx = c;
    tick_ctx tk = {c, em, 0};
    if (em->tick) sp.fn = eps_tick, sp.ctx = &tk;
    sp.sched = &em->sch;
    sp.N = N;
    sp.C = we_unet_cfg_c1(&em->cfg);
    sp.h = em->h;
    sp.s_low = (float)p->g_low;
    sp.s_high = (float)p->g_high;
    if (p->per_cond) {
        sp.ncond = WE_COND_COUNT;
        sp.cond_scales = p->cond_scales;
    }
    sp.region = em->cfg.region;
    sp.eta = (float)p->eta;
    s = we_sampler_edit_recon(&sp, x, recon, p->steps, we_edit_t0(p, em->cfg.T), (float)p->faith, p->faith_levels,
                              rng);
    for (size_t i = 0; i < n; i++) x[i] /= sc;
    for (size_t i = 0; recon && i < n; i++) recon[i] /= sc;
    return s;
}
