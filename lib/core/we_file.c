/* we_file.c - whole-file reads, line lists and atomic (temp + rename) writes. */
#include "we_file.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

we_status we_file_read_all(const char *path, uint64_t max_bytes, uint8_t **buf, size_t *n)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) return we_err_set(WE_ENOINPUT, "%s: %s", path, strerror(errno));
    size_t cap = 1 << 16, len = 0;
    uint8_t *b = malloc(cap + 1);
    we_status s = WE_OK;
    if (!b) { s = we_err_set(WE_ENOMEM, "out of memory"); goto done; }
    for (;;) {
        if (len == cap) {
            if (cap >= max_bytes) { s = we_err_set(WE_ELIMIT, "%s: larger than %llu bytes", path, (unsigned long long)max_bytes); goto done; }
            size_t nc = cap * 2;
            uint8_t *nb = realloc(b, nc + 1);
            if (!nb) { s = we_err_set(WE_ENOMEM, "out of memory"); goto done; }
            b = nb;
            cap = nc;
        }
        size_t got = fread(b + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) { s = we_err_set(WE_EIO, "%s: read error: %s", path, strerror(errno)); goto done; }
    if (len > max_bytes) { s = we_err_set(WE_ELIMIT, "%s: larger than %llu bytes", path, (unsigned long long)max_bytes); goto done; }
    b[len] = 0;
done:
    if (!is_stdin) fclose(f);
    if (s) { free(b); return s; }
    *buf = b;
    *n = len;
    return WE_OK;
}

/* Remove "<path>.tmp.<pid>" files left by processes that died before their
 * rename (kill -9 during a save): a pid that is not alive (kill(pid, 0)
 * fails with ESRCH) cannot finish its write. Temp files of live processes,
 * this one's, and other names are left alone. Best effort: errors ignored. */
static void clean_stale_tmp(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char dir[4096];
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if ((size_t)(slash - path) >= sizeof dir) return;
    else if (slash == path) snprintf(dir, sizeof dir, "/");
    else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    size_t bl = strlen(base);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        if (strncmp(nm, base, bl) || strncmp(nm + bl, ".tmp.", 5)) continue;
        const char *ds = nm + bl + 5;
        char *end;
        errno = 0;
        long pid = strtol(ds, &end, 10);
        if (end == ds || *end || errno || *ds < '1' || *ds > '9' || pid <= 0 || pid == (long)getpid()) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char full[4096 + 256];
        if ((size_t)snprintf(full, sizeof full, "%s/%s", dir, nm) < sizeof full) unlink(full);
    }
    closedir(d);
}

we_status we_file_atomic_open(const char *path, char *tmp, size_t tmpcap, FILE **f)
{
    clean_stale_tmp(path);
    if ((size_t)snprintf(tmp, tmpcap, "%s.tmp.%ld", path, (long)getpid()) >= tmpcap)
        return we_err_set(WE_EUSAGE, "path too long: %.64s...", path);
    *f = fopen(tmp, "wb");
    if (!*f) return we_err_set(WE_EIO, "cannot create %s: %s", tmp, strerror(errno));
    return WE_OK;
}

we_status we_file_atomic_commit(FILE *f, const char *tmp, const char *path)
{
    int bad = fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0;
    int e = errno;
    if (fclose(f) != 0 && !bad) { bad = 1; e = errno; }
    if (bad) {
        unlink(tmp);
        return we_err_set(WE_EIO, "write error on %s: %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        e = errno;
        unlink(tmp);
        return we_err_set(WE_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(e));
    }
    return WE_OK;
}

void we_file_atomic_abort(FILE *f, const char *tmp)
{
    if (f) fclose(f);
    unlink(tmp);
}

we_status we_file_write_atomic(const char *path, const void *buf, size_t n)
{
    if (strcmp(path, "-") == 0) {
        if (fwrite(buf, 1, n, stdout) != n || fflush(stdout) != 0)
            return we_err_set(WE_EIO, "write error on stdout: %s", strerror(errno));
        return WE_OK;
    }
    size_t cap = strlen(path) + 32;
    char *tmp = malloc(cap);
    if (!tmp) return we_err_set(WE_ENOMEM, "out of memory");
    FILE *f;
    we_status s = we_file_atomic_open(path, tmp, cap, &f);
    if (!s) {
        if (n && fwrite(buf, 1, n, f) != n) {
            s = we_err_set(WE_EIO, "write error on %s: %s", path, strerror(errno));
            we_file_atomic_abort(f, tmp);
        } else {
            s = we_file_atomic_commit(f, tmp, path);
        }
    }
    free(tmp);
    return s;
}

we_status we_file_read_lines(const char *path, char ***lines, size_t *n)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f) {
        int e = errno;
        we_err_set(WE_ENOINPUT, "%s: %s", path, strerror(e));
        errno = e;
        return WE_ENOINPUT;
    }
    char **v = NULL, *line = NULL;
    size_t cnt = 0, cap = 0, lcap = 0;
    ssize_t len;
    we_status s = WE_OK;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
        if (!len) continue;
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nv = realloc(v, nc * sizeof *nv);
            if (!nv) { s = we_err_set(WE_ENOMEM, "out of memory reading %s", path); break; }
            v = nv;
            cap = nc;
        }
        if (!(v[cnt] = strdup(line))) { s = we_err_set(WE_ENOMEM, "out of memory reading %s", path); break; }
        cnt++;
    }
    if (!s && ferror(f)) s = we_err_set(WE_EIO, "read error on %s: %s", path, strerror(errno));
    free(line);
    if (!is_stdin) fclose(f);
    if (s) {
        we_file_lines_free(v, cnt);
        return s;
    }
    *lines = v;
    *n = cnt;
    return WE_OK;
}

void we_file_lines_free(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++) free(lines[i]);
    free(lines);
}

int we_file_find_data(char *buf, size_t cap, const char *request, const char *env, const char *installed,
                      const char *in_tree)
{
    if (request) { snprintf(buf, cap, "%s", request); return 1; }
    const char *e = env ? getenv(env) : NULL;
    if (e && *e) { snprintf(buf, cap, "%s", e); return 1; }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *sl = n > 0 ? (exe[n] = 0, strrchr(exe, '/')) : NULL;
    if (sl) {
        *sl = 0; /* .../bin */
        const char *const rel[] = {installed, in_tree};
        for (int i = 0; i < 2; i++) {
            char cand[PATH_MAX + 64];
            snprintf(cand, sizeof cand, "%s/../%s", exe, rel[i]);
            if (access(cand, F_OK) == 0) { snprintf(buf, cap, "%s", cand); return 0; }
        }
    }
    snprintf(buf, cap, "%s", in_tree);
    return 0;
}
