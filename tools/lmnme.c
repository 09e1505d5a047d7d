/* lmnme - how far each item's landmarks are from another set of its
 * landmarks: the NME of `landmarks` against `target_landmarks` (or any two
 * frames), per target emotion. With femo -l before it, how close an edit
 * came to the landmarks lmtarget -k asked for. See lmnme(1). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_emotion.h"
#include "we_file.h"
#include "we_layout_face.h"
#include "we_metrics.h"
#include "we_metrics_photo.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: %s [OPTION]... [STREAM]\n"
           "For every item with both frames, the normalised mean error (mean point distance\n"
           "over the inter-ocular distance of B, outer eye corners 36/45) between landmark\n"
           "frames A and B, on all 68 points and on the points an expression moves (brows\n"
           "17-26, mouth 48-67); printed per target emotion (the `emotion` key) and for all.\n"
           "  -a, --a NAME       first frame (default landmarks: e.g. femo -l's, of the edit)\n"
           "  -b, --b NAME       reference frame (default target_landmarks: lmtarget -k's)\n"
           "  -s, --source FILE  the unedited faces through the same landmark net, each with\n"
           "                     frames A (its landmarks) and B (its target): adds `moved`,\n"
           "                     the fraction of the requested displacement (B - A of FILE)\n"
           "                     the edit made (A of STREAM - A of FILE, projected on it;\n"
           "                     brows and mouth; 1 = all the way, 0 = none, < 0 = the\n"
           "                     other way), its cosine, and n_moved: the items asked to move;\n"
           "                     items by id\n"
           "  -o, --csv FILE     also write the table as CSV (emotion,n,nme,nme_expr[,moved,cos,n_moved])\n"
           "  -h, --help         this help\n"
           "Reads STREAM or stdin. Exit status: 0 ok, 64 usage, 65 no item has both frames\n"
           "(or a bad one), 66 missing input, 74 I/O.\n",
           we_cli_prog());
}

typedef struct { long n, nm; double all, expr, moved, cos; } sums;

static void print_row(FILE *f, int csv, int with_moved, const char *name, const sums *s)
{
    double n = s->n ? (double)s->n : 1, nm = s->nm ? (double)s->nm : 1;
    fprintf(f, csv ? "%s,%ld,%.5f,%.5f" : "%-10s %6ld  %8.5f  %8.5f", name, s->n, s->all / n, s->expr / n);
    if (with_moved) fprintf(f, csv ? ",%.4f,%.4f,%ld" : "  %7.4f  %7.4f  %7ld", s->moved / nm, s->cos / nm, s->nm);
    fputc('\n', f);
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    const char *fa = "landmarks", *fb = "target_landmarks", *csv = NULL, *src = NULL;
    static const struct option lo[] = {{"a", 1, 0, 'a'}, {"b", 1, 0, 'b'}, {"csv", 1, 0, 'o'}, {"source", 1, 0, 's'},
                                       {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    for (int c; (c = getopt_long(argc, argv, "a:b:o:s:h", lo, NULL)) != -1;) {
        switch (c) {
        case 'a': fa = optarg; break;
        case 'b': fb = optarg; break;
        case 'o': csv = optarg; break;
        case 's': src = optarg; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (!we_valid_name(fa) || !we_valid_name(fb)) we_cli_usage_error("-a/-b take frame names ([a-z][a-z0-9_]*)");
    if (argc - optind > 1) we_cli_usage_error("at most one input stream (got %d)", argc - optind);
    const char *path = optind < argc ? argv[optind] : "-";
    we_lm_table *sl = NULL, *st = NULL; /* -s: the sources' landmarks and targets */
    if (src) {
        we_status e = we_lm_table_load_frame(&sl, src, fa);
        if (!e) e = we_lm_table_load_frame(&st, src, fb);
        if (e) we_cli_die_status(e, src);
        if (!sl || !st) we_cli_die(WE_EDATA, "%s: no `%s` and `%s` frames (femo -l, then lmtarget -k)", src, fa, fb);
    }
    const char *label;
    FILE *in = we_cli_open_input(path, &label);
    unsigned char all[68], expr[68];
    memset(all, 1, sizeof all);
    we_metrics_expr_points(expr);
    sums rows[WE_EMOTION_COUNT + 1], tot = {0};
    memset(rows, 0, sizeof rows);
    we_reader r;
    we_reader_init(&r, in, label);
    we_item it;
    we_item_init(&it);
    we_batch b;
    we_batch_init(&b, "items");
    we_status s;
    long without = 0;
    while ((s = we_reader_item(&r, &it)) == WE_OK) {
        we_frame *A = we_item_find(&it, fa), *B = we_item_find(&it, fb);
        const char *id = we_item_id(&it);
        double e1, e2;
        if (!A || !B) { without++; we_item_free(&it); continue; }
        if ((s = we_layout_landmarks_check(A)) || (s = we_layout_landmarks_check(B)) ||
            (s = we_metrics_nme(&e1, A->t.data, B->t.data, B->t.data, all)) ||
            (s = we_metrics_nme(&e2, A->t.data, B->t.data, B->t.data, expr))) {
            we_batch_fail(&b, s, id); /* lmnme(1): a bad item is skipped */
            we_item_free(&it);
            continue;
        }
        const char *ek = we_frame_get(A, "emotion");
        int e = ek ? we_emotion_id(ek) : -1;
        sums *row = e >= 0 && e < WE_EMOTION_COUNT ? &rows[e] : &rows[WE_EMOTION_COUNT];
        row->n++, row->all += e1, row->expr += e2;
        tot.n++, tot.all += e1, tot.expr += e2;
        const float *ls = src ? we_lm_table_find(sl, id) : NULL, *lt = src ? we_lm_table_find(st, id) : NULL;
        double mv, cs;
        if (ls && lt && !we_metrics_moved(&mv, &cs, A->t.data, ls, lt, expr)) /* else: not asked, or no source */
            row->nm++, row->moved += mv, row->cos += cs, tot.nm++, tot.moved += mv, tot.cos += cs;
        we_batch_ok(&b);
        we_item_free(&it);
    }
    if (s != WE_EOF) we_cli_die_status(s, path);
    we_reader_free(&r);
    if (in != stdin) fclose(in);
    if (!tot.n)
        we_cli_die(WE_EDATA, "no item has both a `%s` and a `%s` frame (%ld without; lmtarget -k writes "
                   "target_landmarks, femo -l landmarks)", fa, fb, without);
    we_lm_table_free(sl);
    we_lm_table_free(st);
    if (src && !tot.nm)
        we_cli_die(WE_EDATA, "no item of the stream has a source in %s with a displacement asked (ids differ?)", src);
    int m = src != NULL;
    printf("%-10s %6s  %8s  %8s%s\n", "emotion", "n", "nme", "nme_expr", m ? "    moved      cos  n_moved" : "");
    for (int k = 0; k <= WE_EMOTION_COUNT; k++)
        if (rows[k].n) print_row(stdout, 0, m, k < WE_EMOTION_COUNT ? we_emotion_name(k) : "(other)", &rows[k]);
    print_row(stdout, 0, m, "all", &tot);
    if (csv) {
        char tmp[4200];
        FILE *f;
        if ((s = we_file_atomic_open(csv, tmp, sizeof tmp, &f))) we_cli_die_status(s, csv);
        fprintf(f, "emotion,n,nme,nme_expr%s\n", m ? ",moved,cos,n_moved" : "");
        for (int k = 0; k <= WE_EMOTION_COUNT; k++)
            if (rows[k].n) print_row(f, 1, m, k < WE_EMOTION_COUNT ? we_emotion_name(k) : "other", &rows[k]);
        print_row(f, 1, m, "all", &tot);
        if ((s = we_file_atomic_commit(f, tmp, csv))) we_cli_die_status(s, csv);
    }
    we_cli_finish_output();
    return we_batch_end(&b, 0);
}
