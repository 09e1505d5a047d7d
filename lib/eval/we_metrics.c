/* we_metrics.c - PSNR, SSIM, NME, cosine (see we_metrics.h). */
#include "we_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double we_metrics_psnr(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - b[i];
        s += d * d;
    }
    if (s == 0) return INFINITY;
    return 10 * log10(255.0 * 255.0 / (s / n));
}

/* Separable 'valid' Gaussian filter of one plane: out is (H-10) x (W-10). */
static void gfilter(double *out, double *tmp, const double *in, int H, int W, const double *g)
{
    int OW = W - 10, OH = H - 10;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < OW; x++) {
            double s = 0;
            for (int k = 0; k < 11; k++) s += g[k] * in[(size_t)y * W + x + k];
            tmp[(size_t)y * OW + x] = s;
        }
    for (int y = 0; y < OH; y++)
        for (int x = 0; x < OW; x++) {
            double s = 0;
            for (int k = 0; k < 11; k++) s += g[k] * tmp[(size_t)(y + k) * OW + x];
            out[(size_t)y * OW + x] = s;
        }
}

we_status we_metrics_ssim(double *out, const float *a, const float *b, int C, int H, int W)
{
    if (H < 11 || W < 11) return we_err_set(WE_EDATA, "SSIM needs images of at least 11 x 11 (got %d x %d)", H, W);
    double g[11], gs = 0;
    for (int k = 0; k < 11; k++) gs += g[k] = exp(-(k - 5) * (k - 5) / (2 * 1.5 * 1.5));
    for (int k = 0; k < 11; k++) g[k] /= gs;
    size_t P = (size_t)H * W, OP = (size_t)(H - 10) * (W - 10);
    double *buf = malloc(sizeof(double) * (5 * P + 5 * OP + P));
    if (!buf) return we_err_set(WE_ENOMEM, "SSIM of %d x %d", H, W);
    double *x = buf, *y = x + P, *xx = y + P, *yy = xx + P, *xy = yy + P;
    double *mx = xy + P, *my = mx + OP, *sxx = my + OP, *syy = sxx + OP, *sxy = syy + OP, *tmp = sxy + OP;
    const double c1 = (0.01 * 255) * (0.01 * 255), c2 = (0.03 * 255) * (0.03 * 255);
    double total = 0;
    for (int c = 0; c < C; c++) {
        for (size_t i = 0; i < P; i++) {
            x[i] = a[(size_t)c * P + i];
            y[i] = b[(size_t)c * P + i];
            xx[i] = x[i] * x[i];
            yy[i] = y[i] * y[i];
            xy[i] = x[i] * y[i];
        }
        gfilter(mx, tmp, x, H, W, g);
        gfilter(my, tmp, y, H, W, g);
        gfilter(sxx, tmp, xx, H, W, g);
        gfilter(syy, tmp, yy, H, W, g);
        gfilter(sxy, tmp, xy, H, W, g);
        double s = 0;
        for (size_t i = 0; i < OP; i++) {
            double vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cv = sxy[i] - mx[i] * my[i];
            s += ((2 * mx[i] * my[i] + c1) * (2 * cv + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
        }
        total += s / OP;
    }
    free(buf);
    *out = total / C;
    return WE_OK;
}

we_status we_metrics_nme(double *out, const float *a, const float *b, const float *ref, const unsigned char *use)
{
    double io = hypot(ref[2 * 36] - ref[2 * 45], ref[2 * 36 + 1] - ref[2 * 45 + 1]);
    if (!(io > 0)) return we_err_set(WE_EDATA, "inter-ocular distance is 0");
    double s = 0;
    int n = 0;
    for (int i = 0; i < 68; i++) {
        if (!use[i]) continue;
        s += hypot((double)a[2 * i] - b[2 * i], (double)a[2 * i + 1] - b[2 * i + 1]);
        n++;
    }
    if (!n) return we_err_set(WE_EDATA, "no landmark selected");
    *out = s / n / io;
    return WE_OK;
}

void we_metrics_nonmouth(unsigned char use[68])
{
    for (int i = 0; i < 68; i++) use[i] = i < 48;
}

double we_metrics_cosine(const float *a, const float *b, int n)
{
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    if (aa == 0 || bb == 0) return 0;
    return ab / sqrt(aa * bb);
}
