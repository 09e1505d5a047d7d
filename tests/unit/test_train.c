/* test_train.c - training state: a run of N steps and a run of k steps,
 * checkpoint, fresh process state, resume, N-k steps must give bit-identical
 * weights, EMA and AdamW moments; condition dropout and loss sanity. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "train_data.h"
#include "we_train.h"

#define NDATA 8
#define B 4

static void tiny_config(we_unet_config *c)
{
    we_unet_config_init(c);
    c->S = 16, c->C = 1, c->K = 2, c->nf = 8, c->nlevels = 2;
    c->mult[0] = 1, c->mult[1] = 2;
    c->num_res = 1, c->nattn = 1, c->attn[0] = 1;
}

typedef train_data data;

static void make_data(data *d, const we_unet *m)
{
    train_data_make(d, m, NDATA, 77);
    for (int i = 0; i < NDATA; i++) {
        d->label[i] = i % 9;
        d->vk[i] = i % 2;
        d->va[2 * i] = 0.1f * i, d->va[2 * i + 1] = -0.1f * i;
    }
}

/* one step on a batch drawn with the trainer's RNG (as wtrain does) */
static float step(we_train *tr, const data *d)
{
    const we_unet *m = tr->m;
    float xb[B * 4 * 64], hb[B * 2 * 64], vb[2 * B];
    int32_t lb[B], kb[B];
    for (int b = 0; b < B; b++) {
        int i = (int)we_rng_below(&tr->rng, NDATA);
        memcpy(xb + b * m->xsize, d->x + i * m->xsize, sizeof(float) * m->xsize);
        memcpy(hb + b * m->heatsize, d->heat + i * m->heatsize, sizeof(float) * m->heatsize);
        lb[b] = d->label[i], kb[b] = d->vk[i];
        vb[2 * b] = d->va[2 * i], vb[2 * b + 1] = d->va[2 * i + 1];
    }
    float loss, gn;
    we_status s = we_train_step(tr, xb, lb, vb, kb, hb, B, &loss, &gn);
    return s ? NAN : loss;
}

int main(void)
{
    we_unet_config cfg;
    tiny_config(&cfg);
    we_train_params hp;
    we_train_params_init(&hp);
    hp.lr = 1e-3f;
    hp.ema = 0.9f;
    const int NS = 6, KS = 3;

    /* run A: NS steps straight */
    we_unet ma;
    CHECK(we_unet_create(&ma, &cfg, B) == WE_OK, "create model A");
    data d;
    make_data(&d, &ma);
    we_rng ir;
    we_rng_seed(&ir, 3);
    we_unet_init_params(&ma, &ir);
    we_train ta;
    CHECK(we_train_init(&ta, &ma, &hp, 11) == WE_OK, "train init A");
    float la[16];
    for (int i = 0; i < NS; i++) la[i] = step(&ta, &d);
    CHECK(isfinite(la[NS - 1]), "losses finite");
    printf("     losses A:");
    for (int i = 0; i < NS; i++) printf(" %.5f", la[i]);
    printf("\n");

    /* run B: KS steps, save, throw everything away, resume, NS-KS steps */
    char path[] = "/tmp/test_train_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    {
        we_unet mb;
        we_unet_create(&mb, &cfg, B);
        we_rng_seed(&ir, 3);
        we_unet_init_params(&mb, &ir);
        we_train tb;
        we_train_init(&tb, &mb, &hp, 11);
        int same = 1;
        for (int i = 0; i < KS; i++) same &= step(&tb, &d) == la[i];
        CHECK(same, "same seed, same losses");
        CHECK(we_train_save(&tb, path) == WE_OK, "save training checkpoint");
        we_train_free(&tb);
        we_unet_free(&mb);
    }
    {
        we_st_file f;
        CHECK(we_st_read(&f, path) == WE_OK, "read checkpoint");
        we_unet_config c2;
        CHECK(we_unet_config_from_meta(&c2, &f) == WE_OK, "config from checkpoint");
        CHECK(we_st_find(&f, "ema.conv_in.weight") && we_st_find(&f, "train.adam_m") &&
              we_st_meta(&f, "train.rng"), "checkpoint holds EMA, moments and RNG");
        we_unet mc;
        we_unet_create(&mc, &c2, B);
        we_train tc;
        we_train_init(&tc, &mc, &hp, 999); /* seed overridden by the checkpoint */
        CHECK(we_train_load(&tc, &f) == WE_OK, "resume");
        CHECK(tc.step == KS, "step restored");
        int same = 1;
        for (int i = KS; i < NS; i++) same &= step(&tc, &d) == la[i];
        CHECK(same, "resumed losses equal the uninterrupted run's");
        CHECK(!memcmp(mc.params, ma.params, ma.nparams * 4), "resumed weights bit-identical");
        CHECK(!memcmp(tc.ema, ta.ema, ma.nparams * 4), "resumed EMA bit-identical");
        CHECK(!memcmp(tc.adam_m, ta.adam_m, ma.nparams * 4) && !memcmp(tc.adam_v, ta.adam_v, ma.nparams * 4),
              "resumed AdamW moments bit-identical");
        we_train_free(&tc);
        we_unet_free(&mc);
        we_st_free(&f);
    }
    unlink(path);

    /* a checkpoint without training state cannot be resumed */
    {
        we_st_writer w;
        we_st_writer_init(&w);
        we_unet_config_to_meta(&cfg, &w);
        we_unet_add_tensors(&ma, &w, "", ma.params);
        we_unet_add_tensors(&ma, &w, "ema.", ma.params);
        uint8_t *buf;
        size_t n;
        we_st_writer_serialize(&w, &buf, &n);
        we_st_file f;
        we_st_parse(&f, buf, n);
        we_train tmp;
        we_unet mt;
        we_unet_create(&mt, &cfg, B);
        we_train_init(&tmp, &mt, &hp, 1);
        CHECK(we_train_load(&tmp, &f) == WE_EDATA, "weights-only file refused for resume");
        we_train_free(&tmp);
        we_unet_free(&mt);
        we_st_free(&f);
        free(buf);
        we_st_writer_free(&w);
    }

    /* condition dropout rates: p_all + p_drop over many draws */
    {
        we_train_params h2 = hp;
        h2.p_drop = 0.15f, h2.p_all = 0.1f;
        we_train t2;
        we_train_init(&t2, &ma, &h2, 5);
        int nullcnt = 0, tot = 0;
        for (int it = 0; it < 250; it++) {
            /* dropout only: emulate the per-sample draws of we_train_step */
            for (int n = 0; n < B; n++) {
                int all = we_rng_uniform(&t2.rng) < h2.p_all;
                int dl = all || we_rng_uniform(&t2.rng) < h2.p_drop;
                we_rng_uniform(&t2.rng), we_rng_uniform(&t2.rng);
                nullcnt += dl, tot++;
            }
        }
        double rate = (double)nullcnt / tot;
        printf("     label dropped in %.3f of samples (expect 0.1 + 0.9*0.15 = 0.235)\n", rate);
        CHECK(fabs(rate - 0.235) < 0.04, "label dropout rate");
        we_train_free(&t2);
    }

    /* loss goes down when overfitting a fixed batch with a fixed t */
    {
        we_unet mo;
        we_unet_create(&mo, &cfg, B);
        we_rng_seed(&ir, 4);
        we_unet_init_params(&mo, &ir);
        we_sched sch;
        we_sched_init(&sch, WE_SCHED_LINEAR, 1000);
        float *acm = calloc(mo.nparams, 4), *acv = calloc(mo.nparams, 4), *noise = malloc(sizeof(float) * B * mo.xsize);
        we_rng nr;
        we_rng_seed(&nr, 8);
        we_rng_fill_normal(&nr, noise, (size_t)B * mo.xsize);
        int32_t t[B] = {100, 300, 500, 700}, lab[B] = {1, 2, 3, 8}, vn[B] = {1, 1, 1, 1};
        we_adamw_params ap;
        we_adamw_params_init(&ap);
        ap.lr = 2e-3f, ap.weight_decay = 0;
        float first = 0, last = 0;
        for (int i = 1; i <= 40; i++) {
            memset(mo.grads, 0, mo.nparams * 4);
            float l;
            we_unet_loss(&mo, &sch, d.x, noise, t, lab, NULL, vn, d.heat, B, 1, &l, NULL);
            if (i == 1) first = l;
            last = l;
            we_adamw_step(mo.params, acm, acv, mo.grads, mo.nparams, &ap, i);
        }
        printf("     overfit fixed batch: loss %.4f -> %.4f\n", first, last);
        CHECK(last < 0.5f * first, "40 AdamW steps halve the loss on a fixed batch");
        free(acm), free(acv), free(noise);
        we_sched_free(&sch);
        we_unet_free(&mo);
    }

    we_train_free(&ta);
    we_unet_free(&ma);
    train_data_free(&d);
    return check_summary();
}
