/* we_detail.h - the detail network D of the cascade edit (issue 12, 1b).
 *
 * D rebuilds the three detail bands (LH, HL, HH) of one Haar pyramid level j
 * from the edited coarse band of that level, the source's coarse band, the
 * source's detail bands and the change mask. It is fully convolutional and
 * shared across levels: every input is scaled by 1/2^j (for Haar
 * LL_j = 2^j * box mean, so LL_j/2^j is an image in [-1,1] at every level),
 * the mask is not scaled.
 *
 *   inp [N, 6, H, W] = [LL'_j/2^j, LL_j/2^j, LH_j/2^j, HL_j/2^j, HH_j/2^j, m_j]
 *   out [N, 3, H, W] = inp[:, 2:5] + f(inp)          (scaled by 1/2^j too)
 *   f = conv3x3 (6 -> nf), SiLU, (conv3x3 nf -> nf, SiLU) x (layers - 2),
 *       conv3x3 (nf -> 3)
 * The last conv starts at zero (we_detail_init_weights), so an untrained D
 * returns the source's detail unchanged. Zero padding at the borders.
 *
 * llm.c layout: all parameters in one block (params), a struct of named
 * pointers into it (p: w[l] [cout_l, cin_l, 3, 3], b[l] [cout_l]); the
 * gradients mirror it (grads, g). Activations and conv scratch are owned by
 * the struct and (re)allocated by forward when the sizes grow; the layers
 * themselves never allocate.
 *
 * Files: the tensors are detail.conv<l>.weight / detail.conv<l>.bias with
 * metadata detail.format = waveemotion-detail, detail.nf, detail.layers, so
 * one safetensors file can carry the UNet and the detail net side by side.
 *
 * Prefix: we_detail_.
 */
#ifndef WE_DETAIL_H
#define WE_DETAIL_H

#include <stddef.h>
#include <stdint.h>

#include "we_err.h"
#include "we_safetensors.h"

#define WE_DETAIL_CIN 6
#define WE_DETAIL_COUT 3
#define WE_DETAIL_MAX_LAYERS 8
#define WE_DETAIL_FORMAT "waveemotion-detail"

typedef struct {
    int nf;     /* hidden channels, 4..256 (default 32) */
    int layers; /* 3x3 convs, 2..WE_DETAIL_MAX_LAYERS (default 5) */
} we_detail_config;

typedef struct {
    float *w[WE_DETAIL_MAX_LAYERS]; /* [cout_l, cin_l, 3, 3] */
    float *b[WE_DETAIL_MAX_LAYERS]; /* [cout_l] */
} we_detail_params;

typedef struct {
    we_detail_config cfg;
    size_t num_params;
    float *params;      /* one block of num_params floats */
    we_detail_params p; /* pointers into params */
    float *grads;       /* NULL until the first backward; same layout */
    we_detail_params g;
    /* saved for backward: a[l] = conv output [N,cout_l,H,W]; h[l] = SiLU(a[l])
     * for l < layers-1 (the last conv's output is added to the source). */
    size_t cap_pos;     /* N*H*W the activations were sized for */
    float *acts;
    float *a[WE_DETAIL_MAX_LAYERS], *h[WE_DETAIL_MAX_LAYERS];
    float *dbuf[2];     /* backward: gradients of two hidden maps */
    size_t cap_scratch;
    float *scratch;
    int N, H, W;        /* sizes of the last forward */
} we_detail;

/* Defaults: nf 32, layers 5. */
void we_detail_config_init(we_detail_config *c);
/* WE_EUSAGE with a detail naming the bad field. */
we_status we_detail_config_validate(const we_detail_config *c);

/* Allocate the parameter block (zeros) for a valid config; d is
 * overwritten. WE_EUSAGE for a bad config, WE_ENOMEM. Free with
 * we_detail_free. */
we_status we_detail_create(we_detail *d, const we_detail_config *c);
void we_detail_free(we_detail *d);

/* He-normal weights (std sqrt(2 / (9 cin))) for every conv but the last,
 * zero biases, a zero last conv (D starts as the identity on the source's
 * detail). Deterministic in seed. */
void we_detail_init_weights(we_detail *d, uint64_t seed);

/* Forward pass over a batch: inp [N,6,H,W] -> out [N,3,H,W] (see above),
 * saving the activations for we_detail_backward. Allocates (or grows) the
 * activation and scratch buffers when N*H*W or the sizes grow; WE_ENOMEM
 * then. out must not alias inp. */
we_status we_detail_forward(we_detail *d, float *out, const float *inp, int N, int H, int W);

/* Backward pass of the last forward (same inp and sizes): d->grads +=
 * dL/dparams (allocated and zeroed on the first call), dinp += dL/dinp when
 * dinp is not NULL. dout [N,3,H,W]. WE_ENOMEM, WE_EUSAGE if the sizes
 * differ from the last forward's. */
we_status we_detail_backward(we_detail *d, float *dinp, const float *dout, const float *inp,
                             int N, int H, int W);
/* Zero the gradient block (allocating it if needed). */
we_status we_detail_zero_grad(we_detail *d);

/* Pack one sample's input at level j (>= 1): inp [6,H,W] from the edited
 * coarse band ll_edit [H,W], the source's coarse band ll_src [H,W], the
 * source's details det_src [3,H,W] (LH, HL, HH), all divided by 2^j, and
 * the mask [H,W] (NULL = ones) as it is. */
void we_detail_pack(float *inp, const float *ll_edit, const float *ll_src, const float *det_src,
                    const float *mask, int level, int H, int W);

/* Run D on one band of level j: det_out [3,H,W] (unscaled, i.e. comparable
 * with det_src) from the inputs of we_detail_pack. det_out may alias
 * det_src. WE_ENOMEM. */
we_status we_detail_apply(we_detail *d, float *det_out, const float *ll_edit, const float *ll_src,
                          const float *det_src, const float *mask, int level, int H, int W);

/* Add the tensors detail.conv<l>.{weight,bias} (data from `params`, a block
 * laid out like d->params, e.g. d->params itself or an EMA copy; it must
 * stay valid until the writer saves) and the metadata detail.format,
 * detail.nf, detail.layers to w. */
we_status we_detail_add_to_writer(const we_detail *d, const float *params, we_st_writer *w);
/* Write d->params alone to path (atomic). */
we_status we_detail_save_file(const we_detail *d, const char *path);

/* Create d from a parsed file holding detail.* tensors and metadata (other
 * tensors are ignored). WE_EDATA with a detail if they are missing or bad. */
we_status we_detail_load(we_detail *d, const we_st_file *f);
/* Same from a path; WE_ENOINPUT if it cannot be opened. */
we_status we_detail_load_file(we_detail *d, const char *path);

#endif
