/* test_aux.c - auxiliary losses (lib/diffusion/we_aux.h): finite-difference checks of
 * the L_wav, L_expr and L_VA gradients w.r.t. eps_hat (C = 1 and 3, S 16, 32
 * and 64, a sample above the t cutoff gets no gradient, clean channels of
 * region=high get none), label mapping, the loss split of we_unet_loss, and
 * a training step with all lambdas 0 bit-identical to the plain DDPM step.
 * The loss net is our expression classifier (lib/face/we_fexpr.h), here a
 * freshly initialised one written to a temporary file (no data needed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aux_fixture.h"
#include "check.h"
#include "we_aux.h"
#include "we_dwt.h"
#include "we_emotion.h"
#include "we_fexpr.h"
#include "we_train.h"

#define N 3
#define TMAX 400

static const int32_t T3[N] = {30, 250, 700}; /* last one above the cutoff */


/* x0, xt = sqrt(a) x0 + sqrt(1-a) noise on the noised channels, eps = noise
 * + an offset of 0.1..0.3 with a random sign (so |x0_hat - x0| stays away
 * from the L1 kink under the finite-difference steps). */
static void make_batch(const we_aux *a, const we_sched *s, we_rng *r, float *x0, float *xt, float *eps)
{
    size_t n = (size_t)N * a->xsize;
    we_rng_fill_normal(r, x0, n);
    for (size_t i = 0; i < n; i++) x0[i] *= 0.5f;
    for (int b = 0; b < N; b++) {
        double ab = s->acp[T3[b]];
        aux_fixture_noise(x0, xt, eps, b, a->xsize, 4 * a->cfg.C, a->hw, a->lo, a->hi, ab, r);
    }
}

typedef float (*lossfn)(we_aux *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                        const int32_t *lab, float *deps);

static float f_wav(we_aux *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                   const int32_t *lab, float *deps)
{
    (void)lab;
    float l = NAN;
    if (we_aux_wav(a, s, xt, eps, x0, T3, N, TMAX, 0.1f, 1.0f, 1.0f, &l, deps)) return NAN;
    return l;
}

static float f_expr(we_aux *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                    const int32_t *lab, float *deps)
{
    (void)x0;
    float l = NAN;
    if (we_aux_expr(a, s, xt, eps, T3, lab, N, TMAX, 1.0f, &l, NULL, deps)) return NAN;
    return l;
}

/* L_VA with targets per sample (sample 1's va unknown: not counted) */
static float f_va(we_aux *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                  const int32_t *lab, float *deps)
{
    (void)x0, (void)lab;
    static const float va[2 * N] = {0.9f, 0.6f, 0.2f, -0.3f, -0.7f, 0.5f};
    static const int32_t known[N] = {1, 0, 1};
    float l = NAN;
    if (we_aux_va(a, s, xt, eps, T3, va, known, N, TMAX, 1.0f, &l, NULL, deps)) return NAN;
    return l;
}

/* gradient of fn vs central differences (step h per coordinate, hdir along
 * the random unit direction): every sample's coordinates with
 * the largest |g| (8 of them), plus a random direction. Returns the worst
 * relative error; checks zero gradient for sample 2 and the clean channels. */
static double fd_check(const char *what, lossfn fn, we_aux *a, const we_sched *s, const int32_t *lab, double h,
                       double hdir, double tol)
{
    size_t n = (size_t)N * a->xsize;
    float *x0 = malloc(sizeof(float) * n), *xt = malloc(sizeof(float) * n), *eps = malloc(sizeof(float) * n);
    float *g = calloc(n, sizeof(float)), *v = malloc(sizeof(float) * n), *e2 = malloc(sizeof(float) * n);
    we_rng r;
    we_rng_seed(&r, 11);
    make_batch(a, s, &r, x0, xt, eps);
    float l0 = fn(a, s, xt, eps, x0, lab, g);
    char msg[160];
    snprintf(msg, sizeof msg, "%s: loss finite and > 0 (%.5f)", what, l0);
    CHECK(isfinite(l0) && l0 > 0, msg);
    /* sample 2 (t above the cutoff) and the clean channels: no gradient */
    int zero = 1, clean = 1;
    for (int i = 0; i < a->xsize; i++) zero &= g[2 * (size_t)a->xsize + i] == 0.0f;
    for (int b = 0; b < N; b++)
        for (int c = 0; c < 4 * a->cfg.C; c++)
            if (c < a->lo || c >= a->hi)
                for (int i = 0; i < a->hw; i++) clean &= g[(size_t)b * a->xsize + (size_t)c * a->hw + i] == 0.0f;
    snprintf(msg, sizeof msg, "%s: zero gradient for t >= aux_tmax", what);
    CHECK(zero, msg);
    snprintf(msg, sizeof msg, "%s: zero gradient on the clean (un-noised) channels", what);
    CHECK(clean, msg);
    double worst = 0;
    /* the 8 largest |g| coordinates */
    for (int k = 0; k < 8; k++) {
        size_t best = 0;
        for (size_t i = 0; i < n; i++)
            if (fabsf(g[i]) > fabsf(g[best])) best = i;
        float gi = g[best], keep = eps[best];
        eps[best] = keep + (float)h;
        double lp = fn(a, s, xt, eps, x0, lab, NULL);
        eps[best] = keep - (float)h;
        double lm = fn(a, s, xt, eps, x0, lab, NULL);
        eps[best] = keep;
        double fd = (lp - lm) / (2 * h), err = fabs(fd - gi) / fmax(fabs(gi), 1e-12);
        if (err > worst) worst = err;
        g[best] = 0; /* next largest */
        if (k == 0) printf("     %s: largest |g| %.4g, fd %.4g\n", what, gi, fd);
    }
    /* random direction over every coordinate */
    memset(g, 0, sizeof(float) * n);
    fn(a, s, xt, eps, x0, lab, g);
    double gv = 0, vn = 0;
    for (size_t i = 0; i < n; i++) v[i] = (float)we_rng_normal(&r), vn += (double)v[i] * v[i];
    vn = sqrt(vn);
    for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] / vn), gv += (double)g[i] * v[i];
    for (size_t i = 0; i < n; i++) e2[i] = eps[i] + (float)hdir * v[i];
    double lp = fn(a, s, xt, e2, x0, lab, NULL);
    for (size_t i = 0; i < n; i++) e2[i] = eps[i] - (float)hdir * v[i];
    double lm = fn(a, s, xt, e2, x0, lab, NULL);
    double fd = (lp - lm) / (2 * hdir), derr = fabs(fd - gv) / fmax(fabs(gv), 1e-12);
    printf("     %s: directional g.v %.6g, fd %.6g (rel %.2e); worst coordinate rel %.2e\n", what, gv, fd, derr,
           worst);
    if (derr > worst) worst = derr;
    snprintf(msg, sizeof msg, "%s: finite differences match (worst rel err %.2e <= %g)", what, worst, tol);
    CHECK(worst <= tol, msg);
    free(x0), free(xt), free(eps), free(g), free(v), free(e2);
    return worst;
}

/* the old training step (before the aux split), written out: must match
 * we_train_step with every lambda 0 bit for bit */
static void ref_step(we_unet *m, we_sched *sch, we_rng *rng, const we_train_params *hp, float *am, float *av,
                     float *ema, long step, const float *x0, const int32_t *label, int B)
{
    int32_t t[8], lab[8], vn[8];
    float va[16];
    float *noise = malloc(sizeof(float) * (size_t)B * m->xsize);
    for (int n = 0; n < B; n++) {
        int all = we_rng_uniform(rng) < hp->p_all;
        int dl = all || we_rng_uniform(rng) < hp->p_drop;
        int dv = all || we_rng_uniform(rng) < hp->p_drop;
        int dh = all || we_rng_uniform(rng) < hp->p_drop;
        (void)dv, (void)dh;
        lab[n] = dl ? WE_UNET_NULL_LABEL : label[n];
        vn[n] = 1, va[2 * n] = va[2 * n + 1] = 0;
        t[n] = (int32_t)we_rng_below(rng, (uint64_t)m->cfg.T);
    }
    we_rng_fill_normal(rng, noise, (size_t)B * m->xsize);
    memset(m->grads, 0, m->nparams * sizeof(float));
    float loss;
    we_unet_loss(m, sch, x0, noise, t, lab, va, vn, NULL, B, 1, &loss, NULL);
    if (getenv("DBG")) printf("ref loss %.9g\n", loss);
    we_optim_clip_grad_norm(m->grads, m->nparams, hp->clip);
    we_adamw_params ap;
    we_adamw_params_init(&ap);
    ap.lr = hp->lr, ap.beta1 = hp->beta1, ap.beta2 = hp->beta2, ap.eps = hp->eps, ap.weight_decay = hp->weight_decay;
    we_adamw_step(m->params, am, av, m->grads, m->nparams, &ap, step);
    we_optim_ema_update(ema, m->params, m->nparams, hp->ema);
    free(noise);
}

static void test_train_paths(void)
{
    enum { B = 4 };
    we_unet_config cfg;
    aux_fixture_config(&cfg, 16, 1, WE_REGION_ALL);
    we_unet ma, mb;
    we_unet_create(&ma, &cfg, B);
    we_unet_create(&mb, &cfg, B);
    we_rng ir;
    we_rng_seed(&ir, 5);
    we_unet_init_params(&ma, &ir);
    memcpy(mb.params, ma.params, ma.nparams * sizeof(float));
    float *x0 = malloc(sizeof(float) * B * ma.xsize);
    we_rng_seed(&ir, 6);
    we_rng_fill_normal(&ir, x0, (size_t)B * ma.xsize);
    int32_t label[B] = {1, 2, 7, 8};

    /* 1. loss split: we_unet_loss == we_unet_loss_forward + we_unet_backward */
    {
        we_sched sch;
        we_sched_init(&sch, cfg.schedule, cfg.T);
        float *noise = malloc(sizeof(float) * B * ma.xsize), *xt = malloc(sizeof(float) * B * ma.xsize);
        float *xt2 = malloc(sizeof(float) * B * ma.xsize), *d = malloc(sizeof(float) * B * ma.xsize);
        float *g1 = malloc(sizeof(float) * ma.nparams);
        we_rng_fill_normal(&ir, noise, (size_t)B * ma.xsize);
        int32_t t[B] = {3, 100, 500, 999}, vn[B] = {1, 1, 1, 1};
        float l1, l2;
        memset(ma.grads, 0, ma.nparams * 4);
        we_unet_loss(&ma, &sch, x0, noise, t, label, NULL, vn, NULL, B, 1, &l1, xt);
        memcpy(g1, ma.grads, ma.nparams * 4);
        memset(ma.grads, 0, ma.nparams * 4);
        const float *eps = NULL;
        CHECK(we_unet_loss_forward(&ma, &sch, x0, noise, t, label, NULL, vn, NULL, B, &l2, xt2, d, &eps) == WE_OK,
              "we_unet_loss_forward runs");
        we_unet_backward(&ma, d);
        CHECK(l1 == l2 && eps != NULL, "split loss == we_unet_loss");
        CHECK(!memcmp(xt, xt2, sizeof(float) * B * ma.xsize), "split x_t == we_unet_loss's x_t");
        CHECK(!memcmp(g1, ma.grads, ma.nparams * 4), "split + backward gradients bit-identical");
        int32_t bad[B] = {0, 0, 0, 1000};
        CHECK(we_unet_loss_forward(&ma, &sch, x0, noise, bad, label, NULL, vn, NULL, B, &l2, xt2, d, NULL) == WE_EUSAGE,
              "timestep out of range refused");
        free(noise), free(xt), free(xt2), free(d), free(g1);
        we_sched_free(&sch);
    }

    /* 2. we_train_step with lambdas 0 == the old step, 3 steps */
    {
        we_train_params hp;
        we_train_params_init(&hp);
        we_train tr;
        memcpy(ma.params, mb.params, ma.nparams * 4);
        CHECK(we_train_init(&tr, &ma, &hp, 9) == WE_OK, "train init, aux off");
        CHECK(!tr.aux_ready, "aux state not prepared when every lambda is 0");
        we_sched sch;
        we_sched_init(&sch, cfg.schedule, cfg.T);
        we_rng rr;
        we_rng_seed(&rr, 9);
        float *am = calloc(mb.nparams, 4), *av = calloc(mb.nparams, 4), *ema = malloc(mb.nparams * 4);
        memcpy(ema, mb.params, mb.nparams * 4);
        float loss, gn;
        int okstep = 1;
        for (int k = 1; k <= 3; k++) {
            okstep &= we_train_step(&tr, x0, label, NULL, NULL, NULL, B, &loss, &gn) == WE_OK;
            ref_step(&mb, &sch, &rr, &hp, am, av, ema, k, x0, label, B);
            if (getenv("DBG")) printf("step %d loss %.9g params diff %g\n", k, loss, check_max_abs_diff(ma.params, mb.params, ma.nparams));
        }
        CHECK(okstep, "3 steps run");
        CHECK(!memcmp(ma.params, mb.params, ma.nparams * 4), "lambdas 0: weights bit-identical to the plain step");
        CHECK(!memcmp(tr.adam_v, av, ma.nparams * 4) && !memcmp(tr.ema, ema, ma.nparams * 4),
              "lambdas 0: AdamW moments and EMA bit-identical");
        CHECK(tr.l_wav == 0 && tr.l_expr == 0, "lambdas 0: aux losses reported 0");

        /* 3. lambda_wav on: the step changes and reports L_wav; saved and restored */
        we_train_params h2 = hp;
        h2.lambda_wav = 1.0f, h2.aux_tmax = 1000;
        we_train t2;
        memcpy(mb.params, ma.params, ma.nparams * 4);
        CHECK(we_train_init(&t2, &mb, &h2, 9) == WE_OK, "train init, L_wav on");
        t2.rng = tr.rng;
        we_train_step(&tr, x0, label, NULL, NULL, NULL, B, &loss, &gn);
        float loss2;
        CHECK(we_train_step(&t2, x0, label, NULL, NULL, NULL, B, &loss2, &gn) == WE_OK, "step with L_wav");
        CHECK(loss2 == loss, "L_DDPM unchanged by the aux term (same draws)");
        CHECK(t2.l_wav > 0 && isfinite(t2.l_wav), "L_wav reported");
        CHECK(memcmp(ma.params, mb.params, ma.nparams * 4) != 0, "L_wav changes the update");
        const char *path = "build/tests/test_aux_ckpt.st";
        CHECK(we_train_save(&t2, path) == WE_OK, "checkpoint with aux settings saved");
        we_st_file f;
        if (we_st_read(&f, path) == WE_OK) {
            const char *v = we_st_meta(&f, "train.lambda_wav"), *tm = we_st_meta(&f, "train.aux_tmax");
            CHECK(v && !strcmp(v, "1") && tm && !strcmp(tm, "1000"), "train.lambda_wav / train.aux_tmax in metadata");
            we_train t3;
            CHECK(we_train_init(&t3, &ma, &hp, 1) == WE_OK && we_train_load(&t3, &f) == WE_OK, "resume");
            CHECK(t3.hp.lambda_wav == 1.0f && t3.hp.aux_tmax == 1000 && t3.hp.wav_w_low == 0.1f && t3.aux_ready,
                  "aux settings restored on resume");
            we_train_free(&t3);
            we_st_free(&f);
        } else {
            CHECK(0, "read the checkpoint back");
        }
        remove(path);
        we_train_params h3 = hp;
        h3.lambda_expr = -1;
        we_train t4;
        CHECK(we_train_init(&t4, &mb, &h3, 1) == WE_EUSAGE, "negative lambda refused");
        we_train_free(&t2);
        we_train_free(&tr);
        free(am), free(av), free(ema);
        we_sched_free(&sch);
    }
    free(x0);
    we_unet_free(&ma);
    we_unet_free(&mb);
}

int main(void)
{
    /* label mapping: the classifier's classes are the vocabulary */
    int same = 1;
    for (int k = 0; k < WE_EMOTION_COUNT; k++) same &= we_aux_expr_class(k) == k;
    CHECK(same, "labels 0..7 are the classifier's classes (contempt included)");
    CHECK(we_aux_expr_class(WE_UNET_NULL_LABEL) == -1 && we_aux_expr_class(-1) == -1, "NULL label skipped");
    /* a random classifier as the loss net */
    char net_path[] = "/tmp/test_aux_fexpr_XXXXXX";
    int fd = mkstemp(net_path);
    close(fd);
    we_fexpr rnd;
    CHECK(we_fexpr_new(&rnd, 1, 0, 77) == WE_OK && we_fexpr_save(&rnd, net_path, NULL, 0) == WE_OK,
          "random classifier written");
    we_fexpr_free(&rnd);

    /* the L_expr gradient uses the forward DWT as the adjoint of the IWT:
     * <IWT(c), y> == <c, DWT(y)> for the orthogonal wavelets */
    for (int k = 0; k < 2; k++) {
        const we_wavelet *wl;
        we_wavelet_parse(k ? "db2" : "haar", &wl);
        enum { CC = 3, SS = 16, NN = CC * SS * SS };
        float c[NN], y[NN], ic[NN], dy[NN];
        we_rng r;
        we_rng_seed(&r, 3 + k);
        we_rng_fill_normal(&r, c, NN);
        we_rng_fill_normal(&r, y, NN);
        we_dwt2_inverse(ic, NULL, c, CC, SS, SS, wl, 1, 1);
        we_dwt2_forward(dy, NULL, y, CC, SS, SS, wl, 1, 1);
        double l = 0, rr = 0;
        for (int i = 0; i < NN; i++) l += (double)ic[i] * y[i], rr += (double)c[i] * dy[i];
        char msg[96];
        snprintf(msg, sizeof msg, "%s: DWT is the adjoint of the IWT (%.7g vs %.7g)", wl->name, l, rr);
        CHECK(fabs(l - rr) <= 1e-4 * (fabs(l) + 1), msg);
    }

    we_sched sch;
    we_sched_init(&sch, WE_SCHED_LINEAR, 1000);

    /* L_wav: C = 1 region all, C = 3 region high */
    for (int k = 0; k < 2; k++) {
        we_unet_config cfg;
        aux_fixture_config(&cfg, 16, k ? 3 : 1, k ? WE_REGION_HIGH : WE_REGION_ALL);
        we_aux a;
        CHECK(we_aux_init(&a, &cfg, 0, NULL) == WE_OK, "aux init without the expression net");
        fd_check(k ? "L_wav C=3 region high" : "L_wav C=1", f_wav, &a, &sch, NULL, 1e-2, 1e-2, 1e-3);
        we_aux_free(&a);
    }

    /* L_expr and L_VA */
    {
        we_unet_config cfg;
        aux_fixture_config(&cfg, 16, 1, WE_REGION_ALL);
        strcpy(cfg.wavelet, "bior4.4");
        we_aux a;
        CHECK(we_aux_init(&a, &cfg, 1, net_path) == WE_EUSAGE, "L_expr refuses a biorthogonal wavelet");
        we_aux_free(&a);
        strcpy(cfg.wavelet, "haar");
        CHECK(we_aux_init(&a, &cfg, 1, "/nonexistent/fexpr.safetensors") == WE_ENOINPUT,
              "missing classifier: WE_ENOINPUT");
        we_aux_free(&a);
        aux_fixture_config(&cfg, 48, 1, WE_REGION_ALL);
        CHECK(we_aux_init(&a, &cfg, 1, net_path) == WE_EUSAGE, "S 48 (not a multiple or divisor of 64) refused");
        we_aux_free(&a);
        for (int k = 0; k < 3; k++) {
            int C = k == 1 ? 3 : 1;
            aux_fixture_config(&cfg, k == 2 ? 64 : k == 1 ? 32 : 16, C, k == 1 ? WE_REGION_HIGH : WE_REGION_ALL);
            if (k == 2) strcpy(cfg.wavelet, "db2");
            if (we_aux_init(&a, &cfg, 1, net_path)) { CHECK(0, "aux init"); continue; }
            int32_t lab[N] = {WE_EMO_HAPPY, WE_EMO_ANGER, WE_EMO_SAD};
            const char *nm = k == 0 ? "L_expr C=1 S=16 haar" : k == 1 ? "L_expr C=3 S=32 region high" : "L_expr C=1 S=64 db2";
            fd_check(nm, f_expr, &a, &sch, lab, 1e-3, 1e-2, 0.02);
            const char *nv = k == 0 ? "L_VA C=1 S=16 haar" : k == 1 ? "L_VA C=3 S=32 region high" : "L_VA C=1 S=64 db2";
            /* L_VA is small (read-outs near the table mean): larger steps against float
             * rounding, and 5% as the random direction can be nearly orthogonal to g */
            fd_check(nv, f_va, &a, &sch, lab, 1e-2, 1e-1, 0.05);
            /* NULL labels, unknown va and t >= aux_tmax are not counted */
            float *xt = calloc((size_t)N * a.xsize, 4), *eps = calloc((size_t)N * a.xsize, 4);
            float *g = calloc((size_t)N * a.xsize, 4), l = -1, lv = -1, va[2 * N] = {0};
            int32_t lab2[N] = {WE_UNET_NULL_LABEL, WE_UNET_NULL_LABEL, WE_EMO_HAPPY}, known[N] = {0, 0, 1};
            int cnt = -1, cntv = -1;
            CHECK(we_aux_expr(&a, &sch, xt, eps, T3, lab2, N, TMAX, 1, &l, &cnt, g) == WE_OK && cnt == 0 && l == 0,
                  "NULL and t >= aux_tmax: nothing counted, loss 0");
            CHECK(we_aux_va(&a, &sch, xt, eps, T3, va, known, N, TMAX, 1, &lv, &cntv, g) == WE_OK && cntv == 0 &&
                      lv == 0, "L_VA: unknown va and t >= aux_tmax: nothing counted");
            int z = 1;
            for (int i = 0; i < N * a.xsize; i++) z &= g[i] == 0;
            CHECK(z, "nothing counted: no gradient");
            free(xt), free(eps), free(g);
            we_aux_free(&a);
        }
    }
    unlink(net_path);
    we_sched_free(&sch);
    test_train_paths();
    return check_summary();
}
