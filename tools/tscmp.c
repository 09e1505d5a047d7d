/* tscmp - compare two tensor streams frame by frame, with tolerances.
 * Exit 0 when they agree, 1 when they differ, >1 on trouble (like cmp). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_compare.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: %s [-a ABS] [-r REL] [-k] [-q] FILE1 FILE2\n"
           "Compare two WES1 streams frame by frame (FILE may be '-' for stdin, once).\n"
           "Frames agree when names, dtypes and shapes match and every value pair has\n"
           "|a - b| <= ABS + REL*|b| (b from FILE2).\n"
           "  -a, --abs ABS    absolute tolerance (default 0)\n"
           "  -r, --rel REL    relative tolerance (default 0)\n"
           "  -k, --keys       also require equal key=value lists\n"
           "  -q, --quiet      print nothing; the exit status says it\n"
           "  -v, --verbose    print a line for every frame, agreeing or not\n"
           "Exit status: 0 same, 1 different, 64 usage, 65 bad stream, 66 missing file.\n",
           we_cli_prog());
}

static FILE *open_in(const char *p)
{
    if (strcmp(p, "-") == 0) return stdin;
    FILE *f = fopen(p, "rb");
    if (!f) we_cli_die(WE_ENOINPUT, "cannot open %s", p);
    return f;
}

static int keys_equal(const we_frame *a, const we_frame *b)
{
    if (a->nkv != b->nkv) return 0;
    for (int i = 0; i < a->nkv; i++) {
        const char *v = we_frame_get(b, a->kv[i].key);
        if (!v || strcmp(v, a->kv[i].val) != 0) return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    double abs_tol = 0, rel_tol = 0;
    int cmp_keys = 0, quiet = 0, verbose = 0;
    static const struct option lo[] = {{"abs", 1, 0, 'a'},   {"rel", 1, 0, 'r'},     {"keys", 0, 0, 'k'},
                                       {"quiet", 0, 0, 'q'}, {"verbose", 0, 0, 'v'}, {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
    for (int o; (o = getopt_long(argc, argv, "a:r:kqvh", lo, NULL)) != -1;) {
        switch (o) {
        case 'a': abs_tol = we_cli_parse_double("-a", optarg, 0, 1e300); break;
        case 'r': rel_tol = we_cli_parse_double("-r", optarg, 0, 1e300); break;
        case 'k': cmp_keys = 1; break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (argc - optind != 2) we_cli_usage_error("need exactly two streams to compare");
    const char *p1 = argv[optind], *p2 = argv[optind + 1];
    if (strcmp(p1, "-") == 0 && strcmp(p2, "-") == 0) we_cli_usage_error("only one stream can come from stdin");
    FILE *f1 = open_in(p1), *f2 = open_in(p2);
    we_reader r1, r2;
    we_reader_init(&r1, f1, strcmp(p1, "-") ? p1 : "stdin");
    we_reader_init(&r2, f2, strcmp(p2, "-") ? p2 : "stdin");
    r1.allow_nonfinite = r2.allow_nonfinite = 1; /* compares them as values (wes(5)) */
    we_frame a, b;
    we_frame_init(&a);
    we_frame_init(&b);
    int differ = 0;
    for (long i = 0;; i++) {
        we_status s1 = we_reader_frame(&r1, &a);
        if (s1 && s1 != WE_EOF) we_cli_die_status(s1, NULL);
        we_status s2 = we_reader_frame(&r2, &b);
        if (s2 && s2 != WE_EOF) we_cli_die_status(s2, NULL);
        if (s1 == WE_EOF && s2 == WE_EOF) break;
        if (s1 == WE_EOF || s2 == WE_EOF) {
            if (!quiet) printf("frame %ld: %s has more frames\n", i, s1 == WE_EOF ? p2 : p1);
            differ = 1;
            break;
        }
        const char *why = NULL;
        char msg[256];
        int same_shape = a.t.rank == b.t.rank && !memcmp(a.t.shape, b.t.shape, sizeof(int64_t) * (size_t)a.t.rank);
        if (strcmp(a.name, b.name)) why = "names differ";
        else if (a.t.dtype != b.t.dtype) why = "dtypes differ";
        else if (!same_shape) why = "shapes differ";
        else if (cmp_keys && !keys_equal(&a, &b)) why = "keys differ";
        we_compare_result res = {0};
        if (!why) {
            if (we_compare_tensors(&a.t, &b.t, abs_tol, rel_tol, &res)) we_cli_die_status(WE_EDATA, NULL);
            if (res.n_bad) {
                snprintf(msg, sizeof msg, "%zu values differ, first at %zu: %.9g vs %.9g", res.n_bad, res.first_bad,
                         res.a_bad, res.b_bad);
                why = msg;
            }
        }
        if (why) differ = 1;
        if (!quiet && (why || verbose))
            printf("frame %ld (%s%s%s): %s (max abs %.3g, max rel %.3g)\n", i, a.name, we_frame_get(&a, "id") ? " " : "",
                   we_frame_get(&a, "id") ? we_frame_get(&a, "id") : "", why ? why : "same", res.max_abs, res.max_rel);
    }
    we_frame_free(&a);
    we_frame_free(&b);
    we_reader_free(&r1);
    we_reader_free(&r2);
    we_cli_finish_output();
    return differ;
}
