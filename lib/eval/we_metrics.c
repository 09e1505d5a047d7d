/* we_metrics.c - PSNR, SSIM, NME, cosine, seam (see we_metrics.h). */
#include "we_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_warp.h"

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

we_status we_metrics_moved(double *out, double *cos, const float *a, const float *s, const float *t,
                           const unsigned char *use)
{
    double dot = 0, tt = 0, aa = 0;
    int n = 0;
    for (int i = 0; i < 2 * 68; i++) {
        if (!use[i / 2]) continue;
        double da = (double)a[i] - s[i], dt = (double)t[i] - s[i];
        dot += da * dt, tt += dt * dt, aa += da * da;
        n++;
    }
    if (!n) return we_err_set(WE_EDATA, "no landmark selected");
    if (!(tt >= 1e-6)) return we_err_set(WE_EDATA, "no displacement requested (target = source)");
    *out = dot / tt;
    if (cos) *cos = aa > 0 ? dot / sqrt(aa * tt) : 0;
    return WE_OK;
}

void we_metrics_nonmouth(unsigned char use[68])
{
    for (int i = 0; i < 68; i++) use[i] = i < 48;
}

void we_metrics_expr_points(unsigned char use[68])
{
    for (int i = 0; i < 68; i++) use[i] = (i >= 17 && i <= 26) || i >= 48;
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

/* One pass of [1 4 6 4 1]/16 along x then y, edges repeated; tmp: H x W. */
static void binom5(float *p, float *tmp, int H, int W)
{
    static const float k[5] = {1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float s = 0;
            for (int j = -2; j <= 2; j++) {
                int xx = x + j < 0 ? 0 : x + j >= W ? W - 1 : x + j;
                s += k[j + 2] * p[(size_t)y * W + xx];
            }
            tmp[(size_t)y * W + x] = s;
        }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float s = 0;
            for (int j = -2; j <= 2; j++) {
                int yy = y + j < 0 ? 0 : y + j >= H ? H - 1 : y + j;
                s += k[j + 2] * tmp[(size_t)yy * W + x];
            }
            p[(size_t)y * W + x] = s;
        }
}

we_status we_metrics_seam_grad(double *out, long *npts, const float *img, const float *mask, int C, int H, int W)
{
    size_t plane = (size_t)H * W;
    float *sm = malloc(plane * sizeof *sm), *tmp = malloc(plane * sizeof *tmp);
    if (!sm || !tmp) { free(sm); free(tmp); return we_err_set(WE_ENOMEM, "seam: out of memory"); }
    memcpy(sm, mask, plane * sizeof *sm);
    binom5(sm, tmp, H, W);
    binom5(sm, tmp, H, W);
    double sum = 0;
    long n = 0, cnt = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int dir = 0; dir < 2; dir++) { /* the pair (x,y)-(x+1,y), then (x,y)-(x,y+1) */
                int x2 = x + (dir == 0), y2 = y + (dir == 1);
                if (x2 >= W || y2 >= H) continue;
                float m1 = mask[(size_t)y * W + x], m2 = mask[(size_t)y2 * W + x2];
                if ((m1 < 0.5f) == (m2 < 0.5f)) continue;
                double t = (0.5 - m1) / (m2 - m1), cx = x + t * (x2 - x), cy = y + t * (y2 - y);
                double gx = we_warp_sample(sm, H, W, cx + 0.5, cy, WE_BORDER_CLAMP) -
                            we_warp_sample(sm, H, W, cx - 0.5, cy, WE_BORDER_CLAMP);
                double gy = we_warp_sample(sm, H, W, cx, cy + 0.5, WE_BORDER_CLAMP) -
                            we_warp_sample(sm, H, W, cx, cy - 0.5, WE_BORDER_CLAMP);
                double g = sqrt(gx * gx + gy * gy);
                double nx = g > 0 ? gx / g : x2 - x, ny = g > 0 ? gy / g : y2 - y;
                n++;
                for (int s = -4; s <= 4; s++) {
                    double qx = cx + 0.5 * s * nx, qy = cy + 0.5 * s * ny;
                    double ax = qx - nx / 2, ay = qy - ny / 2, bx = qx + nx / 2, by = qy + ny / 2;
                    if (fmin(ax, bx) < 0 || fmin(ay, by) < 0 || fmax(ax, bx) > W - 1 || fmax(ay, by) > H - 1) continue;
                    for (int c = 0; c < C; c++) {
                        const float *p = img + c * plane;
                        sum += fabs(we_warp_sample(p, H, W, bx, by, WE_BORDER_CLAMP) -
                                    we_warp_sample(p, H, W, ax, ay, WE_BORDER_CLAMP));
                        cnt++;
                    }
                }
            }
    free(sm);
    free(tmp);
    if (npts) *npts = n;
    if (cnt == 0) return we_err_set(WE_EDATA, "seam: the mask has no 0.5 contour inside the image");
    *out = sum / cnt;
    return WE_OK;
}

we_status we_metrics_seam(double *out, const float *pasted, const float *src, const float *mask, int C, int H, int W)
{
    double gp, gs;
    we_status st = we_metrics_seam_grad(&gp, NULL, pasted, mask, C, H, W);
    if (st == WE_OK) st = we_metrics_seam_grad(&gs, NULL, src, mask, C, H, W);
    if (st != WE_OK) return st;
    if (!(gs > 0)) return we_err_set(WE_EDATA, "seam: the source is flat across the mask's edge");
    *out = gp / gs;
    return WE_OK;
}
