/* we_tensor.c - tensor allocation, dtype tables, f16 conversion. */
#include "we_tensor.h"
#include "we_names.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const dtype_names[] = {
#define WE_X_DT(e, s, n) s,
    WE_DTYPE_LIST(WE_X_DT)
#undef WE_X_DT
};
static const size_t dtype_sizes[] = {
#define WE_X_DT(e, s, n) n,
    WE_DTYPE_LIST(WE_X_DT)
#undef WE_X_DT
};

const char *we_dtype_name(we_dtype d)
{
    return (unsigned)d < WE_DTYPE_COUNT ? dtype_names[d] : "?";
}

size_t we_dtype_size(we_dtype d)
{
    return (unsigned)d < WE_DTYPE_COUNT ? dtype_sizes[d] : 0;
}

we_status we_dtype_parse(const char *s, we_dtype *out)
{
    int i = we_name_index(dtype_names, WE_DTYPE_COUNT, s);
    if (i >= 0) { *out = (we_dtype)i; return WE_OK; }
    return we_err_set(WE_EDATA, "unknown dtype '%.16s' (want u8, u16, i32, f16 or f32)", s);
}

size_t we_tensor_count(const we_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->rank; i++) n *= (size_t)t->shape[i];
    return n;
}

size_t we_tensor_nbytes(const we_tensor *t)
{
    return we_tensor_count(t) * we_dtype_size(t->dtype);
}

we_status we_shape_bytes(we_dtype d, int rank, const int64_t *shape,
                         uint64_t max_bytes, uint64_t *out_bytes)
{
    if ((unsigned)d >= WE_DTYPE_COUNT) return we_err_set(WE_EDATA, "bad dtype");
    if (rank < 1 || rank > WE_MAX_RANK)
        return we_err_set(WE_EDATA, "rank %d out of range 1..%d", rank, WE_MAX_RANK);
    /* Multiply with an overflow check at every step: a hostile header
     * like 65536^8 must be refused before any allocation. */
    uint64_t bytes = dtype_sizes[d];
    for (int i = 0; i < rank; i++) {
        if (shape[i] < 1) return we_err_set(WE_EDATA, "dim %d is %lld (must be >= 1)", i, (long long)shape[i]);
        uint64_t dim = (uint64_t)shape[i];
        if (bytes > UINT64_MAX / dim)
            return we_err_set(WE_ELIMIT, "payload size overflows 64 bits");
        bytes *= dim;
    }
    if (bytes > max_bytes)
        return we_err_set(WE_ELIMIT, "payload of %llu bytes exceeds the limit of %llu bytes",
                          (unsigned long long)bytes, (unsigned long long)max_bytes);
    if (bytes > SIZE_MAX) return we_err_set(WE_ELIMIT, "payload too large for this machine");
    *out_bytes = bytes;
    return WE_OK;
}

static we_status tensor_alloc(we_tensor *t, we_dtype d, int rank, const int64_t *shape, int zero)
{
    uint64_t bytes;
    we_status s = we_shape_bytes(d, rank, shape, UINT64_MAX, &bytes);
    memset(t, 0, sizeof *t);
    if (s) return s;
    t->dtype = d;
    t->rank = rank;
    memcpy(t->shape, shape, (size_t)rank * sizeof *shape);
    t->data = zero ? calloc(1, bytes ? (size_t)bytes : 1) : malloc(bytes ? (size_t)bytes : 1);
    if (!t->data) return we_err_set(WE_ENOMEM, "cannot allocate %llu bytes", (unsigned long long)bytes);
    return WE_OK;
}

we_status we_tensor_alloc(we_tensor *t, we_dtype d, int rank, const int64_t *shape)
{
    return tensor_alloc(t, d, rank, shape, 1);
}

we_status we_tensor_alloc_uninit(we_tensor *t, we_dtype d, int rank, const int64_t *shape)
{
    return tensor_alloc(t, d, rank, shape, 0);
}

we_status we_tensor_alloc3(we_tensor *t, we_dtype d, int64_t c, int64_t h, int64_t w)
{
    int64_t shape[3] = {c, h, w};
    return we_tensor_alloc(t, d, 3, shape);
}

void we_tensor_free(we_tensor *t)
{
    if (!t) return;
    free(t->data);
    memset(t, 0, sizeof *t);
}

we_status we_tensor_copy(we_tensor *dst, const we_tensor *src)
{
    we_status s = we_tensor_alloc(dst, src->dtype, src->rank, src->shape);
    if (s) return s;
    memcpy(dst->data, src->data, we_tensor_nbytes(src));
    return WE_OK;
}

we_status we_tensor_to_f32(const we_tensor *src, we_tensor *dst)
{
    we_status s = we_tensor_alloc(dst, WE_F32, src->rank, src->shape);
    if (s) return s;
    size_t n = we_tensor_count(src);
    float *o = dst->data;
    switch (src->dtype) {
    case WE_U8:  { const uint8_t *p = src->data;  for (size_t i = 0; i < n; i++) o[i] = p[i]; break; }
    case WE_U16: { const uint16_t *p = src->data; for (size_t i = 0; i < n; i++) o[i] = p[i]; break; }
    case WE_I32: { const int32_t *p = src->data;  for (size_t i = 0; i < n; i++) o[i] = (float)p[i]; break; }
    case WE_F16: { const uint16_t *p = src->data; for (size_t i = 0; i < n; i++) o[i] = we_f16_to_f32(p[i]); break; }
    case WE_F32: memcpy(o, src->data, n * 4); break;
    default: we_tensor_free(dst); return we_err_set(WE_EDATA, "bad dtype");
    }
    return WE_OK;
}

float we_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023, bits;
    if (exp == 0) {
        /* zero or subnormal: value = man * 2^-24 */
        float v = ldexpf((float)man, -24);
        return (h >> 15) ? -v : v;
    }
    if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

uint16_t we_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) /* inf or nan */
        return (uint16_t)(sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0));
    if (absx >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* overflow -> inf */
    if (absx < 0x38800000u) {
        /* subnormal half: round absx * 2^24 to nearest even integer */
        float a;
        memcpy(&a, &absx, 4);
        float m = a * 16777216.0f; /* exact: power-of-two scale */
        uint32_t r = (uint32_t)nearbyintf(m);
        return (uint16_t)(sign | r);
    }
    /* normal: rebias exponent, round mantissa 23->10 bits to nearest even */
    uint32_t h = ((absx >> 13) - (112u << 10));
    uint32_t rem = absx & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

/* Exponent bits all ones is Inf or NaN; the bit test (not isfinite) keeps
 * the loop branch-free so it vectorises: a frame costs a pass at memory
 * speed. */
int64_t we_nonfinite_f32(const float *p, size_t n)
{
    const size_t blk = 4096;
    for (size_t i0 = 0; i0 < n; i0 += blk) {
        size_t i1 = i0 + blk < n ? i0 + blk : n;
        uint32_t any = 0;
        for (size_t i = i0; i < i1; i++) {
            uint32_t x;
            memcpy(&x, p + i, 4);
            any |= (uint32_t)((x & 0x7f800000u) == 0x7f800000u);
        }
        if (any)
            for (size_t i = i0; i < i1; i++)
                if (!isfinite(p[i])) return (int64_t)i;
    }
    return -1;
}

int64_t we_tensor_nonfinite(const we_tensor *t)
{
    if (!t->data) return -1;
    size_t n = we_tensor_count(t);
    if (t->dtype == WE_F32) return we_nonfinite_f32(t->data, n);
    if (t->dtype == WE_F16) {
        const uint16_t *h = t->data;
        for (size_t i = 0; i < n; i++)
            if ((h[i] & 0x7c00u) == 0x7c00u) return (int64_t)i;
    }
    return -1;
}

we_status we_tensor_check_finite(const we_tensor *t, const char *what)
{
    int64_t i = we_tensor_nonfinite(t);
    if (i < 0) return WE_OK;
    float v = t->dtype == WE_F32 ? ((const float *)t->data)[i] : we_f16_to_f32(((const uint16_t *)t->data)[i]);
    return we_err_set(WE_EDATA, "%s: non-finite value (%s) at element %lld of %zu", what,
                      isnan(v) ? "nan" : v > 0 ? "inf" : "-inf", (long long)i, we_tensor_count(t));
}
