/* we_fid_src.c - the two kinds of image set fid(1) and femetrics(1) read:
 * a WES stream, or a folder of image files. */
#include "we_fid.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "we_image.h"
#include "we_stream.h"

struct we_fid_src {
    int is_dir;
    char *dir;
    char **names;
    int n, next;
    FILE *f;
    we_reader rd;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_image_name(const char *n)
{
    const char *dot = strrchr(n, '.');
    if (!dot) return 0;
    return !strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg");
}

we_status we_fid_src_open(we_fid_src **out, const char *path)
{
    *out = NULL;
    we_fid_src *s = calloc(1, sizeof *s);
    if (!s) return we_err_set(WE_ENOMEM, "%s", path);
    struct stat sb;
    if (strcmp(path, "-") && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        if (!d) { free(s); return we_err_set(WE_ENOINPUT, "%s: %s", path, strerror(errno)); }
        struct dirent *e;
        int cap = 0;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.' || !is_image_name(e->d_name)) continue;
            if (s->n == cap) {
                cap = cap ? 2 * cap : 256;
                char **nn = realloc(s->names, sizeof(char *) * (size_t)cap);
                if (!nn) { closedir(d); we_fid_src_close(s); return we_err_set(WE_ENOMEM, "%s", path); }
                s->names = nn;
            }
            if (!(s->names[s->n] = strdup(e->d_name))) { closedir(d); we_fid_src_close(s); return we_err_set(WE_ENOMEM, "%s", path); }
            s->n++;
        }
        closedir(d);
        if (s->n) qsort(s->names, (size_t)s->n, sizeof(char *), cmp_str);
        s->is_dir = 1;
        s->dir = strdup(path);
        *out = s;
        return WE_OK;
    }
    s->f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!s->f) {
        free(s);
        return we_err_set(WE_ENOINPUT, "%s: %s", path, strerror(errno));
    }
    we_reader_init(&s->rd, s->f, strcmp(path, "-") ? path : "stdin");
    *out = s;
    return WE_OK;
}

we_status we_fid_src_next(we_fid_src *s, const char *frame, we_tensor *t, char *id, size_t idn)
{
    if (s->is_dir) {
        if (strcmp(frame, "image")) return we_err_set(WE_EUSAGE, "a folder holds images, not `%s` frames", frame);
        if (s->next >= s->n) return WE_EOF;
        const char *name = s->names[s->next++];
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", s->dir, name);
        snprintf(id, idn, "%s", name);
        return we_image_read_file(p, t);
    }
    we_frame fr;
    we_frame_init(&fr);
    for (;;) {
        we_status st = we_reader_frame(&s->rd, &fr);
        if (st) return st;
        if (!strcmp(fr.name, frame)) break;
    }
    const char *i = we_frame_get(&fr, "id");
    snprintf(id, idn, "%s", i ? i : "");
    *t = fr.t;
    memset(&fr.t, 0, sizeof fr.t);
    we_frame_free(&fr);
    return WE_OK;
}

void we_fid_src_close(we_fid_src *s)
{
    if (!s) return;
    for (int k = 0; k < s->n; k++) free(s->names[k]);
    free(s->names);
    free(s->dir);
    if (s->f) {
        we_reader_free(&s->rd);
        if (s->f != stdin) fclose(s->f);
    }
    free(s);
}
