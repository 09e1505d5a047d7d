/* we_metrics.h - per-item image comparison metrics for femetrics(1):
 * PSNR, SSIM, landmark NME and cosine similarity. Images are planar
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

/* The non-mouth subset: points 0..47 (jaw, brows, nose, eyes). */
void we_metrics_nonmouth(unsigned char use[68]);

/* Cosine similarity of two n-vectors (0 if either is zero). */
double we_metrics_cosine(const float *a, const float *b, int n);

#endif
