/* we_heatmap.h - landmark-region heatmaps (boundary heatmaps).
 *
 * Each region of the iBUG 68-point scheme is a polyline; channel k of a
 * heatmap is exp(-d^2 / (2 sigma^2)) with d the distance from the pixel
 * centre to region k's polyline, so values are in [0,1] and 1 on the
 * curve. Left/right are the subject's (as in dlib's and imutils' naming:
 * points 36..41 are the right eye, drawn on the image's left).
 * The optional last channel "mask" is the face's convex hull, 1 inside and
 * 0 outside with an edge smoothed over sigma.
 */
#ifndef WE_HEATMAP_H
#define WE_HEATMAP_H

#include "we_err.h"

/* Regions in channel order: name, polylines as index ranges, closed. */
#define WE_HEATMAP_REGIONS 8
#define WE_HEATMAP_MAX_CHANNELS (WE_HEATMAP_REGIONS + 1)

/* Name of channel k (0..WE_HEATMAP_REGIONS): jaw, brow_l, brow_r, nose,
 * eye_l, eye_r, lips_outer, lips_inner, mask. NULL past the end. */
const char *we_heatmap_region_name(int k);

/* Comma-separated channel names for K = 8 (no mask) or 9 (with mask),
 * the value of the `regions` key. Static string. */
const char *we_heatmap_regions_key(int with_mask);

/* Heatmaps of one face.
 *   out:   K x H x W floats, K = 8 + with_mask
 *   pts:   68 (x, y) landmarks in the pixel coordinates of an image of
 *          src_h x src_w pixels (the aligned crop)
 *   H, W:  heatmap size; the image is mapped onto it keeping pixel centres
 *          ((x + 0.5) * W / src_w - 0.5)
 *   sigma: Gaussian width in heatmap pixels (> 0)
 * Never allocates. */
void we_heatmap_forward(float *out, const float *pts, int src_h, int src_w,
                        int H, int W, float sigma, int with_mask);

#endif
