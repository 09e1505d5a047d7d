/* we_nn_priv.h - internal helpers shared by lib/we_nn_*.c (not public API). */
#ifndef WE_NN_PRIV_H
#define WE_NN_PRIV_H

#include <stddef.h>

/* Threads for the layers' own parallel loops (set by we_nn_set_threads). */
int we_nn_get_threads(void);

/* Smallest number of 2x2 output tiles (N * ceil(H/2) * ceil(W/2)) for
 * which a 3x3/s1/p1 conv uses Winograd (default 64); n >= 0 sets it, any
 * n returns the previous value. For tests and benchmarks. */
long we_nn_conv_wino_min_tiles(long n);

/* Winograd F(2x2, 3x3) for a 3x3, stride 1, pad 1 convolution
 * (we_nn_winograd.c). Floats of scratch for inp [N,Cin,H,W], Cout outputs,
 * G groups (the same value serves the transposed direction). */
size_t we_nn_wino_scratch_size(int N, int Cin, int Cout, int H, int W, int G);
/* out [N,Cout,H,W] = (accumulate ? out + : ) conv3x3(inp, weight) + bias,
 * weight [Cout, Cin/G, 3, 3], bias [Cout] or NULL. */
void we_nn_wino_conv3x3(float *out, int accumulate, float *scratch, const float *inp,
                        const float *weight, const float *bias, int N, int Cin, int Cout,
                        int H, int W, int G);

/* dweight [Cout, Cin/G, 3, 3] += the weight gradient of that conv for
 * upstream gradient dout [N,Cout,H,W] (Winograd F(3x3, 2x2)); same scratch. */
void we_nn_wino_dweight3x3(float *dweight, float *scratch, const float *dout, const float *inp,
                           int N, int Cin, int Cout, int H, int W, int G);

#endif
