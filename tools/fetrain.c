/* fetrain - train the expression classifier (lib/face/we_fexpr.h) on the
 * labelled `image` frames of a stream. See man/man1/fetrain.1. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_fexpr_train.h"
#include "we_nn.h"
#include "we_stream.h"

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: fetrain -o OUT [OPTION]... < train.wes\n"
            "Train the expression classifier on every `image` frame with an `emotion` key\n"
            "(aligned faces, C = 1 or 3, any square size; items without a label are\n"
            "skipped) and write its weights to OUT (safetensors). Batches draw a class with\n"
            "probability proportional to the square root of its face count, then a face of\n"
            "it, augmented (flip, shift, scale, brightness, contrast).\n"
            "\n"
            "  -o, --output=FILE     weights to write (required)\n"
            "      --init=FILE       start from these weights instead of a fresh net\n"
            "  -n, --steps=N         steps (default 6000; also the cosine schedule's length)\n"
            "  -b, --batch=N         faces per step (default 32)\n"
            "      --lr=F            peak learning rate (default 1e-3)\n"
            "      --seconds=S       stop (and save) after S seconds (default 0 = no limit); the\n"
            "                        learning-rate schedule then ends where the time runs out\n"
            "      --save-every=N    also save every N steps (default 500)\n"
            "      --log-every=N     a line on stderr every N steps (default 100; WE_PROGRESS=0 silences)\n"
            "      --per-class=N     train on the first N faces of each class only (default 0 = all)\n"
            "      --classes=LIST    train on these emotions only (comma-separated; default all)\n"
            "  -S, --seed=N          RNG seed (default 1)\n"
            "  -T, --threads=N       BLAS/conv threads (default 1)\n"
            "  -h, --help            show this help and exit\n"
            "\n"
            "SIGINT/SIGTERM save and exit. Exit status: 0 ok, 64 usage, 65 bad or no\n"
            "labelled faces, 66 --init missing, 74 I/O.\n");
}

typedef struct {
    float *x;   /* [n, 64*64] */
    int *label; /* [n] */
    int n, cap;
    int count[WE_FEXPR_NCLASS];
    long per_class; /* > 0: keep the first per_class faces of each class */
    unsigned classes; /* bit k: train on class k (0 = all) */
} faces;

static void read_faces(faces *d)
{
    we_reader rd;
    we_reader_init(&rd, stdin, "stdin");
    we_item it;
    we_item_init(&it);
    we_status st;
    long items = 0;
    while ((st = we_reader_item(&rd, &it)) == WE_OK) {
        items++;
        const char *emo = NULL;
        we_frame *img = we_item_find(&it, "image");
        for (int k = 0; k < it.n && !emo; k++) emo = we_frame_get(&it.f[k], "emotion");
        int l;
        if (img && emo && !we_emotion_label_parse(emo, &l) && l < WE_FEXPR_NCLASS &&
            !(d->per_class > 0 && d->count[l] >= d->per_class) && !(d->classes && !(d->classes >> l & 1))) {
            if (d->n == d->cap) {
                d->cap = d->cap ? 2 * d->cap : 4096;
                d->x = realloc(d->x, sizeof(float) * (size_t)d->cap * WE_FEXPR_S * WE_FEXPR_S);
                d->label = realloc(d->label, sizeof(int) * (size_t)d->cap);
                if (!d->x || !d->label) we_cli_die(WE_ENOMEM, "out of memory at face %d", d->n + 1);
            }
            if ((st = we_fexpr_input_frame(d->x + (size_t)d->n * WE_FEXPR_S * WE_FEXPR_S, img)))
                we_cli_die(st, "item %ld: %s", items, we_err_detail());
            d->label[d->n++] = l;
            d->count[l]++;
        }
        we_item_free(&it);
    }
    if (st != WE_EOF) we_cli_die_status(st, "stdin");
    we_reader_free(&rd);
    if (!d->n) we_cli_die(WE_EDATA, "no labelled image frames on stdin (%ld items)", items);
}

/* --classes: a comma-separated list of emotion names -> a bit mask */
static unsigned parse_classes(const char *arg)
{
    unsigned m = 0;
    char buf[256];
    if (strlen(arg) >= sizeof buf) we_cli_usage_error("--classes: list too long");
    strcpy(buf, arg);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int l;
        if (we_emotion_label_parse(tok, &l) || l >= WE_FEXPR_NCLASS)
            we_cli_usage_error("--classes: '%s' is not an emotion", tok);
        m |= 1u << l;
    }
    if (!m) we_cli_usage_error("--classes: empty list");
    return m;
}

static void save(const we_fexpr_trainer *tr, const char *path, const faces *d)
{
    char step[32], n[32];
    snprintf(step, sizeof step, "%ld", tr->step);
    snprintf(n, sizeof n, "%d", d->n);
    const char *meta[] = {"fexpr.step", step, "fexpr.faces", n};
    we_status st = we_fexpr_save(&tr->net, path, meta, 2);
    if (st) we_cli_die(st, "%s: %s", path, we_err_detail());
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    const char *out = NULL, *init = NULL;
    long steps = 6000, save_every = 500, log_every = 100, seed = 1, threads = 1, batch = 32;
    double seconds = 0;
    we_fexpr_train_params hp;
    we_fexpr_train_params_init(&hp);
    enum { O_INIT = 256, O_LR, O_SEC, O_SAVE, O_LOG, O_PER, O_CLS };
    long per_class = 0;
    unsigned classes = 0;
    static const struct option lo[] = {
        {"output", 1, 0, 'o'}, {"init", 1, 0, O_INIT}, {"steps", 1, 0, 'n'}, {"batch", 1, 0, 'b'},
        {"lr", 1, 0, O_LR}, {"seconds", 1, 0, O_SEC}, {"save-every", 1, 0, O_SAVE}, {"log-every", 1, 0, O_LOG},
        {"seed", 1, 0, 'S'}, {"threads", 1, 0, 'T'}, {"help", 0, 0, 'h'}, {"per-class", 1, 0, O_PER},
        {"classes", 1, 0, O_CLS}, {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "o:n:b:S:T:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'o': out = optarg; break;
        case O_INIT: init = optarg; break;
        case 'n': steps = we_cli_parse_long("--steps", optarg, 1, 100000000); break;
        case 'b': batch = we_cli_parse_long("--batch", optarg, 1, 4096); break;
        case O_LR: hp.lr = (float)we_cli_parse_double("--lr", optarg, 1e-8, 1); break;
        case O_SEC: seconds = we_cli_parse_double("--seconds", optarg, 0, 1e9); break;
        case O_SAVE: save_every = we_cli_parse_long("--save-every", optarg, 0, 100000000); break;
        case O_PER: per_class = we_cli_parse_long("--per-class", optarg, 0, 1000000000); break;
        case O_CLS: classes = parse_classes(optarg); break;
        case O_LOG: log_every = we_cli_parse_long("--log-every", optarg, 0, 100000000); break;
        case 'S': seed = we_cli_parse_long("--seed", optarg, 0, 2147483647); break;
        case 'T': threads = we_cli_parse_long("--threads", optarg, 1, 256); break;
        case 'h': usage(stdout); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s' (fetrain reads stdin)", argv[optind]);
    if (!out) we_cli_usage_error("-o OUT is required");
    const char *pe = getenv("WE_PROGRESS");
    if (pe && !strcmp(pe, "0")) log_every = 0;
    we_nn_set_threads((int)threads);
    hp.steps = steps;
    we_fexpr_trainer tr;
    we_status st = we_fexpr_trainer_init(&tr, (int)batch, (uint64_t)seed, init, &hp);
    if (st) we_cli_die_status(st, init ? "--init" : NULL);

    faces d = {0};
    d.per_class = per_class;
    d.classes = classes;
    read_faces(&d);
    /* class draw: P(k) proportional to sqrt(count[k]), then a face of k */
    double cum[WE_FEXPR_NCLASS], tot = 0;
    int *byclass[WE_FEXPR_NCLASS], fill[WE_FEXPR_NCLASS] = {0};
    for (int k = 0; k < WE_FEXPR_NCLASS; k++) {
        tot += d.count[k] ? sqrt((double)d.count[k]) : 0;
        cum[k] = tot;
        byclass[k] = malloc(sizeof(int) * (size_t)(d.count[k] ? d.count[k] : 1));
        if (!byclass[k]) we_cli_die(WE_ENOMEM, "out of memory");
    }
    for (int i = 0; i < d.n; i++) byclass[d.label[i]][fill[d.label[i]]++] = i;
    if (log_every) {
        fprintf(stderr, "%s: %d faces:", we_cli_prog(), d.n);
        for (int k = 0; k < WE_FEXPR_NCLASS; k++) fprintf(stderr, " %s=%d", we_emotion_names[k], d.count[k]);
        fprintf(stderr, "\n");
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    const float **ptr = malloc(sizeof(float *) * (size_t)batch);
    int *lab = malloc(sizeof(int) * (size_t)batch);
    if (!ptr || !lab) we_cli_die(WE_ENOMEM, "out of memory");
    uint64_t r = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 12345;
    double t0 = we_now(), lsum = 0;
    long ok = 0, seen = 0;
    while (tr.step < steps && !stop_flag && !(seconds > 0 && we_now() - t0 >= seconds)) {
        for (int b = 0; b < batch; b++) {
            r ^= r >> 12, r ^= r << 25, r ^= r >> 27;
            double u = (double)((r * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0 * tot;
            int k = 0;
            while (k < WE_FEXPR_NCLASS - 1 && (u >= cum[k] || !d.count[k])) k++;
            r ^= r >> 12, r ^= r << 25, r ^= r >> 27;
            int i = byclass[k][((r * 0x2545F4914F6CDD1Dull) >> 20) % (uint64_t)d.count[k]];
            ptr[b] = d.x + (size_t)i * WE_FEXPR_S * WE_FEXPR_S;
            lab[b] = d.label[i];
        }
        /* with --seconds, the cosine schedule ends where the time runs out
         * (the step count it will reach at the current speed) */
        double el0 = we_now() - t0;
        if (seconds > 0 && tr.step >= 50) {
            double est = (double)tr.step * seconds / el0;
            tr.hp.steps = est < (double)steps ? (long)est : steps;
            if (tr.hp.steps <= tr.step) tr.hp.steps = tr.step + 1;
        }
        float loss;
        int c;
        if ((st = we_fexpr_train_step(&tr, ptr, lab, (int)batch, 1, &loss, &c))) we_cli_die_status(st, NULL);
        lsum += loss, ok += c, seen += batch;
        if (log_every && tr.step % log_every == 0) {
            double el = we_now() - t0;
            fprintf(stderr, "%s: step %ld loss %.4f acc %.3f lr %.2e %.1f s (%.1f faces/s)\n", we_cli_prog(),
                    tr.step, lsum * batch / seen, (double)ok / seen, we_fexpr_train_lr(&tr.hp, tr.step), el,
                    tr.step * batch / el);
            lsum = 0, ok = 0, seen = 0;
        }
        if (save_every && tr.step % save_every == 0) save(&tr, out, &d);
    }
    save(&tr, out, &d);
    if (log_every)
        fprintf(stderr, "%s: saved %s at step %ld (%.0f s)\n", we_cli_prog(), out, tr.step, we_now() - t0);
    for (int k = 0; k < WE_FEXPR_NCLASS; k++) free(byclass[k]);
    free(ptr);
    free(lab);
    free(d.x);
    free(d.label);
    we_fexpr_trainer_free(&tr);
    return 0;
}
