/* wdenoise - edit the emotion of faces in the wavelet domain with a
 * WaveEmotion diffusion model (DDIM inversion + guided DDIM, model.md 4).
 * Reads `wavelet` frames (and `heatmap` frames when the model uses them),
 * writes the edited `wavelet` frames with `emotion` set to the target and
 * every other frame unchanged. See man/man1/wdenoise.1. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_device.h"
#include "we_edit.h"
#include "we_faceapi.h"
#include "we_nn.h"
#include "we_prompt.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: wdenoise (-e EMOTION | -p PROMPT | -V V -A A) [OPTION]...\n"
           "Edit the emotion of the faces of a WES1 stream (`wavelet` frames from dwt) with a\n"
           "WaveEmotion diffusion model; other frames pass through unchanged.\n"
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
           "                          edit.guidance, else 4; the shipped model says 2)\n"
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
           WE_EDIT_DEFAULT_MODEL);
}

enum { SRC_KEY, SRC_NET, SRC_FIXED };

typedef struct {
    const char *emotion, *prompt, *prompt_cmd, *model, *device, *source;
    double prompt_timeout, intensity, valence, arousal;
    double g, g_low, g_high, g_label, g_va, g_heat;
    int have_g, have_glow, have_ghigh, have_gc;
    int batch, threads, no_ema, no_heat;
    we_edit_params ep;
} opts;

/* One batch of items, in input order; `w` marks the ones being edited. */
typedef struct {
    we_item *it;
    int n, cap;
    int nedit;
} batch;

typedef struct {
    opts *o;
    we_edit_model em;
    int tgt;                  /* target label 0..8 */
    int src_mode, src_fixed;
    we_fa_net *net;
    float va[2];
    int have_va;
    we_rng rng;
    float *keep;              /* [maxN, 8 hw] CbCr of RGB items through a luminance model */
    int32_t *src;
    char model_base[4096];
    long done, warned_noheat;
    double intensity;         /* < 0: none */
} ctx;

static double opt_double(const char *name, const char *arg, double lo, double hi)
{
    return we_cli_parse_double(name, arg, lo, hi);
}

static void parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    we_edit_params_init(&o->ep);
    o->prompt_timeout = 30;
    o->intensity = NAN;
    o->valence = o->arousal = NAN;
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
        case 'i': o->intensity = opt_double("--intensity", optarg, 0, 1); break;
        case 'V': o->valence = opt_double("--valence", optarg, -1, 1); break;
        case 'A': o->arousal = opt_double("--arousal", optarg, -1, 1); break;
        case 's': o->source = optarg; break;
        case 't': o->ep.strength = opt_double("--strength", optarg, 1e-9, 1); break;
        case O_T0: o->ep.t0 = (int)we_cli_parse_long("--t0", optarg, 1, 100000); break;
        case 'n': o->ep.steps = (int)we_cli_parse_long("--steps", optarg, 1, 100000); break;
        case 'g': o->g = opt_double("--guidance", optarg, -100, 100); o->have_g = 1; break;
        case O_GL: o->g_low = opt_double("--g-low", optarg, -100, 100); o->have_glow = 1; break;
        case O_GH: o->g_high = opt_double("--g-high", optarg, -100, 100); o->have_ghigh = 1; break;
        case O_GLAB: o->g_label = opt_double("--g-label", optarg, -100, 100); o->have_gc |= 1; break;
        case O_GVA: o->g_va = opt_double("--g-va", optarg, -100, 100); o->have_gc |= 2; break;
        case O_GHEAT: o->g_heat = opt_double("--g-heat", optarg, -100, 100); o->have_gc |= 4; break;
        case O_ETA: o->ep.eta = opt_double("--eta", optarg, 0, 10); break;
        case 'S': o->ep.seed = (uint64_t)we_cli_parse_long("--seed", optarg, 0, 0x7fffffffL); break;
        case 'F': o->ep.faith = opt_double("--faithfulness", optarg, 0, 1); break;
        case O_FL: o->ep.faith_levels = (int)we_cli_parse_long("--faith-levels", optarg, 0, 12); break;
        case O_NOHEAT: o->no_heat = 1; break;
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
    int have_va = !isnan(o->valence) || !isnan(o->arousal);
    if (isnan(o->valence) != isnan(o->arousal)) we_cli_usage_error("-V (valence) and -A (arousal) go together");
    if (o->emotion && o->prompt) we_cli_usage_error("-e and -p exclude each other (give the target once)");
    if (!o->emotion && !o->prompt && !have_va)
        we_cli_usage_error("no target: give -e EMOTION, -p PROMPT or -V/-A");
    if (o->prompt_cmd && !o->prompt) we_cli_usage_error("--prompt-cmd needs -p PROMPT");
    if (o->have_g && (o->have_glow || o->have_ghigh))
        we_cli_usage_error("-g sets both bands; give either -g or --g-low/--g-high");
    if (o->have_gc && (o->have_glow || o->have_ghigh))
        we_cli_usage_error("per-condition scales (--g-label/--g-va/--g-heat) replace --g-low/--g-high");
    if ((o->have_gc & 2) && !have_va) we_cli_usage_error("--g-va needs a valence/arousal target (-V/-A)");
    if (o->ep.t0 >= 0 && o->ep.t0 < 1) we_cli_usage_error("--t0 must be >= 1");
}

/* The target from -e / -p (lexicon or command); sets c->tgt and intensity. */
static void resolve_target(ctx *c)
{
    opts *o = c->o;
    c->intensity = -1;
    c->tgt = WE_UNET_NULL_LABEL;
    if (o->emotion) {
        if (we_emotion_label_parse(o->emotion, &c->tgt) || c->tgt == WE_UNET_NULL_LABEL)
            we_cli_usage_error("-e: unknown emotion '%s' (neutral happy sad surprise fear disgust anger contempt)",
                               o->emotion);
    } else if (o->prompt) {
        we_prompt_result r;
        we_err_clear();
        we_status s = o->prompt_cmd ? we_prompt_run_command(o->prompt_cmd, o->prompt, o->prompt_timeout, &r)
                                    : we_prompt_parse(o->prompt, &r);
        if (s == WE_EUSAGE) we_cli_usage_error("-p: %s", we_err_detail());
        if (s) we_cli_die_status(s, o->prompt_cmd ? "--prompt-cmd" : "-p");
        c->tgt = r.emotion; /* prompt ids are the model's label order */
        c->intensity = r.intensity;
        if (getenv("WE_VERBOSE"))
            fprintf(stderr, "%s: prompt -> %s %.2f%s%s%s\n", we_cli_prog(), we_emotion_names[r.emotion],
                    r.intensity, *r.phrase ? " (\"" : "", r.phrase, *r.phrase ? "\")" : "");
    }
    if (!isnan(o->intensity)) c->intensity = o->intensity;
}

static void setup_scales(ctx *c)
{
    opts *o = c->o;
    we_edit_params *p = &o->ep;
    /* the model's own recommended guidance (metadata edit.guidance) replaces
     * the built-in 4 when no scale is given */
    double gdef = c->em.def_guidance > 0 ? c->em.def_guidance : 4.0;
    if (!o->have_g && !o->have_glow && !o->have_ghigh) p->g_low = p->g_high = gdef;
    if (o->have_g) p->g_low = p->g_high = o->g;
    if (o->have_glow) p->g_low = o->g_low;
    if (o->have_ghigh) p->g_high = o->g_high;
    if (o->have_gc) {
        p->per_cond = 1;
        p->cond_scales[0] = (float)((o->have_gc & 1) ? o->g_label : (o->have_g ? o->g : gdef));
        p->cond_scales[1] = (float)((o->have_gc & 2) ? o->g_va : 0);
        p->cond_scales[2] = (float)((o->have_gc & 4) ? o->g_heat : 0);
    }
    if (c->intensity >= 0) {
        double g;
        we_prompt_apply_intensity(c->intensity, &p->g_low, p->t0 < 0 ? &p->strength : NULL);
        we_prompt_apply_intensity(c->intensity, &p->g_high, NULL);
        for (int k = 0; k < WE_COND_COUNT; k++) {
            g = p->cond_scales[k];
            if (g != 0) we_prompt_apply_intensity(c->intensity, &g, NULL);
            p->cond_scales[k] = (float)g;
        }
        if (p->t0 >= 0) p->t0 = (int)lround(p->t0 * (0.5 + c->intensity)); /* clipped to T-1 later */
    }
}

static void parse_source(ctx *c)
{
    const char *s = c->o->source;
    if (!strcmp(s, "key")) c->src_mode = SRC_KEY;
    else if (!strcmp(s, "net")) c->src_mode = SRC_NET;
    else {
        c->src_mode = SRC_FIXED;
        if (we_emotion_label_parse(s, &c->src_fixed))
            we_cli_usage_error("-s: '%s' is not key, net, null or an emotion name", s);
    }
}

static void load_model(ctx *c)
{
    opts *o = c->o;
    char path[4096];
    we_edit_model_path(path, sizeof path, o->model);
    const char *b = strrchr(path, '/');
    snprintf(c->model_base, sizeof c->model_base, "%s", b ? b + 1 : path);
    we_err_clear();
    we_status s = we_edit_model_load(&c->em, path, o->batch, !o->no_ema);
    if (s == WE_ENOINPUT) {
        const char *env = getenv("WE_MODEL");
        if (!o->model && !(env && *env))
            we_cli_die(WE_ENOINPUT,
                       "no model at %s: the shipped default model is missing from this tree or "
                       "installation. 'make -f pipelines/train.mk' trains one (writes %s; see wdenoise(1), "
                       "TRAINING), or give -m CKPT",
                       path, WE_EDIT_DEFAULT_MODEL);
        we_cli_die(WE_ENOINPUT, "cannot open model %s: %s", path, we_err_detail());
    }
    if (s) we_cli_die_status(s, "-m");
    if (c->have_va && !c->em.has_va)
        we_cli_die(WE_EUSAGE, "model %s was trained without valence/arousal (its metadata 'conditions' does not "
                   "list 'va'): -V/-A cannot be used with it", path);
    size_t hw = (size_t)c->em.h * c->em.h;
    c->keep = malloc(sizeof(float) * 8 * hw * (size_t)o->batch);
    c->src = malloc(sizeof(int32_t) * (size_t)o->batch);
    if (!c->keep || !c->src) we_cli_die(WE_ENOMEM, "out of memory");
}

/* Validate an item's wavelet frame against the model; returns its channels. */
static int check_wavelet(ctx *c, we_item *it, we_frame *w)
{
    const we_unet_config *cfg = &c->em.cfg;
    const char *id = we_item_id(it);
    int h = c->em.h;
    if (w->t.dtype != WE_F32 || w->t.rank != 3)
        we_cli_die(WE_EDATA, "item %s: wavelet frame must be f32 of rank 3 (4C x h x h)", id);
    int64_t ch = w->t.shape[0];
    if ((ch != 4 && ch != 12) || w->t.shape[1] != h || w->t.shape[2] != h) {
        const char *lv = we_frame_get(w, "levels");
        we_cli_die(WE_EDATA,
                   "item %s: wavelet frame is %lld x %lld x %lld; the model wants 4 or 12 x %d x %d "
                   "(one DWT level of a %d x %d face%s)", id, (long long)ch, (long long)w->t.shape[1],
                   (long long)w->t.shape[2], h, h, cfg->S, cfg->S,
                   lv && strcmp(lv, "1") ? ": run dwt with -J 1" : "");
    }
    const char *lv = we_frame_get(w, "levels");
    if (lv && strcmp(lv, "1")) we_cli_die(WE_EDATA, "item %s: wavelet frame has %s levels; the model wants 1", id, lv);
    const char *wn = we_frame_get(w, "wavelet");
    if (wn && strcmp(wn, cfg->wavelet))
        we_cli_die(WE_EDATA, "item %s: wavelet frame is %s but the model was trained on %s (use dwt -w %s)", id, wn,
                   cfg->wavelet, cfg->wavelet);
    return (int)(ch / 4);
}

static int source_label(ctx *c, we_item *it, we_frame *w, int Ci)
{
    if (c->src_mode == SRC_FIXED) return c->src_fixed;
    if (c->src_mode == SRC_KEY) {
        int l;
        const char *e = we_frame_get(w, "emotion");
        if (e && !we_emotion_label_parse(e, &l)) return l;
        return WE_UNET_NULL_LABEL;
    }
    if (!c->net) {
        we_status s = we_fa_net_load(&c->net, WE_FA_EXPR, NULL);
        if (s) we_cli_die_status(s, "-s net");
    }
    int l;
    const char *wn = we_frame_get(w, "wavelet");
    we_status s = we_edit_source_net(c->net, w->t.data, Ci, c->em.h, wn ? wn : c->em.cfg.wavelet, &l);
    if (s) we_cli_die_status(s, we_item_id(it));
    return l;
}

static void flush(ctx *c, batch *bt)
{
    opts *o = c->o;
    const we_unet_config *cfg = &c->em.cfg;
    size_t hw = (size_t)c->em.h * c->em.h, per = c->em.per;
    int K = cfg->K, nb = 0, anyheat = 0;
    if (bt->nedit) {
        for (int i = 0; i < bt->n; i++) {
            we_frame *w = we_item_find(&bt->it[i], "wavelet");
            if (!w) continue;
            int Ci = (int)(w->t.shape[0] / 4);
            we_edit_to_model(c->em.x + (size_t)nb * per, c->keep + (size_t)nb * 8 * hw, w->t.data, Ci, cfg->C, hw);
            c->src[nb] = source_label(c, &bt->it[i], w, Ci);
            if (K && c->em.heat) {
                float *hp = c->em.heat + (size_t)nb * K * hw;
                we_frame *hf = o->no_heat ? NULL : we_item_find(&bt->it[i], "heatmap");
                if (hf && (hf->t.dtype != WE_F32 || hf->t.rank != 3 || hf->t.shape[0] != K || hf->t.shape[1] != c->em.h ||
                           hf->t.shape[2] != c->em.h))
                    we_cli_die(WE_EDATA, "item %s: heatmap frame must be f32 %d x %d x %d for this model (lmheat -s %d)",
                               we_item_id(&bt->it[i]), K, c->em.h, c->em.h, c->em.h);
                if (hf) {
                    memcpy(hp, hf->t.data, sizeof(float) * K * hw);
                    anyheat = 1;
                } else {
                    memset(hp, 0, sizeof(float) * K * hw);
                    if (!o->no_heat && !c->warned_noheat++)
                        we_cli_warn("item %s has no heatmap frame; using the NULL heatmap (run lmheat before dwt)",
                                    we_item_id(&bt->it[i]));
                }
            }
            nb++;
        }
        we_status s = we_edit_run(&c->em, &o->ep, c->em.x, c->src, c->tgt, c->have_va ? c->va : NULL,
                                  (K && anyheat) ? c->em.heat : NULL, nb, &c->rng);
        if (s) we_cli_die_status(s, "editing");
    }
    int k = 0;
    for (int i = 0; i < bt->n; i++) {
        we_item *it = &bt->it[i];
        we_frame *w = we_item_find(it, "wavelet");
        if (w) {
            int Ci = (int)(w->t.shape[0] / 4);
            we_edit_from_model(w->t.data, c->em.x + (size_t)k * per, c->keep + (size_t)k * 8 * hw, Ci, cfg->C, hw);
            const we_edit_params *p = &o->ep;
            int t0 = we_edit_t0(p, cfg->T);
            we_status s = WE_OK;
            if (c->tgt != WE_UNET_NULL_LABEL) s = we_frame_set(w, "emotion", we_emotion_names[c->tgt]);
            else we_frame_unset(w, "emotion");
            s = s ? s : we_frame_set(w, "source_emotion", c->src[k] == WE_UNET_NULL_LABEL ? "null"
                                                                                     : we_emotion_names[c->src[k]]);
            if (c->have_va) {
                s = s ? s : we_frame_setf(w, "valence", "%.6g", c->va[0]);
                s = s ? s : we_frame_setf(w, "arousal", "%.6g", c->va[1]);
            }
            s = s ? s : we_frame_set(w, "edit.model", c->model_base);
            s = s ? s : we_frame_setf(w, "edit.t0", "%d", t0);
            s = s ? s : we_frame_setf(w, "edit.steps", "%d", p->steps);
            if (p->per_cond)
                s = s ? s : we_frame_setf(w, "edit.g_cond", "%.6g,%.6g,%.6g", p->cond_scales[0], p->cond_scales[1],
                                          p->cond_scales[2]);
            else {
                s = s ? s : we_frame_setf(w, "edit.g_low", "%.6g", p->g_low);
                s = s ? s : we_frame_setf(w, "edit.g_high", "%.6g", p->g_high);
            }
            s = s ? s : we_frame_setf(w, "edit.eta", "%.6g", p->eta);
            if (p->eta > 0) s = s ? s : we_frame_setf(w, "edit.seed", "%llu", (unsigned long long)p->seed);
            s = s ? s : we_frame_setf(w, "edit.faithfulness", "%.6g", p->faith);
            if (c->intensity >= 0) s = s ? s : we_frame_setf(w, "edit.intensity", "%.6g", c->intensity);
            if (o->prompt) s = s ? s : we_frame_set(w, "edit.prompt", o->prompt);
            if (s) we_cli_die_status(s, "output keys");
            k++;
        }
        if (we_item_write(stdout, it)) we_cli_die(WE_EIO, "write error on stdout: %s", strerror(errno));
        we_item_free(it);
        we_item_init(it);
    }
    c->done += bt->nedit;
    bt->n = bt->nedit = 0;
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    opts o;
    parse(argc, argv, &o);
    ctx c;
    memset(&c, 0, sizeof c);
    c.o = &o;
    c.have_va = !isnan(o.valence);
    if (c.have_va) c.va[0] = (float)o.valence, c.va[1] = (float)o.arousal;
    parse_source(&c);
    we_device dev;
    if (we_device_resolve(o.device, &dev)) we_cli_die_status(WE_EDEVICE, "--device");
    if (!o.batch) o.batch = dev == WE_DEV_CUDA ? 64 : 16;
    resolve_target(&c);
    if (o.threads) we_nn_set_threads(o.threads);
    load_model(&c);
    we_status s;
    if (dev == WE_DEV_CUDA && (s = we_edit_model_use_cuda(&c.em))) we_cli_die_status(s, "--device cuda");
    setup_scales(&c);
    if (we_edit_params_check(&o.ep, c.em.cfg.T)) we_cli_usage_error("%s", we_err_detail());
    we_cli_refuse_tty(stdout);
    we_rng_seed(&c.rng, o.ep.seed);

    we_reader rd;
    we_reader_init(&rd, stdin, "stdin");
    batch bt = {0};
    bt.cap = o.batch * 2 + 4;
    bt.it = calloc((size_t)bt.cap, sizeof *bt.it);
    if (!bt.it) we_cli_die(WE_ENOMEM, "out of memory");
    we_progress pg;
    we_progress_start(&pg);
    for (;;) {
        if (bt.n == bt.cap) flush(&c, &bt); /* many pass-through items: keep memory bounded */
        we_item *it = &bt.it[bt.n];
        we_item_init(it);
        s = we_reader_item(&rd, it);
        if (s) break;
        we_frame *w = we_item_find(it, "wavelet");
        if (w) {
            check_wavelet(&c, it, w);
            bt.nedit++;
        }
        bt.n++;
        if (bt.nedit == o.batch) {
            flush(&c, &bt);
            we_progress_update(&pg, c.done, 0, "faces");
        }
    }
    if (s != WE_EOF) {
        flush(&c, &bt);
        we_cli_die_status(s, rd.label);
    }
    flush(&c, &bt);
    we_progress_end(&pg, c.done, "faces");
    we_cli_finish_output();
    if (!c.done) we_cli_warn("no wavelet frames in the input: nothing edited");
    free(bt.it);
    free(c.keep);
    free(c.src);
    if (c.net) we_fa_net_free(c.net);
    we_reader_free(&rd);
    we_edit_model_free(&c.em);
    return 0;
}
