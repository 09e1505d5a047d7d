/* we_faceapi_prep.c - face-api's input preparation (doc/design/faceapi.md 2): pad the
 * crop to a centred square with zeros (round(d/2) after, the rest before),
 * resize with TF's legacy bilinear (no half-pixel centres), normalise
 * (v - mean) / 255. And the exact transpose of that for input gradients. */
#include "we_faceapi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_pixel.h"

const float we_fa_mean[3] = {122.782f, 117.001f, 104.298f};

void we_fa_geom_init(we_fa_geom *g, int h, int w, int size)
{
    g->h = h;
    g->w = w;
    g->size = size;
    g->L = h > w ? h : w;
    int d = abs(h - w);
    int after = (d + 1) / 2; /* Math.round(d/2) */
    int before = d - after;
    g->pad_t = h < w ? before : 0;
    g->pad_l = w < h ? before : 0;
}

/* One output coordinate of TF's legacy bilinear: floor, ceil (clamped), frac. */
static void tap(int o, double ratio, int L, int *i0, int *i1, double *f)
{
    double src = ratio * o;
    int fl = (int)floor(src);
    if (fl < 0) fl = 0;
    int ce = (int)ceil(src);
    if (ce > L - 1) ce = L - 1;
    *i0 = fl;
    *i1 = ce;
    *f = src - fl;
}

void we_fa_prep_forward(float *out, float *sq, const float *img, int C, const we_fa_geom *g)
{
    int L = g->L, S = g->size;
    memset(sq, 0, sizeof(float) * 3 * (size_t)L * L);
    for (int c = 0; c < 3; c++) {
        const float *src = img + (size_t)(C == 1 ? 0 : c) * g->h * g->w;
        float *dst = sq + (size_t)c * L * L;
        for (int y = 0; y < g->h; y++)
            memcpy(dst + (size_t)(y + g->pad_t) * L + g->pad_l, src + (size_t)y * g->w, sizeof(float) * g->w);
    }
    double ratio = (double)L / S;
    for (int c = 0; c < 3; c++) {
        const float *s = sq + (size_t)c * L * L;
        float *o = out + (size_t)c * S * S;
        for (int y = 0; y < S; y++) {
            int y0, y1;
            double fy;
            if (L == S) { y0 = y1 = y; fy = 0; } else tap(y, ratio, L, &y0, &y1, &fy);
            for (int x = 0; x < S; x++) {
                int x0, x1;
                double fx;
                if (L == S) { x0 = x1 = x; fx = 0; } else tap(x, ratio, L, &x0, &x1, &fx);
                double tl = s[(size_t)y0 * L + x0], tr = s[(size_t)y0 * L + x1];
                double bl = s[(size_t)y1 * L + x0], br = s[(size_t)y1 * L + x1];
                double top = tl + (tr - tl) * fx, bot = bl + (br - bl) * fx;
                float v = (float)(top + (bot - top) * fy);
                o[(size_t)y * S + x] = (v - we_fa_mean[c]) / 255.0f;
            }
        }
    }
}

void we_fa_prep_backward(float *dimg, float *sq, const float *dout, int C, const we_fa_geom *g)
{
    int L = g->L, S = g->size;
    memset(sq, 0, sizeof(float) * 3 * (size_t)L * L);
    double ratio = (double)L / S;
    for (int c = 0; c < 3; c++) {
        float *s = sq + (size_t)c * L * L;
        const float *d = dout + (size_t)c * S * S;
        for (int y = 0; y < S; y++) {
            int y0, y1;
            double fy;
            if (L == S) { y0 = y1 = y; fy = 0; } else tap(y, ratio, L, &y0, &y1, &fy);
            for (int x = 0; x < S; x++) {
                int x0, x1;
                double fx;
                if (L == S) { x0 = x1 = x; fx = 0; } else tap(x, ratio, L, &x0, &x1, &fx);
                double gv = d[(size_t)y * S + x] / 255.0;
                s[(size_t)y0 * L + x0] += (float)(gv * (1 - fy) * (1 - fx));
                s[(size_t)y0 * L + x1] += (float)(gv * (1 - fy) * fx);
                s[(size_t)y1 * L + x0] += (float)(gv * fy * (1 - fx));
                s[(size_t)y1 * L + x1] += (float)(gv * fy * fx);
            }
        }
    }
    memset(dimg, 0, sizeof(float) * (size_t)C * g->h * g->w);
    for (int c = 0; c < 3; c++) {
        float *dst = dimg + (size_t)(C == 1 ? 0 : c) * g->h * g->w;
        const float *s = sq + (size_t)c * L * L;
        for (int y = 0; y < g->h; y++)
            for (int x = 0; x < g->w; x++) dst[(size_t)y * g->w + x] += s[(size_t)(y + g->pad_t) * L + x + g->pad_l];
    }
}

we_status we_fa_image_to_pixels(const we_tensor *img, we_tensor *out)
{
    if (img->rank != 3 || (img->shape[0] != 1 && img->shape[0] != 3))
        return we_err_set(WE_EDATA, "image must be C x H x W with C = 1 or 3 (rank %d, C = %lld)", img->rank,
                          img->rank ? (long long)img->shape[0] : 0LL);
    if (img->dtype != WE_U8 && img->dtype != WE_F32)
        return we_err_set(WE_EDATA, "image dtype %s: want u8 or f32", we_dtype_name(img->dtype));
    if (img->shape[1] > 8192 || img->shape[2] > 8192)
        return we_err_set(WE_ELIMIT, "image %lld x %lld is larger than 8192 x 8192", (long long)img->shape[1],
                          (long long)img->shape[2]);
    we_status st = we_tensor_alloc3(out, WE_F32, img->shape[0], img->shape[1], img->shape[2]);
    if (st) return st;
    size_t n = we_tensor_count(img);
    float *o = out->data;
    if (img->dtype == WE_U8) {
        const uint8_t *u = img->data;
        for (size_t i = 0; i < n; i++) o[i] = u[i];
    } else {
        const float *f = img->data;
        for (size_t i = 0; i < n; i++) {
            float v = f[i];
            if (!(v == v)) { we_tensor_free(out); return we_err_set(WE_EDATA, "image has a NaN at element %zu", i); }
            o[i] = we_pixel_from_unit(v);
        }
    }
    return WE_OK;
}
