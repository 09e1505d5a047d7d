/* we_fexpr_train.h - training the expression classifier (we_fexpr.h):
 * augmentation and one AdamW step of cross-entropy on a batch of faces.
 *
 * Augmentation of a 64 x 64 luma face in [-1,1] (one draw per face, from
 * the trainer's own RNG so a run is reproducible from its seed): a
 * horizontal flip with probability 1/2, a scale in 1 +- scale and a shift
 * of +- shift * 64 px in x and y (bilinear resampling about the centre,
 * border pixels repeated), then v -> (v - m) * c + m + b with the face's
 * mean m, contrast c in 1 +- contrast and brightness b in +- bright,
 * clamped to [-1,1].
 */
#ifndef WE_FEXPR_TRAIN_H
#define WE_FEXPR_TRAIN_H

#include "we_fexpr.h"

typedef struct {
    float lr;           /* peak AdamW learning rate, 1e-3 */
    float weight_decay; /* 1e-2 (decoupled; all parameters) */
    long warmup;        /* linear warm-up steps, 200 */
    long steps;         /* cosine decay to 0.05 lr over this many steps, 0 = constant lr */
    float shift;        /* 0.06 of the size */
    float scale;        /* 0.08 */
    float bright;       /* 0.15 (in [-1,1] units) */
    float contrast;     /* 0.2 */
    int flip;           /* 1 */
} we_fexpr_train_params;

/* Fill p with the defaults above. */
void we_fexpr_train_params_init(we_fexpr_train_params *p);

typedef struct {
    we_fexpr net;               /* with grads */
    we_fexpr_train_params hp;
    float *m, *v;               /* AdamW state [nparams] */
    float *x, *logits, *dlogits; /* batch buffers [maxN, ...] */
    long step;
    uint64_t rng;
} we_fexpr_trainer;

/* A trainer for batches of up to maxN faces: a fresh net from seed, or the
 * weights of init (a we_fexpr_save file) when init is not NULL (AdamW
 * state starts at zero either way). Free with we_fexpr_trainer_free. */
we_status we_fexpr_trainer_init(we_fexpr_trainer *tr, int maxN, uint64_t seed, const char *init,
                                const we_fexpr_train_params *hp);
void we_fexpr_trainer_free(we_fexpr_trainer *tr);

/* out[64*64] = one augmented copy of in[64*64] drawn from *rng. */
void we_fexpr_augment(float *out, const float *in, uint64_t *rng, const we_fexpr_train_params *hp);

/* One step on N faces (face[i]: 64*64 luma in [-1,1], label[i] in 0..7;
 * 1 <= N <= maxN): augmentation (when augment != 0), forward, mean
 * cross-entropy, backward, AdamW at the step's learning rate. *loss = the
 * batch's mean cross-entropy, *correct (may be NULL) = faces whose top
 * logit is the label. WE_EUSAGE for a bad N or label. */
we_status we_fexpr_train_step(we_fexpr_trainer *tr, const float *const *face, const int *label, int N, int augment,
                              float *loss, int *correct);

/* Learning rate at step t (1-based) under hp. */
float we_fexpr_train_lr(const we_fexpr_train_params *hp, long t);

#endif
