/* tssplit - split a WES1 stream into one stream per value of a key (e.g.
 * the faces of many photos into one stream per photo, for facepaste). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_file.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: %s -k KEY -d DIR [STREAM]\n"
           "Split a WES1 stream (stdin if no STREAM) by the value of KEY: every item goes to\n"
           "DIR/NAME.wes, NAME the base name of the value (after its last '/'), items kept\n"
           "in stream order. Each file is written under a temporary name and renamed when\n"
           "its run of items ends; a value seen again later appends to its file.\n"
           "  -k, --key KEY    the key that names the output (looked up on the item's\n"
           "                   frames in order, e.g. src, the photo facealign read)\n"
           "  -d, --dir DIR    output folder (must exist)\n"
           "  -q, --quiet      no summary line on stderr\n"
           "  -h, --help       this help\n"
           "Exit status: 0 ok, 64 usage, 65 bad stream or an item without KEY or with\n"
           "an unusable name, 66 missing input, 73 cannot create a file, 74 I/O.\n",
           we_cli_prog());
}

/* The item's value of key (first frame that has it), or NULL. */
static const char *item_key(const we_item *it, const char *key)
{
    for (int k = 0; k < it->n; k++) {
        const char *v = we_frame_get(&it->f[k], key);
        if (v) return v;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    const char *key = NULL, *dir = NULL;
    int quiet = 0;
    static const struct option lo[] = {{"key", 1, 0, 'k'}, {"dir", 1, 0, 'd'}, {"quiet", 0, 0, 'q'},
                                       {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    for (int o; (o = getopt_long(argc, argv, "k:d:qh", lo, NULL)) != -1;) {
        switch (o) {
        case 'k': key = optarg; break;
        case 'd': dir = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (!key || !dir) we_cli_usage_error("-k KEY and -d DIR are required");
    if (argc - optind > 1) we_cli_usage_error("at most one input stream");
    const char *path = optind < argc ? argv[optind] : "-";
    const char *label;
    FILE *in = we_cli_open_input(path, &label);
    we_reader r;
    we_reader_init(&r, in, label);
    we_item it;
    we_item_init(&it);
    char cur[PATH_MAX] = "", tmp[PATH_MAX + 32];
    FILE *out = NULL;
    char **seen = NULL; /* names written so far, for appends */
    size_t nseen = 0;
    long items = 0;
    we_status s;
    while ((s = we_reader_item(&r, &it)) == WE_OK) {
        const char *v = item_key(&it, key), *id = *we_item_id(&it) ? we_item_id(&it) : "(no id)";
        if (!v) we_cli_die(WE_EDATA, "item %s has no %s key", id, key);
        const char *base = strrchr(v, '/') ? strrchr(v, '/') + 1 : v;
        if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
            we_cli_die(WE_EDATA, "item %s: %s=%s names no file", id, key, v);
        char name[PATH_MAX];
        if (snprintf(name, sizeof name, "%s/%s.wes", dir, base) >= (int)sizeof name)
            we_cli_die(WE_EUSAGE, "output path too long for %s", base);
        if (!out || strcmp(name, cur)) {
            if (out && tmp[0] && (s = we_file_atomic_commit(out, tmp, cur))) we_cli_die_status(s, cur);
            if (out && !tmp[0] && fclose(out)) we_cli_die(WE_EIO, "writing %s", cur);
            out = NULL;
            int again = 0;
            for (size_t i = 0; i < nseen && !again; i++) again = !strcmp(seen[i], name);
            if (again) {
                if (!(out = fopen(name, "ab"))) we_cli_die(WE_EIO, "cannot append to %s", name);
                tmp[0] = 0;
            } else {
                if ((s = we_file_atomic_open(name, tmp, sizeof tmp, &out))) we_cli_die_status(s, name);
                char **ns = realloc(seen, (nseen + 1) * sizeof *seen);
                if (!ns || !(ns[nseen] = strdup(name))) we_cli_die(WE_ENOMEM, "out of memory");
                seen = ns;
                nseen++;
            }
            snprintf(cur, sizeof cur, "%s", name);
        }
        if ((s = we_item_write(out, &it))) we_cli_die_status(s, cur);
        items++;
        we_item_free(&it);
    }
    if (s != WE_EOF) we_cli_die_status(s, path);
    if (out && tmp[0] && (s = we_file_atomic_commit(out, tmp, cur))) we_cli_die_status(s, cur);
    if (out && !tmp[0] && fclose(out)) we_cli_die(WE_EIO, "writing %s", cur);
    we_reader_free(&r);
    if (in != stdin) fclose(in);
    if (!quiet) fprintf(stderr, "%s: %ld items into %zu files\n", we_cli_prog(), items, nseen);
    for (size_t i = 0; i < nseen; i++) free(seen[i]);
    free(seen);
    return 0;
}
