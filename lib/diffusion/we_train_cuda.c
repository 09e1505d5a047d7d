/* we_train_cuda.c - the device half of training (we_train_use_cuda,
 * we_train_sync_host, lib/diffusion/we_train_priv.h): device copies of the weights,
 * AdamW moments and EMA, and the optimizer run with the CUDA twins of
 * lib/nn/we_optim.h. Compiled always; without WE_HAVE_CUDA training stays on
 * the CPU and we_train_use_cuda says why. */
#include <stdlib.h>
#include <string.h>

#include "we_device.h"
#include "we_train.h"
#include "we_train_priv.h"

#ifdef WE_HAVE_CUDA
#include "we_nn_cuda.h"

void we_train_cuda_release(we_train *tr)
{
    if (tr->gpu) {
        we_nn_cuda_sync(); /* let queued kernels finish before their buffers go */
        we_unet_cuda_free(tr->gpu);
        free(tr->gpu);
    }
    we_nn_cuda_free(tr->d_adam_m);
    we_nn_cuda_free(tr->d_adam_v);
    we_nn_cuda_free(tr->d_ema);
    free(tr->eps);
    tr->gpu = NULL;
    tr->d_adam_m = tr->d_adam_v = tr->d_ema = tr->eps = NULL;
}

we_status we_train_cuda_upload(we_train *tr)
{
    if (!tr->gpu) return WE_OK;
    size_t P = tr->m->nparams;
    we_status s = we_unet_cuda_upload_params(tr->gpu);
    s = s ? s : we_nn_cuda_upload(tr->d_adam_m, tr->adam_m, P);
    s = s ? s : we_nn_cuda_upload(tr->d_adam_v, tr->adam_v, P);
    s = s ? s : we_nn_cuda_upload(tr->d_ema, tr->ema, P);
    return s;
}

we_status we_train_use_cuda(we_train *tr)
{
    if (tr->gpu) return WE_OK;
    we_unet *m = tr->m;
    size_t P = m->nparams;
    tr->gpu = calloc(1, sizeof *tr->gpu);
    if (!tr->gpu) return we_err_set(WE_ENOMEM, "train: out of memory");
    we_status s = we_unet_cuda_create(tr->gpu, m);
    if (s) {
        free(tr->gpu);
        tr->gpu = NULL;
        return s;
    }
    tr->d_adam_m = we_nn_cuda_alloc(P);
    tr->d_adam_v = we_nn_cuda_alloc(P);
    tr->d_ema = we_nn_cuda_alloc(P);
    tr->eps = malloc(sizeof(float) * (size_t)m->maxN * (size_t)m->xsize);
    if (!tr->d_adam_m || !tr->d_adam_v || !tr->d_ema) {
        we_train_cuda_release(tr);
        return we_err_set(WE_EDEVICE, "cuda: cannot allocate %zu MiB for the optimizer state", 3 * P * 4 >> 20);
    }
    if (!tr->eps) {
        we_train_cuda_release(tr);
        return we_err_set(WE_ENOMEM, "train: out of memory");
    }
    if ((s = we_train_cuda_upload(tr))) {
        we_train_cuda_release(tr);
        return s;
    }
    return WE_OK;
}

we_status we_train_sync_host(we_train *tr)
{
    if (!tr->gpu) return WE_OK;
    size_t P = tr->m->nparams;
    we_status s = we_nn_cuda_sync();
    s = s ? s : we_nn_cuda_download(tr->m->params, tr->gpu->params, P);
    s = s ? s : we_nn_cuda_download(tr->adam_m, tr->d_adam_m, P);
    s = s ? s : we_nn_cuda_download(tr->adam_v, tr->d_adam_v, P);
    s = s ? s : we_nn_cuda_download(tr->ema, tr->d_ema, P);
    return s;
}

we_status we_train_cuda_optim(we_train *tr, const we_adamw_params *ap, float *gnorm)
{
    size_t P = tr->m->nparams;
    float *g = tr->gpu->grads;
    const we_train_params *hp = &tr->hp;
    /* the norm comes back to the host (a synchronisation point) */
    float gn = hp->clip > 0 ? we_optim_clip_grad_norm_cuda(g, P, hp->clip) : we_optim_grad_norm_cuda(g, P);
    if (gnorm) *gnorm = gn;
    we_adamw_step_cuda(tr->gpu->params, tr->d_adam_m, tr->d_adam_v, g, P, ap, tr->step);
    we_optim_ema_update_cuda(tr->d_ema, tr->gpu->params, P, hp->ema);
    return WE_OK;
}

we_status we_train_cuda_allreduce(we_train *tr)
{
    size_t P = tr->m->nparams;
    we_status s = we_unet_cuda_download_grads(tr->gpu, tr->m->grads);
    s = s ? s : we_comm_allreduce_sum_f32(tr->comm, tr->m->grads, P);
    s = s ? s : we_nn_cuda_upload(tr->gpu->grads, tr->m->grads, P);
    return s;
}

#else /* no CUDA */

we_status we_train_cuda_allreduce(we_train *tr)
{
    (void)tr;
    return we_err_set(WE_EDEVICE, "this build has no CUDA support");
}

void we_train_cuda_release(we_train *tr)
{
    tr->gpu = NULL;
}

we_status we_train_cuda_upload(we_train *tr)
{
    (void)tr;
    return WE_OK;
}

we_status we_train_use_cuda(we_train *tr)
{
    (void)tr;
    return we_cuda_require();
}

we_status we_train_sync_host(we_train *tr)
{
    (void)tr;
    return WE_OK;
}

we_status we_train_cuda_optim(we_train *tr, const we_adamw_params *ap, float *gnorm)
{
    (void)tr, (void)ap, (void)gnorm;
    return we_err_set(WE_EDEVICE, "this build has no CUDA support");
}

#endif
