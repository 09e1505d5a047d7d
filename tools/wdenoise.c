/* wdenoise - edit the emotion of faces in the wavelet domain with a
 * WaveEmotion diffusion model (DDIM inversion + guided DDIM, doc/design/model.md 4).
 * Reads `wavelet` frames (and `heatmap` frames when the model uses them),
 * writes the edited `wavelet` frames with `emotion` set to the target and
 * every other frame unchanged; faces larger than the model's S through the
 * cascade (we_model.h). See man/man1/wdenoise.1. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_device.h"
#include "we_model.h"
#include "we_nn.h"
#include "we_prompt.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: wdenoise (-e EMOTION | -p PROMPT | -V V -A A) [OPTION]...\n"
           "Edit the emotion of the faces of a WES1 stream (`wavelet` frames from dwt) with a\n"
           "WaveEmotion diffusion model; other frames pass through unchanged. Faces of the\n"
           "model's S px are edited directly, square faces of S*2^k px (facealign -s) through\n"
           "the cascade: the model edits the coarse face, the photo's own detail is kept.\n"
           "\n"
           "Target:\n"
           "  -e, --emotion=NAME      neutral happy sad surprise fear disgust anger contempt\n"
           "  -p, --prompt=TEXT       free text, English or Vietnamese (\"a bit sad\", \"cười tươi lên\")\n"
           "      --prompt-cmd=CMD    let CMD (no shell; prompt on stdin) answer \"EMOTION INTENSITY\"\n"
           "      --prompt-timeout=S  seconds CMD may take (default 30)\n"
           "  -i, --intensity=I       intensity in [0,1]; scales guidance and strength (default:\n"
           "                          from the prompt, else none = 0.5)\n"
           "  -V, --valence=V         target valence in [-1,1] (models trained with it)\n"
           "  -A, --arousal=A         target arousal in [-1,1]\n"
           "Source:\n"
           "  -s, --source=SRC        key (the frame's `emotion` key, else null; default), net\n"
           "                          (face-api's expression net), null, or an emotion name\n"
           "Sampler:\n"
           "  -t, --strength=F        inversion depth t0 = F*T (default 0.5)\n"
           "      --t0=N              inversion depth as a timestep (overrides -t)\n"
           "  -n, --steps=N           DDIM steps over [0, t0] (default 40)\n"
           "  -g, --guidance=F        guidance scale on all bands (default: the model's\n"
           "                          edit.guidance, else 4; the shipped model says 4)\n"
           "      --g-low=F           guidance scale on the LL channels (default as -g)\n"
           "      --g-high=F          guidance scale on the high channels (default as -g)\n"
           "      --g-label=F         per-condition guidance: label scale (default -g)\n"
           "      --g-va=F            per-condition guidance: valence/arousal scale (default 0)\n"
           "      --g-heat=F          per-condition guidance: heatmap scale (default 0)\n"
           "      --eta=F             DDIM eta of the reverse pass (default 0, deterministic)\n"
           "  -S, --seed=N            noise seed for eta > 0 (default 1)\n"
           "  -F, --faithfulness=F    fraction of reverse steps anchored to the source's coarse\n"
           "                          LL (default 0)\n"
           "      --faith-levels=L    anchor blocks of 2^L x 2^L LL coefficients (default 1)\n"
           "      --no-heat           ignore heatmap frames (NULL heatmap condition)\n"
           "Model and machine:\n"
           "  -m, --model=CKPT        checkpoint (default $WE_MODEL, else %s)\n"
           "      --no-ema            use the raw weights instead of the EMA copy\n"
           "  -b, --batch=B           items per network batch (default 64 on cuda, 16 on the\n"
           "                          cpu)\n"
           "  -T, --threads=N         BLAS threads, 0 = library default (default 0)\n"
           "  -d, --device=DEV        cpu, cuda or auto (default auto: cuda when a GPU is there);\n"
           "                          on cuda the UNet runs on the GPU\n"
           "  -h, --help              show this help and exit\n",
           WE_MODEL_DEFAULT);
}

typedef struct {
    const char *emotion, *prompt, *prompt_cmd, *model, *device, *source;
    double prompt_timeout;
    int batch, threads, no_ema;
    we_guidance g;          /* the scales and intensity asked for */
    we_edit_request r;      /* target, source, sampler settings */
} opts;

static double opt_double(const char *name, const char *arg, double lo, double hi)
{
    return we_cli_parse_double(name, arg, lo, hi);
}

static void parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    we_edit_request_init(&o->r);
    we_guidance_init(&o->g);
    we_edit_params *p = &o->r.p;
    double v = NAN, a = NAN;
    o->prompt_timeout = 30;
    o->batch = 0; /* default by device (main) */
    o->source = "key";
    enum { O_PCMD = 256, O_PTO, O_T0, O_GL, O_GH, O_GLAB, O_GVA, O_GHEAT, O_ETA, O_FL, O_NOHEAT, O_NOEMA };
    static const struct option lo[] = {
        {"emotion", 1, 0, 'e'}, {"prompt", 1, 0, 'p'}, {"prompt-cmd", 1, 0, O_PCMD},
        {"prompt-timeout", 1, 0, O_PTO}, {"intensity", 1, 0, 'i'}, {"valence", 1, 0, 'V'},
        {"arousal", 1, 0, 'A'}, {"source", 1, 0, 's'}, {"strength", 1, 0, 't'}, {"t0", 1, 0, O_T0},
        {"steps", 1, 0, 'n'}, {"guidance", 1, 0, 'g'}, {"g-low", 1, 0, O_GL}, {"g-high", 1, 0, O_GH},
        {"g-label", 1, 0, O_GLAB}, {"g-va", 1, 0, O_GVA}, {"g-heat", 1, 0, O_GHEAT}, {"eta", 1, 0, O_ETA},
        {"seed", 1, 0, 'S'}, {"faithfulness", 1, 0, 'F'}, {"faith-levels", 1, 0, O_FL},
        {"no-heat", 0, 0, O_NOHEAT}, {"model", 1, 0, 'm'}, {"no-ema", 0, 0, O_NOEMA},
        {"batch", 1, 0, 'b'}, {"threads", 1, 0, 'T'}, {"device", 1, 0, 'd'}, {"help", 0, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "e:p:i:V:A:s:t:n:g:S:F:m:b:T:d:h", lo, NULL)) != -1) {
        switch (c) {
        case 'e': o->emotion = optarg; break;
        case 'p': o->prompt = optarg; break;
        case O_PCMD: o->prompt_cmd = optarg; break;
        case O_PTO: o->prompt_timeout = opt_double("--prompt-timeout", optarg, 0.001, 86400); break;
        case 'i': o->g.intensity = opt_double("--intensity", optarg, 0, 1); break;
        case 'V': v = opt_double("--valence", optarg, -1, 1); break;
        case 'A': a = opt_double("--arousal", optarg, -1, 1); break;
        case 's': o->source = optarg; break;
        case 't': p->strength = opt_double("--strength", optarg, 1e-9, 1); break;
        case O_T0: p->t0 = (int)we_cli_parse_long("--t0", optarg, 1, 100000); break;
        case 'n': p->steps = (int)we_cli_parse_long("--steps", optarg, 1, 100000); break;
        case 'g': o->g.g = opt_double("--guidance", optarg, -100, 100); break;
        case O_GL: o->g.g_low = opt_double("--g-low", optarg, -100, 100); break;
        case O_GH: o->g.g_high = opt_double("--g-high", optarg, -100, 100); break;
        case O_GLAB: o->g.g_cond[0] = opt_double("--g-label", optarg, -100, 100); break;
        case O_GVA: o->g.g_cond[1] = opt_double("--g-va", optarg, -100, 100); break;
        case O_GHEAT: o->g.g_cond[2] = opt_double("--g-heat", optarg, -100, 100); break;
        case O_ETA: p->eta = opt_double("--eta", optarg, 0, 10); break;
        case 'S': p->seed = (uint64_t)we_cli_parse_long("--seed", optarg, 0, 0x7fffffffL); break;
        case 'F': p->faith = opt_double("--faithfulness", optarg, 0, 1); break;
        case O_FL: p->faith_levels = (int)we_cli_parse_long("--faith-levels", optarg, 0, 12); break;
        case O_NOHEAT: o->r.no_heat = 1; break;
        case 'm': o->model = optarg; break;
        case O_NOEMA: o->no_ema = 1; break;
        case 'b': o->batch = (int)we_cli_parse_long("--batch", optarg, 1, 4096); break;
        case 'T': o->threads = (int)we_cli_parse_long("--threads", optarg, 0, 1024); break;
        case 'd': o->device = optarg; break;
        case 'h': usage(); exit(0);
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s' (the stream is read from stdin)", argv[optind]);
    if (isnan(v) != isnan(a)) we_cli_usage_error("-V (valence) and -A (arousal) go together");
    o->r.have_va = !isnan(v);
    if (o->r.have_va) o->r.va[0] = (float)v, o->r.va[1] = (float)a;
    if (o->emotion && o->prompt) we_cli_usage_error("-e and -p exclude each other (give the target once)");
    if (!o->emotion && !o->prompt && !o->r.have_va)
        we_cli_usage_error("no target: give -e EMOTION, -p PROMPT or -V/-A");
    if (o->prompt_cmd && !o->prompt) we_cli_usage_error("--prompt-cmd needs -p PROMPT");
    if (we_edit_source_parse(o->source, &o->r)) we_cli_usage_error("%s", we_err_detail());
    o->r.prompt = o->prompt;
}

/* The target from -e / -p (lexicon or command); sets the target and the prompt's
 * intensity (-i wins). */
static void resolve_target(opts *o)
{
    double intensity = NAN;
    if (o->emotion) {
        if (we_emotion_label_parse(o->emotion, &o->r.target) || o->r.target == WE_UNET_NULL_LABEL)
            we_cli_usage_error("-e: unknown emotion '%s' (neutral happy sad surprise fear disgust anger contempt)",
                               o->emotion);
    } else if (o->prompt) {
        we_prompt_result r;
        we_err_clear();
        we_status s = o->prompt_cmd ? we_prompt_run_command(o->prompt_cmd, o->prompt, o->prompt_timeout, &r)
                                    : we_prompt_parse(o->prompt, &r);
        if (s == WE_EUSAGE) we_cli_usage_error("-p: %s", we_err_detail());
        if (s) we_cli_die_status(s, o->prompt_cmd ? "--prompt-cmd" : "-p");
        o->r.target = r.emotion; /* prompt ids are the model's label order */
        intensity = r.intensity;
        if (getenv("WE_VERBOSE"))
            fprintf(stderr, "%s: prompt -> %s %.2f%s%s%s\n", we_cli_prog(), we_emotion_names[r.emotion],
                    r.intensity, *r.phrase ? " (\"" : "", r.phrase, *r.phrase ? "\")" : "");
    }
    if (isnan(o->g.intensity)) o->g.intensity = intensity;
}

static void load_model(opts *o, we_model *m, we_device dev)
{
    char path[4096];
    int asked = we_model_path(path, sizeof path, o->model);
    we_err_clear();
    we_status s = we_model_open(m, path, o->batch, !o->no_ema, dev);
    if (s == WE_ENOINPUT && !asked)
        we_cli_die(WE_ENOINPUT,
                   "no model at %s: the shipped default model is missing from this tree or "
                   "installation. 'make -f pipelines/train.mk' trains one (writes %s; see wdenoise(1), "
                   "TRAINING), or give -m CKPT",
                   path, WE_MODEL_DEFAULT);
    if (s == WE_ENOINPUT) we_cli_die(WE_ENOINPUT, "cannot open model %s: %s", path, we_err_detail());
    if (s == WE_EDEVICE) we_cli_die_status(s, "--device cuda");
    if (s) we_cli_die_status(s, "-m");
    char w[512];
    if (we_model_ema_warning(m, w, sizeof w)) we_cli_warn("%s", w);
}

/* Edit the batch's wavelet items and write all items in input order. */
static long flush(opts *o, we_model *m, we_item *it, int n, int nedit, we_rng *rng, long *warned)
{
    int noheat;
    we_status s = we_model_edit(m, &o->r, it, n, &noheat, rng);
    if (s) we_cli_die_status(s, "editing");
    if (noheat >= 0 && !(*warned)++)
        we_cli_warn("item %s has no heatmap frame; using the NULL heatmap (run lmheat before dwt)",
                    we_item_id(&it[noheat]));
    for (int i = 0; i < n; i++) {
        if ((s = we_item_write(stdout, &it[i]))) we_cli_die_status(s, "stdout");
        we_item_free(&it[i]);
        we_item_init(&it[i]);
    }
    return nedit;
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    we_cli_stream_stdout();
    opts o;
    parse(argc, argv, &o);
    we_device dev;
    if (we_device_resolve(o.device, &dev)) we_cli_die_status(WE_EDEVICE, "--device");
    if (!o.batch) o.batch = dev == WE_DEV_CUDA ? 64 : 16;
    resolve_target(&o);
    if (o.threads) we_nn_set_threads(o.threads);
    we_model m;
    load_model(&o, &m, dev);
    if (we_model_edit_setup(&m, &o.g, &o.r)) we_cli_usage_error("%s", we_err_detail());
    we_cli_refuse_tty(stdout);
    we_rng rng;
    we_rng_seed(&rng, o.r.p.seed);

    we_reader rd;
    we_reader_init(&rd, stdin, "stdin");
    int n = 0, nedit = 0, cap = o.batch * 2 + 4;
    long done = 0, warned = 0;
    we_item *it = calloc((size_t)cap, sizeof *it);
    if (!it) we_cli_die(WE_ENOMEM, "out of memory");
    we_progress pg;
    we_progress_start(&pg);
    we_batch b;
    we_batch_init(&b, "items");
    we_status s;
    for (;;) {
        if (n == cap) done += flush(&o, &m, it, n, nedit, &rng, &warned), n = nedit = 0; /* memory bound */
        we_item_init(&it[n]);
        if ((s = we_reader_item(&rd, &it[n]))) break;
        if ((s = we_model_check_item(&m, &o.r, &it[n]))) { /* a bad item is skipped (wdenoise(1), BAD ITEMS) */
            we_batch_fail(&b, s, we_item_id(&it[n]));
            we_item_free(&it[n]);
            continue;
        }
        we_batch_ok(&b);
        nedit += we_item_find(&it[n], "wavelet") != NULL;
        n++;
        if (nedit == o.batch) {
            done += flush(&o, &m, it, n, nedit, &rng, &warned), n = nedit = 0;
            we_progress_update(&pg, done, 0, "faces");
        }
    }
    if (s != WE_EOF) {
        flush(&o, &m, it, n, nedit, &rng, &warned);
        we_cli_die_status(s, rd.label);
    }
    done += flush(&o, &m, it, n, nedit, &rng, &warned);
    we_progress_end(&pg, done, "faces");
    we_cli_finish_output();
    if (!done) we_cli_warn("no wavelet frames in the input: nothing edited");
    free(it);
    we_reader_free(&rd);
    we_model_free(&m);
    return we_batch_end(&b, 0);
}
