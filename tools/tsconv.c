/* tsconv - numpy .npy <-> tensor stream frames. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_file.h"
#include "we_npy.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: %s --to npy [-i INDEX] [-n NAME] [-o FILE] [STREAM]\n"
           "       %s --from npy [-n NAME] [-k KEY=VALUE]... [NPYFILE]\n"
           "Convert between one WES1 frame and a numpy .npy file (stdin/stdout by default).\n"
           "  --to npy         write frame INDEX (counting only frames named NAME, if given) as .npy\n"
           "  --from npy       write the .npy array as one frame named NAME (default 'tensor')\n"
           "  -i, --index N    which frame (default 0)\n"
           "  -n, --name NAME  frame name to select (--to) or to give (--from)\n"
           "  -k KEY=VALUE     add a key to the frame (--from; repeatable)\n"
           "  -o, --output F   output file, written atomically (default stdout)\n"
           "npy dtypes: u1 u2 i4 f2 f4 map directly; f8 -> f32 and i8/i2/i1 -> i32.\n",
           we_cli_prog(), we_cli_prog());
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    const char *to = NULL, *from = NULL, *name = NULL, *out = "-";
    long index = 0;
    const char *keys[64];
    int nkeys = 0;
    static const struct option lo[] = {{"to", 1, 0, 'T'},     {"from", 1, 0, 'F'},   {"index", 1, 0, 'i'},
                                       {"name", 1, 0, 'n'},   {"output", 1, 0, 'o'}, {"key", 1, 0, 'k'},
                                       {"help", 0, 0, 'h'},   {0, 0, 0, 0}};
    for (int o; (o = getopt_long(argc, argv, "i:n:o:k:h", lo, NULL)) != -1;) {
        switch (o) {
        case 'T': to = optarg; break;
        case 'F': from = optarg; break;
        case 'i': index = we_cli_parse_long("-i", optarg, 0, 1L << 40); break;
        case 'n': name = optarg; break;
        case 'o': out = optarg; break;
        case 'k':
            if (nkeys == 64) we_cli_usage_error("too many -k options");
            keys[nkeys++] = optarg;
            break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (!!to == !!from) we_cli_usage_error("give exactly one of --to npy or --from npy");
    if ((to && strcmp(to, "npy")) || (from && strcmp(from, "npy")))
        we_cli_usage_error("unknown format '%s' (only npy)", to ? to : from);
    if (argc - optind > 1) we_cli_usage_error("at most one input file");
    const char *in = optind < argc ? argv[optind] : "-";
    if (name && !we_valid_name(name)) we_cli_usage_error("bad frame name '%s' (want [a-z][a-z0-9_]*)", name);
    if (strcmp(out, "-") == 0) we_cli_refuse_tty(stdout);

    if (from) {
        we_frame fr;
        we_frame_init(&fr);
        for (int i = 0; i < nkeys; i++) {
            char *eq = strchr(keys[i], '=');
            if (!eq) we_cli_usage_error("-k wants KEY=VALUE, got '%s'", keys[i]);
            *eq = 0;
            if (we_frame_set(&fr, keys[i], eq + 1)) we_cli_usage_error("%s", we_err_detail());
        }
        uint8_t *buf;
        size_t n;
        we_status s = we_file_read_all(in, 1ull << 40, &buf, &n);
        if (s) we_cli_die_status(s, NULL);
        s = we_npy_parse(buf, n, 4ull << 30, &fr.t);
        free(buf);
        if (s) we_cli_die_status(s, in);
        we_frame_set_name(&fr, name ? name : "tensor");
        if (strcmp(out, "-") == 0) {
            if ((s = we_frame_write(stdout, &fr))) we_cli_die_status(s, NULL);
        } else {
            char tmp[4096];
            FILE *f;
            if ((s = we_file_atomic_open(out, tmp, sizeof tmp, &f))) we_cli_die_status(s, NULL);
            if ((s = we_frame_write(f, &fr))) { we_file_atomic_abort(f, tmp); we_cli_die_status(s, out); }
            if ((s = we_file_atomic_commit(f, tmp, out))) we_cli_die_status(s, NULL);
        }
        we_frame_free(&fr);
        we_cli_finish_output();
        return 0;
    }

    if (nkeys) we_cli_usage_error("-k is for --from npy");
    FILE *f = strcmp(in, "-") ? fopen(in, "rb") : stdin;
    if (!f) we_cli_die(WE_ENOINPUT, "cannot open %s", in);
    we_reader r;
    we_reader_init(&r, f, strcmp(in, "-") ? in : "stdin");
    we_frame fr;
    we_frame_init(&fr);
    long seen = 0;
    we_status s;
    while ((s = we_reader_frame(&r, &fr)) == WE_OK) {
        if (name && strcmp(fr.name, name)) continue;
        if (seen++ == index) break;
    }
    if (s == WE_EOF)
        we_cli_die(WE_EDATA, "%s has no frame %ld%s%s", r.label, index, name ? " named " : "", name ? name : "");
    if (s) we_cli_die_status(s, NULL);
    uint8_t *buf;
    size_t n;
    if ((s = we_npy_encode(&fr.t, &buf, &n))) we_cli_die_status(s, NULL);
    if ((s = we_file_write_atomic(out, buf, n))) we_cli_die_status(s, NULL);
    free(buf);
    we_frame_free(&fr);
    we_reader_free(&r);
    we_cli_finish_output();
    return 0;
}
