/* we_json.c - a small strict JSON parser (RFC 8259) for the TF.js weights
 * manifests and safetensors headers. Recursive descent with a depth limit;
 * every input either parses or fails with WE_EDATA naming the byte offset.
 * Fuzzed by tests/fuzz/fuzz_json.c and tests/fuzz/fuzz_safetensors.c. */
#include "we_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *s;
    size_t n, i;
} jp;

static we_status jerr(const jp *p, const char *why)
{
    return we_err_set(WE_EDATA, "JSON offset %zu: %s", p->i, why);
}

static void skip_ws(jp *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
                           p->s[p->i] == '\r'))
        p->i++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 63)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 63));
        o[2] = (char)(0x80 | (cp & 63)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 63));
    o[2] = (char)(0x80 | ((cp >> 6) & 63)); o[3] = (char)(0x80 | (cp & 63)); return 4;
}

static we_status read_hex4(jp *p, unsigned *cp)
{
    if (p->n - p->i < 4) return jerr(p, "short \\u escape");
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p->s[p->i + k]);
        if (h < 0) return jerr(p, "bad \\u escape");
        v = v * 16 + (unsigned)h;
    }
    p->i += 4;
    *cp = v;
    return WE_OK;
}

/* At the opening quote. Output is at most as long as the input span. */
static we_status parse_string(jp *p, char **out)
{
    p->i++;
    size_t start = p->i, end = start;
    while (end < p->n && p->s[end] != '"') {
        if (p->s[end] == '\\') end++;
        end++;
    }
    if (end >= p->n) return jerr(p, "unterminated string");
    char *o = malloc(end - start + 1);
    if (!o) return we_err_set(WE_ENOMEM, "JSON string of %zu bytes", end - start);
    size_t k = 0;
    we_status st = WE_OK;
    while (p->i < end) {
        unsigned char c = (unsigned char)p->s[p->i];
        if (c < 0x20) { st = jerr(p, "control character in string"); break; }
        if (c != '\\') { o[k++] = (char)c; p->i++; continue; }
        p->i++;
        char e = p->s[p->i++];
        switch (e) {
        case '"': o[k++] = '"'; break;
        case '\\': o[k++] = '\\'; break;
        case '/': o[k++] = '/'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if ((st = read_hex4(p, &cp))) break;
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (p->i + 6 > end || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u') {
                    st = jerr(p, "lone surrogate");
                    break;
                }
                p->i += 2;
                if ((st = read_hex4(p, &lo))) break;
                if (lo < 0xDC00 || lo > 0xDFFF) { st = jerr(p, "bad surrogate pair"); break; }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                st = jerr(p, "lone surrogate");
                break;
            }
            if (cp == 0) { st = jerr(p, "NUL in string"); break; }
            /* \uXXXX is 6 input bytes and <= 3 output bytes; a pair is 12 -> 4. */
            k += (size_t)put_utf8(o + k, cp);
            break;
        }
        default: st = jerr(p, "bad escape"); break;
        }
        if (st) break;
    }
    if (st) { free(o); return st; }
    o[k] = 0;
    p->i = end + 1;
    *out = o;
    return WE_OK;
}

static we_status parse_number(jp *p, double *out)
{
    size_t i = p->i;
    if (i < p->n && p->s[i] == '-') i++;
    if (i >= p->n) return jerr(p, "bad number");
    if (p->s[i] == '0') i++;
    else if (p->s[i] >= '1' && p->s[i] <= '9') while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
    else return jerr(p, "bad number");
    if (i < p->n && p->s[i] == '.') {
        i++;
        size_t d = i;
        while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
        if (i == d) return jerr(p, "bad fraction");
    }
    if (i < p->n && (p->s[i] == 'e' || p->s[i] == 'E')) {
        i++;
        if (i < p->n && (p->s[i] == '+' || p->s[i] == '-')) i++;
        size_t d = i;
        while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9') i++;
        if (i == d) return jerr(p, "bad exponent");
    }
    size_t len = i - p->i;
    char buf[128];
    if (len >= sizeof buf) return jerr(p, "number too long");
    memcpy(buf, p->s + p->i, len);
    buf[len] = 0;
    *out = strtod(buf, NULL);
    p->i = i;
    return WE_OK;
}

static we_status parse_value(jp *p, we_json *v, int depth);

static we_status push_kid(we_json *v, int *cap, char *key, we_json *kid)
{
    if (v->n == *cap) {
        int nc = *cap ? *cap * 2 : 4;
        we_json *nk = realloc(v->kids, (size_t)nc * sizeof *nk);
        if (!nk) return we_err_set(WE_ENOMEM, "JSON container");
        v->kids = nk;
        if (v->type == WE_JSON_OBJ) {
            char **kk = realloc(v->keys, (size_t)nc * sizeof *kk);
            if (!kk) return we_err_set(WE_ENOMEM, "JSON container");
            v->keys = kk;
        }
        *cap = nc;
    }
    v->kids[v->n] = *kid;
    if (v->type == WE_JSON_OBJ) v->keys[v->n] = key;
    v->n++;
    return WE_OK;
}

static we_status parse_container(jp *p, we_json *v, int depth, int obj)
{
    char close = obj ? '}' : ']';
    int cap = 0;
    v->type = obj ? WE_JSON_OBJ : WE_JSON_ARR;
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == close) { p->i++; return WE_OK; }
    for (;;) {
        char *key = NULL;
        we_status st;
        skip_ws(p);
        if (obj) {
            if (p->i >= p->n || p->s[p->i] != '"') return jerr(p, "expected a key");
            if ((st = parse_string(p, &key))) return st;
            skip_ws(p);
            if (p->i >= p->n || p->s[p->i] != ':') { free(key); return jerr(p, "expected ':'"); }
            p->i++;
        }
        we_json kid;
        memset(&kid, 0, sizeof kid);
        if ((st = parse_value(p, &kid, depth + 1))) { free(key); we_json_free(&kid); return st; }
        if ((st = push_kid(v, &cap, key, &kid))) { free(key); we_json_free(&kid); return st; }
        skip_ws(p);
        if (p->i >= p->n) return jerr(p, obj ? "unterminated object" : "unterminated array");
        if (p->s[p->i] == ',') { p->i++; continue; }
        if (p->s[p->i] == close) { p->i++; return WE_OK; }
        return jerr(p, "expected ',' or closing bracket");
    }
}

static we_status parse_value(jp *p, we_json *v, int depth)
{
    if (depth > JSON_MAX_DEPTH) return jerr(p, "nesting too deep");
    skip_ws(p);
    if (p->i >= p->n) return jerr(p, "unexpected end");
    char c = p->s[p->i];
    if (c == '{' || c == '[') return parse_container(p, v, depth, c == '{');
    if (c == '"') { v->type = WE_JSON_STR; return parse_string(p, &v->str); }
    if (c == '-' || (c >= '0' && c <= '9')) { v->type = WE_JSON_NUM; return parse_number(p, &v->num); }
    static const struct { const char *w; we_json_type t; double n; } lit[] = {
        {"true", WE_JSON_BOOL, 1}, {"false", WE_JSON_BOOL, 0}, {"null", WE_JSON_NULL, 0}};
    for (int k = 0; k < 3; k++) {
        size_t l = strlen(lit[k].w);
        if (p->n - p->i >= l && memcmp(p->s + p->i, lit[k].w, l) == 0) {
            v->type = lit[k].t;
            v->num = lit[k].n;
            p->i += l;
            return WE_OK;
        }
    }
    return jerr(p, "unexpected character");
}

we_status we_json_parse(const char *text, size_t len, we_json *out)
{
    jp p = {text, len, 0};
    memset(out, 0, sizeof *out);
    we_status st = parse_value(&p, out, 0);
    if (!st) {
        skip_ws(&p);
        if (p.i != p.n) st = jerr(&p, "trailing data");
    }
    if (st) { we_json_free(out); memset(out, 0, sizeof *out); }
    return st;
}

void we_json_free(we_json *j)
{
    if (!j) return;
    free(j->str);
    for (int k = 0; k < j->n; k++) {
        we_json_free(&j->kids[k]);
        if (j->keys) free(j->keys[k]);
    }
    free(j->kids);
    free(j->keys);
    memset(j, 0, sizeof *j);
}

const we_json *we_json_get(const we_json *j, const char *key)
{
    if (!j || j->type != WE_JSON_OBJ) return NULL;
    for (int k = 0; k < j->n; k++)
        if (strcmp(j->keys[k], key) == 0) return &j->kids[k];
    return NULL;
}

int we_json_uint(const we_json *j, uint64_t *out)
{
    if (!j || j->type != WE_JSON_NUM || !(j->num >= 0) || j->num > 9007199254740992.0 || j->num != (double)(uint64_t)j->num)
        return 0;
    *out = (uint64_t)j->num;
    return 1;
}
