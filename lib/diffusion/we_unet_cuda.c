/* we_unet_cuda.c - the UNet on the GPU (see we_unet_cuda.h): device arenas
 * and the op loop of we_unet_loop.c run with the CUDA twins. Compiled
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

/* ------------------------------------------------------------ the CUDA backend */

static we_status cuda_zero(float *dst, size_t n)
{
    return cu(cudaMemset(dst, 0, sizeof(float) * n), "memset");
}

/* the va term, per sample: a copy of the MLP row or of the learned NULL
 * vector; backward adds dout[k] to the one that was used */
static void cuda_vamix_forward(float *out, const float *inp, const float *nul, const float *mask, int N, int C)
{
    for (int k = 0; k < N; k++)
        we_nn_scale_forward_cuda(out + (size_t)k * C, mask[k] != 0 ? nul : inp + (size_t)k * C, 1.0f, (size_t)C);
}

static void cuda_vamix_backward(float *dinp, float *dnull, const float *dout, const float *mask, int N, int C)
{
    for (int k = 0; k < N; k++) {
        float *dst = mask[k] != 0 ? dnull : dinp + (size_t)k * C;
        we_nn_add_forward_cuda(dst, dst, dout + (size_t)k * C, 1.0f, (size_t)C);
    }
}

static const we_unet_backend cuda_backend = {
    .upload = we_nn_cuda_upload,
    .upload_i32 = we_nn_cuda_upload_i32,
    .zero = cuda_zero,
    .conv2d_scratch_size = we_nn_conv2d_cuda_scratch_size,
    .attention_scratch_size = we_nn_attention_cuda_scratch_size,
    .conv2d_forward = we_nn_conv2d_forward_cuda,
    .conv2d_backward = we_nn_conv2d_backward_cuda,
    .linear_forward = we_nn_linear_forward_cuda,
    .linear_backward = we_nn_linear_backward_cuda,
    .groupnorm_forward = we_nn_groupnorm_forward_cuda,
    .groupnorm_backward = we_nn_groupnorm_backward_cuda,
    .adagn_forward = we_nn_adagn_forward_cuda,
    .adagn_backward = we_nn_adagn_backward_cuda,
    .silu_forward = we_nn_silu_forward_cuda,
    .silu_backward = we_nn_silu_backward_cuda,
    .add_forward = we_nn_add_forward_cuda,
    .add_backward = we_nn_add_backward_cuda,
    .scale_forward = we_nn_scale_forward_cuda,
    .scale_backward = we_nn_scale_backward_cuda,
    .concat_forward = we_nn_concat_forward_cuda,
    .concat_backward = we_nn_concat_backward_cuda,
    .slice_forward = we_nn_slice_forward_cuda,
    .slice_backward = we_nn_slice_backward_cuda,
    .dwt_forward = we_nn_dwt_forward_cuda,
    .dwt_backward = we_nn_dwt_backward_cuda,
    .iwt_forward = we_nn_iwt_forward_cuda,
    .iwt_backward = we_nn_iwt_backward_cuda,
    .attention_forward = we_nn_attention_forward_cuda,
    .attention_backward = we_nn_attention_backward_cuda,
    .timestep_embedding = we_nn_timestep_embedding_cuda,
    .embedding_forward = we_nn_embedding_forward_cuda,
    .embedding_backward = we_nn_embedding_backward_cuda,
    .vamix_forward = cuda_vamix_forward,
    .vamix_backward = cuda_vamix_backward,
};

/* ------------------------------------------------------------ the device model */

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
    size_t sc = we_unet_loop_scratch(m, &cuda_backend);
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

/* The device arenas as the op loop sees them. */
static we_unet_bufs device_bufs(we_unet_cuda *g)
{
    we_unet_bufs b = {g->params, g->grads, g->acts, g->dacts, g->scratch, g->tf, g->labels, g->vamask};
    return b;
}

we_status we_unet_cuda_forward(we_unet_cuda *g, const float *x, const int32_t *t, const int32_t *label,
                               const float *va, const int32_t *va_null, const float *heat, int N,
                               float *eps_host)
{
    we_unet *m = g->m;
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "model: batch %d not in 1..%d", N, m->maxN);
    float tf[N];
    int32_t lab[N];
    we_unet_bufs b = device_bufs(g);
    we_status s = we_unet_loop_conds(m, tf, lab, g->vamask, t, label, va, va_null, N);
    s = s ? s : we_nn_cuda_upload(g->tf, tf, (size_t)N);
    s = s ? s : we_nn_cuda_upload_i32(g->labels, lab, (size_t)N);
    s = s ? s : we_unet_loop_inputs(m, &cuda_backend, &b, x, va, heat, N);
    if (s) return s;
    g->N = N;
    we_unet_loop_forward(m, &cuda_backend, &b, N);
    s = we_nn_cuda_sync();
    if (!s && eps_host) s = we_nn_cuda_download(eps_host, g->acts + m->off_eps, (size_t)N * m->xsize);
    return s;
}

we_status we_unet_cuda_backward(we_unet_cuda *g, const float *deps_host)
{
    we_unet *m = g->m;
    int N = g->N;
    we_unet_bufs b = device_bufs(g);
    we_status s = cuda_zero(g->dacts, m->nact);
    s = s ? s : we_nn_cuda_upload(g->dacts + m->off_eps, deps_host, (size_t)N * m->xsize);
    if (s) return s;
    we_unet_loop_backward(m, &cuda_backend, &b, N);
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
