/* we_train.h - one training step of the WaveEmotion UNet and its state.
 *
 * A step: condition dropout (each of label, va, heatmap dropped to NULL
 * with probability p_drop, all of them with p_all), t ~ U{0..T-1},
 * noise ~ N(0, I), DDPM epsilon loss + backward (we_unet_loss), gradient
 * clipping by global norm, AdamW, EMA of the weights. All randomness comes
 * from one we_rng whose state is saved, so a run resumed from a checkpoint
 * continues bit for bit as if it had never stopped.
 *
 * Checkpoint (one safetensors file, written atomically):
 *   <name>            weights (state_dict names)
 *   ema.<name>        EMA weights (what sampling uses by default)
 *   train.adam_m, train.adam_v   AdamW moments, flat [P]
 *   __metadata__      model config (we_unet_config_to_meta) plus
 *                     train.step, train.rng, train.lr, ... (strings)
 */
#ifndef WE_TRAIN_H
#define WE_TRAIN_H

#include <stdint.h>

#include "we_optim.h"
#include "we_sched.h"
#include "we_train_rng.h"
#include "we_unet.h"

typedef struct {
    float lr;          /* 2e-4 */
    float beta1, beta2, eps, weight_decay; /* 0.9, 0.999, 1e-8, 0 */
    float clip;        /* global grad-norm clip, 1.0 (0 = off) */
    float ema;         /* EMA decay, 0.999 */
    float p_drop;      /* per-condition dropout, 0.15 */
    float p_all;       /* all-conditions dropout, 0.1 */
} we_train_params;

void we_train_params_init(we_train_params *p);

typedef struct {
    we_unet *m;            /* not owned */
    we_sched sched;
    we_train_params hp;
    float *adam_m, *adam_v, *ema; /* [P] each */
    long step;             /* optimizer steps done */
    we_rng rng;
    /* batch buffers (maxN samples) */
    float *noise, *va;
    int32_t *t, *label, *va_null;
    float *heat;
} we_train;

/* Set up training state for model m (weights already initialised or
 * loaded); EMA starts as a copy of the weights. */
we_status we_train_init(we_train *tr, we_unet *m, const we_train_params *hp, uint64_t seed);
void we_train_free(we_train *tr);

/* One optimizer step on a batch of N samples:
 *   x0    [N, 4C, h, h] clean data in diffusion space
 *   label [N] 0..7 or 8 (NULL, i.e. unknown)
 *   va    [N, 2] or NULL; va_known [N] 1 where va is given (may be NULL =
 *         none known)
 *   heat  [N, K, h, h] or NULL (K = 0 or no heatmaps)
 * Outputs the loss and the gradient norm before clipping. */
we_status we_train_step(we_train *tr, const float *x0, const int32_t *label, const float *va,
                        const int32_t *va_known, const float *heat, int N, float *loss,
                        float *gnorm);

/* Write the checkpoint atomically (weights, EMA, moments, step, RNG). */
we_status we_train_save(const we_train *tr, const char *path);
/* Restore weights, EMA, moments, step and RNG from a checkpoint written by
 * we_train_save (the model must have been created from the same config). */
we_status we_train_load(we_train *tr, const we_st_file *f);

#endif
