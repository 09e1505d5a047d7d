/* we_faceapi_weights.c - TF.js weights manifest + .bin loader (doc/design/faceapi.md 5).
 *
 * The manifest is an array of groups {paths: [...], weights: [{name, shape,
 * dtype, quantization?}]}; the group files concatenated in order hold the
 * tensors back to back in manifest order. uint8/uint16 decode as
 * (float)((double)q * scale + min), float16 as IEEE half, float32 LE. */
#include "we_faceapi.h"
#include "we_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FA_MAX_ELEMS (64u << 20) /* no tensor of these nets comes close */

typedef enum { Q_F32, Q_U8, Q_U16, Q_F16, Q_I32 } qkind;

static we_status parse_entry(const we_json *e, we_fa_tensor *t, qkind *q, double *scale, double *mn)
{
    const we_json *name = we_json_get(e, "name"), *shape = we_json_get(e, "shape");
    const we_json *dt = we_json_get(e, "dtype"), *qz = we_json_get(e, "quantization");
    if (!name || name->type != WE_JSON_STR) return we_err_set(WE_EDATA, "manifest entry without a name");
    if (!shape || shape->type != WE_JSON_ARR || shape->n > 4)
        return we_err_set(WE_EDATA, "tensor %.80s: shape missing or rank > 4", name->str);
    /* int32 entries (graph constants in the SSD manifest) are decoded to
     * float like the rest: their values are small integers. */
    int is_i32 = dt && dt->type == WE_JSON_STR && strcmp(dt->str, "int32") == 0;
    if (!dt || dt->type != WE_JSON_STR || (strcmp(dt->str, "float32") != 0 && !is_i32))
        return we_err_set(WE_EDATA, "tensor %.80s: dtype must be float32 or int32", name->str);
    t->rank = shape->n;
    size_t n = 1;
    for (int k = 0; k < shape->n; k++) {
        const we_json *d = &shape->kids[k];
        if (d->type != WE_JSON_NUM || d->num < 1 || d->num > FA_MAX_ELEMS || d->num != (int)d->num)
            return we_err_set(WE_EDATA, "tensor %.80s: bad dimension", name->str);
        t->shape[k] = (int)d->num;
        n *= (size_t)t->shape[k];
        if (n > FA_MAX_ELEMS) return we_err_set(WE_ELIMIT, "tensor %.80s: too many elements", name->str);
    }
    t->n = n;
    *q = is_i32 ? Q_I32 : Q_F32;
    *scale = 1;
    *mn = 0;
    if (qz) {
        const we_json *qd = we_json_get(qz, "dtype");
        if (!qd || qd->type != WE_JSON_STR) return we_err_set(WE_EDATA, "tensor %.80s: bad quantization", name->str);
        if (strcmp(qd->str, "float16") == 0) *q = Q_F16;
        else {
            if (strcmp(qd->str, "uint8") == 0) *q = Q_U8;
            else if (strcmp(qd->str, "uint16") == 0) *q = Q_U16;
            else return we_err_set(WE_EDATA, "tensor %.80s: quantization dtype %.16s unsupported", name->str, qd->str);
            const we_json *s = we_json_get(qz, "scale"), *m = we_json_get(qz, "min");
            if (!s || s->type != WE_JSON_NUM || !m || m->type != WE_JSON_NUM)
                return we_err_set(WE_EDATA, "tensor %.80s: quantization needs scale and min", name->str);
            *scale = s->num;
            *mn = m->num;
        }
    }
    t->name = strdup(name->str);
    if (!t->name) return we_err_set(WE_ENOMEM, "tensor name");
    return WE_OK;
}

static void decode(float *o, const uint8_t *b, size_t n, qkind q, double scale, double mn)
{
    for (size_t i = 0; i < n; i++) {
        switch (q) {
        case Q_U8: o[i] = (float)((double)b[i] * scale + mn); break;
        case Q_U16: o[i] = (float)((double)(b[2 * i] | (b[2 * i + 1] << 8)) * scale + mn); break;
        case Q_F16: o[i] = we_f16_to_f32((uint16_t)(b[2 * i] | (b[2 * i + 1] << 8))); break;
        case Q_I32: {
            uint32_t u = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
                         (uint32_t)b[4 * i + 3] << 24;
            o[i] = (float)(int32_t)u;
            break;
        }
        default: {
            uint32_t u = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
                         (uint32_t)b[4 * i + 3] << 24;
            memcpy(&o[i], &u, 4);
        }
        }
    }
}

/* Decode entries of all groups; nbin bytes available. */
we_status we_fa_weights_parse(const char *json, size_t jlen, const uint8_t *bin, size_t blen,
                              we_fa_weights *w)
{
    we_json root;
    memset(w, 0, sizeof *w);
    we_status st = we_json_parse(json, jlen, &root);
    if (st) return st;
    if (root.type != WE_JSON_ARR || root.n < 1) {
        we_json_free(&root);
        return we_err_set(WE_EDATA, "manifest is not a non-empty array of groups");
    }
    int total = 0;
    for (int g = 0; g < root.n; g++) {
        const we_json *ws = we_json_get(&root.kids[g], "weights");
        if (!ws || ws->type != WE_JSON_ARR) {
            we_json_free(&root);
            return we_err_set(WE_EDATA, "manifest group %d has no weights array", g);
        }
        total += ws->n;
    }
    w->t = calloc(total ? (size_t)total : 1, sizeof *w->t);
    if (!w->t) { we_json_free(&root); return we_err_set(WE_ENOMEM, "weights table"); }
    size_t off = 0;
    for (int g = 0; g < root.n && !st; g++) {
        const we_json *ws = we_json_get(&root.kids[g], "weights");
        for (int k = 0; k < ws->n && !st; k++) {
            we_fa_tensor *t = &w->t[w->n];
            qkind q = Q_F32;
            double scale = 1, mn = 0;
            if ((st = parse_entry(&ws->kids[k], t, &q, &scale, &mn))) { free(t->name); t->name = NULL; break; }
            w->n++;
            size_t es = (q == Q_F32 || q == Q_I32) ? 4 : q == Q_U8 ? 1 : 2;
            if (t->n > (blen - off) / es) {
                st = we_err_set(WE_EDATA, "tensor %.80s needs %zu bytes at offset %zu, the .bin has %zu",
                                t->name, t->n * es, off, blen);
                break;
            }
            t->data = malloc(t->n * sizeof(float));
            if (!t->data) { st = we_err_set(WE_ENOMEM, "tensor %.80s", t->name); break; }
            decode(t->data, bin + off, t->n, q, scale, mn);
            off += t->n * es;
        }
    }
    we_json_free(&root);
    if (!st && off != blen)
        st = we_err_set(WE_EDATA, "manifest describes %zu bytes but the .bin files hold %zu", off, blen);
    if (st) we_fa_weights_free(w);
    return st;
}

void we_fa_weights_free(we_fa_weights *w)
{
    if (!w) return;
    for (int k = 0; k < w->n; k++) {
        free(w->t[k].name);
        free(w->t[k].data);
    }
    free(w->t);
    memset(w, 0, sizeof *w);
}

/* Whole file, with the setup hint when it is missing. */
static we_status slurp(const char *path, uint8_t **buf, size_t *n, size_t limit)
{
    we_status st = we_file_read_all(path, limit, buf, n);
    if (st == WE_ENOINPUT)
        return we_err_set(WE_ENOINPUT, "%s: no such file (the face-api weights are missing: run sh scripts/setup.sh, or set WE_FACEAPI_DIR)", path);
    return st;
}

we_status we_fa_weights_load(const char *dir, const char *model, we_fa_weights *w)
{
    char path[4096];
    memset(w, 0, sizeof *w);
    if (snprintf(path, sizeof path, "%s/%s-weights_manifest.json", dir, model) >= (int)sizeof path)
        return we_err_set(WE_EUSAGE, "model path too long");
    uint8_t *json = NULL, *bin = NULL;
    size_t jlen = 0, blen = 0;
    we_status st = slurp(path, &json, &jlen, 16u << 20);
    if (st) return st;
    /* Collect the group paths (parse once here just for them). */
    we_json root;
    if ((st = we_json_parse((const char *)json, jlen, &root))) {
        char d[512];
        snprintf(d, sizeof d, "%s", we_err_detail());
        free(json);
        return we_err_set(st, "%s: %s", path, d);
    }
    size_t cap = 0;
    for (int g = 0; g < (root.type == WE_JSON_ARR ? root.n : 0) && !st; g++) {
        const we_json *ps = we_json_get(&root.kids[g], "paths");
        if (!ps || ps->type != WE_JSON_ARR) { st = we_err_set(WE_EDATA, "%s: group %d has no paths", path, g); break; }
        for (int k = 0; k < ps->n && !st; k++) {
            char bp[4096];
            if (ps->kids[k].type != WE_JSON_STR || strstr(ps->kids[k].str, "..") || ps->kids[k].str[0] == '/') {
                st = we_err_set(WE_EDATA, "%s: bad path in group %d", path, g);
                break;
            }
            if (snprintf(bp, sizeof bp, "%s/%s", dir, ps->kids[k].str) >= (int)sizeof bp) {
                st = we_err_set(WE_EUSAGE, "weights path too long");
                break;
            }
            uint8_t *part;
            size_t plen;
            if ((st = slurp(bp, &part, &plen, 256u << 20))) break;
            if (blen + plen > cap) {
                size_t nc = (blen + plen) * 2;
                uint8_t *nb = realloc(bin, nc);
                if (!nb) { free(part); st = we_err_set(WE_ENOMEM, "%s", bp); break; }
                bin = nb;
                cap = nc;
            }
            memcpy(bin + blen, part, plen);
            blen += plen;
            free(part);
        }
    }
    we_json_free(&root);
    if (!st) {
        st = we_fa_weights_parse((const char *)json, jlen, bin ? bin : (const uint8_t *)"", blen, w);
        if (st) {
            char d[512];
            snprintf(d, sizeof d, "%s", we_err_detail());
            st = we_err_set(st, "%s: %s", path, d);
        }
    }
    free(json);
    free(bin);
    return st;
}

const we_fa_tensor *we_fa_weights_get(const we_fa_weights *w, const char *name, int rank, const int *shape)
{
    for (int k = 0; k < w->n; k++) {
        const we_fa_tensor *t = &w->t[k];
        if (strcmp(t->name, name) != 0) continue;
        int ok = t->rank == rank;
        for (int d = 0; ok && d < rank; d++) ok = t->shape[d] == shape[d];
        if (!ok) {
            we_err_set(WE_EDATA, "tensor %s has rank %d shape [%d,%d,%d,%d], want rank %d [%d,%d,%d,%d]", name,
                       t->rank, t->shape[0], t->rank > 1 ? t->shape[1] : 0, t->rank > 2 ? t->shape[2] : 0,
                       t->rank > 3 ? t->shape[3] : 0, rank, shape[0], rank > 1 ? shape[1] : 0,
                       rank > 2 ? shape[2] : 0, rank > 3 ? shape[3] : 0);
            return NULL;
        }
        return t;
    }
    we_err_set(WE_EDATA, "missing tensor %s", name);
    return NULL;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *we_fa_model_dir(void)
{
    static char buf[4096];
    const char *env = getenv("WE_FACEAPI_DIR");
    if (env && *env) return env;
    char exe[2048];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 64);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            /* bin/femo and build/tests/test_x: try ../ and ../../ */
            const char *ups[] = {"..", "../.."};
            for (int k = 0; k < 2; k++) {
                if (snprintf(buf, sizeof buf, "%s/%s/third_party/face-api/model", exe, ups[k]) >= (int)sizeof buf) continue;
                if (is_dir(buf)) return buf;
            }
        }
    }
    snprintf(buf, sizeof buf, "third_party/face-api/model");
    return buf;
}
