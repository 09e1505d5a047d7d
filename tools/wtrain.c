/* wtrain - train the WaveEmotion UNet on a WES1 stream of faces.
 *
 * Reads every item of the input (one `wavelet` frame, or one `image` frame
 * that is transformed here with the configured wavelet; optional `heatmap`
 * frame; keys emotion, valence, arousal), then runs AdamW steps on random
 * batches, logging the loss per step and checkpointing atomically. See
 * man/man1/wtrain.1.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "we_cli.h"
#include "we_device.h"
#include "we_dwt.h"
#include "we_nn.h"
#include "we_pixel.h"
#include "we_safetensors.h"
#include "we_stream.h"
#include "we_train.h"
#include "we_unet.h"
#include "we_wavelet.h"

typedef struct {
    const char *model, *csv, *labels, *device, *mult, *attn, *export_to;
    int f16;
    double edit_guidance;
    int resume, steps, batch, save_every, threads, log_every;
    int nf, num_res, heat;
    long seed;
    const char *schedule, *region, *wavelet;
    we_train_params hp;
    int aux_given;      /* AUX_* bits: auxiliary options given on the command line */
} opts;

enum { AUX_LW = 1, AUX_WW = 2, AUX_LE = 4, AUX_TM = 8 };

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void usage(void)
{
    printf("Usage: wtrain -m CKPT [OPTION]... [STREAM]\n"
           "Train the WaveEmotion UNet on a WES1 stream of faces (stdin by default): items\n"
           "with a `wavelet` frame (4C x S/2 x S/2) or an `image` frame (C x S x S, turned into\n"
           "wavelet coefficients here), keys emotion / valence / arousal, optional `heatmap`.\n"
           "Writes the checkpoint CKPT (safetensors) every --save-every steps and at the end.\n\n"
           "  -m, --model=CKPT      checkpoint to write (and to read with --resume)\n"
           "  -r, --resume          continue the run stored in CKPT (config, weights, EMA,\n"
           "                        optimizer, step and random state)\n"
           "  -n, --steps=N         train until optimizer step N (default 1000)\n"
           "  -b, --batch=B         batch size (default 32)\n"
           "      --lr=F            AdamW learning rate (default 2e-4)\n"
           "      --weight-decay=F  decoupled weight decay (default 0)\n"
           "      --clip=F          gradient clipping by global norm, 0 = off (default 1)\n"
           "      --ema=F           EMA decay of the weights (default 0.999)\n"
           "      --p-drop=F        per-condition dropout to NULL (default 0.15)\n"
           "      --p-all=F         all-conditions dropout (default 0.1)\n"
           "      --lambda-wav=F    weight of L_wav, the subband-weighted L1 between x0_hat and\n"
           "                        x0 (default 0 = off)\n"
           "      --wav-weights=LOW,HIGH  L_wav weights of the LL and the LH/HL/HH subbands\n"
           "                        (default 0.1,1)\n"
           "      --lambda-expr=F   weight of L_expr, face-api's expression net cross-entropy on\n"
           "                        IWT(x0_hat) against the item's emotion (default 0 = off;\n"
           "                        needs the face-api models and an orthogonal wavelet)\n"
           "      --aux-tmax=N      auxiliary terms only for timesteps t < N (default 400)\n"
           "  -S, --seed=N          seed of everything (default 1)\n"
           "      --save-every=N    checkpoint period in steps (default 500)\n"
           "      --csv=FILE        append step,loss,grad_norm,lr,seconds lines to FILE\n"
           "                        (plus l_wav,l_expr when an auxiliary term is on)\n"
           "      --log-every=N     loss line on stderr every N steps (default 1)\n"
           "  -e, --labels=CSV      take `emotion` from CSV (image,emotion) by file name of\n"
           "                        the item's src/id key when the stream has none\n"
           "  -T, --threads=N       BLAS threads, 0 = library default (default 0)\n"
           "  -d, --device=DEV      cpu, cuda or auto (default auto: cuda when a GPU is there);\n"
           "                        on cuda the network and the optimizer run on the GPU\n"
           "      --export=MODEL    do not train: write CKPT's EMA weights and config alone to\n"
           "                        MODEL (what wdenoise -m loads), no optimizer state\n"
           "      --f16             with --export: store the weights as float16 (half the size)\n"
           "      --edit-guidance=F with --export: the guidance scale wdenoise uses for this\n"
           "                        model when none is given (default: none, wdenoise's 4)\n"
           "Model (new runs only; a resumed run keeps its config):\n"
           "      --nf=N            base width (default 64)\n"
           "      --mult=LIST       channel multipliers per level (default 1,2,2,2)\n"
           "      --num-res=N       residual blocks per level (default 2)\n"
           "      --attn=LIST       levels with self-attention (default 2)\n"
           "      --schedule=S      linear or cosine (default linear)\n"
           "      --region=R        noised subbands: all, high, low (default all)\n"
           "  -w, --wavelet=NAME    data wavelet for image frames (default haar)\n"
           "      --heatmaps        condition on the items' `heatmap` frames\n"
           "  -h, --help            show this help and exit\n");
}

/* ---- data ---- */
typedef struct {
    int n, cap;
    int S, C, K, xsize;
    float *x;       /* [n, xsize] diffusion space */
    float *heat;    /* [n, K*h*h] */
    int32_t *label;
    float *va;
    int32_t *va_known;
} dataset;

typedef struct {
    int n;
    char **name, **emo;
} labelmap;

static void load_labels(labelmap *lm, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) we_cli_die(WE_ENOINPUT, "cannot open labels file %s", path);
    char line[4096];
    int cap = 0;
    memset(lm, 0, sizeof *lm);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *c = strchr(line, ',');
        if (!c) continue;
        *c = 0;
        if (!strcmp(line, "image")) continue;
        if (lm->n == cap) {
            cap = cap ? 2 * cap : 1024;
            lm->name = realloc(lm->name, sizeof(char *) * (size_t)cap);
            lm->emo = realloc(lm->emo, sizeof(char *) * (size_t)cap);
            if (!lm->name || !lm->emo) we_cli_die(WE_ENOMEM, "out of memory");
        }
        lm->name[lm->n] = strdup(line);
        lm->emo[lm->n] = strdup(c + 1);
        lm->n++;
    }
    fclose(f);
}

static const char *lookup_label(const labelmap *lm, const char *key)
{
    if (!key) return NULL;
    const char *b = strrchr(key, '/');
    b = b ? b + 1 : key;
    size_t len = strcspn(b, "#");
    for (int i = 0; i < lm->n; i++)
        if (strlen(lm->name[i]) == len && !strncmp(lm->name[i], b, len)) return lm->emo[i];
    return NULL;
}

static int parse_emotion(const char *s)
{
    int l;
    return we_unet_label_parse(s, &l) ? -1 : l;
}

static void read_data(dataset *ds, FILE *in, const char *label, const we_wavelet *wl, float scale,
                      const labelmap *lm, int want_heat)
{
    we_reader r;
    we_reader_init(&r, in, label);
    we_item it;
    we_item_init(&it);
    memset(ds, 0, sizeof *ds);
    we_status s;
    long unknown_emo = 0;
    float *work = NULL;
    while ((s = we_reader_item(&r, &it)) == WE_OK) {
        we_frame *fw = we_item_find(&it, "wavelet");
        we_frame *fi = fw ? NULL : we_item_find(&it, "image");
        if (!fw && !fi) continue; /* nothing to learn from */
        we_frame *f = fw ? fw : fi;
        const we_tensor *t = &f->t;
        if (t->rank != 3 || (t->dtype != WE_F32 && !(fi && t->dtype == WE_U8)))
            we_cli_die(WE_EDATA, "item %d: %s frame must be f32 (or u8 image) C x H x W", ds->n + 1, f->name);
        int C, S;
        if (fw) {
            if (t->shape[0] % 4 || t->shape[1] != t->shape[2])
                we_cli_die(WE_EDATA, "item %d: wavelet frame must be 4C x h x h (one level)", ds->n + 1);
            C = (int)t->shape[0] / 4;
            S = (int)t->shape[1] * 2;
            const char *lv = we_frame_get(f, "levels");
            if (lv && strcmp(lv, "1")) we_cli_die(WE_EDATA, "item %d: wavelet frame has levels=%s, want 1", ds->n + 1, lv);
        } else {
            C = (int)t->shape[0];
            S = (int)t->shape[1];
            if (t->shape[1] != t->shape[2] || S % 2) we_cli_die(WE_EDATA, "item %d: image must be square with even size", ds->n + 1);
        }
        if (ds->n == 0) {
            ds->S = S, ds->C = C, ds->xsize = 4 * C * (S / 2) * (S / 2);
            work = malloc(sizeof(float) * (size_t)ds->xsize * 2);
            if (!work) we_cli_die(WE_ENOMEM, "out of memory");
        } else if (S != ds->S || C != ds->C) {
            we_cli_die(WE_EDATA, "item %d: size %dx%d, C %d differs from the first item's %dx%d, C %d",
                       ds->n + 1, S, S, C, ds->S, ds->S, ds->C);
        }
        we_frame *fh = want_heat ? we_item_find(&it, "heatmap") : NULL;
        if (want_heat) {
            if (!fh) we_cli_die(WE_EDATA, "item %d has no heatmap frame (--heatmaps)", ds->n + 1);
            if (fh->t.rank != 3 || fh->t.dtype != WE_F32 || fh->t.shape[1] != S / 2 || fh->t.shape[2] != S / 2)
                we_cli_die(WE_EDATA, "item %d: heatmap must be f32 K x %d x %d", ds->n + 1, S / 2, S / 2);
            if (ds->n == 0) ds->K = (int)fh->t.shape[0];
            else if (fh->t.shape[0] != ds->K) we_cli_die(WE_EDATA, "item %d: heatmap K differs", ds->n + 1);
        }
        if (ds->n == ds->cap) {
            int nc = ds->cap ? 2 * ds->cap : 1024;
            ds->x = realloc(ds->x, sizeof(float) * (size_t)nc * (size_t)ds->xsize);
            ds->label = realloc(ds->label, sizeof(int32_t) * (size_t)nc);
            ds->va = realloc(ds->va, sizeof(float) * 2 * (size_t)nc);
            ds->va_known = realloc(ds->va_known, sizeof(int32_t) * (size_t)nc);
            if (ds->K) ds->heat = realloc(ds->heat, sizeof(float) * (size_t)nc * (size_t)ds->K * (S / 2) * (S / 2));
            if (!ds->x || !ds->label || !ds->va || !ds->va_known || (ds->K && !ds->heat))
                we_cli_die(WE_ENOMEM, "out of memory reading item %d", ds->n + 1);
            ds->cap = nc;
        }
        float *dst = ds->x + (size_t)ds->n * ds->xsize;
        size_t cnt = (size_t)ds->xsize;
        if (fw) {
            memcpy(dst, t->data, cnt * sizeof(float));
        } else {
            float *px = work;
            if (t->dtype == WE_U8) {
                const uint8_t *u = t->data;
                for (size_t i = 0; i < cnt; i++) px[i] = we_pixel_to_unit(u[i]);
            } else {
                memcpy(px, t->data, cnt * sizeof(float));
            }
            we_status st = we_dwt2_forward(dst, NULL, px, C, S, S, wl, 1, 1);
            if (st) we_cli_die_status(st, "wavelet transform");
        }
        for (size_t i = 0; i < cnt; i++) dst[i] *= scale;
        if (ds->K) memcpy(ds->heat + (size_t)ds->n * ds->K * (S / 2) * (S / 2), fh->t.data,
                          sizeof(float) * (size_t)ds->K * (S / 2) * (S / 2));
        /* keys: look on every frame of the item */
        const char *emo = NULL;
        double v = NAN, a = NAN;
        for (int k = 0; k < it.n; k++) {
            if (!emo) emo = we_frame_get(&it.f[k], "emotion");
            double tmp;
            if (isnan(v) && !we_frame_get_double(&it.f[k], "valence", &tmp)) v = tmp;
            if (isnan(a) && !we_frame_get_double(&it.f[k], "arousal", &tmp)) a = tmp;
        }
        if (!emo && lm) {
            emo = lookup_label(lm, we_frame_get(f, "src"));
            if (!emo) emo = lookup_label(lm, we_item_id(&it));
        }
        int l = emo ? parse_emotion(emo) : WE_UNET_NULL_LABEL;
        if (l < 0) we_cli_die(WE_EDATA, "item %d: unknown emotion '%s'", ds->n + 1, emo);
        if (!emo) unknown_emo++;
        ds->label[ds->n] = l;
        int known = !isnan(v) && !isnan(a);
        ds->va_known[ds->n] = known;
        ds->va[2 * ds->n] = known ? (float)v : 0;
        ds->va[2 * ds->n + 1] = known ? (float)a : 0;
        ds->n++;
    }
    if (s != WE_EOF) we_cli_die_status(s, "reading the training stream");
    if (unknown_emo) we_cli_warn("%ld of %d items have no emotion (trained as NULL)", unknown_emo, ds->n);
    free(work);
    we_item_free(&it);
    we_reader_free(&r);
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    opts o;
    memset(&o, 0, sizeof o);
    o.steps = 1000, o.batch = 32, o.save_every = 500, o.seed = 1, o.log_every = 1;
    o.nf = 64, o.num_res = 2, o.mult = "1,2,2,2", o.attn = "2";
    o.schedule = "linear", o.region = "all", o.wavelet = "haar";
    we_train_params_init(&o.hp);
    enum { O_LR = 256, O_WD, O_CLIP, O_EMA, O_PD, O_PA, O_SAVE, O_CSV, O_LOG, O_NF, O_MULT, O_NR, O_ATTN, O_SCHED, O_REG, O_HEAT, O_EXPORT, O_F16, O_EDITG, O_LW, O_WW, O_LE, O_TM };
    static const struct option lo[] = {
        {"model", 1, 0, 'm'}, {"resume", 0, 0, 'r'}, {"steps", 1, 0, 'n'}, {"batch", 1, 0, 'b'},
        {"lr", 1, 0, O_LR}, {"weight-decay", 1, 0, O_WD}, {"clip", 1, 0, O_CLIP}, {"ema", 1, 0, O_EMA},
        {"p-drop", 1, 0, O_PD}, {"p-all", 1, 0, O_PA}, {"seed", 1, 0, 'S'}, {"save-every", 1, 0, O_SAVE},
        {"csv", 1, 0, O_CSV}, {"log-every", 1, 0, O_LOG}, {"labels", 1, 0, 'e'}, {"threads", 1, 0, 'T'},
        {"device", 1, 0, 'd'}, {"nf", 1, 0, O_NF}, {"mult", 1, 0, O_MULT}, {"num-res", 1, 0, O_NR},
        {"attn", 1, 0, O_ATTN}, {"schedule", 1, 0, O_SCHED}, {"region", 1, 0, O_REG},
        {"wavelet", 1, 0, 'w'}, {"heatmaps", 0, 0, O_HEAT}, {"export", 1, 0, O_EXPORT}, {"f16", 0, 0, O_F16}, {"edit-guidance", 1, 0, O_EDITG},
        {"lambda-wav", 1, 0, O_LW}, {"wav-weights", 1, 0, O_WW}, {"lambda-expr", 1, 0, O_LE}, {"aux-tmax", 1, 0, O_TM},
        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "m:rn:b:S:e:T:d:w:h", lo, NULL)) != -1) {
        switch (c) {
        case 'm': o.model = optarg; break;
        case 'r': o.resume = 1; break;
        case 'n': o.steps = (int)we_cli_parse_long("--steps", optarg, 0, 1000000000); break;
        case 'b': o.batch = (int)we_cli_parse_long("--batch", optarg, 1, 4096); break;
        case O_LR: o.hp.lr = (float)we_cli_parse_double("--lr", optarg, 0, 10); break;
        case O_WD: o.hp.weight_decay = (float)we_cli_parse_double("--weight-decay", optarg, 0, 10); break;
        case O_CLIP: o.hp.clip = (float)we_cli_parse_double("--clip", optarg, 0, 1e6); break;
        case O_EMA: o.hp.ema = (float)we_cli_parse_double("--ema", optarg, 0, 1); break;
        case O_PD: o.hp.p_drop = (float)we_cli_parse_double("--p-drop", optarg, 0, 1); break;
        case O_PA: o.hp.p_all = (float)we_cli_parse_double("--p-all", optarg, 0, 1); break;
        case 'S': o.seed = we_cli_parse_long("--seed", optarg, 0, 0x7fffffffL); break;
        case O_SAVE: o.save_every = (int)we_cli_parse_long("--save-every", optarg, 1, 1000000000); break;
        case O_CSV: o.csv = optarg; break;
        case O_LOG: o.log_every = (int)we_cli_parse_long("--log-every", optarg, 0, 1000000000); break;
        case 'e': o.labels = optarg; break;
        case 'T': o.threads = (int)we_cli_parse_long("--threads", optarg, 0, 1024); break;
        case 'd': o.device = optarg; break;
        case O_NF: o.nf = (int)we_cli_parse_long("--nf", optarg, 4, 1024); break;
        case O_MULT: o.mult = optarg; break;
        case O_NR: o.num_res = (int)we_cli_parse_long("--num-res", optarg, 1, 8); break;
        case O_ATTN: o.attn = optarg; break;
        case O_SCHED: o.schedule = optarg; break;
        case O_REG: o.region = optarg; break;
        case 'w': o.wavelet = optarg; break;
        case O_HEAT: o.heat = 1; break;
        case O_EXPORT: o.export_to = optarg; break;
        case O_F16: o.f16 = 1; break;
        case O_EDITG: o.edit_guidance = we_cli_parse_double("--edit-guidance", optarg, 1e-3, 100); break;
        case O_LW: o.hp.lambda_wav = (float)we_cli_parse_double("--lambda-wav", optarg, 0, 1e6); o.aux_given |= AUX_LW; break;
        case O_LE: o.hp.lambda_expr = (float)we_cli_parse_double("--lambda-expr", optarg, 0, 1e6); o.aux_given |= AUX_LE; break;
        case O_TM: o.hp.aux_tmax = (int)we_cli_parse_long("--aux-tmax", optarg, 0, 1000000); o.aux_given |= AUX_TM; break;
        case O_WW: {
            char *e1, *e2;
            double wlo = strtod(optarg, &e1), whi = e1 != optarg && *e1 == ',' ? strtod(e1 + 1, &e2) : NAN;
            if (isnan(whi) || e2 == e1 + 1 || *e2 || !(wlo >= 0 && wlo <= 1e6) || !(whi >= 0 && whi <= 1e6))
                we_cli_usage_error("--wav-weights: bad value '%s' (want LOW,HIGH, e.g. 0.1,1)", optarg);
            o.hp.wav_w_low = (float)wlo, o.hp.wav_w_high = (float)whi;
            o.aux_given |= AUX_WW;
            break;
        }
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (!o.model) we_cli_usage_error("--model CKPT is required");
    if (optind + 1 < argc) we_cli_usage_error("at most one input stream");
    if ((o.f16 || o.edit_guidance > 0) && !o.export_to) we_cli_usage_error("--f16 and --edit-guidance only apply to --export");
    if (o.export_to && o.aux_given) we_cli_usage_error("--export does not train (no auxiliary loss options)");
    if (o.export_to) {
        if (optind < argc || o.resume) we_cli_usage_error("--export reads only CKPT (no stream, no --resume)");
        we_st_file ck;
        we_status s = we_st_read(&ck, o.model);
        if (s) we_cli_die_status(s, o.model);
        if ((s = we_train_export(&ck, o.export_to, o.f16, (float)o.edit_guidance))) we_cli_die_status(s, o.export_to);
        we_st_free(&ck);
        fprintf(stderr, "%s: wrote %s\n", we_cli_prog(), o.export_to);
        return 0;
    }
    we_device dev;
    if (we_device_resolve(o.device, &dev)) we_cli_die_status(WE_EDEVICE, "--device");

    we_unet_config cfg;
    we_unet_config_init(&cfg);
    we_st_file ck;
    memset(&ck, 0, sizeof ck);
    if (o.resume) {
        we_status s = we_st_read(&ck, o.model);
        if (s) we_cli_die_status(s, "--resume");
        if ((s = we_unet_config_from_meta(&cfg, &ck))) we_cli_die_status(s, o.model);
    } else {
        if (we_sched_parse(o.schedule, &cfg.schedule)) we_cli_usage_error("--schedule: %s", we_err_detail());
        if (we_region_parse(o.region, &cfg.region)) we_cli_usage_error("--region: %s", we_err_detail());
        cfg.nf = o.nf;
        cfg.num_res = o.num_res;
        if ((cfg.nlevels = we_unet_parse_intlist(o.mult, cfg.mult, WE_UNET_MAX_LEVELS)) < 1)
            we_cli_usage_error("--mult: bad list '%s' (e.g. 1,2,2,2)", o.mult);
        if ((cfg.nattn = we_unet_parse_intlist(o.attn, cfg.attn, WE_UNET_MAX_LEVELS)) < 0)
            we_cli_usage_error("--attn: bad list '%s' (e.g. 2)", o.attn);
        if (strlen(o.wavelet) >= sizeof cfg.wavelet) we_cli_usage_error("--wavelet: name too long");
        strcpy(cfg.wavelet, o.wavelet);
    }
    const we_wavelet *wl;
    if (we_wavelet_parse(cfg.wavelet, &wl)) we_cli_usage_error("--wavelet: %s", we_err_detail());
    if (o.hp.lambda_expr > 0 && !wl->orthogonal)
        we_cli_usage_error("--lambda-expr needs an orthogonal wavelet (haar, db, sym, coif), not %s", cfg.wavelet);

    labelmap lm, *lmp = NULL;
    if (o.labels) { load_labels(&lm, o.labels); lmp = &lm; }
    FILE *in = stdin;
    const char *inlabel = "stdin";
    if (optind < argc && strcmp(argv[optind], "-")) {
        in = fopen(argv[optind], "rb");
        if (!in) we_cli_die(WE_ENOINPUT, "cannot open %s", argv[optind]);
        inlabel = argv[optind];
    }
    dataset ds;
    read_data(&ds, in, inlabel, wl, cfg.data_scale, lmp, o.resume ? cfg.K > 0 : o.heat);
    if (ds.n == 0) we_cli_die(WE_EDATA, "no image or wavelet frames in the input");
    if (o.resume) {
        if (ds.S != cfg.S || ds.C != cfg.C || ds.K != cfg.K)
            we_cli_die(WE_EDATA, "data (S %d, C %d, K %d) does not fit the checkpoint's model (S %d, C %d, K %d)",
                       ds.S, ds.C, ds.K, cfg.S, cfg.C, cfg.K);
    } else {
        cfg.S = ds.S, cfg.C = ds.C, cfg.K = ds.K;
    }
    if (we_unet_config_validate(&cfg)) we_cli_usage_error("%s", we_err_detail());
    if (o.threads) we_nn_set_threads(o.threads);

    we_unet m;
    we_status s = we_unet_create(&m, &cfg, o.batch);
    if (s) we_cli_die_status(s, "creating the model");
    we_train tr;
    we_rng initr;
    we_rng_seed(&initr, (uint64_t)o.seed * 2654435761u + 17);
    if (!o.resume) we_unet_init_params(&m, &initr);
    if ((s = we_train_init(&tr, &m, &o.hp, (uint64_t)o.seed))) we_cli_die_status(s, "training state");
    if (o.resume) {
        if ((s = we_train_load(&tr, &ck))) we_cli_die_status(s, o.model);
        we_st_free(&ck);
        /* the checkpoint's auxiliary settings, unless given again here */
        if (o.aux_given & AUX_LW) tr.hp.lambda_wav = o.hp.lambda_wav;
        if (o.aux_given & AUX_WW) tr.hp.wav_w_low = o.hp.wav_w_low, tr.hp.wav_w_high = o.hp.wav_w_high;
        if (o.aux_given & AUX_LE) tr.hp.lambda_expr = o.hp.lambda_expr;
        if (o.aux_given & AUX_TM) tr.hp.aux_tmax = o.hp.aux_tmax;
        if ((s = we_train_aux_setup(&tr))) we_cli_die_status(s, "auxiliary losses");
    }
    /* on the GPU after the resume: the restored state goes up with the model */
    if (dev == WE_DEV_CUDA && (s = we_train_use_cuda(&tr))) we_cli_die_status(s, "--device cuda");
    int aux_on = tr.hp.lambda_wav > 0 || tr.hp.lambda_expr > 0;
    /* conditions the data carries, kept across resumed runs */
    int any_va = 0;
    for (int i = 0; i < ds.n && !any_va; i++) any_va = ds.va_known[i];
    if (any_va) tr.has_va = 1;
    fprintf(stderr, "%s: %d items %dx%d C=%d K=%d, model nf=%d %zu params, %.2f GFLOP/sample fwd, batch %d, step %ld -> %d, on %s\n",
            we_cli_prog(), ds.n, ds.S, ds.S, ds.C, ds.K, cfg.nf, m.nparams,
            we_unet_flops_per_sample(&m) / 1e9, o.batch, tr.step, o.steps, we_device_name(dev));

    FILE *csv = NULL;
    if (o.csv) {
        int exists = access(o.csv, F_OK) == 0;
        csv = fopen(o.csv, o.resume ? "a" : "w");
        if (!csv) we_cli_die(WE_EIO, "cannot open %s", o.csv);
        if (!o.resume || !exists) fprintf(csv, "step,loss,grad_norm,lr,seconds%s\n", aux_on ? ",l_wav,l_expr" : "");
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    float *xb = malloc(sizeof(float) * (size_t)o.batch * ds.xsize);
    float *hb = ds.K ? malloc(sizeof(float) * (size_t)o.batch * ds.K * (ds.S / 2) * (ds.S / 2)) : NULL;
    int32_t *lb = malloc(sizeof(int32_t) * (size_t)o.batch), *vk = malloc(sizeof(int32_t) * (size_t)o.batch);
    float *vb = malloc(sizeof(float) * 2 * (size_t)o.batch);
    if (!xb || !lb || !vk || !vb || (ds.K && !hb)) we_cli_die(WE_ENOMEM, "out of memory");
    size_t hsz = (size_t)ds.K * (ds.S / 2) * (ds.S / 2);
    we_progress pg;
    we_progress_start(&pg);
    double t0 = we_now();
    long start = tr.step;
    int saved_at_end = 0;
    while (tr.step < o.steps && !stop_flag) {
        /* batch: uniform sampling with the training RNG (saved state) */
        for (int b = 0; b < o.batch; b++) {
            int i = (int)we_rng_below(&tr.rng, (uint64_t)ds.n);
            memcpy(xb + (size_t)b * ds.xsize, ds.x + (size_t)i * ds.xsize, sizeof(float) * ds.xsize);
            if (ds.K) memcpy(hb + b * hsz, ds.heat + i * hsz, sizeof(float) * hsz);
            lb[b] = ds.label[i];
            vk[b] = ds.va_known[i];
            vb[2 * b] = ds.va[2 * i], vb[2 * b + 1] = ds.va[2 * i + 1];
        }
        float loss, gn;
        s = we_train_step(&tr, xb, lb, vb, vk, hb, o.batch, &loss, &gn);
        if (s) we_cli_die_status(s, "training step");
        double el = we_now() - t0;
        if (csv) {
            fprintf(csv, "%ld,%.6f,%.4f,%.3g,%.2f", tr.step, loss, gn, o.hp.lr, el);
            if (aux_on) fprintf(csv, ",%.6f,%.6f", tr.l_wav, tr.l_expr);
            fputc('\n', csv);
            fflush(csv);
        }
        if (o.log_every && tr.step % o.log_every == 0 && !pg.enabled) {
            char ax[64] = "";
            if (aux_on) snprintf(ax, sizeof ax, " l_wav %.5f l_expr %.5f", tr.l_wav, tr.l_expr);
            fprintf(stderr, "%s: step %ld loss %.5f%s grad_norm %.3f %.2f s/step\n", we_cli_prog(), tr.step, loss, ax,
                    gn, el / (double)(tr.step - start));
        }
        we_progress_update(&pg, tr.step, o.steps, "steps");
        if (tr.step % o.save_every == 0 || tr.step == o.steps) {
            if ((s = we_train_save(&tr, o.model))) we_cli_die_status(s, o.model);
            saved_at_end = tr.step == o.steps;
        }
    }
    we_progress_end(&pg, tr.step, "steps");
    if (!saved_at_end && tr.step > start) {
        if ((s = we_train_save(&tr, o.model))) we_cli_die_status(s, o.model);
    }
    if (stop_flag) fprintf(stderr, "%s: interrupted, checkpoint saved at step %ld\n", we_cli_prog(), tr.step);
    if (csv && fclose(csv)) we_cli_die(WE_EIO, "writing %s", o.csv);
    free(xb), free(hb), free(lb), free(vk), free(vb);
    we_train_free(&tr);
    we_unet_free(&m);
    return 0;
}
