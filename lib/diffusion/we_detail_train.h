/* we_detail_train.h - training of the detail network D: batches of
 * simulated edits (we_detail_data.h), mask-weighted L1, AdamW with gradient
 * clipping, EMA of the weights, checkpoints with exact resume.
 *
 * A checkpoint is one safetensors file: detail.* = the EMA weights with
 * their metadata (so the checkpoint is itself a detail net that
 * we_detail_load_file reads), train.params / train.adam_m / train.adam_v
 * = the raw weights and AdamW moments, and metadata train.step,
 * train.rng (the generator's state), train.lr, train.ema, train.clip,
 * train.weight_decay, train.batch, train.patch, train.S, train.J,
 * train.seed, train.threads, train.data (the faces' fingerprint).
 * Resuming restores all of it, so a resumed run draws the same batches and
 * reaches the same weights as an uninterrupted one; the settings a command
 * line gives again are checked against the stored ones first
 * (we_detail_train_settings, lib/core/we_runset.h).
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
#include "we_runset.h"
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
    long seed;                  /* saved as train.seed */
    int threads;                /* saved as train.threads */
    char data[20];              /* saved as train.data when set (we_detail_train_data_hash) */
} we_detail_trainer;

/* What a wdtrain command line asks for: every setting that changes the
 * result of a run. */
typedef struct {
    we_detail_train_params hp;
    we_detail_config dc;
    int S, J, P, threads;
    long seed;
    char data[20];
} we_detail_run;
/* Bits of the options given, for we_detail_train_settings. */
enum { WE_DSET_LR = 1, WE_DSET_BATCH = 2, WE_DSET_SEED = 4, WE_DSET_THREADS = 8, WE_DSET_NF = 16,
       WE_DSET_LAYERS = 32, WE_DSET_SIZE = 64, WE_DSET_LEVELS = 128, WE_DSET_PATCH = 256 };
#define WE_DETAIL_NSET 10
/* Fill set[0..WE_DETAIL_NSET) with r's settings under their checkpoint keys
 * (lr and batch checked, seed and the net/patch shapes fixed, threads free,
 * the data fingerprint last, always given) for we_runset_resume. */
int we_detail_train_settings(we_detail_run *r, unsigned given, we_runset *set);
/* Fingerprint of n u8 S x S faces in order (16 hex digits into hex[17]). */
void we_detail_train_data_hash(const uint8_t *const *faces, size_t n, int S, char hex[17]);

/* A new run: weights from seed (we_detail_init_weights), EMA = weights,
 * zero moments, step 0, generator seeded with seed. */
we_status we_detail_train_init(we_detail_trainer *t, const we_detail_config *c, const we_detail_sim_params *sp,
                               const we_detail_train_params *hp, uint64_t seed);
/* Resume the run stored at path (config, hyper-parameters, sizes, weights,
 * EMA, moments, step, generator); hp (may be NULL) replaces the stored
 * lr and batch (a resume allowed to change them). WE_ENOINPUT, WE_EDATA. */
we_status we_detail_train_resume(we_detail_trainer *t, const char *path, const we_detail_train_params *hp);
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
