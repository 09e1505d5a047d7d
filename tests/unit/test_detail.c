/* test_detail.c - the detail network D: identity at initialisation, forward
 * and backward against finite differences (parameters and input), the
 * per-level scaling of the packed input, save/load round trip (also beside
 * other tensors in one file) and refusal of a file without a detail net. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_detail.h"
#include "we_detail_data.h"
#include "we_nn.h"
#include "we_train_rng.h"

/* L = sum_i out[i] * R[i] (in double), so dL/dout = R. */
static double loss(we_detail *d, float *out, const float *inp, const float *R, int N, int H, int W)
{
    we_detail_forward(d, out, inp, N, H, W);
    double L = 0;
    for (size_t i = 0; i < (size_t)N * WE_DETAIL_COUT * H * W; i++) L += (double)out[i] * R[i];
    return L;
}

static int fd_check(we_detail *d, float *x, size_t nx, const float *g, float *out, const float *inp,
                    const float *R, int N, int H, int W, int stride, double *maxrel)
{
    int bad = 0;
    *maxrel = 0;
    for (size_t i = 0; i < nx; i += (size_t)stride) {
        float keep = x[i], eps = 1e-2f;
        x[i] = keep + eps;
        double lp = loss(d, out, inp, R, N, H, W);
        x[i] = keep - eps;
        double lm = loss(d, out, inp, R, N, H, W);
        x[i] = keep;
        double fd = (lp - lm) / (2.0 * eps), err = fabs(fd - g[i]) / (1e-2 + fabs(fd));
        if (err > *maxrel) *maxrel = err;
        if (fabs(fd - g[i]) > 5e-3 + 2e-2 * fabs(fd)) bad++;
    }
    return bad;
}

int main(void)
{
    we_nn_set_threads(1);
    we_detail_config c;
    we_detail_config_init(&c);
    CHECK(c.nf == 32 && c.layers == 5, "defaults nf 32, 5 layers");
    c.nf = 3;
    CHECK(we_detail_config_validate(&c) == WE_EUSAGE, "nf 3 refused");
    c.nf = 8, c.layers = 9;
    CHECK(we_detail_config_validate(&c) == WE_EUSAGE, "9 layers refused");
    c.layers = 3;

    we_detail d;
    CHECK(we_detail_create(&d, &c) == WE_OK, "create nf 8, 3 layers");
    size_t want = 8 * 6 * 9 + 8 + 8 * 8 * 9 + 8 + 3 * 8 * 9 + 3;
    CHECK(d.num_params == want, "parameter count");
    CHECK(d.p.w[1] == d.params + 8 * 6 * 9 + 8 && d.p.b[2] == d.params + want - 3, "named pointers into one block");

    /* N*ceil(H/2)*ceil(W/2) >= 64: the Winograd path of the convs */
    int N = 2, H = 12, W = 12;
    size_t HW = (size_t)H * W, nin = (size_t)N * 6 * HW, nout = (size_t)N * 3 * HW;
    float *inp = malloc(nin * sizeof(float)), *out = malloc(nout * sizeof(float));
    float *R = malloc(nout * sizeof(float)), *dinp = calloc(nin, sizeof(float));
    we_rng r;
    we_rng_seed(&r, 7);
    for (size_t i = 0; i < nin; i++) inp[i] = (float)(0.5 * we_rng_normal(&r));
    for (size_t i = 0; i < nout; i++) R[i] = (float)we_rng_normal(&r);

    /* identity at initialisation */
    we_detail_init_weights(&d, 1);
    CHECK(we_detail_forward(&d, out, inp, N, H, W) == WE_OK, "forward");
    int same = 1;
    for (int n = 0; n < N; n++)
        same &= !memcmp(out + (size_t)n * 3 * HW, inp + ((size_t)n * 6 + 2) * HW, 3 * HW * sizeof(float));
    CHECK(same, "untrained D returns the source detail exactly (last conv zero)");

    /* gradients: give the last conv weights too */
    for (size_t i = 0; i < 3 * 8 * 9 + 3; i++) d.p.w[2][i] = (float)(0.2 * we_rng_normal(&r));
    for (int l = 0; l < 2; l++)
        for (int o = 0; o < 8; o++) d.p.b[l][o] = (float)(0.1 * we_rng_normal(&r));
    CHECK(we_detail_zero_grad(&d) == WE_OK, "zero grad");
    loss(&d, out, inp, R, N, H, W);
    CHECK(we_detail_backward(&d, dinp, R, inp, N, H, W) == WE_OK, "backward");
    CHECK(we_detail_backward(&d, NULL, R, inp, N, H, 10) == WE_EUSAGE, "backward with other sizes refused");
    float *g = malloc(d.num_params * sizeof(float));
    memcpy(g, d.grads, d.num_params * sizeof(float));
    double maxrel;
    int bad = fd_check(&d, d.params, d.num_params, g, out, inp, R, N, H, W, 7, &maxrel);
    printf("     params: max relative error %.3g\n", maxrel);
    CHECK(bad == 0, "parameter gradients match finite differences");
    bad = fd_check(&d, inp, nin, dinp, out, inp, R, N, H, W, 5, &maxrel);
    printf("     input: max relative error %.3g\n", maxrel);
    CHECK(bad == 0, "input gradients match finite differences (residual path included)");
    /* accumulation: a second backward doubles the gradients */
    loss(&d, out, inp, R, N, H, W);
    we_detail_backward(&d, NULL, R, inp, N, H, W);
    double md = 0;
    for (size_t i = 0; i < d.num_params; i++) md = fmax(md, fabs(d.grads[i] - 2 * g[i]));
    CHECK(md < 1e-3, "backward accumulates (+=) into the gradients");

    /* pack: scaled by 1/2^level, mask as is */
    float ll[4] = {2, -2, 4, 0}, lls[4] = {1, 1, 1, 1}, det[12], m[4] = {0, 0.5f, 1, 1}, pk[24];
    for (int i = 0; i < 12; i++) det[i] = (float)i;
    we_detail_pack(pk, ll, lls, det, m, 2, 2, 2);
    CHECK(pk[0] == 0.5f && pk[2] == 1.0f && pk[4] == 0.25f && pk[8 + 3] == 0.75f && pk[16 + 3] == 2.75f && pk[21] == 0.5f,
          "pack scales bands by 1/2^j and keeps the mask");

    /* apply: untrained -> source detail, unscaled */
    we_detail d0;
    we_detail_config c0;
    we_detail_config_init(&c0);
    we_detail_create(&d0, &c0);
    we_detail_init_weights(&d0, 3);
    float dout[12];
    CHECK(we_detail_apply(&d0, dout, ll, lls, det, m, 2, 2, 2) == WE_OK && !memcmp(dout, det, sizeof det),
          "apply with an untrained net keeps det_src");

    /* save / load */
    char path[] = "/tmp/test_detail_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(we_detail_save_file(&d, path) == WE_OK, "save");
    we_detail e;
    CHECK(we_detail_load_file(&e, path) == WE_OK, "load");
    CHECK(e.cfg.nf == 8 && e.cfg.layers == 3 && e.num_params == d.num_params &&
          !memcmp(e.params, d.params, d.num_params * sizeof(float)), "round trip: config and weights");
    /* beside other tensors, with an EMA block */
    float other[3] = {1, 2, 3}, *ema = malloc(d.num_params * sizeof(float));
    for (size_t i = 0; i < d.num_params; i++) ema[i] = d.params[i] * 0.5f;
    int64_t s3[1] = {3};
    we_st_writer w;
    we_st_writer_init(&w);
    we_st_writer_meta(&w, "format", "waveemotion-unet");
    we_st_writer_add(&w, "unet.other", WE_ST_F32, 1, s3, other);
    CHECK(we_detail_add_to_writer(&d, ema, &w) == WE_OK && we_st_writer_save(&w, path) == WE_OK, "save beside a UNet");
    we_st_writer_free(&w);
    we_detail_free(&e);
    we_st_file f;
    CHECK(we_st_read(&f, path) == WE_OK && we_detail_load(&e, &f) == WE_OK && !memcmp(e.params, ema, d.num_params * sizeof(float)),
          "load from a shared file takes detail.* (the EMA block)");
    CHECK(!strcmp(we_st_meta(&f, "format"), "waveemotion-unet"), "the other metadata is untouched");
    we_st_free(&f);
    we_detail_free(&e);
    /* a file without a detail net */
    we_st_writer_init(&w);
    we_st_writer_add(&w, "unet.other", WE_ST_F32, 1, s3, other);
    we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    CHECK(we_detail_load_file(&e, path) == WE_EDATA, "file without detail.format refused (WE_EDATA)");
    CHECK(we_detail_load_file(&e, "/nonexistent/x.safetensors") == WE_ENOINPUT, "missing file: WE_ENOINPUT");
    unlink(path);

    /* simulated edits (we_detail_data) */
    {
        enum { S = 64, J = 2 };
        we_detail_sim_params sp;
        we_detail_sim_params_init(&sp, S, J);
        CHECK(sp.P == 16 && we_detail_sim_params_validate(&sp) == WE_OK, "sim params: patch = coarse band at S 64");
        sp.P = 32;
        CHECK(we_detail_sim_params_validate(&sp) == WE_EUSAGE, "patch larger than the coarse band refused");
        sp.P = 16;
        float *face = malloc(S * S * sizeof(float)), *tg = malloc(S * S * sizeof(float));
        for (int i = 0; i < S * S; i++) face[i] = (float)(0.5 * sin(i * 0.37) * cos(i * 0.011));
        we_detail_sim_params z = sp;
        z.amp_min = z.amp_max = 0;
        we_detail_sim_warp(tg, face, S, &z, &r);
        CHECK(check_max_abs_diff(tg, face, S * S) < 1e-6, "warp of amplitude 0 is the identity");
        sp.amp_min = 20, sp.amp_max = 24; /* large at 64 px: a change the mask sees */
        we_detail_sim sw;
        CHECK(we_detail_sim_alloc(&sw, &sp) == WE_OK && we_detail_sim_edit(&sw, face, &r) == WE_OK, "simulated edit");
        double msum = 0;
        for (int i = 0; i < 16 * 16; i++) msum += sw.mask.ll[J][i];
        CHECK(msum > 1, "the warp turns the coarse mask on");
        float sin_[6 * 16 * 16], stg[3 * 16 * 16], swg[16 * 16];
        we_detail_sim_sample(&sw, sin_, stg, swg, 1, &r);
        int okp = 1;
        for (int i = 0; i < 256; i++) {
            okp &= sin_[5 * 256 + i] == swg[i];
            if (swg[i] == 0) okp &= sin_[i] == sin_[256 + i];
        }
        CHECK(okp, "sample: mask channel = weights; edited coarse = source coarse where the mask is off");
        /* masked L1 and its gradient */
        float pr[2 * 3 * 4], tt[2 * 3 * 4], wg[2 * 4], dp[2 * 3 * 4];
        for (int i = 0; i < 24; i++) pr[i] = (float)we_rng_normal(&r), tt[i] = (float)we_rng_normal(&r);
        for (int i = 0; i < 8; i++) wg[i] = (float)(i % 3) * 0.5f;
        float l0 = we_detail_sim_l1(dp, pr, tt, wg, 2, 4);
        int okg = 1;
        for (int i = 0; i < 24; i++) {
            float keep = pr[i];
            pr[i] = keep + 1e-3f;
            float lp = we_detail_sim_l1(NULL, pr, tt, wg, 2, 4);
            pr[i] = keep - 1e-3f;
            float lm = we_detail_sim_l1(NULL, pr, tt, wg, 2, 4);
            pr[i] = keep;
            okg &= fabs((lp - lm) / 2e-3 - dp[i]) < 1e-3;
        }
        CHECK(l0 > 0 && okg, "masked L1 gradient matches finite differences");
        we_detail_sim_score sc = {0};
        CHECK(we_detail_sim_eval(&sw, &d0, 1, &sc) == WE_OK && sc.w > 0 && fabs(sc.l1_d - sc.l1_base) < 1e-9 * (1 + sc.l1_base) &&
              fabs(sc.e_d - sc.e_base) < 1e-9 * (1 + sc.e_base), "eval: an untrained D scores exactly the base (smooth) baseline");
        printf("     level 1, strong warp: L1 keep %.4f, smooth base %.4f; energy base/target %.3f\n", sc.l1_id / sc.w,
               sc.l1_base / sc.w, sc.e_base / sc.e_tgt);
        we_detail_sim_free(&sw);
        free(face), free(tg);
    }

    we_detail_free(&d);
    we_detail_free(&d0);
    free(inp), free(out), free(R), free(dinp), free(g), free(ema);
    return check_summary();
}
