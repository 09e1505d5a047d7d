/* we_flow.h - dense optical flow between two small planes (Horn-Schunck,
 * coarse to fine, with warping) and the backward warp that applies a
 * coarse flow to a finer image.
 *
 * Why: the cascade edit (lib/diffusion/we_cascade.h) knows how the coarse
 * face changed but not where the photo's own detail should go. Most of an
 * expression change is motion (mouth corners up, brows down), so the flow
 * from the source's coarse face to the edited one carries the source's
 * sharp detail along with the features instead of leaving it behind as a
 * ghost at the old place.
 *
 * Convention: the flow (u, v) of planes a, b says b(p) ~ a(p + (u, v)(p))
 * (a backward map: each pixel of b fetches from a). Planes are row-major
 * float [h, w]; sampling is we_warp_sample's bilinear with clamped edges.
 *
 * Prefix: we_flow_.
 */
#ifndef WE_FLOW_H
#define WE_FLOW_H

#include <stddef.h>

typedef struct {
    float alpha;  /* smoothness weight (the HS alpha, in units of the planes' values) */
    int levels;   /* pyramid levels, 1 = the full size only; capped where a side gets below 8 */
    int warps;    /* re-linearisations per level */
    int iters;    /* Jacobi iterations per warp */
    float max;    /* the flow is clamped to |u|,|v| <= max pixels of the full size (0 = no clamp) */
} we_flow_params;

/* Fill p with defaults for a 32-64 px face in [-1,1]: alpha 0.05, 3
 * levels, 1 warp per level, 60 iterations, max 4. */
void we_flow_params_init(we_flow_params *p);

/* Floats of work we_flow_estimate needs for an h x w plane. */
size_t we_flow_work_size(int h, int w);

/* The flow u, v [h, w] (written) with b ~ a(p + (u, v)), as above. work:
 * we_flow_work_size(h, w) floats. Deterministic; never allocates. */
void we_flow_estimate(float *u, float *v, float *work, const float *a, const float *b, int h, int w,
                      const we_flow_params *p);

/* Warp a fine image by a coarse flow: out [H, W] (H = f*h, W = f*w, f a
 * positive integer) = img(P + f * U(P)), where U is the bilinear
 * upsampling of (u, v) [h, w] (a coarse pixel's centre sits at the centre
 * of its f x f block). Where U is exactly 0 the pixel is copied bit for
 * bit. out must not alias img. */
void we_flow_warp_up(float *out, const float *img, const float *u, const float *v, int h, int w, int f);

#endif
