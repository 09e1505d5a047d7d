/* we_cond.c - the UNet behind the sampler callback (see we_cond.h). */
#include "we_cond.h"

#include <stdlib.h>
#include <string.h>

we_status we_cond_init(we_cond *c, we_unet *m, int maxN)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->cap = maxN;
    c->t = calloc((size_t)maxN, sizeof(int32_t));
    c->label = calloc((size_t)maxN, sizeof(int32_t));
    c->vnull = calloc((size_t)maxN, sizeof(int32_t));
    if (!c->t || !c->label || !c->vnull) {
        we_cond_free(c);
        return we_err_set(WE_ENOMEM, "cond: out of memory");
    }
    return WE_OK;
}

void we_cond_free(we_cond *c)
{
    free(c->t);
    free(c->label);
    free(c->vnull);
    memset(c, 0, sizeof *c);
}

we_status we_cond_eps(void *ctx, float *eps, const float *x, int t, int which, int N)
{
    we_cond *c = ctx;
    if (N > c->cap || N > c->m->maxN) return we_err_set(WE_EUSAGE, "cond: batch %d above %d", N, c->cap);
    int src = which == WE_EPS_SOURCE;
    int use_label = which == WE_EPS_TARGET || src || which == WE_COND_LABEL;
    int use_va = which == WE_EPS_TARGET || src || which == WE_COND_VA;
    int use_heat = which == WE_EPS_TARGET || src || which == WE_COND_HEAT;
    const int32_t *lab = src ? c->src_label : c->tgt_label;
    const float *va = src ? c->src_va : c->tgt_va;
    const int32_t *vk = src ? c->src_va_known : c->tgt_va_known;
    const float *heat = use_heat ? (src && c->heat_src ? c->heat_src : c->heat) : NULL;
    for (int n = 0; n < N; n++) {
        c->t[n] = t;
        c->label[n] = (use_label && lab) ? lab[n] : WE_UNET_NULL_LABEL;
        c->vnull[n] = !(use_va && va && vk && vk[n]);
    }
    if (c->gpu)
        return we_unet_cuda_forward(c->gpu, x, c->t, c->label, va, c->vnull, heat, N, eps);
    const float *out;
    we_status s = we_unet_forward(c->m, x, c->t, c->label, va, c->vnull, heat, N, &out);
    if (s) return s;
    memcpy(eps, out, sizeof(float) * (size_t)N * (size_t)c->m->xsize);
    return WE_OK;
}
