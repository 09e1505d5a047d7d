/* we_unet_cuda.c - the UNet tape on the GPU (see we_unet_cuda.h). Compiled
 * always; the body needs WE_HAVE_CUDA (the Makefile defines it and adds the
 * CUDA include path when nvcc is found). */
#include "we_unet_cuda.h"

#include <stdlib.h>
#include <string.h>

#include "we_device.h"
#include "we_unet_priv.h"

#ifdef WE_HAVE_CUDA
#include <cuda_runtime.h>

#include "we_nn_cuda.h"

static we_status cu(cudaError_t e, const char *what)
{
    if (e == cudaSuccess) return WE_OK;
    return we_err_set(WE_EDEVICE, "cuda: %s: %s", what, cudaGetErrorString(e));
}

void we_unet_cuda_free(we_unet_cuda *g)
{
    we_nn_cuda_free(g->params);
    we_nn_cuda_free(g->grads);
    we_nn_cuda_free(g->acts);
    we_nn_cuda_free(g->dacts);
    we_nn_cuda_free(g->scratch);
    we_nn_cuda_free(g->tf);
    we_nn_cuda_free(g->labels);
    free(g->vamask);
    memset(g, 0, sizeof *g);
}

we_status we_unet_cuda_create(we_unet_cuda *g, we_unet *m)
{
    memset(g, 0, sizeof *g);
    g->m = m;
    we_status s = we_cuda_require();
    s = s ? s : we_nn_cuda_init();
    if (s) return s;
    /* scratch: the largest need over the tape at maxN */
    size_t sc = 1;
    for (int i = 0; i < m->nops; i++) {
        const we_unet_op *o = &m->ops[i];
        size_t need = 0;
        if (o->type == OP_CONV) {
            we_conv2d_dims d = {m->maxN, o->C, o->H, o->W, o->Cout, o->k, 1, o->k / 2, o->groups};
            need = we_nn_conv2d_cuda_scratch_size(&d);
        } else if (o->type == OP_ATTN) {
            need = we_nn_attention_cuda_scratch_size(m->maxN, o->C, o->H, 1);
        }
        if (need > sc) sc = need;
    }
    g->nscratch = sc;
    g->params = we_nn_cuda_alloc(m->nparams);
    g->grads = we_nn_cuda_alloc(m->nparams);
    g->acts = we_nn_cuda_alloc(m->nact);
    g->dacts = we_nn_cuda_alloc(m->nact);
    g->scratch = we_nn_cuda_alloc(sc);
    g->tf = we_nn_cuda_alloc((size_t)m->maxN);
    g->labels = (int32_t *)we_nn_cuda_alloc((size_t)m->maxN);
    g->vamask = calloc((size_t)m->maxN, sizeof(float));
    if (!g->params || !g->grads || !g->acts || !g->dacts || !g->scratch || !g->tf || !g->labels || !g->vamask) {
        size_t mb = (2 * m->nact + 2 * m->nparams + sc) * 4 >> 20;
        we_unet_cuda_free(g);
        return we_err_set(WE_EDEVICE, "cuda: cannot allocate %zu MiB on the device", mb);
    }
    if ((s = we_unet_cuda_upload_params(g)) || (s = we_unet_cuda_zero_grads(g))) {
        we_unet_cuda_free(g);
        return s;
    }
    return WE_OK;
}

we_status we_unet_cuda_upload_params(we_unet_cuda *g)
{
    return we_nn_cuda_upload(g->params, g->m->params, g->m->nparams);
}

we_status we_unet_cuda_zero_grads(we_unet_cuda *g)
{
    return cu(cudaMemset(g->grads, 0, g->m->nparams * sizeof(float)), "memset");
}

we_status we_unet_cuda_download_grads(we_unet_cuda *g, float *host)
{
    we_status s = we_nn_cuda_sync();
    return s ? s : we_nn_cuda_download(host, g->grads, g->m->nparams);
}

#define A(off) (g->acts + (off))
#define D(off) (g->dacts + (off))
#define P(off) (g->params + (off))
#define G(off) (g->grads + (off))

we_status we_unet_cuda_forward(we_unet_cuda *g, const float *x, const int32_t *t, const int32_t *label,
                               const float *va, const int32_t *va_null, const float *heat, int N,
                               float *eps_host)
{
    we_unet *m = g->m;
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "model: batch %d not in 1..%d", N, m->maxN);
    float tf[N];
    int32_t lab[N];
    for (int n = 0; n < N; n++) {
        if (t[n] < 0 || t[n] >= m->cfg.T) return we_err_set(WE_EUSAGE, "model: timestep %d out of range", t[n]);
        lab[n] = label ? label[n] : WE_UNET_NULL_LABEL;
        if (lab[n] < 0 || lab[n] >= WE_UNET_NUM_LABELS) return we_err_set(WE_EUSAGE, "model: label %d not in 0..8", lab[n]);
        tf[n] = (float)t[n];
        g->vamask[n] = (!va || (va_null && va_null[n])) ? 1.0f : 0.0f;
    }
    we_status s = we_nn_cuda_upload(g->tf, tf, (size_t)N);
    s = s ? s : we_nn_cuda_upload_i32(g->labels, lab, (size_t)N);
    s = s ? s : we_nn_cuda_upload(A(m->off_x), x, (size_t)N * m->xsize);
    if (!s && va) s = we_nn_cuda_upload(A(m->off_va), va, 2 * (size_t)N);
    if (!s && !va) s = cu(cudaMemset(A(m->off_va), 0, sizeof(float) * 2 * (size_t)N), "memset");
    if (!s && m->cfg.K) {
        if (heat) s = we_nn_cuda_upload(A(m->off_heat), heat, (size_t)N * m->heatsize);
        else s = cu(cudaMemset(A(m->off_heat), 0, sizeof(float) * (size_t)N * m->heatsize), "memset");
    }
    if (s) return s;
    g->N = N;
    for (int i = 0; i < m->nops; i++) {
        const we_unet_op *o = &m->ops[i];
        size_t n = (size_t)N * (size_t)o->C;
        switch (o->type) {
        case OP_CONV: {
            we_conv2d_dims d = {N, o->C, o->H, o->W, o->Cout, o->k, 1, o->k / 2, o->groups};
            we_nn_conv2d_forward_cuda(A(o->out), g->scratch, A(o->in), P(o->w), P(o->b), &d);
            break;
        }
        case OP_LINEAR: we_nn_linear_forward_cuda(A(o->out), A(o->in), P(o->w), P(o->b), N, o->C, o->Cout); break;
        case OP_ADAGN: {
            const float *ss = A(o->in2);
            we_nn_adagn_forward_cuda(A(o->out), A(o->s1), A(o->s2), A(o->in), NULL, NULL, ss, ss + o->C,
                                     2 * o->C, N, o->C, o->H, o->groups, GN_EPS);
            break;
        }
        case OP_GN:
            we_nn_groupnorm_forward_cuda(A(o->out), A(o->s1), A(o->s2), A(o->in), P(o->w), P(o->b),
                                         N, o->C, o->H, o->groups, GN_EPS);
            break;
        case OP_SILU: we_nn_silu_forward_cuda(A(o->out), A(o->in), n); break;
        case OP_SCALE: we_nn_scale_forward_cuda(A(o->out), A(o->in), o->scale, n); break;
        case OP_ADD: we_nn_add_forward_cuda(A(o->out), A(o->in), A(o->in2), o->scale, n); break;
        case OP_DWT: we_nn_dwt_forward_cuda(A(o->out), A(o->in), N, o->C, o->H, o->W); break;
        case OP_IWT: we_nn_iwt_forward_cuda(A(o->out), A(o->in), N, o->C, o->H, o->W); break;
        case OP_CONCAT: we_nn_concat_forward_cuda(A(o->out), A(o->in), A(o->in2), N, o->C, o->C2, o->H); break;
        case OP_SLICE: we_nn_slice_forward_cuda(A(o->out), A(o->in), N, o->C, o->c0, o->Cout, o->H); break;
        case OP_ATTN: {
            int C = o->C;
            we_nn_attention_forward_cuda(A(o->out), A(o->s1), A(o->s2), A(o->s3), A(o->in), P(o->w),
                                         P(o->w) + (size_t)3 * C * C, P(o->b), P(o->b) + (size_t)C * C, N, C, o->H, 1);
            break;
        }
        case OP_TEMB: we_nn_timestep_embedding_cuda(A(o->out), g->tf, N, o->C, 10000.0f, WE_TEMB_WAVEDIFF); break;
        case OP_EMBED: we_nn_embedding_forward_cuda(A(o->out), g->labels, P(o->w), N, WE_UNET_NUM_LABELS, o->C); break;
        case OP_VAMIX:
            /* per sample: the MLP row or the learned NULL vector (a copy) */
            for (int k = 0; k < N; k++)
                we_nn_scale_forward_cuda(A(o->out) + (size_t)k * o->C,
                                         g->vamask[k] != 0 ? P(o->w) : A(o->in) + (size_t)k * o->C, 1.0f, (size_t)o->C);
            break;
        }
    }
    s = we_nn_cuda_sync();
    if (!s && eps_host) s = we_nn_cuda_download(eps_host, A(m->off_eps), (size_t)N * m->xsize);
    return s;
}

we_status we_unet_cuda_backward(we_unet_cuda *g, const float *deps_host)
{
    we_unet *m = g->m;
    int N = g->N;
    we_status s = cu(cudaMemset(g->dacts, 0, m->nact * sizeof(float)), "memset");
    s = s ? s : we_nn_cuda_upload(D(m->off_eps), deps_host, (size_t)N * m->xsize);
    if (s) return s;
    for (int i = m->nops - 1; i >= 0; i--) {
        const we_unet_op *o = &m->ops[i];
        size_t n = (size_t)N * (size_t)o->C;
        switch (o->type) {
        case OP_CONV: {
            we_conv2d_dims d = {N, o->C, o->H, o->W, o->Cout, o->k, 1, o->k / 2, o->groups};
            float *di = (o->in == m->off_x) ? NULL : D(o->in);
            we_nn_conv2d_backward_cuda(di, G(o->w), G(o->b), g->scratch, D(o->out), A(o->in), P(o->w), &d);
            break;
        }
        case OP_LINEAR:
            we_nn_linear_backward_cuda(o->in == m->off_va ? NULL : D(o->in), G(o->w), G(o->b), D(o->out),
                                       A(o->in), P(o->w), N, o->C, o->Cout);
            break;
        case OP_ADAGN: {
            const float *ss = A(o->in2);
            float *dss = D(o->in2);
            we_nn_adagn_backward_cuda(D(o->in), NULL, NULL, dss, dss + o->C, D(o->out), A(o->in), NULL, NULL,
                                      ss, ss + o->C, 2 * o->C, A(o->s1), A(o->s2), N, o->C, o->H, o->groups);
            break;
        }
        case OP_GN:
            we_nn_groupnorm_backward_cuda(D(o->in), G(o->w), G(o->b), D(o->out), A(o->in), P(o->w),
                                          A(o->s1), A(o->s2), N, o->C, o->H, o->groups);
            break;
        case OP_SILU: we_nn_silu_backward_cuda(D(o->in), D(o->out), A(o->in), n); break;
        case OP_SCALE:
            if (o->in != m->off_x) we_nn_scale_backward_cuda(D(o->in), D(o->out), o->scale, n);
            break;
        case OP_ADD: we_nn_add_backward_cuda(D(o->in), D(o->in2), D(o->out), o->scale, n); break;
        case OP_DWT:
            if (o->in != m->off_x) we_nn_dwt_backward_cuda(D(o->in), D(o->out), N, o->C, o->H, o->W);
            break;
        case OP_IWT: we_nn_iwt_backward_cuda(D(o->in), D(o->out), N, o->C, o->H, o->W); break;
        case OP_CONCAT:
            we_nn_concat_backward_cuda(o->in == m->off_x ? NULL : D(o->in), o->in2 == m->off_heat ? NULL : D(o->in2),
                                       D(o->out), N, o->C, o->C2, o->H);
            break;
        case OP_SLICE: we_nn_slice_backward_cuda(D(o->in), D(o->out), N, o->C, o->c0, o->Cout, o->H); break;
        case OP_ATTN: {
            int C = o->C;
            we_nn_attention_backward_cuda(D(o->in), G(o->w), G(o->w) + (size_t)3 * C * C, G(o->b),
                                          G(o->b) + (size_t)C * C, g->scratch, D(o->out), A(o->in), P(o->w),
                                          P(o->b), A(o->s1), A(o->s2), A(o->s3), N, C, o->H, 1);
            break;
        }
        case OP_TEMB: break;
        case OP_EMBED: we_nn_embedding_backward_cuda(G(o->w), D(o->out), g->labels, N, WE_UNET_NUM_LABELS, o->C); break;
        case OP_VAMIX:
            /* dv[k] += dout[k] where the MLP was used, dnull += dout[k] elsewhere */
            for (int k = 0; k < N; k++) {
                float *dst = g->vamask[k] != 0 ? G(o->w) : D(o->in) + (size_t)k * o->C;
                we_nn_add_forward_cuda(dst, dst, D(o->out) + (size_t)k * o->C, 1.0f, (size_t)o->C);
            }
            break;
        }
    }
    return we_nn_cuda_sync();
}

#else /* no CUDA */

static we_status nocuda(void) { return we_cuda_require(); }
we_status we_unet_cuda_create(we_unet_cuda *g, we_unet *m)
{
    memset(g, 0, sizeof *g);
    (void)m;
    return nocuda();
}
void we_unet_cuda_free(we_unet_cuda *g) { memset(g, 0, sizeof *g); }
we_status we_unet_cuda_upload_params(we_unet_cuda *g) { (void)g; return nocuda(); }
we_status we_unet_cuda_zero_grads(we_unet_cuda *g) { (void)g; return nocuda(); }
we_status we_unet_cuda_download_grads(we_unet_cuda *g, float *host) { (void)g, (void)host; return nocuda(); }
we_status we_unet_cuda_forward(we_unet_cuda *g, const float *x, const int32_t *t, const int32_t *label,
                               const float *va, const int32_t *va_null, const float *heat, int N,
                               float *eps_host)
{
    (void)g, (void)x, (void)t, (void)label, (void)va, (void)va_null, (void)heat, (void)N, (void)eps_host;
    return nocuda();
}
we_status we_unet_cuda_backward(we_unet_cuda *g, const float *deps_host) { (void)g, (void)deps_host; return nocuda(); }

#endif
