/* we_image_convert.c - pixel conversions on C x H x W image tensors:
 * u8 <-> f32, resizing, channel count, orientation, square crop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_color.h"
#include "we_image_priv.h"
#include "we_limits.h"
#include "we_pixel.h"

static we_status check_image(const we_tensor *t, const char *what)
{
    if (!t || !t->data) return we_err_set(WE_EUSAGE, "%s: no image", what);
    if (t->rank != 3) return we_err_set(WE_EDATA, "%s: image must be C x H x W (rank 3), got rank %d", what, t->rank);
    if (t->shape[0] < 1 || t->shape[1] < 1 || t->shape[2] < 1)
        return we_err_set(WE_EDATA, "%s: empty image", what);
    return WE_OK;
}

we_status we_image_check_u8(const we_tensor *t)
{
    we_status s = check_image(t, "image");
    if (s) return s;
    if (t->dtype != WE_U8) return we_err_set(WE_EDATA, "image must be u8, got %s", we_dtype_name(t->dtype));
    if (t->shape[0] != 1 && t->shape[0] != 3)
        return we_err_set(WE_EDATA, "image must have 1 or 3 channels, got %lld", (long long)t->shape[0]);
    return WE_OK;
}

we_status we_image_u8_to_f32(const we_tensor *in, we_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!in || in->dtype != WE_U8) return we_err_set(WE_EDATA, "u8_to_f32: input must be u8");
    we_status s = we_tensor_alloc(out, WE_F32, in->rank, in->shape);
    if (s) return s;
    size_t n = we_tensor_count(in);
    const uint8_t *p = in->data;
    float *o = out->data;
    for (size_t i = 0; i < n; i++) o[i] = we_pixel_to_unit(p[i]);
    return WE_OK;
}

we_status we_image_f32_to_u8(const we_tensor *in, we_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!in || in->dtype != WE_F32) return we_err_set(WE_EDATA, "f32_to_u8: input must be f32");
    we_status s = we_tensor_alloc(out, WE_U8, in->rank, in->shape);
    if (s) return s;
    size_t n = we_tensor_count(in);
    const float *p = in->data;
    uint8_t *o = out->data;
    for (size_t i = 0; i < n; i++) o[i] = we_pixel_unit_to_u8(p[i]);
    return WE_OK;
}

we_status we_image_to_u8(const we_tensor *in, we_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!in || !in->data) return we_err_set(WE_EUSAGE, "to_u8: no image");
    switch (in->dtype) {
    case WE_U8: return we_tensor_copy(out, in);
    case WE_F32: return we_image_f32_to_u8(in, out);
    case WE_F16: {
        we_tensor f;
        we_status s = we_tensor_to_f32(in, &f);
        if (s) return s;
        s = we_image_f32_to_u8(&f, out);
        we_tensor_free(&f);
        return s;
    }
    case WE_U16: { /* 16-bit samples: round(v / 257), as for PNG */
        we_status s = we_tensor_alloc(out, WE_U8, in->rank, in->shape);
        if (s) return s;
        size_t n = we_tensor_count(in);
        const uint16_t *p = in->data;
        uint8_t *o = out->data;
        for (size_t i = 0; i < n; i++) o[i] = we_pixel_u16_to_u8(p[i]);
        return WE_OK;
    }
    default: return we_err_set(WE_EDATA, "cannot convert %s pixels to u8", we_dtype_name(in->dtype));
    }
}

/* ---- resize --------------------------------------------------------------- */

/* Per output index: a run of input indices [first, first+len) with weights. */
typedef struct {
    int64_t *first;
    int *len;
    float *w;     /* maxlen weights per output index */
    int maxlen;
} axis_weights;

static void axis_free(axis_weights *a)
{
    free(a->first);
    free(a->len);
    free(a->w);
    memset(a, 0, sizeof *a);
}

/* Area averaging for out < in, bilinear with half-pixel centres for out > in,
 * identity for out == in. */
static we_status axis_build(axis_weights *a, int64_t in, int64_t out)
{
    memset(a, 0, sizeof *a);
    double scale = (double)in / (double)out;
    a->maxlen = out < in ? (int)ceil(scale) + 2 : 2;
    a->first = malloc((size_t)out * sizeof *a->first);
    a->len = malloc((size_t)out * sizeof *a->len);
    a->w = calloc((size_t)out * (size_t)a->maxlen, sizeof *a->w);
    if (!a->first || !a->len || !a->w) {
        axis_free(a);
        we_err_set(WE_ENOMEM, "out of memory (resize)");
        return WE_ENOMEM;
    }
    for (int64_t o = 0; o < out; o++) {
        float *w = a->w + o * a->maxlen;
        if (out == in) {
            a->first[o] = o;
            a->len[o] = 1;
            w[0] = 1.0f;
        } else if (out < in) {
            double lo = (double)o * scale, hi = (double)(o + 1) * scale;
            int64_t i0 = (int64_t)floor(lo), i1 = (int64_t)ceil(hi);
            if (i1 > in) i1 = in;
            if (i0 >= i1) i0 = i1 - 1;
            int k = 0;
            double sum = 0;
            for (int64_t i = i0; i < i1 && k < a->maxlen; i++, k++) {
                double ov = fmin(hi, (double)(i + 1)) - fmax(lo, (double)i);
                w[k] = (float)(ov > 0 ? ov : 0);
                sum += w[k];
            }
            for (int j = 0; j < k; j++) w[j] = (float)(w[j] / sum);
            a->first[o] = i0;
            a->len[o] = k;
        } else {
            double src = ((double)o + 0.5) * scale - 0.5;
            if (src < 0) src = 0;
            if (src > (double)(in - 1)) src = (double)(in - 1);
            int64_t i0 = (int64_t)floor(src);
            double f = src - (double)i0;
            a->first[o] = i0;
            if (i0 + 1 < in && f > 0) {
                a->len[o] = 2;
                w[0] = (float)(1.0 - f);
                w[1] = (float)f;
            } else {
                a->len[o] = 1;
                w[0] = 1.0f;
            }
        }
    }
    return WE_OK;
}

we_status we_image_resize(const we_tensor *in, int64_t oh, int64_t ow, we_tensor *out)
{
    memset(out, 0, sizeof *out);
    we_status s = check_image(in, "resize");
    if (s) return s;
    if (in->dtype != WE_U8 && in->dtype != WE_F32)
        return we_err_set(WE_EDATA, "resize: pixels must be u8 or f32, got %s", we_dtype_name(in->dtype));
    if (oh < 1 || ow < 1 || oh > (1 << 20) || ow > (1 << 20))
        return we_err_set(WE_EUSAGE, "resize: bad output size %lldx%lld", (long long)ow, (long long)oh);
    int64_t c = in->shape[0], h = in->shape[1], w = in->shape[2];
    if ((s = we_limit_image((uint64_t)c, (uint64_t)oh, (uint64_t)ow, "resized image"))) return s;
    axis_weights ay, ax;
    s = axis_build(&ay, h, oh);
    if (s) return s;
    s = axis_build(&ax, w, ow);
    if (s) { axis_free(&ay); return s; }
    float *tmp = malloc((size_t)oh * (size_t)w * sizeof *tmp);
    float *row = malloc((size_t)w * sizeof *row);
    if (!tmp || !row) {
        we_err_set(WE_ENOMEM, "out of memory (resize)");
        s = WE_ENOMEM;
        goto done;
    }
    s = we_tensor_alloc3(out, in->dtype, c, oh, ow);
    if (s) goto done;
    for (int64_t ch = 0; ch < c; ch++) {
        /* vertical pass into tmp (oh x w) */
        for (int64_t y = 0; y < oh; y++) {
            const float *wy = ay.w + y * ay.maxlen;
            float *t = tmp + y * w;
            for (int64_t x = 0; x < w; x++) t[x] = 0;
            for (int k = 0; k < ay.len[y]; k++) {
                int64_t iy = ay.first[y] + k;
                size_t off = (size_t)(ch * h + iy) * (size_t)w;
                if (in->dtype == WE_U8) {
                    const uint8_t *p = (const uint8_t *)in->data + off;
                    for (int64_t x = 0; x < w; x++) row[x] = p[x];
                } else {
                    memcpy(row, (const float *)in->data + off, (size_t)w * sizeof *row);
                }
                for (int64_t x = 0; x < w; x++) t[x] += wy[k] * row[x];
            }
        }
        /* horizontal pass into out */
        for (int64_t y = 0; y < oh; y++) {
            const float *t = tmp + y * w;
            size_t ooff = (size_t)(ch * oh + y) * (size_t)ow;
            for (int64_t x = 0; x < ow; x++) {
                const float *wx = ax.w + x * ax.maxlen;
                float acc = 0;
                for (int k = 0; k < ax.len[x]; k++) acc += wx[k] * t[ax.first[x] + k];
                if (in->dtype == WE_U8) {
                    ((uint8_t *)out->data)[ooff + x] = we_pixel_round_u8(acc);
                } else {
                    ((float *)out->data)[ooff + x] = acc;
                }
            }
        }
    }
done:
    free(tmp);
    free(row);
    axis_free(&ay);
    axis_free(&ax);
    return s;
}

/* ---- channels ------------------------------------------------------------- */

we_status we_image_to_channels(const we_tensor *in, int c, we_tensor *out)
{
    memset(out, 0, sizeof *out);
    we_status s = check_image(in, "to_channels");
    if (s) return s;
    if (c != 1 && c != 3) return we_err_set(WE_EUSAGE, "channels must be 1 or 3, got %d", c);
    if (in->dtype != WE_U8 && in->dtype != WE_F32)
        return we_err_set(WE_EDATA, "to_channels: pixels must be u8 or f32, got %s", we_dtype_name(in->dtype));
    int64_t ic = in->shape[0], h = in->shape[1], w = in->shape[2];
    if (ic != 1 && ic != 3) return we_err_set(WE_EDATA, "image must have 1 or 3 channels, got %lld", (long long)ic);
    if (ic == c) return we_tensor_copy(out, in);
    s = we_tensor_alloc3(out, in->dtype, c, h, w);
    if (s) return s;
    size_t plane = (size_t)h * (size_t)w, es = we_dtype_size(in->dtype);
    if (ic == 1) {
        for (int k = 0; k < 3; k++) memcpy((uint8_t *)out->data + k * plane * es, in->data, plane * es);
        return WE_OK;
    }
    if (in->dtype == WE_U8) {
        const uint8_t *r = in->data, *g = r + plane, *b = g + plane;
        uint8_t *o = out->data;
        for (size_t i = 0; i < plane; i++) o[i] = we_color_luma_u8(r[i], g[i], b[i]);
    } else {
        we_color_luma_planes(out->data, in->data, plane);
    }
    return WE_OK;
}

/* ---- orientation and crop ---------------------------------------------------- */

we_status we_image_orient(we_tensor *img, int o)
{
    we_status s = we_image_check_u8(img);
    if (s) return s;
    if (o < 2 || o > 8) return WE_OK;
    int64_t c = img->shape[0], h = img->shape[1], w = img->shape[2];
    int swap = o >= 5;
    int64_t oh = swap ? w : h, ow = swap ? h : w;
    we_tensor t;
    s = we_tensor_alloc3(&t, WE_U8, c, oh, ow);
    if (s) return s;
    const uint8_t *src = img->data;
    uint8_t *dst = t.data;
    for (int64_t ch = 0; ch < c; ch++) {
        const uint8_t *sp = src + (size_t)(ch * h * w);
        uint8_t *dp = dst + (size_t)(ch * oh * ow);
        for (int64_t y = 0; y < oh; y++)
            for (int64_t x = 0; x < ow; x++) {
                int64_t r, q; /* source row, column */
                switch (o) {
                case 2: r = y; q = w - 1 - x; break;          /* mirror horizontal */
                case 3: r = h - 1 - y; q = w - 1 - x; break;  /* rotate 180 */
                case 4: r = h - 1 - y; q = x; break;          /* mirror vertical */
                case 5: r = x; q = y; break;                  /* transpose */
                case 6: r = h - 1 - x; q = y; break;          /* rotate 90 clockwise */
                case 7: r = h - 1 - x; q = w - 1 - y; break;  /* transverse */
                default: r = x; q = w - 1 - y; break;         /* 8: rotate 90 counter-clockwise */
                }
                dp[y * ow + x] = sp[r * w + q];
            }
    }
    we_tensor_free(img);
    *img = t;
    return WE_OK;
}

we_status we_image_crop_square(const we_tensor *in, we_tensor *out)
{
    memset(out, 0, sizeof *out);
    we_status s = check_image(in, "crop");
    if (s) return s;
    int64_t c = in->shape[0], h = in->shape[1], w = in->shape[2];
    int64_t side = h < w ? h : w, y0 = (h - side) / 2, x0 = (w - side) / 2;
    s = we_tensor_alloc3(out, in->dtype, c, side, side);
    if (s) return s;
    size_t es = we_dtype_size(in->dtype);
    for (int64_t ch = 0; ch < c; ch++)
        for (int64_t y = 0; y < side; y++)
            memcpy((uint8_t *)out->data + (size_t)((ch * side + y) * side) * es,
                   (const uint8_t *)in->data + (size_t)((ch * h + y0 + y) * w + x0) * es, (size_t)side * es);
    return WE_OK;
}
