/* test_unet_loop.c - the UNet's op loop (lib/diffusion/we_unet_loop.c) and plan
 * (lib/diffusion/we_unet_plan.c) through the internal header: the loop run with a
 * counting copy of the CPU backend gives we_unet_forward/backward's numbers
 * bit for bit and calls each layer once per op of its type; the input
 * checks; the va mix; the scratch size. Also the label and region names
 * that moved out of the UNet (we_emotion_label_parse, we_region_parse). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_emotion.h"
#include "we_sched.h"
#include "we_train_rng.h"
#include "we_unet.h"
#include "we_unet_priv.h"

static int n_conv_f, n_conv_b, n_attn_f, n_attn_b, n_vamix_f, n_vamix_b, n_temb;

static void conv_f(float *out, float *scratch, const float *inp, const float *w, const float *b,
                   const we_conv2d_dims *d)
{
    n_conv_f++;
    we_unet_cpu.conv2d_forward(out, scratch, inp, w, b, d);
}

static void conv_b(float *dinp, float *dw, float *db, float *scratch, const float *dout, const float *inp,
                   const float *w, const we_conv2d_dims *d)
{
    n_conv_b++;
    we_unet_cpu.conv2d_backward(dinp, dw, db, scratch, dout, inp, w, d);
}

static void attn_f(float *out, float *qkv, float *att, float *a, const float *inp, const float *wqkv,
                   const float *bqkv, const float *wproj, const float *bproj, int N, int C, int T, int heads)
{
    n_attn_f++;
    we_unet_cpu.attention_forward(out, qkv, att, a, inp, wqkv, bqkv, wproj, bproj, N, C, T, heads);
}

static void attn_b(float *dinp, float *dwqkv, float *dbqkv, float *dwproj, float *dbproj, float *scratch,
                   const float *dout, const float *inp, const float *wqkv, const float *wproj, const float *qkv,
                   const float *att, const float *a, int N, int C, int T, int heads)
{
    n_attn_b++;
    we_unet_cpu.attention_backward(dinp, dwqkv, dbqkv, dwproj, dbproj, scratch, dout, inp, wqkv, wproj, qkv, att,
                                   a, N, C, T, heads);
}

static void vamix_f(float *out, const float *inp, const float *nul, const float *mask, int N, int C)
{
    n_vamix_f++;
    we_unet_cpu.vamix_forward(out, inp, nul, mask, N, C);
}

static void vamix_b(float *dinp, float *dnull, const float *dout, const float *mask, int N, int C)
{
    n_vamix_b++;
    we_unet_cpu.vamix_backward(dinp, dnull, dout, mask, N, C);
}

static void temb(float *out, const float *t, int B, int D, float max_period, we_temb_kind kind)
{
    n_temb++;
    we_unet_cpu.timestep_embedding(out, t, B, D, max_period, kind);
}

static int count_ops(const we_unet *m, int type)
{
    int n = 0;
    for (int i = 0; i < m->nops; i++) n += m->ops[i].type == type;
    return n;
}

int main(void)
{
    /* labels and regions, now in we_emotion.h and we_sched.h */
    int l = -1;
    CHECK(we_emotion_label_parse("happy", &l) == WE_OK && l == WE_EMO_HAPPY, "label 'happy' -> 1");
    CHECK(we_emotion_label_parse("Angry", &l) == WE_OK && l == WE_EMO_ANGER, "label synonym 'Angry' -> anger");
    CHECK(we_emotion_label_parse("null", &l) == WE_OK && l == WE_EMOTION_NULL && l == WE_UNET_NULL_LABEL,
          "label 'null' -> 8 (the model's NULL label)");
    CHECK(we_emotion_label_parse("none", &l) == WE_OK && l == 8, "label 'none' -> 8");
    l = 3;
    CHECK(we_emotion_label_parse("grumpy", &l) == WE_EUSAGE && l == 3 &&
              !strcmp(we_err_detail(), "unknown emotion 'grumpy' (neutral, happy, sad, surprise, fear, disgust, "
                                       "anger, contempt, null)"),
          "unknown label: WE_EUSAGE naming it, output untouched");
    we_region rg = WE_REGION_ALL;
    CHECK(we_region_parse("high", &rg) == WE_OK && rg == WE_REGION_HIGH && !strcmp(we_region_name(rg), "high"),
          "region 'high'");
    CHECK(we_region_parse("mid", &rg) == WE_EUSAGE && !strcmp(we_err_detail(), "unknown noise region 'mid' (all, high, low)"),
          "unknown region: WE_EUSAGE naming it");
    CHECK(!strcmp(we_region_name(WE_REGION_COUNT), "?"), "region name out of range '?'");

    /* a small model with every op type: S 16, C 3, heat K 2, attention */
    we_unet_config cfg;
    we_unet_config_init(&cfg);
    cfg.S = 16, cfg.C = 3, cfg.K = 2, cfg.nf = 8, cfg.nlevels = 2, cfg.mult[1] = 2, cfg.num_res = 1;
    cfg.attn[0] = 1;
    we_unet m;
    int N = 3;
    CHECK(we_unet_create(&m, &cfg, N) == WE_OK, "create");
    we_rng r;
    we_rng_seed(&r, 7);
    we_unet_init_params(&m, &r);
    for (size_t i = 0; i < m.nparams; i++) m.params[i] += 0.02f * (float)we_rng_normal(&r); /* no zero layers */
    int dense = m.pt[0].off == 0;
    for (int k = 1; k < m.nt; k++) dense &= m.pt[k].off == m.pt[k - 1].off + m.pt[k - 1].n;
    CHECK(dense && m.pt[m.nt - 1].off + m.pt[m.nt - 1].n == m.nparams, "plan: parameter table covers params densely");
    CHECK(we_unet_loop_scratch(&m, &we_unet_cpu) == m.nscratch, "host scratch = the loop's CPU need");
    CHECK(count_ops(&m, OP_ATTN) == 3 && count_ops(&m, OP_VAMIX) == 1 && count_ops(&m, OP_TEMB) == 1,
          "plan: 3 attention blocks (enc, mid, dec), one va mix, one timestep embedding");

    size_t xn = (size_t)N * m.xsize, hn = (size_t)N * m.heatsize;
    float *x = malloc(xn * 4), *va = malloc((size_t)N * 8), *heat = malloc(hn * 4), *deps = malloc(xn * 4);
    float *eps1 = malloc(xn * 4), *g1 = malloc(m.nparams * 4);
    we_rng_fill_normal(&r, x, xn);
    we_rng_fill_normal(&r, va, 2 * (size_t)N);
    we_rng_fill_normal(&r, heat, hn);
    we_rng_fill_normal(&r, deps, xn);
    int32_t t[3] = {5, 999, 420}, lab[3] = {1, 8, 7}, vn[3] = {0, 1, 0};

    /* reference: the public entry points */
    const float *eps;
    CHECK(we_unet_forward(&m, x, t, lab, va, vn, heat, N, &eps) == WE_OK, "we_unet_forward");
    memcpy(eps1, eps, xn * 4);
    memset(m.grads, 0, m.nparams * 4);
    we_unet_backward(&m, deps);
    memcpy(g1, m.grads, m.nparams * 4);

    /* the same through the loop with a counting backend */
    we_unet_backend be = we_unet_cpu;
    be.conv2d_forward = conv_f, be.conv2d_backward = conv_b;
    be.attention_forward = attn_f, be.attention_backward = attn_b;
    be.vamix_forward = vamix_f, be.vamix_backward = vamix_b;
    be.timestep_embedding = temb;
    we_unet_bufs b = {m.params, m.grads, m.acts, m.dacts, m.scratch, m.tf, m.labels, m.vamask};
    memset(m.acts, 0, m.nact * 4);
    CHECK(we_unet_loop_conds(&m, m.tf, m.labels, m.vamask, t, lab, va, vn, N) == WE_OK, "loop conds");
    CHECK(m.tf[1] == 999.0f && m.labels[1] == 8 && m.vamask[0] == 0 && m.vamask[1] == 1, "conds filled");
    CHECK(we_unet_loop_inputs(&m, &be, &b, x, va, heat, N) == WE_OK, "loop inputs");
    we_unet_loop_forward(&m, &be, &b, N);
    CHECK(!memcmp(eps1, m.acts + m.off_eps, xn * 4), "loop forward == we_unet_forward bit for bit");
    memset(m.grads, 0, m.nparams * 4);
    memset(m.dacts, 0, m.nact * 4);
    memcpy(m.dacts + m.off_eps, deps, xn * 4);
    we_unet_loop_backward(&m, &be, &b, N);
    CHECK(!memcmp(g1, m.grads, m.nparams * 4), "loop backward == we_unet_backward bit for bit");
    int nconv = count_ops(&m, OP_CONV);
    printf("     %d ops, %d convs, %zu params\n", m.nops, nconv, m.nparams);
    CHECK(n_conv_f == nconv && n_conv_b == nconv, "one conv call per conv op, each way");
    CHECK(n_attn_f == 3 && n_attn_b == 3, "one attention call per attention op, each way");
    CHECK(n_vamix_f == 1 && n_vamix_b == 1 && n_temb == 1, "va mix both ways; timestep embedding forward only");

    /* the va mix: NULL rows take the learned vector, its gradient only theirs */
    {
        float inp[6] = {1, 2, 3, 4, 5, 6}, nul[3] = {-1, -2, -3}, mask[2] = {0, 1}, out[6];
        float dinp[6] = {0}, dnull[3] = {0}, dout[6] = {1, 1, 1, 2, 2, 2};
        we_unet_cpu.vamix_forward(out, inp, nul, mask, 2, 3);
        CHECK(out[0] == 1 && out[2] == 3 && out[3] == -1 && out[5] == -3, "va mix forward");
        we_unet_cpu.vamix_backward(dinp, dnull, dout, mask, 2, 3);
        CHECK(dinp[0] == 1 && dinp[3] == 0 && dnull[0] == 2 && dnull[2] == 2, "va mix backward");
    }

    /* input checks (the CPU and the CUDA model share them) */
    float tf[3], vm[3];
    int32_t lb[3];
    int32_t tbad[3] = {0, 1000, 0}, lbad[3] = {0, 9, 0};
    CHECK(we_unet_loop_conds(&m, tf, lb, vm, t, lab, va, vn, 4) == WE_EUSAGE &&
              !strcmp(we_err_detail(), "model: batch 4 not in 1..3"), "batch over maxN refused");
    CHECK(we_unet_loop_conds(&m, tf, lb, vm, tbad, lab, va, vn, 3) == WE_EUSAGE &&
              !strcmp(we_err_detail(), "model: timestep 1000 not in 0..999"), "timestep T refused");
    CHECK(we_unet_loop_conds(&m, tf, lb, vm, t, lbad, va, vn, 3) == WE_EUSAGE &&
              !strcmp(we_err_detail(), "model: label 9 not in 0..8"), "label 9 refused");
    CHECK(we_unet_loop_conds(&m, tf, lb, vm, t, NULL, NULL, NULL, 2) == WE_OK && lb[0] == 8 && lb[1] == 8 &&
              vm[0] == 1 && vm[1] == 1, "no label / no va: NULL conditions");

    free(x), free(va), free(heat), free(deps), free(eps1), free(g1);
    we_unet_free(&m);
    return check_summary();
}
