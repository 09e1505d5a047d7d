/* feclass - the project's expression classifier (lib/face/we_fexpr.h) on
 * each `image` frame of a stream: class probabilities, valence and
 * arousal as keys. See man/man1/feclass.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_fexpr.h"
#include "we_nn.h"
#include "we_stream.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: feclass [OPTION]... < in.wes > out.wes\n"
            "Classify the facial expression of every `image` frame (an aligned face, C = 1\n"
            "or 3, square) with the project's expression classifier and add keys\n"
            "fexpr.<class>=p (classes: neutral happy sad surprise fear disgust anger\n"
            "contempt), fexpr.top=class and fexpr.valence, fexpr.arousal (the\n"
            "probabilities times the circumplex coordinates of the classes, Warriner et\n"
            "al. 2013). Other frames pass through unchanged.\n"
            "\n"
            "  -m, --model=FILE  classifier weights (default: $WE_FEXPR or\n"
            "                    models/fexpr.safetensors next to the tools)\n"
            "      --va          also set valence= and arousal= (the condition keys wtrain\n"
            "                    reads) on every frame of the item, replacing any there\n"
            "  -T, --threads=N   threads (default 1)\n"
            "      --table       print the circumplex table (emotion valence arousal, one\n"
            "                    class a line) and exit: the -V/-A of each emotion\n"
            "  -h, --help        show this help and exit\n"
            "\n"
            "Exit status: 0 ok, 64 usage, 65 bad input, 66 weights missing, 74 I/O.\n");
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    const char *model = NULL;
    int va_keys = 0;
    long threads = 1;
    static const struct option lo[] = {
        {"model", 1, 0, 'm'}, {"va", 0, 0, 'v'}, {"threads", 1, 0, 'T'}, {"help", 0, 0, 'h'},
        {"table", 0, 0, 't'}, {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "m:T:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'm': model = optarg; break;
        case 'v': va_keys = 1; break;
        case 'T': threads = we_cli_parse_long("--threads", optarg, 1, 256); break;
        case 'h': usage(stdout); return 0;
        case 't':
            for (int k = 0; k < WE_FEXPR_NCLASS; k++)
                printf("%s %.4f %.4f\n", we_emotion_name(k), we_fexpr_va_table[k][0], we_fexpr_va_table[k][1]);
            return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s' (feclass reads stdin)", argv[optind]);
    we_cli_refuse_tty(stdout);
    we_nn_set_threads((int)threads);
    we_fexpr net;
    we_status st = we_fexpr_load(&net, model, 1, 0);
    if (st) we_cli_die_status(st, NULL);
    we_reader rd;
    we_reader_init(&rd, stdin, "stdin");
    we_item it;
    we_item_init(&it);
    long items = 0;
    float x[WE_FEXPR_S * WE_FEXPR_S];
    we_progress prog;
    we_progress_start(&prog);
    while ((st = we_reader_item(&rd, &it)) == WE_OK) {
        float va[2];
        int have = 0;
        for (int f = 0; f < it.n; f++) {
            we_frame *fr = &it.f[f];
            if (strcmp(fr->name, "image") != 0) continue;
            if ((st = we_fexpr_input_frame(x, fr)))
                we_cli_die(st, "item %s: %s", *we_item_id(&it) ? we_item_id(&it) : "?", we_err_detail());
            float z[WE_FEXPR_NCLASS], p[WE_FEXPR_NCLASS];
            we_fexpr_forward(&net, z, x, 1);
            we_fexpr_softmax(p, z);
            we_fexpr_va(va, z);
            int top = 0;
            for (int k = 0; k < WE_FEXPR_NCLASS; k++) {
                char key[64];
                snprintf(key, sizeof key, "fexpr.%s", we_emotion_names[k]);
                we_frame_setf(fr, key, "%.6f", p[k]);
                top = p[k] > p[top] ? k : top;
            }
            we_frame_set(fr, "fexpr.top", we_emotion_names[top]);
            we_frame_setf(fr, "fexpr.valence", "%.6f", va[0]);
            we_frame_setf(fr, "fexpr.arousal", "%.6f", va[1]);
            have = 1;
        }
        if (va_keys && have)
            for (int f = 0; f < it.n; f++) {
                we_frame_setf(&it.f[f], "valence", "%.6f", va[0]);
                we_frame_setf(&it.f[f], "arousal", "%.6f", va[1]);
            }
        if ((st = we_item_write(stdout, &it))) we_cli_die(WE_EIO, "write error on stdout");
        items++;
        we_item_free(&it);
        we_progress_update(&prog, items, 0, "items");
    }
    if (st != WE_EOF) we_cli_die_status(st, "stdin");
    we_progress_end(&prog, items, "items");
    we_fexpr_free(&net);
    we_reader_free(&rd);
    we_cli_finish_output();
    return 0;
}
