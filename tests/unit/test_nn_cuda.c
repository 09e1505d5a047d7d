/* test_nn_cuda.c - every CUDA twin (lib/nn/we_nn_cuda.h, kernels/nn_*.cu)
 * against its CPU reference (lib/nn/we_nn.h, lib/nn/we_optim.h) on random data.
 * Gradient buffers start non-zero, so the += rule is compared too.
 * Prints, per tensor, max abs and rel = max abs / max |cpu| (tolerance 1e-4
 * in strict FP32; a TF32 conv is reported with its own looser bound).
 * Without a GPU (or without CUDA compiled in) it prints a skip line and
 * passes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_device.h"
#include "we_nn.h"
#include "we_nn_cuda.h"
#include "we_optim.h"

#ifdef WE_HAVE_CUDA

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static float rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((rng_state >> 11) * (1.0 / 9007199254740992.0) * 2.0 - 1.0);
}

/* Pool of host/device allocations freed at the end of each test. */
#define POOL_MAX 256
static void *hpool[POOL_MAX], *dpool[POOL_MAX];
static int nh, nd;

static float *hrand(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = rnd();
    hpool[nh++] = p;
    return p;
}
static float *dup(const float *h, size_t n)
{
    float *d = we_nn_cuda_alloc(n);
    if (!d) {
        printf("     cudaMalloc of %zu floats failed\n", n);
        exit(1);
    }
    if (h) we_nn_cuda_upload(d, h, n);
    dpool[nd++] = d;
    return d;
}
static void pool_free(void)
{
    for (int i = 0; i < nh; i++) free(hpool[i]);
    for (int i = 0; i < nd; i++) we_nn_cuda_free(dpool[i]);
    nh = nd = 0;
}

/* Download dev and compare with the CPU result. */
static void cmp(const char *what, const float *dev, const float *cpu, size_t n, double tol)
{
    char msg[160];
    we_status st = we_nn_cuda_sync();
    if (st != WE_OK) {
        snprintf(msg, sizeof msg, "%s: device error: %s", what, we_err_detail());
        CHECK(0, msg);
        return;
    }
    float *g = malloc(n * sizeof(float));
    we_nn_cuda_download(g, dev, n);
    double mabs = 0, mref = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)g[i] - cpu[i]);
        if (d != d) d = INFINITY;
        if (d > mabs) mabs = d;
        if (fabs(cpu[i]) > mref) mref = fabs(cpu[i]);
    }
    double rel = mref > 0 ? mabs / mref : mabs;
    printf("     %-34s max abs %.3e  rel %.3e\n", what, mabs, rel);
    snprintf(msg, sizeof msg, "%s: CUDA == CPU (rel %.2e <= %.0e)", what, rel, tol);
    CHECK(rel <= tol, msg);
    free(g);
}

#define TOL 1e-4

static void test_conv(const char *name, we_conv2d_dims d, int bias, int tf32, double tol)
{
    printf("-- %s\n", name);
    we_nn_cuda_set_tf32(tf32);
    int Ho = we_conv2d_out_h(&d), Wo = we_conv2d_out_w(&d);
    size_t nx = (size_t)d.N * d.Cin * d.H * d.W, nw = (size_t)d.Cout * (d.Cin / d.groups) * d.k * d.k;
    size_t ny = (size_t)d.N * d.Cout * Ho * Wo;
    float *x = hrand(nx), *w = hrand(nw), *b = bias ? hrand(d.Cout) : NULL, *dy = hrand(ny);
    float *dx = hrand(nx), *dw = hrand(nw), *db = hrand(d.Cout);
    float *y = hrand(ny);
    float *dx_d = dup(dx, nx), *dw_d = dup(dw, nw), *db_d = dup(db, d.Cout);
    size_t ns = we_nn_conv2d_scratch_size(&d), nsd = we_nn_conv2d_cuda_scratch_size(&d);
    float *s = hrand(ns);
    we_nn_conv2d_forward(y, s, x, w, b, &d);
    we_nn_conv2d_backward(dx, dw, bias ? db : NULL, s, dy, x, w, &d);
    float *x_d = dup(x, nx), *w_d = dup(w, nw), *b_d = bias ? dup(b, d.Cout) : NULL;
    float *y_d = dup(NULL, ny), *dy_d = dup(dy, ny), *s_d = dup(NULL, nsd);
    we_nn_conv2d_forward_cuda(y_d, s_d, x_d, w_d, b_d, &d);
    we_nn_conv2d_backward_cuda(dx_d, dw_d, bias ? db_d : NULL, s_d, dy_d, x_d, w_d, &d);
    char what[96];
    snprintf(what, sizeof what, "%s out", name);
    cmp(what, y_d, y, ny, tol);
    snprintf(what, sizeof what, "%s dinp", name);
    cmp(what, dx_d, dx, nx, tol);
    snprintf(what, sizeof what, "%s dweight", name);
    cmp(what, dw_d, dw, nw, tol);
    if (bias) {
        snprintf(what, sizeof what, "%s dbias", name);
        cmp(what, db_d, db, d.Cout, tol);
    }
    we_nn_cuda_set_tf32(0);
    pool_free();
}

static void test_norm(int ada)
{
    const int N = 3, C = 12, HW = 37, G = 4, ld = 2 * C;
    const float eps = 1e-5f;
    printf("-- %s\n", ada ? "adagn" : "groupnorm");
    size_t nx = (size_t)N * C * HW;
    float *x = hrand(nx), *w = hrand(C), *b = hrand(C), *ss = hrand((size_t)N * ld), *dy = hrand(nx);
    float *y = hrand(nx), *mean = hrand(N * G), *rstd = hrand(N * G);
    float *dx = hrand(nx), *dw = hrand(C), *db = hrand(C), *dss = hrand((size_t)N * ld);
    float *x_d = dup(x, nx), *w_d = dup(w, C), *b_d = dup(b, C), *ss_d = dup(ss, (size_t)N * ld);
    float *dy_d = dup(dy, nx), *y_d = dup(NULL, nx), *m_d = dup(NULL, N * G), *r_d = dup(NULL, N * G);
    float *dx_d = dup(dx, nx), *dw_d = dup(dw, C), *db_d = dup(db, C), *dss_d = dup(dss, (size_t)N * ld);
    if (ada) {
        we_nn_adagn_forward(y, mean, rstd, x, w, b, ss, ss + C, ld, N, C, HW, G, eps);
        we_nn_adagn_backward(dx, dw, db, dss, dss + C, dy, x, w, b, ss, ss + C, ld, mean, rstd, N, C, HW, G);
        we_nn_adagn_forward_cuda(y_d, m_d, r_d, x_d, w_d, b_d, ss_d, ss_d + C, ld, N, C, HW, G, eps);
        we_nn_adagn_backward_cuda(dx_d, dw_d, db_d, dss_d, dss_d + C, dy_d, x_d, w_d, b_d, ss_d,
                                  ss_d + C, ld, m_d, r_d, N, C, HW, G);
    } else {
        we_nn_groupnorm_forward(y, mean, rstd, x, w, b, N, C, HW, G, eps);
        we_nn_groupnorm_backward(dx, dw, db, dy, x, w, mean, rstd, N, C, HW, G);
        we_nn_groupnorm_forward_cuda(y_d, m_d, r_d, x_d, w_d, b_d, N, C, HW, G, eps);
        we_nn_groupnorm_backward_cuda(dx_d, dw_d, db_d, dy_d, x_d, w_d, m_d, r_d, N, C, HW, G);
    }
    cmp("norm out", y_d, y, nx, TOL);
    cmp("norm mean", m_d, mean, N * G, TOL);
    cmp("norm rstd", r_d, rstd, N * G, TOL);
    cmp("norm dinp", dx_d, dx, nx, TOL);
    cmp("norm dweight", dw_d, dw, C, TOL);
    cmp("norm dbias", db_d, db, C, TOL);
    if (ada) cmp("adagn dgamma,dbeta", dss_d, dss, (size_t)N * ld, TOL);
    pool_free();
}

static void test_pointwise(void)
{
    printf("-- pointwise\n");
    const int N = 2, Ca = 3, Cb = 5, HW = 29;
    size_t n = (size_t)N * (Ca + Cb) * HW, na = (size_t)N * Ca * HW, nb = (size_t)N * Cb * HW;
    float *x = hrand(n), *x2 = hrand(n), *dy = hrand(n), *dx = hrand(n), *dx2 = hrand(n), *y = hrand(n);
    float *x_d = dup(x, n), *x2_d = dup(x2, n), *dy_d = dup(dy, n), *dx_d = dup(dx, n);
    float *dx2_d = dup(dx2, n), *y_d = dup(NULL, n);
    /* silu */
    we_nn_silu_forward(y, x, n);
    we_nn_silu_backward(dx, dy, x, n);
    we_nn_silu_forward_cuda(y_d, x_d, n);
    we_nn_silu_backward_cuda(dx_d, dy_d, x_d, n);
    cmp("silu out", y_d, y, n, TOL);
    cmp("silu dinp", dx_d, dx, n, TOL);
    /* add (scaled) */
    we_nn_add_forward(y, x, x2, 0.70710678f, n);
    we_nn_add_backward(dx, dx2, dy, 0.70710678f, n);
    we_nn_add_forward_cuda(y_d, x_d, x2_d, 0.70710678f, n);
    we_nn_add_backward_cuda(dx_d, dx2_d, dy_d, 0.70710678f, n);
    cmp("add out", y_d, y, n, TOL);
    cmp("add da", dx_d, dx, n, TOL);
    cmp("add db", dx2_d, dx2, n, TOL);
    /* scale */
    we_nn_scale_forward(y, x, -2.5f, n);
    we_nn_scale_backward(dx, dy, -2.5f, n);
    we_nn_scale_forward_cuda(y_d, x_d, -2.5f, n);
    we_nn_scale_backward_cuda(dx_d, dy_d, -2.5f, n);
    cmp("scale out", y_d, y, n, TOL);
    cmp("scale dinp", dx_d, dx, n, TOL);
    /* addnc over [N, Ca+Cb, HW] */
    int C = Ca + Cb;
    float *v = hrand((size_t)N * C), *dv = hrand((size_t)N * C);
    float *v_d = dup(v, (size_t)N * C), *dv_d = dup(dv, (size_t)N * C);
    we_nn_addnc_forward(y, x, v, N, C, HW);
    we_nn_addnc_backward(dx, dv, dy, N, C, HW);
    we_nn_addnc_forward_cuda(y_d, x_d, v_d, N, C, HW);
    we_nn_addnc_backward_cuda(dx_d, dv_d, dy_d, N, C, HW);
    cmp("addnc out", y_d, y, n, TOL);
    cmp("addnc dinp", dx_d, dx, n, TOL);
    cmp("addnc dv", dv_d, dv, (size_t)N * C, TOL);
    /* concat a [N,Ca,HW] + b [N,Cb,HW] */
    float *a = hrand(na), *b = hrand(nb), *da = hrand(na), *db = hrand(nb);
    float *a_d = dup(a, na), *b_d = dup(b, nb), *da_d = dup(da, na), *db_d = dup(db, nb);
    we_nn_concat_forward(y, a, b, N, Ca, Cb, HW);
    we_nn_concat_backward(da, db, dy, N, Ca, Cb, HW);
    we_nn_concat_forward_cuda(y_d, a_d, b_d, N, Ca, Cb, HW);
    we_nn_concat_backward_cuda(da_d, db_d, dy_d, N, Ca, Cb, HW);
    cmp("concat out", y_d, y, n, TOL);
    cmp("concat da", da_d, da, na, TOL);
    cmp("concat db", db_d, db, nb, TOL);
    /* slice channels 2..2+Cb-1 of [N, C, HW] */
    we_nn_slice_forward(b, x, N, C, 2, Cb, HW);
    we_nn_slice_backward(dx, db, N, C, 2, Cb, HW);
    we_nn_slice_forward_cuda(b_d, x_d, N, C, 2, Cb, HW);
    we_nn_slice_backward_cuda(dx_d, db_d, N, C, 2, Cb, HW);
    cmp("slice out", b_d, b, nb, TOL);
    cmp("slice dinp", dx_d, dx, n, TOL);
    /* mse */
    float loss = we_nn_mse_forward(x, x2, n);
    float *l_d = dup(NULL, 1);
    we_nn_mse_forward_cuda(l_d, x_d, x2_d, n);
    cmp("mse loss", l_d, &loss, 1, TOL);
    we_nn_mse_backward(dx, dx2, x, x2, 0.5f, n);
    we_nn_mse_backward_cuda(dx_d, dx2_d, x_d, x2_d, 0.5f, n);
    cmp("mse dpred", dx_d, dx, n, TOL);
    cmp("mse dtarget", dx2_d, dx2, n, TOL);
    pool_free();
}

static void test_haar(void)
{
    printf("-- haar dwt/iwt\n");
    const int N = 2, C = 5, H = 10, W = 14;
    size_t n = (size_t)N * C * H * W;
    float *x = hrand(n), *y = hrand(n), *dy = hrand(n), *dx = hrand(n);
    float *x_d = dup(x, n), *y_d = dup(NULL, n), *dy_d = dup(dy, n), *dx_d = dup(dx, n);
    we_nn_dwt_forward(y, x, N, C, H, W);
    we_nn_dwt_backward(dx, dy, N, C, H, W);
    we_nn_dwt_forward_cuda(y_d, x_d, N, C, H, W);
    we_nn_dwt_backward_cuda(dx_d, dy_d, N, C, H, W);
    cmp("dwt out", y_d, y, n, TOL);
    cmp("dwt dinp", dx_d, dx, n, TOL);
    we_nn_iwt_forward(y, x, N, C, H / 2, W / 2);
    we_nn_iwt_backward(dx, dy, N, C, H / 2, W / 2);
    we_nn_iwt_forward_cuda(y_d, x_d, N, C, H / 2, W / 2);
    we_nn_iwt_backward_cuda(dx_d, dy_d, N, C, H / 2, W / 2);
    cmp("iwt out", y_d, y, n, TOL);
    cmp("iwt dinp", dx_d, dx, n, TOL);
    pool_free();
}

static void test_linear_emb(void)
{
    printf("-- linear, embedding, timestep embedding\n");
    const int B = 7, IN = 33, OUT = 20, V = 9, D = 12;
    float *x = hrand((size_t)B * IN), *w = hrand((size_t)OUT * IN), *b = hrand(OUT);
    float *y = hrand((size_t)B * OUT), *dy = hrand((size_t)B * OUT);
    float *dx = hrand((size_t)B * IN), *dw = hrand((size_t)OUT * IN), *db = hrand(OUT);
    float *x_d = dup(x, (size_t)B * IN), *w_d = dup(w, (size_t)OUT * IN), *b_d = dup(b, OUT);
    float *y_d = dup(NULL, (size_t)B * OUT), *dy_d = dup(dy, (size_t)B * OUT);
    float *dx_d = dup(dx, (size_t)B * IN), *dw_d = dup(dw, (size_t)OUT * IN), *db_d = dup(db, OUT);
    we_nn_linear_forward(y, x, w, b, B, IN, OUT);
    we_nn_linear_backward(dx, dw, db, dy, x, w, B, IN, OUT);
    we_nn_linear_forward_cuda(y_d, x_d, w_d, b_d, B, IN, OUT);
    we_nn_linear_backward_cuda(dx_d, dw_d, db_d, dy_d, x_d, w_d, B, IN, OUT);
    cmp("linear out", y_d, y, (size_t)B * OUT, TOL);
    cmp("linear dinp", dx_d, dx, (size_t)B * IN, TOL);
    cmp("linear dweight", dw_d, dw, (size_t)OUT * IN, TOL);
    cmp("linear dbias", db_d, db, OUT, TOL);

    int32_t ids[7] = {3, 0, 8, 3, 5, 3, 1};
    int32_t *ids_d = (int32_t *)dup(NULL, 7);
    we_nn_cuda_upload_i32(ids_d, ids, 7);
    float *tab = hrand((size_t)V * D), *e = hrand((size_t)B * D), *de = hrand((size_t)B * D);
    float *dtab = hrand((size_t)V * D);
    float *tab_d = dup(tab, (size_t)V * D), *e_d = dup(NULL, (size_t)B * D), *de_d = dup(de, (size_t)B * D);
    float *dtab_d = dup(dtab, (size_t)V * D);
    we_nn_embedding_forward(e, ids, tab, B, V, D);
    we_nn_embedding_backward(dtab, de, ids, B, V, D);
    we_nn_embedding_forward_cuda(e_d, ids_d, tab_d, B, V, D);
    we_nn_embedding_backward_cuda(dtab_d, de_d, ids_d, B, V, D);
    cmp("embedding out", e_d, e, (size_t)B * D, TOL);
    cmp("embedding dtable", dtab_d, dtab, (size_t)V * D, TOL);

    float t[5] = {0, 1, 17, 250, 999};
    float *t_d = dup(t, 5);
    for (int kind = 0; kind < 2; kind++) {
        for (int Dt = 11; Dt <= 16; Dt += 5) {
            float te[5 * 16];
            float *te_d = dup(NULL, 5 * 16);
            we_nn_timestep_embedding(te, t, 5, Dt, 10000.0f, (we_temb_kind)kind);
            we_nn_timestep_embedding_cuda(te_d, t_d, 5, Dt, 10000.0f, (we_temb_kind)kind);
            cmp(kind ? "temb adm" : "temb wavediff", te_d, te, (size_t)5 * Dt, 1e-5);
        }
    }
    pool_free();
}

static void test_attention(int heads)
{
    const int N = 2, C = 8, T = 20;
    printf("-- attention, %d head(s)\n", heads);
    size_t nx = (size_t)N * C * T;
    float *x = hrand(nx), *wqkv = hrand((size_t)3 * C * C), *bqkv = hrand(3 * C);
    float *wp = hrand((size_t)C * C), *bp = hrand(C), *dy = hrand(nx), *y = hrand(nx);
    float *qkv = hrand(3 * nx), *att = hrand((size_t)N * heads * T * T), *a = hrand(nx);
    float *dx = hrand(nx), *dwqkv = hrand((size_t)3 * C * C), *dbqkv = hrand(3 * C);
    float *dwp = hrand((size_t)C * C), *dbp = hrand(C);
    float *s = hrand(we_nn_attention_scratch_size(C, T, heads));
    float *x_d = dup(x, nx), *wqkv_d = dup(wqkv, (size_t)3 * C * C), *bqkv_d = dup(bqkv, 3 * C);
    float *wp_d = dup(wp, (size_t)C * C), *bp_d = dup(bp, C), *dy_d = dup(dy, nx), *y_d = dup(NULL, nx);
    float *qkv_d = dup(NULL, 3 * nx), *att_d = dup(NULL, (size_t)N * heads * T * T), *a_d = dup(NULL, nx);
    float *dx_d = dup(dx, nx), *dwqkv_d = dup(dwqkv, (size_t)3 * C * C), *dbqkv_d = dup(dbqkv, 3 * C);
    float *dwp_d = dup(dwp, (size_t)C * C), *dbp_d = dup(dbp, C);
    float *s_d = dup(NULL, we_nn_attention_cuda_scratch_size(N, C, T, heads));
    we_nn_attention_forward(y, qkv, att, a, x, wqkv, bqkv, wp, bp, N, C, T, heads);
    we_nn_attention_backward(dx, dwqkv, dbqkv, dwp, dbp, s, dy, x, wqkv, wp, qkv, att, a, N, C, T, heads);
    we_nn_attention_forward_cuda(y_d, qkv_d, att_d, a_d, x_d, wqkv_d, bqkv_d, wp_d, bp_d, N, C, T, heads);
    we_nn_attention_backward_cuda(dx_d, dwqkv_d, dbqkv_d, dwp_d, dbp_d, s_d, dy_d, x_d, wqkv_d, wp_d,
                                  qkv_d, att_d, a_d, N, C, T, heads);
    cmp("attention out", y_d, y, nx, TOL);
    cmp("attention saved qkv", qkv_d, qkv, 3 * nx, TOL);
    cmp("attention saved att", att_d, att, (size_t)N * heads * T * T, TOL);
    cmp("attention saved a", a_d, a, nx, TOL);
    cmp("attention dinp", dx_d, dx, nx, TOL);
    cmp("attention dwqkv", dwqkv_d, dwqkv, (size_t)3 * C * C, TOL);
    cmp("attention dbqkv", dbqkv_d, dbqkv, 3 * C, TOL);
    cmp("attention dwproj", dwp_d, dwp, (size_t)C * C, TOL);
    cmp("attention dbproj", dbp_d, dbp, C, TOL);
    pool_free();
}

static void test_optim(void)
{
    printf("-- optimizer\n");
    const size_t n = 1000;
    float *p = hrand(n), *m = hrand(n), *v = hrand(n), *g = hrand(n);
    for (size_t i = 0; i < n; i++) v[i] = fabsf(v[i]);
    float *p_d = dup(p, n), *m_d = dup(m, n), *v_d = dup(v, n), *g_d = dup(g, n);
    we_adamw_params hp;
    we_adamw_params_init(&hp);
    hp.lr = 1e-2f;
    hp.weight_decay = 0.1f;
    for (long t = 1; t <= 3; t++) {
        we_adamw_step(p, m, v, g, n, &hp, t);
        we_adamw_step_cuda(p_d, m_d, v_d, g_d, n, &hp, t);
    }
    cmp("adamw param", p_d, p, n, 1e-5);
    cmp("adamw m", m_d, m, n, 1e-5);
    cmp("adamw v", v_d, v, n, 1e-5);
    float nc = we_optim_grad_norm(g, n), ng = we_optim_grad_norm_cuda(g_d, n);
    CHECK_CLOSE(ng, nc, 1e-5 * nc, "grad norm CUDA == CPU");
    float tc = we_optim_clip_grad_norm(g, n, 1.0f), tg = we_optim_clip_grad_norm_cuda(g_d, n, 1.0f);
    CHECK_CLOSE(tg, tc, 1e-5 * tc, "clip_grad_norm total CUDA == CPU");
    cmp("clipped gradients", g_d, g, n, 1e-5);
    we_optim_ema_update(m, p, n, 0.999f);
    we_optim_ema_update_cuda(m_d, p_d, n, 0.999f);
    cmp("ema", m_d, m, n, 1e-5);
    pool_free();
}

int main(void)
{
    if (!we_cuda_available()) {
        printf("skip: no CUDA device available; CUDA twins compiled and linked but not run\n");
        CHECK(we_cuda_compiled(), "CUDA twins are compiled in (run on a GPU machine to compare)");
        return check_summary();
    }
    we_nn_set_threads(1);
    if (we_nn_cuda_init() != WE_OK) {
        printf("     %s\n", we_err_detail());
        CHECK(0, "cuBLAS initialises");
        return check_summary();
    }
    we_conv2d_dims c3 = {.N = 3, .Cin = 16, .H = 12, .W = 10, .Cout = 8, .k = 3, .stride = 1, .pad = 1, .groups = 1};
    test_conv("conv3x3", c3, 1, 0, TOL);
    we_conv2d_dims c3s = {.N = 2, .Cin = 6, .H = 9, .W = 7, .Cout = 4, .k = 3, .stride = 2, .pad = 1, .groups = 1};
    test_conv("conv3x3 stride 2", c3s, 1, 0, TOL);
    we_conv2d_dims cg = {.N = 2, .Cin = 12, .H = 8, .W = 8, .Cout = 9, .k = 3, .stride = 1, .pad = 1, .groups = 3};
    test_conv("conv3x3 groups 3", cg, 1, 0, TOL);
    we_conv2d_dims c1 = {.N = 3, .Cin = 10, .H = 6, .W = 5, .Cout = 7, .k = 1, .stride = 1, .pad = 0, .groups = 1};
    test_conv("conv1x1", c1, 1, 0, TOL);
    we_conv2d_dims c5 = {.N = 2, .Cin = 4, .H = 11, .W = 9, .Cout = 3, .k = 5, .stride = 2, .pad = 2, .groups = 1};
    test_conv("conv5x5 stride 2 no bias", c5, 0, 0, TOL);
    we_conv2d_dims big = {.N = 4, .Cin = 64, .H = 32, .W = 32, .Cout = 64, .k = 3, .stride = 1, .pad = 1, .groups = 1};
    test_conv("conv3x3 64ch 32x32", big, 1, 0, TOL);
    test_conv("conv3x3 64ch 32x32 TF32", big, 1, 1, 5e-3);
    test_norm(0);
    test_norm(1);
    test_pointwise();
    test_haar();
    test_linear_emb();
    test_attention(1);
    test_attention(2);
    test_optim();
    return check_summary();
}

#else /* !WE_HAVE_CUDA */

int main(void)
{
    printf("skip: built without CUDA (no nvcc); nothing to compare\n");
    CHECK(!we_cuda_compiled(), "library reports CUDA not compiled");
    return check_summary();
}

#endif
