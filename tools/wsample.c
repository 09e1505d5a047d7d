/* wsample - generate faces with a trained WaveEmotion UNet: DDIM (eta) or
 * DDPM ancestral sampling, classifier-free guidance with separate LL /
 * high-band scales, written as a WES1 stream of `image` (or `wavelet`)
 * frames. See man/man1/wsample.1.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_cli.h"
#include "we_device.h"
#include "we_model.h"
#include "we_nn.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: wsample -m CKPT [OPTION]...\n"
           "Generate N faces with a WaveEmotion checkpoint and write them as a WES1 stream\n"
           "of `image` frames (C x S x S, f32 in [-1,1]) on stdout.\n\n"
           "  -m, --model=CKPT     checkpoint written by wtrain\n"
           "  -n, --count=N        number of faces (default 16)\n"
           "  -e, --emotion=NAME   neutral happy sad surprise fear disgust anger contempt,\n"
           "                       or null (default null: unconditional)\n"
           "      --valence=V      valence in [-1,1] (with --arousal; default NULL)\n"
           "      --arousal=A      arousal in [-1,1]\n"
           "      --sampler=S      ddim or ddpm (default ddim)\n"
           "      --steps=N        reverse steps (default 50 for ddim, 1000 for ddpm)\n"
           "      --eta=F          DDIM eta, 0 = deterministic (default 0)\n"
           "      --g-low=F        guidance scale on the LL channels (default 1 = none)\n"
           "      --g-high=F       guidance scale on the high channels (default 1)\n"
           "      --clip=F         clamp the predicted x0 to [-F,F] in diffusion space\n"
           "                       (coefficients/2), 0 = off (default 1)\n"
           "  -b, --batch=B        faces per network batch (default 16)\n"
           "  -S, --seed=N         random seed (default 1)\n"
           "      --no-ema         use the raw weights instead of the EMA copy\n"
           "      --wavelet-out    write `wavelet` frames (true coefficients), no inverse DWT\n"
           "      --given=STREAM   real faces (`wavelet` frames of the model's size) whose clean\n"
           "                       bands a model that diffuses only some bands (region high\n"
           "                       or low) keeps; sample i takes face i modulo their count\n"
           "                       (the first min(N, 4096) faces are read)\n"
           "  -T, --threads=N      BLAS threads, 0 = library default (default 0)\n"
           "  -d, --device=DEV     cpu, cuda or auto (default auto: cuda when a GPU is there)\n"
           "  -h, --help           show this help and exit\n");
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    const char *model = NULL, *emotion = "null", *sampler = "ddim", *device = NULL, *given = NULL;
    int count = 16, batch = 16, no_ema = 0, threads = 0;
    double val = NAN, aro = NAN;
    we_gen_params gp;
    we_gen_params_init(&gp);
    enum { O_VAL = 256, O_ARO, O_SAMP, O_STEPS, O_ETA, O_GL, O_GH, O_NOEMA, O_WAV, O_CLIP, O_GIVEN };
    static const struct option lo[] = {
        {"model", 1, 0, 'm'}, {"count", 1, 0, 'n'}, {"emotion", 1, 0, 'e'}, {"valence", 1, 0, O_VAL},
        {"arousal", 1, 0, O_ARO}, {"sampler", 1, 0, O_SAMP}, {"steps", 1, 0, O_STEPS}, {"eta", 1, 0, O_ETA},
        {"g-low", 1, 0, O_GL}, {"g-high", 1, 0, O_GH}, {"clip", 1, 0, O_CLIP}, {"batch", 1, 0, 'b'}, {"seed", 1, 0, 'S'},
        {"no-ema", 0, 0, O_NOEMA}, {"wavelet-out", 0, 0, O_WAV}, {"given", 1, 0, O_GIVEN}, {"threads", 1, 0, 'T'},
        {"device", 1, 0, 'd'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "m:n:e:b:S:T:d:h", lo, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'n': count = (int)we_cli_parse_long("--count", optarg, 1, 10000000); break;
        case 'e': emotion = optarg; break;
        case O_VAL: val = we_cli_parse_double("--valence", optarg, -1, 1); break;
        case O_ARO: aro = we_cli_parse_double("--arousal", optarg, -1, 1); break;
        case O_SAMP: sampler = optarg; break;
        case O_STEPS: gp.steps = (int)we_cli_parse_long("--steps", optarg, 1, 100000); break;
        case O_ETA: gp.eta = we_cli_parse_double("--eta", optarg, 0, 10); break;
        case O_GL: gp.g_low = we_cli_parse_double("--g-low", optarg, -100, 100); break;
        case O_GH: gp.g_high = we_cli_parse_double("--g-high", optarg, -100, 100); break;
        case O_CLIP: gp.clip = we_cli_parse_double("--clip", optarg, 0, 1e6); break;
        case 'b': batch = (int)we_cli_parse_long("--batch", optarg, 1, 4096); break;
        case 'S': gp.seed = we_cli_parse_long("--seed", optarg, 0, 0x7fffffffL); break;
        case O_NOEMA: no_ema = 1; break;
        case O_WAV: gp.wavelet_out = 1; break;
        case O_GIVEN: given = optarg; break;
        case 'T': threads = (int)we_cli_parse_long("--threads", optarg, 0, 1024); break;
        case 'd': device = optarg; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!model) we_cli_usage_error("--model CKPT is required");
    if (!strcmp(sampler, "ddim")) gp.ddpm = 0;
    else if (!strcmp(sampler, "ddpm")) gp.ddpm = 1;
    else we_cli_usage_error("--sampler: unknown sampler '%s' (ddim, ddpm)", sampler);
    if (we_emotion_label_parse(emotion, &gp.label)) we_cli_usage_error("--emotion: %s", we_err_detail());
    if (isnan(val) != isnan(aro)) we_cli_usage_error("--valence and --arousal go together");
    gp.have_va = !isnan(val);
    gp.va[0] = val, gp.va[1] = aro;
    we_device dev;
    if (we_device_resolve(device, &dev)) we_cli_die_status(WE_EDEVICE, "--device");
    we_cli_refuse_tty(stdout);

    if (batch > count) batch = count;
    if (threads) we_nn_set_threads(threads);
    we_model m;
    we_status s = we_model_open(&m, model, batch, !no_ema, dev);
    if (s) we_cli_die_status(s, s == WE_EDEVICE ? "--device cuda" : "--model");
    char ew[512];
    if (we_model_ema_warning(&m, ew, sizeof ew)) we_cli_warn("%s", ew);
    if (given) { /* the clean bands of a region model */
        const char *label;
        FILE *gf = we_cli_open_input(given, &label);
        we_reader gr;
        we_reader_init(&gr, gf, label);
        float *gx = NULL;
        /* sample i takes face i mod n: no more than count faces are needed */
        if ((s = we_model_given_read(&m, &gr, count < 4096 ? count : 4096, &gx, &gp.n_given)))
            we_cli_die_status(s, "--given");
        we_reader_free(&gr);
        if (gf != stdin) fclose(gf);
        gp.given = gx;
    }
    if (we_model_generate_setup(&m, &gp)) we_cli_usage_error("%s", we_err_detail());
    we_frame *fr = calloc((size_t)batch, sizeof *fr);
    if (!fr) we_cli_die(WE_ENOMEM, "out of memory");
    we_rng rng;
    we_rng_seed(&rng, (uint64_t)gp.seed);
    we_progress pg;
    we_progress_start(&pg);
    for (int done = 0; done < count;) {
        int nb = count - done < batch ? count - done : batch;
        if ((s = we_model_generate(&m, &gp, done, nb, fr, &rng))) we_cli_die_status(s, "sampling");
        for (int b = 0; b < nb; b++) {
            if ((s = we_frame_write(stdout, &fr[b]))) we_cli_die_status(s, "stdout");
            we_frame_free(&fr[b]);
        }
        done += nb;
        we_progress_update(&pg, done, count, "faces");
    }
    we_progress_end(&pg, count, "faces");
    we_cli_finish_output();
    free(fr);
    free((float *)gp.given);
    we_model_free(&m);
    return 0;
}
