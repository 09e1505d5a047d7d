/* we_runset.c - the settings of a resumable training run (we_runset.h). */
#include "we_runset.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "we_file.h"

/* The value an entry holds, formatted as it is stored. */
static void format_value(const we_runset *e, char *buf, size_t cap)
{
    switch (e->type) {
    case WE_RUNSET_INT: snprintf(buf, cap, "%d", *(const int *)e->val); break;
    case WE_RUNSET_LONG: snprintf(buf, cap, "%ld", *(const long *)e->val); break;
    case WE_RUNSET_FLOAT: snprintf(buf, cap, "%.9g", *(const float *)e->val); break;
    case WE_RUNSET_STR: snprintf(buf, cap, "%s", (const char *)e->val); break;
    }
}

/* Parse a stored value into an entry (1 on success). */
static int parse_value(const we_runset *e, const char *v, we_runset *out_e)
{
    char *end;
    errno = 0;
    switch (e->type) {
    case WE_RUNSET_INT: {
        long x = strtol(v, &end, 10);
        if (end == v || *end || errno || x < -2147483647L || x > 2147483647L) return 0;
        *(int *)out_e->val = (int)x;
        return 1;
    }
    case WE_RUNSET_LONG: {
        long x = strtol(v, &end, 10);
        if (end == v || *end || errno) return 0;
        *(long *)out_e->val = x;
        return 1;
    }
    case WE_RUNSET_FLOAT: {
        float x = strtof(v, &end);
        if (end == v || *end || !isfinite(x)) return 0;
        *(float *)out_e->val = x;
        return 1;
    }
    case WE_RUNSET_STR:
        if (strlen(v) >= e->cap) return 0;
        strcpy((char *)out_e->val, v);
        return 1;
    }
    return 0;
}

/* Does the stored text v equal the entry's value? */
static int same_value(const we_runset *e, const char *v)
{
    union { int i; long l; float f; } u;
    char sbuf[256];
    we_runset tmp = *e;
    tmp.val = e->type == WE_RUNSET_STR ? (void *)sbuf : (void *)&u;
    tmp.cap = sizeof sbuf;
    if (!parse_value(&tmp, v, &tmp)) return 0;
    switch (e->type) {
    case WE_RUNSET_INT: return u.i == *(const int *)e->val;
    case WE_RUNSET_LONG: return u.l == *(const long *)e->val;
    case WE_RUNSET_FLOAT: return u.f == *(const float *)e->val;
    case WE_RUNSET_STR: return strcmp(sbuf, (const char *)e->val) == 0;
    }
    return 0;
}

/* Append "what key" to note, "; "-separated. */
static void note_add(char *note, size_t cap, const char *what, const char *key)
{
    if (!note || !cap) return;
    size_t k = strlen(note);
    snprintf(note + k, cap - k, "%s%s %s", k ? "; " : "", what, key);
}

we_status we_runset_resume(const we_st_file *f, we_runset *set, int n, int allow, char *note, size_t cap)
{
    if (note && cap) note[0] = 0;
    /* two passes: refuse before changing any value */
    for (int i = 0; i < n; i++) {
        we_runset *e = &set[i];
        const char *v = we_st_meta(f, e->key);
        if (!v || (e->type == WE_RUNSET_STR && !*v)) continue; /* "" = not known (e.g. data under mpirun) */
        char tmpbuf[256];
        union { int i; long l; float f; } u;
        we_runset t = *e;
        t.val = e->type == WE_RUNSET_STR ? (void *)tmpbuf : (void *)&u;
        t.cap = e->type == WE_RUNSET_STR ? e->cap : 0;
        if (!parse_value(e, v, &t)) return we_err_set(WE_EDATA, "checkpoint: bad %s '%.64s'", e->key, v);
        if (!e->given || e->rule == WE_RUNSET_FREE || same_value(e, v)) continue;
        char mine[256];
        format_value(e, mine, sizeof mine);
        if (e->rule == WE_RUNSET_FIXED)
            return we_err_set(WE_EUSAGE, "%s %s: the checkpoint's run has %s (a resumed run keeps it)", e->option, mine, v);
        if (!allow)
            return we_err_set(WE_EUSAGE, "%s %s: the checkpoint's run has %s (leave it out to continue the run as "
                              "it was, or give --allow-change to change it)", e->option, mine, v);
    }
    for (int i = 0; i < n; i++) {
        we_runset *e = &set[i];
        const char *v = we_st_meta(f, e->key);
        if (!v || (e->type == WE_RUNSET_STR && !*v)) {
            note_add(note, cap, "not stored", e->key);
            continue;
        }
        if (!e->given) parse_value(e, v, e);
        else if (e->rule != WE_RUNSET_FREE && !same_value(e, v)) note_add(note, cap, "changed", e->key);
    }
    return WE_OK;
}

we_status we_runset_write(const we_runset *set, int n, we_st_writer *w)
{
    we_status s = WE_OK;
    for (int i = 0; i < n && !s; i++) {
        char buf[256];
        format_value(&set[i], buf, sizeof buf);
        s = we_st_writer_meta(w, set[i].key, buf);
    }
    return s;
}

we_status we_runset_check_new(const char *path, int resume, int force)
{
    if (resume || force || access(path, F_OK) != 0) return WE_OK;
    return we_err_set(WE_EUSAGE, "%s exists: give --resume to continue it, or --force to start over", path);
}

/* The step a CSV row starts with; 0 when the first field is not an integer. */
static int row_step(const char *line, long *step)
{
    char *end;
    errno = 0;
    long x = strtol(line, &end, 10);
    if (end == line || errno || (*end != ',' && *end != '\n' && *end != '\r' && *end)) return 0;
    *step = x;
    return 1;
}

we_status we_runset_cut_log(const char *path, long step, long *kept_rows)
{
    if (kept_rows) *kept_rows = 0;
    if (access(path, F_OK) != 0) return WE_OK;
    uint8_t *buf;
    size_t n;
    we_status s = we_file_read_all(path, (uint64_t)1 << 32, &buf, &n);
    if (s) return s == WE_ENOINPUT ? we_err_set(WE_EIO, "%s", we_err_detail()) : s;
    char *out = malloc(n + 1);
    if (!out) {
        free(buf);
        return we_err_set(WE_ENOMEM, "out of memory");
    }
    size_t o = 0;
    long kept = 0;
    int dropped = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && buf[j] != '\n') j++;
        if (j < n) j++; /* keep the newline */
        long st;
        int is_row = row_step((const char *)buf + i, &st);
        /* a header, or a whole row of a step done: kept; a row past the step,
         * or a last line cut short by a kill (no newline): dropped */
        if (!is_row ? i == 0 : (st <= step && buf[j - 1] == '\n')) {
            memcpy(out + o, buf + i, j - i);
            o += j - i;
            kept += is_row;
        } else {
            dropped = 1;
        }
        i = j;
    }
    if (dropped) s = we_file_write_atomic(path, out, o);
    free(out);
    free(buf);
    if (!s && kept_rows) *kept_rows = kept;
    return s;
}

unsigned long long we_runset_hash(unsigned long long h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}
