/* we_warp.h - affine resampling of images, convex-hull masks, pasting.
 *
 * Images are planar float buffers C x H x W (any value range). Affines are
 * 2x3 row-major (see we_align.h); pixel centres sit at integer coordinates.
 * Sampling is bilinear. A warp that shrinks (more than one source pixel per
 * output pixel) averages ss x ss bilinear samples spread over the output
 * pixel's footprint, a box prefilter that keeps linear ramps exact.
 */
#ifndef WE_WARP_H
#define WE_WARP_H

#include "we_err.h"

#define WE_BORDER_LIST(X) X(WE_BORDER_REFLECT, "reflect") X(WE_BORDER_CLAMP, "clamp") X(WE_BORDER_ZERO, "zero")
typedef enum {
#define WE_X_BORDER(e, s) e,
    WE_BORDER_LIST(WE_X_BORDER)
#undef WE_X_BORDER
    WE_BORDER_COUNT
} we_border;

/* "reflect", "clamp", "zero". */
const char *we_border_name(we_border b);

/* Bilinear sample of channel plane p (h x w) at (x, y); outside the image
 * the border rule applies (reflect: mirror about the edge, edge pixel
 * repeated - OpenCV's BORDER_REFLECT, periodic beyond). */
float we_warp_sample(const float *p, int h, int w, double x, double y, we_border border);

/* Supersampling factor for a warp whose output pixel covers `scale` input
 * pixels: ceil(scale - 0.01), at least 1, at most 8. */
int we_warp_supersample(double scale);

/* out[c][y][x] = average over ss x ss sub-samples of inp[c] at A(x', y'),
 * (x', y') spread over output pixel (x, y). A maps output pixels to input
 * pixels. out: C x oh x ow, inp: C x h x w. Never allocates. */
void we_warp_affine_forward(float *out, const float *inp, const float A[6],
                            int C, int h, int w, int oh, int ow, int ss, we_border border);

/* Convex hull of n points (x,y pairs), counter-clockwise in image
 * coordinates, written to hull (room for n points); returns its count
 * (<= n). Points with a non-finite coordinate are ignored. */
int we_warp_convex_hull(float *hull, const float *pts, int n);

/* Feathered mask of the convex hull of pts (n points) on an h x w grid:
 * 0 outside the hull, rising smoothly (smoothstep of the distance to the
 * hull edge) to 1 at `feather` pixels inside; feather <= 0 gives a hard
 * mask. mask: h x w. */
void we_warp_hull_mask(float *mask, int h, int w, const float *pts, int n, float feather);

/* Paste a C x S x S face into a C x H x W photo in place:
 *   photo = (1 - a) * photo + a * face(Ainv(p)),  a = mask(Ainv(p))
 * for every photo pixel p, where crop_to_photo maps face pixels to photo
 * pixels, mask is S x S in [0,1] (NULL = all ones inside the crop), and
 * both face and mask are sampled bilinearly (the mask is 0 outside the
 * crop). Pixels where a == 0 are left bit-identical. Returns WE_EDATA if
 * the affine is singular. */
we_status we_warp_paste(float *photo, int C, int H, int W, const float *face,
                        const float *mask, int S, const float crop_to_photo[6]);

#endif
