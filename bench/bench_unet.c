/* bench/bench_unet.c - our CPU UNet timings (compiled and run by
 * bench/bench_unet.sh): forward and forward+backward of the default 64x64
 * config at batch B, and one 40-step guided DDIM edit (invert to t0 = 500
 * under the source label, guided DDIM back under the target label, scales
 * g_low 1 / g_high 3, so 40 + 2*40 network passes) of one face.
 * Writes the weights and inputs it used plus its outputs (eps, every
 * gradient, the edit result) to DIR so bench_unet_torch.py can run the
 * reference on exactly the same numbers.
 *
 * With DEVICE cuda the network runs on the GPU (we_unet_cuda.h) the way
 * wtrain and wdenoise run it: inputs go up and eps comes down per pass; the
 * forward+backward step adds the host-side loss (we_unet_loss_xt/_eps) and
 * the backward from d eps. $BENCH_TF32=1 allows TF32 tensor-core GEMMs.
 *
 *   bench_unet DIR [batch] [reps] [C] [nf] [cpu|cuda]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_cond.h"
#include "we_device.h"
#include "we_nn_cuda.h"
#include "we_safetensors.h"
#include "we_sampler.h"
#include "we_unet.h"
#include "we_unet_cuda.h"

static double median(double *v, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (v[j] < v[i]) { double t = v[i]; v[i] = v[j]; v[j] = t; }
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: bench_unet DIR [batch] [reps] [C] [nf] [cpu|cuda]\n"); return 64; }
    int cuda = argc > 6 && !strcmp(argv[6], "cuda");
    if (cuda && !we_cuda_available()) { fprintf(stderr, "bench_unet: no CUDA device\n"); return 69; }
    const char *dir = argv[1];
    int B = argc > 2 ? atoi(argv[2]) : 32, reps = argc > 3 ? atoi(argv[3]) : 3;
    we_unet_config cfg;
    we_unet_config_init(&cfg);
    if (argc > 4) cfg.C = atoi(argv[4]);
    if (argc > 5) cfg.nf = atoi(argv[5]);
    we_unet m;
    if (we_unet_create(&m, &cfg, B)) { fprintf(stderr, "bench_unet: %s\n", we_err_detail()); return 70; }
    we_rng r;
    we_rng_seed(&r, 2024);
    we_unet_init_params(&m, &r);
    /* give the zero-initialised tensors small random values, so the output
     * and every gradient are non-trivial for the comparison */
    for (int i = 0; i < m.nt; i++) {
        float *w = m.params + m.pt[i].off;
        int allzero = 1;
        for (size_t k = 0; k < m.pt[i].n && allzero; k++) allzero = w[k] == 0;
        if (allzero)
            for (size_t k = 0; k < m.pt[i].n; k++) w[k] = (float)(0.02 * we_rng_normal(&r));
    }
    int h = cfg.S / 2;
    size_t xn = (size_t)B * m.xsize;
    float *x0 = malloc(xn * 4), *noise = malloc(xn * 4), *va = malloc((size_t)B * 8);
    int32_t *t = malloc((size_t)B * 4), *lab = malloc((size_t)B * 4), *vn = malloc((size_t)B * 4);
    we_rng_fill_normal(&r, x0, xn);
    for (size_t i = 0; i < xn; i++) x0[i] *= 0.5f;
    we_rng_fill_normal(&r, noise, xn);
    for (int n = 0; n < B; n++) {
        t[n] = (int32_t)we_rng_below(&r, 1000);
        lab[n] = n % 9;
        vn[n] = n % 3 == 0;
        va[2 * n] = 0.3f, va[2 * n + 1] = -0.2f;
    }
    we_sched sch;
    we_sched_init(&sch, cfg.schedule, cfg.T);
    we_unet_cuda g;
    memset(&g, 0, sizeof g);
    float *eps_host = malloc(xn * 4), *xt = malloc(xn * 4), *deps = malloc(xn * 4);
    if (cuda) {
#ifdef WE_HAVE_CUDA
        if (getenv("BENCH_TF32") && atoi(getenv("BENCH_TF32"))) we_nn_cuda_set_tf32(1);
#endif
        if (we_unet_cuda_create(&g, &m)) { fprintf(stderr, "bench_unet: %s\n", we_err_detail()); return 69; }
    }
    double flops = we_unet_flops_per_sample(&m);
    printf("config S=%d C=%d nf=%d mult=1,2,2,2 num_res=%d attn=2 batch=%d params=%zu fwd_gflop_per_sample=%.3f act_mib=%.0f\n",
           cfg.S, cfg.C, cfg.nf, cfg.num_res, B, m.nparams, flops / 1e9, 2.0 * m.nact * 4 / 1048576.0);

    /* warm-up: one forward and one forward+backward untimed (first touch of
     * the activation arenas, BLAS thread start, cuBLAS handle) */
    const float *eps = NULL;
    float loss = 0;
    double tf[16], tb[16];
    for (int k = -1; k < reps && k < 16; k++) {
        double t0 = we_now();
        if (cuda) {
            if (we_unet_cuda_forward(&g, x0, t, lab, va, vn, NULL, B, eps_host)) {
                fprintf(stderr, "bench_unet: %s\n", we_err_detail());
                return 70;
            }
            eps = eps_host;
        } else {
            we_unet_forward(&m, x0, t, lab, va, vn, NULL, B, &eps);
        }
        if (k >= 0) tf[k] = we_now() - t0;
    }
    float *eps_keep = malloc(xn * 4);
    memcpy(eps_keep, eps, xn * 4);
    for (int k = -1; k < reps && k < 16; k++) {
        double t0 = we_now();
        if (cuda) {
            we_status st = we_unet_cuda_zero_grads(&g);
            st = st ? st : we_unet_loss_xt(&m, &sch, xt, x0, noise, t, B);
            st = st ? st : we_unet_cuda_forward(&g, xt, t, lab, va, vn, NULL, B, eps_host);
            if (!st) loss = we_unet_loss_eps(&m, deps, eps_host, noise, B);
            st = st ? st : we_unet_cuda_backward(&g, deps);
            if (st) { fprintf(stderr, "bench_unet: %s\n", we_err_detail()); return 70; }
        } else {
            memset(m.grads, 0, m.nparams * 4);
            we_unet_loss(&m, &sch, x0, noise, t, lab, va, vn, NULL, B, 1, &loss, NULL);
        }
        if (k >= 0) tb[k] = we_now() - t0;
    }
    if (cuda && we_unet_cuda_download_grads(&g, m.grads)) { fprintf(stderr, "bench_unet: %s\n", we_err_detail()); return 70; }
    double mf = median(tf, reps), mb = median(tb, reps);
    /* model FLOPs: a multiply-add is 2; backward is counted as 2 forwards */
    printf("ours device=%s forward_s=%.4f fwd_bwd_s=%.4f fwd_gflops=%.2f fwd_bwd_gflops=%.2f loss=%.7f\n",
           cuda ? "cuda" : "cpu", mf, mb, flops * B / mf / 1e9, 3 * flops * B / mb / 1e9, loss);

    /* one guided 40-step DDIM edit of one face */
    we_cond cond;
    we_cond_init(&cond, &m, 1);
    if (cuda) cond.gpu = &g;
    int32_t src = 0, tgt = 1, vk0 = 0;
    cond.src_label = &src, cond.tgt_label = &tgt;
    cond.src_va_known = cond.tgt_va_known = &vk0;
    we_sampler sp;
    we_sampler_init(&sp);
    sp.fn = we_cond_eps, sp.ctx = &cond, sp.sched = &sch;
    sp.N = 1, sp.C = cfg.C, sp.h = h;
    sp.s_low = 1.0f, sp.s_high = 3.0f;
    float *xe = malloc((size_t)m.xsize * 4);
    memcpy(xe, x0, (size_t)m.xsize * 4);
    double t0 = we_now();
    we_status s = we_sampler_edit(&sp, xe, 40, 500, 0.0f, 0, &r);
    double te = we_now() - t0;
    if (s) { fprintf(stderr, "bench_unet: edit: %s\n", we_err_detail()); return 70; }
    printf("ours edit40_s=%.4f\n", te);

    /* files for the reference */
    char path[1024];
    we_st_writer w;
    we_st_writer_init(&w);
    we_unet_config_to_meta(&cfg, &w);
    we_unet_add_tensors(&m, &w, "", m.params);
    snprintf(path, sizeof path, "%s/weights.safetensors", dir);
    if (we_st_writer_save(&w, path)) { fprintf(stderr, "bench_unet: %s\n", we_err_detail()); return 74; }
    we_st_writer_free(&w);
    we_st_writer_init(&w);
    int64_t xs[4] = {B, 4 * cfg.C, h, h}, bs[1] = {B}, vs[2] = {B, 2}, es[4] = {1, 4 * cfg.C, h, h}, one[1] = {1};
    we_st_writer_add(&w, "x0", WE_ST_F32, 4, xs, x0);
    we_st_writer_add(&w, "noise", WE_ST_F32, 4, xs, noise);
    we_st_writer_add(&w, "t", WE_ST_I32, 1, bs, t);
    we_st_writer_add(&w, "label", WE_ST_I32, 1, bs, lab);
    we_st_writer_add(&w, "va", WE_ST_F32, 2, vs, va);
    we_st_writer_add(&w, "va_null", WE_ST_I32, 1, bs, vn);
    we_st_writer_add(&w, "eps", WE_ST_F32, 4, xs, eps_keep);
    we_st_writer_add(&w, "edit", WE_ST_F32, 4, es, xe);
    we_st_writer_add(&w, "loss", WE_ST_F32, 1, one, &loss);
    we_unet_add_tensors(&m, &w, "grad.", m.grads);
    snprintf(path, sizeof path, "%s/ours.safetensors", dir);
    if (we_st_writer_save(&w, path)) { fprintf(stderr, "bench_unet: %s\n", we_err_detail()); return 74; }
    we_st_writer_free(&w);
    if (cuda) we_unet_cuda_free(&g);
    return 0;
}
