/* we_layout_wavelet.c - the `wavelet` frame: f32 [N x] 4^J*C x H/2^J x
 * W/2^J, subband-major, and its keys wavelet, levels, mode, image.dtype,
 * image.height, image.width (see dwt(1), iwt(1)). */
#include "we_layout_wavelet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_dwt.h"

/* image.height/image.width: both or neither; integers in 1..H, 1..W. */
static we_status read_size(const we_frame *fr, we_wavelet_layout *L)
{
    const char *hs = we_frame_get(fr, "image.height"), *ws = we_frame_get(fr, "image.width");
    L->height = L->H;
    L->width = L->W;
    if (!hs && !ws) return WE_OK;
    double h, w;
    if (!hs || !ws || we_frame_get_double(fr, "image.height", &h) || we_frame_get_double(fr, "image.width", &w) ||
        h < 1 || w < 1 || h > L->H || w > L->W || h != (int)h || w != (int)w)
        return we_err_set(WE_EDATA, "bad image.height/image.width keys for a %dx%d image", L->H, L->W);
    L->height = (int)h;
    L->width = (int)w;
    return WE_OK;
}

we_status we_layout_wavelet_read(const we_frame *fr, int flags, we_wavelet_layout *L)
{
    const we_tensor *t = &fr->t;
    int batch = (flags & WE_LAYOUT_BATCH) && t->rank == 4;
    memset(L, 0, sizeof *L);
    L->image_dtype = -1;
    if ((t->rank != 3 && !batch) || t->dtype != WE_F32)
        return we_err_set(WE_EDATA, "wavelet frame must be f32 with 3 dims, got %s with %d", we_dtype_name(t->dtype),
                          t->rank);
    const int64_t *sh = t->shape + batch;
    L->N = batch ? (int)t->shape[0] : 1;
    L->name = we_frame_get(fr, "wavelet");
    if (!L->name && (flags & WE_LAYOUT_STRICT))
        return we_err_set(WE_EDATA, "wavelet frame has no 'wavelet' key (which wavelet?)");
    if (L->name && we_wavelet_parse(L->name, &L->wavelet)) {
        char d[256];
        snprintf(d, sizeof d, "%s", we_err_detail());
        return we_err_set(WE_EDATA, "%s", d);
    }
    const char *lv = we_frame_get(fr, "levels");
    if (!lv && (flags & WE_LAYOUT_STRICT)) return we_err_set(WE_EDATA, "wavelet frame has no 'levels' key");
    long l = 1;
    if (lv) {
        char *end;
        l = strtol(lv, &end, 10);
        if (*end || end == lv || l < 1 || l > WE_DWT_MAX_LEVELS)
            return we_err_set(WE_EDATA, "levels=%.20s is not an integer in 1..%d", lv, WE_DWT_MAX_LEVELS);
    }
    const char *mode = we_frame_get(fr, "mode");
    if (mode && strcmp(mode, "periodization") != 0)
        return we_err_set(WE_EDATA, "mode=%.30s not supported (only periodization)", mode);
    L->levels = (int)l;
    int64_t groups = (int64_t)1 << (2 * l);
    if (sh[0] % groups)
        return we_err_set(WE_EDATA, "%lld channels is not a multiple of 4^%ld", (long long)sh[0], l);
    int64_t c = sh[0] / groups, h = sh[1] << l, wd = sh[2] << l;
    if (sh[1] > (INT32_MAX >> l) || sh[2] > (INT32_MAX >> l) || we_dwt2_check(c, h, wd, (int)l)) {
        char d[256];
        snprintf(d, sizeof d, "%s", we_err_detail());
        return we_err_set(WE_EDATA, "bad wavelet frame size: %s", d);
    }
    L->C = (int)c;
    L->H = (int)h;
    L->W = (int)wd;
    const char *dt = we_frame_get(fr, "image.dtype");
    if (dt) L->image_dtype = !strcmp(dt, "u8") ? WE_U8 : WE_F32;
    return read_size(fr, L);
}

we_status we_layout_wavelet_check(const we_wavelet_layout *L, const we_wavelet_want *want)
{
    if (want->levels && L->levels != want->levels)
        return we_err_set(WE_EDATA, "wavelet frame has %d levels, want %d", L->levels, want->levels);
    if (want->wavelet && L->name && strcmp(L->name, want->wavelet))
        return we_err_set(WE_EDATA, "wavelet frame is %s, want %s", L->name, want->wavelet);
    if (want->C && L->C != want->C)
        return we_err_set(WE_EDATA, "wavelet frame has %d image channels, want %d", L->C, want->C);
    if ((want->H && L->H != want->H) || (want->W && L->W != want->W))
        return we_err_set(WE_EDATA, "wavelet frame is for a %dx%d image, want %dx%d", L->H, L->W,
                          want->H ? want->H : L->H, want->W ? want->W : L->W);
    if (want->square && L->H != L->W)
        return we_err_set(WE_EDATA, "wavelet frame is for a %dx%d image, want a square image", L->H, L->W);
    return WE_OK;
}

we_status we_layout_wavelet_make(we_wavelet_layout *L, const we_wavelet *w, const char *name, int J, int C,
                                 int height, int width, int image_dtype)
{
    memset(L, 0, sizeof *L);
    int64_t Hp = we_dwt2_padded_size(height, J), Wp = we_dwt2_padded_size(width, J);
    we_status s = we_dwt2_check(C, Hp, Wp, J);
    if (s) return s;
    L->wavelet = w;
    L->name = name ? name : w ? w->name : NULL;
    L->levels = J;
    L->N = 1;
    L->C = C;
    L->H = (int)Hp;
    L->W = (int)Wp;
    L->height = height;
    L->width = width;
    L->image_dtype = image_dtype;
    return WE_OK;
}

void we_layout_wavelet_shape(const we_wavelet_layout *L, int64_t shape[3])
{
    we_dwt2_coef_shape(L->C, L->H, L->W, L->levels, shape);
}

we_status we_layout_wavelet_new(we_frame *fr, const we_wavelet_layout *L)
{
    int64_t shape[3];
    we_layout_wavelet_shape(L, shape);
    we_status s = we_frame_set_name(fr, "wavelet");
    if (!s) s = we_tensor_alloc_uninit(&fr->t, WE_F32, 3, shape);
    return s;
}

we_status we_layout_wavelet_set_keys(we_frame *fr, const we_wavelet_layout *L)
{
    if (!L->name) return we_err_set(WE_EUSAGE, "wavelet layout without a wavelet name");
    we_status s = we_frame_set(fr, "wavelet", L->name);
    if (!s) s = we_frame_setf(fr, "levels", "%d", L->levels);
    if (!s) s = we_frame_set(fr, "mode", "periodization");
    if (!s && L->image_dtype >= 0) s = we_frame_set(fr, "image.dtype", we_dtype_name((we_dtype)L->image_dtype));
    if (!s && (L->height != L->H || L->width != L->W)) {
        s = we_frame_setf(fr, "image.height", "%d", L->height);
        if (!s) s = we_frame_setf(fr, "image.width", "%d", L->width);
    }
    return s;
}

void we_layout_wavelet_unset_keys(we_frame *fr)
{
    static const char *keys[] = {"wavelet", "levels", "mode", "image.dtype", "image.height", "image.width"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) we_frame_unset(fr, keys[i]);
}
