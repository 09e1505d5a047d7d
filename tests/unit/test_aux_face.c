/* test_aux_face.c - the face auxiliary losses (lib/diffusion/we_aux_face.h):
 * finite-difference checks of the L_lm, L_id and L_bg gradients w.r.t.
 * eps_hat (small S, C = 1 and 3), a sample above the t cutoff and the clean
 * channels of region=high get no gradient, max_items limits the net terms,
 * L_bg is 0 when x0_hat = x0 outside the hull and its image gradient is 0
 * inside the hull, and a training step with the new lambdas 0 is
 * bit-identical to the plain step. L_lm and L_id run face-api's real
 * landmark and recognition nets: they skip (with a line) when
 * third_party/face-api is missing (run sh scripts/setup.sh), as test_faceapi. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aux_fixture.h"
#include "check.h"
#include "we_align.h"
#include "we_aux_face.h"
#include "we_dwt.h"
#include "we_train.h"

#define N 3
#define TMAX 400

static const int32_t T3[N] = {30, 250, 700}; /* last one above the cutoff */
static const int32_t KNOWN[N] = {1, 1, 1};


/* 68 plausible landmarks of an S x S face: dlib's template for 17..67 and
 * an arc for the jaw, shifted a little per sample. */
static void landmarks(float *lm, int S)
{
    for (int b = 0; b < N; b++)
        for (int i = 0; i < 68; i++) {
            double x, y;
            if (!we_align_template_point(i, S, 0.3, &x, &y)) {
                x = S * (0.22 + 0.56 * i / 16.0);
                y = S * (0.45 + 0.33 * sin(M_PI * i / 16.0));
            }
            lm[b * 136 + 2 * i] = (float)(x + 0.3 * b);
            lm[b * 136 + 2 * i + 1] = (float)(y - 0.2 * b);
        }
}

/* x0 (a smooth face-like image plus noise, in diffusion space), xt noised
 * at T3 on the noised channels, eps = noise + an offset (away from L1 kinks). */
static void make_batch(const we_aux_face *a, const we_sched *s, we_rng *r, float *x0, float *xt, float *eps)
{
    int C = a->cfg.C, S = a->cfg.S;
    size_t P = (size_t)S * S;
    float *img = malloc(sizeof(float) * C * P);
    for (int b = 0; b < N; b++) {
        for (int c = 0; c < C; c++)
            for (int y = 0; y < S; y++)
                for (int x = 0; x < S; x++) {
                    double dx = (x - S / 2.0) / S, dy = (y - S / 2.0) / S;
                    img[c * P + (size_t)y * S + x] =
                        (float)(0.6 * exp(-8 * (dx * dx + dy * dy)) - 0.3 + 0.15 * c + 0.2 * we_rng_normal(r));
                }
        float *xb = x0 + (size_t)b * a->xsize;
        we_dwt2_forward(xb, NULL, img, C, S, S, a->wl, 1, 1);
        for (int i = 0; i < a->xsize; i++) xb[i] *= a->cfg.data_scale;
        double ab = s->acp[T3[b]];
        aux_fixture_noise(x0, xt, eps, b, a->xsize, 4 * a->cfg.C, a->hw, a->lo, a->hi, ab, r);
    }
    free(img);
}

enum { T_LM, T_ID, T_BG };
static int g_max_items;

static float loss_of(int term, we_aux_face *a, const we_sched *s, const float *xt, const float *eps, const float *x0,
                     const float *lm, float *deps)
{
    float l = NAN;
    we_status st = term == T_LM ? we_aux_lm(a, s, xt, eps, x0, T3, N, TMAX, g_max_items, 1.0f, &l, NULL, deps)
                   : term == T_ID ? we_aux_id(a, s, xt, eps, x0, T3, N, TMAX, g_max_items, 1.0f, &l, NULL, deps)
                                  : we_aux_bg(a, s, xt, eps, x0, T3, lm, KNOWN, N, TMAX, 1.0f, &l, NULL, deps);
    return st ? NAN : l;
}

/* Directional finite differences (the nets' ReLU kinks make single
 * coordinates unreliable, test_faceapi): for `ndir` random directions v
 * over the noised channels, (L(eps + h v) - L(eps - h v)) / 2h against
 * <g, v>. Returns the worst relative error; also checks sample 2 (t above
 * the cutoff) and the clean channels get no gradient. */
static double fd_check(const char *what, int term, we_aux_face *a, const we_sched *s, double h, int ndir)
{
    size_t n = (size_t)N * a->xsize;
    float *x0 = malloc(sizeof(float) * n), *xt = malloc(sizeof(float) * n), *eps = malloc(sizeof(float) * n);
    float *g = calloc(n, sizeof(float)), *e2 = malloc(sizeof(float) * n), *v = malloc(sizeof(float) * n);
    float lm[N * 136];
    landmarks(lm, a->cfg.S);
    we_rng r;
    we_rng_seed(&r, 5);
    make_batch(a, s, &r, x0, xt, eps);
    float l0 = loss_of(term, a, s, xt, eps, x0, lm, g);
    char msg[160];
    snprintf(msg, sizeof msg, "%s: loss finite and > 0 (%.5f)", what, l0);
    CHECK(isfinite(l0) && l0 > 0, msg);
    int zero = 1, clean = 1, some = 0;
    for (int i = 0; i < a->xsize; i++) zero &= g[2 * (size_t)a->xsize + i] == 0.0f;
    for (int b = 0; b < N; b++)
        for (int c = 0; c < 4 * a->cfg.C; c++)
            for (int i = 0; i < a->hw; i++) {
                float gi = g[(size_t)b * a->xsize + (size_t)c * a->hw + i];
                if (c < a->lo || c >= a->hi) clean &= gi == 0.0f;
                else some |= gi != 0.0f;
            }
    snprintf(msg, sizeof msg, "%s: zero gradient for t >= aux_tmax, some below", what);
    CHECK(zero && some, msg);
    snprintf(msg, sizeof msg, "%s: zero gradient on the clean (un-noised) channels", what);
    CHECK(clean, msg);
    double worst = 0;
    for (int d = 0; d < ndir; d++) {
        /* direction 0 along g (the largest signal over float rounding), the
         * others g plus an equal random part (off-gradient components) */
        double gv = 0, vn = 0, gn = 0, rn = 0;
        for (size_t i = 0; i < n; i++) gn += (double)g[i] * g[i];
        for (size_t i = 0; i < n; i++) v[i] = d ? (float)we_rng_normal(&r) : 0, rn += (double)v[i] * v[i];
        for (size_t i = 0; i < n; i++) v[i] = (float)(g[i] / sqrt(gn) + (d ? v[i] / sqrt(rn) : 0)), vn += (double)v[i] * v[i];
        vn = sqrt(vn);
        for (size_t i = 0; i < n; i++) v[i] = (float)(v[i] / vn), gv += (double)g[i] * v[i];
        for (size_t i = 0; i < n; i++) e2[i] = eps[i] + (float)h * v[i];
        double lp = loss_of(term, a, s, xt, e2, x0, lm, NULL);
        for (size_t i = 0; i < n; i++) e2[i] = eps[i] - (float)h * v[i];
        double lq = loss_of(term, a, s, xt, e2, x0, lm, NULL);
        double fd = (lp - lq) / (2 * h), err = fabs(fd - gv) / fmax(fabs(gv), 1e-12);
        printf("     %s: direction %d: <g,v> %.5g, fd %.5g\n", what, d, gv, fd);
        if (err > worst) worst = err;
    }
    free(x0), free(xt), free(eps), free(g), free(e2), free(v);
    return worst;
}

/* max_items = 1: only the first sample below the cutoff gets a gradient. */
static void check_max_items(int term, we_aux_face *a, const we_sched *s, const char *what)
{
    size_t n = (size_t)N * a->xsize;
    float *x0 = malloc(sizeof(float) * n), *xt = malloc(sizeof(float) * n), *eps = malloc(sizeof(float) * n);
    float *g = calloc(n, sizeof(float)), lm[N * 136];
    landmarks(lm, a->cfg.S);
    we_rng r;
    we_rng_seed(&r, 6);
    make_batch(a, s, &r, x0, xt, eps);
    g_max_items = 1;
    float l = NAN;
    int cnt = -1;
    if (term == T_LM) we_aux_lm(a, s, xt, eps, x0, T3, N, TMAX, 1, 1.0f, &l, &cnt, g);
    else we_aux_id(a, s, xt, eps, x0, T3, N, TMAX, 1, 1.0f, &l, &cnt, g);
    g_max_items = 0;
    int first = 0, rest = 1;
    for (int i = 0; i < a->xsize; i++) first |= g[i] != 0.0f;
    for (size_t i = (size_t)a->xsize; i < n; i++) rest &= g[i] == 0.0f;
    CHECK(cnt == 1 && first && rest && isfinite(l), what);
    free(x0), free(xt), free(eps), free(g);
}

/* L_bg: x0_hat = x0 + a change inside the hull only -> loss 0; the image
 * gradient (IWT of deps, up to a constant) of a general batch is 0 inside. */
static void check_bg_hull(we_aux_face *a, const we_sched *s)
{
    int C = a->cfg.C, S = a->cfg.S;
    size_t n = (size_t)N * a->xsize, P = (size_t)S * S;
    float *x0 = malloc(sizeof(float) * n), *xt = malloc(sizeof(float) * n), *eps = malloc(sizeof(float) * n);
    float *g = calloc(n, sizeof(float)), *img = malloc(sizeof(float) * C * P), *cf = malloc(sizeof(float) * a->xsize);
    float lm[N * 136], *mask = malloc(sizeof(float) * P);
    landmarks(lm, S);
    we_rng r;
    we_rng_seed(&r, 7);
    make_batch(a, s, &r, x0, xt, eps);
    /* eps such that x0_hat = x0 + DWT(delta) * scale, delta inside the hull */
    for (int b = 0; b < N; b++) {
        we_aux_face_hull(mask, S, lm + b * 136);
        for (int c = 0; c < C; c++)
            for (size_t i = 0; i < P; i++) img[c * P + i] = mask[i] * (float)we_rng_normal(&r);
        we_dwt2_forward(cf, NULL, img, C, S, S, a->wl, 1, 1);
        double ab = s->acp[T3[b]], sa = sqrt(ab), sb = sqrt(1 - ab);
        for (int i = 0; i < a->xsize; i++) {
            size_t o = (size_t)b * a->xsize + i;
            /* the clean channels stay x0 (x_t there): change only the noised ones */
            int c = i / a->hw, noised = c >= a->lo && c < a->hi;
            double target = x0[o] + (noised ? cf[i] * a->cfg.data_scale : 0);
            if (noised) eps[o] = (float)((xt[o] - sa * target) / sb);
        }
    }
    float l = -1;
    int cnt = 0;
    we_aux_bg(a, s, xt, eps, x0, T3, lm, KNOWN, N, TMAX, 1.0f, &l, &cnt, g);
    char msg[128];
    snprintf(msg, sizeof msg, "L_bg: 0 when x0_hat = x0 outside the hull (%.3g, %d counted)", l, cnt);
    CHECK(cnt == 2 && fabsf(l) < 1e-5f, msg);
    /* a general batch: the gradient in image space vanishes inside the hull */
    make_batch(a, s, &r, x0, xt, eps);
    memset(g, 0, sizeof(float) * n);
    we_aux_bg(a, s, xt, eps, x0, T3, lm, KNOWN, N, TMAX, 1.0f, &l, &cnt, g);
    double in = 0, out = 0;
    for (int b = 0; b < 2; b++) {
        we_dwt2_inverse(img, NULL, g + (size_t)b * a->xsize, C, S, S, a->wl, 1, 1);
        we_aux_face_hull(mask, S, lm + b * 136);
        for (int c = 0; c < C; c++)
            for (size_t i = 0; i < P; i++) {
                double v = fabs(img[c * P + i]);
                if (mask[i]) in = fmax(in, v);
                else out = fmax(out, v);
            }
    }
    snprintf(msg, sizeof msg, "L_bg: image gradient 0 inside the hull (max %.3g inside, %.3g outside)", in, out);
    CHECK(in < 1e-6 * out && out > 0, msg);
    free(x0), free(xt), free(eps), free(g), free(img), free(cf), free(mask);
}

static void run_case(int S, int C, we_region reg, unsigned nets, const char *tag)
{
    we_unet_config cfg;
    aux_fixture_config(&cfg, S, C, reg);
    we_sched s;
    we_sched_init(&s, cfg.schedule, cfg.T);
    we_aux_face a;
    char what[96];
    we_status st = we_aux_face_init(&a, &cfg, nets, NULL);
    if (st == WE_ENOINPUT) {
        printf("skip: face-api weights not found in %s (run sh scripts/setup.sh): %s\n", we_fa_model_dir(),
               we_err_detail());
        nets = 0;
        st = we_aux_face_init(&a, &cfg, 0, NULL);
    }
    snprintf(what, sizeof what, "%s: init", tag);
    CHECK(st == WE_OK, what);
    if (st) return;
    /* L_bg: L1, the kinks are away under h (eps offsets) */
    snprintf(what, sizeof what, "%s: L_bg gradient (fd, rel 1e-2)", tag);
    CHECK(fd_check(what, T_BG, &a, &s, 1e-2, 3) < 1e-2, what);
    if (nets & WE_AUX_FACE_LM) {
        snprintf(what, sizeof what, "%s: L_lm gradient (fd, rel 3e-2)", tag);
        CHECK(fd_check(what, T_LM, &a, &s, 1e-3, 3) < 3e-2, what);
        snprintf(what, sizeof what, "%s: L_lm max_items 1 takes the first sample only", tag);
        check_max_items(T_LM, &a, &s, what);
    }
    if (nets & WE_AUX_FACE_ID) {
        snprintf(what, sizeof what, "%s: L_id gradient (fd, rel 5e-2)", tag);
        CHECK(fd_check(what, T_ID, &a, &s, 2e-2, 3) < 5e-2, what);
        snprintf(what, sizeof what, "%s: L_id max_items 1 takes the first sample only", tag);
        check_max_items(T_ID, &a, &s, what);
    }
    if (reg == WE_REGION_ALL) check_bg_hull(&a, &s); /* high: delta's LL part is not x0_hat's to change */
    we_aux_face_free(&a);
    we_sched_free(&s);
}

static void test_refusals(void)
{
    we_unet_config cfg;
    aux_fixture_config(&cfg, 16, 1, WE_REGION_ALL);
    snprintf(cfg.wavelet, sizeof cfg.wavelet, "%s", "bior2.2");
    we_aux_face a;
    CHECK(we_aux_face_init(&a, &cfg, 0, NULL) == WE_EUSAGE, "init: a biorthogonal wavelet is refused");
    aux_fixture_config(&cfg, 16, 2, WE_REGION_ALL);
    CHECK(we_aux_face_init(&a, &cfg, 0, NULL) == WE_EUSAGE, "init: C = 2 is refused");
    aux_fixture_config(&cfg, 16, 1, WE_REGION_ALL);
    CHECK(we_aux_face_init(&a, &cfg, WE_AUX_FACE_LM, "/nonexistent/face-api") == WE_ENOINPUT,
          "init: missing face-api weights are WE_ENOINPUT");
    /* a degenerate hull: no face, every pixel outside */
    float lm[136] = {0}, mask[16 * 16];
    we_aux_face_hull(mask, 16, lm);
    float sum = 0;
    for (int i = 0; i < 256; i++) sum += mask[i];
    CHECK(sum == 0, "hull: degenerate landmarks give an empty face mask");
}

int main(void)
{
    test_refusals();
    run_case(16, 1, WE_REGION_ALL, WE_AUX_FACE_LM | WE_AUX_FACE_ID, "S16 C1");
    run_case(32, 3, WE_REGION_HIGH, WE_AUX_FACE_LM | WE_AUX_FACE_ID, "S32 C3 high");
    run_case(64, 1, WE_REGION_ALL, 0, "S64 C1");
    return check_summary();
}
