/* we_layout_image.c - the `image` frame: u8 or f32 C x H x W. */
#include "we_layout_image.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static we_status check_pixels(const we_tensor *t)
{
    if (t->rank != 3) return we_err_set(WE_EDATA, "image must be C x H x W, got rank %d", t->rank);
    if (t->dtype != WE_U8 && t->dtype != WE_F32)
        return we_err_set(WE_EDATA, "image dtype %s not supported (u8 or f32)", we_dtype_name(t->dtype));
    if (t->shape[0] > INT32_MAX || t->shape[1] > INT32_MAX || t->shape[2] > INT32_MAX)
        return we_err_set(WE_EDATA, "image %lld x %lld x %lld is too large", (long long)t->shape[0],
                          (long long)t->shape[1], (long long)t->shape[2]);
    return WE_OK;
}

we_status we_layout_image_read(const we_frame *fr, we_image_layout *L)
{
    we_status s = check_pixels(&fr->t);
    if (s) return s;
    if (fr->t.dtype == WE_F32) { /* [-1, 1] by contract; far outside, the pixel maths overflows */
        const float *p = fr->t.data;
        size_t n = we_tensor_count(&fr->t);
        for (size_t i = 0; i < n; i++)
            if (!(fabsf(p[i]) <= WE_IMAGE_F32_MAX_ABS))
                return we_err_set(WE_EDATA, "image value %g at element %zu is far outside [-1, 1] (limit %g)", p[i], i,
                                  WE_IMAGE_F32_MAX_ABS);
    }
    L->dtype = fr->t.dtype;
    L->C = (int)fr->t.shape[0];
    L->H = (int)fr->t.shape[1];
    L->W = (int)fr->t.shape[2];
    return WE_OK;
}

we_status we_layout_image_read_face(const we_frame *fr, we_image_layout *L)
{
    const we_tensor *t = &fr->t;
    if (t->rank != 3 || (t->shape[0] != 1 && t->shape[0] != 3) || t->shape[1] != t->shape[2])
        return we_err_set(WE_EDATA, "image must be C x S x S with C = 1 or 3");
    if (t->dtype != WE_F32 && t->dtype != WE_U8) return we_err_set(WE_EDATA, "image must be f32 or u8");
    return we_layout_image_read(fr, L);
}

we_status we_layout_image_new(we_frame *fr, we_tensor *pix)
{
    we_status s = check_pixels(pix);
    if (s) return s;
    if ((s = we_frame_set_name(fr, "image"))) return s;
    fr->t = *pix;
    memset(pix, 0, sizeof *pix);
    return WE_OK;
}
