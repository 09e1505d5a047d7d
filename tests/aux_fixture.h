/* aux_fixture.h - what the auxiliary-loss tests (test_aux.c, test_aux_face.c)
 * share: a tiny UNet config and the noising of one training batch, with an
 * eps offset that keeps |x0_hat - x0| away from the L1 kink. Header-only,
 * static functions. */
#ifndef AUX_FIXTURE_H
#define AUX_FIXTURE_H
#include <math.h>
#include "we_train_rng.h"
#include "we_unet.h"

/* nf 8, two levels (x1, x2), one res block, no attention, no heatmaps. */
static void aux_fixture_config(we_unet_config *c, int S, int C, we_region reg)
{
    we_unet_config_init(c);
    c->S = S, c->C = C, c->K = 0, c->nf = 8, c->nlevels = 2;
    c->mult[0] = 1, c->mult[1] = 2;
    c->num_res = 1, c->nattn = 0;
    c->region = reg;
}

/* Sample b of a batch (xsize floats each, nch channels of hw): xt =
 * sqrt(ab) x0 + sqrt(1-ab) noise on the channels lo..hi-1 (x0 elsewhere),
 * eps = noise + an offset of 0.1..0.3 with a random sign. */
static void aux_fixture_noise(const float *x0, float *xt, float *eps, int b, size_t xsize, int nch, int hw, int lo,
                              int hi, double ab, we_rng *r)
{
    for (int c = 0; c < nch; c++)
        for (int i = 0; i < hw; i++) {
            size_t o = (size_t)b * xsize + (size_t)c * hw + i;
            float nz = (float)we_rng_normal(r);
            int noised = c >= lo && c < hi;
            xt[o] = noised ? (float)(sqrt(ab) * x0[o] + sqrt(1 - ab) * nz) : x0[o];
            float off = 0.1f + 0.2f * (float)we_rng_uniform(r);
            eps[o] = nz + (we_rng_uniform(r) < 0.5 ? -off : off);
        }
}
#endif
