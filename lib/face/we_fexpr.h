/* we_fexpr.h - the project's own facial-expression classifier and its
 * valence/arousal read-out: a small CNN on the nn layers (lib/nn/we_nn.h:
 * conv2d, group norm, SiLU, linear, every one with a CUDA twin in
 * kernels/), trained by `fetrain` on the aligned faces of both data sets
 * (pipelines/classifier.mk). It is the loss net of L_expr and L_VA
 * (lib/diffusion/we_aux.h) and a judge (`feclass`); face-api's expression
 * net stays a judge only.
 *
 * Input: one 64 x 64 luma plane in [-1, 1] per face (the aligned face as
 * the UNet sees it: IWT of its coefficients, pixel (v+1)*127.5);
 * we_fexpr_prep_forward makes it from a C x S x S face.
 * Network (7 conv blocks, then one linear layer):
 *   block l: conv3x3 (stride s_l, pad 1, bias) -> GroupNorm(8) -> SiLU
 *   channels 1->16 (s2) ->32 ->48 (s2) ->48 ->96 (s2) ->96 ->128 (s2),
 *   maps 64 ->32 ->32 ->16 ->16 ->8 ->8 ->4 (23 M multiply-adds a face);
 *   fc: [N, 128*4*4] -> [N, 8] logits over the emotion vocabulary
 *   (we_emotion.h order: neutral happy sad surprise fear disgust anger
 *   contempt). 292,104 parameters, 1.2 MB as f32.
 * Tensor names (the PyTorch reference in tests/ref/gen_fexpr_golden.py): conv{l}.weight
 * [co,ci,3,3], conv{l}.bias [co], norm{l}.weight [co], norm{l}.bias [co],
 * fc.weight [8, 2048], fc.bias [8].
 *
 * Valence/arousal: va(p) = sum_k p_k * (V_k, A_k), p = softmax(logits),
 * (V_k, A_k) the category's circumplex coordinates (we_fexpr_va_table).
 * The table is the affective norms of the category words of Warriner,
 * Kuperman & Brysbaert (2013), "Norms of valence, arousal, and dominance
 * for 13,915 English lemmas", Behavior Research Methods 45(4):1191-1207,
 * doi:10.3758/s13428-012-0314-x (V.Mean.Sum, A.Mean.Sum on 1..9), mapped
 * to [-1, 1] by (x - 5) / 4: the valence and arousal axes are those of
 * Russell's circumplex (Russell 1980, J. Pers. Soc. Psychol. 39:1161-1178).
 */
#ifndef WE_FEXPR_H
#define WE_FEXPR_H

#include <stddef.h>
#include <stdint.h>

#include "we_emotion.h"
#include "we_err.h"
#include "we_stream.h"

#define WE_FEXPR_S 64                      /* input size */
#define WE_FEXPR_NCLASS WE_EMOTION_COUNT   /* 8 logits, we_emotion.h order */
#define WE_FEXPR_NBLOCK 7
#define WE_FEXPR_GROUPS 8
#define WE_FEXPR_FEAT (128 * 4 * 4)        /* fc input */

/* The default weights, relative to the source tree or an installation
 * prefix (found as the UNet's default is, lib/diffusion/we_model.h). */
#define WE_FEXPR_DEFAULT "models/fexpr.safetensors"
#define WE_FEXPR_INSTALLED "share/waveemotion/models/fexpr.safetensors"

/* Circumplex coordinates (valence, arousal) in [-1,1] of each category,
 * we_emotion.h order (the source above; neutral's word norms, not the
 * origin). */
extern const float we_fexpr_va_table[WE_FEXPR_NCLASS][2];

typedef struct {
    int maxN;
    size_t nparams;
    float *params;              /* [nparams], one allocation */
    float *grads;               /* [nparams] or NULL (no parameter gradients) */
    /* views into params (and the same offsets into grads) */
    size_t off_cw[WE_FEXPR_NBLOCK], off_cb[WE_FEXPR_NBLOCK];
    size_t off_gw[WE_FEXPR_NBLOCK], off_gb[WE_FEXPR_NBLOCK];
    size_t off_fcw, off_fcb;
    /* activations saved by forward for backward, [maxN, ...] each */
    float *conv[WE_FEXPR_NBLOCK], *norm[WE_FEXPR_NBLOCK], *act[WE_FEXPR_NBLOCK];
    float *mean[WE_FEXPR_NBLOCK], *rstd[WE_FEXPR_NBLOCK];
    const float *inp;           /* the last forward's input (not owned) */
    int lastN;
    float *scratch, *d0, *d1, *d2; /* conv scratch; gradient ping-pong */
} we_fexpr;

/* Geometry of block l: input channels/size, output channels/size, stride. */
void we_fexpr_block(int l, int *cin, int *hin, int *cout, int *hout, int *stride);

/* Allocate a net for batches of up to maxN faces with freshly initialised
 * weights (PyTorch's default Conv2d/Linear init, U(-1/sqrt(fan_in), +..),
 * norms 1 and 0) from seed; with_grads != 0 also allocates grads (zeroed).
 * WE_EUSAGE for maxN < 1, WE_ENOMEM. Free with we_fexpr_free. */
we_status we_fexpr_new(we_fexpr *net, int maxN, int with_grads, uint64_t seed);
void we_fexpr_free(we_fexpr *net);

/* Default weights path into buf (cap bytes): request if not NULL, else
 * $WE_FEXPR if set, else next to the executable (../WE_FEXPR_INSTALLED or
 * ../WE_FEXPR_DEFAULT, whichever exists), else WE_FEXPR_DEFAULT. */
void we_fexpr_path(char *buf, size_t cap, const char *request);

/* we_fexpr_new, then the weights of a safetensors file (path resolved by
 * we_fexpr_path). WE_ENOINPUT when the file is missing (the message says
 * how to make it), WE_EDATA for a wrong tensor or shape. */
we_status we_fexpr_load(we_fexpr *net, const char *path, int maxN, int with_grads);

/* Write the weights (f32) and the metadata key fexpr.arch=cnn7-64 plus the
 * caller's key/value pairs (meta: nmeta pairs, may be NULL) atomically. */
we_status we_fexpr_save(const we_fexpr *net, const char *path, const char *const *meta, int nmeta);

/* logits [N, 8] of x [N, 1, 64, 64] (luma in [-1,1]), 1 <= N <= maxN
 * (precondition). Saves the activations and keeps a pointer to x (which
 * must stay unchanged until backward). */
void we_fexpr_forward(we_fexpr *net, float *logits, const float *x, int N);

/* Backward of the last forward: dlogits [N, 8]. Parameter gradients are
 * ADDED into net->grads (when allocated; zero them first), the input
 * gradient ADDED into dx [N, 1, 64, 64] (may be NULL). */
void we_fexpr_backward(we_fexpr *net, float *dx, const float *dlogits);

/* p[8] = softmax(logits[8]) (in double, stored as float). */
void we_fexpr_softmax(float *p, const float *logits);

/* Cross-entropy of one face: returns -log softmax(logits)[k]; dlogits[8]
 * (may be NULL) += scale * (p - onehot(k)). */
float we_fexpr_xent(const float *logits, int k, float scale, float *dlogits);

/* va[2] = (valence, arousal) = sum_k p_k table[k] of logits[8]. */
void we_fexpr_va(float *va, const float *logits);

/* The same read-out for another classifier's probabilities p[n] over the
 * classes names[n] (emotion names, e.g. face-api's we_fa_expr_vocab): sum
 * of p_k table[class k] over the names the vocabulary knows, divided by
 * their total probability (0, 0 if none). How a judge's probabilities
 * become a judged valence/arousal (femo's expr.valence, expr.arousal). */
void we_fexpr_va_named(float *va, const float *p, const char *const *names, int n);

/* Squared error ||va(logits) - target||^2 of one face; dlogits[8] (may be
 * NULL) += scale * d/dlogits (through the softmax). */
float we_fexpr_va_loss(const float *logits, const float *target, float scale, float *dlogits);

/* The net's input x[64*64] from a face img [C, S, S] in [-1,1] (C = 1 or
 * 3: luma with we_color.h's weights; S a multiple of 64: box average of
 * S/64 x S/64 blocks; S a divisor of 64: each pixel repeated 64/S times
 * in x and y). WE_EUSAGE otherwise. */
we_status we_fexpr_prep_forward(float *x, const float *img, int C, int S);
/* Its adjoint: dimg [C, S, S] += d x / d img ^T dx (same sizes). */
we_status we_fexpr_prep_backward(float *dimg, const float *dx, int C, int S);

/* As we_fexpr_prep_forward for any square S >= 2 (bilinear sampling at the
 * 64 output pixel centres when S is neither a multiple nor a divisor of
 * 64); judges only, no adjoint. */
we_status we_fexpr_prep_any(float *x, const float *img, int C, int S);

/* x[64*64] from an `image` frame (u8 or f32, C = 1 or 3, square: an
 * aligned face) through we_fexpr_prep_any. WE_EDATA for another shape. */
we_status we_fexpr_input_frame(float *x, const we_frame *fr);

#endif
