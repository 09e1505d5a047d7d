/* we_metrics.h - per-item image comparison metrics for femetrics(1):
 * PSNR, SSIM, landmark NME, cosine similarity and the seam of a paste. Images are planar
 * C x H x W floats in 0..255.
 */
#ifndef WE_METRICS_H
#define WE_METRICS_H

#include <stddef.h>

#include "we_err.h"

/* PSNR in dB with peak 255: 10 log10(255^2 / MSE). INFINITY when equal. */
double we_metrics_psnr(const float *a, const float *b, size_t n);

/* SSIM (Wang et al. 2004): 11x11 Gaussian window, sigma 1.5, 'valid'
 * positions only, K1 = 0.01, K2 = 0.03, L = 255; the mean over positions,
 * then over channels. WE_EDATA when H or W < 11. */
we_status we_metrics_ssim(double *out, const float *a, const float *b, int C, int H, int W);

/* Normalised mean error of 68-point landmarks (x,y pairs): the mean over
 * the points i with use[i] != 0 of |a_i - b_i|, divided by the
 * inter-ocular distance of ref (outer eye corners 36 and 45). WE_EDATA if
 * that distance is 0 or no point is used. */
we_status we_metrics_nme(double *out, const float *a, const float *b, const float *ref, const unsigned char *use);

/* How far an edit went the requested way: with s the source's landmarks,
 * t the target (s moved by the requested displacement) and a the edit's
 * (all three by the same landmark net), the displacement a - s projected
 * on t - s over the points with use[i] != 0, as a fraction of |t - s|^2:
 * 1 = all the way (or as far sideways as it missed), 0 = no move that
 * way, < 0 = the other way; *cos (may be NULL) the cosine between the two
 * displacements (0 when the edit did not move). WE_EDATA when the requested
 * displacement is below 1e-6 px^2 (nothing asked) or no point is used. */
we_status we_metrics_moved(double *out, double *cos, const float *a, const float *s, const float *t,
                           const unsigned char *use);

/* The non-mouth subset: points 0..47 (jaw, brows, nose, eyes). */
void we_metrics_nonmouth(unsigned char use[68]);
/* The points an expression moves most: brows 17..26 and mouth 48..67. */
void we_metrics_expr_points(unsigned char use[68]);

/* Mean gradient across the edge of a blend mask (H x W, values in 0..1):
 * at every point of the mask's 0.5 contour (where it crosses 0.5 between
 * two 4-neighbours, placed by linear interpolation), with n the unit
 * normal there (the gradient of the mask smoothed by [1 4 6 4 1]/16 twice),
 * |img(q + n/2) - img(q - n/2)| (bilinear) at the 9 points q = c + t n,
 * t = -2, -1.5, ..., 2 (a band of +-2 px), averaged over points, samples
 * and channels; samples that leave the image are skipped. *out: gray
 * levels per pixel. *npts (may be NULL): contour points used. WE_EDATA if
 * the contour is empty, WE_ENOMEM. */
we_status we_metrics_seam_grad(double *out, long *npts, const float *img, const float *mask, int C, int H, int W);

/* Seam of a paste: we_metrics_seam_grad of the pasted photo over that of
 * the source photo, at the same place (the mask). 1 = the boundary is as
 * smooth as the source's there, <= 1 no seam, >> 1 a visible edge.
 * WE_EDATA if the contour is empty or the source is flat across it. */
we_status we_metrics_seam(double *out, const float *pasted, const float *src, const float *mask, int C, int H, int W);

/* Cosine similarity of two n-vectors (0 if either is zero). */
double we_metrics_cosine(const float *a, const float *b, int n);

#endif
