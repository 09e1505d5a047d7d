/* we_fid.c - FID, KID, precision/recall on feature sets (see we_fid.h). */
#include "we_fid.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK (OpenBLAS exports it): symmetric eigen-decomposition. */
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
                   double *work, const int *lwork, int *info);

we_status we_fid_stats(double *mu, double *cov, const float *x, int N, int D)
{
    if (N < 2 || D < 1) return we_err_set(WE_EDATA, "need at least 2 feature vectors (got %d)", N);
    memset(mu, 0, sizeof(double) * D);
    for (int i = 0; i < N; i++)
        for (int d = 0; d < D; d++) mu[d] += x[(size_t)i * D + d];
    for (int d = 0; d < D; d++) mu[d] /= N;
    memset(cov, 0, sizeof(double) * D * D);
    double *c = malloc(sizeof(double) * D);
    if (!c) return we_err_set(WE_ENOMEM, "covariance");
    for (int i = 0; i < N; i++) {
        for (int d = 0; d < D; d++) c[d] = x[(size_t)i * D + d] - mu[d];
        for (int a = 0; a < D; a++) {
            double ca = c[a];
            double *row = cov + (size_t)a * D;
            for (int b = a; b < D; b++) row[b] += ca * c[b];
        }
    }
    for (int a = 0; a < D; a++)
        for (int b = a; b < D; b++) {
            cov[(size_t)a * D + b] /= (N - 1);
            cov[(size_t)b * D + a] = cov[(size_t)a * D + b];
        }
    free(c);
    return WE_OK;
}

/* Eigen-decomposition of a symmetric D x D matrix (a is overwritten by the
 * eigenvectors, column-major = rows of our row-major buffer). */
static we_status syev(double *a, double *w, int D)
{
    int lwork = -1, info = 0;
    double q;
    dsyev_("V", "U", &D, a, &D, w, &q, &lwork, &info);
    if (info) return we_err_set(WE_EINTERNAL, "dsyev workspace query failed (info %d)", info);
    lwork = (int)q;
    double *work = malloc(sizeof(double) * (size_t)lwork);
    if (!work) return we_err_set(WE_ENOMEM, "dsyev workspace");
    dsyev_("V", "U", &D, a, &D, w, work, &lwork, &info);
    free(work);
    if (info) return we_err_set(WE_EINTERNAL, "dsyev did not converge (info %d)", info);
    return WE_OK;
}

we_status we_fid_frechet(double *out, const double *mu1, const double *cov1, const double *mu2,
                         const double *cov2, int D)
{
    size_t DD = (size_t)D * D;
    double *v = malloc(sizeof(double) * DD), *w = malloc(sizeof(double) * D), *A = malloc(sizeof(double) * DD),
           *T = malloc(sizeof(double) * DD);
    we_status st = WE_OK;
    if (!v || !w || !A || !T) { st = we_err_set(WE_ENOMEM, "Fréchet distance, D = %d", D); goto done; }
    /* A = V diag(sqrt(w)) V^T. The matrix is symmetric, so row/column-major
     * does not matter for the input; the output row i of v is eigenvector i. */
    memcpy(v, cov1, sizeof(double) * DD);
    if ((st = syev(v, w, D))) goto done;
    for (int k = 0; k < D; k++) w[k] = w[k] > 0 ? sqrt(w[k]) : 0;
    /* T = diag(sqrt w) V (row k scaled), A = V^T T */
    for (int k = 0; k < D; k++)
        for (int j = 0; j < D; j++) T[(size_t)k * D + j] = w[k] * v[(size_t)k * D + j];
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, D, D, D, 1.0, v, D, T, D, 0.0, A, D);
    /* M = A S2 A (symmetric PSD): T = S2 A, then M = A T, symmetrised */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, D, D, D, 1.0, cov2, D, A, D, 0.0, T, D);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, D, D, D, 1.0, A, D, T, D, 0.0, v, D);
    for (int i = 0; i < D; i++)
        for (int j = i + 1; j < D; j++)
            v[(size_t)i * D + j] = v[(size_t)j * D + i] = 0.5 * (v[(size_t)i * D + j] + v[(size_t)j * D + i]);
    if ((st = syev(v, w, D))) goto done;
    double trs = 0, tr1 = 0, tr2 = 0, dm = 0;
    for (int k = 0; k < D; k++) {
        trs += w[k] > 0 ? sqrt(w[k]) : 0;
        tr1 += cov1[(size_t)k * D + k];
        tr2 += cov2[(size_t)k * D + k];
        dm += (mu1[k] - mu2[k]) * (mu1[k] - mu2[k]);
    }
    *out = dm + tr1 + tr2 - 2 * trs;
done:
    free(v); free(w); free(A); free(T);
    return st;
}

static double kern(const float *a, const float *b, int D)
{
    double s = 0;
    for (int d = 0; d < D; d++) s += (double)a[d] * b[d];
    s = s / D + 1;
    return s * s * s;
}

/* Unbiased MMD^2 on index subsets ix (n) and iy (m). */
static double mmd(const float *x, const int *ix, int n, const float *y, const int *iy, int m, int D)
{
    double kxx = 0, kyy = 0, kxy = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) kxx += 2 * kern(x + (size_t)ix[i] * D, x + (size_t)ix[j] * D, D);
    for (int i = 0; i < m; i++)
        for (int j = i + 1; j < m; j++) kyy += 2 * kern(y + (size_t)iy[i] * D, y + (size_t)iy[j] * D, D);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++) kxy += kern(x + (size_t)ix[i] * D, y + (size_t)iy[j] * D, D);
    return kxx / ((double)n * (n - 1)) + kyy / ((double)m * (m - 1)) - 2 * kxy / ((double)n * m);
}

static unsigned lcg(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

we_status we_fid_kid(double *mean, double *std, const float *x, int N, const float *y, int M, int D,
                     int subsets, int subset_size, unsigned seed)
{
    if (N < 2 || M < 2) return we_err_set(WE_EDATA, "KID needs at least 2 vectors per set (got %d and %d)", N, M);
    int full = N < subset_size || M < subset_size || subsets < 1;
    int n = full ? N : subset_size, m = full ? M : subset_size, reps = full ? 1 : subsets;
    int *ix = malloc(sizeof(int) * (size_t)N), *iy = malloc(sizeof(int) * (size_t)M);
    if (!ix || !iy) { free(ix); free(iy); return we_err_set(WE_ENOMEM, "KID"); }
    double s = 0, s2 = 0;
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < N; i++) ix[i] = i;
        for (int i = 0; i < M; i++) iy[i] = i;
        if (!full) { /* partial Fisher-Yates: the first n entries are a random subset */
            for (int i = 0; i < n; i++) { int j = i + (int)(lcg(&seed) % (unsigned)(N - i)); int t = ix[i]; ix[i] = ix[j]; ix[j] = t; }
            for (int i = 0; i < m; i++) { int j = i + (int)(lcg(&seed) % (unsigned)(M - i)); int t = iy[i]; iy[i] = iy[j]; iy[j] = t; }
        }
        double v = mmd(x, ix, n, y, iy, m, D);
        s += v;
        s2 += v * v;
    }
    free(ix);
    free(iy);
    *mean = s / reps;
    double var = reps > 1 ? (s2 - s * s / reps) / (reps - 1) : 0;
    *std = var > 0 ? sqrt(var) : 0;
    return WE_OK;
}

static double dist(const float *a, const float *b, int D)
{
    double s = 0;
    for (int d = 0; d < D; d++) {
        double t = (double)a[d] - b[d];
        s += t * t;
    }
    return sqrt(s);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Distance of each row to its k-th nearest other row of the same set. */
static we_status radii(double *r, const float *x, int N, int D, int k)
{
    double *d = malloc(sizeof(double) * (size_t)N);
    if (!d) return we_err_set(WE_ENOMEM, "k-NN radii");
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) d[j] = dist(x + (size_t)i * D, x + (size_t)j * D, D);
        qsort(d, (size_t)N, sizeof *d, cmp_d);
        r[i] = d[k]; /* d[0] is the row itself */
    }
    free(d);
    return WE_OK;
}

we_status we_fid_prec_recall(double *precision, double *recall, const float *x, int N, const float *y, int M,
                             int D, int k)
{
    if (k < 1 || N <= k || M <= k)
        return we_err_set(WE_EDATA, "precision/recall with k = %d needs more than %d vectors per set (got %d and %d)",
                          k, k, N, M);
    double *rx = malloc(sizeof(double) * (size_t)N), *ry = malloc(sizeof(double) * (size_t)M);
    we_status st = WE_OK;
    if (!rx || !ry) { st = we_err_set(WE_ENOMEM, "precision/recall"); goto done; }
    if ((st = radii(rx, x, N, D, k)) || (st = radii(ry, y, M, D, k))) goto done;
    int inside = 0;
    for (int j = 0; j < M; j++)
        for (int i = 0; i < N; i++)
            if (dist(x + (size_t)i * D, y + (size_t)j * D, D) <= rx[i]) { inside++; break; }
    *precision = (double)inside / M;
    inside = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < M; j++)
            if (dist(x + (size_t)i * D, y + (size_t)j * D, D) <= ry[j]) { inside++; break; }
    *recall = (double)inside / N;
done:
    free(rx);
    free(ry);
    return st;
}

we_status we_fid_sets(double *out, const float *x, int N, const float *y, int M, int D)
{
    double *mu1 = malloc(sizeof(double) * D), *mu2 = malloc(sizeof(double) * D);
    double *c1 = malloc(sizeof(double) * D * D), *c2 = malloc(sizeof(double) * D * D);
    we_status s = mu1 && mu2 && c1 && c2 ? WE_OK : we_err_set(WE_ENOMEM, "out of memory (FID of %d features)", D);
    if (!s) s = we_fid_stats(mu1, c1, x, N, D);
    if (!s) s = we_fid_stats(mu2, c2, y, M, D);
    if (!s) s = we_fid_frechet(out, mu1, c1, mu2, c2, D);
    if (!s && *out < 0 && *out > -1e-6) *out = 0;
    free(mu1);
    free(mu2);
    free(c1);
    free(c2);
    return s;
}
