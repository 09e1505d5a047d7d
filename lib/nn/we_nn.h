/* we_nn.h - neural-network layers as forward/backward pairs over flat float
 * buffers (CPU reference; CUDA twins with the same argument order are in
 * we_nn_cuda.h / kernels/nn_*.cu).
 *
 * Conventions (llm.c style, every function below follows them):
 *  - Argument order: outputs, saved buffers, scratch, inputs, weights, sizes.
 *      x_forward (out, saved..., [scratch], inp, weight, bias, dims...)
 *      x_backward(dinp, dweight, dbias, [scratch], dout, inp, weight, saved..., dims...)
 *  - Layout NCHW float32, outermost first; "HW" is H*W (any spatial size).
 *  - ACCUMULATION: every backward ADDS (+=) into ALL its gradient outputs:
 *    parameter gradients (dweight, dbias, ...) AND input gradients (dinp,
 *    da, db, ...). Zero gradient buffers before the backward pass; a tensor
 *    used twice (skip connection, concat) simply receives both gradients.
 *  - A gradient output pointer may be NULL: that gradient is not computed
 *    (e.g. dinp of the first layer, frozen weights).
 *  - A layer never allocates. Layers that need temporary memory take a
 *    `scratch` buffer of at least x_scratch_size(...) floats (it may be
 *    reused freely between calls; contents are not preserved).
 *  - out must not alias inp unless a function says so.
 *  - GEMMs go through cblas_sgemm (OpenBLAS; its own thread pool, set with
 *    OPENBLAS_NUM_THREADS / we_nn_set_threads). 3x3 stride-1 pad-1 convs
 *    run Winograd F(2x2,3x3) and split their tile chunks over up to 4
 *    threads (we_pool, the we_nn_set_threads count). Other loops are serial.
 *  - Layers are void: sizes are preconditions of the caller (the model
 *    validates its config once); nothing here prints or exits.
 */
#ifndef WE_NN_H
#define WE_NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Set the number of threads the layers use (OpenBLAS and the Winograd
 * conv), n >= 1; returns the previous value. Not thread-safe: call it
 * between layer calls. */
int we_nn_set_threads(int n);

/* ---------------------------------------------------------------- conv2d */

/* Geometry of a 2-D convolution (square k x k kernel).
 *   inp    [N, Cin, H, W]
 *   weight [Cout, Cin/groups, k, k]      (PyTorch Conv2d layout)
 *   bias   [Cout] or NULL
 *   out    [N, Cout, Ho, Wo], Ho = (H + 2*pad - k)/stride + 1 (same for Wo)
 * Cin and Cout must both be divisible by groups. Zero padding. */
typedef struct {
    int N, Cin, H, W;
    int Cout, k, stride, pad, groups;
} we_conv2d_dims;

/* Algorithms (the same results to ~1e-6 relative, tested against PyTorch):
 *   k=3, stride 1, pad 1   Winograd F(2x2,3x3) for out, dinp and dweight
 *                          (when N*ceil(H/2)*ceil(W/2) >= 64; else as below)
 *   k=1, stride 1, pad 0   one GEMM per sample and group
 *   other odd k, stride 1, pad (k-1)/2   im2col + GEMM; dinp as the conv of
 *                          dout with the flipped kernel
 *   anything else          im2col + GEMM; dinp by GEMM + col2im
 * WE_CONV2D_PLAIN (we_conv2d_geom only) keeps to the plain sums whatever
 * the shape: no Winograd, no flipped-kernel dinp (im2col + GEMM, dinp by
 * GEMM + col2im, 1x1 as one GEMM), and a depthwise conv (groups == Cin ==
 * Cout > 1) as a direct loop over its taps in order. The face-api and
 * Inception nets use it (their golden outputs were made with these sums). */
typedef enum { WE_CONV2D_AUTO = 0, WE_CONV2D_PLAIN = 1 } we_conv2d_algo;

/* The general geometry: a kh x kw kernel (weight [Cout, Cin/groups, kh,
 * kw]) with per-side zero padding, pad_t rows above, pad_b below, pad_l
 * columns left, pad_r right (TF 'SAME' puts the odd one after), and the
 * algorithm choice. Ho = (H + pad_t + pad_b - kh)/stride + 1,
 * Wo = (W + pad_l + pad_r - kw)/stride + 1. The we_conv2d_dims functions
 * below are this one with kh = kw = k, every pad = pad, algo AUTO. */
typedef struct {
    int N, Cin, H, W, Cout, groups;
    int kh, kw, stride;
    int pad_t, pad_b, pad_l, pad_r;
    we_conv2d_algo algo;
} we_conv2d_geom;

/* The general geometry of square dims (algo WE_CONV2D_AUTO). */
we_conv2d_geom we_conv2d_geom_of(const we_conv2d_dims *d);

/* Output height / width for these dims. */
int we_conv2d_out_h(const we_conv2d_dims *d);
int we_conv2d_out_w(const we_conv2d_dims *d);
int we_conv2d_geom_out_h(const we_conv2d_geom *g);
int we_conv2d_geom_out_w(const we_conv2d_geom *g);
/* Floats of scratch that conv2d forward AND backward need (one value good
 * for both calls with these dims, any thread count). A PLAIN conv's
 * forward, and its backward without dweight, use only the first
 * Cin*kh*kw*Ho*Wo of them; a 1x1 (stride 1, unpadded) or depthwise PLAIN
 * conv never touches scratch then (NULL is fine). */
size_t we_nn_conv2d_scratch_size(const we_conv2d_dims *d);
size_t we_nn_conv2d_geom_scratch_size(const we_conv2d_geom *g);

/* out[N,Cout,Ho,Wo] = conv(inp, weight) + bias (written, not accumulated). */
void we_nn_conv2d_forward(float *out, float *scratch, const float *inp,
                          const float *weight, const float *bias,
                          const we_conv2d_dims *d);
void we_nn_conv2d_geom_forward(float *out, float *scratch, const float *inp,
                               const float *weight, const float *bias,
                               const we_conv2d_geom *g);
/* dinp [N,Cin,H,W] += ..., dweight [Cout,Cin/g,kh,kw] += ..., dbias [Cout] += ...
 * (any may be NULL; inp is read for dweight only and may be NULL without). */
void we_nn_conv2d_backward(float *dinp, float *dweight, float *dbias, float *scratch,
                           const float *dout, const float *inp, const float *weight,
                           const we_conv2d_dims *d);
void we_nn_conv2d_geom_backward(float *dinp, float *dweight, float *dbias, float *scratch,
                                const float *dout, const float *inp, const float *weight,
                                const we_conv2d_geom *g);

/* ------------------------------------------------------------ group norm */

/* GroupNorm over G groups of C/G channels (PyTorch nn.GroupNorm, biased
 * variance, eps inside the sqrt):
 *   out = (inp - mean[n,g]) * rstd[n,g] * weight[c] + bias[c]
 * inp/out [N,C,HW]; weight/bias [C] (NULL = no affine: 1 and 0);
 * saved mean/rstd [N,G] written by forward, read by backward. */
void we_nn_groupnorm_forward(float *out, float *mean, float *rstd,
                             const float *inp, const float *weight, const float *bias,
                             int N, int C, int HW, int G, float eps);
/* dinp [N,C,HW] +=, dweight [C] +=, dbias [C] += (any may be NULL). */
void we_nn_groupnorm_backward(float *dinp, float *dweight, float *dbias,
                              const float *dout, const float *inp, const float *weight,
                              const float *mean, const float *rstd,
                              int N, int C, int HW, int G);

/* AdaGN (ADM "use_scale_shift_norm"):
 *   out[n,c,:] = GroupNorm(inp)[n,c,:] * (1 + gamma[n*ld + c]) + beta[n*ld + c]
 * GroupNorm as above (with its own affine weight/bias [C], may be NULL).
 * gamma, beta: per-sample [N, C] rows with row stride ld (ld = C for two
 * separate [N,C] arrays; for ADM's ss = Linear(SiLU(emb)) of shape [N,2C]
 * chunked as (scale, shift): gamma = ss, beta = ss + C, ld = 2C).
 * saved mean/rstd [N,G]. */
void we_nn_adagn_forward(float *out, float *mean, float *rstd,
                         const float *inp, const float *weight, const float *bias,
                         const float *gamma, const float *beta, int ld,
                         int N, int C, int HW, int G, float eps);
/* dinp +=, dweight +=, dbias +=, dgamma += and dbeta += (same layout/ld as
 * gamma/beta; any may be NULL). */
void we_nn_adagn_backward(float *dinp, float *dweight, float *dbias,
                          float *dgamma, float *dbeta,
                          const float *dout, const float *inp,
                          const float *weight, const float *bias,
                          const float *gamma, const float *beta, int ld,
                          const float *mean, const float *rstd,
                          int N, int C, int HW, int G);

/* ------------------------------------------------------ pointwise / misc */

/* out[i] = inp[i] * sigmoid(inp[i]), i < n. out may alias inp. */
void we_nn_silu_forward(float *out, const float *inp, size_t n);
/* dinp[i] += dout[i] * silu'(inp[i]). */
void we_nn_silu_backward(float *dinp, const float *dout, const float *inp, size_t n);

/* out[i] = s * (a[i] + b[i]) (s = 1 for a plain add; 1/sqrt(2) for the
 * scaled residual sums). out may alias a or b. */
void we_nn_add_forward(float *out, const float *a, const float *b, float s, size_t n);
/* da[i] += s*dout[i]; db[i] += s*dout[i] (either may be NULL; da == db is
 * allowed and then receives 2*s*dout). */
void we_nn_add_backward(float *da, float *db, const float *dout, float s, size_t n);

/* out[i] = s * inp[i]. out may alias inp. */
void we_nn_scale_forward(float *out, const float *inp, float s, size_t n);
/* dinp[i] += s * dout[i]. */
void we_nn_scale_backward(float *dinp, const float *dout, float s, size_t n);

/* Per-sample, per-channel broadcast add: out[n,c,:] = inp[n,c,:] + v[n,c]
 * (inp/out [N,C,HW], v [N,C]). out may alias inp. */
void we_nn_addnc_forward(float *out, const float *inp, const float *v, int N, int C, int HW);
/* dinp += dout; dv[n,c] += sum_hw dout[n,c,:]. */
void we_nn_addnc_backward(float *dinp, float *dv, const float *dout, int N, int C, int HW);

/* Concat along channels: out [N, Ca+Cb, HW] = [a [N,Ca,HW], b [N,Cb,HW]]. */
void we_nn_concat_forward(float *out, const float *a, const float *b,
                          int N, int Ca, int Cb, int HW);
/* da += dout[:, :Ca], db += dout[:, Ca:] (either may be NULL). */
void we_nn_concat_backward(float *da, float *db, const float *dout,
                           int N, int Ca, int Cb, int HW);

/* Channel slice: out [N, Cout, HW] = inp[:, c0:c0+Cout, :] of inp [N,Cin,HW]
 * (e.g. the LL band = slice c0=0, Cout=C of a DWT output [N,4C,..]). */
void we_nn_slice_forward(float *out, const float *inp, int N, int Cin, int c0, int Cout, int HW);
/* dinp[:, c0:c0+Cout] += dout (other channels untouched). */
void we_nn_slice_backward(float *dinp, const float *dout, int N, int Cin, int c0, int Cout, int HW);

/* ---------------------------------------------------------------- linear */

/* out[B,OUT] = inp[B,IN] * weight^T + bias; weight [OUT,IN] (PyTorch
 * nn.Linear layout), bias [OUT] or NULL. */
void we_nn_linear_forward(float *out, const float *inp, const float *weight,
                          const float *bias, int B, int IN, int OUT);
/* dinp [B,IN] +=, dweight [OUT,IN] +=, dbias [OUT] += (any may be NULL). */
void we_nn_linear_backward(float *dinp, float *dweight, float *dbias,
                           const float *dout, const float *inp, const float *weight,
                           int B, int IN, int OUT);

/* ------------------------------------------------------------- embedding */

/* out[b, :] = table[ids[b], :]; table [V, D], ids [B] each in 0..V-1
 * (precondition), out [B, D]. */
void we_nn_embedding_forward(float *out, const int32_t *ids, const float *table,
                             int B, int V, int D);
/* dtable[ids[b], :] += dout[b, :] (scatter-add; repeated ids add up). */
void we_nn_embedding_backward(float *dtable, const float *dout, const int32_t *ids,
                              int B, int V, int D);

/* ---------------------------------------------- sinusoidal time embedding */

/* Two published variants; no parameters, no backward (the input is t).
 *  WE_TEMB_WAVEDIFF (WaveDiff / NCSN++ / DDPM layers.get_timestep_embedding):
 *      half = D/2, f_i = exp(-ln(max_period) * i / (half - 1)),
 *      out[b] = [sin(t f_0..f_{half-1}), cos(t f_0..f_{half-1})]
 *  WE_TEMB_ADM (guided-diffusion nn.timestep_embedding):
 *      f_i = exp(-ln(max_period) * i / half),
 *      out[b] = [cos(t f_i)..., sin(t f_i)...]
 * Odd D: the last column is 0 in both. max_period is normally 10000. */
typedef enum { WE_TEMB_WAVEDIFF = 0, WE_TEMB_ADM = 1 } we_temb_kind;
/* out [B, D]; t [B] (float timesteps, e.g. 0..T-1). Computed in double,
 * stored as float. */
void we_nn_timestep_embedding(float *out, const float *t, int B, int D,
                              float max_period, we_temb_kind kind);

/* ------------------------------------------------------------- attention */

/* Self-attention over the T = H*W positions of a C-channel map, `heads`
 * heads of d = C/heads channels (C divisible by heads). No norm and no
 * residual inside: the block does  x + proj(attn(qkv(GN(x)))) around it.
 *   qkv[n]  = Wqkv [3C,C] * inp[n] [C,T] + bqkv      -> [3C, T]
 *             (1x1 conv; rows 0..C-1 = q, C..2C-1 = k, 2C..3C-1 = v;
 *              head h uses rows h*d..h*d+d-1 of each of q, k, v)
 *   att[n,h] = softmax over s of  sum_c q[c,t] k[c,s] / sqrt(d)  -> [T, T]
 *              (row t: query position; column s: key position)
 *   a[n][h*d + c, t] = sum_s att[n,h][t,s] v[h*d + c, s]        -> [C, T]
 *   out[n]  = Wproj [C,C] * a[n] + bproj                        -> [C, T]
 * This equals ADM AttentionBlock's QKVAttention (the non-legacy order:
 * qkv chunked into q,k,v first, then split into heads) and, for heads = 1,
 * WaveDiff's AttnBlockpp core with NIN_0..2 stacked into Wqkv (transposed:
 * NIN stores W[in,out]).
 * Saved buffers written by forward and read by backward:
 *   qkv [N,3C,T], att [N,heads,T,T], a [N,C,T].
 * Weights: wqkv [3C,C], bqkv [3C] or NULL, wproj [C,C], bproj [C] or NULL. */
size_t we_nn_attention_scratch_size(int C, int T, int heads); /* floats, backward */
void we_nn_attention_forward(float *out, float *qkv, float *att, float *a,
                             const float *inp,
                             const float *wqkv, const float *bqkv,
                             const float *wproj, const float *bproj,
                             int N, int C, int T, int heads);
/* dinp [N,C,T] +=, dwqkv +=, dbqkv +=, dwproj +=, dbproj += (any may be
 * NULL); scratch of we_nn_attention_scratch_size(C,T,heads) floats. */
void we_nn_attention_backward(float *dinp, float *dwqkv, float *dbqkv,
                              float *dwproj, float *dbproj, float *scratch,
                              const float *dout, const float *inp,
                              const float *wqkv, const float *wproj,
                              const float *qkv, const float *att, const float *a,
                              int N, int C, int T, int heads);

/* ---------------------------------------------------- Haar DWT / IWT */

/* One-level orthonormal Haar DWT of a feature map, pywt conventions
 * (mode='periodization', cA, (cH, cV, cD) = pywt.dwt2(x, 'haar')), the
 * same as the `dwt` tool's haar. With a = x[2i,2j], b = x[2i,2j+1],
 * c = x[2i+1,2j], e = x[2i+1,2j+1]:
 *   LL = (a+b+c+e)/2   LH = cH = (a+b-c-e)/2
 *   HL = cV = (a-b+c-e)/2   HH = cD = (a-b-c+e)/2
 * inp [N,C,H,W] (H, W even) -> out [N,4C,H/2,W/2], subband-major channels
 * [LL x C, LH x C, HL x C, HH x C].
 * Scaling: this layer is the plain orthonormal transform (LL of a constant
 * image is 2x its value). WaveDiff's convention (LL/2 into the main path,
 * LL*2 before the IWT, all bands /2 on the frequency residual) is applied
 * by the model with we_nn_scale_*, not here. */
void we_nn_dwt_forward(float *out, const float *inp, int N, int C, int H, int W);
/* dinp [N,C,H,W] += DWT^T(dout) (= IWT(dout), the transform is orthonormal). */
void we_nn_dwt_backward(float *dinp, const float *dout, int N, int C, int H, int W);

/* Inverse of we_nn_dwt_forward: inp [N,4C,h,w] subband-major -> out
 * [N,C,2h,2w]. Here C is the OUTPUT channel count, (h, w) the band size. */
void we_nn_iwt_forward(float *out, const float *inp, int N, int C, int h, int w);
/* dinp [N,4C,h,w] += IWT^T(dout) (= DWT(dout)). */
void we_nn_iwt_backward(float *dinp, const float *dout, int N, int C, int h, int w);

/* ------------------------------------------------------------------ loss */

/* Mean squared error: returns mean_i (pred[i] - target[i])^2 over n
 * (accumulated in double). */
float we_nn_mse_forward(const float *pred, const float *target, size_t n);
/* dpred[i] += dloss * 2 (pred[i] - target[i]) / n (dloss = 1 for the loss
 * itself); dtarget likewise with the opposite sign (may be NULL). */
void we_nn_mse_backward(float *dpred, float *dtarget, const float *pred,
                        const float *target, float dloss, size_t n);

#ifdef __cplusplus
}
#endif

#endif
