/* test_train_cuda.c - training on the GPU against the CPU reference, on a
 * tiny model where every op runs (RGB, K = 2 heatmaps, valence/arousal,
 * attention at one level, L_wav on):
 *   1. we_unet_cuda_forward/backward == we_unet_forward/backward: eps and
 *      every parameter gradient (max abs / rel error printed);
 *   2. NS steps of we_train_step on the CPU and on the GPU from the same
 *      init and seed: per-step loss and gradient norm, final weights, EMA
 *      and AdamW moments;
 *   3. exact resume on the GPU: KS steps, checkpoint, a fresh trainer on
 *      the GPU loads it and takes NS-KS steps: the same bits as the
 *      uninterrupted GPU run.
 * Without a GPU it checks that we_train_use_cuda refuses cleanly, prints a
 * skip line and passes.
 *
 * Helper for tests/sh/test_cuda_tools.sh (no GPU needed):
 *   test_train_cuda --compare A.st B.st ABS REL
 * compares every tensor of two safetensors files (same names and shapes;
 * |a - b| <= ABS + REL*|b|), prints the largest differences and exits 0
 * when they agree, 1 when not, 2 on a bad call or file. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "train_data.h"
#include "we_device.h"
#include "we_train.h"
#include "we_unet_cuda.h"

#ifdef WE_HAVE_CUDA
#include <cuda_runtime.h> /* defines CUDAEMU under the emulator (tests/cudaemu) */
#endif
/* The GPU's float atomics (GroupNorm and embedding gradients) make a real
 * device's bits depend on the thread order: the resume is exact under the
 * emulator and checked to rounding on a GPU. */
#ifdef CUDAEMU
#define EXACT_RESUME 1
#else
#define EXACT_RESUME 0
#endif

#define NDATA 6
#define B 3
#define NS 5
#define KS 2

/* ------------------------------------------------ --compare A B ABS REL */

static int compare_files(const char *pa, const char *pb, double abs_tol, double rel_tol)
{
    we_st_file a, b;
    if (we_st_read(&a, pa) || we_st_read(&b, pb)) {
        fprintf(stderr, "test_train_cuda: cannot read %s / %s: %s\n", pa, pb, we_err_detail());
        return 2;
    }
    int bad = a.n != b.n;
    if (bad) printf("tensor count differs: %d vs %d\n", a.n, b.n);
    double worst_abs = 0, worst_rel = 0;
    const char *worst = "";
    for (int i = 0; i < a.n && !bad; i++) {
        const we_st_entry *ea = &a.e[i], *eb = we_st_find(&b, ea->name);
        size_t n = we_st_count(ea);
        if (!eb || we_st_count(eb) != n || ea->rank != eb->rank ||
            memcmp(ea->shape, eb->shape, sizeof(int64_t) * (size_t)ea->rank)) {
            printf("%s: missing or of another shape in %s\n", ea->name, pb);
            bad = 1;
            break;
        }
        float *x = malloc(sizeof(float) * (n ? n : 1)), *y = malloc(sizeof(float) * (n ? n : 1));
        if (!x || !y || we_st_get_f32(&a, ea->name, x, n, 0, NULL) || we_st_get_f32(&b, ea->name, y, n, 0, NULL)) {
            printf("%s: not readable as floats\n", ea->name);
            free(x), free(y);
            bad = 1;
            break;
        }
        size_t nbad = 0;
        for (size_t k = 0; k < n; k++) {
            double d = fabs((double)x[k] - y[k]);
            if (!(d <= abs_tol + rel_tol * fabs((double)y[k]))) nbad++;
            if (d > worst_abs || d != d) worst_abs = d, worst = ea->name;
            if (y[k] != 0 && d / fabs((double)y[k]) > worst_rel) worst_rel = d / fabs((double)y[k]);
        }
        if (nbad) {
            printf("%s: %zu of %zu values differ beyond %g + %g|b|\n", ea->name, nbad, n, abs_tol, rel_tol);
            bad = 1;
        }
        free(x), free(y);
    }
    printf("%d tensors, max abs diff %.3g (%s), max rel diff %.3g: %s\n", a.n, worst_abs, worst, worst_rel,
           bad ? "DIFFERENT" : "agree");
    we_st_free(&a), we_st_free(&b);
    return bad;
}

/* ------------------------------------------------ the tiny setting */

static void tiny_config(we_unet_config *c)
{
    we_unet_config_init(c);
    c->S = 16, c->C = 3, c->K = 2, c->nf = 8, c->nlevels = 2;
    c->mult[0] = 1, c->mult[1] = 2;
    c->num_res = 1, c->nattn = 1, c->attn[0] = 1;
}

static void tiny_params(we_train_params *hp)
{
    we_train_params_init(hp);
    hp->lr = 1e-3f;
    hp->ema = 0.9f;
    hp->weight_decay = 0.01f;
    hp->p_drop = 0.3f, hp->p_all = 0.1f; /* every kind of NULL condition shows up */
    hp->lambda_wav = 0.5f;               /* an auxiliary term through the host eps */
    hp->aux_tmax = 1000;
}

typedef train_data data;

static void make_data(data *d, const we_unet *m)
{
    train_data_make(d, m, NDATA, 21);
    for (int i = 0; i < NDATA; i++) {
        d->label[i] = (3 * i) % 9;
        d->vk[i] = i % 3 != 0;
        d->va[2 * i] = 0.2f * i - 0.5f, d->va[2 * i + 1] = 0.4f - 0.15f * i;
    }
}

static void free_data(data *d) { train_data_free(d); }

/* one step on a batch drawn with the trainer's RNG (as wtrain does) */
static we_status step(we_train *tr, const data *d, float *loss, float *gn)
{
    const we_unet *m = tr->m;
    size_t xs = (size_t)m->xsize, hs = (size_t)m->heatsize;
    float xb[B * 12 * 64], hb[B * 2 * 64], vb[2 * B];
    int32_t lb[B], kb[B];
    for (int b = 0; b < B; b++) {
        int i = (int)we_rng_below(&tr->rng, NDATA);
        memcpy(xb + b * xs, d->x + i * xs, sizeof(float) * xs);
        memcpy(hb + b * hs, d->heat + i * hs, sizeof(float) * hs);
        lb[b] = d->label[i], kb[b] = d->vk[i];
        vb[2 * b] = d->va[2 * i], vb[2 * b + 1] = d->va[2 * i + 1];
    }
    return we_train_step(tr, xb, lb, vb, kb, hb, B, loss, gn);
}

/* max |a-b| / max |b| over n: the error relative to the tensor's scale */
static double scaled_diff(const float *a, const float *b, size_t n, double *mad)
{
    double mx = 0;
    for (size_t i = 0; i < n; i++) mx = fmax(mx, fabs((double)b[i]));
    *mad = check_max_abs_diff(a, b, n);
    return *mad / fmax(mx, 1e-30);
}

/* ------------------------------------------------ 1. one forward/backward */

static void check_layers(const we_unet_config *cfg)
{
    we_unet m;
    CHECK(we_unet_create(&m, cfg, B) == WE_OK, "create the tiny model");
    we_rng r;
    we_rng_seed(&r, 5);
    we_unet_init_params(&m, &r);
    /* the zero-initialised layers would hide their inputs' gradients */
    for (size_t i = 0; i < m.nparams; i++)
        if (m.params[i] == 0) m.params[i] = 0.05f * (float)(2 * we_rng_uniform(&r) - 1);
    size_t xn = (size_t)B * m.xsize, hn = (size_t)B * m.heatsize;
    float *x = malloc(xn * 4), *heat = malloc(hn * 4), *eg = malloc(xn * 4), *d = malloc(xn * 4);
    float *gg = malloc(m.nparams * 4), va[2 * B] = {0.3f, -0.2f, 0, 0, -0.7f, 0.9f};
    int32_t t[B] = {3, 500, 999}, lab[B] = {1, 8, 6}, vn[B] = {0, 1, 0};
    we_rng_fill_normal(&r, x, xn);
    for (size_t i = 0; i < hn; i++) heat[i] = (float)we_rng_uniform(&r);
    for (size_t i = 0; i < xn; i++) d[i] = (float)sin(0.37 * (double)i);
    const float *ec;
    we_unet_forward(&m, x, t, lab, va, vn, heat, B, &ec);
    memset(m.grads, 0, m.nparams * 4);
    we_unet_backward(&m, d);

    we_unet_cuda g;
    CHECK(we_unet_cuda_create(&g, &m) == WE_OK, "create the model on the GPU");
    CHECK(we_unet_cuda_forward(&g, x, t, lab, va, vn, heat, B, eg) == WE_OK, "GPU forward");
    double mad, rel = scaled_diff(eg, ec, xn, &mad);
    printf("     eps: GPU vs CPU max abs %.3g, relative to max |eps| %.3g\n", mad, rel);
    CHECK(rel < 1e-4, "GPU eps == CPU eps");
    CHECK(we_unet_cuda_backward(&g, d) == WE_OK, "GPU backward");
    CHECK(we_unet_cuda_download_grads(&g, gg) == WE_OK, "download the gradients");
    double worst = 0, worst_abs = 0;
    int bad = 0;
    const char *wn = "";
    for (int i = 0; i < m.nt; i++) {
        const we_unet_param *p = &m.pt[i];
        double r1 = scaled_diff(gg + p->off, m.grads + p->off, p->n, &mad);
        if (mad == 0) r1 = 0; /* both exactly zero (e.g. unused label rows) */
        if (r1 > worst) worst = r1, wn = p->name;
        worst_abs = fmax(worst_abs, mad);
        if (r1 > 1e-3) {
            printf("     %s: max abs %.3g, relative %.3g\n", p->name, mad, r1);
            bad++;
        }
    }
    printf("     %d parameter gradients: max abs %.3g, worst relative %.3g (%s)\n", m.nt, worst_abs, worst, wn);
    CHECK(bad == 0, "every GPU parameter gradient == CPU (relative to the tensor's max, < 1e-3)");
    we_unet_cuda_free(&g);
    free(x), free(heat), free(eg), free(d), free(gg);
    we_unet_free(&m);
}

/* ------------------------------------------------ 2 and 3. training */

typedef struct {
    we_unet m;
    we_train tr;
    float loss[NS], gn[NS];
} run;

static we_status run_start(run *r, const we_unet_config *cfg, const we_train_params *hp, int gpu)
{
    memset(r, 0, sizeof *r);
    we_status s = we_unet_create(&r->m, cfg, B);
    if (s) return s;
    we_rng ir;
    we_rng_seed(&ir, 3);
    we_unet_init_params(&r->m, &ir);
    if ((s = we_train_init(&r->tr, &r->m, hp, 11))) return s;
    return gpu ? we_train_use_cuda(&r->tr) : WE_OK;
}

static void run_free(run *r)
{
    we_train_free(&r->tr);
    we_unet_free(&r->m);
}

static int steps(run *r, const data *d, int from, int to)
{
    int ok = 1;
    for (int i = from; i < to; i++) ok &= step(&r->tr, d, &r->loss[i], &r->gn[i]) == WE_OK;
    return ok;
}

static void check_training(const we_unet_config *cfg, const we_train_params *hp)
{
    run cpu, gpu;
    CHECK(run_start(&cpu, cfg, hp, 0) == WE_OK, "CPU trainer");
    CHECK(run_start(&gpu, cfg, hp, 1) == WE_OK, "GPU trainer (we_train_use_cuda)");
    CHECK(gpu.tr.gpu != NULL && cpu.tr.gpu == NULL, "only the GPU trainer has device state");
    data d;
    make_data(&d, &cpu.m);
    CHECK(steps(&cpu, &d, 0, NS), "CPU steps");
    /* the GPU run writes a checkpoint at step KS on its way (as wtrain
     * does every --save-every steps; it must not disturb the run) */
    char path[] = "/tmp/test_train_cuda_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    CHECK(steps(&gpu, &d, 0, KS) && we_train_save(&gpu.tr, path) == WE_OK && steps(&gpu, &d, KS, NS),
          "GPU steps, checkpoint at step KS on the way");
    double wl = 0, wg = 0;
    for (int i = 0; i < NS; i++) {
        printf("     step %d: loss cpu %.7f gpu %.7f  grad norm cpu %.6f gpu %.6f\n", i + 1, cpu.loss[i],
               gpu.loss[i], cpu.gn[i], gpu.gn[i]);
        wl = fmax(wl, fabs(cpu.loss[i] - gpu.loss[i]) / fabs(cpu.loss[i]));
        wg = fmax(wg, fabs(cpu.gn[i] - gpu.gn[i]) / fabs(cpu.gn[i]));
    }
    printf("     per-step max relative difference: loss %.3g, grad norm %.3g\n", wl, wg);
    CHECK(wl < 1e-4, "per-step loss: GPU == CPU (rel 1e-4)");
    CHECK(wg < 1e-4, "per-step gradient norm: GPU == CPU (rel 1e-4)");
    CHECK(cpu.tr.l_wav > 0 && fabs(cpu.tr.l_wav - gpu.tr.l_wav) <= 1e-4 * cpu.tr.l_wav, "last L_wav: GPU == CPU");
    CHECK(cpu.tr.step == NS && gpu.tr.step == NS, "both at step NS");
    CHECK(we_train_sync_host(&gpu.tr) == WE_OK, "download the GPU state");
    size_t P = cpu.m.nparams;
    double mp, me, mm, mv;
    scaled_diff(gpu.m.params, cpu.m.params, P, &mp);
    scaled_diff(gpu.tr.ema, cpu.tr.ema, P, &me);
    double rm = scaled_diff(gpu.tr.adam_m, cpu.tr.adam_m, P, &mm);
    double rv = scaled_diff(gpu.tr.adam_v, cpu.tr.adam_v, P, &mv);
    printf("     after %d steps (lr %g): max abs diff weights %.3g, EMA %.3g, adam_m %.3g (rel %.3g), adam_v %.3g "
           "(rel %.3g)\n", NS, hp->lr, mp, me, mm, rm, mv, rv);
    /* AdamW moves every weight by about lr per step whatever the gradient's
     * size, so a rounding difference in a near-zero gradient can change a
     * weight by up to ~lr: the bound is in units of lr */
    CHECK(mp < 0.05 * hp->lr, "weights: GPU == CPU (max abs < 0.05 lr)");
    CHECK(me < 0.05 * hp->lr, "EMA: GPU == CPU (max abs < 0.05 lr)");
    CHECK(rm < 1e-3 && rv < 1e-3, "AdamW moments: GPU == CPU (rel to max < 1e-3)");

    /* 3. exact resume on the GPU from the step-KS checkpoint */
    run b;
    we_st_file f;
    CHECK(we_st_read(&f, path) == WE_OK, "read the checkpoint");
    /* fresh state: other init and seed, moved to the GPU BEFORE the load */
    memset(&b, 0, sizeof b);
    we_unet_create(&b.m, cfg, B);
    CHECK(we_train_init(&b.tr, &b.m, hp, 999) == WE_OK && we_train_use_cuda(&b.tr) == WE_OK, "fresh GPU trainer");
    CHECK(we_train_load(&b.tr, &f) == WE_OK && b.tr.step == KS, "resume on the GPU");
    we_st_free(&f);
    unlink(path);
    CHECK(steps(&b, &d, KS, NS), "resumed GPU steps");
    CHECK(we_train_sync_host(&b.tr) == WE_OK, "download the resumed state");
    if (EXACT_RESUME) {
        int same = 1;
        for (int i = KS; i < NS; i++) same &= b.loss[i] == gpu.loss[i] && b.gn[i] == gpu.gn[i];
        CHECK(same, "resumed GPU losses and grad norms == the uninterrupted GPU run's (bits)");
        CHECK(!memcmp(b.m.params, gpu.m.params, P * 4), "resumed weights bit-identical");
        CHECK(!memcmp(b.tr.ema, gpu.tr.ema, P * 4), "resumed EMA bit-identical");
        CHECK(!memcmp(b.tr.adam_m, gpu.tr.adam_m, P * 4) && !memcmp(b.tr.adam_v, gpu.tr.adam_v, P * 4),
              "resumed AdamW moments bit-identical");
    } else {
        double w = 0;
        for (int i = KS; i < NS; i++) w = fmax(w, fabs(b.loss[i] - gpu.loss[i]) / fabs(gpu.loss[i]));
        scaled_diff(b.m.params, gpu.m.params, P, &mp);
        scaled_diff(b.tr.ema, gpu.tr.ema, P, &me);
        printf("     resumed vs uninterrupted GPU run: loss rel %.3g, weights max abs %.3g, EMA %.3g\n", w, mp, me);
        CHECK(w < 1e-5 && mp < 0.05 * hp->lr && me < 0.05 * hp->lr, "resumed GPU run == the uninterrupted one (to rounding)");
    }
    CHECK(memcmp(b.m.params, cpu.m.params, P * 4) != 0, "(the GPU weights are its own, not a copy of the CPU's)");
    run_free(&b);
    run_free(&gpu);
    run_free(&cpu);
    free_data(&d);
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "--compare")) return compare_files(argv[2], argv[3], atof(argv[4]), atof(argv[5]));
    if (argc > 1) {
        fprintf(stderr, "usage: test_train_cuda [--compare A.st B.st ABS REL]\n");
        return 2;
    }
    we_unet_config cfg;
    tiny_config(&cfg);
    we_train_params hp;
    tiny_params(&hp);
    if (!we_cuda_available()) {
        printf("skip: no CUDA GPU (compiled with CUDA: %s); CPU training is checked by test_train\n",
               we_cuda_compiled() ? "yes" : "no");
        /* asking for the GPU must refuse cleanly and leave the CPU trainer working */
        run r;
        CHECK(run_start(&r, &cfg, &hp, 0) == WE_OK, "CPU trainer");
        CHECK(we_train_use_cuda(&r.tr) == WE_EDEVICE, "we_train_use_cuda without a GPU: WE_EDEVICE");
        printf("     (%s)\n", we_err_detail());
        CHECK(r.tr.gpu == NULL, "no device state left behind");
        CHECK(we_train_sync_host(&r.tr) == WE_OK, "sync_host on the CPU: nothing to do");
        data d;
        make_data(&d, &r.m);
        CHECK(steps(&r, &d, 0, 1) && isfinite(r.loss[0]), "the trainer still steps on the CPU");
        free_data(&d);
        run_free(&r);
        return check_summary();
    }
    check_layers(&cfg);
    check_training(&cfg, &hp);
    return check_summary();
}
