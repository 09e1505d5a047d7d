/* we_unet.h - the WaveEmotion UNet (doc/design/model.md, tests/ref/model.py).
 *
 * llm.c layout: every parameter lives in one float allocation (params),
 * its gradient at the same offset in grads; a table maps each PyTorch
 * state_dict name to (offset, shape), so checkpoints load name by name.
 * Activations of a forward pass live in one arena sized for maxN samples
 * and are kept for the backward pass (activation gradients in a twin
 * arena). The network is built once from the config as a tape of layer
 * calls (lib/nn/we_nn.h); forward runs it in order, backward in reverse, by
 * one op loop shared with the GPU model (we_unet_cuda.h) through a table
 * of layer functions. Files: we_unet_config.c (config, metadata),
 * we_unet_plan.c (the tape), we_unet_loop.c (the loop, CPU layers),
 * we_unet.c (arenas, parameters, checkpoints, loss); we_unet_priv.h.
 *
 * Tensors (N = batch <= maxN, C = image channels, J = data levels, h =
 * S/2^J, X = 4^J C = we_unet_cfg_xc):
 *   x     [N, X, h, h]   noisy wavelet coefficients (diffusion space, i.e.
 *                        already multiplied by cfg.data_scale): one DWT
 *                        level (J = 1, 4C channels), or the J-level packet
 *                        of `dwt -J J` (model.md section 1), which is the
 *                        one-level transform of a 4^(J-1) C channel image,
 *                        so every rule below reads "C" as we_unet_cfg_c1
 *   t     [N] int        timesteps 0..T-1
 *   label [N] int        0..7 emotion (we_emotion_names, we_emotion.h), 8 = NULL
 *                        (names -> ids: we_emotion_label_parse)
 *   va    [N, 2]         valence, arousal; va_null [N] 1 = NULL vector
 *   heat  [N, K, h, h]   landmark heatmaps (zeros = NULL), K = cfg.K
 *   eps   [N, X, h, h]   predicted noise
 */
#ifndef WE_UNET_H
#define WE_UNET_H

#include <stddef.h>
#include <stdint.h>

#include "we_err.h"
#include "we_safetensors.h"
#include "we_sched.h"
#include "we_train_rng.h"

#define WE_UNET_MAX_LEVELS 8
#define WE_UNET_NULL_LABEL 8 /* = WE_EMOTION_NULL (we_emotion.h) */
#define WE_UNET_NUM_LABELS 9

typedef struct {
    int S;                 /* image size (64); the network runs at S/2^J */
    int C;                 /* image channels, 1 or 3 */
    int J;                 /* data-level DWT levels (1; 2 at 128, 3 at 256 keep the net at 32) */
    int K;                 /* heatmap channels (0 = none) */
    int nf;                /* base width */
    int nlevels;           /* len(mult) */
    int mult[WE_UNET_MAX_LEVELS];
    int num_res;           /* residual blocks per level */
    int nattn;
    int attn[WE_UNET_MAX_LEVELS]; /* levels with attention */
    int T;
    we_sched_kind schedule;
    we_region region;      /* noised channels (we_sched.h) */
    char wavelet[16];      /* data-level wavelet (haar, bior1.5, bior4.4) */
    float data_scale;      /* one level's coefficients * data_scale = diffusion space (0.5; J levels: we_unet_cfg_scale) */
} we_unet_config;

/* The geometry the network sees: view_c = the channels of the one-level
 * view of a C-channel frame at the model's J (4^(J-1) C: the (J-1)-level
 * packet), c1 = that of the model's own C (whose LL band c1 channels are the
 * "low" channels of the noise region and the guidance), xc = 4 c1 input
 * channels at h x h = S/2^J. */
static inline int we_unet_view_c(const we_unet_config *c, int C) { return C << (2 * (c->J - 1)); }
static inline int we_unet_cfg_c1(const we_unet_config *c) { return we_unet_view_c(c, c->C); }
static inline int we_unet_cfg_xc(const we_unet_config *c) { return 4 * we_unet_cfg_c1(c); }
static inline int we_unet_cfg_h(const we_unet_config *c) { return c->S >> c->J; }
/* The scale from true coefficients to diffusion space: data_scale for one
 * level, data_scale / 2^(J-1) for J (2^-J with the default 1/2): the LL of
 * J Haar levels spans [-2^J, 2^J] for pixels in [-1, 1], so this keeps it in
 * [-1, 1] as one level's 1/2 does; against a 64 px face at J = 1 it is also
 * the shifted noise schedule of Hoogeboom et al. ("simple diffusion", 2023:
 * SNR times (64/d)^2 at d px, i.e. 1/16 at 256 = amplitude 1/4). */
static inline float we_unet_data_scale(float data_scale, int J) { return data_scale / (float)(1 << (J - 1)); }
static inline float we_unet_cfg_scale(const we_unet_config *c) { return we_unet_data_scale(c->data_scale, c->J); }

/* Defaults of doc/design/model.md: S 64, C 3, J 1, K 0, nf 64, mult 1,2,2,2, 2 res blocks,
 * attention at level 2 (S/8), T 1000 linear, region all, haar, scale 0.5. */
void we_unet_config_init(we_unet_config *c);
/* Check sizes (S divisible by 2^(nlevels+J), groups, ...). WE_EUSAGE. */
we_status we_unet_config_validate(const we_unet_config *c);
/* Read / write the config in a checkpoint's __metadata__. */
we_status we_unet_config_from_meta(we_unet_config *c, const we_st_file *f);
we_status we_unet_config_to_meta(const we_unet_config *c, we_st_writer *w);
/* Parse "1,2,2,2" into arr (max n entries). Returns count or -1. */
int we_unet_parse_intlist(const char *s, int *arr, int max);

typedef struct {
    char name[80];
    int rank;
    int64_t shape[4];
    size_t off, n;         /* floats */
} we_unet_param;

typedef struct we_unet_op we_unet_op;

typedef struct {
    we_unet_config cfg;
    int maxN;
    int nt, capt;
    we_unet_param *pt;     /* parameter table, state_dict names */
    size_t nparams;        /* floats */
    float *params, *grads;
    int nops, capops;
    we_unet_op *ops;
    size_t nact;           /* floats in each activation arena */
    float *acts, *dacts;
    size_t nscratch;
    float *scratch;
    float *tf;             /* [maxN] timesteps as floats */
    int32_t *labels;       /* [maxN] */
    float *vamask;         /* [maxN] 1 = NULL va vector */
    size_t off_x, off_heat, off_va, off_eps; /* activation offsets */
    int xsize, heatsize;   /* floats per sample */
    int N;                 /* batch of the last forward */
} we_unet;

/* Build the network for batches up to maxN: parameter table, tape,
 * arenas (parameters zero; call we_unet_init_params or we_unet_load). */
we_status we_unet_create(we_unet *m, const we_unet_config *cfg, int maxN);
void we_unet_free(we_unet *m);

/* Fresh initialisation: PyTorch defaults (uniform +-1/sqrt(fan_in) for
 * convs and linears, N(0,1) embeddings, GroupNorm 1/0) with doc/design/model.md's
 * zero inits (conv1 of every block, AdaGN linears, attention proj,
 * conv_out, va.null). */
void we_unet_init_params(we_unet *m, we_rng *r);

/* Parameter by state_dict name (NULL if none). */
const we_unet_param *we_unet_find(const we_unet *m, const char *name);

/* Load every parameter from f, tensor name = prefix + state_dict name
 * (prefix "" for the weights, "ema." for the EMA copy). Shapes must match. */
we_status we_unet_load(we_unet *m, const we_st_file *f, const char *prefix);
/* The prefix to load the weights to sample with: "ema." when use_ema and f
 * carries an EMA copy (a training checkpoint), else "" (the raw weights, or
 * an export, whose EMA weights have plain names). */
const char *we_unet_weights_prefix(const we_st_file *f, int use_ema);
/* Add every parameter of buf (params, grads or an EMA copy laid out like
 * params) to a writer as prefix + name. */
we_status we_unet_add_tensors(const we_unet *m, we_st_writer *w, const char *prefix, const float *buf);
/* The same from a buffer of another dtype laid out like params (F16 for a
 * half-size export); buf must live until the writer saves. */
we_status we_unet_add_tensors_as(const we_unet *m, we_st_writer *w, const char *prefix, const void *buf,
                                 we_st_dtype dtype);

/* Forward pass for N <= maxN samples (inputs are copied in; heat may be
 * NULL when K = 0 or for NULL heatmaps; va may be NULL = all NULL).
 * Returns a pointer to eps [N, 4C, h, h] inside the arena, valid until the
 * next forward. */
we_status we_unet_forward(we_unet *m, const float *x, const int32_t *t, const int32_t *label,
                          const float *va, const int32_t *va_null, const float *heat, int N,
                          const float **eps);
/* Backward of the last forward: deps [N, 4C, h, h]; parameter gradients
 * are ADDED to m->grads (zero them first for a fresh step). */
void we_unet_backward(we_unet *m, const float *deps);

/* DDPM epsilon loss over the noise region (tests/ref/model.py ddpm_loss):
 * x_t = sqrt(acp_t) x0 + sqrt(1-acp_t) noise on the noised channels, x0
 * elsewhere; loss = mean over noised channels of (eps - noise)^2. With
 * backward != 0 the gradients are added to m->grads. xt_out (may be NULL)
 * receives x_t. */
we_status we_unet_loss(we_unet *m, const we_sched *s, const float *x0, const float *noise,
                       const int32_t *t, const int32_t *label, const float *va,
                       const int32_t *va_null, const float *heat, int N, int backward,
                       float *loss, float *xt_out);

/* The same split for callers that add their own terms: forward + MSE only.
 * xt [N, xsize] (caller-owned) receives x_t, deps [N, xsize] (caller-owned,
 * overwritten) the gradient of the loss w.r.t. eps (zero outside the noise
 * region); *eps_out (may be NULL) points at the prediction inside the arena
 * (valid until the next forward). No backward runs: add further gradients
 * to deps, then call we_unet_backward(m, deps). */
we_status we_unet_loss_forward(we_unet *m, const we_sched *s, const float *x0, const float *noise,
                               const int32_t *t, const int32_t *label, const float *va,
                               const int32_t *va_null, const float *heat, int N, float *loss,
                               float *xt, float *deps, const float **eps_out);

/* The two host halves of we_unet_loss_forward, for callers that run the
 * network elsewhere (the GPU, we_unet_cuda.h):
 *   we_unet_loss_xt:  xt [N, xsize] (caller-owned) = x_t of x0 and noise at
 *                     t (WE_EUSAGE for a bad N or timestep);
 *   we_unet_loss_eps: the loss over the noise region for the prediction eps
 *                     [N, xsize]; deps [N, xsize] (caller-owned, overwritten)
 *                     receives its gradient w.r.t. eps. */
we_status we_unet_loss_xt(const we_unet *m, const we_sched *s, float *xt, const float *x0, const float *noise,
                          const int32_t *t, int N);
float we_unet_loss_eps(const we_unet *m, float *deps, const float *eps, const float *noise, int N);

/* Multiply-add count of one forward pass per sample (for FLOP figures). */
double we_unet_flops_per_sample(const we_unet *m);

#endif
