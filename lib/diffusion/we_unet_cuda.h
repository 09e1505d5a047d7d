/* we_unet_cuda.h - the WaveEmotion UNet on an NVIDIA GPU: the same tape as
 * we_unet.c run with the CUDA twins of lib/nn/we_nn.h (we_nn_cuda.h), over
 * device copies of the parameter, gradient and activation arenas.
 *
 * Without CUDA compiled in (or without a GPU) we_unet_cuda_create returns
 * WE_EDEVICE saying which (we_cuda_require), as do the others without CUDA.
 */
#ifndef WE_UNET_CUDA_H
#define WE_UNET_CUDA_H

#include "we_unet.h"

typedef struct {
    we_unet *m;             /* host model: config, tape, parameter table (not owned) */
    float *params, *grads;  /* device, m->nparams floats */
    float *acts, *dacts;    /* device, m->nact floats */
    float *scratch;         /* device */
    size_t nscratch;
    float *tf;              /* device [maxN] */
    int32_t *labels;        /* device [maxN] */
    float *vamask;          /* host copy of the NULL-va mask, [maxN] */
    int N;
} we_unet_cuda;

/* Allocate the device arenas for m (same maxN) and upload m->params. */
we_status we_unet_cuda_create(we_unet_cuda *g, we_unet *m);
void we_unet_cuda_free(we_unet_cuda *g);
/* Copy m->params to the device (after loading or an optimizer step on the host). */
we_status we_unet_cuda_upload_params(we_unet_cuda *g);
/* Zero the device gradients / download them into host (m->nparams floats). */
we_status we_unet_cuda_zero_grads(we_unet_cuda *g);
we_status we_unet_cuda_download_grads(we_unet_cuda *g, float *host);
/* Forward of N samples (host inputs, as we_unet_forward); eps_host
 * receives [N, 4C, h, h]. */
we_status we_unet_cuda_forward(we_unet_cuda *g, const float *x, const int32_t *t, const int32_t *label,
                               const float *va, const int32_t *va_null, const float *heat, int N,
                               float *eps_host);
/* Backward of the last forward; deps_host [N, 4C, h, h]; device parameter
 * gradients are ADDED to. */
we_status we_unet_cuda_backward(we_unet_cuda *g, const float *deps_host);

#endif
