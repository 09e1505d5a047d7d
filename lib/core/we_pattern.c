/* we_pattern.c - output file name patterns and the set of names given (see
 * we_pattern.h). */
#include "we_pattern.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One conversion at p (just past '%'): its kind ('s', 'd', '%'), width and
 * length; kind 0 for a bad one. */
static int conversion(const char *p, int *width, size_t *len)
{
    const char *q = p;
    long w = 0;
    if (*q == '%') { *width = 0; *len = 1; return '%'; }
    while (*q >= '0' && *q <= '9') {
        if (w <= WE_PATTERN_MAX_WIDTH) w = w * 10 + (*q - '0');
        q++;
    }
    *width = (int)(w > WE_PATTERN_MAX_WIDTH ? WE_PATTERN_MAX_WIDTH + 1 : w);
    *len = (size_t)(q - p) + 1;
    return *q == 's' || *q == 'd' ? *q : 0;
}

we_status we_pattern_check(const char *pat)
{
    int conv = 0;
    size_t fixed = 0;
    for (const char *p = pat; *p; p++) {
        if (*p != '%') { fixed++; continue; }
        int width;
        size_t len;
        int k = conversion(p + 1, &width, &len);
        if (!k) return we_err_set(WE_EUSAGE, "pattern '%.64s': only %%s, %%d, %%0Nd and %%%% are allowed", pat);
        if (width > WE_PATTERN_MAX_WIDTH)
            return we_err_set(WE_EUSAGE, "pattern '%.64s': field width above %d", pat, WE_PATTERN_MAX_WIDTH);
        if (k == '%') fixed++;
        else conv++;
        p += len;
    }
    if (!conv) return we_err_set(WE_EUSAGE, "pattern '%.64s' needs %%s or %%d to give each item its own name", pat);
    if (fixed + 1 >= WE_PATTERN_MAX_PATH)
        return we_err_set(WE_EUSAGE, "pattern of %zu characters leaves no room for a name", fixed);
    return WE_OK;
}

we_status we_pattern_fill(char *buf, size_t n, const char *pat, const char *id, long index)
{
    char safe[256];
    size_t k = 0;
    for (const char *c = id ? id : ""; *c && k + 1 < sizeof safe; c++) {
        unsigned char u = (unsigned char)*c;
        int good = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
                   u == '_' || u == '.' || u == '#' || u == '+';
        safe[k++] = good ? (char)u : '_';
    }
    safe[k] = 0;
    if (k == 0) snprintf(safe, sizeof safe, "%ld", index);
    if (safe[0] == '.') safe[0] = '_'; /* no hidden files, no ".." */
    size_t o = 0;
    for (const char *p = pat; *p; p++) {
        int m;
        if (*p != '%') {
            m = 1;
            if (o + 1 < n) buf[o] = *p;
        } else {
            int width;
            size_t len;
            int kind = conversion(p + 1, &width, &len);
            p += len;
            if (kind == '%') {
                m = 1;
                if (o + 1 < n) buf[o] = '%';
            } else if (kind == 's') {
                m = snprintf(o < n ? buf + o : NULL, o < n ? n - o : 0, "%*s", width, safe);
            } else if (kind == 'd') {
                m = snprintf(o < n ? buf + o : NULL, o < n ? n - o : 0, "%0*ld", width, index);
            } else {
                return we_err_set(WE_EUSAGE, "pattern '%.64s' was not checked", pat);
            }
        }
        if (m < 0) return we_err_set(WE_EINTERNAL, "pattern: formatting failed");
        o += (size_t)m;
        if (o + 1 > n)
            return we_err_set(WE_ELIMIT, "pattern '%.64s': the name of item %ld is longer than %zu bytes", pat, index,
                              n - 1);
    }
    buf[o] = 0;
    return WE_OK;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int we_nameset_add(we_nameset *s, const char *name)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        char **slot = calloc(cap, sizeof *slot);
        if (!slot) return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i]) {
                size_t j = hash(s->slot[i]) & (cap - 1);
                while (slot[j]) j = (j + 1) & (cap - 1);
                slot[j] = s->slot[i];
            }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t j = hash(name) & (s->cap - 1);
    for (; s->slot[j]; j = (j + 1) & (s->cap - 1))
        if (!strcmp(s->slot[j], name)) return 0;
    if (!(s->slot[j] = strdup(name))) return -1;
    s->n++;
    return 1;
}

void we_nameset_free(we_nameset *s)
{
    for (size_t i = 0; i < s->cap; i++) free(s->slot[i]);
    free(s->slot);
    memset(s, 0, sizeof *s);
}
