/* we_nn_winograd.h - Winograd F(2x2, 3x3) for a 3x3, stride 1, pad 1
 * convolution (we_nn_winograd.c): a backend that the conv layer
 * (we_nn_conv.c) dispatches to. Internal to lib/nn/we_nn_*.c; depends on
 * nothing else of the nn module. */
#ifndef WE_NN_WINOGRAD_H
#define WE_NN_WINOGRAD_H

#include <stddef.h>

/* Floats of scratch for inp [N,Cin,H,W], Cout outputs, G groups (the same
 * value serves the transposed direction), any thread count. */
size_t we_nn_wino_scratch_size(int N, int Cin, int Cout, int H, int W, int G);

/* out [N,Cout,H,W] = (accumulate ? out + : ) conv3x3(inp, weight) + bias,
 * weight [Cout, Cin/G, 3, 3], bias [Cout] or NULL. Tile chunks are spread
 * over min(nt, 4) threads (the result does not depend on nt). */
void we_nn_wino_conv3x3(float *out, int accumulate, float *scratch, const float *inp,
                        const float *weight, const float *bias, int N, int Cin, int Cout,
                        int H, int W, int G, int nt);

/* dweight [Cout, Cin/G, 3, 3] += the weight gradient of that conv for
 * upstream gradient dout [N,Cout,H,W] (Winograd F(3x3, 2x2)); same
 * scratch. Each of min(nt, 4) threads sums its chunks privately and the
 * sums are added in thread order, so the rounding depends on nt. */
void we_nn_wino_dweight3x3(float *dweight, float *scratch, const float *dout, const float *inp,
                           int N, int Cin, int Cout, int H, int W, int G, int nt);

#endif
