/* we_train.c - training step and resumable state (see we_train.h). */
#include "we_train.h"
#include "we_train_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    p->lambda_wav = 0.0f;
    p->wav_w_low = 0.1f;
    p->wav_w_high = 1.0f;
    p->lambda_expr = 0.0f;
    p->lambda_va = 0.0f;
    p->aux_tmax = 400;
    p->lambda_lm = p->lambda_id = p->lambda_bg = 0.0f;
    p->aux_items = 0;
}

void we_train_free(we_train *tr)
{
    we_train_cuda_release(tr);
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
    free(tr->xt);
    free(tr->deps);
    free(tr->lm);
    free(tr->lm_known);
    we_aux_free(&tr->aux);
    we_aux_face_free(&tr->aux_face);
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
    tr->xt = malloc(N * (size_t)m->xsize * sizeof(float));
    tr->deps = malloc(N * (size_t)m->xsize * sizeof(float));
    tr->lm = calloc(N * 136, sizeof(float));
    tr->lm_known = calloc(N, sizeof(int32_t));
    if (!tr->lm || !tr->lm_known || !tr->adam_m || !tr->adam_v || !tr->ema || !tr->noise || !tr->va || !tr->t || !tr->label ||
        !tr->va_null || (m->cfg.K && !tr->heat) || !tr->xt || !tr->deps) {
        we_train_free(tr);
        return we_err_set(WE_ENOMEM, "train: out of memory");
    }
    memcpy(tr->ema, m->params, P * sizeof(float));
    we_rng_seed(&tr->rng, seed);
    if ((s = we_train_aux_setup(tr))) {
        we_train_free(tr);
        return s;
    }
    return WE_OK;
}

we_status we_train_aux_setup(we_train *tr)
{
    const we_train_params *hp = &tr->hp;
    if (!(hp->lambda_wav >= 0) || !(hp->lambda_expr >= 0) || !(hp->lambda_va >= 0) || !(hp->wav_w_low >= 0) ||
        !(hp->wav_w_high >= 0) || !(hp->lambda_lm >= 0) || !(hp->lambda_id >= 0) || !(hp->lambda_bg >= 0) ||
        hp->aux_items < 0)
        return we_err_set(WE_EUSAGE, "train: aux lambdas, weights and aux_items must be >= 0");
    if (hp->aux_tmax < 0) return we_err_set(WE_EUSAGE, "train: aux_tmax %d < 0", hp->aux_tmax);
    if (tr->m->cfg.J != 1 && (hp->lambda_wav > 0 || hp->lambda_expr > 0 || hp->lambda_va > 0 || hp->lambda_lm > 0 ||
                              hp->lambda_id > 0 || hp->lambda_bg > 0))
        return we_err_set(WE_EUSAGE, "train: the auxiliary losses need a one-level model (this one has J = %d data "
                          "levels): leave the --lambda-* options out", tr->m->cfg.J);
    /* the face terms: the nets they need, kept while enough are loaded */
    unsigned nets = (hp->lambda_lm > 0 ? WE_AUX_FACE_LM : 0u) | (hp->lambda_id > 0 ? WE_AUX_FACE_ID : 0u);
    int face = nets || hp->lambda_bg > 0;
    if (!face || !tr->aux_face_ready || (nets & ~tr->aux_face_nets)) {
        we_aux_face_free(&tr->aux_face);
        tr->aux_face_ready = 0, tr->aux_face_nets = 0;
        if (face) {
            we_status s = we_aux_face_init(&tr->aux_face, &tr->m->cfg, nets, NULL);
            if (s) return s;
            tr->aux_face_ready = 1, tr->aux_face_nets = nets;
        }
    }
    int expr = hp->lambda_expr > 0 || hp->lambda_va > 0, want = hp->lambda_wav > 0 || expr;
    if (tr->aux_ready && want && expr <= tr->aux_expr) return WE_OK; /* already enough */
    we_aux_free(&tr->aux);
    tr->aux_ready = tr->aux_expr = 0;
    if (!want) return WE_OK;
    we_status s = we_aux_init(&tr->aux, &tr->m->cfg, expr, NULL);
    if (s) return s;
    tr->aux_ready = 1;
    tr->aux_expr = expr;
    return WE_OK;
}

we_status we_train_step(we_train *tr, const float *x0, const int32_t *label, const float *va,
                        const int32_t *va_known, const float *heat, int N, float *loss,
                        float *gnorm)
{
    return we_train_step_part(tr, x0, label, va, va_known, heat, N, NULL, loss, gnorm);
}

/* Weight this rank's share (Nl of N samples) of the gradient and the loss,
 * then sum both over the ranks (the gradients on the device through the
 * host). */
static we_status reduce_part(we_train *tr, int Nl, int N, float *loss)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    we_status s = tr->gpu ? we_train_cuda_allreduce(tr)
                          : we_comm_allreduce_sum_f32(tr->comm, tr->m->grads, tr->m->nparams);
    float l = Nl ? *loss * (float)Nl / (float)N : 0;
    s = s ? s : we_comm_allreduce_sum_f32(tr->comm, &l, 1);
    *loss = l;
    clock_gettime(CLOCK_MONOTONIC, &b);
    tr->comm_s += (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
    return s;
}

we_status we_train_step_part(we_train *tr, const float *x0, const int32_t *label, const float *va,
                             const int32_t *va_known, const float *heat, int N, const unsigned char *mine,
                             float *loss, float *gnorm)
{
    we_unet *m = tr->m;
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "train: batch %d not in 1..%d", N, m->maxN);
    const we_train_params *hp = &tr->hp;
    int multi = tr->comm && tr->comm->size > 1;
    if (multi && we_train_aux_on(hp))
        return we_err_set(WE_EUSAGE, "train: the auxiliary losses need one process (not %d)", tr->comm->size);
    size_t hs = (size_t)m->heatsize, xs = (size_t)m->xsize;
    /* condition dropout: the draws happen in a fixed order per sample so a
     * resumed run sees the same sequence; every rank draws for all N and
     * keeps its own samples, packed (j) */
    int j = 0;
    for (int n = 0; n < N; n++) {
        int all = we_rng_uniform(&tr->rng) < hp->p_all;
        int dl = all || we_rng_uniform(&tr->rng) < hp->p_drop;
        int dv = all || we_rng_uniform(&tr->rng) < hp->p_drop;
        int dh = all || we_rng_uniform(&tr->rng) < hp->p_drop;
        int32_t tn = (int32_t)we_rng_below(&tr->rng, (uint64_t)m->cfg.T);
        if (mine && !mine[n]) continue;
        tr->label[j] = (label && !dl) ? label[j] : WE_UNET_NULL_LABEL;
        int known = va && va_known && va_known[j];
        tr->va_null[j] = (!known || dv) ? 1 : 0;
        tr->va[2 * j] = known ? va[2 * j] : 0;
        tr->va[2 * j + 1] = known ? va[2 * j + 1] : 0;
        if (m->cfg.K) {
            if (heat && !dh) memcpy(tr->heat + j * hs, heat + j * hs, hs * sizeof(float));
            else memset(tr->heat + j * hs, 0, hs * sizeof(float));
        }
        tr->t[j] = tn;
        j++;
    }
    we_rng_fill_normal(&tr->rng, tr->noise, (size_t)N * xs);
    int Nl = j, Nall = N;
    if (mine)
        for (int n = 0, k = 0; n < N; n++)
            if (mine[n]) memmove(tr->noise + (size_t)k++ * xs, tr->noise + (size_t)n * xs, xs * sizeof(float));
    N = Nl;
    const float *eps = NULL;
    const float *hb = m->cfg.K ? tr->heat : NULL;
    we_status s;
    if (N == 0) {
        /* no sample here this step: a zero gradient into the sum */
        *loss = 0;
        if (tr->gpu && (s = we_unet_cuda_zero_grads(tr->gpu))) return s;
        if (!tr->gpu) memset(m->grads, 0, m->nparams * sizeof(float));
    } else if (tr->gpu) {
        /* noising, loss and d eps on the host; the network on the device */
        s = we_unet_loss_xt(m, &tr->sched, tr->xt, x0, tr->noise, tr->t, N);
        s = s ? s : we_unet_cuda_zero_grads(tr->gpu);
        s = s ? s : we_unet_cuda_forward(tr->gpu, tr->xt, tr->t, tr->label, tr->va, tr->va_null, hb, N, tr->eps);
        if (s) return s;
        eps = tr->eps;
        *loss = we_unet_loss_eps(m, tr->deps, eps, tr->noise, N);
    } else {
        memset(m->grads, 0, m->nparams * sizeof(float));
        s = we_unet_loss_forward(m, &tr->sched, x0, tr->noise, tr->t, tr->label, tr->va, tr->va_null, hb, N, loss,
                                 tr->xt, tr->deps, &eps);
        if (s) return s;
    }
    if (!multi && !isfinite(*loss)) return we_err_set(WE_EDATA, "train: loss is not finite at step %ld", tr->step + 1);
    /* auxiliary terms add into d eps before the one backward pass */
    tr->l_wav = tr->l_expr = tr->l_va = 0;
    if (hp->lambda_wav > 0 || hp->lambda_expr > 0 || hp->lambda_va > 0) {
        if ((s = we_train_aux_setup(tr))) return s;
        if (hp->lambda_wav > 0 &&
            (s = we_aux_wav(&tr->aux, &tr->sched, tr->xt, eps, x0, tr->t, N, hp->aux_tmax, hp->wav_w_low,
                            hp->wav_w_high, hp->lambda_wav, &tr->l_wav, tr->deps)))
            return s;
        if (hp->lambda_expr > 0 && label &&
            (s = we_aux_expr(&tr->aux, &tr->sched, tr->xt, eps, tr->t, label, N, hp->aux_tmax, hp->lambda_expr,
                             &tr->l_expr, NULL, tr->deps)))
            return s;
        if (hp->lambda_va > 0 && va && va_known &&
            (s = we_aux_va(&tr->aux, &tr->sched, tr->xt, eps, tr->t, va, va_known, N, hp->aux_tmax, hp->lambda_va,
                           &tr->l_va, NULL, tr->deps)))
            return s;
        if (!isfinite(tr->l_wav) || !isfinite(tr->l_expr) || !isfinite(tr->l_va))
            return we_err_set(WE_EDATA, "train: auxiliary loss is not finite at step %ld", tr->step + 1);
    }
    tr->l_lm = tr->l_id = tr->l_bg = 0;
    if (N && (hp->lambda_lm > 0 || hp->lambda_id > 0 || hp->lambda_bg > 0)) {
        we_aux_face *af = &tr->aux_face;
        int tm = hp->aux_tmax, K = hp->aux_items;
        if ((s = we_train_aux_setup(tr))) return s;
        if (hp->lambda_lm > 0 && (s = we_aux_lm(af, &tr->sched, tr->xt, eps, x0, tr->t, N, tm, K,
                                                hp->lambda_lm, &tr->l_lm, NULL, tr->deps)))
            return s;
        if (hp->lambda_id > 0 && (s = we_aux_id(af, &tr->sched, tr->xt, eps, x0, tr->t, N, tm, K, hp->lambda_id,
                                                &tr->l_id, NULL, tr->deps)))
            return s;
        if (hp->lambda_bg > 0 && (s = we_aux_bg(af, &tr->sched, tr->xt, eps, x0, tr->t, tr->lm, tr->lm_known, N, tm,
                                                hp->lambda_bg, &tr->l_bg, NULL, tr->deps)))
            return s;
        if (!isfinite(tr->l_lm) || !isfinite(tr->l_id) || !isfinite(tr->l_bg))
            return we_err_set(WE_EDATA, "train: auxiliary face loss is not finite at step %ld", tr->step + 1);
    }
    we_adamw_params ap;
    we_adamw_params_init(&ap);
    ap.lr = hp->lr;
    ap.beta1 = hp->beta1;
    ap.beta2 = hp->beta2;
    ap.eps = hp->eps;
    ap.weight_decay = hp->weight_decay;
    /* this rank's share of the batch mean (none to take when alone) */
    if (N && N < Nall)
        for (size_t i = 0, n = (size_t)N * xs; i < n; i++) tr->deps[i] *= (float)N / (float)Nall;
    if (tr->gpu) {
        if (N && (s = we_unet_cuda_backward(tr->gpu, tr->deps))) return s;
        if (multi && (s = reduce_part(tr, N, Nall, loss))) return s;
        if (multi && !isfinite(*loss)) return we_err_set(WE_EDATA, "train: loss is not finite at step %ld", tr->step + 1);
        tr->step++;
        return we_train_cuda_optim(tr, &ap, gnorm);
    }
    if (N) we_unet_backward(m, tr->deps);
    if (multi && (s = reduce_part(tr, N, Nall, loss))) return s;
    if (multi && !isfinite(*loss)) return we_err_set(WE_EDATA, "train: loss is not finite at step %ld", tr->step + 1);
    float gn = hp->clip > 0 ? we_optim_clip_grad_norm(m->grads, m->nparams, hp->clip)
                            : we_optim_grad_norm(m->grads, m->nparams);
    if (gnorm) *gnorm = gn;
    tr->step++;
    we_adamw_step(m->params, tr->adam_m, tr->adam_v, m->grads, m->nparams, &ap, tr->step);
    we_optim_ema_update(tr->ema, m->params, m->nparams, hp->ema);
    return WE_OK;
}

int we_train_settings(we_train_params *hp, we_train_run *run, unsigned given, we_runset *set)
{
    const we_runset t[WE_TRAIN_NSET] = {
        {"train.lr", "--lr", WE_RUNSET_FLOAT, &hp->lr, 0, !!(given & WE_SET_LR), 0},
        {"train.ema", "--ema", WE_RUNSET_FLOAT, &hp->ema, 0, !!(given & WE_SET_EMA), 0},
        {"train.clip", "--clip", WE_RUNSET_FLOAT, &hp->clip, 0, !!(given & WE_SET_CLIP), 0},
        {"train.weight_decay", "--weight-decay", WE_RUNSET_FLOAT, &hp->weight_decay, 0, !!(given & WE_SET_WD), 0},
        {"train.p_drop", "--p-drop", WE_RUNSET_FLOAT, &hp->p_drop, 0, !!(given & WE_SET_PDROP), 0},
        {"train.p_all", "--p-all", WE_RUNSET_FLOAT, &hp->p_all, 0, !!(given & WE_SET_PALL), 0},
        {"train.lambda_wav", "--lambda-wav", WE_RUNSET_FLOAT, &hp->lambda_wav, 0, !!(given & WE_AUX_LAMBDA_WAV), 0},
        {"train.wav_w_low", "--wav-weights (LOW)", WE_RUNSET_FLOAT, &hp->wav_w_low, 0, !!(given & WE_AUX_WAV_WEIGHTS), 0},
        {"train.wav_w_high", "--wav-weights (HIGH)", WE_RUNSET_FLOAT, &hp->wav_w_high, 0, !!(given & WE_AUX_WAV_WEIGHTS), 0},
        {"train.lambda_expr", "--lambda-expr", WE_RUNSET_FLOAT, &hp->lambda_expr, 0, !!(given & WE_AUX_LAMBDA_EXPR), 0},
        {"train.lambda_va", "--lambda-va", WE_RUNSET_FLOAT, &hp->lambda_va, 0, !!(given & WE_AUX_LAMBDA_VA), 0},
        {"train.aux_tmax", "--aux-tmax", WE_RUNSET_INT, &hp->aux_tmax, 0, !!(given & WE_AUX_TMAX), 0},
        {"train.lambda_lm", "--lambda-lm", WE_RUNSET_FLOAT, &hp->lambda_lm, 0, !!(given & WE_AUX_LAMBDA_LM), 0},
        {"train.lambda_id", "--lambda-id", WE_RUNSET_FLOAT, &hp->lambda_id, 0, !!(given & WE_AUX_LAMBDA_ID), 0},
        {"train.lambda_bg", "--lambda-bg", WE_RUNSET_FLOAT, &hp->lambda_bg, 0, !!(given & WE_AUX_LAMBDA_BG), 0},
        {"train.aux_items", "--aux-items", WE_RUNSET_INT, &hp->aux_items, 0, !!(given & WE_AUX_ITEMS), 0},
        {"train.batch", "--batch", WE_RUNSET_INT, &run->batch, 0, !!(given & WE_SET_BATCH), 0},
        {"train.seed", "--seed", WE_RUNSET_LONG, &run->seed, 0, !!(given & WE_SET_SEED), 0},
        /* FREE: the CPU sums do not depend on the thread count (OpenBLAS splits
         * rows, the Winograd convs fix their chunks): -T 1 and -T 2 write the
         * same checkpoint (tests/sh/test_wtrain.sh) */
        {"train.threads", "--threads", WE_RUNSET_INT, &run->threads, 0, !!(given & WE_SET_THREADS), WE_RUNSET_FREE},
        {"train.device", "--device", WE_RUNSET_STR, run->device, sizeof run->device, !!(given & WE_SET_DEVICE), 0},
        {"train.data", "the training data (fingerprint)", WE_RUNSET_STR, run->data, sizeof run->data, run->data[0] != 0, 0},
    };
    memcpy(set, t, sizeof t);
    return WE_TRAIN_NSET;
}

/* The `conditions` metadata value. */
static void conditions_string(char *buf, size_t cap, int has_va, int K)
{
    snprintf(buf, cap, "label%s%s", has_va ? ",va" : "", K ? ",heatmap" : "");
}

we_status we_train_save(we_train *tr, const char *path)
{
    const we_unet *m = tr->m;
    we_status s = we_train_sync_host(tr);
    if (s) return s;
    we_st_writer w;
    we_st_writer_init(&w);
    char rng[96], cd[32];
    we_rng_to_hex(&tr->rng, rng);
    conditions_string(cd, sizeof cd, tr->has_va, m->cfg.K);
    int64_t P = (int64_t)m->nparams;
    s = we_unet_config_to_meta(&m->cfg, &w);
    s = s ? s : we_st_writer_meta(&w, "conditions", cd);
    s = s ? s : we_st_writer_metaf(&w, "train.step", "%ld", tr->step);
    s = s ? s : we_st_writer_meta(&w, "train.rng", rng);
    we_runset set[WE_TRAIN_NSET];
    int nset = we_train_settings(&tr->hp, &tr->run, 0, set);
    s = s ? s : we_runset_write(set, nset, &w);
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
    tr->has_va = we_st_meta_lists(f, "conditions", "va");
    /* auxiliary settings, so a resumed run continues with the same loss */
    static const char *const fk[] = {"train.lambda_wav", "train.wav_w_low", "train.wav_w_high", "train.lambda_expr",
                                     "train.lambda_va", "train.lambda_lm", "train.lambda_id", "train.lambda_bg"};
    float *fv[] = {&tr->hp.lambda_wav, &tr->hp.wav_w_low, &tr->hp.wav_w_high, &tr->hp.lambda_expr, &tr->hp.lambda_va,
                   &tr->hp.lambda_lm, &tr->hp.lambda_id, &tr->hp.lambda_bg};
    for (int i = 0; i < 8; i++) {
        const char *v = we_st_meta(f, fk[i]);
        char *end;
        if (!v) continue;
        float x = strtof(v, &end);
        if (end == v || *end) return we_err_set(WE_EDATA, "checkpoint: bad %s '%s'", fk[i], v);
        *fv[i] = x;
    }
    static const char *const ik[] = {"train.aux_tmax", "train.aux_items"};
    int *iv[] = {&tr->hp.aux_tmax, &tr->hp.aux_items};
    for (int i = 0; i < 2; i++) {
        const char *tm = we_st_meta(f, ik[i]);
        char *end;
        if (!tm) continue;
        long x = strtol(tm, &end, 10);
        if (end == tm || *end || x < 0 || x > 1000000) return we_err_set(WE_EDATA, "checkpoint: bad %s '%s'", ik[i], tm);
        *iv[i] = (int)x;
    }
    if ((s = we_train_cuda_upload(tr))) return s;
    return we_train_aux_setup(tr);
}

we_status we_train_export(const we_st_file *f, const char *path, int f16, float edit_guidance)
{
    we_unet_config cfg;
    we_status s = we_unet_config_from_meta(&cfg, f);
    if (s) return s;
    we_unet m;
    if ((s = we_unet_create(&m, &cfg, 1))) return s;
    const char *prefix = we_unet_weights_prefix(f, 1);
    s = we_unet_load(&m, f, prefix);
    we_st_writer w;
    we_st_writer_init(&w);
    const char *st = we_st_meta(f, "train.step");
    char cd[32];
    conditions_string(cd, sizeof cd, we_st_meta_lists(f, "conditions", "va"), cfg.K);
    s = s ? s : we_unet_config_to_meta(&cfg, &w);
    s = s ? s : we_st_writer_meta(&w, "conditions", cd);
    s = s ? s : we_st_writer_meta(&w, "trained_steps", st ? st : "unknown");
    s = s ? s : we_st_writer_meta(&w, "weights", *prefix ? "ema" : "raw");
    if (edit_guidance > 0) s = s ? s : we_st_writer_metaf(&w, "edit.guidance", "%.6g", edit_guidance);
    uint16_t *h = NULL; /* the writer keeps pointers: h lives until the save */
    if (!s && f16) {
        if (!(h = malloc(sizeof *h * m.nparams))) s = we_err_set(WE_ENOMEM, "export: out of memory");
        for (size_t i = 0; !s && i < m.nparams; i++) h[i] = we_f32_to_f16(m.params[i]);
    }
    s = s ? s : we_unet_add_tensors_as(&m, &w, "", f16 ? (const void *)h : m.params, f16 ? WE_ST_F16 : WE_ST_F32);
    s = s ? s : we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    free(h);
    we_unet_free(&m);
    return s;
}

we_status we_train_log_open(FILE **out, const char *path, int resume, long step, int aux_on)
{
    we_status s;
    if (resume && (s = we_runset_cut_log(path, step, NULL))) return s;
    FILE *probe = fopen(path, "r");
    int exists = probe != NULL;
    if (probe) fclose(probe);
    if (!(*out = fopen(path, resume ? "a" : "w"))) return we_err_set(WE_EIO, "cannot open %s", path);
    if (!resume || !exists)
        fprintf(*out, "step,loss,grad_norm,lr,seconds%s%s%s\n", aux_on & 1 ? ",l_wav,l_expr" : "", aux_on & 2 ? ",l_va" : "",
                aux_on & 4 ? ",l_lm,l_id,l_bg" : "");
    return WE_OK;
}

void we_train_log_step(FILE *csv, const we_train *tr, float loss, float gnorm, double seconds, int aux_on)
{
    fprintf(csv, "%ld,%.6f,%.4f,%.3g,%.2f", tr->step, loss, gnorm, tr->hp.lr, seconds);
    if (aux_on & 1) fprintf(csv, ",%.6f,%.6f", tr->l_wav, tr->l_expr);
    if (aux_on & 2) fprintf(csv, ",%.6f", tr->l_va);
    if (aux_on & 4) fprintf(csv, ",%.6f,%.6f,%.6f", tr->l_lm, tr->l_id, tr->l_bg);
    fputc('\n', csv);
    fflush(csv);
}

void we_train_log_aux(char *buf, size_t cap, const we_train *tr, int aux_on)
{
    int k = 0;
    buf[0] = 0;
    if (aux_on & 1) k = snprintf(buf, cap, " l_wav %.5f l_expr %.5f", tr->l_wav, tr->l_expr);
    if ((aux_on & 2) && k >= 0 && (size_t)k < cap) k += snprintf(buf + k, cap - (size_t)k, " l_va %.5f", tr->l_va);
    if ((aux_on & 4) && k >= 0 && (size_t)k < cap)
        snprintf(buf + k, cap - (size_t)k, " l_lm %.5f l_id %.5f l_bg %.5f", tr->l_lm, tr->l_id, tr->l_bg);
}

int we_train_aux_on(const we_train_params *hp)
{
    return (hp->lambda_wav > 0 || hp->lambda_expr > 0 || hp->lambda_va > 0) | (hp->lambda_va > 0) << 1 |
           (hp->lambda_lm > 0 || hp->lambda_id > 0 || hp->lambda_bg > 0) << 2;
}
