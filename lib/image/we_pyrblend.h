/* we_pyrblend.h - multi-band (Laplacian pyramid) blending of one image into
 * another inside a region, after Burt and Adelson (1983).
 *
 * Images are planar float buffers C x h x w. The region is given by a
 * distance map: dist[p] > 0 inside it, the distance in pixels from p to its
 * edge (<= 0 outside). The change d = b - a is split into a Laplacian
 * pyramid (5-tap binomial kernel [1 4 6 4 1]/16, mirrored borders, level
 * l+1 is ceil(h/2) x ceil(w/2) of level l, sample i of level l sits at
 * pixel 2^l i) and band l is added under its own mask
 *     m_l = smoothstep((dist - e_l) / 2^l),   e_l = 2^(l+1) - 2,
 * so fine bands switch over within a pixel of the edge and coarse bands
 * over 2^l pixels further in. e_l is the reach of l expansions of the
 * kernel: no band spills outside the region, so the low frequencies blend
 * wide and inside, and nothing outside the region changes.
 */
#ifndef WE_PYRBLEND_H
#define WE_PYRBLEND_H

#include "we_err.h"

/* Number of pyramid levels (reductions) for a region whose deepest point
 * is `inradius` pixels from its edge: the largest L in 1..6 with
 * we_pyrblend_reach(L) <= inradius / 2, so at least half the inradius
 * takes b whole. */
int we_pyrblend_levels(double inradius);

/* Inward distance from which a pixel is b itself (every band's mask is 1
 * over all the samples that reach it): 5 * 2^levels - 4 pixels. */
double we_pyrblend_reach(int levels);

/* Blend b into a in place, C x h x w each, inside the region of dist
 * (h x w), with `levels` reductions (1..12; fewer if the image is too small
 * to reduce). Pixels with dist <= 0 are left bit-identical; pixels with
 * dist >= we_pyrblend_reach(levels) become b up to float rounding; in
 * between each band crosses over at its own width. Allocates scratch
 * (about 4 h w floats). WE_EUSAGE for bad sizes, WE_ENOMEM. */
we_status we_pyrblend(float *a, const float *b, const float *dist, int C, int h, int w, int levels);

/* Inward distance to the edge of the convex hull of n points (x,y pairs),
 * at every pixel of an h x w grid whose pixel (x, y) is the point
 * (x0 + x, y0 + y): min over the hull's edges of the signed distance to
 * the edge's line (> 0 inside, <= 0 outside). If `clip` is not NULL, the
 * distance is also limited to that of the convex quadrilateral clip (4
 * x,y pairs): the region is their intersection. dist: h x w. n < 3: all 0.
 * Allocates a small hull buffer; WE_ENOMEM. */
we_status we_pyrblend_hull_dist(float *dist, int h, int w, double x0, double y0, const float *pts, int n,
                                const float clip[8]);

/* Paste a C x S x S face into a C x H x W photo in place with the pyramid
 * blend: b = the face warped back by crop_to_photo (face pixels -> photo
 * pixels; bilinear, edges repeated), the region = the convex hull of pts
 * (npts points in face pixels; npts < 3: the whole square) clipped to the
 * crop square, levels <= 0: we_pyrblend_levels of the region's inradius in
 * photo pixels. Works on the bounding box of the crop only. Pixels outside
 * the region (in particular outside the crop) are left bit-identical.
 * Returns WE_EDATA for a singular affine, WE_EUSAGE, WE_ENOMEM. */
we_status we_pyrblend_paste(float *photo, int C, int H, int W, const float *face, int S,
                            const float crop_to_photo[6], const float *pts, int npts, int levels);

#endif
