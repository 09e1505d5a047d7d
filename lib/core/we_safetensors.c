/* we_safetensors.c - safetensors reader/writer (see we_safetensors.h). */
#include "we_safetensors.h"

#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_file.h"
#include "we_json.h"

static const char *st_names[] = {
#define WE_X_STD(e, s, n) s,
    WE_ST_DTYPE_LIST(WE_X_STD)
#undef WE_X_STD
};
static const size_t st_sizes[] = {
#define WE_X_STD(e, s, n) n,
    WE_ST_DTYPE_LIST(WE_X_STD)
#undef WE_X_STD
};

const char *we_st_dtype_name(we_st_dtype d)
{
    return (unsigned)d < WE_ST_DTYPE_COUNT ? st_names[d] : "?";
}

size_t we_st_dtype_size(we_st_dtype d)
{
    return (unsigned)d < WE_ST_DTYPE_COUNT ? st_sizes[d] : 0;
}

/* ---------------------------------------------------------------- reader */

void we_st_free(we_st_file *f)
{
    if (!f) return;
    for (int i = 0; i < f->n; i++) free(f->e[i].name);
    for (int i = 0; i < f->nmeta; i++) { free(f->meta_key[i]); free(f->meta_val[i]); }
    free(f->e);
    free(f->meta_key);
    free(f->meta_val);
    free(f->buf);
    memset(f, 0, sizeof *f);
}

/* The header is a JSON object: "__metadata__" maps to a string->string
 * object, every other key is a tensor {dtype, shape, data_offsets}. */
static we_status hdr_err(const char *what, const char *name)
{
    return we_err_set(WE_EDATA, "safetensors header: %s%s%.80s%s", what, name ? " ('" : "", name ? name : "",
                      name ? "')" : "");
}

static we_status parse_meta(we_st_file *f, const we_json *m)
{
    if (f->meta_key) return hdr_err("two __metadata__ blocks", NULL);
    if (m->type != WE_JSON_OBJ) return hdr_err("__metadata__ is not an object", NULL);
    f->meta_key = calloc((size_t)m->n + 1, sizeof(char *));
    f->meta_val = calloc((size_t)m->n + 1, sizeof(char *));
    if (!f->meta_key || !f->meta_val) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
    for (int i = 0; i < m->n; i++) {
        if (m->kids[i].type != WE_JSON_STR) return hdr_err("__metadata__ value is not a string", m->keys[i]);
        f->meta_key[i] = strdup(m->keys[i]);
        f->meta_val[i] = strdup(m->kids[i].str);
        f->nmeta = i + 1;
        if (!f->meta_key[i] || !f->meta_val[i]) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
    }
    return WE_OK;
}

static we_status parse_entry(we_st_entry *e, const we_json *v, uint64_t dsize)
{
    if (v->type != WE_JSON_OBJ) return hdr_err("tensor entry is not an object", e->name);
    const we_json *dt = we_json_get(v, "dtype"), *sh = we_json_get(v, "shape"), *off = we_json_get(v, "data_offsets");
    if (!dt || !sh || !off) return hdr_err("tensor entry lacks dtype, shape or data_offsets", e->name);
    if (dt->type != WE_JSON_STR) return hdr_err("dtype is not a string", e->name);
    int found = -1;
    for (int d = 0; d < WE_ST_DTYPE_COUNT; d++)
        if (!strcmp(dt->str, st_names[d])) found = d;
    if (found < 0) return we_err_set(WE_EUNSUPP, "safetensors: unsupported dtype '%.20s'", dt->str);
    e->dtype = (we_st_dtype)found;
    if (sh->type != WE_JSON_ARR) return hdr_err("shape is not an array", e->name);
    if (sh->n > WE_MAX_RANK) return hdr_err("rank above 8", e->name);
    uint64_t cnt = 1;
    e->rank = sh->n;
    for (int d = 0; d < sh->n; d++) {
        uint64_t dim;
        if (!we_json_uint(&sh->kids[d], &dim)) return hdr_err("dimension is not a non-negative integer", e->name);
        e->shape[d] = (int64_t)dim;
        if (dim && cnt > UINT64_MAX / dim) return we_err_set(WE_ELIMIT, "safetensors: tensor '%.80s' size overflows", e->name);
        cnt *= dim;
    }
    if (off->type != WE_JSON_ARR || off->n != 2 || !we_json_uint(&off->kids[0], &e->begin) ||
        !we_json_uint(&off->kids[1], &e->end))
        return hdr_err("data_offsets is not [begin, end]", e->name);
    /* size checks: prod(shape) * dsize == end - begin, inside data */
    uint64_t es = st_sizes[e->dtype];
    if (cnt > UINT64_MAX / es) return we_err_set(WE_ELIMIT, "safetensors: tensor '%.80s' size overflows", e->name);
    if (e->end < e->begin || e->end > dsize)
        return we_err_set(WE_EDATA, "safetensors: tensor '%.80s' data_offsets [%llu, %llu] outside the %llu data bytes",
                          e->name, (unsigned long long)e->begin, (unsigned long long)e->end, (unsigned long long)dsize);
    if (e->end - e->begin != cnt * es)
        return we_err_set(WE_EDATA, "safetensors: tensor '%.80s' has %llu bytes, its shape needs %llu", e->name,
                          (unsigned long long)(e->end - e->begin), (unsigned long long)(cnt * es));
    return WE_OK;
}

static int cmp_begin(const void *a, const void *b)
{
    const we_st_entry *x = *(const we_st_entry *const *)a, *y = *(const we_st_entry *const *)b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

/* Two tensors must not share bytes: writing one in place (a trainer's
 * resume) would change the other, and a crafted file could alias a
 * model's weights. Empty tensors (begin == end) own no bytes. */
static we_status check_overlap(const we_st_file *f)
{
    if (f->n < 2) return WE_OK;
    const we_st_entry **v = malloc((size_t)f->n * sizeof *v);
    if (!v) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
    int m = 0;
    for (int i = 0; i < f->n; i++)
        if (f->e[i].end > f->e[i].begin) v[m++] = &f->e[i];
    qsort(v, (size_t)m, sizeof *v, cmp_begin);
    we_status s = WE_OK;
    for (int i = 1; i < m && !s; i++)
        if (v[i]->begin < v[i - 1]->end)
            s = we_err_set(WE_EDATA, "safetensors: tensors '%.80s' and '%.80s' overlap (data_offsets [%llu, %llu] and [%llu, %llu])",
                           v[i - 1]->name, v[i]->name, (unsigned long long)v[i - 1]->begin,
                           (unsigned long long)v[i - 1]->end, (unsigned long long)v[i]->begin,
                           (unsigned long long)v[i]->end);
    free(v);
    return s;
}

we_status we_st_parse(we_st_file *f, const uint8_t *buf, size_t n)
{
    memset(f, 0, sizeof *f);
    if (n < 8) return we_err_set(WE_EDATA, "safetensors: file of %zu bytes is too short", n);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | buf[i];
    if (hl > WE_ST_MAX_HEADER) return we_err_set(WE_ELIMIT, "safetensors: header of %llu bytes above the limit", (unsigned long long)hl);
    if (hl > n - 8) return we_err_set(WE_EDATA, "safetensors: header length %llu past the end of the file (%zu bytes)", (unsigned long long)hl, n);
    f->buf = malloc(n ? n : 1);
    if (!f->buf) return we_err_set(WE_ENOMEM, "safetensors: cannot allocate %zu bytes", n);
    memcpy(f->buf, buf, n);
    f->size = n;
    f->data_start = 8 + (size_t)hl;
    uint64_t dsize = n - f->data_start;
    we_json root;
    we_status s = we_json_parse((const char *)f->buf + 8, (size_t)hl, &root);
    if (s) {
        char d[256];
        snprintf(d, sizeof d, "%s", we_err_detail());
        we_st_free(f);
        return we_err_set(s, "safetensors header: %s", d);
    }
    if (root.type != WE_JSON_OBJ) s = hdr_err("not a JSON object", NULL);
    else if (root.n > WE_ST_MAX_TENSORS + 1) s = hdr_err("too many tensors", NULL);
    else if (!(f->e = calloc((size_t)root.n + 1, sizeof *f->e))) s = we_err_set(WE_ENOMEM, "safetensors: out of memory");
    for (int i = 0; !s && i < root.n; i++) {
        const char *k = root.keys[i];
        if (!strcmp(k, "__metadata__")) {
            s = parse_meta(f, &root.kids[i]);
            continue;
        }
        if (strlen(k) >= WE_ST_MAX_NAME || !k[0]) { s = hdr_err("tensor name empty or too long", NULL); break; }
        if (we_st_find(f, k)) { s = we_err_set(WE_EDATA, "safetensors: tensor '%.80s' appears twice", k); break; }
        we_st_entry *e = &f->e[f->n];
        if (!(e->name = strdup(k))) { s = we_err_set(WE_ENOMEM, "safetensors: out of memory"); break; }
        f->n++;
        s = parse_entry(e, &root.kids[i], dsize);
    }
    we_json_free(&root);
    if (!s) s = check_overlap(f);
    if (s) {
        we_st_free(f);
        return s;
    }
    return WE_OK;
}

we_status we_st_read(we_st_file *f, const char *path)
{
    uint8_t *buf;
    size_t n;
    memset(f, 0, sizeof *f);
    we_status s = we_file_read_all(path, UINT64_MAX >> 1, &buf, &n);
    if (s) return s;
    s = we_st_parse(f, buf, n);
    free(buf);
    if (s) {
        char d[512];
        snprintf(d, sizeof d, "%s", we_err_detail());
        we_err_set(s, "%s (%s)", d, path);
    }
    return s;
}

const we_st_entry *we_st_find(const we_st_file *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->e[i].name, name)) return &f->e[i];
    return NULL;
}

const void *we_st_data(const we_st_file *f, const we_st_entry *e)
{
    return f->buf + f->data_start + e->begin;
}

size_t we_st_count(const we_st_entry *e)
{
    size_t c = 1;
    for (int d = 0; d < e->rank; d++) c *= (size_t)e->shape[d];
    return c;
}

const char *we_st_meta(const we_st_file *f, const char *key)
{
    for (int i = 0; i < f->nmeta; i++)
        if (!strcmp(f->meta_key[i], key)) return f->meta_val[i];
    return NULL;
}

int we_st_meta_lists(const we_st_file *f, const char *key, const char *word)
{
    const char *v = we_st_meta(f, key);
    size_t n = strlen(word);
    while (v && *v) {
        while (*v == ',' || *v == ' ') v++;
        size_t k = strcspn(v, ", ");
        if (k == n && !strncmp(v, word, n)) return 1;
        v += k;
    }
    return 0;
}

static we_status get_check(const we_st_file *f, const char *name, size_t count, int rank,
                           const int64_t *shape, const we_st_entry **out)
{
    const we_st_entry *e = we_st_find(f, name);
    if (!e) return we_err_set(WE_EDATA, "tensor '%s' missing from the checkpoint", name);
    if (we_st_count(e) != count)
        return we_err_set(WE_EDATA, "tensor '%s' has %zu elements, want %zu", name, we_st_count(e), count);
    if (shape) {
        int ok = e->rank == rank;
        for (int d = 0; ok && d < rank; d++) ok = e->shape[d] == shape[d];
        if (!ok) return we_err_set(WE_EDATA, "tensor '%s' has the wrong shape", name);
    }
    *out = e;
    return WE_OK;
}

we_status we_st_get_f32(const we_st_file *f, const char *name, float *dst, size_t count,
                        int rank, const int64_t *shape)
{
    const we_st_entry *e;
    we_status s = get_check(f, name, count, rank, shape, &e);
    if (s) return s;
    const uint8_t *p = we_st_data(f, e);
    for (size_t i = 0; i < count; i++) {
        switch (e->dtype) {
        case WE_ST_F32: { float v; memcpy(&v, p + 4 * i, 4); dst[i] = v; break; }
        case WE_ST_F64: { double v; memcpy(&v, p + 8 * i, 8); dst[i] = (float)v; break; }
        case WE_ST_F16: { uint16_t v; memcpy(&v, p + 2 * i, 2); dst[i] = we_f16_to_f32(v); break; }
        case WE_ST_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); dst[i] = (float)v; break; }
        default: return we_err_set(WE_EDATA, "tensor '%s' has dtype %s, want a float", name, st_names[e->dtype]);
        }
    }
    /* Non-finite policy (we_tensor.h): a NaN/Inf weight (or an F64 beyond
     * f32) would turn every output NaN; refuse it at load. */
    int64_t bad = we_nonfinite_f32(dst, count);
    if (bad >= 0)
        return we_err_set(WE_EDATA, "tensor '%s': non-finite value (%s) at element %lld", name,
                          isnan(dst[bad]) ? "nan" : "inf", (long long)bad);
    return WE_OK;
}

we_status we_st_get_f64(const we_st_file *f, const char *name, double *dst, size_t count)
{
    const we_st_entry *e;
    we_status s = get_check(f, name, count, 0, NULL, &e);
    if (s) return s;
    const uint8_t *p = we_st_data(f, e);
    for (size_t i = 0; i < count; i++) {
        if (e->dtype == WE_ST_F64) memcpy(&dst[i], p + 8 * i, 8);
        else if (e->dtype == WE_ST_F32) { float v; memcpy(&v, p + 4 * i, 4); dst[i] = v; }
        else return we_err_set(WE_EDATA, "tensor '%s' has dtype %s, want F64", name, st_names[e->dtype]);
        if (!isfinite(dst[i]))
            return we_err_set(WE_EDATA, "tensor '%s': non-finite value (%s) at element %zu", name,
                              isnan(dst[i]) ? "nan" : "inf", i);
    }
    return WE_OK;
}

we_status we_st_get_i32(const we_st_file *f, const char *name, int32_t *dst, size_t count)
{
    const we_st_entry *e;
    we_status s = get_check(f, name, count, 0, NULL, &e);
    if (s) return s;
    const uint8_t *p = we_st_data(f, e);
    for (size_t i = 0; i < count; i++) {
        if (e->dtype == WE_ST_I32) memcpy(&dst[i], p + 4 * i, 4);
        else if (e->dtype == WE_ST_I64) {
            int64_t v;
            memcpy(&v, p + 8 * i, 8);
            if (v < INT32_MIN || v > INT32_MAX) return we_err_set(WE_EDATA, "tensor '%s': value out of int32 range", name);
            dst[i] = (int32_t)v;
        } else return we_err_set(WE_EDATA, "tensor '%s' has dtype %s, want I32", name, st_names[e->dtype]);
    }
    return WE_OK;
}

/* ---------------------------------------------------------------- writer */

void we_st_writer_init(we_st_writer *w)
{
    memset(w, 0, sizeof *w);
}

void we_st_writer_free(we_st_writer *w)
{
    for (int i = 0; i < w->n; i++) free(w->e[i].name);
    for (int i = 0; i < w->nmeta; i++) { free(w->meta_key[i]); free(w->meta_val[i]); }
    free(w->e);
    free(w->data);
    free(w->meta_key);
    free(w->meta_val);
    memset(w, 0, sizeof *w);
}

we_status we_st_writer_add(we_st_writer *w, const char *name, we_st_dtype dtype,
                           int rank, const int64_t *shape, const void *data)
{
    if (!name[0] || strlen(name) >= WE_ST_MAX_NAME || !strcmp(name, "__metadata__"))
        return we_err_set(WE_EUSAGE, "safetensors: bad tensor name '%.80s'", name);
    if (rank < 0 || rank > WE_MAX_RANK || (unsigned)dtype >= WE_ST_DTYPE_COUNT)
        return we_err_set(WE_EUSAGE, "safetensors: bad rank or dtype for '%.80s'", name);
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->e[i].name, name)) return we_err_set(WE_EUSAGE, "safetensors: tensor '%.80s' added twice", name);
    if (w->n == w->cap) {
        int nc = w->cap ? 2 * w->cap : 64;
        we_st_entry *ne = realloc(w->e, sizeof *ne * (size_t)nc);
        if (!ne) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
        w->e = ne;
        const void **nd = realloc(w->data, sizeof *nd * (size_t)nc);
        if (!nd) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
        w->data = nd;
        w->cap = nc;
    }
    we_st_entry *e = &w->e[w->n];
    memset(e, 0, sizeof *e);
    e->name = strdup(name);
    if (!e->name) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
    e->dtype = dtype;
    e->rank = rank;
    for (int d = 0; d < rank; d++) e->shape[d] = shape[d];
    w->data[w->n] = data;
    w->n++;
    return WE_OK;
}

we_status we_st_writer_meta(we_st_writer *w, const char *key, const char *val)
{
    for (int i = 0; i < w->nmeta; i++)
        if (!strcmp(w->meta_key[i], key)) {
            char *v = strdup(val);
            if (!v) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
            free(w->meta_val[i]);
            w->meta_val[i] = v;
            return WE_OK;
        }
    if (w->nmeta == w->metacap) {
        int nc = w->metacap ? 2 * w->metacap : 16;
        char **nk = realloc(w->meta_key, sizeof(char *) * (size_t)nc);
        if (!nk) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
        w->meta_key = nk;
        char **nv = realloc(w->meta_val, sizeof(char *) * (size_t)nc);
        if (!nv) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
        w->meta_val = nv;
        w->metacap = nc;
    }
    w->meta_key[w->nmeta] = strdup(key);
    w->meta_val[w->nmeta] = strdup(val);
    if (!w->meta_key[w->nmeta] || !w->meta_val[w->nmeta]) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
    w->nmeta++;
    return WE_OK;
}

we_status we_st_writer_metaf(we_st_writer *w, const char *key, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return we_st_writer_meta(w, key, buf);
}

/* Growable string for the JSON header. */
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 1024;
        while (nc < b->n + n + 1) nc *= 2;
        char *ns = realloc(b->s, nc);
        if (!ns) { b->oom = 1; return; }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') { esc[0] = '\\'; esc[1] = (char)*p; sb_put(b, esc, 2); }
        else if (*p < 0x20) { snprintf(esc, sizeof esc, "\\u%04x", *p); sb_put(b, esc, 6); }
        else sb_put(b, (const char *)p, 1);
    }
    sb_put(b, "\"", 1);
}

static void sb_fmt(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(sbuf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_put(b, tmp, (size_t)k);
}

we_status we_st_writer_serialize(const we_st_writer *w, uint8_t **out, size_t *outn)
{
    sbuf b = {0};
    uint64_t off = 0;
    size_t *sizes = calloc((size_t)w->n + 1, sizeof *sizes);
    if (!sizes) return we_err_set(WE_ENOMEM, "safetensors: out of memory");
    sb_put(&b, "{", 1);
    int first = 1;
    if (w->nmeta) {
        sb_put(&b, "\"__metadata__\":{", 16);
        for (int i = 0; i < w->nmeta; i++) {
            if (i) sb_put(&b, ",", 1);
            sb_str(&b, w->meta_key[i]);
            sb_put(&b, ":", 1);
            sb_str(&b, w->meta_val[i]);
        }
        sb_put(&b, "}", 1);
        first = 0;
    }
    for (int i = 0; i < w->n; i++) {
        const we_st_entry *e = &w->e[i];
        size_t cnt = 1;
        for (int d = 0; d < e->rank; d++) cnt *= (size_t)e->shape[d];
        sizes[i] = cnt * st_sizes[e->dtype];
        if (!first) sb_put(&b, ",", 1);
        first = 0;
        sb_str(&b, e->name);
        sb_fmt(&b, ":{\"dtype\":\"%s\",\"shape\":[", st_names[e->dtype]);
        for (int d = 0; d < e->rank; d++) sb_fmt(&b, d ? ",%lld" : "%lld", (long long)e->shape[d]);
        sb_fmt(&b, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off, (unsigned long long)(off + sizes[i]));
        off += sizes[i];
    }
    sb_put(&b, "}", 1);
    while (!b.oom && b.n % 8) sb_put(&b, " ", 1);
    if (b.oom) { free(b.s); free(sizes); return we_err_set(WE_ENOMEM, "safetensors: out of memory"); }
    size_t total = 8 + b.n + (size_t)off;
    uint8_t *buf = malloc(total);
    if (!buf) { free(b.s); free(sizes); return we_err_set(WE_ENOMEM, "safetensors: cannot allocate %zu bytes", total); }
    uint64_t hl = b.n;
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(hl >> (8 * i));
    memcpy(buf + 8, b.s, b.n);
    size_t p = 8 + b.n;
    for (int i = 0; i < w->n; i++) {
        memcpy(buf + p, w->data[i], sizes[i]); /* host is little-endian (x86-64, aarch64) */
        p += sizes[i];
    }
    free(b.s);
    free(sizes);
    *out = buf;
    *outn = total;
    return WE_OK;
}

we_status we_st_writer_save(const we_st_writer *w, const char *path)
{
    uint8_t *buf;
    size_t n;
    we_status s = we_st_writer_serialize(w, &buf, &n);
    if (s) return s;
    s = we_file_write_atomic(path, buf, n);
    free(buf);
    return s;
}
