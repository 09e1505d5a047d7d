/* we_detail_train.h - training of the detail network D: batches of
 * simulated edits (we_detail_data.h), mask-weighted L1, AdamW with gradient
 * clipping, EMA of the weights, checkpoints with exact resume.
 *
 * A checkpoint is one safetensors file: detail.* = the EMA weights with
 * their metadata (so the checkpoint is itself a detail net that
 * we_detail_load_file reads), train.params / train.adam_m / train.adam_v
 * = the raw weights and AdamW moments, and metadata train.step,
 * train.rng (the generator's state), train.lr, train.ema, train.clip,
 * train.weight_decay, train.batch, train.patch, train.S, train.J.
 * Resuming restores all of it, so a resumed run draws the same batches and
 * reaches the same weights as an uninterrupted one (given the same faces
 * in the same order).
 *
 * Prefix: we_detail_train_.
 */
#ifndef WE_DETAIL_TRAIN_H
#define WE_DETAIL_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "we_detail.h"
#include "we_detail_data.h"
#include "we_optim.h"
#include "we_train_rng.h"

typedef struct {
    float lr;           /* 1e-3 */
    float weight_decay; /* 0 */
    float clip;         /* global-norm clipping, 0 = off (1) */
    float ema;          /* EMA decay (0.999), warmed up: min(ema, (1+t)/(10+t)) at step t */
    int batch;          /* samples per step, levels taken in turn (16) */
} we_detail_train_params;

void we_detail_train_params_init(we_detail_train_params *p);

typedef struct {
    we_detail net;              /* raw weights and gradients */
    we_detail ema;              /* EMA weights (the ones to use) */
    float *adam_m, *adam_v;
    long step;
    we_rng rng;
    we_detail_train_params hp;
    we_detail_sim sim;
    float *inp, *tgt, *wgt, *pred, *dpred, *face; /* batch buffers, one face */
} we_detail_trainer;

/* A new run: weights from seed (we_detail_init_weights), EMA = weights,
 * zero moments, step 0, generator seeded with seed. */
we_status we_detail_train_init(we_detail_trainer *t, const we_detail_config *c, const we_detail_sim_params *sp,
                               const we_detail_train_params *hp, uint64_t seed);
/* Resume the run stored at path (config, hyper-parameters, sizes, weights,
 * EMA, moments, step, generator). WE_ENOINPUT, WE_EDATA. */
we_status we_detail_train_resume(we_detail_trainer *t, const char *path);
void we_detail_train_free(we_detail_trainer *t);

/* One optimizer step on a batch drawn from faces[0..n-1] (u8 S x S
 * luminance, 0..255 -> [-1,1]). *loss = the batch's masked L1 (scaled
 * units), *gnorm = the gradient norm before clipping (either may be NULL). */
we_status we_detail_train_step(we_detail_trainer *t, const uint8_t *const *faces, size_t n, float *loss,
                               float *gnorm);

/* Held-out measure with the EMA weights: the same simulated edits every
 * call (generator seeded with seed) of each face, whole bands of every
 * level: sc[j-1] = the sums of level j (we_detail_sim_score). */
we_status we_detail_train_eval(we_detail_trainer *t, const uint8_t *const *faces, size_t n, uint64_t seed,
                               we_detail_sim_score *sc);

/* Write the checkpoint (atomic). */
we_status we_detail_train_save(const we_detail_trainer *t, const char *path);

/* u8 S x S -> float [-1,1] (v / 127.5 - 1). */
void we_detail_train_u8_to_f32(float *out, const uint8_t *in, size_t n);

#endif
