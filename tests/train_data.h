/* tests/train_data.h - a small random training set for the trainer tests
 * (test_train.c, test_train_cuda.c): n items of model m's size, normal
 * wavelet data and uniform heatmaps from the seed; each test fills label,
 * vk (va known) and va its own way. Header-only (static functions). */
#ifndef TRAIN_DATA_H
#define TRAIN_DATA_H

#include <stdint.h>
#include <stdlib.h>

#include "we_train_rng.h"
#include "we_unet.h"

typedef struct {
    float *x, *heat, *va;    /* [n, xsize], [n, heatsize], [n, 2] */
    int32_t *label, *vk;     /* [n] */
} train_data;

static void train_data_make(train_data *d, const we_unet *m, int n, uint64_t seed)
{
    we_rng r;
    we_rng_seed(&r, seed);
    d->x = malloc(sizeof(float) * n * m->xsize);
    d->heat = malloc(sizeof(float) * n * (m->heatsize ? m->heatsize : 1));
    d->va = malloc(sizeof(float) * n * 2);
    d->label = malloc(sizeof(int32_t) * n);
    d->vk = malloc(sizeof(int32_t) * n);
    if (!d->x || !d->heat || !d->va || !d->label || !d->vk) abort();
    we_rng_fill_normal(&r, d->x, (size_t)n * m->xsize);
    for (size_t i = 0; i < (size_t)n * m->heatsize; i++) d->heat[i] = (float)we_rng_uniform(&r);
}

static void train_data_free(train_data *d)
{
    free(d->x), free(d->heat), free(d->va), free(d->label), free(d->vk);
}

#endif
