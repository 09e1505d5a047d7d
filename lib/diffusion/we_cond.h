/* we_cond.h - conditions of a batch and the model callback the samplers
 * call (we_eps_fn of we_sampler.h) for the WaveEmotion UNet.
 *
 * Conditions per sample: emotion label (0..7, 8 = NULL), valence/arousal
 * (or NULL), heatmaps (or NULL = zeros). The callback's `which` picks:
 *   WE_EPS_NULL    all NULL          WE_EPS_TARGET  the target conditions
 *   WE_EPS_SOURCE  the source ones   k = 1, 2, 3    only target condition
 *                                                   k (1 label, 2 va,
 *                                                   3 heatmap), rest NULL
 * Heatmaps, when given, belong to the item and are used for SOURCE and
 * TARGET alike.
 */
#ifndef WE_COND_H
#define WE_COND_H

#include <stdint.h>

#include "we_sampler.h"
#include "we_unet.h"
#include "we_unet_cuda.h"

#define WE_COND_LABEL 1
#define WE_COND_VA 2
#define WE_COND_HEAT 3
#define WE_COND_COUNT 3

typedef struct {
    we_unet *m;            /* not owned; maxN >= the sampler's N */
    we_unet_cuda *gpu;     /* not owned; when set, the network runs there */
    /* per sample [N] (va: [N,2]); pointers not owned, may be NULL = all NULL */
    const int32_t *tgt_label, *src_label;
    const float *tgt_va, *src_va;
    const int32_t *tgt_va_known, *src_va_known;
    const float *heat;     /* [N,K,h,h] or NULL: the target's (and the source's) */
    const float *heat_src; /* [N,K,h,h] the source's for WE_EPS_SOURCE (the
                            * inversion), NULL = heat: an Expr+Landmarks edit
                            * inverts under the face's own landmarks and
                            * denoises under the target's */
    /* work buffers (we_cond_init) */
    int32_t *t, *label, *vnull;
    int cap;
} we_cond;

/* Allocate the work buffers for batches up to maxN; condition pointers NULL. */
we_status we_cond_init(we_cond *c, we_unet *m, int maxN);
void we_cond_free(we_cond *c);

/* The we_eps_fn for the sampler: ctx is a we_cond*. */
we_status we_cond_eps(void *ctx, float *eps, const float *x, int t, int which, int N);

#endif
