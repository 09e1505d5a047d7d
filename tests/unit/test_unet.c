/* test_unet.c - the C UNet against the PyTorch reference (tests/ref/model.py,
 * golden files from tests/ref/gen_model_golden.py in tests/golden/model/):
 * output, loss and EVERY parameter gradient (max abs and relative error per
 * tensor are printed), the schedules, plus finite differences on a few
 * parameters and a save/load round trip of the checkpoint format. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_safetensors.h"
#include "we_sched.h"
#include "we_unet.h"

#define GOLD "tests/golden/model/"

/* Write m's weights with config c to a fresh temporary file (its name into
 * path[]) and read it back into rf: WE_OK or the first failure. */
static we_status save_and_read(const we_unet_config *c, const we_unet *m, char path[22], we_st_file *rf)
{
    we_st_writer w;
    we_st_writer_init(&w);
    we_status s = we_unet_config_to_meta(c, &w);
    s = s ? s : we_unet_add_tensors(m, &w, "", m->params);
    strcpy(path, "/tmp/test_unet_XXXXXX");
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    s = s ? s : we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    return s ? s : we_st_read(rf, path);
}

static double max_abs(const float *a, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

int main(void)
{
    we_st_file wf, bf, of;
    if (we_st_read(&wf, GOLD "weights.safetensors") || we_st_read(&bf, GOLD "batch.safetensors") ||
        we_st_read(&of, GOLD "out.safetensors")) {
        printf("cannot read golden files: %s\n", we_err_detail());
        CHECK(0, "golden files readable");
        return check_summary();
    }
    we_unet_config cfg;
    CHECK(we_unet_config_from_meta(&cfg, &wf) == WE_OK, "config from checkpoint metadata");
    CHECK(cfg.S == 16 && cfg.C == 1 && cfg.K == 2 && cfg.nf == 8 && cfg.nlevels == 2 && cfg.nattn == 1,
          "config values");

    /* schedules against torch float64 */
    for (int k = 0; k < 2; k++) {
        we_sched s;
        double ref[1000];
        CHECK(we_sched_init(&s, k ? WE_SCHED_COSINE : WE_SCHED_LINEAR, 1000) == WE_OK, "schedule init");
        CHECK(we_st_get_f64(&of, k ? "acp_cosine" : "acp_linear", ref, 1000) == WE_OK, "golden acp");
        double md = 0;
        for (int i = 0; i < 1000; i++) md = fmax(md, fabs(s.acp[i] - ref[i]));
        printf("     %s acp max abs diff %.3g\n", k ? "cosine" : "linear", md);
        CHECK(md < 1e-12, k ? "cosine alphas_cumprod == torch" : "linear alphas_cumprod == torch");
        we_sched_free(&s);
    }

    we_unet m;
    int N = 2;
    CHECK(we_unet_create(&m, &cfg, N) == WE_OK, "create tiny model");
    CHECK(we_unet_load(&m, &wf, "") == WE_OK, "load golden weights by state_dict name");
    CHECK(m.nt == wf.n, "parameter count equals tensor count in the file");
    printf("     %d tensors, %zu parameters, %zu activation floats\n", m.nt, m.nparams, m.nact);

    int C = cfg.C, h = cfg.S / 2, K = cfg.K;
    size_t xn = (size_t)N * 4 * C * h * h;
    float *x0 = malloc(xn * 4), *noise = malloc(xn * 4), *xt = malloc(xn * 4), *va = malloc(N * 2 * 4);
    float *heat = malloc((size_t)N * K * h * h * 4), *ref = malloc(xn * 4);
    int32_t t[2], label[2], va_null[2];
    int ok = !we_st_get_f32(&bf, "x0", x0, xn, 0, NULL) && !we_st_get_f32(&bf, "noise", noise, xn, 0, NULL) &&
             !we_st_get_i32(&bf, "t", t, 2) && !we_st_get_i32(&bf, "label", label, 2) &&
             !we_st_get_f32(&bf, "va", va, 4, 0, NULL) && !we_st_get_i32(&bf, "va_null", va_null, 2) &&
             !we_st_get_f32(&bf, "heat", heat, (size_t)N * K * h * h, 0, NULL);
    CHECK(ok, "golden batch loads");

    we_sched sch;
    we_sched_init(&sch, cfg.schedule, cfg.T);
    memset(m.grads, 0, m.nparams * 4);
    float loss;
    CHECK(we_unet_loss(&m, &sch, x0, noise, t, label, va, va_null, heat, N, 1, &loss, xt) == WE_OK, "loss + backward");
    float rloss;
    we_st_get_f32(&of, "loss", &rloss, 1, 0, NULL);
    printf("     loss C %.9g torch %.9g\n", loss, rloss);
    CHECK(fabs(loss - rloss) <= 1e-5 * fabs(rloss), "loss == torch (rel 1e-5)");
    we_st_get_f32(&of, "xt", ref, xn, 0, NULL);
    CHECK(check_max_abs_diff(xt, ref, xn) < 1e-6, "x_t == torch");
    we_st_get_f32(&of, "eps", ref, xn, 0, NULL);
    double d = check_max_abs_diff(m.acts + m.off_eps, ref, xn);
    printf("     eps max abs %.3g (ref max %.3g)\n", d, max_abs(ref, xn));
    CHECK(d <= 1e-5 * fmax(1, max_abs(ref, xn)), "eps output == torch");

    /* noise regions high (LL clean and given) and low */
    for (int rg = 1; rg <= 2; rg++) {
        float lr, ref_l;
        m.cfg.region = rg == 1 ? WE_REGION_HIGH : WE_REGION_LOW;
        float *gsave0 = malloc(m.nparams * 4);
        memcpy(gsave0, m.grads, m.nparams * 4);
        we_unet_loss(&m, &sch, x0, noise, t, label, va, va_null, heat, N, 0, &lr, NULL);
        memcpy(m.grads, gsave0, m.nparams * 4);
        free(gsave0);
        we_st_get_f32(&of, rg == 1 ? "loss_high" : "loss_low", &ref_l, 1, 0, NULL);
        printf("     region %s loss C %.9g torch %.9g\n", we_region_name(m.cfg.region), lr, ref_l);
        CHECK(fabs(lr - ref_l) <= 1e-5 * fabs(ref_l), rg == 1 ? "region high loss == torch" : "region low loss == torch");
    }
    m.cfg.region = WE_REGION_ALL;

    /* every parameter gradient */
    int bad = 0;
    double worst = 0;
    for (int i = 0; i < m.nt; i++) {
        const we_unet_param *p = &m.pt[i];
        char nm[128];
        snprintf(nm, sizeof nm, "grad.%s", p->name);
        float *g = malloc(p->n * 4);
        if (we_st_get_f32(&of, nm, g, p->n, p->rank, p->shape)) {
            printf("     missing %s\n", nm);
            bad++;
            free(g);
            continue;
        }
        double mad = check_max_abs_diff(m.grads + p->off, g, p->n), mr = max_abs(g, p->n);
        double rel = mad / fmax(mr, 1e-12);
        if (rel > worst) worst = rel;
        int good = mad <= 1e-4 * fmax(mr, 1e-3);
        printf("     %-40s max abs %.3g rel %.3g%s\n", p->name, mad, rel, good ? "" : "  <-- FAIL");
        if (!good) bad++;
        free(g);
    }
    printf("     worst relative gradient error %.3g over %d tensors\n", worst, m.nt);
    CHECK(bad == 0, "every parameter gradient == torch (max abs <= 1e-4 * max|ref|)");

    /* finite differences on a few parameters (largest gradient entry of
     * some tensors), central, float32 forward */
    const char *fdn[] = {"conv_in.weight", "enc.0.down.conv0.weight", "mid.attn.qkv.weight",
                         "dec.1.up.convH.weight", "label_emb.weight", "temb.lin1.weight",
                         "enc.1.res.0.ada1.lin.weight", "out_norm.weight"};
    float *gsave = malloc(m.nparams * 4);
    memcpy(gsave, m.grads, m.nparams * 4);
    for (size_t k = 0; k < sizeof fdn / sizeof *fdn; k++) {
        const we_unet_param *p = we_unet_find(&m, fdn[k]);
        if (!p) { CHECK(0, fdn[k]); continue; }
        size_t best = 0;
        for (size_t i = 0; i < p->n; i++)
            if (fabs(gsave[p->off + i]) > fabs(gsave[p->off + best])) best = i;
        float *w = m.params + p->off + best, w0 = *w, eh = 1e-2f * fmaxf(1.0f, fabsf(w0));
        float lp, lm;
        *w = w0 + eh;
        we_unet_loss(&m, &sch, x0, noise, t, label, va, va_null, heat, N, 0, &lp, NULL);
        *w = w0 - eh;
        we_unet_loss(&m, &sch, x0, noise, t, label, va, va_null, heat, N, 0, &lm, NULL);
        *w = w0;
        double fd = ((double)lp - lm) / (2.0 * eh), an = gsave[p->off + best];
        printf("     fd %-32s[%zu] numeric %.6g analytic %.6g\n", fdn[k], best, fd, an);
        char what[128];
        snprintf(what, sizeof what, "finite difference %s", fdn[k]);
        CHECK(fabs(fd - an) <= 2e-3 + 0.03 * fabs(an), what);
    }

    /* checkpoint round trip: write params with config, read back */
    {
        char path[22];
        we_st_file rf;
        CHECK(save_and_read(&cfg, &m, path, &rf) == WE_OK, "config and weights to a checkpoint and back");
        we_unet_config c2;
        CHECK(we_unet_config_from_meta(&c2, &rf) == WE_OK && c2.S == cfg.S && c2.nf == cfg.nf &&
              c2.mult[1] == cfg.mult[1] && c2.attn[0] == cfg.attn[0], "config survives the round trip");
        we_unet m2;
        we_unet_create(&m2, &c2, 1);
        CHECK(we_unet_load(&m2, &rf, "") == WE_OK && !memcmp(m2.params, m.params, m.nparams * 4),
              "weights survive the round trip bit for bit");
        we_unet_free(&m2);
        we_st_free(&rf);
        unlink(path);
    }

    /* the init keeps doc/design/model.md's zero inits: output is exactly zero */
    {
        we_rng r;
        we_rng_seed(&r, 1);
        we_unet_init_params(&m, &r);
        const float *eps;
        we_unet_forward(&m, x0, t, label, va, va_null, heat, N, &eps);
        CHECK(max_abs(eps, xn) == 0, "fresh init predicts eps = 0 (zero-init output conv)");
        CHECK(max_abs(m.params + we_unet_find(&m, "enc.0.res.0.conv0.weight")->off, 8) > 0, "fresh init conv0 nonzero");
    }

    /* a J-level config: the net's geometry and scale, the J key round trip */
    {
        we_unet_config cj;
        we_unet_config_init(&cj);
        cj.S = 256, cj.C = 1, cj.J = 3, cj.nf = 32;
        CHECK(we_unet_config_validate(&cj) == WE_OK, "J = 3 at 256 px is a valid config");
        CHECK(we_unet_cfg_c1(&cj) == 16 && we_unet_cfg_xc(&cj) == 64 && we_unet_cfg_h(&cj) == 32,
              "J = 3 at 256 px: 64 input channels at 32 x 32 (16 per band of the last level)");
        CHECK(we_unet_cfg_scale(&cj) == 0.125f, "J = 3: coefficients scaled by 2^-3");
        we_unet_config c1;
        we_unet_config_init(&c1);
        CHECK(we_unet_cfg_xc(&c1) == 12 && we_unet_cfg_h(&c1) == 32 && we_unet_cfg_scale(&c1) == 0.5f,
              "one level: 4C channels at S/2, scale 1/2 (as before)");
        cj.J = 5;
        CHECK(we_unet_config_validate(&cj) == WE_EUSAGE, "J = 5 refused");
        cj.J = 3, cj.S = 64;
        CHECK(we_unet_config_validate(&cj) == WE_EUSAGE, "J = 3 at 64 px with 4 net levels refused (64 % 2^7)");
        cj.S = 256;
        we_unet mj;
        CHECK(we_unet_create(&mj, &cj, 1) == WE_OK && mj.xsize == 64 * 32 * 32, "J = 3 net: x is 64 x 32 x 32");
        const we_unet_param *ci = we_unet_find(&mj, "conv_in.weight");
        CHECK(ci && ci->shape[1] == 64, "conv_in takes the 64 packet channels");
        char path[22];
        we_st_file rf;
        we_unet_config c2;
        CHECK(save_and_read(&cj, &mj, path, &rf) == WE_OK, "the J = 3 model to a file and back");
        CHECK(we_unet_config_from_meta(&c2, &rf) == WE_OK && c2.J == 3, "J survives the round trip");
        we_st_free(&rf);
        unlink(path);
        we_unet_free(&mj);
    }

    free(gsave);
    free(x0), free(noise), free(xt), free(va), free(heat), free(ref);
    we_sched_free(&sch);
    we_unet_free(&m);
    we_st_free(&wf), we_st_free(&bf), we_st_free(&of);
    return check_summary();
}
