/* test_sampler.c - step rules, guidance, inversion and editing checked
 * against an analytic toy model: data x0 ~ N(mu, sd^2) per element, for
 * which the optimal epsilon is known in closed form:
 *   eps*(x, t) = sqrt(1-a) (x - sqrt(a) mu) / (a sd^2 + 1 - a)
 * The condition picks mu: NULL -> 0, SOURCE -> -1, TARGET -> +1, and
 * per-condition k -> mu_k. Also checks the RNG state round trip and the
 * schedule helpers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_sampler.h"
#include "we_sched.h"
#include "we_train_rng.h"

typedef struct {
    const we_sched *s;
    double sd;
    int calls;
} toy;

static double toy_mu(int which)
{
    switch (which) {
    case WE_EPS_NULL: return 0.0;
    case WE_EPS_SOURCE: return -1.0;
    case WE_EPS_TARGET: return 1.0;
    default: return 0.5 * which; /* per-condition k */
    }
}

static we_status toy_eps(void *ctx, float *eps, const float *x, int t, int which, int N)
{
    toy *m = ctx;
    m->calls++;
    double a = we_sched_acp(m->s, t), mu = toy_mu(which);
    size_t n = (size_t)N * 4 * 8 * 8; /* C = 1, h = 8 */
    for (size_t i = 0; i < n; i++)
        eps[i] = (float)(sqrt(1 - a) * (x[i] - sqrt(a) * mu) / (a * m->sd * m->sd + 1 - a));
    return WE_OK;
}

static void stats(const float *x, size_t n, size_t stride0, size_t len, double *mean, double *sd)
{
    /* over elements i with (i % stride0) < len */
    double s = 0, s2 = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % stride0 >= len) continue;
        s += x[i], s2 += (double)x[i] * x[i], k++;
    }
    *mean = s / k;
    *sd = sqrt(fmax(0, s2 / k - *mean * *mean));
}

int main(void)
{
    we_sched sch;
    CHECK(we_sched_init(&sch, WE_SCHED_LINEAR, 1000) == WE_OK, "linear schedule");
    CHECK(fabs(sch.betas[0] - 1e-4) < 1e-15 && fabs(sch.betas[999] - 0.02) < 1e-15, "linear betas ends");
    CHECK(we_sched_acp(&sch, -1) == 1.0, "acp(-1) = 1");
    we_sched_kind k;
    CHECK(we_sched_parse("cosine", &k) == WE_OK && k == WE_SCHED_COSINE, "parse cosine");
    CHECK(we_sched_parse("bogus", &k) == WE_EUSAGE, "reject unknown schedule");

    int g[41];
    we_sampler_grid(g, 40, 500);
    CHECK(g[0] == -1 && g[1] == 13 && g[40] == 500, "grid -1, 13, ..., 500");
    int mono = 1;
    for (int i = 1; i <= 40; i++) mono &= g[i] > g[i - 1];
    CHECK(mono, "grid strictly increasing");

    toy tm = {&sch, 0.5, 0};
    we_sampler s;
    we_sampler_init(&s);
    s.fn = toy_eps, s.ctx = &tm, s.sched = &sch;
    s.N = 64, s.C = 1, s.h = 8;
    size_t n = (size_t)s.N * 4 * 64, per = 4 * 64;
    float *x = malloc(n * 4), *x0 = malloc(n * 4), *e = malloc(n * 4);
    we_rng r;
    we_rng_seed(&r, 5);

    /* DDPM ancestral step == DDIM eta=1 step (same posterior) */
    {
        float *a = malloc(n * 4), *b = malloc(n * 4), *nz = malloc(n * 4);
        we_rng_fill_normal(&r, x, n);
        we_rng_fill_normal(&r, e, n);
        we_rng_fill_normal(&r, nz, n);
        we_sampler_ddpm_step(a, x, e, sch.acp[500], sch.acp[480], nz, 0.0f, n);
        we_sampler_ddim_step(b, x, e, sch.acp[500], sch.acp[480], 1.0f, nz, 0.0f, n);
        CHECK(check_max_abs_diff(a, b, n) < 1e-4, "DDPM ancestral step == DDIM eta=1 step");
        /* inversion step undoes a DDIM step for a fixed eps */
        we_sampler_ddim_step(a, x, e, sch.acp[500], sch.acp[480], 0.0f, NULL, 0.0f, n);
        we_sampler_ddim_invert_step(b, a, e, sch.acp[480], sch.acp[500], n);
        CHECK(check_max_abs_diff(b, x, n) < 1e-5, "inversion step inverts a DDIM step (same eps)");
        free(a), free(b), free(nz);
    }

    /* generation: DDIM (eta 0) 50 steps and DDPM 1000 steps reach N(1, 0.5^2) */
    {
        double m, sd;
        CHECK(we_sampler_generate(&s, x, 50, 0, &r) == WE_OK, "DDIM generate");
        stats(x, n, n, n, &m, &sd);
        printf("     DDIM 50 steps: mean %.4f sd %.4f (want 1, 0.5)\n", m, sd);
        CHECK(fabs(m - 1) < 0.03 && fabs(sd - 0.5) < 0.03, "DDIM samples ~ N(1, 0.25)");
        CHECK(we_sampler_generate(&s, x, 1000, 1, &r) == WE_OK, "DDPM generate");
        stats(x, n, n, n, &m, &sd);
        printf("     DDPM 1000 steps: mean %.4f sd %.4f\n", m, sd);
        CHECK(fabs(m - 1) < 0.03 && fabs(sd - 0.5) < 0.03, "DDPM ancestral samples ~ N(1, 0.25)");
        s.eta = 1.0f;
        CHECK(we_sampler_generate(&s, x, 100, 0, &r) == WE_OK, "DDIM eta=1 generate");
        stats(x, n, n, n, &m, &sd);
        printf("     DDIM eta=1 100 steps: mean %.4f sd %.4f\n", m, sd);
        CHECK(fabs(m - 1) < 0.03 && fabs(sd - 0.5) < 0.04, "DDIM eta=1 samples ~ N(1, 0.25)");
        s.eta = 0;
    }

    /* guidance: s_low = 0 -> LL channels follow the NULL model (mean 0),
     * s_high = 1 -> high channels the target (mean 1); 2 model calls/step */
    {
        double m, sd;
        s.s_low = 0.0f, s.s_high = 1.0f;
        tm.calls = 0;
        CHECK(we_sampler_generate(&s, x, 50, 0, &r) == WE_OK, "guided generate");
        CHECK(tm.calls == 100, "low/high guidance makes 2 model calls per step");
        stats(x, n, per, 64, &m, &sd);
        printf("     guided LL mean %.4f\n", m);
        CHECK(fabs(m - 0) < 0.05, "s_low = 0: LL channels unconditional (mean 0)");
        double mh, sh;
        double sum = 0;
        size_t cnt = 0;
        for (size_t i = 0; i < n; i++)
            if (i % per >= 64) sum += x[i], cnt++;
        mh = sum / cnt;
        (void)sh;
        printf("     guided high mean %.4f\n", mh);
        CHECK(fabs(mh - 1) < 0.05, "s_high = 1: high channels conditional (mean 1)");
        /* guide() arithmetic */
        float ec[8 * 64], en[8 * 64];
        for (int i = 0; i < 8 * 64; i++) ec[i] = 1, en[i] = 0.5f;
        we_sampler_guide(ec, en, 3.0f, 5.0f, 2, 1, 64);
        CHECK(ec[0] == 2.0f && ec[64] == 3.0f && ec[256] == 2.0f && ec[511] == 3.0f, "guide: 0.5 + s (1 - 0.5) per band");
        s.s_low = s.s_high = 1.0f;
    }

    /* per-condition guidance: eps_null + sum_c s_c (eps_c - eps_null) with
     * mu_1 = 0.5, mu_2 = 1: scales (1, 0) target mean ~0.5 */
    {
        float sc[2] = {1.0f, 0.0f};
        double m, sd;
        s.ncond = 2, s.cond_scales = sc;
        tm.calls = 0;
        CHECK(we_sampler_generate(&s, x, 50, 0, &r) == WE_OK, "per-condition guided generate");
        stats(x, n, n, n, &m, &sd);
        printf("     per-condition (1, 0): mean %.4f calls %d\n", m, tm.calls);
        CHECK(fabs(m - 0.5) < 0.05, "per-condition guidance follows condition 1 (mean 0.5)");
        CHECK(tm.calls == 100, "a zero scale skips its model call");
        s.ncond = 0, s.cond_scales = NULL;
    }

    /* DDIM inversion + reconstruction under the same condition returns the
     * input; editing moves mean -1 data to mean +1 */
    {
        for (size_t i = 0; i < n; i++) x0[i] = (float)(-1 + 0.5 * we_rng_normal(&r));
        memcpy(x, x0, n * 4);
        CHECK(we_sampler_invert(&s, x, 100, 999, NULL) == WE_OK, "invert to t=999");
        double m, sd;
        stats(x, n, n, n, &m, &sd);
        printf("     inverted x_999: mean %.4f sd %.4f (want ~0, ~1)\n", m, sd);
        CHECK(fabs(m) < 0.1 && fabs(sd - 1) < 0.1, "inversion reaches the noise distribution");
        /* reconstruct: reverse DDIM under SOURCE (mu = -1) from the inverted
         * state; the error is the Euler discretisation, so it must shrink
         * about 10x from 100 to 1000 steps */
        double err[2];
        for (int pass = 0; pass < 2; pass++) {
            int st = pass ? 1000 : 100;
            int *gg = malloc(sizeof(int) * (size_t)(st + 1));
            memcpy(x, x0, n * 4);
            we_sampler_invert(&s, x, st, 999, NULL);
            we_sampler_grid(gg, st, 999);
            for (int kk = st; kk >= 1; kk--) {
                toy_eps(&tm, e, x, gg[kk], WE_EPS_SOURCE, s.N);
                we_sampler_ddim_step(x, x, e, we_sched_acp(&sch, gg[kk]), we_sched_acp(&sch, gg[kk - 1]), 0, NULL, 0.0f, n);
            }
            double a = 0;
            for (size_t i = 0; i < n; i++) a += fabs(x[i] - x0[i]);
            err[pass] = a / n;
            free(gg);
        }
        printf("     inversion + reconstruction mean abs error: 100 steps %.4g, 1000 steps %.4g\n", err[0], err[1]);
        CHECK(err[0] < 0.04, "DDIM inversion + reconstruction returns the input (100 steps)");
        CHECK(err[1] < 0.004 && err[1] < err[0] / 5, "reconstruction error converges with the step count");

        memcpy(x, x0, n * 4);
        CHECK(we_sampler_edit(&s, x, 40, 999, 0.0f, 0, &r) == WE_OK, "edit t0 = 999");
        stats(x, n, n, n, &m, &sd);
        printf("     edited (t0 999): mean %.4f sd %.4f (want 1, 0.5)\n", m, sd);
        CHECK(fabs(m - 1) < 0.1 && fabs(sd - 0.5) < 0.06, "full-strength edit moves N(-1) data to N(1)");
        memcpy(x, x0, n * 4);
        CHECK(we_sampler_edit(&s, x, 40, 300, 0.0f, 0, &r) == WE_OK, "edit t0 = 300");
        double m3, s3;
        stats(x, n, n, n, &m3, &s3);
        printf("     edited (t0 300): mean %.4f\n", m3);
        CHECK(m3 > -1 + 0.1 && m3 < m, "a weaker edit moves the data part of the way");
        /* edit + reconstruction: the edit's bits are those of we_sampler_edit,
         * the reconstruction (source condition, unguided) comes back near the
         * source (N(-1) data), and recon = the manual reverse pass */
        {
            float *xe = malloc(n * 4), *rec = malloc(n * 4);
            memcpy(xe, x0, n * 4);
            memcpy(x, x0, n * 4);
            CHECK(we_sampler_edit(&s, x, 40, 300, 0.0f, 0, &r) == WE_OK &&
                  we_sampler_edit_recon(&s, xe, rec, 40, 300, 0.0f, 0, &r) == WE_OK, "edit with reconstruction");
            CHECK(memcmp(x, xe, n * 4) == 0, "the edit is bit-identical with and without the reconstruction");
            double er = 0, de = 0;
            for (size_t i = 0; i < n; i++) er += fabs(rec[i] - x0[i]), de += fabs(xe[i] - x0[i]);
            printf("     reconstruction mean abs error %.4g; edit moved the data by %.4g\n", er / n, de / n);
            CHECK(er / n < 0.05 && er < de / 5, "the reconstruction returns the source, the edit moves it");
            free(xe), free(rec);
        }
        /* faithfulness: with the whole reverse pass replacing LL-of-LL, the
         * LL block means stay those of the inversion trajectory, so the
         * LL mean stays near the source's */
        memcpy(x, x0, n * 4);
        CHECK(we_sampler_edit(&s, x, 40, 999, 1.0f, 1, &r) == WE_OK, "edit with faithfulness");
        double ml, sl;
        stats(x, n, per, 64, &ml, &sl);
        stats(x0, n, per, 64, &m3, &s3);
        printf("     faithful edit LL mean %.4f (source %.4f)\n", ml, m3);
        CHECK(fabs(ml - m3) < 0.2, "faithfulness keeps the coarse LL of the source");
        /* region high: LL channels are fixed to the source during editing */
        s.region = WE_REGION_HIGH;
        memcpy(x, x0, n * 4);
        CHECK(we_sampler_edit(&s, x, 20, 500, 0.0f, 0, &r) == WE_OK, "edit with region high");
        int same = 1;
        for (size_t i = 0; i < n; i++)
            if (i % per < 64 && x[i] != x0[i]) same = 0;
        CHECK(same, "region high: LL channels untouched");
        CHECK(we_sampler_generate(&s, x, 10, 0, &r) == WE_EUSAGE, "region high generation needs fixed bands");
        s.region = WE_REGION_ALL;
    }

    /* x0 clipping: predicted x0 clamped, eps recomputed consistently */
    {
        float xx[3] = {0.5f, -0.2f, 0.1f}, ee[3] = {-3.0f, 2.0f, 0.0f}, out[3], ref[3];
        double a = sch.acp[900], ap = sch.acp[800];
        we_sampler_ddim_step(out, xx, ee, a, ap, 0.0f, NULL, 1.0f, 3);
        for (int i = 0; i < 3; i++) {
            double p0 = (xx[i] - sqrt(1 - a) * ee[i]) / sqrt(a);
            p0 = fmax(-1, fmin(1, p0));
            double e2 = (xx[i] - sqrt(a) * p0) / sqrt(1 - a);
            ref[i] = (float)(sqrt(ap) * p0 + sqrt(1 - ap) * e2);
        }
        CHECK(check_max_abs_diff(out, ref, 3) < 1e-6, "DDIM step with x0 clipping");
        we_sampler_ddim_step(out, xx, ee, 1.0, 1.0, 0.0f, NULL, 1.0f, 3);
        CHECK(out[0] == xx[0], "clipping leaves a_t = 1 alone");
        s.clip = 1.0f;
        double m, sd;
        CHECK(we_sampler_generate(&s, x, 50, 0, &r) == WE_OK, "generate with clipping");
        stats(x, n, n, n, &m, &sd);
        double mx = 0;
        for (size_t i = 0; i < n; i++) mx = fmax(mx, fabs(x[i]));
        printf("     clipped DDIM: mean %.4f max |x| %.4f\n", m, mx);
        CHECK(mx <= 1.0 + 1e-6, "clipped samples stay in [-1, 1]");
        s.clip = 0;
    }

    /* RNG state round trip */
    {
        we_rng a, b;
        we_rng_seed(&a, 42);
        we_rng_normal(&a); /* leaves a spare */
        char hex[96];
        we_rng_to_hex(&a, hex);
        CHECK(we_rng_from_hex(&b, hex) == 0, "rng from hex");
        int same = 1;
        for (int i = 0; i < 100; i++) same &= we_rng_normal(&a) == we_rng_normal(&b);
        CHECK(same, "restored rng draws the same numbers");
        CHECK(we_rng_from_hex(&b, "zz") == -1, "bad rng state rejected");
    }

    free(x), free(x0), free(e);
    we_sched_free(&sch);
    return check_summary();
}
