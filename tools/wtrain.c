/* wtrain - train the WaveEmotion UNet on a WES1 stream of faces.
 *
 * Reads every item of the input (one `wavelet` frame, or one `image` frame
 * that is transformed here with the configured wavelet; optional `heatmap`
 * frame; keys emotion, valence, arousal), then runs AdamW steps on random
 * batches, logging the loss per step and checkpointing atomically. Under
 * mpirun the processes share each batch (lib/diffusion/we_train_dp.h):
 * rank r reads the shards j with j % K == r, rank 0 logs and checkpoints.
 * See man/man1/wtrain.1.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "we_cli.h"
#include "we_comm.h"
#include "we_device.h"
#include "we_face_labels.h"
#include "we_model.h"
#include "we_nn.h"
#include "we_runset.h"
#include "we_safetensors.h"
#include "we_stream.h"
#include "we_train_dp.h"

typedef struct {
    const char *model, *csv, *labels, *device, *mult, *attn, *export_to, *detail;
    int f16;
    double edit_guidance;
    int resume, force, allow_change, steps, batch, save_every, threads, log_every;
    int nf, num_res, heat;
    long seed;
    const char *schedule, *region, *wavelet;
    we_train_params hp;
    unsigned given; /* WE_AUX_* / WE_SET_* bits: result-changing options given on the command line */
} opts;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void usage(void)
{
    printf("Usage: wtrain -m CKPT [OPTION]... [STREAM]...\n"
           "       mpirun -np K wtrain -m CKPT [OPTION]... SHARD...\n"
           "Train the WaveEmotion UNet on WES1 streams of faces (stdin by default; several\n"
           "are one set, in order; under mpirun each process reads its shards): items\n"
           "with a `wavelet` frame (4C x S/2 x S/2) or an `image` frame (C x S x S, turned into\n"
           "wavelet coefficients here), keys emotion / valence / arousal, optional `heatmap`.\n"
           "Writes the checkpoint CKPT (safetensors) every --save-every steps and at the end.\n\n"
           "  -m, --model=CKPT      checkpoint to write (and to read with --resume)\n"
           "  -r, --resume          continue the run stored in CKPT (config, weights, EMA,\n"
           "                        optimizer, step, random state and the settings below:\n"
           "                        those not given are taken from CKPT)\n"
           "      --allow-change    with --resume: accept settings that differ from CKPT's\n"
           "                        (lr, batch, threads, device, data...; refused otherwise)\n"
           "      --force           a new run may replace an existing CKPT\n"
           "  -n, --steps=N         train until optimizer step N (default 1000)\n"
           "  -b, --batch=B         batch size (default 32)\n"
           "      --lr=F            AdamW learning rate (default 2e-4)\n"
           "      --weight-decay=F  decoupled weight decay (default 0)\n"
           "      --clip=F          gradient clipping by global norm, 0 = off (default 1)\n"
           "      --ema=F           EMA decay of the weights (default 0.999)\n"
           "      --p-drop=F        per-condition dropout to NULL (default 0.15)\n"
           "      --p-all=F         all-conditions dropout (default 0.1)\n");
    fputs(we_train_aux_usage, stdout);
    printf("  -S, --seed=N          seed of everything (default 1)\n"
           "      --save-every=N    checkpoint period in steps (default 500)\n"
           "      --csv=FILE        append step,loss,grad_norm,lr,seconds lines to FILE\n"
           "                        (plus l_wav,l_expr when an auxiliary term is on, l_va,\n"
           "                        l_lm,l_id,l_bg); a\n"
           "                        resume drops the rows of steps past CKPT's\n"
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
    we_cli_init_blas(argv);
    we_status s0;
    opts o;
    memset(&o, 0, sizeof o);
    o.steps = 1000, o.batch = 32, o.save_every = 500, o.seed = 1, o.log_every = 1;
    o.nf = 64, o.num_res = 2, o.mult = "1,2,2,2", o.attn = "2";
    o.schedule = "linear", o.region = "all", o.wavelet = "haar";
    we_train_params_init(&o.hp);
    enum { O_LR = 256, O_WD, O_CLIP, O_EMA, O_PD, O_PA, O_SAVE, O_CSV, O_LOG, O_NF, O_MULT, O_NR, O_ATTN, O_SCHED, O_REG, O_HEAT, O_EXPORT, O_F16, O_EDITG, O_DETAIL, O_FORCE, O_ALLOW, O_AUX };
    static const struct option lo[] = {
        {"model", 1, 0, 'm'}, {"resume", 0, 0, 'r'}, {"steps", 1, 0, 'n'}, {"batch", 1, 0, 'b'},
        {"lr", 1, 0, O_LR}, {"weight-decay", 1, 0, O_WD}, {"clip", 1, 0, O_CLIP}, {"ema", 1, 0, O_EMA},
        {"p-drop", 1, 0, O_PD}, {"p-all", 1, 0, O_PA}, {"seed", 1, 0, 'S'}, {"save-every", 1, 0, O_SAVE},
        {"csv", 1, 0, O_CSV}, {"log-every", 1, 0, O_LOG}, {"labels", 1, 0, 'e'}, {"threads", 1, 0, 'T'},
        {"device", 1, 0, 'd'}, {"nf", 1, 0, O_NF}, {"mult", 1, 0, O_MULT}, {"num-res", 1, 0, O_NR},
        {"attn", 1, 0, O_ATTN}, {"schedule", 1, 0, O_SCHED}, {"region", 1, 0, O_REG},
        {"wavelet", 1, 0, 'w'}, {"heatmaps", 0, 0, O_HEAT}, {"export", 1, 0, O_EXPORT}, {"f16", 0, 0, O_F16}, {"edit-guidance", 1, 0, O_EDITG},
        {"detail", 1, 0, O_DETAIL}, {"lambda-wav", 1, 0, O_AUX}, {"wav-weights", 1, 0, O_AUX}, {"lambda-expr", 1, 0, O_AUX},
        {"lambda-va", 1, 0, O_AUX}, {"lambda-lm", 1, 0, O_AUX}, {"lambda-id", 1, 0, O_AUX}, {"lambda-bg", 1, 0, O_AUX},
        {"aux-tmax", 1, 0, O_AUX}, {"aux-items", 1, 0, O_AUX},
        {"force", 0, 0, O_FORCE}, {"allow-change", 0, 0, O_ALLOW}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c, li = 0;
    while ((c = getopt_long(argc, argv, "m:rn:b:S:e:T:d:w:h", lo, &li)) != -1) {
        switch (c) {
        case 'm': o.model = optarg; break;
        case 'r': o.resume = 1; break;
        case O_FORCE: o.force = 1; break;
        case O_ALLOW: o.allow_change = 1; break;
        case 'n': o.steps = (int)we_cli_parse_long("--steps", optarg, 0, 1000000000); break;
        case 'b': o.batch = (int)we_cli_parse_long("--batch", optarg, 1, 4096); o.given |= WE_SET_BATCH; break;
        case O_LR: o.hp.lr = (float)we_cli_parse_double("--lr", optarg, 0, 10); o.given |= WE_SET_LR; break;
        case O_WD: o.hp.weight_decay = (float)we_cli_parse_double("--weight-decay", optarg, 0, 10); o.given |= WE_SET_WD; break;
        case O_CLIP: o.hp.clip = (float)we_cli_parse_double("--clip", optarg, 0, 1e6); o.given |= WE_SET_CLIP; break;
        case O_EMA: o.hp.ema = (float)we_cli_parse_double("--ema", optarg, 0, 1); o.given |= WE_SET_EMA; break;
        case O_PD: o.hp.p_drop = (float)we_cli_parse_double("--p-drop", optarg, 0, 1); o.given |= WE_SET_PDROP; break;
        case O_PA: o.hp.p_all = (float)we_cli_parse_double("--p-all", optarg, 0, 1); o.given |= WE_SET_PALL; break;
        case 'S': o.seed = we_cli_parse_long("--seed", optarg, 0, 0x7fffffffL); o.given |= WE_SET_SEED; break;
        case O_SAVE: o.save_every = (int)we_cli_parse_long("--save-every", optarg, 1, 1000000000); break;
        case O_CSV: o.csv = optarg; break;
        case O_LOG: o.log_every = (int)we_cli_parse_long("--log-every", optarg, 0, 1000000000); break;
        case 'e': o.labels = optarg; break;
        case 'T': o.threads = (int)we_cli_parse_long("--threads", optarg, 0, 1024); o.given |= WE_SET_THREADS; break;
        case 'd': o.device = optarg; o.given |= WE_SET_DEVICE; break;
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
        case O_AUX:
            if (we_train_aux_option(lo[li].name, optarg, &o.hp, &o.given)) we_cli_usage_error("%s", we_err_detail());
            break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (!o.model) we_cli_usage_error("--model CKPT is required");
    if ((o.f16 || o.edit_guidance > 0 || o.detail) && !o.export_to)
        we_cli_usage_error("--f16, --edit-guidance and --detail only apply to --export");
    if (o.export_to && (o.given & WE_AUX_BITS)) we_cli_usage_error("--export does not train (no auxiliary loss options)");
    if (o.export_to) {
        if (optind < argc || o.resume) we_cli_usage_error("--export reads only CKPT (no stream, no --resume)");
        we_status s = we_model_export(o.model, o.export_to, o.f16, (float)o.edit_guidance, o.detail);
        if (s) we_cli_die_status(s, o.export_to);
        fprintf(stderr, "%s: wrote %s\n", we_cli_prog(), o.export_to);
        return 0;
    }
    if (o.allow_change && !o.resume) we_cli_usage_error("--allow-change only applies to --resume");
    if ((s0 = we_runset_check_new(o.model, o.resume, o.force))) we_cli_usage_error("%s", we_err_detail());
    we_device dev;
    if (we_device_resolve(o.device, &dev)) we_cli_die_status(WE_EDEVICE, "--device");
    we_comm comm; /* the processes of an mpirun job (alone: rank 0 of 1) */
    if (we_comm_mpi_open(&comm, &argc, &argv)) we_cli_die_status(WE_EUSAGE, "mpi");
    int lead = comm.rank == 0; /* logs and checkpoints */

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
    static const char *const in_stdin[] = {"-"};
    /* the batch a resume takes from the checkpoint is known after reading */
    int maxN = o.resume && !(o.given & WE_SET_BATCH) && comm.size > 1 ? 4096 : o.batch;
    we_train_data ds;
    we_train_shards sh;
    if ((s = we_train_shards_read(&sh, &ds, &comm, optind < argc ? (const char *const *)argv + optind : in_stdin,
                                  optind < argc ? argc - optind : 1, maxN, wl, cfg.data_scale, labels,
                                  o.resume ? cfg.K > 0 : o.heat)))
        we_cli_die_status(s, "reading the training stream");
    if (sh.unknown_emotion && lead)
        we_cli_warn("%ld of %lld items have no emotion (trained as NULL)", sh.unknown_emotion, (long long)sh.n);
    we_train_run run = {o.batch, o.threads, o.seed, "", ""};
    snprintf(run.device, sizeof run.device, "%s", we_device_name(dev));
    if (comm.size == 1) we_train_data_hash(&ds, run.data); /* a rank holds its shards only: not checked */
    char note[512];
    if ((s = we_model_train_reconcile(&md, &o.hp, &run, o.given, o.allow_change, note, sizeof note)))
        we_cli_die_status(s, o.model);
    if (*note && lead) we_cli_warn("resuming %s: %s", o.model, note);
    if (we_device_resolve(run.device, &dev)) we_cli_die_status(WE_EDEVICE, "the run's device");
    if (run.threads) we_nn_set_threads(run.threads);
    o.batch = run.batch;
    s = we_model_train_start(&md, &cfg, &ds, &run, &o.hp, o.given, dev);
    if (s == WE_EUSAGE) we_cli_usage_error("%s", we_err_detail());
    if (s) we_cli_die_status(s, s == WE_EDEVICE ? "--device cuda" : o.model);
    we_train *tr = md.train;
    tr->comm = &comm;
    int aux_on = we_train_aux_on(&tr->hp); /* the CSV's auxiliary columns */
    if (lead && comm.size > 1)
        fprintf(stderr, "%s: %d processes (%s), %d shards, this one holds %d items\n", we_cli_prog(), comm.size,
                comm.transport, sh.nshards, ds.n);
    if (lead)
        fprintf(stderr, "%s: %lld items %dx%d C=%d J=%d K=%d, model nf=%d %zu params, %.2f GFLOP/sample fwd, batch %d, step %ld -> %d, on %s\n",
                we_cli_prog(), (long long)sh.n, ds.S, ds.S, ds.C, md.cfg.J, ds.K, md.cfg.nf, md.m.nparams,
                we_unet_flops_per_sample(&md.m) / 1e9, o.batch, tr->step, o.steps, we_device_name(dev));

    FILE *csv = NULL;
    if (o.csv && lead && (s = we_train_log_open(&csv, o.csv, o.resume, tr->step, aux_on))) we_cli_die_status(s, o.csv);
    signal(SIGINT, on_signal), signal(SIGTERM, on_signal);

    we_progress pg;
    we_progress_start(&pg);
    pg.enabled &= lead;
    double t0 = we_now();
    long start = tr->step;
    int saved_at_end = 0;
    while (tr->step < o.steps) {
        int64_t stop = stop_flag; /* all processes stop at the same step */
        if ((s = we_comm_allreduce_i64(&comm, &stop, 1, WE_COMM_MAX))) we_cli_die_status(s, "training step");
        if ((stop_flag = (sig_atomic_t)stop)) break;
        float loss, gn;
        if ((s = we_model_train_step_shards(&md, &ds, &sh, o.batch, &loss, &gn))) we_cli_die_status(s, "training step");
        double el = we_now() - t0;
        if (csv) we_train_log_step(csv, tr, loss, gn, el, aux_on);
        if (o.log_every && tr->step % o.log_every == 0 && !pg.enabled && lead) {
            char ax[160];
            we_train_log_aux(ax, sizeof ax, tr, aux_on);
            fprintf(stderr, "%s: step %ld loss %.5f%s grad_norm %.3f %.2f s/step\n", we_cli_prog(), tr->step, loss, ax,
                    gn, el / (double)(tr->step - start));
        }
        we_progress_update(&pg, tr->step, o.steps, "steps");
        if (lead && (tr->step % o.save_every == 0 || tr->step == o.steps)) {
            if ((s = we_train_save(tr, o.model))) we_cli_die_status(s, o.model);
            saved_at_end = tr->step == o.steps;
        }
    }
    we_progress_end(&pg, tr->step, "steps");
    if (lead && !saved_at_end && tr->step > start) {
        if ((s = we_train_save(tr, o.model))) we_cli_die_status(s, o.model);
    }
    if (lead && comm.size > 1 && tr->step > start)
        fprintf(stderr, "%s: all-reduce %.2f ms/step (%zu floats, ring over %d processes)\n", we_cli_prog(),
                1e3 * tr->comm_s / (double)(tr->step - start), md.m.nparams, comm.size);
    if (stop_flag && lead) fprintf(stderr, "%s: interrupted, checkpoint saved at step %ld\n", we_cli_prog(), tr->step);
    if (csv && fclose(csv)) we_cli_die(WE_EIO, "writing %s", o.csv);
    we_train_data_free(&ds);
    we_train_shards_free(&sh);
    we_face_labels_free(labels);
    we_model_free(&md);
    we_comm_close(&comm);
    return 0;
}
