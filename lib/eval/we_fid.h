/* we_fid.h - distances between two sets of feature vectors: Fréchet
 * distance (FID), kernel inception distance (KID) and k-NN precision/recall
 * (Kynkäänniemi et al. 2019). Features are float, N x D row-major; all
 * statistics are accumulated in double.
 */
#ifndef WE_FID_H
#define WE_FID_H

#include <stddef.h>

#include "we_err.h"
#include "we_tensor.h"

/* Mean (D) and unbiased covariance (D x D, divided by N-1, as np.cov) of
 * N x D features. mu and cov are caller-allocated. WE_EDATA if N < 2. */
we_status we_fid_stats(double *mu, double *cov, const float *x, int N, int D);

/* Fréchet distance between N(mu1, S1) and N(mu2, S2):
 * |mu1-mu2|^2 + tr S1 + tr S2 - 2 tr sqrtm(S1 S2). The trace of the matrix
 * square root is computed as sum sqrt(eig(A S2 A)) with A = S1^(1/2), both
 * from LAPACK's symmetric eigensolver (dsyev); tiny negative eigenvalues
 * from rounding are clamped to 0. WE_EINTERNAL if LAPACK fails. */
we_status we_fid_frechet(double *out, const double *mu1, const double *cov1, const double *mu2,
                         const double *cov2, int D);

/* FID of two feature sets, x (N x D) and y (M x D): we_fid_stats of each,
 * then we_fid_frechet; a rounding-level negative distance (> -1e-6) is 0.
 * WE_EDATA if N or M < 2, WE_ENOMEM, WE_EINTERNAL as we_fid_frechet. */
we_status we_fid_sets(double *out, const float *x, int N, const float *y, int M, int D);

/* KID: unbiased MMD^2 with the kernel (x.y/D + 1)^3. When both sets have
 * at least subset_size rows, the mean and standard deviation over
 * `subsets` random subsets of that size (drawn with seed) are returned;
 * otherwise one estimate on the whole sets (std = 0). */
we_status we_fid_kid(double *mean, double *std, const float *x, int N, const float *y, int M, int D,
                     int subsets, int subset_size, unsigned seed);

/* Precision (fraction of y inside the k-NN balls of x) and recall
 * (fraction of x inside the k-NN balls of y). x: real, y: generated.
 * WE_EDATA when a set has k or fewer rows. */
we_status we_fid_prec_recall(double *precision, double *recall, const float *x, int N, const float *y, int M,
                             int D, int k);

/* ---- inputs (we_fid_src.c) ---------------------------------------------- *
 * A set of items: a WES stream file ("-" = stdin) or a folder of PNG/JPEG
 * files (sorted by name, other files ignored). */
typedef struct we_fid_src we_fid_src;

/* Open path. WE_ENOINPUT if it does not exist. */
we_status we_fid_src_open(we_fid_src **s, const char *path);
/* Next frame called `frame` (streams) or next image (folders: frame must be
 * "image"): *t receives a new tensor (u8 or f32 as stored), id the item id
 * (or the file name). Returns WE_EOF at the end. */
we_status we_fid_src_next(we_fid_src *s, const char *frame, we_tensor *t, char *id, size_t idn);
void we_fid_src_close(we_fid_src *s);

#endif
