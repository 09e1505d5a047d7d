/* test_unet_cuda.c - the UNet on the GPU against the CPU reference (golden
 * tiny model): output and every parameter gradient. Skips cleanly (and
 * passes) without CUDA or without a GPU. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_device.h"
#include "we_unet.h"
#include "we_unet_cuda.h"

#define GOLD "tests/golden/model/"

int main(void)
{
    if (!we_cuda_available()) {
        printf("skip: no CUDA GPU (compiled with CUDA: %s); CPU == torch is checked by test_unet\n",
               we_cuda_compiled() ? "yes" : "no");
        /* the model must refuse cleanly rather than crash */
        we_unet_config cfg;
        we_unet_config_init(&cfg);
        cfg.S = 16, cfg.C = 1, cfg.nf = 8, cfg.nlevels = 2, cfg.mult[1] = 2, cfg.num_res = 1, cfg.attn[0] = 1;
        we_unet m;
        we_unet_create(&m, &cfg, 1);
        we_unet_cuda g;
        CHECK(we_unet_cuda_create(&g, &m) == WE_EDEVICE, "no device: GPU model creation fails with WE_EDEVICE");
        printf("     (%s)\n", we_err_detail());
        we_unet_free(&m);
        return check_summary();
    }
    we_st_file wf, bf;
    CHECK(we_st_read(&wf, GOLD "weights.safetensors") == WE_OK && we_st_read(&bf, GOLD "batch.safetensors") == WE_OK,
          "golden files");
    we_unet_config cfg;
    we_unet_config_from_meta(&cfg, &wf);
    we_unet m;
    int N = 2;
    we_unet_create(&m, &cfg, N);
    we_unet_load(&m, &wf, "");
    size_t xn = (size_t)N * m.xsize, hn = (size_t)N * m.heatsize;
    float *x = malloc(xn * 4), *heat = malloc(hn * 4), va[4], *eg = malloc(xn * 4), *d = malloc(xn * 4);
    int32_t t[2], lab[2], vn[2];
    we_st_get_f32(&bf, "x0", x, xn, 0, NULL);
    we_st_get_f32(&bf, "heat", heat, hn, 0, NULL);
    we_st_get_f32(&bf, "va", va, 4, 0, NULL);
    we_st_get_i32(&bf, "t", t, 2), we_st_get_i32(&bf, "label", lab, 2), we_st_get_i32(&bf, "va_null", vn, 2);
    const float *ec;
    we_unet_forward(&m, x, t, lab, va, vn, heat, N, &ec);
    for (size_t i = 0; i < xn; i++) d[i] = (float)sin((double)i);
    memset(m.grads, 0, m.nparams * 4);
    we_unet_backward(&m, d);
    we_unet_cuda g;
    CHECK(we_unet_cuda_create(&g, &m) == WE_OK, "create on the GPU");
    CHECK(we_unet_cuda_forward(&g, x, t, lab, va, vn, heat, N, eg) == WE_OK, "GPU forward");
    double de = check_max_abs_diff(eg, m.acts + m.off_eps, xn);
    printf("     eps GPU vs CPU max abs %.3g\n", de);
    CHECK(de < 1e-4, "GPU output == CPU");
    CHECK(we_unet_cuda_backward(&g, d) == WE_OK, "GPU backward");
    float *gg = malloc(m.nparams * 4);
    we_unet_cuda_download_grads(&g, gg);
    int bad = 0;
    for (int i = 0; i < m.nt; i++) {
        const we_unet_param *p = &m.pt[i];
        double mad = check_max_abs_diff(gg + p->off, m.grads + p->off, p->n), mr = 0;
        for (size_t k = 0; k < p->n; k++) mr = fmax(mr, fabs(m.grads[p->off + k]));
        if (mad > 1e-3 * fmax(mr, 1e-3)) { printf("     %s max abs %.3g (ref max %.3g)\n", p->name, mad, mr); bad++; }
    }
    CHECK(bad == 0, "every GPU parameter gradient == CPU");
    we_unet_cuda_free(&g);
    free(x), free(heat), free(eg), free(d), free(gg);
    we_unet_free(&m);
    we_st_free(&wf), we_st_free(&bf);
    return check_summary();
}
