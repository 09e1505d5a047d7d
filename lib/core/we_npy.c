/* we_npy.c - .npy parse and encode. The header is a Python dict literal;
 * we parse just the three keys numpy writes and reject anything else. */
#include "we_npy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n')) p++;
    return p;
}

/* Parse a quoted string 'xxx' at p; store up to cap-1 chars. */
static const char *parse_str(const char *p, const char *end, char *dst, size_t cap)
{
    if (p >= end || (*p != '\'' && *p != '"')) return NULL;
    char q = *p++;
    size_t n = 0;
    while (p < end && *p != q) {
        if (n + 1 >= cap) return NULL;
        dst[n++] = *p++;
    }
    if (p >= end) return NULL;
    dst[n] = 0;
    return p + 1;
}

static we_status parse_header(const char *h, size_t hl, char *descr, int *fortran, int *rank, int64_t *shape)
{
    const char *p = h, *end = h + hl;
    int have_d = 0, have_f = 0, have_s = 0;
    p = skip_ws(p, end);
    if (p >= end || *p++ != '{') return we_err_set(WE_EDATA, "npy header is not a dict");
    for (;;) {
        p = skip_ws(p, end);
        if (p < end && *p == '}') break;
        char key[32];
        p = parse_str(p, end, key, sizeof key);
        if (!p) return we_err_set(WE_EDATA, "npy header: bad key");
        p = skip_ws(p, end);
        if (p >= end || *p++ != ':') return we_err_set(WE_EDATA, "npy header: missing ':'");
        p = skip_ws(p, end);
        if (strcmp(key, "descr") == 0) {
            p = parse_str(p, end, descr, 16);
            if (!p) return we_err_set(WE_EDATA, "npy header: bad descr (structured dtypes are not supported)");
            have_d = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (end - p >= 4 && memcmp(p, "True", 4) == 0) { *fortran = 1; p += 4; }
            else if (end - p >= 5 && memcmp(p, "False", 5) == 0) { *fortran = 0; p += 5; }
            else return we_err_set(WE_EDATA, "npy header: bad fortran_order");
            have_f = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (p >= end || *p++ != '(') return we_err_set(WE_EDATA, "npy header: bad shape");
            int n = 0;
            for (;;) {
                p = skip_ws(p, end);
                if (p < end && *p == ')') { p++; break; }
                if (p >= end || *p < '0' || *p > '9') return we_err_set(WE_EDATA, "npy header: bad shape");
                uint64_t v = 0;
                while (p < end && *p >= '0' && *p <= '9') {
                    v = v * 10 + (uint64_t)(*p++ - '0');
                    if (v > (1ull << 62)) return we_err_set(WE_ELIMIT, "npy header: dimension too large");
                }
                if (n >= WE_MAX_RANK) return we_err_set(WE_EDATA, "npy: rank above %d", WE_MAX_RANK);
                shape[n++] = (int64_t)v;
                p = skip_ws(p, end);
                if (p < end && *p == ',') p++;
            }
            *rank = n;
            have_s = 1;
        } else {
            return we_err_set(WE_EDATA, "npy header: unknown key '%s'", key);
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') p++;
    }
    if (!have_d || !have_f || !have_s) return we_err_set(WE_EDATA, "npy header lacks descr, fortran_order or shape");
    return WE_OK;
}

/* Source element types we can read. */
typedef enum { SRC_U8, SRC_U16, SRC_I32, SRC_F16, SRC_F32, SRC_F64, SRC_I64, SRC_I16, SRC_I8 } src_type;

static int descr_type(const char *d, src_type *st, we_dtype *dt, size_t *esize)
{
    static const struct { const char *d; src_type s; we_dtype t; size_t n; } tab[] = {
        {"|u1", SRC_U8, WE_U8, 1},  {"<u2", SRC_U16, WE_U16, 2}, {"<i4", SRC_I32, WE_I32, 4},
        {"<f2", SRC_F16, WE_F16, 2}, {"<f4", SRC_F32, WE_F32, 4}, {"<f8", SRC_F64, WE_F32, 8},
        {"<i8", SRC_I64, WE_I32, 8}, {"<i2", SRC_I16, WE_I32, 2}, {"|i1", SRC_I8, WE_I32, 1},
        {"|b1", SRC_U8, WE_U8, 1},
    };
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (strcmp(d, tab[i].d) == 0) {
            *st = tab[i].s;
            *dt = tab[i].t;
            *esize = tab[i].n;
            return 1;
        }
    return 0;
}

we_status we_npy_parse(const uint8_t *buf, size_t n, uint64_t max_bytes, we_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (n < 10 || memcmp(buf, "\x93NUMPY", 6) != 0) return we_err_set(WE_EDATA, "not a .npy file (bad magic)");
    int major = buf[6];
    size_t hl, off;
    if (major == 1) {
        hl = (size_t)buf[8] | (size_t)buf[9] << 8;
        off = 10;
    } else if (major == 2 || major == 3) {
        if (n < 12) return we_err_set(WE_ETRUNC, "truncated .npy header");
        hl = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        off = 12;
    } else {
        return we_err_set(WE_EUNSUPP, ".npy format version %d is not supported", major);
    }
    if (hl > n - off) return we_err_set(WE_ETRUNC, "truncated .npy header");
    char descr[16] = "";
    int fortran = 0, rank = 0;
    int64_t shape[WE_MAX_RANK];
    we_status s = parse_header((const char *)buf + off, hl, descr, &fortran, &rank, shape);
    if (s) return s;
    src_type st;
    we_dtype dt;
    size_t es;
    if (!descr_type(descr, &st, &dt, &es))
        return we_err_set(WE_EUNSUPP, "npy dtype '%s' is not supported (want u1, u2, i4, f2, f4; f8/i8 are converted)", descr);
    if (fortran) return we_err_set(WE_EUNSUPP, "Fortran-order .npy is not supported (save with np.ascontiguousarray)");
    if (rank == 0) { rank = 1; shape[0] = 1; }
    for (int i = 0; i < rank; i++)
        if (shape[i] == 0) return we_err_set(WE_EDATA, "npy array has a zero dimension (empty arrays are not tensors here)");
    uint64_t src_bytes, dst_bytes;
    /* Source size with the source element size, checked for overflow. */
    int64_t shape_src[WE_MAX_RANK];
    memcpy(shape_src, shape, sizeof(int64_t) * (size_t)rank);
    s = we_shape_bytes(WE_U8, rank, shape_src, UINT64_MAX / 8, &src_bytes);
    if (s) return s;
    src_bytes *= es;
    s = we_shape_bytes(dt, rank, shape, max_bytes, &dst_bytes);
    if (s) return s;
    size_t data = off + hl;
    if (src_bytes > n - data) return we_err_set(WE_ETRUNC, "truncated .npy data: %zu of %llu bytes", n - data, (unsigned long long)src_bytes);
    s = we_tensor_alloc(out, dt, rank, shape);
    if (s) return s;
    const uint8_t *p = buf + data;
    size_t cnt = we_tensor_count(out);
    if (st == SRC_F64) {
        float *o = out->data;
        for (size_t i = 0; i < cnt; i++) {
            double d;
            memcpy(&d, p + 8 * i, 8);
            if (isfinite(d) && !isfinite((float)d)) { /* 1e300 would become inf silently */
                we_tensor_free(out);
                return we_err_set(WE_EDATA, "npy f8 value %g at element %zu does not fit f32", d, i);
            }
            o[i] = (float)d;
        }
    } else if (st == SRC_I64 || st == SRC_I16 || st == SRC_I8) {
        int32_t *o = out->data;
        for (size_t i = 0; i < cnt; i++) {
            int64_t v;
            if (st == SRC_I64) memcpy(&v, p + 8 * i, 8);
            else if (st == SRC_I16) { int16_t w; memcpy(&w, p + 2 * i, 2); v = w; }
            else v = (int8_t)p[i];
            if (v < INT32_MIN || v > INT32_MAX) {
                we_tensor_free(out);
                return we_err_set(WE_EDATA, "npy int64 value %lld does not fit i32", (long long)v);
            }
            o[i] = (int32_t)v;
        }
    } else {
        memcpy(out->data, p, (size_t)src_bytes);
    }
    return WE_OK;
}

we_status we_npy_encode(const we_tensor *t, uint8_t **buf, size_t *n)
{
    static const char *descr[] = {"|u1", "<u2", "<i4", "<f2", "<f4"};
    if ((unsigned)t->dtype >= WE_DTYPE_COUNT) return we_err_set(WE_EINTERNAL, "bad dtype");
    char h[512];
    int hl = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr[t->dtype]);
    for (int i = 0; i < t->rank; i++) hl += snprintf(h + hl, sizeof h - (size_t)hl, "%lld,%s", (long long)t->shape[i], i + 1 < t->rank ? " " : "");
    hl += snprintf(h + hl, sizeof h - (size_t)hl, "), }");
    /* Pad with spaces so data starts at a multiple of 64, newline last. */
    size_t total = 10 + (size_t)hl + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hlen = (size_t)hl + pad + 1;
    size_t bytes = we_tensor_nbytes(t);
    uint8_t *b = malloc(10 + hlen + bytes);
    if (!b) return we_err_set(WE_ENOMEM, "out of memory");
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (uint8_t)(hlen & 0xff);
    b[9] = (uint8_t)(hlen >> 8);
    memcpy(b + 10, h, (size_t)hl);
    memset(b + 10 + hl, ' ', pad);
    b[10 + hlen - 1] = '\n';
    memcpy(b + 10 + hlen, t->data, bytes);
    *buf = b;
    *n = 10 + hlen + bytes;
    return WE_OK;
}
