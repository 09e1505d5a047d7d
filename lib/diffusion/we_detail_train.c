/* we_detail_train.c - training of the detail network (see we_detail_train.h). */
#include "we_detail_train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void we_detail_train_params_init(we_detail_train_params *p)
{
    p->lr = 1e-3f;
    p->weight_decay = 0;
    p->clip = 1.0f;
    p->ema = 0.999f;
    p->batch = 16;
}

void we_detail_train_u8_to_f32(float *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = (float)in[i] / 127.5f - 1.0f;
}

/* Everything but the weights' values: buffers for the batch, moments. */
static we_status alloc_rest(we_detail_trainer *t)
{
    const we_detail_sim_params *sp = &t->sim.p;
    size_t PP = (size_t)sp->P * (size_t)sp->P, B = (size_t)t->hp.batch, np = t->net.num_params;
    if (t->hp.batch < 1 || t->hp.batch > 4096) return we_err_set(WE_EUSAGE, "batch %d out of range 1..4096", t->hp.batch);
    t->adam_m = calloc(np, sizeof(float));
    t->adam_v = calloc(np, sizeof(float));
    t->inp = malloc(B * WE_DETAIL_CIN * PP * sizeof(float));
    t->tgt = malloc(B * 3 * PP * sizeof(float));
    t->wgt = malloc(B * PP * sizeof(float));
    t->pred = malloc(B * 3 * PP * sizeof(float));
    t->dpred = malloc(B * 3 * PP * sizeof(float));
    t->face = malloc((size_t)sp->S * (size_t)sp->S * sizeof(float));
    if (!t->adam_m || !t->adam_v || !t->inp || !t->tgt || !t->wgt || !t->pred || !t->dpred || !t->face)
        return we_err_set(WE_ENOMEM, "detail training: batch buffers");
    return we_detail_zero_grad(&t->net);
}

we_status we_detail_train_init(we_detail_trainer *t, const we_detail_config *c, const we_detail_sim_params *sp,
                               const we_detail_train_params *hp, uint64_t seed)
{
    memset(t, 0, sizeof *t);
    t->hp = *hp;
    we_status s = we_detail_sim_alloc(&t->sim, sp);
    s = s ? s : we_detail_create(&t->net, c);
    s = s ? s : we_detail_create(&t->ema, c);
    if (!s) {
        we_detail_init_weights(&t->net, seed);
        memcpy(t->ema.params, t->net.params, t->net.num_params * sizeof(float));
        we_rng_seed(&t->rng, seed);
        t->seed = (long)seed;
        s = alloc_rest(t);
    }
    if (s) we_detail_train_free(t);
    return s;
}

void we_detail_train_free(we_detail_trainer *t)
{
    we_detail_free(&t->net);
    we_detail_free(&t->ema);
    we_detail_sim_free(&t->sim);
    free(t->adam_m), free(t->adam_v), free(t->inp), free(t->tgt), free(t->wgt), free(t->pred), free(t->dpred);
    free(t->face);
    memset(t, 0, sizeof *t);
}

we_status we_detail_train_step(we_detail_trainer *t, const uint8_t *const *faces, size_t n, float *loss,
                               float *gnorm)
{
    const we_detail_sim_params *sp = &t->sim.p;
    int P = sp->P, B = t->hp.batch;
    size_t PP = (size_t)P * (size_t)P, S2 = (size_t)sp->S * (size_t)sp->S;
    if (!n) return we_err_set(WE_EUSAGE, "no faces to train on");
    for (int b = 0; b < B; b++) {
        size_t k = (size_t)we_rng_below(&t->rng, n);
        we_detail_train_u8_to_f32(t->face, faces[k], S2);
        we_status s = we_detail_sim_edit(&t->sim, t->face, &t->rng);
        if (s) return s;
        int level = 1 + (int)((t->step * (long)B + b) % sp->J);
        we_detail_sim_sample(&t->sim, t->inp + (size_t)b * WE_DETAIL_CIN * PP, t->tgt + (size_t)b * 3 * PP,
                             t->wgt + (size_t)b * PP, level, &t->rng);
    }
    we_status s = we_detail_forward(&t->net, t->pred, t->inp, B, P, P);
    if (s) return s;
    float l = we_detail_sim_l1(t->dpred, t->pred, t->tgt, t->wgt, B, PP);
    if ((s = we_detail_zero_grad(&t->net))) return s;
    if ((s = we_detail_backward(&t->net, NULL, t->dpred, t->inp, B, P, P))) return s;
    size_t np = t->net.num_params;
    float gn = t->hp.clip > 0 ? we_optim_clip_grad_norm(t->net.grads, np, t->hp.clip) : we_optim_grad_norm(t->net.grads, np);
    we_adamw_params ap;
    we_adamw_params_init(&ap);
    ap.lr = t->hp.lr, ap.weight_decay = t->hp.weight_decay;
    t->step++;
    we_adamw_step(t->net.params, t->adam_m, t->adam_v, t->net.grads, np, &ap, t->step);
    /* EMA decay warmed up as min(ema, (1 + t) / (10 + t)): early on the EMA
     * follows the weights instead of averaging the random start in */
    float dec = (1.0f + (float)t->step) / (10.0f + (float)t->step);
    we_optim_ema_update(t->ema.params, t->net.params, np, dec < t->hp.ema ? dec : t->hp.ema);
    if (loss) *loss = l;
    if (gnorm) *gnorm = gn;
    return WE_OK;
}

we_status we_detail_train_eval(we_detail_trainer *t, const uint8_t *const *faces, size_t n, uint64_t seed,
                               we_detail_sim_score *sc)
{
    const we_detail_sim_params *sp = &t->sim.p;
    size_t S2 = (size_t)sp->S * (size_t)sp->S;
    memset(sc, 0, (size_t)sp->J * sizeof *sc);
    we_rng r;
    we_rng_seed(&r, seed);
    for (size_t k = 0; k < n; k++) {
        we_detail_train_u8_to_f32(t->face, faces[k], S2);
        we_status s = we_detail_sim_edit(&t->sim, t->face, &r);
        for (int j = 1; j <= sp->J && !s; j++) s = we_detail_sim_eval(&t->sim, &t->ema, j, &sc[j - 1]);
        if (s) return s;
    }
    return WE_OK;
}

we_status we_detail_train_save(const we_detail_trainer *t, const char *path)
{
    we_st_writer w;
    we_st_writer_init(&w);
    int64_t np[1] = {(int64_t)t->net.num_params};
    char rng[96];
    we_rng_to_hex(&t->rng, rng);
    const we_detail_sim_params *sp = &t->sim.p;
    we_status s = we_detail_add_to_writer(&t->ema, t->ema.params, &w);
    s = s ? s : we_st_writer_add(&w, "train.params", WE_ST_F32, 1, np, t->net.params);
    s = s ? s : we_st_writer_add(&w, "train.adam_m", WE_ST_F32, 1, np, t->adam_m);
    s = s ? s : we_st_writer_add(&w, "train.adam_v", WE_ST_F32, 1, np, t->adam_v);
    s = s ? s : we_st_writer_metaf(&w, "train.step", "%ld", t->step);
    s = s ? s : we_st_writer_meta(&w, "train.rng", rng);
    s = s ? s : we_st_writer_metaf(&w, "train.lr", "%.9g", t->hp.lr);
    s = s ? s : we_st_writer_metaf(&w, "train.weight_decay", "%.9g", t->hp.weight_decay);
    s = s ? s : we_st_writer_metaf(&w, "train.clip", "%.9g", t->hp.clip);
    s = s ? s : we_st_writer_metaf(&w, "train.ema", "%.9g", t->hp.ema);
    s = s ? s : we_st_writer_metaf(&w, "train.batch", "%d", t->hp.batch);
    s = s ? s : we_st_writer_metaf(&w, "train.patch", "%d", sp->P);
    s = s ? s : we_st_writer_metaf(&w, "train.S", "%d", sp->S);
    s = s ? s : we_st_writer_metaf(&w, "train.J", "%d", sp->J);
    s = s ? s : we_st_writer_metaf(&w, "train.seed", "%ld", t->seed);
    s = s ? s : we_st_writer_metaf(&w, "train.threads", "%d", t->threads);
    if (t->data[0]) s = s ? s : we_st_writer_meta(&w, "train.data", t->data);
    s = s ? s : we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    return s;
}

static we_status meta_num(const we_st_file *f, const char *key, double *out)
{
    const char *v = we_st_meta(f, key);
    char *end;
    if (!v) return we_err_set(WE_EDATA, "checkpoint metadata '%s' missing", key);
    *out = strtod(v, &end);
    if (end == v || *end) return we_err_set(WE_EDATA, "checkpoint metadata '%s' is not a number", key);
    return WE_OK;
}

int we_detail_train_settings(we_detail_run *r, unsigned given, we_runset *set)
{
    const we_runset tb[WE_DETAIL_NSET] = {
        {"train.lr", "--lr", WE_RUNSET_FLOAT, &r->hp.lr, 0, !!(given & WE_DSET_LR), WE_RUNSET_CHECK},
        {"train.batch", "--batch", WE_RUNSET_INT, &r->hp.batch, 0, !!(given & WE_DSET_BATCH), WE_RUNSET_CHECK},
        {"train.seed", "--seed", WE_RUNSET_LONG, &r->seed, 0, !!(given & WE_DSET_SEED), WE_RUNSET_FIXED},
        /* the convolutions' sums do not depend on the thread count */
        {"train.threads", "--threads", WE_RUNSET_INT, &r->threads, 0, !!(given & WE_DSET_THREADS), WE_RUNSET_FREE},
        {"detail.nf", "--nf", WE_RUNSET_INT, &r->dc.nf, 0, !!(given & WE_DSET_NF), WE_RUNSET_FIXED},
        {"detail.layers", "--layers", WE_RUNSET_INT, &r->dc.layers, 0, !!(given & WE_DSET_LAYERS), WE_RUNSET_FIXED},
        {"train.S", "--size", WE_RUNSET_INT, &r->S, 0, !!(given & WE_DSET_SIZE), WE_RUNSET_FIXED},
        {"train.J", "--levels", WE_RUNSET_INT, &r->J, 0, !!(given & WE_DSET_LEVELS), WE_RUNSET_FIXED},
        {"train.patch", "--patch", WE_RUNSET_INT, &r->P, 0, !!(given & WE_DSET_PATCH), WE_RUNSET_FIXED},
        {"train.data", "the training faces (fingerprint)", WE_RUNSET_STR, r->data, sizeof r->data, 1, WE_RUNSET_CHECK},
    };
    memcpy(set, tb, sizeof tb);
    return WE_DETAIL_NSET;
}

void we_detail_train_data_hash(const uint8_t *const *faces, size_t n, int S, char hex[17])
{
    unsigned long long h = we_runset_hash(WE_RUNSET_HASH0, &n, sizeof n);
    h = we_runset_hash(h, &S, sizeof S);
    for (size_t i = 0; i < n; i++) h = we_runset_hash(h, faces[i], (size_t)S * (size_t)S);
    snprintf(hex, 17, "%016llx", h);
}

we_status we_detail_train_resume(we_detail_trainer *t, const char *path, const we_detail_train_params *hp)
{
    memset(t, 0, sizeof *t);
    we_st_file f;
    we_status s = we_st_read(&f, path);
    if (s) return s;
    double step, lr, wd, clip, ema, batch, P, S, J;
    s = meta_num(&f, "train.step", &step);
    s = s ? s : meta_num(&f, "train.lr", &lr);
    s = s ? s : meta_num(&f, "train.weight_decay", &wd);
    s = s ? s : meta_num(&f, "train.clip", &clip);
    s = s ? s : meta_num(&f, "train.ema", &ema);
    s = s ? s : meta_num(&f, "train.batch", &batch);
    s = s ? s : meta_num(&f, "train.patch", &P);
    s = s ? s : meta_num(&f, "train.S", &S);
    s = s ? s : meta_num(&f, "train.J", &J);
    const char *rng = we_st_meta(&f, "train.rng");
    if (!s && !rng) s = we_err_set(WE_EDATA, "%s: not a wdtrain checkpoint (no train.rng)", path);
    we_detail_sim_params sp;
    memset(&sp, 0, sizeof sp);
    if (!s) {
        we_detail_sim_params_init(&sp, (int)S, (int)J);
        sp.P = (int)P;
        t->hp.lr = (float)lr, t->hp.weight_decay = (float)wd, t->hp.clip = (float)clip, t->hp.ema = (float)ema;
        t->hp.batch = (int)batch;
        if (hp) t->hp.lr = hp->lr, t->hp.batch = hp->batch;
        t->step = (long)step;
        const char *v = we_st_meta(&f, "train.seed"), *th = we_st_meta(&f, "train.threads"), *dh = we_st_meta(&f, "train.data");
        t->seed = v ? strtol(v, NULL, 10) : 0;
        t->threads = th ? (int)strtol(th, NULL, 10) : 0;
        snprintf(t->data, sizeof t->data, "%s", dh ? dh : "");
        if (we_rng_from_hex(&t->rng, rng)) s = we_err_set(WE_EDATA, "%s: bad train.rng", path);
    }
    s = s ? s : we_detail_sim_alloc(&t->sim, &sp);
    s = s ? s : we_detail_load(&t->ema, &f);
    s = s ? s : we_detail_create(&t->net, &t->ema.cfg);
    s = s ? s : alloc_rest(t);
    size_t np = t->net.num_params;
    s = s ? s : we_st_get_f32(&f, "train.params", t->net.params, np, 0, NULL);
    s = s ? s : we_st_get_f32(&f, "train.adam_m", t->adam_m, np, 0, NULL);
    s = s ? s : we_st_get_f32(&f, "train.adam_v", t->adam_v, np, 0, NULL);
    we_st_free(&f);
    if (s) we_detail_train_free(t);
    return s;
}
