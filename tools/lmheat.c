/* lmheat - 68 landmarks -> K region heatmaps per item (see lmheat(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_heatmap.h"
#include "we_layout_face.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]\n"
           "Add a `heatmap` frame (f32 K x H x W in [0,1]) to every item of a WES1 stream that\n"
           "has `landmarks` (68 x 2): one Gaussian boundary heatmap per region\n"
           "(jaw,brow_l,brow_r,nose,eye_l,eye_r,lips_outer,lips_inner) and optionally the face's\n"
           "hull mask. Other frames pass through unchanged; an existing heatmap is replaced.\n"
           "Reads FILE or stdin.\n"
           "  -s, --size N     heatmap side (default: half the item's image side, S/2)\n"
           "  -g, --sigma F    Gaussian sigma in heatmap pixels (default 1.5)\n"
           "  -m, --mask       add a 9th channel: the landmarks' convex hull, edge smoothed by sigma\n"
           "  -t, --target     from the `target_landmarks` frame (lmtarget -k) to a `target_heatmap`\n"
           "                   frame: the heatmaps wdenoise's reverse pass is conditioned on\n"
           "  -h, --help       this help\n",
           we_cli_prog());
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    int size = 0, mask = 0, target = 0;
    double sigma = 1.5;
    static const struct option lo[] = {{"size", 1, 0, 's'}, {"sigma", 1, 0, 'g'}, {"mask", 0, 0, 'm'},
                                       {"target", 0, 0, 't'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    for (int c; (c = getopt_long(argc, argv, "s:g:mth", lo, NULL)) != -1;) {
        switch (c) {
        case 's': size = (int)we_cli_parse_long("--size", optarg, 1, 4096); break;
        case 'g': sigma = we_cli_parse_double("--sigma", optarg, 0.05, 1000); break;
        case 'm': mask = 1; break;
        case 't': target = 1; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (argc - optind > 1) we_cli_usage_error("at most one input file (got %d)", argc - optind);
    const char *path = optind < argc ? argv[optind] : "-";
    we_cli_refuse_tty(stdout);
    we_cli_stream_stdout();
    const char *label;
    FILE *in = we_cli_open_input(path, &label);
    we_reader r;
    we_reader_init(&r, in, label);
    we_item it;
    we_item_init(&it);
    we_status s;
    long items = 0, maps = 0;
    int K = WE_HEATMAP_REGIONS + mask;
    we_progress prog;
    we_progress_start(&prog);
    we_batch b;
    we_batch_init(&b, "items");
    const char *lm_name = target ? "target_landmarks" : "landmarks", *hm_name = target ? "target_heatmap" : "heatmap";
    while ((s = we_reader_item(&r, &it)) == WE_OK) {
        we_frame *lm = we_item_find(&it, lm_name);
        if (lm) {
            const char *id = we_item_id(&it);
            int sh, sw;
            if ((s = we_layout_landmarks_check(lm)) || (s = we_layout_landmarks_image_size(&it, lm, &sh, &sw))) {
                we_batch_fail(&b, s, id); /* lmheat(1), BAD ITEMS */
                continue;
            }
            int H = size ? size : (sh / 2 > 0 ? sh / 2 : 1), W = size ? size : (sw / 2 > 0 ? sw / 2 : 1);
            we_frame hm;
            we_frame_init(&hm);
            if ((s = we_layout_heatmap_new(&hm, K, H, W)) != WE_OK || (s = we_frame_set_name(&hm, hm_name)))
                we_cli_die_status(s, id);
            we_heatmap_forward(hm.t.data, lm->t.data, sh, sw, H, W, (float)sigma, mask);
            if (we_frame_copy_keys(&hm, lm) != WE_OK || we_layout_heatmap_set_keys(&hm, mask, sigma) != WE_OK)
                we_cli_die(WE_EINTERNAL, "item %s: cannot set heatmap keys", id);
            we_frame *old = we_item_find(&it, hm_name);
            if (old) {
                we_frame_free(old);
                we_frame_move(old, &hm);
            } else if ((s = we_item_push(&it, &hm)) != WE_OK) {
                we_cli_die_status(s, id);
            }
            maps++;
        }
        if ((s = we_item_write(stdout, &it)) != WE_OK) we_cli_die_status(s, "stdout");
        we_batch_ok(&b);
        we_item_free(&it);
        we_progress_update(&prog, ++items, 0, "items");
    }
    if (s != WE_EOF) we_cli_die_status(s, path);
    we_progress_end(&prog, items, "items");
    we_reader_free(&r);
    if (in != stdin) fclose(in);
    we_cli_finish_output();
    return we_batch_end(&b, 0);
}
