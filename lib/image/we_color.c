/* we_color.c - BT.601 full-range RGB <-> YCbCr on [-1, 1] floats. */
#include "we_color.h"

#define KR WE_COLOR_KR
#define KG WE_COLOR_KG
#define KB WE_COLOR_KB

void we_color_luma_planes(float *out, const float *rgb, size_t P)
{
    const float *r = rgb, *g = rgb + P, *b = rgb + 2 * P;
    for (size_t i = 0; i < P; i++) out[i] = we_color_luma_f(r[i], g[i], b[i]);
}

void we_color_rgb_to_ycbcr(float *out, const float *in, size_t P)
{
    for (size_t i = 0; i < P; i++) {
        double r = in[i], g = in[P + i], b = in[2 * P + i];
        double y = we_color_luma_d(r, g, b);
        out[i] = (float)y;
        out[P + i] = (float)((b - y) / (2.0 * (1.0 - KB)));
        out[2 * P + i] = (float)((r - y) / (2.0 * (1.0 - KR)));
    }
}

void we_color_ycbcr_to_rgb(float *out, const float *in, size_t P)
{
    for (size_t i = 0; i < P; i++) {
        double y = in[i], cb = in[P + i], cr = in[2 * P + i];
        double r = y + 2.0 * (1.0 - KR) * cr;
        double b = y + 2.0 * (1.0 - KB) * cb;
        double g = (y - KR * r - KB * b) / KG;
        out[i] = (float)r;
        out[P + i] = (float)g;
        out[2 * P + i] = (float)b;
    }
}

we_status we_color_convert_groups(we_tensor *t, int to_ycbcr)
{
    if (t->dtype != WE_F32)
        return we_err_set(WE_EDATA, "colour conversion needs f32 data, not %s", we_dtype_name(t->dtype));
    if (t->rank < 1 || t->shape[0] % 3)
        return we_err_set(WE_EDATA, "colour conversion needs 3*G channels, got %lld",
                          (long long)(t->rank ? t->shape[0] : 0));
    size_t P = we_tensor_count(t) / (size_t)t->shape[0];
    float *d = t->data;
    for (int64_t g = 0; g < t->shape[0] / 3; g++) {
        float *blk = d + (size_t)g * 3 * P;
        if (to_ycbcr) we_color_rgb_to_ycbcr(blk, blk, P);
        else we_color_ycbcr_to_rgb(blk, blk, P);
    }
    return WE_OK;
}
