/* lmtarget - learn where each emotion puts the landmarks, or move a
 * stream's landmarks there (see lmtarget(1), lib/face/we_lmtarget.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_emotion.h"
#include "we_layout_face.h"
#include "we_lmtarget.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: %s -o FILE [STREAM]...          learn from aligned, labelled faces\n"
           "       %s -m FILE -e EMOTION [OPTION]... [STREAM]   move landmarks to EMOTION\n"
           "Learn the mean landmarks (crop units) of each emotion from items with a `landmarks`\n"
           "frame and an `emotion` key, or move every item's landmarks by the mean displacement\n"
           "from its source emotion to EMOTION (the target an Expr+Landmarks edit needs; then\n"
           "lmheat makes its heatmaps). Streams: FILEs or stdin.\n"
           "  -o, --output FILE     learn: write the estimate (safetensors)\n"
           "  -m, --model FILE      move: the estimate to use\n"
           "  -e, --emotion NAME    move: the target emotion\n"
           "  -s, --source NAME     move: source emotion when an item has no `emotion` key\n"
           "                        (default neutral)\n"
           "  -i, --intensity F     move: fraction of the mean displacement, 0..2 (default 1)\n"
           "  -k, --keep            move: keep `landmarks` and write the moved ones to a\n"
           "                        `target_landmarks` frame (then lmheat -t; wdenoise inverts\n"
           "                        under the face's own heatmaps, denoises under the target's)\n"
           "  -h, --help            this help\n",
           we_cli_prog(), we_cli_prog());
}

static int emotion_arg(const char *opt, const char *name)
{
    int e = we_emotion_id(name);
    if (e < 0 || e >= WE_EMOTION_COUNT) we_cli_usage_error("option %s: '%s' is not an emotion", opt, name);
    return e;
}

/* -k: *lm becomes a `target_landmarks` copy of the item's landmarks (an
 * earlier one is replaced), which the move then changes. */
static we_status keep_source(we_item *it, we_frame **lm)
{
    we_frame *old = we_item_find(it, "target_landmarks"), cp;
    we_frame_init(&cp);
    we_status s = we_frame_copy(&cp, *lm);
    if (!s) s = we_frame_set_name(&cp, "target_landmarks");
    if (s) { we_frame_free(&cp); return s; }
    if (old) { we_frame_free(old); we_frame_move(old, &cp); *lm = old; return WE_OK; }
    if ((s = we_item_push(it, &cp))) { we_frame_free(&cp); return s; }
    *lm = &it->f[it->n - 1];
    return WE_OK;
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    const char *out = NULL, *model = NULL;
    int dst = -1, src_default = 0, keep = 0;
    double intensity = 1;
    static const struct option lo[] = {{"output", 1, 0, 'o'},  {"model", 1, 0, 'm'},     {"emotion", 1, 0, 'e'},
                                       {"source", 1, 0, 's'},  {"intensity", 1, 0, 'i'}, {"help", 0, 0, 'h'},
                                       {"keep", 0, 0, 'k'},    {0, 0, 0, 0}};
    for (int c; (c = getopt_long(argc, argv, "o:m:e:s:i:kh", lo, NULL)) != -1;) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'm': model = optarg; break;
        case 'e': dst = emotion_arg("--emotion", optarg); break;
        case 's': src_default = emotion_arg("--source", optarg); break;
        case 'i': intensity = we_cli_parse_double("--intensity", optarg, 0, 2); break;
        case 'k': keep = 1; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (!out == !model) we_cli_usage_error("give -o FILE (learn) or -m FILE (move), one of them");
    if (model && dst < 0) we_cli_usage_error("-m needs -e EMOTION");
    if (out && dst >= 0) we_cli_usage_error("-e only applies to -m");
    we_lmtarget t;
    we_lmtarget_init(&t);
    we_status s;
    if (model && (s = we_lmtarget_load(&t, model))) we_cli_die_status(s, model);
    if (model) {
        we_cli_refuse_tty(stdout);
        we_cli_stream_stdout();
    }
    we_batch b;
    we_batch_init(&b, "items");
    int nin = argc - optind > 0 ? argc - optind : 1;
    for (int k = 0; k < nin; k++) {
        const char *path = optind < argc ? argv[optind + k] : "-";
        const char *label;
        FILE *in = we_cli_open_input(path, &label);
        we_reader r;
        we_reader_init(&r, in, label);
        we_item it;
        we_item_init(&it);
        while ((s = we_reader_item(&r, &it)) == WE_OK) {
            we_frame *lm = we_item_find(&it, "landmarks");
            const char *id = we_item_id(&it);
            int H = 0, W = 0;
            if (lm && ((s = we_layout_landmarks_check(lm)) || (s = we_layout_landmarks_image_size(&it, lm, &H, &W)))) {
                we_batch_fail(&b, s, id); /* lmtarget(1), BAD ITEMS */
                continue;
            }
            const char *ek = lm ? we_frame_get(lm, "emotion") : NULL;
            int e = ek ? we_emotion_id(ek) : -1;
            if (out) {
                if (lm && e >= 0 && e < WE_EMOTION_COUNT && (s = we_lmtarget_add(&t, lm->t.data, H, e))) {
                    we_batch_fail(&b, s, id);
                    continue;
                }
            } else if (lm) {
                if (keep && (s = keep_source(&it, &lm))) we_cli_die_status(s, id);
                if ((s = we_lmtarget_apply(&t, lm->t.data, H, e >= 0 && e < WE_EMOTION_COUNT ? e : src_default, dst,
                                           (float)intensity)))
                    we_cli_die_status(s, model);
                if ((s = we_frame_set(lm, "lmtarget", we_emotion_name(dst)))) we_cli_die_status(s, id);
            }
            if (model && (s = we_item_write(stdout, &it))) we_cli_die_status(s, "stdout");
            we_batch_ok(&b);
            we_item_free(&it);
        }
        if (s != WE_EOF) we_cli_die_status(s, path);
        we_reader_free(&r);
        if (in != stdin) fclose(in);
    }
    if (out) {
        if ((s = we_lmtarget_finish(&t))) we_cli_die_status(s, "learning");
        if ((s = we_lmtarget_save(&t, out))) we_cli_die_status(s, out);
        fprintf(stderr, "%s: wrote %s (faces:", we_cli_prog(), out);
        for (int e = 0; e < WE_EMOTION_COUNT; e++) fprintf(stderr, " %s %ld", we_emotion_name(e), t.count[e]);
        fprintf(stderr, ")\n");
    }
    we_cli_finish_output();
    return we_batch_end(&b, 0);
}
