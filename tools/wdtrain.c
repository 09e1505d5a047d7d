/* wdtrain - train the detail network of the cascade edit on aligned faces.
 *
 * Reads the `image` frames of WES1 streams (facealign -s 256 -c 1), then
 * runs AdamW steps on simulated expression edits (lib/diffusion/we_detail_data.h),
 * checkpointing atomically, measuring on held-out faces. With --demo it
 * writes source / target / cascade results of held-out faces instead. See
 * man/man1/wdtrain.1.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "we_cascade.h"
#include "we_cli.h"
#include "we_detail_train.h"
#include "we_nn.h"
#include "we_stream.h"
#include "we_warp.h"

typedef struct {
    uint8_t **px;
    char **id;
    size_t n, cap;
} faces;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void usage(void)
{
    printf("Usage: wdtrain -o CKPT [OPTION]... [STREAM]...\n"
           "Train the detail network of the cascade edit on aligned faces: the `image` frames\n"
           "(1 x S x S luminance, u8 or f32 in [-1,1], as facealign -s S -c 1 writes them) of the\n"
           "STREAMs (stdin by default), on simulated edits (smooth random local warps).\n\n"
           "  -o, --output=CKPT     checkpoint to write (and to read with --resume)\n"
           "  -r, --resume          continue the run stored in CKPT (weights, EMA, optimizer,\n"
           "                        step, random state, settings: those not given are CKPT's)\n"
           "      --allow-change    with --resume: accept a --lr, --batch or faces other than CKPT's\n"
           "      --force           a new run may replace an existing CKPT\n"
           "  -n, --steps=N         train until step N (default 20000)\n"
           "  -b, --batch=B         patches per step (default 16)\n"
           "      --lr=F            AdamW learning rate (default 1e-3)\n"
           "  -S, --seed=N          seed of the weights and the batches (default 1)\n"
           "      --save-every=N    checkpoint period in steps (default 100)\n"
           "      --eval=FILE       held-out faces: masked L1 of D and of the source's detail\n"
           "                        against the target's, per level, every --eval-every steps\n"
           "      --eval-every=N    (default 250)\n"
           "  -T, --threads=N       threads of the convolutions (default 1)\n"
           "      --demo=N          do not train: for the first N faces of --eval (else of the\n"
           "                        input) write image frames source, target, cascade (D of\n"
           "                        CKPT), smooth (no D: source detail + the smooth change's)\n"
           "                        and blurry (the edited coarse image upsampled), keys id\n"
           "                        and panel, on stdout\n"
           "New runs only:\n"
           "      --nf=N            hidden channels (default 32)\n"
           "      --layers=N        3x3 convs (default 5)\n"
           "  -s, --size=S          face size (default 256)\n"
           "  -J, --levels=J        levels rebuilt by D; the model's face is S/2^J (default 2)\n"
           "      --patch=P         patch side at every level (default 64)\n"
           "  -h, --help            show this help and exit\n");
}

/* Append every image frame of one stream; S is the size every face must have. */
static void read_faces(faces *F, FILE *in, const char *label, int S)
{
    we_reader rd;
    we_reader_init(&rd, in, label);
    we_frame fr;
    we_frame_init(&fr);
    we_status s;
    size_t S2 = (size_t)S * (size_t)S;
    while ((s = we_reader_frame(&rd, &fr)) == WE_OK) {
        if (strcmp(fr.name, "image")) continue;
        const we_tensor *t = &fr.t;
        int ok = t->rank == 3 && t->shape[0] == 1 && t->shape[1] == S && t->shape[2] == S;
        if (!ok || (t->dtype != WE_U8 && t->dtype != WE_F32))
            we_cli_die(WE_EDATA, "%s: frame %ld: image must be u8 or f32 1x%dx%d (luminance; facealign -s %d -c 1)",
                       label, rd.frames, S, S, S);
        if (F->n == F->cap) {
            F->cap = F->cap ? 2 * F->cap : 256;
            F->px = realloc(F->px, F->cap * sizeof *F->px);
            F->id = realloc(F->id, F->cap * sizeof *F->id);
            if (!F->px || !F->id) we_cli_die(WE_ENOMEM, "out of memory after %zu faces", F->n);
        }
        uint8_t *p = malloc(S2);
        const char *id = we_frame_get(&fr, "id");
        F->id[F->n] = strdup(id ? id : "face");
        if (!p || !F->id[F->n]) we_cli_die(WE_ENOMEM, "out of memory after %zu faces", F->n);
        if (t->dtype == WE_U8) memcpy(p, t->data, S2);
        else
            for (size_t i = 0; i < S2; i++) {
                float v = ((const float *)t->data)[i];
                v = (v + 1) * 127.5f + 0.5f;
                p[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        F->px[F->n++] = p;
    }
    if (s != WE_EOF) we_cli_die_status(s, label);
    we_frame_free(&fr);
    we_reader_free(&rd);
}

static void load_file(faces *F, const char *path, int S)
{
    FILE *in = we_cli_open_input(path, NULL);
    read_faces(F, in, path, S);
    if (in != stdin) fclose(in);
}

static void put(const float *img, int S, const char *id, const char *panel)
{
    we_frame fr;
    we_frame_init(&fr);
    we_status s = we_frame_set_name(&fr, "image");
    s = s ? s : we_tensor_alloc3(&fr.t, WE_F32, 1, S, S);
    if (!s) memcpy(fr.t.data, img, (size_t)S * (size_t)S * sizeof(float));
    s = s ? s : we_frame_set(&fr, "id", id);
    s = s ? s : we_frame_set(&fr, "panel", panel);
    s = s ? s : we_frame_write(stdout, &fr);
    if (s) we_cli_die_status(s, "writing the demo");
    we_frame_free(&fr);
}

/* --demo: the eval's simulated edits, cascaded with D, without, and blurry. */
static void demo(we_detail_trainer *t, const faces *F, int n)
{
    we_cli_refuse_tty(stdout);
    const we_detail_sim_params *sp = &t->sim.p;
    int S = sp->S, J = sp->J, c = S >> J;
    size_t S2 = (size_t)S * (size_t)S;
    float *src = malloc(S2 * sizeof(float)), *out = malloc(S2 * sizeof(float)), *xe = malloc(S2 * sizeof(float));
    if (!src || !out || !xe) we_cli_die(WE_ENOMEM, "demo buffers");
    we_rng r;
    we_rng_seed(&r, 12345); /* the eval's edits */
    for (size_t k = 0; k < F->n && k < (size_t)n; k++) {
        we_detail_train_u8_to_f32(src, F->px[k], S2);
        we_detail_sim_edit(&t->sim, src, &r);
        put(src, S, F->id[k], "source");
        put(t->sim.tgt.ll[0], S, F->id[k], "target");
        for (size_t i = 0; i < (size_t)c * c; i++) xe[i] = t->sim.tgt.ll[J][i] * ldexpf(1.0f, -J);
        we_status s = we_cascade_edit(out, NULL, src, xe, NULL, S, J, &t->ema, NULL);
        if (s) we_cli_die_status(s, "cascade");
        put(out, S, F->id[k], "cascade");
        if ((s = we_cascade_edit(out, NULL, src, xe, NULL, S, J, NULL, NULL))) we_cli_die_status(s, "cascade");
        put(out, S, F->id[k], "smooth");
        float A[6] = {1.0f / (float)(1 << J), 0, 0.5f / (float)(1 << J) - 0.5f, 0, 1.0f / (float)(1 << J), 0.5f / (float)(1 << J) - 0.5f};
        we_warp_affine_forward(out, xe, A, 1, c, c, S, S, 1, WE_BORDER_CLAMP);
        put(out, S, F->id[k], "blurry");
    }
    free(src), free(out), free(xe);
    we_cli_finish_output();
}

/* One eval line per run of the measure: per level the masked L1 of D, of
 * the smooth base and of the source's detail, and D's detail energy over
 * the target's (sharpness, 1 = as sharp). */
static void evaluate(we_detail_trainer *t, const faces *ev)
{
    we_detail_sim_score sc[WE_CASCADE_MAX_J];
    we_status s = we_detail_train_eval(t, (const uint8_t *const *)ev->px, ev->n, 12345, sc);
    if (s) we_cli_die_status(s, "eval");
    fprintf(stderr, "%s: eval step %ld faces %zu", we_cli_prog(), t->step, ev->n);
    for (int j = 0; j < t->sim.p.J; j++) {
        double w = sc[j].w > 0 ? sc[j].w : 1, e = sc[j].e_tgt > 0 ? sc[j].e_tgt : 1;
        fprintf(stderr, " L1 level %d: D %.5f smooth %.5f keep %.5f energy D %.3f smooth %.3f", j + 1, sc[j].l1_d / w,
                sc[j].l1_base / w, sc[j].l1_id / w, sc[j].e_d / e, sc[j].e_base / e);
    }
    fputc('\n', stderr);
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    const char *ckpt = NULL, *eval = NULL;
    int resume = 0, force = 0, allow = 0, steps = 20000, save_every = 100, eval_every = 250, demo_n = 0;
    unsigned given = 0; /* WE_DSET_* bits */
    we_detail_run r = {.S = 256, .J = 2, .P = 64, .threads = 1, .seed = 1};
    we_detail_config_init(&r.dc);
    we_detail_train_params_init(&r.hp);
    enum { O_LR = 256, O_SAVE, O_EVAL, O_EVERY, O_DEMO, O_NF, O_LAYERS, O_PATCH, O_FORCE, O_ALLOW };
    static const struct option lo[] = {
        {"output", 1, 0, 'o'}, {"resume", 0, 0, 'r'}, {"steps", 1, 0, 'n'}, {"batch", 1, 0, 'b'},
        {"lr", 1, 0, O_LR}, {"seed", 1, 0, 'S'}, {"save-every", 1, 0, O_SAVE}, {"eval", 1, 0, O_EVAL},
        {"eval-every", 1, 0, O_EVERY}, {"threads", 1, 0, 'T'}, {"demo", 1, 0, O_DEMO}, {"nf", 1, 0, O_NF},
        {"layers", 1, 0, O_LAYERS}, {"size", 1, 0, 's'}, {"levels", 1, 0, 'J'}, {"patch", 1, 0, O_PATCH},
        {"force", 0, 0, O_FORCE}, {"allow-change", 0, 0, O_ALLOW}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "o:rn:b:S:T:s:J:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': ckpt = optarg; break;
        case 'r': resume = 1; break;
        case 'n': steps = (int)we_cli_parse_long("--steps", optarg, 0, 1000000000); break;
        case O_FORCE: force = 1; break;
        case O_ALLOW: allow = 1; break;
        case 'b': r.hp.batch = (int)we_cli_parse_long("--batch", optarg, 1, 4096), given |= WE_DSET_BATCH; break;
        case O_LR: r.hp.lr = (float)we_cli_parse_double("--lr", optarg, 0, 10), given |= WE_DSET_LR; break;
        case 'S': r.seed = we_cli_parse_long("--seed", optarg, 0, 0x7fffffffffffffffL), given |= WE_DSET_SEED; break;
        case O_SAVE: save_every = (int)we_cli_parse_long("--save-every", optarg, 1, 1000000000); break;
        case O_EVAL: eval = optarg; break;
        case O_EVERY: eval_every = (int)we_cli_parse_long("--eval-every", optarg, 1, 1000000000); break;
        case 'T': r.threads = (int)we_cli_parse_long("--threads", optarg, 1, 256), given |= WE_DSET_THREADS; break;
        case O_DEMO: demo_n = (int)we_cli_parse_long("--demo", optarg, 1, 100000); break;
        case O_NF: r.dc.nf = (int)we_cli_parse_long("--nf", optarg, 4, 256), given |= WE_DSET_NF; break;
        case O_LAYERS: r.dc.layers = (int)we_cli_parse_long("--layers", optarg, 2, WE_DETAIL_MAX_LAYERS), given |= WE_DSET_LAYERS; break;
        case 's': r.S = (int)we_cli_parse_long("--size", optarg, 8, 4096), given |= WE_DSET_SIZE; break;
        case 'J': r.J = (int)we_cli_parse_long("--levels", optarg, 1, WE_CASCADE_MAX_J), given |= WE_DSET_LEVELS; break;
        case O_PATCH: r.P = (int)we_cli_parse_long("--patch", optarg, 4, 4096), given |= WE_DSET_PATCH; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (!ckpt) we_cli_usage_error("give the checkpoint with -o CKPT");
    if (demo_n && access(ckpt, R_OK)) we_cli_die(WE_ENOINPUT, "--demo needs a trained checkpoint: cannot read %s", ckpt);
    if (allow && !resume) we_cli_usage_error("--allow-change only applies to --resume");
    we_detail_trainer t;
    we_runset set[WE_DETAIL_NSET];
    we_st_file ck; /* a resume: the stored settings, checked before and after the faces are read */
    char note[512] = "";
    int nset = we_detail_train_settings(&r, given, set);
    we_status s = we_runset_check_new(ckpt, resume || demo_n, force);
    if (s) we_cli_usage_error("%s", we_err_detail());
    if (resume && ((s = we_st_read(&ck, ckpt)) || (s = we_runset_resume(&ck, set, nset - 1, allow, note, sizeof note))))
        we_cli_die_status(s, ckpt);
    we_nn_set_threads(r.threads);
    if (resume || demo_n) {
        if ((s = we_detail_train_resume(&t, ckpt, resume ? &r.hp : NULL))) we_cli_die_status(s, ckpt);
    } else {
        we_detail_sim_params sp;
        we_detail_sim_params_init(&sp, r.S, r.J);
        sp.P = r.P;
        if ((s = we_detail_sim_params_validate(&sp)) || (s = we_detail_config_validate(&r.dc)))
            we_cli_usage_error("%s", we_err_detail());
        if ((s = we_detail_train_init(&t, &r.dc, &sp, &r.hp, (uint64_t)r.seed))) we_cli_die_status(s, "init");
    }
    int S = t.sim.p.S, J = t.sim.p.J;
    t.threads = r.threads, t.seed = r.seed;

    faces tr = {0}, ev = {0};
    if (eval) load_file(&ev, eval, S);
    if (demo_n) {
        if (!eval) {
            if (optind == argc) load_file(&ev, "-", S);
            for (int i = optind; i < argc; i++) load_file(&ev, argv[i], S);
        }
        demo(&t, &ev, demo_n);
        return 0;
    }
    if (t.step < steps) { /* --resume -n 0 --eval F only measures: no training faces needed */
        if (optind == argc) load_file(&tr, "-", S);
        for (int i = optind; i < argc; i++) load_file(&tr, argv[i], S);
    }
    if (!tr.n && t.step < steps) we_cli_die(WE_EDATA, "no %dx%d image frames in the input (facealign -s %d -c 1)", S, S, S);
    if (tr.n) we_detail_train_data_hash((const uint8_t *const *)tr.px, tr.n, S, r.data);
    char note2[128] = "";
    if (resume && tr.n && (s = we_runset_resume(&ck, set + nset - 1, 1, allow, note2, sizeof note2)))
        we_cli_die_status(s, ckpt);
    if (resume) we_st_free(&ck);
    if (*note || *note2) we_cli_warn("resuming %s: %s%s%s", ckpt, note, *note && *note2 ? "; " : "", note2);
    if (tr.n) memcpy(t.data, r.data, sizeof t.data);
    fprintf(stderr, "%s: %zu training faces, %zu held-out; D nf %d x %d layers (%zu parameters), S %d, J %d, "
            "patch %d, batch %d, lr %g; from step %ld to %d\n", we_cli_prog(), tr.n, ev.n, t.net.cfg.nf,
            t.net.cfg.layers, t.net.num_params, S, J, t.sim.p.P, t.hp.batch, t.hp.lr, t.step, steps);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    double t0 = we_now(), ema_loss = -1;
    long last_eval = -1, start = t.step;
    while (t.step < steps && !stop_flag) {
        float loss, gn;
        if ((s = we_detail_train_step(&t, (const uint8_t *const *)tr.px, tr.n, &loss, &gn))) we_cli_die_status(s, "step");
        ema_loss = ema_loss < 0 ? loss : 0.98 * ema_loss + 0.02 * loss;
        if (t.step % 10 == 0)
            fprintf(stderr, "%s: step %ld loss %.5f (smoothed %.5f) grad %.3f %.2f s/step\n", we_cli_prog(), t.step,
                    loss, ema_loss, gn, (we_now() - t0) / 10), t0 = we_now();
        if (t.step % save_every == 0 && (s = we_detail_train_save(&t, ckpt))) we_cli_die_status(s, ckpt);
        if (ev.n && (t.step % eval_every == 0 || t.step == 1)) evaluate(&t, &ev), last_eval = t.step;
    }
    if (ev.n && last_eval != t.step) evaluate(&t, &ev); /* also: --resume --steps 0 only measures */
    if (t.step != start && (s = we_detail_train_save(&t, ckpt))) we_cli_die_status(s, ckpt);
    fprintf(stderr, "%s: %s at step %ld%s\n", we_cli_prog(), ckpt, t.step, stop_flag ? " (interrupted)" : "");
    we_detail_train_free(&t);
    for (size_t i = 0; i < tr.n; i++) free(tr.px[i]), free(tr.id[i]);
    for (size_t i = 0; i < ev.n; i++) free(ev.px[i]), free(ev.id[i]);
    free(tr.px), free(tr.id), free(ev.px), free(ev.id);
    return 0;
}
