/* we_train.h - one training step of the WaveEmotion UNet and its state.
 *
 * A step: condition dropout (each of label, va, heatmap dropped to NULL
 * with probability p_drop, all of them with p_all), t ~ U{0..T-1},
 * noise ~ N(0, I), DDPM epsilon loss + backward (we_unet_loss), gradient
 * clipping by global norm, AdamW, EMA of the weights. All randomness comes
 * from one we_rng whose state is saved, so a run resumed from a checkpoint
 * continues bit for bit as if it had never stopped. we_train_use_cuda moves
 * the network and the optimizer to the GPU (same draws, same checkpoint).
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

#include "we_aux.h"
#include "we_optim.h"
#include "we_sched.h"
#include "we_train_rng.h"
#include "we_unet.h"
#include "we_unet_cuda.h"

typedef struct {
    float lr;          /* 2e-4 */
    float beta1, beta2, eps, weight_decay; /* 0.9, 0.999, 1e-8, 0 */
    float clip;        /* global grad-norm clip, 1.0 (0 = off) */
    float ema;         /* EMA decay, 0.999 */
    float p_drop;      /* per-condition dropout, 0.15 */
    float p_all;       /* all-conditions dropout, 0.1 */
    /* auxiliary losses on x0_hat (lib/diffusion/we_aux.h), all off by default */
    float lambda_wav;  /* weight of L_wav, 0 */
    float wav_w_low, wav_w_high; /* L_wav subband weights LL / LH,HL,HH: 0.1, 1.0 */
    float lambda_expr; /* weight of L_expr, 0 */
    float lambda_va;   /* weight of L_VA, 0 */
    int aux_tmax;      /* aux terms only for t < aux_tmax, 400 */
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
    /* the data carried valence/arousal: the metadata key `conditions`
     * ("label", plus ",va" then, and ",heatmap" when K > 0) says so to
     * wdenoise, which accepts -V/-A only then */
    int has_va;
    /* auxiliary losses: state (the expression classifier when lambda_expr
     * or lambda_va > 0), the x_t / d eps buffers [maxN, xsize] of a step,
     * and the last step's values of L_wav, L_expr and L_VA (0 when off or
     * nothing counted) */
    we_aux aux;
    int aux_ready, aux_expr;
    float *xt, *deps;
    float l_wav, l_expr, l_va;
    /* GPU training (we_train_use_cuda; NULL on the CPU): the model's device
     * twin and device copies of the AdamW moments and the EMA. Weights,
     * gradients and optimizer state then live on the device: m->params,
     * adam_m, adam_v and ema on the host are only current after
     * we_train_sync_host (we_train_save does it). eps [maxN, xsize] is the
     * host copy of the step's prediction (for the loss and the aux terms). */
    we_unet_cuda *gpu;
    float *d_adam_m, *d_adam_v, *d_ema;
    float *eps;
} we_train;

/* Set up training state for model m (weights already initialised or
 * loaded); EMA starts as a copy of the weights. Loads the expression
 * classifier (lib/face/we_fexpr.h) when hp->lambda_expr or lambda_va > 0
 * (WE_ENOINPUT when missing). */
we_status we_train_init(we_train *tr, we_unet *m, const we_train_params *hp, uint64_t seed);
void we_train_free(we_train *tr);
/* (Re)prepare the auxiliary losses after tr->hp changed (done by
 * we_train_init and we_train_load): loads the expression classifier when
 * lambda_expr or lambda_va > 0. WE_EUSAGE for negative lambdas or weights. */
we_status we_train_aux_setup(we_train *tr);

/* One optimizer step on a batch of N samples:
 *   x0    [N, 4C, h, h] clean data in diffusion space
 *   label [N] 0..7 or 8 (NULL, i.e. unknown)
 *   va    [N, 2] or NULL; va_known [N] 1 where va is given (may be NULL =
 *         none known)
 *   heat  [N, K, h, h] or NULL (K = 0 or no heatmaps)
 * Outputs the loss (L_DDPM) and the gradient norm before clipping; the
 * auxiliary terms (trained as lambda * L on the true labels and
 * valence/arousal, t < aux_tmax) are left in tr->l_wav, tr->l_expr and
 * tr->l_va. With all lambdas 0 the step is
 * bit-identical to plain DDPM training. */
we_status we_train_step(we_train *tr, const float *x0, const int32_t *label, const float *va,
                        const int32_t *va_known, const float *heat, int N, float *loss,
                        float *gnorm);

/* Train on the GPU from now on (after we_train_init, before or after
 * we_train_load): creates the device twin of tr->m, uploads the weights,
 * moments and EMA. Each step then sends only the batch (x_t and the
 * conditions) up and eps down, d eps up; condition dropout, noise, the loss
 * and the auxiliary terms stay on the host with the same random draws in
 * the same order, so a CPU and a GPU run from one seed agree to float
 * tolerance. Gradient clipping, AdamW and the EMA run on the device.
 * WE_EDEVICE without CUDA or a GPU (tr unchanged, still on the CPU).
 * we_train_free releases the device state. */
we_status we_train_use_cuda(we_train *tr);
/* Download the device weights (into tr->m->params), moments and EMA into
 * the host arrays; WE_OK and nothing to do on the CPU. */
we_status we_train_sync_host(we_train *tr);

/* Write the checkpoint atomically (weights, EMA, moments, step, RNG); on the
 * GPU the state is downloaded first (we_train_sync_host). */
we_status we_train_save(we_train *tr, const char *path);
/* Restore weights, EMA, moments, step and RNG from a checkpoint written by
 * we_train_save (the model must have been created from the same config;
 * on the GPU the restored state is uploaded),
 * and the auxiliary loss settings (train.lambda_wav, train.wav_w_low,
 * train.wav_w_high, train.lambda_expr, train.lambda_va, train.aux_tmax)
 * where present. */
we_status we_train_load(we_train *tr, const we_st_file *f);

/* Write the model alone (what wdenoise loads): the config and `conditions`
 * metadata, `trained_steps`, and the EMA weights (the plain weights when the
 * checkpoint has no EMA) under their state_dict names, as F32 or F16; no
 * optimizer state. f is a checkpoint read with we_st_read. */
/* edit_guidance > 0 is stored as `edit.guidance`, the guidance scale
 * wdenoise uses for this model when none is given. */
we_status we_train_export(const we_st_file *f, const char *path, int f16, float edit_guidance);

#endif
