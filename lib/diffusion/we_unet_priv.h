/* we_unet_priv.h - the UNet's inside, shared by its files. Not a public header.
 *
 *   we_unet_plan.c  builds the tape (the op plan) from the config: the
 *                   parameter table, one we_unet_op per layer call, the
 *                   activation arena's layout;
 *   we_unet_loop.c  walks the tape: ONE forward and ONE backward over a
 *                   backend table of layer functions (the CPU one,
 *                   we_unet_cpu, is defined there);
 *   we_unet.c       the host model (arenas, parameters, checkpoints, loss)
 *                   running the loop with we_unet_cpu;
 *   we_unet_cuda.c  the device model running the same loop with the CUDA
 *                   twins (we_nn_cuda.h).
 * A new block type is an op in the enum below, its builder in the plan and
 * one case in each walk of the loop (with a backend entry if it needs a new
 * layer function, CPU and CUDA twins with the same argument order).
 */
#ifndef WE_UNET_PRIV_H
#define WE_UNET_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "we_nn.h"
#include "we_unet.h"

#define GN_EPS 1e-6f
#define NONE ((size_t)-1)

enum {
    OP_CONV, OP_ADAGN, OP_GN, OP_SILU, OP_DWT, OP_IWT, OP_SCALE, OP_ADD, OP_CONCAT,
    OP_SLICE, OP_ATTN, OP_LINEAR, OP_TEMB, OP_EMBED, OP_VAMIX
};

/* One layer call. Activation offsets (in, in2, out, s1..s3) are into the
 * arenas and are per-batch buffers of maxN * (per-sample size) floats;
 * parameter offsets (w, b) into params/grads. Sizes are per sample. */
struct we_unet_op {
    int type;
    size_t in, in2, out, s1, s2, s3;
    size_t w, b;
    int C, H, W, Cout, k, groups, C2, c0; /* meaning depends on type */
    float scale;
};

/* Build the tape of m from m->cfg for batches up to m->maxN (both set by
 * the caller): fills m->pt/nt/nparams, m->ops/nops, m->nact and the input
 * and output offsets. Allocates nothing but the table and the ops (freed
 * by we_unet_free). WE_ENOMEM. */
we_status we_unet_plan_build(we_unet *m);

/* The layer functions the loop calls, the llm.c way: the CPU functions of
 * we_nn.h or their CUDA twins of we_nn_cuda.h, same argument order and
 * semantics (gradients +=, NULL = skip), over the backend's memory. */
typedef struct {
    /* copy N host values into backend memory / zero n floats there */
    we_status (*upload)(float *dst, const float *src_host, size_t n);
    we_status (*upload_i32)(int32_t *dst, const int32_t *src_host, size_t n);
    we_status (*zero)(float *dst, size_t n);
    /* scratch floats of one conv / one attention backward (N samples) */
    size_t (*conv2d_scratch_size)(const we_conv2d_dims *d);
    size_t (*attention_scratch_size)(int N, int C, int T, int heads);

    void (*conv2d_forward)(float *out, float *scratch, const float *inp, const float *weight,
                           const float *bias, const we_conv2d_dims *d);
    void (*conv2d_backward)(float *dinp, float *dweight, float *dbias, float *scratch, const float *dout,
                            const float *inp, const float *weight, const we_conv2d_dims *d);
    void (*linear_forward)(float *out, const float *inp, const float *weight, const float *bias, int B,
                           int IN, int OUT);
    void (*linear_backward)(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                            const float *weight, int B, int IN, int OUT);
    void (*groupnorm_forward)(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                              const float *bias, int N, int C, int HW, int G, float eps);
    void (*groupnorm_backward)(float *dinp, float *dweight, float *dbias, const float *dout, const float *inp,
                               const float *weight, const float *mean, const float *rstd, int N, int C,
                               int HW, int G);
    void (*adagn_forward)(float *out, float *mean, float *rstd, const float *inp, const float *weight,
                          const float *bias, const float *gamma, const float *beta, int ld, int N, int C,
                          int HW, int G, float eps);
    void (*adagn_backward)(float *dinp, float *dweight, float *dbias, float *dgamma, float *dbeta,
                           const float *dout, const float *inp, const float *weight, const float *bias,
                           const float *gamma, const float *beta, int ld, const float *mean,
                           const float *rstd, int N, int C, int HW, int G);
    void (*silu_forward)(float *out, const float *inp, size_t n);
    void (*silu_backward)(float *dinp, const float *dout, const float *inp, size_t n);
    void (*add_forward)(float *out, const float *a, const float *b, float s, size_t n);
    void (*add_backward)(float *da, float *db, const float *dout, float s, size_t n);
    void (*scale_forward)(float *out, const float *inp, float s, size_t n);
    void (*scale_backward)(float *dinp, const float *dout, float s, size_t n);
    void (*concat_forward)(float *out, const float *a, const float *b, int N, int Ca, int Cb, int HW);
    void (*concat_backward)(float *da, float *db, const float *dout, int N, int Ca, int Cb, int HW);
    void (*slice_forward)(float *out, const float *inp, int N, int Cin, int c0, int Cout, int HW);
    void (*slice_backward)(float *dinp, const float *dout, int N, int Cin, int c0, int Cout, int HW);
    void (*dwt_forward)(float *out, const float *inp, int N, int C, int H, int W);
    void (*dwt_backward)(float *dinp, const float *dout, int N, int C, int H, int W);
    void (*iwt_forward)(float *out, const float *inp, int N, int C, int h, int w);
    void (*iwt_backward)(float *dinp, const float *dout, int N, int C, int h, int w);
    void (*attention_forward)(float *out, float *qkv, float *att, float *a, const float *inp,
                              const float *wqkv, const float *bqkv, const float *wproj, const float *bproj,
                              int N, int C, int T, int heads);
    void (*attention_backward)(float *dinp, float *dwqkv, float *dbqkv, float *dwproj, float *dbproj,
                               float *scratch, const float *dout, const float *inp, const float *wqkv,
                               const float *wproj, const float *qkv, const float *att, const float *a, int N,
                               int C, int T, int heads);
    void (*timestep_embedding)(float *out, const float *t, int B, int D, float max_period, we_temb_kind kind);
    void (*embedding_forward)(float *out, const int32_t *ids, const float *table, int B, int V, int D);
    void (*embedding_backward)(float *dtable, const float *dout, const int32_t *ids, int B, int V, int D);
    /* the va term: out [N, C] = inp row n, or the learned NULL vector nul [C]
     * where mask[n] = 1; backward: dinp += dout where mask 0, dnull += dout
     * where 1. mask is HOST memory [N] (0 or 1). */
    void (*vamix_forward)(float *out, const float *inp, const float *nul, const float *mask, int N, int C);
    void (*vamix_backward)(float *dinp, float *dnull, const float *dout, const float *mask, int N, int C);
} we_unet_backend;

/* The CPU backend: we_nn.h's layers. */
extern const we_unet_backend we_unet_cpu;

/* The memory one run of the tape uses, in the backend's memory (laid out
 * as in the host model: m->nparams, m->nact, maxN): */
typedef struct {
    float *params, *grads;  /* parameters, their gradients (+=) */
    float *acts, *dacts;    /* activations, their gradients */
    float *scratch;         /* we_unet_loop_scratch(m, be) floats */
    float *tf;              /* [maxN] timesteps as floats */
    int32_t *labels;        /* [maxN] label ids */
    const float *vamask;    /* HOST [maxN], 1 = NULL va vector */
} we_unet_bufs;

/* Scratch floats the tape of m needs on backend be at m->maxN (the
 * largest conv or attention need, plus one). */
size_t we_unet_loop_scratch(const we_unet *m, const we_unet_backend *be);

/* Check the timesteps and labels of N samples (1..maxN; WE_EUSAGE naming
 * the bad value) and fill the host arrays tf [N], labels [N] (NULL label
 * where label is NULL) and vamask [N] (1 where va is NULL or va_null[n]). */
we_status we_unet_loop_conds(const we_unet *m, float *tf, int32_t *labels, float *vamask, const int32_t *t,
                             const int32_t *label, const float *va, const int32_t *va_null, int N);
/* Copy the host inputs x [N, xsize], va [N, 2] (NULL: zeros) and heat
 * [N, heatsize] (NULL: zeros; only when cfg.K) into the arena of b. */
we_status we_unet_loop_inputs(const we_unet *m, const we_unet_backend *be, const we_unet_bufs *b,
                              const float *x, const float *va, const float *heat, int N);

/* The op loop: every op of m's tape in order (forward) or in reverse
 * (backward; the caller has zeroed b->dacts and put deps at m->off_eps;
 * parameter gradients are ADDED to b->grads). b->tf, labels and vamask
 * hold the batch's conditions. Asynchronous where the backend is. */
void we_unet_loop_forward(const we_unet *m, const we_unet_backend *be, const we_unet_bufs *b, int N);
void we_unet_loop_backward(const we_unet *m, const we_unet_backend *be, const we_unet_bufs *b, int N);

#endif
