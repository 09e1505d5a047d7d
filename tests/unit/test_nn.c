/* test_nn.c - the nn layers (lib/nn/we_nn.h) and the optimizer (lib/nn/we_optim.h)
 * against PyTorch goldens (tests/golden/nn/, written by
 * tests/ref/layers_golden.py), plus finite-difference gradient checks and
 * the += accumulation rule for every layer.
 *
 * Per tensor it prints "max abs" and "rel" = max abs / max |reference|
 * (the checked quantity, tolerance 1e-4) and the element-wise max rel
 * (|a-b| / |b| over elements with |b| > 1e-3 max|b|, for information). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_nn.h"
#include "we_nn_priv.h" /* we_nn_conv_wino_min_tiles: force each conv algorithm */
#include "we_optim.h"
#include "we_stream.h"

#define GOLDEN_DIR "tests/golden/nn/"
#define REL_TOL 1e-4

/* ---------------------------------------------------------------- golden */

typedef struct {
    we_frame f[32];
    int n;
} golden;

static int golden_load(golden *g, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, GOLDEN_DIR "%s.wes", name);
    memset(g, 0, sizeof *g);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        printf("     cannot open %s\n", path);
        return 0;
    }
    we_reader r;
    we_reader_init(&r, fp, path);
    we_status st = WE_OK;
    while (g->n < 32) {
        we_frame_init(&g->f[g->n]);
        st = we_reader_frame(&r, &g->f[g->n]);
        if (st != WE_OK) break;
        g->n++;
    }
    we_reader_free(&r);
    fclose(fp);
    if (st != WE_EOF) printf("     %s: %s (%s)\n", path, we_err_str(st), we_err_detail());
    return st == WE_EOF && g->n > 0;
}

static void golden_free(golden *g)
{
    for (int i = 0; i < g->n; i++) we_frame_free(&g->f[i]);
    g->n = 0;
}

static const we_frame *golden_frame(const golden *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->f[i].name, name)) return &g->f[i];
    return NULL;
}

/* A malloc'd copy of the golden tensor `name` (NULL and a failed check if absent). */
static float *golden_copy(const golden *g, const char *name, size_t *count)
{
    const we_frame *fr = golden_frame(g, name);
    if (!fr || fr->t.dtype != WE_F32) {
        printf("     golden tensor '%s' missing\n", name);
        CHECK(0, "golden tensor present");
        return NULL;
    }
    size_t n = we_tensor_count(&fr->t);
    float *p = malloc(n * sizeof(float));
    memcpy(p, fr->t.data, n * sizeof(float));
    if (count) *count = n;
    return p;
}

static const float *golden_data(const golden *g, const char *name)
{
    const we_frame *fr = golden_frame(g, name);
    return fr ? (const float *)fr->t.data : NULL;
}

static double golden_key(const golden *g, const char *key)
{
    double v = 0;
    if (g->n == 0 || we_frame_get_double(&g->f[0], key, &v) != WE_OK) {
        printf("     golden key '%s' missing\n", key);
        CHECK(0, "golden key present");
    }
    return v;
}

/* Compare n floats against a reference; prints the errors; checks rel <= tol. */
static void compare(const char *what, const float *got, const float *want, size_t n, double tol)
{
    char msg[160];
    if (!want || !got) {
        snprintf(msg, sizeof msg, "%s: reference present", what);
        CHECK(0, msg);
        return;
    }
    double mabs = 0, mref = 0, mrel = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (d != d) d = INFINITY;
        if (d > mabs) mabs = d;
        if (fabs(want[i]) > mref) mref = fabs(want[i]);
    }
    for (size_t i = 0; i < n; i++) {
        if (fabs(want[i]) > 1e-3 * mref) {
            double r = fabs((double)got[i] - want[i]) / fabs(want[i]);
            if (r > mrel) mrel = r;
        }
    }
    double rel = mref > 0 ? mabs / mref : mabs;
    printf("     %-28s max abs %.3e  rel %.3e  (elementwise max rel %.3e)\n", what, mabs, rel, mrel);
    snprintf(msg, sizeof msg, "%s matches reference (rel %.2e <= %.0e)", what, rel, tol);
    CHECK(rel <= tol, msg);
}

/* ------------------------------------------------- generic layer harness */

typedef struct lcase lcase;
typedef struct {
    const char *name; /* golden name of the tensor; gradient is "d" + name */
    float *x, *dx;
    size_t n;
} ltensor;

struct lcase {
    const char *name;
    golden g;
    int have_golden;
    float *out, *dout;
    size_t nout;
    ltensor t[8];
    int nt;
    void (*fwd)(lcase *);
    void (*bwd)(lcase *);
    /* layer-specific state */
    int i[16];
    float f[4];
    we_conv2d_dims cd;
    float *scratch, *s1, *s2, *s3;
    int32_t *ids;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng_u32(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}
static float rng_normal(void)
{
    double u1 = (rng_u32() + 1.0) / 4294967297.0, u2 = (rng_u32() + 1.0) / 4294967297.0;
    return (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
}

/* Add a differentiable tensor, taken from the golden file (or random). */
static ltensor *lcase_tensor(lcase *c, const char *name, size_t n_if_random)
{
    ltensor *t = &c->t[c->nt++];
    t->name = name;
    if (c->have_golden) {
        t->x = golden_copy(&c->g, name, &t->n);
        if (!t->x) {
            t->n = n_if_random;
            t->x = calloc(n_if_random ? n_if_random : 1, sizeof(float));
        }
    } else {
        t->n = n_if_random;
        t->x = malloc(n_if_random * sizeof(float));
        for (size_t k = 0; k < n_if_random; k++) t->x[k] = rng_normal();
    }
    t->dx = calloc(t->n, sizeof(float));
    return t;
}

static void lcase_out(lcase *c, size_t nout)
{
    c->nout = nout;
    c->out = calloc(nout, sizeof(float));
    if (c->have_golden) {
        size_t nd = 0;
        c->dout = golden_copy(&c->g, "dout", &nd);
        CHECK(nd == nout, "golden dout size matches the layer's output");
        if (!c->dout || nd != nout) {
            free(c->dout);
            c->dout = calloc(nout, sizeof(float));
        }
    } else {
        c->dout = malloc(nout * sizeof(float));
        for (size_t k = 0; k < nout; k++) c->dout[k] = rng_normal();
    }
}

static double lcase_loss(lcase *c)
{
    c->fwd(c);
    double s = 0;
    for (size_t k = 0; k < c->nout; k++) s += (double)c->out[k] * c->dout[k];
    return s;
}

static ltensor *lcase_find(lcase *c, const char *name)
{
    for (int k = 0; k < c->nt; k++)
        if (!strcmp(c->t[k].name, name)) return &c->t[k];
    return NULL;
}

/* Golden comparison, accumulation rule, finite differences. */
static void lcase_run(lcase *c, float fd_eps)
{
    char what[160];
    printf("-- %s\n", c->name);
    c->fwd(c);
    if (c->have_golden) {
        snprintf(what, sizeof what, "%s.out", c->name);
        compare(what, c->out, golden_data(&c->g, "out"), c->nout, REL_TOL);
    }
    for (int k = 0; k < c->nt; k++) memset(c->t[k].dx, 0, c->t[k].n * sizeof(float));
    c->bwd(c);
    if (c->have_golden) {
        for (int k = 0; k < c->nt; k++) {
            char gname[64];
            snprintf(gname, sizeof gname, "d%s", c->t[k].name);
            snprintf(what, sizeof what, "%s.%s", c->name, gname);
            compare(what, c->t[k].dx, golden_data(&c->g, gname), c->t[k].n, REL_TOL);
        }
    }
    /* += rule: a second backward adds the same gradients again. */
    {
        double worst = 0, scale = 0;
        float *save[8];
        for (int k = 0; k < c->nt; k++) {
            save[k] = malloc(c->t[k].n * sizeof(float));
            memcpy(save[k], c->t[k].dx, c->t[k].n * sizeof(float));
        }
        c->bwd(c);
        for (int k = 0; k < c->nt; k++) {
            for (size_t e = 0; e < c->t[k].n; e++) {
                double d = fabs(c->t[k].dx[e] - 2.0 * save[k][e]);
                if (d > worst || d != d) worst = d != d ? INFINITY : d;
                if (fabs(save[k][e]) > scale) scale = fabs(save[k][e]);
                c->t[k].dx[e] = save[k][e];
            }
            free(save[k]);
        }
        snprintf(what, sizeof what, "%s: backward accumulates (+=) into every gradient", c->name);
        CHECK(worst <= 1e-5 * (scale + 1e-30), what);
    }
    /* Finite differences: central, in double, on 4 random coordinates. */
    for (int k = 0; k < c->nt; k++) {
        ltensor *t = &c->t[k];
        double worst = 0;
        for (int r = 0; r < 4; r++) {
            size_t e = rng_u32() % t->n;
            float orig = t->x[e];
            float xp = orig + fd_eps, xm = orig - fd_eps;
            t->x[e] = xp;
            double lp = lcase_loss(c);
            t->x[e] = xm;
            double lm = lcase_loss(c);
            t->x[e] = orig;
            double num = (lp - lm) / ((double)xp - (double)xm), an = t->dx[e];
            double err = fabs(num - an) / (fmax(fabs(num), fabs(an)) + 1e-2);
            if (err > worst || err != err) worst = err != err ? INFINITY : err;
        }
        printf("     %s.d%s finite differences: worst rel err %.2e\n", c->name, t->name, worst);
        snprintf(what, sizeof what, "%s.d%s matches finite differences", c->name, t->name);
        CHECK(worst < 2e-2, what);
    }
    c->fwd(c); /* leave outputs consistent with unperturbed inputs */
}

static void lcase_free(lcase *c)
{
    for (int k = 0; k < c->nt; k++) {
        free(c->t[k].x);
        free(c->t[k].dx);
    }
    free(c->out);
    free(c->dout);
    free(c->scratch);
    free(c->s1);
    free(c->s2);
    free(c->s3);
    free(c->ids);
    golden_free(&c->g);
}

static int lcase_open(lcase *c, const char *name)
{
    memset(c, 0, sizeof *c);
    c->name = name;
    c->have_golden = golden_load(&c->g, name);
    char what[96];
    snprintf(what, sizeof what, "golden %s.wes loads", name);
    CHECK(c->have_golden, what);
    return c->have_golden;
}

/* ---------------------------------------------------------------- layers */

static float *tx(lcase *c, const char *name) { ltensor *t = lcase_find(c, name); return t ? t->x : NULL; }
static float *tdx(lcase *c, const char *name) { ltensor *t = lcase_find(c, name); return t ? t->dx : NULL; }

static void conv_fwd(lcase *c)
{
    we_nn_conv2d_forward(c->out, c->scratch, tx(c, "inp"), tx(c, "weight"), tx(c, "bias"), &c->cd);
}
static void conv_bwd(lcase *c)
{
    we_nn_conv2d_backward(tdx(c, "inp"), tdx(c, "weight"), tdx(c, "bias"), c->scratch, c->dout,
                          tx(c, "inp"), tx(c, "weight"), &c->cd);
}

static void test_conv(const char *name)
{
    lcase c;
    if (!lcase_open(&c, name)) return;
    we_conv2d_dims d = {
        .N = (int)golden_key(&c.g, "n"), .Cin = (int)golden_key(&c.g, "cin"),
        .H = (int)golden_key(&c.g, "h"), .W = (int)golden_key(&c.g, "w"),
        .Cout = (int)golden_key(&c.g, "cout"), .k = (int)golden_key(&c.g, "k"),
        .stride = (int)golden_key(&c.g, "stride"), .pad = (int)golden_key(&c.g, "pad"),
        .groups = (int)golden_key(&c.g, "groups"),
    };
    c.cd = d;
    lcase_tensor(&c, "inp", 0);
    lcase_tensor(&c, "weight", 0);
    if (golden_key(&c.g, "bias") != 0) lcase_tensor(&c, "bias", 0);
    size_t ns = we_nn_conv2d_scratch_size(&d);
    c.scratch = malloc((ns ? ns : 1) * sizeof(float));
    lcase_out(&c, (size_t)d.N * d.Cout * we_conv2d_out_h(&d) * we_conv2d_out_w(&d));
    c.fwd = conv_fwd;
    c.bwd = conv_bwd;
    lcase_run(&c, 1e-2f);
    lcase_free(&c);
}

/* i[0..4] = N, C, HW, G; f[0] = eps */
static void gn_fwd(lcase *c)
{
    we_nn_groupnorm_forward(c->out, c->s1, c->s2, tx(c, "inp"), tx(c, "weight"), tx(c, "bias"),
                            c->i[0], c->i[1], c->i[2], c->i[3], c->f[0]);
}
static void gn_bwd(lcase *c)
{
    we_nn_groupnorm_backward(tdx(c, "inp"), tdx(c, "weight"), tdx(c, "bias"), c->dout,
                             tx(c, "inp"), tx(c, "weight"), c->s1, c->s2,
                             c->i[0], c->i[1], c->i[2], c->i[3]);
}
static void adagn_fwd(lcase *c)
{
    const float *ss = tx(c, "ss");
    int C = c->i[1];
    we_nn_adagn_forward(c->out, c->s1, c->s2, tx(c, "inp"), tx(c, "weight"), tx(c, "bias"),
                        ss, ss + C, 2 * C, c->i[0], C, c->i[2], c->i[3], c->f[0]);
}
static void adagn_bwd(lcase *c)
{
    const float *ss = tx(c, "ss");
    float *dss = tdx(c, "ss");
    int C = c->i[1];
    we_nn_adagn_backward(tdx(c, "inp"), tdx(c, "weight"), tdx(c, "bias"), dss, dss + C,
                         c->dout, tx(c, "inp"), tx(c, "weight"), tx(c, "bias"), ss, ss + C,
                         2 * C, c->s1, c->s2, c->i[0], C, c->i[2], c->i[3]);
}

static void test_norm(const char *name, int ada)
{
    lcase c;
    if (!lcase_open(&c, name)) return;
    c.i[0] = (int)golden_key(&c.g, "n");
    c.i[1] = (int)golden_key(&c.g, "c");
    c.i[2] = (int)golden_key(&c.g, "hw");
    c.i[3] = (int)golden_key(&c.g, "g");
    c.f[0] = (float)golden_key(&c.g, "eps");
    lcase_tensor(&c, "inp", 0);
    lcase_tensor(&c, "weight", 0);
    lcase_tensor(&c, "bias", 0);
    if (ada) lcase_tensor(&c, "ss", 0);
    c.s1 = malloc(sizeof(float) * c.i[0] * c.i[3]);
    c.s2 = malloc(sizeof(float) * c.i[0] * c.i[3]);
    lcase_out(&c, (size_t)c.i[0] * c.i[1] * c.i[2]);
    c.fwd = ada ? adagn_fwd : gn_fwd;
    c.bwd = ada ? adagn_bwd : gn_bwd;
    lcase_run(&c, 1e-2f);
    lcase_free(&c);
}

static void silu_fwd(lcase *c) { we_nn_silu_forward(c->out, tx(c, "inp"), c->nout); }
static void silu_bwd(lcase *c) { we_nn_silu_backward(tdx(c, "inp"), c->dout, tx(c, "inp"), c->nout); }

static void test_silu(void)
{
    lcase c;
    if (!lcase_open(&c, "silu")) return;
    lcase_tensor(&c, "inp", 0);
    lcase_out(&c, (size_t)golden_key(&c.g, "n"));
    c.fwd = silu_fwd;
    c.bwd = silu_bwd;
    lcase_run(&c, 1e-2f);
    lcase_free(&c);
}

static void linear_fwd(lcase *c)
{
    we_nn_linear_forward(c->out, tx(c, "inp"), tx(c, "weight"), tx(c, "bias"), c->i[0], c->i[1], c->i[2]);
}
static void linear_bwd(lcase *c)
{
    we_nn_linear_backward(tdx(c, "inp"), tdx(c, "weight"), tdx(c, "bias"), c->dout, tx(c, "inp"),
                          tx(c, "weight"), c->i[0], c->i[1], c->i[2]);
}

static void test_linear(void)
{
    lcase c;
    if (!lcase_open(&c, "linear")) return;
    c.i[0] = (int)golden_key(&c.g, "b");
    c.i[1] = (int)golden_key(&c.g, "in_");
    c.i[2] = (int)golden_key(&c.g, "out");
    lcase_tensor(&c, "inp", 0);
    lcase_tensor(&c, "weight", 0);
    lcase_tensor(&c, "bias", 0);
    lcase_out(&c, (size_t)c.i[0] * c.i[2]);
    c.fwd = linear_fwd;
    c.bwd = linear_bwd;
    lcase_run(&c, 1e-2f);
    lcase_free(&c);
}

static void emb_fwd(lcase *c) { we_nn_embedding_forward(c->out, c->ids, tx(c, "table"), c->i[0], c->i[1], c->i[2]); }
static void emb_bwd(lcase *c) { we_nn_embedding_backward(tdx(c, "table"), c->dout, c->ids, c->i[0], c->i[1], c->i[2]); }

static void test_embedding(void)
{
    lcase c;
    if (!lcase_open(&c, "embedding")) return;
    c.i[0] = (int)golden_key(&c.g, "b");
    c.i[1] = (int)golden_key(&c.g, "v");
    c.i[2] = (int)golden_key(&c.g, "d");
    const we_frame *fi = golden_frame(&c.g, "ids");
    CHECK(fi && fi->t.dtype == WE_I32 && (int)we_tensor_count(&fi->t) == c.i[0], "embedding ids are i32 [B]");
    c.ids = calloc(c.i[0], sizeof(int32_t));
    if (fi && fi->t.dtype == WE_I32) memcpy(c.ids, fi->t.data, sizeof(int32_t) * c.i[0]);
    lcase_tensor(&c, "table", 0);
    lcase_out(&c, (size_t)c.i[0] * c.i[2]);
    c.fwd = emb_fwd;
    c.bwd = emb_bwd;
    lcase_run(&c, 1e-2f);
    lcase_free(&c);
}

/* i = N, C, T, heads; s1 = qkv, s2 = att, s3 = a */
static void att_fwd(lcase *c)
{
    we_nn_attention_forward(c->out, c->s1, c->s2, c->s3, tx(c, "inp"), tx(c, "wqkv"),
                            tx(c, "bqkv"), tx(c, "wproj"), tx(c, "bproj"),
                            c->i[0], c->i[1], c->i[2], c->i[3]);
}
static void att_bwd(lcase *c)
{
    we_nn_attention_backward(tdx(c, "inp"), tdx(c, "wqkv"), tdx(c, "bqkv"), tdx(c, "wproj"),
                             tdx(c, "bproj"), c->scratch, c->dout, tx(c, "inp"), tx(c, "wqkv"),
                             tx(c, "wproj"), c->s1, c->s2, c->s3, c->i[0], c->i[1], c->i[2], c->i[3]);
}

static void test_attention(const char *name)
{
    lcase c;
    if (!lcase_open(&c, name)) return;
    int N = c.i[0] = (int)golden_key(&c.g, "n");
    int C = c.i[1] = (int)golden_key(&c.g, "c");
    int T = c.i[2] = (int)golden_key(&c.g, "t");
    int h = c.i[3] = (int)golden_key(&c.g, "heads");
    lcase_tensor(&c, "inp", 0);
    lcase_tensor(&c, "wqkv", 0);
    lcase_tensor(&c, "bqkv", 0);
    lcase_tensor(&c, "wproj", 0);
    lcase_tensor(&c, "bproj", 0);
    c.s1 = malloc(sizeof(float) * N * 3 * C * T);
    c.s2 = malloc(sizeof(float) * N * h * T * T);
    c.s3 = malloc(sizeof(float) * N * C * T);
    c.scratch = malloc(sizeof(float) * we_nn_attention_scratch_size(C, T, h));
    lcase_out(&c, (size_t)N * C * T);
    c.fwd = att_fwd;
    c.bwd = att_bwd;
    lcase_run(&c, 1e-2f);
    /* attention rows sum to 1 */
    double worst = 0;
    for (int r = 0; r < N * h * T; r++) {
        double s = 0;
        for (int k = 0; k < T; k++) s += c.s2[(size_t)r * T + k];
        worst = fmax(worst, fabs(s - 1));
    }
    CHECK(worst < 1e-5, "attention rows sum to 1");
    lcase_free(&c);
}

static void dwt_fwd(lcase *c) { we_nn_dwt_forward(c->out, tx(c, "inp"), c->i[0], c->i[1], c->i[2], c->i[3]); }
static void dwt_bwd(lcase *c) { we_nn_dwt_backward(tdx(c, "inp"), c->dout, c->i[0], c->i[1], c->i[2], c->i[3]); }
static void iwt_fwd(lcase *c) { we_nn_iwt_forward(c->out, tx(c, "inp"), c->i[0], c->i[1], c->i[2], c->i[3]); }
static void iwt_bwd(lcase *c) { we_nn_iwt_backward(tdx(c, "inp"), c->dout, c->i[0], c->i[1], c->i[2], c->i[3]); }

static void test_haar(int inverse)
{
    lcase c;
    if (!lcase_open(&c, inverse ? "iwt" : "dwt")) return;
    int N = c.i[0] = (int)golden_key(&c.g, "n");
    int C = c.i[1] = (int)golden_key(&c.g, "c");
    int H = c.i[2] = (int)golden_key(&c.g, "h");
    int W = c.i[3] = (int)golden_key(&c.g, "w");
    lcase_tensor(&c, "inp", 0);
    lcase_out(&c, (size_t)N * C * H * W * (inverse ? 4 : 1));
    c.fwd = inverse ? iwt_fwd : dwt_fwd;
    c.bwd = inverse ? iwt_bwd : dwt_bwd;
    lcase_run(&c, 1e-2f);
    /* perfect reconstruction through the other transform */
    size_t n = c.nout;
    float *back = malloc(n * sizeof(float));
    if (inverse)
        we_nn_dwt_forward(back, c.out, N, C, 2 * H, 2 * W);
    else
        we_nn_iwt_forward(back, c.out, N, C, H / 2, W / 2);
    char what[96];
    snprintf(what, sizeof what, "%s: perfect reconstruction", inverse ? "dwt(iwt(x))" : "iwt(dwt(x))");
    CHECK(check_max_abs_diff(back, tx(&c, "inp"), n) < 1e-5, what);
    free(back);
    lcase_free(&c);
}

static void concat_fwd(lcase *c) { we_nn_concat_forward(c->out, tx(c, "a"), tx(c, "b"), c->i[0], c->i[1], c->i[2], c->i[3]); }
static void concat_bwd(lcase *c) { we_nn_concat_backward(tdx(c, "a"), tdx(c, "b"), c->dout, c->i[0], c->i[1], c->i[2], c->i[3]); }

static void test_concat(void)
{
    lcase c;
    if (!lcase_open(&c, "concat")) return;
    c.i[0] = (int)golden_key(&c.g, "n");
    c.i[1] = (int)golden_key(&c.g, "ca");
    c.i[2] = (int)golden_key(&c.g, "cb");
    c.i[3] = (int)golden_key(&c.g, "hw");
    lcase_tensor(&c, "a", 0);
    lcase_tensor(&c, "b", 0);
    lcase_out(&c, (size_t)c.i[0] * (c.i[1] + c.i[2]) * c.i[3]);
    c.fwd = concat_fwd;
    c.bwd = concat_bwd;
    lcase_run(&c, 1e-2f);
    lcase_free(&c);
}

static void add_fwd(lcase *c) { we_nn_add_forward(c->out, tx(c, "a"), tx(c, "b"), c->f[0], c->nout); }
static void add_bwd(lcase *c) { we_nn_add_backward(tdx(c, "a"), tdx(c, "b"), c->dout, c->f[0], c->nout); }

static void test_add(void)
{
    lcase c;
    if (!lcase_open(&c, "add")) return;
    c.f[0] = (float)golden_key(&c.g, "s");
    lcase_tensor(&c, "a", 0);
    lcase_tensor(&c, "b", 0);
    lcase_out(&c, (size_t)golden_key(&c.g, "n"));
    c.fwd = add_fwd;
    c.bwd = add_bwd;
    lcase_run(&c, 1e-2f);
    lcase_free(&c);
}

static void mse_fwd(lcase *c) { c->out[0] = we_nn_mse_forward(tx(c, "pred"), tx(c, "target"), (size_t)c->i[0]); }
static void mse_bwd(lcase *c)
{
    we_nn_mse_backward(tdx(c, "pred"), tdx(c, "target"), tx(c, "pred"), tx(c, "target"), c->dout[0], (size_t)c->i[0]);
}

static void test_mse(void)
{
    lcase c;
    if (!lcase_open(&c, "mse")) return;
    c.i[0] = (int)golden_key(&c.g, "n");
    lcase_tensor(&c, "pred", 0);
    lcase_tensor(&c, "target", 0);
    lcase_out(&c, 1);
    c.fwd = mse_fwd;
    c.bwd = mse_bwd;
    lcase_run(&c, 1e-2f);
    lcase_free(&c);
}

/* Layers without a torch golden (pure data movement): forward checked by
 * hand, backward by finite differences and the += rule. */
static void slice_fwd(lcase *c) { we_nn_slice_forward(c->out, tx(c, "inp"), 2, 7, 2, 3, 5); }
static void slice_bwd(lcase *c) { we_nn_slice_backward(tdx(c, "inp"), c->dout, 2, 7, 2, 3, 5); }
static void addnc_fwd(lcase *c) { we_nn_addnc_forward(c->out, tx(c, "inp"), tx(c, "v"), 2, 3, 4); }
static void addnc_bwd(lcase *c) { we_nn_addnc_backward(tdx(c, "inp"), tdx(c, "v"), c->dout, 2, 3, 4); }
static void scale_fwd(lcase *c) { we_nn_scale_forward(c->out, tx(c, "inp"), -1.5f, c->nout); }
static void scale_bwd(lcase *c) { we_nn_scale_backward(tdx(c, "inp"), c->dout, -1.5f, c->nout); }

static void test_data_movement(void)
{
    lcase c;
    memset(&c, 0, sizeof c);
    c.name = "slice";
    lcase_tensor(&c, "inp", 2 * 7 * 5);
    lcase_out(&c, 2 * 3 * 5);
    c.fwd = slice_fwd;
    c.bwd = slice_bwd;
    lcase_run(&c, 1e-2f);
    CHECK(c.out[0] == c.t[0].x[2 * 5] && c.out[3 * 5 + 4] == c.t[0].x[(7 + 2) * 5 + 4],
          "slice picks channels c0..c0+Cout-1 of each sample");
    lcase_free(&c);

    memset(&c, 0, sizeof c);
    c.name = "addnc";
    lcase_tensor(&c, "inp", 2 * 3 * 4);
    lcase_tensor(&c, "v", 2 * 3);
    lcase_out(&c, 2 * 3 * 4);
    c.fwd = addnc_fwd;
    c.bwd = addnc_bwd;
    lcase_run(&c, 1e-2f);
    CHECK_CLOSE(c.out[4 * 4 + 1], c.t[0].x[4 * 4 + 1] + c.t[1].x[4], 1e-6, "addnc adds v[n,c]");
    lcase_free(&c);

    memset(&c, 0, sizeof c);
    c.name = "scale";
    lcase_tensor(&c, "inp", 17);
    lcase_out(&c, 17);
    c.fwd = scale_fwd;
    c.bwd = scale_bwd;
    lcase_run(&c, 1e-2f);
    CHECK_CLOSE(c.out[5], -1.5f * c.t[0].x[5], 1e-6, "scale multiplies");
    lcase_free(&c);
}

static void test_temb(void)
{
    golden g;
    printf("-- temb\n");
    if (!golden_load(&g, "temb")) {
        CHECK(0, "golden temb.wes loads");
        return;
    }
    const float *t = golden_data(&g, "t");
    int B = (int)golden_key(&g, "b");
    float out[5 * 16];
    const int dims[2] = {16, 11};
    for (int k = 0; k < 2; k++) {
        for (int kind = 0; kind < 2; kind++) {
            char name[32];
            snprintf(name, sizeof name, "%s_d%d", kind == WE_TEMB_WAVEDIFF ? "wavediff" : "adm", dims[k]);
            we_nn_timestep_embedding(out, t, B, dims[k], 10000.0f, (we_temb_kind)kind);
            compare(name, out, golden_data(&g, name), (size_t)B * dims[k], 1e-5);
        }
    }
    golden_free(&g);
}

/* ------------------------------------------------------------- optimizer */

static void test_adamw(void)
{
    golden g;
    printf("-- adamw\n");
    if (!golden_load(&g, "adamw")) {
        CHECK(0, "golden adamw.wes loads");
        return;
    }
    int n = (int)golden_key(&g, "n");
    we_adamw_params p;
    we_adamw_params_init(&p);
    CHECK(p.lr == 1e-3f && p.beta1 == 0.9f && p.beta2 == 0.999f && p.eps == 1e-8f &&
          p.weight_decay == 1e-2f, "AdamW defaults are torch's");
    p.lr = (float)golden_key(&g, "lr");
    p.beta1 = (float)golden_key(&g, "beta1");
    p.beta2 = (float)golden_key(&g, "beta2");
    p.eps = (float)golden_key(&g, "eps");
    p.weight_decay = (float)golden_key(&g, "weight_decay");
    float *w = golden_copy(&g, "param0", NULL);
    float *m = calloc(n, sizeof(float)), *v = calloc(n, sizeof(float));
    for (int step = 1; step <= 3 && w; step++) {
        char gn[16], pn[16];
        snprintf(gn, sizeof gn, "grad%d", step);
        snprintf(pn, sizeof pn, "param%d", step);
        we_adamw_step(w, m, v, golden_data(&g, gn), n, &p, step);
        char what[64];
        snprintf(what, sizeof what, "adamw step %d param", step);
        compare(what, w, golden_data(&g, pn), n, 1e-5);
    }
    compare("adamw exp_avg", m, golden_data(&g, "exp_avg"), n, 1e-5);
    compare("adamw exp_avg_sq", v, golden_data(&g, "exp_avg_sq"), n, 1e-5);
    free(w);
    free(m);
    free(v);
    golden_free(&g);

    printf("-- clip_grad_norm\n");
    if (!golden_load(&g, "clip")) {
        CHECK(0, "golden clip.wes loads");
        return;
    }
    n = (int)golden_key(&g, "n");
    float *gr = golden_copy(&g, "grad", NULL);
    if (gr) {
        float total = we_optim_clip_grad_norm(gr, n, (float)golden_key(&g, "max_norm"));
        CHECK_CLOSE(total, golden_data(&g, "total")[0], 1e-5 * golden_data(&g, "total")[0],
                    "clip_grad_norm returns torch's total norm");
        compare("clipped gradients", gr, golden_data(&g, "clipped"), n, 1e-6);
        /* under the limit: untouched */
        float before = gr[3];
        we_optim_clip_grad_norm(gr, n, 100.0f);
        CHECK(gr[3] == before, "clip_grad_norm leaves gradients under the limit unchanged");
    }
    free(gr);
    golden_free(&g);

    printf("-- ema\n");
    float ema[3] = {1, 2, 3}, prm[3] = {3, 2, -1};
    we_optim_ema_update(ema, prm, 3, 0.75f);
    CHECK_CLOSE(ema[0], 1.5, 1e-6, "ema = decay*ema + (1-decay)*param (0)");
    CHECK_CLOSE(ema[1], 2.0, 1e-6, "ema = decay*ema + (1-decay)*param (1)");
    CHECK_CLOSE(ema[2], 2.0, 1e-6, "ema = decay*ema + (1-decay)*param (2)");
    float g3[2] = {3, 4};
    CHECK_CLOSE(we_optim_grad_norm(g3, 2), 5.0, 1e-6, "grad norm of (3,4) is 5");
}

/* A conv on a larger map against a direct (naive) convolution, to cover
 * im2col borders at sizes where the scratch is not trivially small. */
static void conv_naive_case(we_conv2d_dims d, const char *what);
static void test_conv_naive(void)
{
    we_conv2d_dims a = {.N = 2, .Cin = 4, .H = 9, .W = 11, .Cout = 6, .k = 3, .stride = 2, .pad = 1, .groups = 2};
    conv_naive_case(a, "conv2d(g2,s2) vs direct");
    we_conv2d_dims b = {.N = 3, .Cin = 6, .H = 9, .W = 4, .Cout = 4, .k = 3, .stride = 1, .pad = 1, .groups = 2};
    conv_naive_case(b, "conv2d(g2,s1) vs direct");
}
static void conv_naive_case(we_conv2d_dims d, const char *what)
{
    printf("-- %s\n", what);
    int Ho = we_conv2d_out_h(&d), Wo = we_conv2d_out_w(&d);
    size_t nin = (size_t)d.N * d.Cin * d.H * d.W, nw = (size_t)d.Cout * (d.Cin / d.groups) * 9;
    size_t nout = (size_t)d.N * d.Cout * Ho * Wo;
    float *x = malloc(nin * 4), *w = malloc(nw * 4), *b = malloc(d.Cout * 4);
    float *y = malloc(nout * 4), *yr = malloc(nout * 4);
    float *s = malloc(we_nn_conv2d_scratch_size(&d) * 4);
    for (size_t i = 0; i < nin; i++) x[i] = rng_normal();
    for (size_t i = 0; i < nw; i++) w[i] = rng_normal();
    for (int i = 0; i < d.Cout; i++) b[i] = rng_normal();
    we_nn_conv2d_forward(y, s, x, w, b, &d);
    int cig = d.Cin / d.groups, cog = d.Cout / d.groups;
    for (int n = 0; n < d.N; n++)
        for (int co = 0; co < d.Cout; co++)
            for (int oh = 0; oh < Ho; oh++)
                for (int ow = 0; ow < Wo; ow++) {
                    double acc = b[co];
                    int g = co / cog;
                    for (int ci = 0; ci < cig; ci++)
                        for (int kh = 0; kh < 3; kh++)
                            for (int kw = 0; kw < 3; kw++) {
                                int ih = oh * d.stride - d.pad + kh, iw = ow * d.stride - d.pad + kw;
                                if (ih < 0 || iw < 0 || ih >= d.H || iw >= d.W) continue;
                                acc += (double)x[(((size_t)n * d.Cin + g * cig + ci) * d.H + ih) * d.W + iw] *
                                       w[(((size_t)co * cig + ci) * 3 + kh) * 3 + kw];
                            }
                    yr[(((size_t)n * d.Cout + co) * Ho + oh) * Wo + ow] = (float)acc;
                }
    compare(what, y, yr, nout, 1e-5);
    free(x); free(w); free(b); free(y); free(yr); free(s);
}

/* A batch processed in chunks (Winograd: 128 channels at 32x32 run 2
 * samples per chunk) equals the same samples one at a time. */
static void test_conv_chunks(void)
{
    printf("-- conv2d 3x3 batch of 5 (chunked, 3 threads) vs one sample at a time (1 thread)\n");
    we_conv2d_dims d = {.N = 5, .Cin = 128, .H = 32, .W = 30, .Cout = 48, .k = 3, .stride = 1, .pad = 1, .groups = 1};
    we_conv2d_dims d1 = d;
    d1.N = 1;
    size_t xs = (size_t)d.Cin * d.H * d.W, ys = (size_t)d.Cout * d.H * d.W, nw = (size_t)d.Cout * d.Cin * 9;
    float *x = malloc(xs * d.N * 4), *w = malloc(nw * 4), *b = malloc(d.Cout * 4), *dy = malloc(ys * d.N * 4);
    float *y = malloc(ys * d.N * 4), *y1 = malloc(ys * d.N * 4);
    float *dx = calloc(xs * d.N, 4), *dx1 = calloc(xs * d.N, 4), *dw = calloc(nw, 4), *dw1 = calloc(nw, 4);
    float *s = malloc(we_nn_conv2d_scratch_size(&d) * 4), *s1 = malloc(we_nn_conv2d_scratch_size(&d1) * 4);
    for (size_t i = 0; i < xs * d.N; i++) x[i] = rng_normal();
    for (size_t i = 0; i < ys * d.N; i++) dy[i] = rng_normal();
    for (size_t i = 0; i < nw; i++) w[i] = 0.05f * rng_normal();
    for (int i = 0; i < d.Cout; i++) b[i] = rng_normal();
    int prev = we_nn_set_threads(3); /* chunks spread over 3 threads */
    CHECK(prev == 1, "we_nn_set_threads returns the previous count");
    we_nn_conv2d_forward(y, s, x, w, b, &d);
    we_nn_conv2d_backward(dx, dw, NULL, s, dy, x, w, &d);
    we_nn_set_threads(1);
    for (int n = 0; n < d.N; n++) {
        we_nn_conv2d_forward(y1 + n * ys, s1, x + n * xs, w, b, &d1);
        we_nn_conv2d_backward(dx1 + n * xs, dw1, NULL, s1, dy + n * ys, x + n * xs, w, &d1);
    }
    compare("batched out", y, y1, ys * d.N, 1e-6);
    compare("batched dinp", dx, dx1, xs * d.N, 1e-6);
    compare("batched dweight", dw, dw1, nw, 1e-5);
    free(x); free(w); free(b); free(dy); free(y); free(y1); free(dx); free(dx1); free(dw); free(dw1);
    free(s); free(s1);
}

int main(void)
{
    we_nn_set_threads(1);
    /* 3x3/s1/p1 convs: once by Winograd, once by im2col + GEMM */
    we_nn_conv_wino_min_tiles(0);
    printf("== 3x3 convs by Winograd F(2x2,3x3)\n");
    test_conv("conv3x3");
    test_conv("conv3x3_g3");
    test_conv_naive();
    we_nn_conv_wino_min_tiles(1L << 40);
    printf("== 3x3 convs by im2col + GEMM\n");
    test_conv("conv3x3");
    test_conv("conv3x3_g3");
    test_conv_naive();
    we_nn_conv_wino_min_tiles(64);
    test_conv("conv3x3_s2");
    test_conv("conv1x1");
    test_conv("conv5x5_s2_nobias");
    test_conv("conv5x5_same_g2");
    test_conv_chunks();
    test_norm("groupnorm", 0);
    test_norm("adagn", 1);
    test_silu();
    test_linear();
    test_embedding();
    test_attention("attention_h1");
    test_attention("attention_h2");
    test_haar(0);
    test_haar(1);
    test_concat();
    test_add();
    test_mse();
    test_data_movement();
    test_temb();
    test_adamw();
    { /* SiLU of non-finite and huge inputs: NaN stays NaN, no undefined
       * float-to-int conversion in the exp (found by fuzz_wdenoise + UBSan) */
        float xin[4] = {NAN, 1e30f, -1e30f, 0.5f}, yout[4];
        we_nn_silu_forward(yout, xin, 4);
        CHECK(isnan(yout[0]) && yout[1] == 1e30f && fabsf(yout[2]) < 1e-6f && fabsf(yout[3] - 0.5f / (1 + expf(-0.5f))) < 1e-6f,
              "silu: NaN -> NaN, +-1e30 saturate (x, ~0), finite as before");
    }
    return check_summary();
}
