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
#include "we_face_labels.h"
#include "we_model.h"
#include "we_nn.h"
#include "we_safetensors.h"
#include "we_stream.h"

typedef struct {
    const char *model, *csv, *labels, *device, *mult, *attn, *export_to, *detail;
    int f16;
    double edit_guidance;
    int resume, steps, batch, save_every, threads, log_every;
    int nf, num_res, heat;
    long seed;
    const char *schedule, *region, *wavelet;
    we_train_params hp;
    unsigned aux_given; /* WE_AUX_* bits: auxiliary options given on the command line */
} opts;

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
           "      --lambda-expr=F   weight of L_expr, our expression classifier's cross-entropy\n"
           "                        on IWT(x0_hat) against the item's emotion (default 0 = off;\n"
           "                        needs models/fexpr.safetensors or $WE_FEXPR and an\n"
           "                        orthogonal wavelet; face-api's net only judges)\n"
           "      --lambda-va=F     weight of L_VA, the squared error of the classifier's\n"
           "                        valence/arousal on IWT(x0_hat) against the item's (default 0)\n"
           "      --aux-tmax=N      auxiliary terms only for timesteps t < N (default 400)\n"
           "  -S, --seed=N          seed of everything (default 1)\n"
           "      --save-every=N    checkpoint period in steps (default 500)\n"
           "      --csv=FILE        append step,loss,grad_norm,lr,seconds lines to FILE\n"
           "                        (plus l_wav,l_expr when an auxiliary term is on, l_va)\n"
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
           "      --detail=FILE     with --export: bundle the detail net of FILE (a wdtrain\n"
           "                        checkpoint) for wdenoise's cascade (faces above S px)\n"
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

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    opts o;
    memset(&o, 0, sizeof o);
    o.steps = 1000, o.batch = 32, o.save_every = 500, o.seed = 1, o.log_every = 1;
    o.nf = 64, o.num_res = 2, o.mult = "1,2,2,2", o.attn = "2";
    o.schedule = "linear", o.region = "all", o.wavelet = "haar";
    we_train_params_init(&o.hp);
    enum { O_LR = 256, O_WD, O_CLIP, O_EMA, O_PD, O_PA, O_SAVE, O_CSV, O_LOG, O_NF, O_MULT, O_NR, O_ATTN, O_SCHED, O_REG, O_HEAT, O_EXPORT, O_F16, O_EDITG, O_DETAIL, O_LW, O_WW, O_LE, O_TM, O_LV };
    static const struct option lo[] = {
        {"model", 1, 0, 'm'}, {"resume", 0, 0, 'r'}, {"steps", 1, 0, 'n'}, {"batch", 1, 0, 'b'},
        {"lr", 1, 0, O_LR}, {"weight-decay", 1, 0, O_WD}, {"clip", 1, 0, O_CLIP}, {"ema", 1, 0, O_EMA},
        {"p-drop", 1, 0, O_PD}, {"p-all", 1, 0, O_PA}, {"seed", 1, 0, 'S'}, {"save-every", 1, 0, O_SAVE},
        {"csv", 1, 0, O_CSV}, {"log-every", 1, 0, O_LOG}, {"labels", 1, 0, 'e'}, {"threads", 1, 0, 'T'},
        {"device", 1, 0, 'd'}, {"nf", 1, 0, O_NF}, {"mult", 1, 0, O_MULT}, {"num-res", 1, 0, O_NR},
        {"attn", 1, 0, O_ATTN}, {"schedule", 1, 0, O_SCHED}, {"region", 1, 0, O_REG},
        {"wavelet", 1, 0, 'w'}, {"heatmaps", 0, 0, O_HEAT}, {"export", 1, 0, O_EXPORT}, {"f16", 0, 0, O_F16}, {"edit-guidance", 1, 0, O_EDITG},
        {"detail", 1, 0, O_DETAIL}, {"lambda-wav", 1, 0, O_LW}, {"wav-weights", 1, 0, O_WW}, {"lambda-expr", 1, 0, O_LE}, {"lambda-va", 1, 0, O_LV}, {"aux-tmax", 1, 0, O_TM},
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
        case O_DETAIL: o.detail = optarg; break;
        case O_EDITG: o.edit_guidance = we_cli_parse_double("--edit-guidance", optarg, 1e-3, 100); break;
        case O_LW: o.hp.lambda_wav = (float)we_cli_parse_double("--lambda-wav", optarg, 0, 1e6); o.aux_given |= WE_AUX_LAMBDA_WAV; break;
        case O_LE: o.hp.lambda_expr = (float)we_cli_parse_double("--lambda-expr", optarg, 0, 1e6); o.aux_given |= WE_AUX_LAMBDA_EXPR; break;
        case O_LV: o.hp.lambda_va = (float)we_cli_parse_double("--lambda-va", optarg, 0, 1e6); o.aux_given |= WE_AUX_LAMBDA_VA; break;
        case O_TM: o.hp.aux_tmax = (int)we_cli_parse_long("--aux-tmax", optarg, 0, 1000000); o.aux_given |= WE_AUX_TMAX; break;
        case O_WW: {
            char *e1, *e2;
            double wlo = strtod(optarg, &e1), whi = e1 != optarg && *e1 == ',' ? strtod(e1 + 1, &e2) : NAN;
            if (isnan(whi) || e2 == e1 + 1 || *e2 || !(wlo >= 0 && wlo <= 1e6) || !(whi >= 0 && whi <= 1e6))
                we_cli_usage_error("--wav-weights: bad value '%s' (want LOW,HIGH, e.g. 0.1,1)", optarg);
            o.hp.wav_w_low = (float)wlo, o.hp.wav_w_high = (float)whi;
            o.aux_given |= WE_AUX_WAV_WEIGHTS;
            break;
        }
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (!o.model) we_cli_usage_error("--model CKPT is required");
    if (optind + 1 < argc) we_cli_usage_error("at most one input stream");
    if ((o.f16 || o.edit_guidance > 0 || o.detail) && !o.export_to)
        we_cli_usage_error("--f16, --edit-guidance and --detail only apply to --export");
    if (o.export_to && o.aux_given) we_cli_usage_error("--export does not train (no auxiliary loss options)");
    if (o.export_to) {
        if (optind < argc || o.resume) we_cli_usage_error("--export reads only CKPT (no stream, no --resume)");
        we_st_file ck;
        we_status s = we_st_read(&ck, o.model);
        if (s) we_cli_die_status(s, o.model);
        if ((s = we_train_export(&ck, o.export_to, o.f16, (float)o.edit_guidance))) we_cli_die_status(s, o.export_to);
        if (o.detail && (s = we_model_add_detail(o.export_to, o.detail, NULL))) we_cli_die_status(s, "--detail");
        we_st_free(&ck);
        fprintf(stderr, "%s: wrote %s\n", we_cli_prog(), o.export_to);
        return 0;
    }
    we_device dev;
    if (we_device_resolve(o.device, &dev)) we_cli_die_status(WE_EDEVICE, "--device");

    we_unet_config cfg;
    we_unet_config_init(&cfg);
    we_model md;
    we_status s = we_model_train_prepare(&md, &cfg, o.resume ? o.model : NULL);
    if (s) we_cli_die_status(s, o.resume ? "--resume" : o.model);
    if (!o.resume) {
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
    if ((o.hp.lambda_expr > 0 || o.hp.lambda_va > 0) && !wl->orthogonal)
        we_cli_usage_error("--lambda-expr/--lambda-va need an orthogonal wavelet (haar, db, sym, coif), not %s", cfg.wavelet);

    we_face_labels *labels = NULL;
    if (o.labels && (s = we_face_labels_load(o.labels, &labels))) we_cli_die_status(s, "--labels");
    FILE *in = stdin;
    const char *inlabel = "stdin";
    if (optind < argc && strcmp(argv[optind], "-")) {
        in = fopen(argv[optind], "rb");
        if (!in) we_cli_die(WE_ENOINPUT, "cannot open %s", argv[optind]);
        inlabel = argv[optind];
    }
    we_train_data ds;
    if ((s = we_train_data_read(&ds, in, inlabel, wl, cfg.data_scale, labels, o.resume ? cfg.K > 0 : o.heat)))
        we_cli_die_status(s, "reading the training stream");
    if (ds.unknown_emotion) we_cli_warn("%ld of %d items have no emotion (trained as NULL)", ds.unknown_emotion, ds.n);
    if (ds.n == 0) we_cli_die(WE_EDATA, "no image or wavelet frames in the input");
    if (o.threads) we_nn_set_threads(o.threads);
    s = we_model_train_start(&md, &cfg, &ds, o.batch, &o.hp, o.aux_given, (uint64_t)o.seed, dev);
    if (s == WE_EUSAGE) we_cli_usage_error("%s", we_err_detail());
    if (s) we_cli_die_status(s, s == WE_EDEVICE ? "--device cuda" : o.model);
    we_train *tr = md.train;
    int aux_on = tr->hp.lambda_wav > 0 || tr->hp.lambda_expr > 0 || tr->hp.lambda_va > 0, va_on = tr->hp.lambda_va > 0;
    fprintf(stderr, "%s: %d items %dx%d C=%d K=%d, model nf=%d %zu params, %.2f GFLOP/sample fwd, batch %d, step %ld -> %d, on %s\n",
            we_cli_prog(), ds.n, ds.S, ds.S, ds.C, ds.K, md.cfg.nf, md.m.nparams,
            we_unet_flops_per_sample(&md.m) / 1e9, o.batch, tr->step, o.steps, we_device_name(dev));

    FILE *csv = NULL;
    if (o.csv) {
        int exists = access(o.csv, F_OK) == 0;
        csv = fopen(o.csv, o.resume ? "a" : "w");
        if (!csv) we_cli_die(WE_EIO, "cannot open %s", o.csv);
        if (!o.resume || !exists) fprintf(csv, "step,loss,grad_norm,lr,seconds%s%s\n", aux_on ? ",l_wav,l_expr" : "", va_on ? ",l_va" : "");
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    we_progress pg;
    we_progress_start(&pg);
    double t0 = we_now();
    long start = tr->step;
    int saved_at_end = 0;
    while (tr->step < o.steps && !stop_flag) {
        float loss, gn;
        if ((s = we_model_train_step(&md, &ds, o.batch, &loss, &gn))) we_cli_die_status(s, "training step");
        double el = we_now() - t0;
        if (csv) {
            fprintf(csv, "%ld,%.6f,%.4f,%.3g,%.2f", tr->step, loss, gn, o.hp.lr, el);
            if (aux_on) fprintf(csv, ",%.6f,%.6f", tr->l_wav, tr->l_expr);
            if (va_on) fprintf(csv, ",%.6f", tr->l_va);
            fputc('\n', csv);
            fflush(csv);
        }
        if (o.log_every && tr->step % o.log_every == 0 && !pg.enabled) {
            char ax[96] = "";
            if (aux_on) snprintf(ax, sizeof ax, " l_wav %.5f l_expr %.5f", tr->l_wav, tr->l_expr);
            if (va_on) snprintf(ax + strlen(ax), sizeof ax - strlen(ax), " l_va %.5f", tr->l_va);
            fprintf(stderr, "%s: step %ld loss %.5f%s grad_norm %.3f %.2f s/step\n", we_cli_prog(), tr->step, loss, ax,
                    gn, el / (double)(tr->step - start));
        }
        we_progress_update(&pg, tr->step, o.steps, "steps");
        if (tr->step % o.save_every == 0 || tr->step == o.steps) {
            if ((s = we_train_save(tr, o.model))) we_cli_die_status(s, o.model);
            saved_at_end = tr->step == o.steps;
        }
    }
    we_progress_end(&pg, tr->step, "steps");
    if (!saved_at_end && tr->step > start) {
        if ((s = we_train_save(tr, o.model))) we_cli_die_status(s, o.model);
    }
    if (stop_flag) fprintf(stderr, "%s: interrupted, checkpoint saved at step %ld\n", we_cli_prog(), tr->step);
    if (csv && fclose(csv)) we_cli_die(WE_EIO, "writing %s", o.csv);
    we_train_data_free(&ds);
    we_face_labels_free(labels);
    we_model_free(&md);
    return 0;
}
