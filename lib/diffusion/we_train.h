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
 *                     train.step, train.rng, and every setting that
 *                     changes the result (we_train_settings: train.lr,
 *                     ..., train.batch, train.seed, train.threads,
 *                     train.device, train.data), so a resume can take them
 *                     from there and refuse a change (lib/core/we_runset.h)
 */
#ifndef WE_TRAIN_H
#define WE_TRAIN_H

#include <stdint.h>
#include <stdio.h>

#include "we_aux.h"
#include "we_aux_face.h"
#include "we_comm.h"
#include "we_optim.h"
#include "we_runset.h"
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
    /* the face terms (lib/diffusion/we_aux_face.h), off by default */
    float lambda_lm;   /* weight of L_lm (face-api landmark net vs the item's landmarks), 0 */
    float lambda_id;   /* weight of L_id (1 - cos of face-api descriptors), 0 */
    float lambda_bg;   /* weight of L_bg (L1 outside the landmark hull), 0 */
    int aux_items;     /* L_lm and L_id use at most this many samples of a batch, 0 = all */
} we_train_params;

void we_train_params_init(we_train_params *p);

/* The run's other settings that change its result (saved with hp): batch
 * size, seed, BLAS/layer threads (0 = library default), device name ("cpu"
 * or "cuda") and the fingerprint of the training data (16 hex digits,
 * we_train_data_hash). */
typedef struct {
    int batch, threads;
    long seed;
    char device[8];
    char data[20];
} we_train_run;

/* Bits of the options given on the command line, for we_train_settings
 * (and, the WE_AUX_* ones, for we_model_train_start). */
enum {
    WE_AUX_LAMBDA_WAV = 1, WE_AUX_WAV_WEIGHTS = 2, WE_AUX_LAMBDA_EXPR = 4, WE_AUX_TMAX = 8,
    WE_SET_LR = 16, WE_SET_WD = 32, WE_SET_CLIP = 64, WE_SET_EMA = 128, WE_SET_PDROP = 256, WE_SET_PALL = 512,
    WE_SET_BATCH = 1024, WE_SET_SEED = 2048, WE_SET_THREADS = 4096, WE_SET_DEVICE = 8192,
    WE_AUX_LAMBDA_VA = 16384, WE_AUX_LAMBDA_LM = 32768, WE_AUX_LAMBDA_ID = 65536, WE_AUX_LAMBDA_BG = 131072,
    WE_AUX_ITEMS = 262144
};
#define WE_TRAIN_NSET 21
/* Every WE_AUX_* bit: the auxiliary loss options. */
#define WE_AUX_BITS (WE_AUX_LAMBDA_WAV | WE_AUX_WAV_WEIGHTS | WE_AUX_LAMBDA_EXPR | WE_AUX_TMAX | WE_AUX_LAMBDA_VA | \
                     WE_AUX_LAMBDA_LM | WE_AUX_LAMBDA_ID | WE_AUX_LAMBDA_BG | WE_AUX_ITEMS)

/* wtrain's auxiliary loss options (we_train_opt.c): the --help lines of
 * --lambda-wav ... --aux-tmax, and one option's value: name without the
 * dashes (lambda-wav, wav-weights LOW,HIGH, lambda-expr, lambda-va,
 * lambda-lm, lambda-id, lambda-bg, aux-tmax, aux-items) into hp, its
 * WE_AUX_* bit into *given. WE_EUSAGE naming the option for a bad value
 * or an unknown name. */
extern const char we_train_aux_usage[];
we_status we_train_aux_option(const char *name, const char *arg, we_train_params *hp, unsigned *given);
/* Fill set[0..WE_TRAIN_NSET) with every result-changing setting of a run,
 * pointing into hp and run (given: WE_AUX_* / WE_SET_* bits of the options
 * given; the data fingerprint counts as always given). For we_runset_resume
 * on a resume, and written by we_train_save. Returns the count. The
 * thread count is free (it does not change the result); a seed changed on
 * resume is recorded, but the random state continues from the checkpoint. */
int we_train_settings(we_train_params *hp, we_train_run *run, unsigned given, we_runset *set);

typedef struct {
    we_unet *m;            /* not owned */
    we_sched sched;
    we_train_params hp;
    we_train_run run;      /* saved with hp (we_train_settings); set by the caller */
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
    /* the face terms L_lm, L_id, L_bg: their state (face-api nets per
     * aux_face_nets), the last step's values, and the batch's landmarks the
     * caller fills before a step (lm [maxN, 136] x,y pixels of the S x S
     * face, lm_known [maxN] 1 where given; zeros = none known), in the
     * order of the step's samples */
    we_aux_face aux_face;
    int aux_face_ready;
    unsigned aux_face_nets;
    float *lm;
    int32_t *lm_known;
    float l_lm, l_id, l_bg;
    /* GPU training (we_train_use_cuda; NULL on the CPU): the model's device
     * twin and device copies of the AdamW moments and the EMA. Weights,
     * gradients and optimizer state then live on the device: m->params,
     * adam_m, adam_v and ema on the host are only current after
     * we_train_sync_host (we_train_save does it). eps [maxN, xsize] is the
     * host copy of the step's prediction (for the loss and the aux terms). */
    we_unet_cuda *gpu;
    float *d_adam_m, *d_adam_v, *d_ema;
    float *eps;
    /* data-parallel training (we_train_step_part): the processes that share
     * each batch; NULL = this one alone. Not owned. */
    we_comm *comm;
    double comm_s;  /* seconds spent in those sums so far (wall clock) */
} we_train;

/* Set up training state for model m (weights already initialised or
 * loaded); EMA starts as a copy of the weights. Loads the expression
 * classifier (lib/face/we_fexpr.h) when hp->lambda_expr or lambda_va > 0
 * (WE_ENOINPUT when missing). */
we_status we_train_init(we_train *tr, we_unet *m, const we_train_params *hp, uint64_t seed);
void we_train_free(we_train *tr);
/* (Re)prepare the auxiliary losses after tr->hp changed (done by
 * we_train_init and we_train_load): loads the expression classifier when
 * lambda_expr or lambda_va > 0, face-api's landmark / recognition net when
 * lambda_lm / lambda_id > 0 (WE_ENOINPUT when missing). WE_EUSAGE for
 * negative lambdas, weights or aux_items. */
we_status we_train_aux_setup(we_train *tr);

/* One optimizer step on a batch of N samples:
 *   x0    [N, 4C, h, h] clean data in diffusion space
 *   label [N] 0..7 or 8 (NULL, i.e. unknown)
 *   va    [N, 2] or NULL; va_known [N] 1 where va is given (may be NULL =
 *         none known)
 *   heat  [N, K, h, h] or NULL (K = 0 or no heatmaps)
 * Outputs the loss (L_DDPM) and the gradient norm before clipping; the
 * auxiliary terms (trained as lambda * L on the true labels and
 * valence/arousal, t < aux_tmax; the face terms on tr->lm) are left in
 * tr->l_wav, tr->l_expr, tr->l_va, tr->l_lm, tr->l_id and tr->l_bg. With
 * all lambdas 0 the step is
 * bit-identical to plain DDPM training. */
we_status we_train_step(we_train *tr, const float *x0, const int32_t *label, const float *va,
                        const int32_t *va_known, const float *heat, int N, float *loss,
                        float *gnorm);

/* One data-parallel step: the step we_train_step would take on the whole
 * batch of N samples, of which this process computes only those with
 * mine[n] != 0 (the other ranks of tr->comm the rest; mine NULL = all).
 * Every rank makes the same random draws for all N samples (condition
 * dropout, t, noise), so sample n sees the same draws whichever rank
 * computes it. x0, label, va, va_known and heat hold this rank's samples
 * only, in batch order. The gradient of each rank is weighted by its share
 * of the batch and summed over tr->comm (we_comm_allreduce_sum_f32; on the
 * GPU staged through the host), as is the loss, so every rank takes the
 * same optimizer step, equal to one process's on the whole batch up to
 * float summation order (bit-identical when mine is all ones). The
 * auxiliary losses (all of them) are refused (WE_EUSAGE) when comm has several ranks:
 * their normalisation over the counted samples does not split. */
we_status we_train_step_part(we_train *tr, const float *x0, const int32_t *label, const float *va,
                             const int32_t *va_known, const float *heat, int N, const unsigned char *mine,
                             float *loss, float *gnorm);

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
 * train.wav_w_high, train.lambda_expr, train.lambda_va, train.aux_tmax,
 * train.lambda_lm, train.lambda_id, train.lambda_bg, train.aux_items)
 * where present. */
we_status we_train_load(we_train *tr, const we_st_file *f);

/* Write the model alone (what wdenoise loads): the config and `conditions`
 * metadata, `trained_steps`, and the EMA weights (the plain weights when the
 * checkpoint has no EMA) under their state_dict names, as F32 or F16; no
 * optimizer state. f is a checkpoint read with we_st_read. */
/* edit_guidance > 0 is stored as `edit.guidance`, the guidance scale
 * wdenoise uses for this model when none is given. */
we_status we_train_export(const we_st_file *f, const char *path, int f16, float edit_guidance);

/* The loss CSV of a run: *out = path opened for writing ("a" on a resume,
 * after we_runset_cut_log dropped the rows of steps past `step`), with the
 * header step,loss,grad_norm,lr,seconds[,l_wav,l_expr][,l_va][,l_lm,l_id,l_bg]
 * when new (aux_on bit 0, bit 1, bit 2). WE_EIO. */
we_status we_train_log_open(FILE **out, const char *path, int resume, long step, int aux_on);
/* The auxiliary losses of tr's last step for a log line: " l_wav X l_expr Y"
 * (aux_on bit 0), " l_va Z" (bit 1), " l_lm A l_id B l_bg C" (bit 2), ""
 * when none; cut to cap. */
void we_train_log_aux(char *buf, size_t cap, const we_train *tr, int aux_on);
/* The aux_on bits of a run with settings hp: bit 0 any of L_wav, L_expr,
 * L_VA on (columns l_wav, l_expr), bit 1 L_VA (l_va), bit 2 any face term
 * (l_lm, l_id, l_bg); 0 = plain DDPM. */
int we_train_aux_on(const we_train_params *hp);
/* One CSV row for tr's current step (flushed). */
void we_train_log_step(FILE *csv, const we_train *tr, float loss, float gnorm, double seconds, int aux_on);

#endif
