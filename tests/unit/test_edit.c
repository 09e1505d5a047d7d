/* test_edit.c - the editing glue (lib/diffusion/we_edit.c; the model loaded with
 * we_model_open, lib/diffusion/we_model.c) on a tiny randomly
 * initialised UNet: parameters, model loading, channel adaptation, real
 * edits (shape, determinism, target dependence, eta + seed, faithfulness,
 * valence/arousal refusal, luminance model keeps CbCr).
 *
 * Also the test helper of tests/sh/test_wdenoise.sh:
 *   test_edit --write-model PATH [C K va [full]]   writes a random checkpoint
 * (tiny: S 16, nf 8, T 100; full: doc/design/model.md's default size, for timings)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tiny_model.h"
#include "we_color.h"
#include "we_edit.h"
#include "we_model.h"
#include "we_safetensors.h"
#include "we_unet.h"

static void fill(float *x, size_t n, unsigned seed)
{
    we_rng r;
    we_rng_seed(&r, seed);
    for (size_t i = 0; i < n; i++) x[i] = 0.5f * (float)we_rng_normal(&r);
}

static double maxdiff(const float *a, const float *b, size_t n) { return check_max_abs_diff(a, b, n); }

static long tick_seen, tick_stop;
static we_status count_tick(void *ctx, long calls)
{
    tick_seen = calls;
    return tick_stop && calls >= tick_stop ? WE_ELIMIT : WE_OK;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--write-model")) {
        int C = argc > 3 ? atoi(argv[3]) : 1, K = argc > 4 ? atoi(argv[4]) : 0, va = argc > 5 ? atoi(argv[5]) : 0;
        int full = argc > 6 && !strcmp(argv[6], "full");
        if (write_model(argv[2], C, K, va, full)) {
            fprintf(stderr, "test_edit: cannot write %s: %s\n", argv[2], we_err_detail());
            return 1;
        }
        return 0;
    }

    /* parameters */
    we_edit_params p;
    we_edit_params_init(&p);
    CHECK(p.steps == 40 && p.strength == 0.5 && p.g_low == 4 && p.g_high == 4 && p.eta == 0 && p.faith == 0,
          "defaults: 40 steps, strength 0.5, guidance 4/4, eta 0, faithfulness 0");
    CHECK(we_edit_t0(&p, 1000) == 500, "t0 = strength * T");
    p.t0 = 120;
    CHECK(we_edit_t0(&p, 1000) == 120, "explicit t0 wins");
    p.t0 = -1, p.strength = 1.0;
    CHECK(we_edit_t0(&p, 1000) == 999, "strength 1 -> t0 = T-1");
    we_edit_params_init(&p);
    p.steps = 600;
    CHECK(we_edit_params_check(&p, 1000) == WE_EUSAGE, "steps above t0+1 refused");
    we_edit_params_init(&p);
    p.faith = 1.5;
    CHECK(we_edit_params_check(&p, 1000) == WE_EUSAGE, "faithfulness above 1 refused");
    we_edit_params_init(&p);
    CHECK(we_edit_params_check(&p, 1000) == WE_OK, "defaults accepted for T = 1000");

    char path[4096];
    setenv("WE_MODEL", "/x/y.safetensors", 1);
    we_model_path(path, sizeof path, NULL);
    CHECK(!strcmp(path, "/x/y.safetensors"), "$WE_MODEL is the default model");
    we_model_path(path, sizeof path, "a.safetensors");
    CHECK(!strcmp(path, "a.safetensors"), "-m wins over $WE_MODEL");
    unsetenv("WE_MODEL");

    /* channel adaptation */
    size_t hw = 8 * 8;
    float *rgb = malloc(12 * hw * sizeof(float)), *y = malloc(4 * hw * sizeof(float)),
          *keep = malloc(8 * hw * sizeof(float)), *back = malloc(12 * hw * sizeof(float));
    fill(rgb, 12 * hw, 7);
    we_edit_to_model(y, keep, rgb, 3, 1, hw);
    we_edit_from_model(back, y, keep, 3, 1, hw);
    CHECK(maxdiff(rgb, back, 12 * hw) < 1e-5, "RGB -> Y (+CbCr kept) -> RGB round trip");
    float px[3] = {rgb[5], rgb[hw + 5], rgb[2 * hw + 5]}, ycc[3];
    we_color_rgb_to_ycbcr(ycc, px, 1);
    CHECK_CLOSE(y[5], ycc[0], 1e-6, "model channel is BT.601 Y of the LL subband");
    float *g3 = malloc(12 * hw * sizeof(float)), *g1 = malloc(4 * hw * sizeof(float));
    we_edit_to_model(g3, NULL, y, 1, 3, hw);
    we_edit_from_model(g1, g3, NULL, 1, 3, hw);
    CHECK(maxdiff(g1, y, 4 * hw) < 1e-6, "grey -> RGB model -> grey round trip");

    /* real edits with a tiny random model */
    char tmpl[] = "/tmp/test_edit_XXXXXX";
    int fd = mkstemp(tmpl);
    CHECK(fd >= 0, "temporary file");
    close(fd);
    CHECK(write_model(tmpl, 1, 0, 0, 0) == 0, "write a tiny random model (C 1, K 0)");
    we_model em;
    we_status s = we_model_open(&em, tmpl, 2, 1, WE_DEV_CPU);
    CHECK(s == WE_OK, "load it back");
    if (s == WE_OK) {
        CHECK(em.cfg.S == 16 && em.cfg.C == 1 && em.h == 8 && em.per == 4 * hw && !em.has_va, "config read back");
        size_t n = 2 * em.per;
        float *x0 = malloc(n * sizeof(float)), *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
        fill(x0, n, 3);
        int32_t src[2] = {WE_UNET_NULL_LABEL, 0};
        we_rng r;
        we_edit_params_init(&p);
        p.steps = 10;
        memcpy(a, x0, n * sizeof(float));
        we_rng_seed(&r, 1);
        CHECK(we_model_edit_batch(&em, &p, a, NULL, src, 2, NULL, NULL, NULL, 2, &r) == WE_OK, "edit 2 items to sad");
        int finite = 1;
        for (size_t i = 0; i < n; i++) finite &= isfinite(a[i]) != 0;
        CHECK(finite, "edited coefficients are finite");
        double d0 = maxdiff(a, x0, n);
        printf("     max |edit - source| = %.4g\n", d0);
        CHECK(d0 > 1e-4, "the edit changes the coefficients");
        memcpy(b, x0, n * sizeof(float));
        we_rng_seed(&r, 1);
        we_model_edit_batch(&em, &p, b, NULL, src, 2, NULL, NULL, NULL, 2, &r);
        CHECK(maxdiff(a, b, n) == 0, "deterministic (eta 0): same output twice");
        /* the tick hook: counts every network call, and stops the edit */
        tick_seen = 0, tick_stop = 0;
        em.tick = count_tick;
        memcpy(b, x0, n * sizeof(float));
        float *rc = malloc(n * sizeof(float));
        CHECK(we_model_edit_batch(&em, &p, b, rc, src, 2, NULL, NULL, NULL, 2, &r) == WE_OK, "edit with a tick hook");
        CHECK(tick_seen == we_model_edit_calls(&p, 1) && tick_seen == 10 * (1 + 2 + 1),
              "tick counts the edit's network calls (inversion + guided reverse + reconstruction)");
        CHECK(maxdiff(a, b, n) == 0, "the tick hook does not change the edit");
        tick_seen = 0, tick_stop = 5;
        memcpy(b, x0, n * sizeof(float));
        CHECK(we_model_edit_batch(&em, &p, b, NULL, src, 2, NULL, NULL, NULL, 2, &r) == WE_ELIMIT && tick_seen == 5,
              "a tick's error stops the edit at once and is returned");
        em.tick = NULL;
        free(rc);
        memcpy(b, x0, n * sizeof(float));
        we_model_edit_batch(&em, &p, b, NULL, src, 1, NULL, NULL, NULL, 2, &r);
        double dt = maxdiff(a, b, n);
        printf("     max |sad - happy| = %.4g\n", dt);
        CHECK(dt > 1e-5, "the target emotion changes the result");
        /* one item alone gives the same as in a batch of two */
        memcpy(b, x0, n * sizeof(float));
        we_model_edit_batch(&em, &p, b, NULL, src, 2, NULL, NULL, NULL, 1, &r);
        CHECK(maxdiff(a, b, em.per) < 1e-4, "batch of 1 equals the first item of a batch of 2");
        /* eta > 0: the seed decides */
        p.eta = 1.0;
        float *c1 = malloc(n * sizeof(float)), *c2 = malloc(n * sizeof(float));
        memcpy(c1, x0, n * sizeof(float));
        memcpy(c2, x0, n * sizeof(float));
        we_rng_seed(&r, 5);
        we_model_edit_batch(&em, &p, c1, NULL, src, 2, NULL, NULL, NULL, 2, &r);
        we_rng_seed(&r, 5);
        we_model_edit_batch(&em, &p, c2, NULL, src, 2, NULL, NULL, NULL, 2, &r);
        CHECK(maxdiff(c1, c2, n) == 0, "eta 1: same seed, same output");
        memcpy(c2, x0, n * sizeof(float));
        we_rng_seed(&r, 6);
        we_model_edit_batch(&em, &p, c2, NULL, src, 2, NULL, NULL, NULL, 2, &r);
        CHECK(maxdiff(c1, c2, n) > 1e-5, "eta 1: another seed, another output");
        /* faithfulness keeps the coarse LL closer to the source */
        we_edit_params_init(&p);
        p.steps = 10;
        p.g_low = p.g_high = 8;
        memcpy(c1, x0, n * sizeof(float));
        we_model_edit_batch(&em, &p, c1, NULL, src, 2, NULL, NULL, NULL, 2, &r);
        p.faith = 1.0;
        p.faith_levels = 3; /* 8x8 blocks = the mean of each LL channel */
        memcpy(c2, x0, n * sizeof(float));
        we_model_edit_batch(&em, &p, c2, NULL, src, 2, NULL, NULL, NULL, 2, &r);
        double m0 = 0, m1 = 0, ms = 0;
        for (size_t i = 0; i < hw; i++) m0 += c1[i], m1 += c2[i], ms += x0[i];
        printf("     LL mean: source %.4f, edit %.4f, edit with faithfulness %.4f\n", ms / hw, m0 / hw, m1 / hw);
        CHECK(fabs(m1 - ms) <= fabs(m0 - ms) + 1e-6, "faithfulness: LL mean at least as close to the source");
        CHECK(maxdiff(c1, c2, n) > 1e-6, "faithfulness changes the result");
        /* per-condition guidance runs */
        we_edit_params_init(&p);
        p.steps = 5;
        p.per_cond = 1;
        p.cond_scales[0] = 3;
        memcpy(c1, x0, n * sizeof(float));
        CHECK(we_model_edit_batch(&em, &p, c1, NULL, src, 3, NULL, NULL, NULL, 2, &r) == WE_OK, "per-condition guidance edit");
        /* valence/arousal on a model without them */
        float va[2] = {0.5f, 0.5f};
        memcpy(c1, x0, n * sizeof(float));
        we_edit_params_init(&p);
        p.steps = 5;
        CHECK(we_model_edit_batch(&em, &p, c1, NULL, src, 1, va, NULL, NULL, 2, &r) == WE_EUSAGE && strstr(we_err_detail(), "valence"),
              "-V/-A refused for a model trained without them");
        CHECK(we_model_edit_batch(&em, &p, c1, NULL, src, 1, NULL, NULL, NULL, 3, &r) == WE_EUSAGE, "batch above maxN refused");
        free(c1); free(c2); free(x0); free(a); free(b);
        we_model_free(&em);
    }
    /* heatmap model with va */
    CHECK(write_model(tmpl, 3, 2, 1, 0) == 0, "write a tiny RGB model with 2 heatmap channels and va");
    s = we_model_open(&em, tmpl, 1, 1, WE_DEV_CPU);
    CHECK(s == WE_OK && em.has_va && em.cfg.K == 2 && em.cfg.C == 3, "RGB + heatmap + va model loads");
    if (s == WE_OK) {
        float *x = malloc(em.per * sizeof(float)), *ht = calloc(2 * hw, sizeof(float));
        fill(x, em.per, 9);
        for (size_t i = 0; i < hw; i++) ht[i] = 1.0f;
        int32_t src[1] = {WE_UNET_NULL_LABEL};
        float va[2] = {-0.5f, 0.8f};
        we_rng r;
        we_rng_seed(&r, 1);
        we_edit_params_init(&p);
        p.steps = 5;
        CHECK(we_model_edit_batch(&em, &p, x, NULL, src, WE_UNET_NULL_LABEL, va, ht, NULL, 1, &r) == WE_OK,
              "edit with valence/arousal and heatmaps only");
        /* target heatmaps: the inversion runs under heat_src, the reverse
         * pass under heat; heat_src = heat is the single-heatmap edit */
        float *x1 = malloc(em.per * sizeof(float)), *x2 = malloc(em.per * sizeof(float));
        float *x3 = malloc(em.per * sizeof(float)), *hs = calloc(2 * hw, sizeof(float));
        for (size_t i = 0; i < hw; i++) hs[hw + i] = 1.0f;
        fill(x1, em.per, 11), fill(x2, em.per, 11), fill(x3, em.per, 11);
        we_model_edit_batch(&em, &p, x1, NULL, src, 1, NULL, ht, NULL, 1, &r);
        we_model_edit_batch(&em, &p, x2, NULL, src, 1, NULL, ht, ht, 1, &r);
        we_model_edit_batch(&em, &p, x3, NULL, src, 1, NULL, ht, hs, 1, &r);
        CHECK(memcmp(x1, x2, em.per * sizeof(float)) == 0, "heat_src = heat: the same edit as heat_src NULL");
        CHECK(memcmp(x1, x3, em.per * sizeof(float)) != 0, "another source heatmap changes the inversion");
        free(x1); free(x2); free(x3); free(hs);
        free(x); free(ht);
        we_model_free(&em);
    }
    /* not a checkpoint / missing */
    FILE *f = fopen(tmpl, "wb");
    fputs("not a safetensors file", f);
    fclose(f);
    CHECK(we_model_open(&em, tmpl, 1, 1, WE_DEV_CPU) == WE_EDATA, "garbage file -> WE_EDATA");
    unlink(tmpl);
    CHECK(we_model_open(&em, tmpl, 1, 1, WE_DEV_CPU) == WE_ENOINPUT, "missing file -> WE_ENOINPUT");
    free(rgb); free(y); free(keep); free(back); free(g3); free(g1);
    return check_summary();
}
