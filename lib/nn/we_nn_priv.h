/* we_nn_priv.h - internal helpers shared by lib/nn/we_nn_*.c (not public API). */
#ifndef WE_NN_PRIV_H
#define WE_NN_PRIV_H

#include <stddef.h>

/* Threads for the layers' own parallel loops (set by we_nn_set_threads). */
int we_nn_get_threads(void);

/* Smallest number of 2x2 output tiles (N * ceil(H/2) * ceil(W/2)) for
 * which a 3x3/s1/p1 conv uses Winograd (default 64); n >= 0 sets it, any
 * n returns the previous value. For tests and benchmarks. */
long we_nn_conv_wino_min_tiles(long n);

#endif
