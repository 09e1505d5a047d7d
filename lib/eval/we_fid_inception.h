/* we_fid_inception.h - Inception-v3 as pytorch-fid uses it for FID (the
 * "pt_inception-2015-12-05" network: FIDInceptionA/C/E_1/E_2 blocks,
 * count_include_pad=False average pools, max pool in the last block), up
 * to the 2048-d pool3 features. CPU, the nn conv layer. The weights are NOT
 * shipped: convert pytorch-fid's .pth to safetensors with
 * tests/ref/fid_inception.py (see fid(1)). Names are the PyTorch state_dict
 * keys ("Mixed_5b.branch1x1.conv.weight", "...bn.running_var", ...).
 */
#ifndef WE_FID_INCEPTION_H
#define WE_FID_INCEPTION_H

#include <stddef.h>

#include "we_err.h"

typedef struct we_inc we_inc;

/* Fill dst (count floats) with the tensor called name; WE_EDATA if absent
 * or of another size. fan_in: Ci*kh*kw for conv weights, 0 otherwise. */
typedef we_status (*we_inc_getter)(void *ctx, const char *name, float *dst, size_t count, size_t fan_in);

/* Load from a safetensors file (F32/F16/F64 tensors). */
we_status we_inc_load(we_inc **out, const char *path);
/* Load through a callback (tests use synthetic weights). */
we_status we_inc_load_with(we_inc **out, we_inc_getter get, void *ctx);
void we_inc_free(we_inc *n);

/* pool3 features (2048) of one image, C x H x W (C = 1 or 3) in 0..255:
 * scaled to [0,1], resized to 299x299 (bilinear, align_corners=False, as
 * F.interpolate), mapped to [-1,1], then the network. */
we_status we_inc_features(we_inc *n, float *out, const float *pix, int C, int H, int W);

/* The synthetic weights of the architecture test (same formula in
 * tests/ref/fid_inception.py): value i of tensor `name`. */
float we_inc_synthetic(const char *name, size_t i, size_t fan_in);

#endif
