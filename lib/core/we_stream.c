/* we_stream.c - read and write WES1 frames, group frames into items. */
#include "we_stream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- validation ---------------------------------------------------- */

int we_valid_name(const char *s)
{
    if (!s || !(*s >= 'a' && *s <= 'z')) return 0;
    size_t n = 0;
    for (; *s; s++, n++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return n < WE_NAME_MAX;
}

int we_valid_key(const char *s)
{
    if (!s || !(*s >= 'a' && *s <= 'z')) return 0;
    size_t n = 0;
    for (; *s; s++, n++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '.')) return 0;
    return n < 256;
}

/* UTF-8 without newline/NUL; overlong forms and surrogates refused. */
int we_valid_value(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        unsigned c = *p;
        int len;
        unsigned min;
        if (c == '\n' || c == '\r') return 0;
        if (c < 0x80) { p++; n++; continue; }
        else if ((c & 0xe0) == 0xc0) { len = 2; min = 0x80; c &= 0x1f; }
        else if ((c & 0xf0) == 0xe0) { len = 3; min = 0x800; c &= 0x0f; }
        else if ((c & 0xf8) == 0xf0) { len = 4; min = 0x10000; c &= 0x07; }
        else return 0;
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80) return 0;
            c = (c << 6) | (p[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
        p += len;
        n += (size_t)len;
    }
    return n + 1 < WE_HEADER_LINE_MAX - 256;
}

/* ---- frames -------------------------------------------------------- */

void we_frame_init(we_frame *fr) { memset(fr, 0, sizeof *fr); }

void we_frame_free(we_frame *fr)
{
    for (int i = 0; i < fr->nkv; i++) {
        free(fr->kv[i].key);
        free(fr->kv[i].val);
    }
    free(fr->kv);
    we_tensor_free(&fr->t);
    we_frame_init(fr);
}

void we_frame_move(we_frame *dst, we_frame *src)
{
    *dst = *src;
    we_frame_init(src);
}

we_status we_frame_copy(we_frame *dst, const we_frame *src)
{
    we_frame_init(dst);
    memcpy(dst->name, src->name, sizeof dst->name);
    we_status s = we_tensor_copy(&dst->t, &src->t);
    if (!s) s = we_frame_copy_keys(dst, src);
    if (s) we_frame_free(dst);
    return s;
}

we_status we_frame_set_name(we_frame *fr, const char *name)
{
    if (!we_valid_name(name))
        return we_err_set(WE_EUSAGE, "bad frame name '%.64s' (want [a-z][a-z0-9_]*)", name ? name : "");
    strcpy(fr->name, name);
    return WE_OK;
}

const char *we_frame_get(const we_frame *fr, const char *key)
{
    for (int i = 0; i < fr->nkv; i++)
        if (strcmp(fr->kv[i].key, key) == 0) return fr->kv[i].val;
    return NULL;
}

we_status we_frame_set(we_frame *fr, const char *key, const char *val)
{
    if (!we_valid_key(key)) return we_err_set(WE_EUSAGE, "bad key '%.64s' (want [a-z][a-z0-9_.]*)", key);
    if (!we_valid_value(val)) return we_err_set(WE_EUSAGE, "bad value for key '%s' (UTF-8 without newline)", key);
    char *v = strdup(val);
    if (!v) return we_err_set(WE_ENOMEM, "out of memory");
    for (int i = 0; i < fr->nkv; i++)
        if (strcmp(fr->kv[i].key, key) == 0) {
            free(fr->kv[i].val);
            fr->kv[i].val = v;
            return WE_OK;
        }
    if (fr->nkv >= WE_HEADER_KEYS_MAX) {
        free(v);
        return we_err_set(WE_ELIMIT, "more than %d keys in one frame", WE_HEADER_KEYS_MAX);
    }
    if (fr->nkv == fr->cap) {
        int cap = fr->cap ? fr->cap * 2 : 8;
        we_kv *kv = realloc(fr->kv, (size_t)cap * sizeof *kv);
        if (!kv) { free(v); return we_err_set(WE_ENOMEM, "out of memory"); }
        fr->kv = kv;
        fr->cap = cap;
    }
    char *k = strdup(key);
    if (!k) { free(v); return we_err_set(WE_ENOMEM, "out of memory"); }
    fr->kv[fr->nkv].key = k;
    fr->kv[fr->nkv].val = v;
    fr->nkv++;
    return WE_OK;
}

we_status we_frame_setf(we_frame *fr, const char *key, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return we_frame_set(fr, key, buf);
}

void we_frame_unset(we_frame *fr, const char *key)
{
    for (int i = 0; i < fr->nkv; i++)
        if (strcmp(fr->kv[i].key, key) == 0) {
            free(fr->kv[i].key);
            free(fr->kv[i].val);
            memmove(&fr->kv[i], &fr->kv[i + 1], (size_t)(fr->nkv - i - 1) * sizeof *fr->kv);
            fr->nkv--;
            return;
        }
}

we_status we_frame_copy_keys(we_frame *dst, const we_frame *src)
{
    for (int i = 0; i < src->nkv; i++) {
        we_status s = we_frame_set(dst, src->kv[i].key, src->kv[i].val);
        if (s) return s;
    }
    return WE_OK;
}

we_status we_frame_get_double(const we_frame *fr, const char *key, double *out)
{
    const char *v = we_frame_get(fr, key);
    if (!v) return we_err_set(WE_EDATA, "frame '%s' has no key '%s'", fr->name, key);
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno)
        return we_err_set(WE_EDATA, "key %s=%.32s is not a number", key, v);
    *out = d;
    return WE_OK;
}

/* ---- reading ------------------------------------------------------- */

void we_reader_init(we_reader *r, FILE *f, const char *label)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->label = label ? label : "stdin";
    r->max_bytes = we_limit_bytes(); /* WE_MAX_BYTES, validated by we_cli_init */
    we_frame_init(&r->ahead);
}

void we_reader_free(we_reader *r)
{
    we_frame_free(&r->ahead);
    r->have_ahead = 0;
}

/* Read one header line (without its '\n') into buf. Returns WE_OK, WE_EOF
 * if EOF came before any byte (only meaningful for the first line), or an
 * error. *got is set to the bytes consumed. */
static we_status read_line(we_reader *r, char *buf, size_t cap, size_t *len, int first)
{
    size_t n = 0;
    for (;;) {
        int c = getc_unlocked(r->f);
        if (c == EOF) {
            if (ferror(r->f)) return we_err_set(WE_EIO, "read error in %s at byte %llu: %s", r->label,
                                                (unsigned long long)r->offset, strerror(errno));
            if (first && n == 0) return WE_EOF;
            return we_err_set(WE_ETRUNC, "truncated frame %ld in %s (header ends at byte %llu)", r->frames + 1,
                              r->label, (unsigned long long)r->offset);
        }
        r->offset++;
        if (c == '\n') break;
        if (c == 0) return we_err_set(WE_EDATA, "NUL byte in header of frame %ld in %s (byte %llu)",
                                      r->frames + 1, r->label, (unsigned long long)r->offset - 1);
        if (n + 1 >= cap) return we_err_set(WE_ELIMIT, "header line longer than %zu bytes in frame %ld of %s",
                                            cap - 1, r->frames + 1, r->label);
        /* A stream must start with the magic: give up early on garbage
         * instead of reading up to 64 KiB of a binary file first. */
        if (first && n < 5 && c != "WES1 "[n])
            return we_err_set(WE_EDATA, "not a WES1 stream: bad magic in frame %ld of %s (byte %llu)",
                              r->frames + 1, r->label, (unsigned long long)r->offset - 1);
        buf[n++] = (char)c;
    }
    buf[n] = 0;
    *len = n;
    return WE_OK;
}

static we_status parse_first_line(we_reader *r, char *line, we_frame *fr, int *rank, int64_t *shape)
{
    long fno = r->frames + 1;
    if (strncmp(line, "WES1 ", 5) != 0)
        return we_err_set(WE_EDATA, "not a WES1 stream: bad magic in frame %ld of %s", fno, r->label);
    char *save = NULL;
    char *name = strtok_r(line + 5, " ", &save);
    char *dt = name ? strtok_r(NULL, " ", &save) : NULL;
    if (!name || !dt) return we_err_set(WE_EDATA, "frame %ld of %s: header needs name, dtype and shape", fno, r->label);
    if (!we_valid_name(name)) return we_err_set(WE_EDATA, "frame %ld of %s: bad name '%.64s'", fno, r->label, name);
    strcpy(fr->name, name);
    if (we_dtype_parse(dt, &fr->t.dtype)) return we_err_set(WE_EDATA, "frame %ld of %s: unknown dtype '%.16s'", fno, r->label, dt);
    int n = 0;
    for (char *tok; (tok = strtok_r(NULL, " ", &save));) {
        if (n >= WE_MAX_RANK) return we_err_set(WE_EDATA, "frame %ld of %s: rank above %d", fno, r->label, WE_MAX_RANK);
        if (!(*tok >= '0' && *tok <= '9')) return we_err_set(WE_EDATA, "frame %ld of %s: bad dim '%.32s'", fno, r->label, tok);
        char *end;
        errno = 0;
        unsigned long long v = strtoull(tok, &end, 10);
        if (*end || errno || v > (1ull << 62)) return we_err_set(WE_EDATA, "frame %ld of %s: bad dim '%.32s'", fno, r->label, tok);
        if (v == 0) return we_err_set(WE_EDATA, "frame %ld of %s: zero dim", fno, r->label);
        shape[n++] = (int64_t)v;
    }
    if (n == 0) return we_err_set(WE_EDATA, "frame %ld of %s: no shape", fno, r->label);
    *rank = n;
    return WE_OK;
}

/* The rest of an abort marker (its first line is read): its keys up to the
 * blank line, turned into the error every later read returns. */
static we_status read_abort(we_reader *r, char *line, size_t cap)
{
    char tool[64] = "a tool", code[16] = "?", msg[512] = "";
    size_t len;
    for (int nk = 0; nk < WE_HEADER_KEYS_MAX; nk++) {
        if (read_line(r, line, cap, &len, 0) || len == 0) break;
        char *eq = strchr(line, '=');
        if (!eq) break;
        *eq = 0;
        if (!strcmp(line, "tool")) snprintf(tool, sizeof tool, "%s", eq + 1);
        else if (!strcmp(line, "status")) snprintf(code, sizeof code, "%s", eq + 1);
        else if (!strcmp(line, "message")) snprintf(msg, sizeof msg, "%s", eq + 1);
    }
    r->aborted = 1;
    if (strstr(msg, " failed upstream after frame ")) /* passed on by a tool in between: the first cause */
        return we_err_set(WE_EDATA, "%s", msg);
    return we_err_set(WE_EDATA, "%s: %s failed upstream after frame %ld (exit %s)%s%s", r->label, tool, r->frames,
                      code, *msg ? ": " : "", msg);
}

we_status we_reader_frame(we_reader *r, we_frame *fr)
{
    we_frame_free(fr);
    if (r->aborted)
        return we_err_set(WE_EDATA, "%s: the stream was aborted upstream after frame %ld", r->label, r->frames);
    if (r->have_ahead) {
        we_frame_move(fr, &r->ahead);
        r->have_ahead = 0;
        return WE_OK;
    }
    static _Thread_local char line[WE_HEADER_LINE_MAX];
    size_t len;
    we_status s = read_line(r, line, sizeof line, &len, 1);
    if (s) return s;
    if (!strcmp(line, WE_ABORT_LINE)) return read_abort(r, line, sizeof line);
    int rank = 0;
    int64_t shape[WE_MAX_RANK];
    s = parse_first_line(r, line, fr, &rank, shape);
    if (s) goto fail;
    uint64_t bytes;
    s = we_shape_bytes(fr->t.dtype, rank, shape, r->max_bytes, &bytes);
    if (s) {
        char d[256];
        snprintf(d, sizeof d, "%s", we_err_detail());
        we_err_set(s, "frame %ld of %s: %s", r->frames + 1, r->label, d);
        goto fail;
    }
    for (int nk = 0;; nk++) {
        s = read_line(r, line, sizeof line, &len, 0);
        if (s) goto fail;
        if (len == 0) break;
        if (nk >= WE_HEADER_KEYS_MAX) {
            s = we_err_set(WE_ELIMIT, "frame %ld of %s: more than %d keys", r->frames + 1, r->label, WE_HEADER_KEYS_MAX);
            goto fail;
        }
        char *eq = strchr(line, '=');
        if (!eq) {
            s = we_err_set(WE_EDATA, "frame %ld of %s: header line without '=': '%.40s'", r->frames + 1, r->label, line);
            goto fail;
        }
        *eq = 0;
        if (!we_valid_key(line) || !we_valid_value(eq + 1)) {
            s = we_err_set(WE_EDATA, "frame %ld of %s: bad key or value '%.40s'", r->frames + 1, r->label, line);
            goto fail;
        }
        if (we_frame_get(fr, line)) {
            s = we_err_set(WE_EDATA, "frame %ld of %s: duplicate key '%.40s'", r->frames + 1, r->label, line);
            goto fail;
        }
        s = we_frame_set(fr, line, eq + 1);
        if (s) goto fail;
    }
    fr->t.rank = rank;
    memcpy(fr->t.shape, shape, sizeof(int64_t) * (size_t)rank);
    fr->t.data = malloc(bytes ? (size_t)bytes : 1);
    if (!fr->t.data) {
        s = we_err_set(WE_ENOMEM, "frame %ld of %s: cannot allocate %llu bytes", r->frames + 1, r->label,
                       (unsigned long long)bytes);
        goto fail;
    }
    size_t got = fread(fr->t.data, 1, (size_t)bytes, r->f);
    r->offset += got;
    if (got != bytes) {
        if (ferror(r->f)) s = we_err_set(WE_EIO, "read error in %s: %s", r->label, strerror(errno));
        else s = we_err_set(WE_ETRUNC, "truncated frame %ld (%s) in %s: payload has %zu of %llu bytes",
                            r->frames + 1, fr->name, r->label, got, (unsigned long long)bytes);
        goto fail;
    }
    if (!r->allow_nonfinite && we_tensor_nonfinite(&fr->t) >= 0) {
        char what[160];
        snprintf(what, sizeof what, "frame %ld (%s) of %s", r->frames + 1, fr->name, r->label);
        s = we_tensor_check_finite(&fr->t, what);
        goto fail;
    }
    r->frames++;
    return WE_OK;
fail:
    we_frame_free(fr);
    return s;
}

we_status we_frame_read_file(const char *path, we_frame *fr)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) return we_err_set(WE_ENOINPUT, "cannot open %s: %s", path, strerror(errno));
    we_reader r;
    we_reader_init(&r, f, is_stdin ? "stdin" : path);
    we_status s = we_reader_frame(&r, fr);
    if (s == WE_EOF) s = we_err_set(WE_EDATA, "%s holds no frame", path);
    we_reader_free(&r);
    if (!is_stdin) fclose(f);
    return s;
}

/* ---- items --------------------------------------------------------- */

void we_item_init(we_item *it) { memset(it, 0, sizeof *it); }

void we_item_free(we_item *it)
{
    for (int i = 0; i < it->n; i++) we_frame_free(&it->f[i]);
    free(it->f);
    we_item_init(it);
}

we_status we_item_push(we_item *it, we_frame *fr)
{
    if (it->n == it->cap) {
        int cap = it->cap ? it->cap * 2 : 4;
        we_frame *f = realloc(it->f, (size_t)cap * sizeof *f);
        if (!f) return we_err_set(WE_ENOMEM, "out of memory");
        it->f = f;
        it->cap = cap;
    }
    we_frame_move(&it->f[it->n++], fr);
    return WE_OK;
}

we_frame *we_item_find(we_item *it, const char *name)
{
    for (int i = 0; i < it->n; i++)
        if (strcmp(it->f[i].name, name) == 0) return &it->f[i];
    return NULL;
}

const char *we_item_id(const we_item *it)
{
    const char *id = it->n ? we_frame_get(&it->f[0], "id") : NULL;
    return id ? id : "";
}

we_status we_reader_item(we_reader *r, we_item *it)
{
    we_item_free(it);
    if (r->pending) {
        we_status e = r->pending;
        r->pending = WE_OK;
        return we_err_set(e, "%s", r->pending_msg);
    }
    we_frame fr;
    we_frame_init(&fr);
    we_status s = we_reader_frame(r, &fr);
    if (s) return s;
    const char *id0 = we_frame_get(&fr, "id");
    char *id = id0 ? strdup(id0) : NULL;
    if (id0 && !id) { we_frame_free(&fr); return we_err_set(WE_ENOMEM, "out of memory"); }
    s = we_item_push(it, &fr);
    /* Frames without an id are items of one frame. */
    while (!s && id) {
        s = we_reader_frame(r, &fr);
        if (s == WE_EOF) { s = WE_OK; break; }
        if (s) { /* the item so far is whole: the error waits for the next call */
            r->pending = s;
            snprintf(r->pending_msg, sizeof r->pending_msg, "%s", we_err_detail());
            s = WE_OK;
            break;
        }
        const char *idn = we_frame_get(&fr, "id");
        if (!idn || strcmp(idn, id) != 0) {
            we_frame_move(&r->ahead, &fr);
            r->have_ahead = 1;
            break;
        }
        s = we_item_push(it, &fr);
    }
    free(id);
    if (s) we_item_free(it);
    return s;
}

/* ---- writing ------------------------------------------------------- */

char *we_frame_header_string(const we_frame *fr)
{
    size_t cap = 128 + (size_t)fr->t.rank * 24;
    for (int i = 0; i < fr->nkv; i++) cap += strlen(fr->kv[i].key) + strlen(fr->kv[i].val) + 2;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t n = (size_t)snprintf(s, cap, "WES1 %s %s", fr->name, we_dtype_name(fr->t.dtype));
    for (int i = 0; i < fr->t.rank; i++) n += (size_t)snprintf(s + n, cap - n, " %lld", (long long)fr->t.shape[i]);
    n += (size_t)snprintf(s + n, cap - n, "\n");
    for (int i = 0; i < fr->nkv; i++)
        n += (size_t)snprintf(s + n, cap - n, "%s=%s\n", fr->kv[i].key, fr->kv[i].val);
    snprintf(s + n, cap - n, "\n");
    return s;
}

we_status we_frame_write(FILE *f, const we_frame *fr)
{
    if (!we_valid_name(fr->name)) return we_err_set(WE_EINTERNAL, "refusing to write frame with bad name '%s'", fr->name);
    uint64_t bytes;
    we_status s = we_shape_bytes(fr->t.dtype, fr->t.rank, fr->t.shape, UINT64_MAX, &bytes);
    if (s) return s;
    if (we_tensor_nonfinite(&fr->t) >= 0) {
        char what[96];
        snprintf(what, sizeof what, "refusing to write frame '%s'", fr->name);
        return we_tensor_check_finite(&fr->t, what);
    }
    char *h = we_frame_header_string(fr);
    if (!h) return we_err_set(WE_ENOMEM, "out of memory");
    size_t hl = strlen(h);
    int bad = fwrite(h, 1, hl, f) != hl;
    free(h);
    if (!bad && bytes) bad = fwrite(fr->t.data, 1, (size_t)bytes, f) != bytes;
    if (bad) return we_err_set(WE_EIO, "write error: %s", strerror(errno));
    return WE_OK;
}

we_status we_item_write(FILE *f, const we_item *it)
{
    for (int i = 0; i < it->n; i++) {
        we_status s = we_frame_write(f, &it->f[i]);
        if (s) return s;
    }
    return WE_OK;
}

/* Copy src into dst (n bytes) as a valid header value: up to the first
 * newline; if that is not valid UTF-8, its non-ASCII bytes become '?'. */
static void abort_value(char *dst, size_t n, const char *src)
{
    size_t o = 0;
    for (const char *p = src ? src : ""; *p && *p != '\n' && o + 1 < n; p++) dst[o++] = *p == '\r' ? ' ' : *p;
    dst[o] = 0;
    if (!we_valid_value(dst))
        for (char *p = dst; *p; p++)
            if ((unsigned char)*p >= 0x80) *p = '?';
}

we_status we_stream_abort_write(FILE *f, int code, const char *tool, const char *msg)
{
    char t[64], m[1024];
    abort_value(t, sizeof t, tool);
    abort_value(m, sizeof m, msg);
    if (fprintf(f, WE_ABORT_LINE "\nstatus=%d\ntool=%s\nmessage=%s\n\n", code, t, m) < 0 || fflush(f))
        return we_err_set(WE_EIO, "write error: %s", strerror(errno));
    return WE_OK;
}
