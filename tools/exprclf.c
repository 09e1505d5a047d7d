/* exprclf - a small expression classifier as a yardstick: softmax
 * regression on pooled pixels, trained on one stream, scored on another
 * (pipelines/experiments.mk's synthetic-to-real gap). See man/exprclf.1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_emotion.h"
#include "we_linclf.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: exprclf -t TRAIN [OPTION]... TEST\n"
           "Train a softmax classifier of the `emotion` key on the `image` frames of the\n"
           "stream TRAIN (pixels averaged over channels, area-pooled to P x P,\n"
           "standardised) and print its accuracy on the labelled image frames of TEST\n"
           "(\"-\" = stdin): one line `acc A n N train M`.\n\n"
           "  -t, --train=FILE   training stream (\"-\" = stdin, not with TEST -)\n"
           "  -n, --per-class=N  use at most the first N training items of each class\n"
           "  -c, --classes=LIST only these emotions, in TRAIN and TEST (comma separated;\n"
           "                     default all)\n"
           "  -p, --pool=P       pooled side (default 16)\n"
           "  -E, --epochs=N     full-batch gradient steps (default 300)\n"
           "      --lr=F         step size (default 0.5)\n"
           "      --l2=F         weight decay (default 0.01)\n"
           "  -h, --help         show this help and exit\n\n"
           "Items without an `image` frame or a known `emotion` are skipped (counted on\n"
           "stderr). Exit status: 0 ok, 64 usage, 65 bad input (no labelled items), 66\n"
           "missing input, 74 I/O.\n");
}

typedef struct {
    float *x;
    int *y;
    int n, cap, skipped;
    int per_class, have[WE_EMOTION_COUNT]; /* cap per class (0 = none), items per class */
    const int *want;                       /* [WE_EMOTION_COUNT] 1 = class used */
} set;

/* Read the labelled image frames of path into s as P x P pooled features. */
static void read_set(const char *path, int P, set *s)
{
    const char *label;
    FILE *f = we_cli_open_input(path, &label);
    we_reader r;
    we_reader_init(&r, f, label);
    we_item it;
    we_item_init(&it);
    we_status st;
    int D = P * P;
    double *acc = malloc(D * sizeof *acc);
    int *cnt = malloc(D * sizeof *cnt);
    if (!acc || !cnt) we_cli_die(WE_ENOMEM, "pooling buffers");
    while ((st = we_reader_item(&r, &it)) == WE_OK) {
        we_frame *fr = we_item_find(&it, "image");
        const char *e = fr ? we_frame_get(fr, "emotion") : NULL;
        int lab;
        if (!fr || !e || we_emotion_label_parse(e, &lab) || lab >= WE_EMOTION_COUNT || fr->t.rank != 3 ||
            (fr->t.dtype != WE_F32 && fr->t.dtype != WE_U8)) {
            s->skipped++;
            continue;
        }
        if (!s->want[lab] || (s->per_class && s->have[lab] >= s->per_class)) continue;
        s->have[lab]++;
        int C = (int)fr->t.shape[0], H = (int)fr->t.shape[1], W = (int)fr->t.shape[2];
        memset(acc, 0, D * sizeof *acc), memset(cnt, 0, D * sizeof *cnt);
        for (int c = 0; c < C; c++)
            for (int yy = 0; yy < H; yy++)
                for (int xx = 0; xx < W; xx++) {
                    size_t i = ((size_t)c * H + yy) * W + xx;
                    double v = fr->t.dtype == WE_F32 ? ((float *)fr->t.data)[i]
                                                     : ((unsigned char *)fr->t.data)[i] / 127.5 - 1;
                    int b = (int)((long)yy * P / H) * P + (int)((long)xx * P / W);
                    acc[b] += v, cnt[b]++;
                }
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 256;
            s->x = realloc(s->x, (size_t)s->cap * D * sizeof *s->x);
            s->y = realloc(s->y, (size_t)s->cap * sizeof *s->y);
            if (!s->x || !s->y) we_cli_die(WE_ENOMEM, "%d items", s->cap);
        }
        for (int d = 0; d < D; d++) s->x[(size_t)s->n * D + d] = cnt[d] ? (float)(acc[d] / cnt[d]) : 0;
        s->y[s->n++] = lab;
    }
    if (st != WE_EOF) we_cli_die_status(st, path);
    we_item_free(&it);
    we_reader_free(&r);
    if (f != stdin) fclose(f);
    free(acc), free(cnt);
    if (s->skipped) we_cli_warn("%s: %d items without an image frame or a known emotion skipped", path, s->skipped);
    if (s->n == 0) we_cli_die(WE_EDATA, "%s: no labelled image frames", path);
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    const char *train = NULL, *classes = NULL;
    int P = 16, epochs = 300, per_class = 0, want[WE_EMOTION_COUNT];
    double lr = 0.5, l2 = 0.01;
    enum { O_LR = 256, O_L2 };
    static const struct option lo[] = {{"train", 1, 0, 't'}, {"per-class", 1, 0, 'n'}, {"classes", 1, 0, 'c'}, {"pool", 1, 0, 'p'}, {"epochs", 1, 0, 'E'},
                                       {"lr", 1, 0, O_LR},   {"l2", 1, 0, O_L2},   {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "t:n:c:p:E:h", lo, NULL)) != -1) {
        switch (c) {
        case 't': train = optarg; break;
        case 'n': per_class = (int)we_cli_parse_long("--per-class", optarg, 1, 1 << 30); break;
        case 'c': classes = optarg; break;
        case 'p': P = (int)we_cli_parse_long("--pool", optarg, 1, 256); break;
        case 'E': epochs = (int)we_cli_parse_long("--epochs", optarg, 0, 1000000); break;
        case O_LR: lr = we_cli_parse_double("--lr", optarg, 0, 1e3); break;
        case O_L2: l2 = we_cli_parse_double("--l2", optarg, 0, 1e3); break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("try --help");
        }
    }
    if (!train) we_cli_usage_error("give the training stream with -t");
    if (optind != argc - 1) we_cli_usage_error("give one TEST stream");
    const char *test = argv[optind];
    if (!strcmp(train, "-") && !strcmp(test, "-")) we_cli_usage_error("TRAIN and TEST cannot both be stdin");
    for (int k = 0; k < WE_EMOTION_COUNT; k++) want[k] = classes == NULL;
    if (classes) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", classes);
        for (char *tok = strtok(buf, ", "); tok; tok = strtok(NULL, ", ")) {
            int lab;
            if (we_emotion_label_parse(tok, &lab) || lab >= WE_EMOTION_COUNT)
                we_cli_usage_error("--classes: '%s' is not an emotion", tok);
            want[lab] = 1;
        }
    }
    set tr = {.per_class = per_class, .want = want}, te = {.want = want};
    read_set(train, P, &tr);
    read_set(test, P, &te);
    we_linclf m;
    we_status st = we_linclf_train(&m, tr.x, tr.y, tr.n, P * P, WE_EMOTION_COUNT, epochs, (float)lr, (float)l2);
    if (st) we_cli_die_status(st, "training");
    int ok = 0;
    for (int i = 0; i < te.n; i++) ok += we_linclf_predict(&m, te.x + (size_t)i * P * P) == te.y[i];
    printf("acc %.4f n %d train %d\n", (double)ok / te.n, te.n, tr.n);
    we_linclf_free(&m);
    free(tr.x), free(tr.y), free(te.x), free(te.y);
    we_cli_finish_output();
    return 0;
}
