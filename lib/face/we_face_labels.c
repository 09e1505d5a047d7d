/* we_face_labels.c - labels CSV and emotion word mapping. */
#include "we_face_labels.h"
#include "we_emotion.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *we_face_emotion_map(const char *word)
{
    return we_emotion_name(we_emotion_parse(word));
}

typedef struct {
    char *name, *label;
} row;

struct we_face_labels {
    row *rows;
    int n, cap;
};

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* Split a CSV line into at most max fields (in place); returns the count. */
static int split_csv(char *s, char **f, int max)
{
    int n = 0;
    while (n < max) {
        while (*s == ' ' || *s == '\t') s++;
        char *w = s, *o = s;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '\0') break;
                if (*s == '"' && s[1] == '"') { *o++ = '"'; s += 2; continue; }
                if (*s == '"') { s++; break; }
                *o++ = *s++;
            }
            while (*s && *s != ',') s++;
        } else {
            while (*s && *s != ',') *o++ = *s++;
            while (o > w && (o[-1] == ' ' || o[-1] == '\t')) o--;
        }
        int more = *s == ',';
        *o = '\0';
        f[n++] = w;
        if (!more) break;
        s++;
    }
    return n;
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const row *)a)->name, ((const row *)b)->name);
}

static int is_any(const char *s, const char *const *names)
{
    for (; *names; names++)
        if (strcasecmp(s, *names) == 0) return 1;
    return 0;
}

we_status we_face_labels_load(const char *path, we_face_labels **out)
{
    *out = NULL;
    FILE *f = fopen(path, "r");
    if (!f) return we_err_set(WE_ENOINPUT, "%s: cannot open labels", path);
    we_face_labels *l = calloc(1, sizeof *l);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0;
    int cf = 0, cl = 1, ncol = 2;
    we_status st = WE_OK;
    if (!l) { fclose(f); return we_err_set(WE_ENOMEM, "labels: out of memory"); }
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (len == 0) continue;
        char *fl[16];
        int n = split_csv(line, fl, 16);
        if (lineno == 1) {
            static const char *const fnames[] = {"image", "file", "filename", "path", "name", NULL};
            static const char *const lnames[] = {"emotion", "label", "expression", "class", NULL};
            int hf = -1, hl = -1;
            for (int i = 0; i < n; i++) {
                if (hf < 0 && is_any(fl[i], fnames)) hf = i;
                else if (hl < 0 && is_any(fl[i], lnames)) hl = i;
            }
            if (hf >= 0 && hl >= 0) {
                cf = hf; cl = hl;
                ncol = (cf > cl ? cf : cl) + 1;
                continue;
            }
        }
        if (n < ncol) {
            st = we_err_set(WE_EDATA, "%s:%ld: expected %d columns, found %d", path, lineno, ncol, n);
            break;
        }
        if (l->n == l->cap) {
            int nc = l->cap ? 2 * l->cap : 256;
            row *r = realloc(l->rows, (size_t)nc * sizeof *r);
            if (!r) { st = we_err_set(WE_ENOMEM, "labels: out of memory"); break; }
            l->rows = r;
            l->cap = nc;
        }
        row *r = &l->rows[l->n];
        r->name = strdup(base_name(fl[cf]));
        r->label = strdup(fl[cl]);
        if (!r->name || !r->label) {
            free(r->name); free(r->label);
            st = we_err_set(WE_ENOMEM, "labels: out of memory");
            break;
        }
        l->n++;
    }
    if (st == WE_OK && ferror(f)) st = we_err_set(WE_EIO, "%s: read error", path);
    free(line);
    fclose(f);
    if (st != WE_OK) { we_face_labels_free(l); return st; }
    qsort(l->rows, (size_t)l->n, sizeof *l->rows, cmp_row);
    *out = l;
    return WE_OK;
}

void we_face_labels_free(we_face_labels *l)
{
    if (!l) return;
    for (int i = 0; i < l->n; i++) {
        free(l->rows[i].name);
        free(l->rows[i].label);
    }
    free(l->rows);
    free(l);
}

int we_face_labels_count(const we_face_labels *l) { return l ? l->n : 0; }

const char *we_face_labels_find(const we_face_labels *l, const char *path)
{
    if (!l || !path) return NULL;
    row key = {(char *)base_name(path), NULL};
    row *r = bsearch(&key, l->rows, (size_t)l->n, sizeof *l->rows, cmp_row);
    return r ? r->label : NULL;
}

const char *we_face_labels_find_key(const we_face_labels *l, const char *key)
{
    if (!l || !key) return NULL;
    const char *b = base_name(key);
    size_t len = strcspn(b, "#");
    char buf[4096];
    if (len >= sizeof buf) return NULL;
    memcpy(buf, b, len);
    buf[len] = '\0';
    return we_face_labels_find(l, buf);
}
