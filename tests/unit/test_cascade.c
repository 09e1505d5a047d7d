/* test_cascade.c - the cascade edit: the Haar pyramid against the dwt
 * conventions, a zero change returns the source bit for bit, outside the
 * change mask every coefficient of every level is the source's, the masks
 * nest from coarse to fine, the tone correction keeps the mean luminance
 * within 2 gray levels on a synthetic edit with a global shift, and the
 * cost of both detail levels of a 256 px face. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "we_cascade.h"
#include "we_nn.h"
#include "we_train_rng.h"

/* A face-like test image: smooth shading plus fine texture, in [-1,1]. */
static void make_image(float *img, int S, uint64_t seed)
{
    we_rng r;
    we_rng_seed(&r, seed);
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            double u = (double)x / S - 0.5, v = (double)y / S - 0.5;
            double base = 0.4 * exp(-(u * u + v * v) * 6) - 0.2 + 0.1 * sin(9 * u) * cos(7 * v);
            img[(size_t)y * S + x] = (float)(base + 0.08 * we_rng_normal(&r));
        }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double mean(const float *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return s / (double)n;
}

int main(void)
{
    we_nn_set_threads(1);
    enum { S = 128, J = 2, n = S >> J };
    size_t S2 = (size_t)S * S, n2 = (size_t)n * n;
    float *src = malloc(S2 * sizeof(float)), *out = malloc(S2 * sizeof(float));
    float *x = malloc(n2 * sizeof(float)), *xe = malloc(n2 * sizeof(float));
    make_image(src, S, 1);

    CHECK(we_cascade_check(256, 2) == WE_OK && we_cascade_check(100, 3) == WE_EUSAGE && we_cascade_check(64, 0) == WE_EUSAGE,
          "size checks");

    /* pyramid: LL_j = 2^j box mean; coarse = box mean */
    we_cascade_pyr p, q, mk;
    CHECK(we_cascade_pyr_alloc(&p, S, J) == WE_OK && we_cascade_pyr_alloc(&q, S, J) == WE_OK &&
          we_cascade_pyr_alloc(&mk, S, J) == WE_OK, "pyramid alloc");
    we_cascade_pyr_forward(&p, src);
    double box = 0;
    for (int y = 0; y < 4; y++)
        for (int xx = 0; xx < 4; xx++) box += src[(size_t)y * S + xx];
    CHECK_CLOSE(p.ll[2][0], box / 16 * 4, 1e-5, "LL_2 = 4 x the 4x4 box mean (Haar)");
    float a = src[0], b = src[1], c = src[S], e = src[S + 1];
    CHECK_CLOSE(p.det[1][0], (a + b - c - e) / 2, 1e-6, "LH_1 = (a+b-c-e)/2 (pywt cH)");
    CHECK(we_cascade_coarse(x, src, S, J) == WE_OK, "coarse");
    CHECK_CLOSE(x[0], box / 16, 1e-6, "coarse = box mean");

    /* detail nets: untrained (identity) and a random one that changes detail */
    we_detail_config dc;
    we_detail_config_init(&dc);
    dc.nf = 8, dc.layers = 3;
    we_detail Dr;
    we_detail_create(&Dr, &dc);
    we_detail_init_weights(&Dr, 5);
    we_rng r;
    we_rng_seed(&r, 9);
    for (size_t i = 0; i < 3 * 8 * 9; i++) Dr.p.w[2][i] = (float)(0.3 * we_rng_normal(&r));

    /* 1. zero change: bit-identical, with and without D */
    memcpy(xe, x, n2 * sizeof(float));
    CHECK(we_cascade_edit(out, NULL, src, xe, NULL, S, J, NULL, NULL) == WE_OK && !memcmp(out, src, S2 * sizeof(float)),
          "zero change, D = NULL: output bit-identical to the source");
    CHECK(we_cascade_edit(out, &mk, src, xe, NULL, S, J, &Dr, NULL) == WE_OK && !memcmp(out, src, S2 * sizeof(float)),
          "zero change, trained-like D: output bit-identical to the source");
    int zero = 1;
    for (int j = 0; j <= J; j++)
        for (size_t i = 0; i < (S2 >> (2 * j)); i++) zero &= mk.ll[j][i] == 0;
    CHECK(zero, "zero change: empty mask at every level");

    /* 2. a local change (a dark "mouth" and a raised "brow") */
    for (int y = 0; y < n; y++)
        for (int xx = 0; xx < n; xx++) {
            double d1 = hypot(xx - 16, y - 24), d2 = hypot(xx - 10, y - 9);
            xe[(size_t)y * n + xx] = x[(size_t)y * n + xx] - (float)(0.3 * exp(-d1 * d1 / 8)) + (float)(0.15 * exp(-d2 * d2 / 4));
        }
    for (int pass = 0; pass < 2; pass++) {
        we_detail *D = pass ? &Dr : NULL;
        CHECK(we_cascade_edit(out, &mk, src, xe, NULL, S, J, D, NULL) == WE_OK, pass ? "local edit with D" : "local edit, D = NULL");
        we_cascade_pyr_forward(&q, out);
        double maxout = 0, maxin = 0;
        size_t nout = 0;
        for (int j = 0; j <= J; j++) {
            size_t nj2 = S2 >> (2 * j);
            for (size_t i = 0; i < nj2; i++) {
                double dl = fabs(q.ll[j][i] - p.ll[j][i]);
                for (int bnd = 0; j && bnd < 3; bnd++) dl = fmax(dl, fabs(q.det[j][bnd * nj2 + i] - p.det[j][bnd * nj2 + i]));
                if (mk.ll[j][i] == 0) maxout = fmax(maxout, dl), nout++;
                else maxin = fmax(maxin, dl);
            }
        }
        printf("     outside the mask: %zu coefficients, max |diff| %.3g; inside: max %.3g\n", nout, maxout, maxin);
        CHECK(nout > S2 / 2 && maxout < 1e-5, "outside the mask every coefficient of every level is the source's");
        CHECK(maxin > 0.1, "inside the mask the edit is applied");
        int same = 1;
        for (size_t i = 0; i < S2; i++)
            if (mk.ll[0][i] == 0) same &= out[i] == src[i];
        CHECK(same, "outside the full-resolution mask the pixels are the source's, bit for bit");
        if (pass) {
            /* the detail inside changed (D is not the identity) */
            double dd = 0;
            for (size_t i = 0; i < 3 * (S2 / 4); i++) dd = fmax(dd, fabs(q.det[1][i] - p.det[1][i]));
            CHECK(dd > 1e-3, "with D the level-1 detail inside the mask is rebuilt");
        }
    }
    /* masks nest: wherever a level is changed, the finer level's mask is on */
    int nest = 1;
    for (int j = 1; j <= J; j++) {
        int nj = S >> j;
        for (int y = 0; y < 2 * nj; y++)
            for (int xx = 0; xx < 2 * nj; xx++)
                if (mk.ll[j][(size_t)(y / 2) * nj + xx / 2] > 0) nest &= mk.ll[j - 1][(size_t)y * 2 * nj + xx] > 0;
    }
    CHECK(nest, "mask supports grow from coarse to fine levels");
    float *extra = calloc(n2, sizeof(float));
    extra[0] = 1;
    memcpy(xe, x, n2 * sizeof(float));
    we_cascade_edit(out, &mk, src, xe, extra, S, J, NULL, NULL);
    CHECK(mk.ll[J][0] == 1 && mk.ll[J][n2 - 1] == 0, "extra mask is unioned");

    /* 3. tone: a global brightening of 10 gray levels plus the local edit */
    float g10 = 10 / 127.5f;
    for (int y = 0; y < n; y++)
        for (int xx = 0; xx < n; xx++) {
            double d1 = hypot(xx - 16, y - 24);
            xe[(size_t)y * n + xx] = x[(size_t)y * n + xx] + g10 - (float)(0.3 * exp(-d1 * d1 / 8));
        }
    we_cascade_params cp;
    we_cascade_params_init(&cp);
    cp.tone_sigma = 0, cp.tone_mean = 0;
    we_cascade_edit(out, NULL, src, xe, NULL, S, J, NULL, &cp);
    double shift_off = (mean(out, S2) - mean(src, S2)) * 127.5;
    we_cascade_edit(out, NULL, src, xe, NULL, S, J, NULL, NULL);
    double shift_on = (mean(out, S2) - mean(src, S2)) * 127.5;
    /* the mouth is kept: its centre still darkens by most of the edit */
    double mouth = (out[(size_t)(24 * 4 + 2) * S + 16 * 4 + 2] - src[(size_t)(24 * 4 + 2) * S + 16 * 4 + 2]) * 127.5;
    printf("     mean shift without tone correction %.2f gray levels, with %.3f; mouth centre %.1f (edit -38)\n",
           shift_off, shift_on, mouth);
    CHECK(shift_off > 5, "the synthetic edit drifts without the correction");
    CHECK(fabs(shift_on) <= 2, "tone correction: mean luminance shift <= 2 gray levels");
    cp.tone_sigma = 8, cp.tone_mean = 0;
    we_cascade_edit(out, NULL, src, xe, NULL, S, J, NULL, &cp);
    double shift_lf = (mean(out, S2) - mean(src, S2)) * 127.5;
    printf("     low-frequency part only (sigma 8): %.3f gray levels\n", shift_lf);
    CHECK(fabs(shift_lf) <= 2, "the low-frequency part alone keeps the shift <= 2 gray levels");
    CHECK(mouth < -20, "the local change survives the tone correction");
    /* the allowed region (cascade.region's landmark mask): none = the source
     * bit for bit; a left half = no change at all on the right half */
    float *allow = malloc(sizeof(float) * (size_t)n * n), *o2 = malloc(sizeof(float) * S2);
    for (size_t i = 0; i < (size_t)n * n; i++) allow[i] = 0;
    we_cascade_params_init(&cp);
    cp.allow = allow;
    we_cascade_edit(o2, NULL, src, xe, NULL, S, J, NULL, &cp);
    CHECK(!memcmp(o2, src, sizeof(float) * S2), "allow 0 everywhere: the source bit for bit");
    for (int y = 0; y < n; y++)
        for (int xx = 0; xx < n; xx++) allow[(size_t)y * n + xx] = xx < n / 4 ? 1.0f : 0.0f;
    we_cascade_edit(o2, NULL, src, xe, NULL, S, J, NULL, &cp);
    int right_same = 1, left_changed = 0;
    for (int y = 0; y < S; y++)
        for (int xx = 0; xx < S; xx++) {
            size_t i = (size_t)y * S + xx;
            if (xx >= S / 2) right_same &= o2[i] == src[i];
            else left_changed |= o2[i] != src[i];
        }
    CHECK(right_same && left_changed, "allow on the left quarter: the right half keeps every bit, the left changes");
    free(allow);
    free(o2);

    /* 4. cost at 256 px with the default D (nf 32, 5 layers), one thread */
    {
        enum { B = 256 };
        float *s256 = malloc((size_t)B * B * sizeof(float)), *o256 = malloc((size_t)B * B * sizeof(float));
        float *c64 = malloc(64 * 64 * sizeof(float)), *e64 = malloc(64 * 64 * sizeof(float));
        make_image(s256, B, 2);
        we_cascade_coarse(c64, s256, B, 2);
        for (int i = 0; i < 64 * 64; i++) e64[i] = c64[i] + 0.3f; /* mask everywhere */
        we_detail D;
        we_detail_config_init(&dc);
        we_detail_create(&D, &dc);
        we_detail_init_weights(&D, 1);
        we_cascade_edit(o256, NULL, s256, e64, NULL, B, 2, &D, NULL); /* warm up */
        double t0 = now();
        we_status st = we_cascade_edit(o256, NULL, s256, e64, NULL, B, 2, &D, NULL);
        double dt = now() - t0;
        printf("     256 px cascade edit, D nf 32 x 5 layers, both levels, 1 thread: %.3f s\n", dt);
        CHECK(st == WE_OK, "256 px cascade edit runs (time printed only: speed is make bench's to judge)");
        we_detail_free(&D);
        free(s256), free(o256), free(c64), free(e64);
    }

    we_detail_free(&Dr);
    we_cascade_pyr_free(&p), we_cascade_pyr_free(&q), we_cascade_pyr_free(&mk);
    free(src), free(out), free(x), free(xe), free(extra);
    return check_summary();
}
