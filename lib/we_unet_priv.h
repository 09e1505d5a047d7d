/* we_unet_priv.h - the UNet's tape, shared by we_unet.c (CPU) and
 * we_unet_cuda.c (GPU). Not a public header. */
#ifndef WE_UNET_PRIV_H
#define WE_UNET_PRIV_H

#include <stddef.h>

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

#endif
