/* tsinfo - describe a tensor stream, one line per frame (like pamfile). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: %s [-k] [-s] [-c] [FILE...]\n"
           "Describe the frames of WES1 tensor streams (stdin if no FILE), one line each:\n"
           "  FILE:N: NAME DTYPE D0xD1x... key=value ...\n"
           "  -k, --no-keys   omit the key=value list\n"
           "  -s, --stats     add min, max, mean and std of each frame's values\n"
           "  -c, --count     print only the number of frames and items per file\n"
           "  -h, --help      this help\n",
           we_cli_prog());
}

static void stats(const we_frame *fr)
{
    we_tensor f;
    if (we_tensor_to_f32(&fr->t, &f)) { printf(" stats=?"); return; }
    size_t n = we_tensor_count(&f);
    const float *p = f.data;
    double mn = INFINITY, mx = -INFINITY, sum = 0, sq = 0;
    size_t nonfinite = 0;
    for (size_t i = 0; i < n; i++) {
        double v = p[i];
        if (!isfinite(v)) { nonfinite++; continue; }
        if (v < mn) mn = v;
        if (v > mx) mx = v;
        sum += v;
        sq += v * v;
    }
    size_t m = n - nonfinite;
    double mean = m ? sum / m : 0, var = m ? sq / m - mean * mean : 0;
    printf(" min=%.6g max=%.6g mean=%.6g std=%.6g", mn, mx, mean, sqrt(var > 0 ? var : 0));
    if (nonfinite) printf(" nonfinite=%zu", nonfinite);
    we_tensor_free(&f);
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    int keys = 1, do_stats = 0, count = 0;
    static const struct option lo[] = {{"no-keys", 0, 0, 'k'}, {"stats", 0, 0, 's'}, {"count", 0, 0, 'c'},
                                       {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    for (int o; (o = getopt_long(argc, argv, "kschV", lo, NULL)) != -1;) {
        switch (o) {
        case 'k': keys = 0; break;
        case 's': do_stats = 1; break;
        case 'c': count = 1; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    int nfiles = argc - optind;
    const char *stdin_only[] = {"-"};
    const char **files = nfiles ? (const char **)argv + optind : stdin_only;
    if (!nfiles) nfiles = 1;
    we_batch b; /* a bad file is reported and skipped (tsinfo(1)) */
    we_batch_init(&b, "files");
    for (int fi = 0; fi < nfiles; fi++) {
        const char *path = files[fi];
        int is_stdin = strcmp(path, "-") == 0;
        FILE *f = is_stdin ? stdin : fopen(path, "rb");
        if (!f) {
            we_batch_skip(&b, WE_ENOINPUT, path, "cannot open: %s", strerror(errno));
            continue;
        }
        const char *label = is_stdin ? "stdin" : path;
        we_reader r;
        we_reader_init(&r, f, label);
        r.allow_nonfinite = 1; /* an inspector: counts them (wes(5)) */
        we_frame fr;
        we_frame_init(&fr);
        long frames = 0, items = 0;
        char last_id[512] = "";
        int had_id = 0;
        we_status s;
        while ((s = we_reader_frame(&r, &fr)) == WE_OK) {
            const char *id = we_frame_get(&fr, "id");
            if (!id || !had_id || strcmp(id, last_id) != 0) items++;
            had_id = id != NULL;
            snprintf(last_id, sizeof last_id, "%s", id ? id : "");
            if (!count) {
                printf("%s:%ld: %s %s ", label, frames, fr.name, we_dtype_name(fr.t.dtype));
                for (int i = 0; i < fr.t.rank; i++) printf("%s%lld", i ? "x" : "", (long long)fr.t.shape[i]);
                if (keys)
                    for (int i = 0; i < fr.nkv; i++) printf(" %s=%s", fr.kv[i].key, fr.kv[i].val);
                if (do_stats) stats(&fr);
                putchar('\n');
            }
            frames++;
        }
        we_frame_free(&fr);
        we_reader_free(&r);
        if (count) printf("%s: %ld frames, %ld items\n", label, frames, items);
        if (!is_stdin) fclose(f);
        fflush(stdout);
        if (s != WE_EOF) we_batch_fail(&b, s == WE_ETRUNC ? WE_EDATA : s, label);
        else we_batch_ok(&b);
    }
    we_cli_finish_output();
    return we_batch_end(&b, nfiles == 1);
}
