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
#include "we_cond.h"
#include "we_device.h"
#include "we_dwt.h"
#include "we_emotion.h"
#include "we_nn.h"
#include "we_safetensors.h"
#include "we_sampler.h"
#include "we_stream.h"
#include "we_unet.h"
#include "we_unet_cuda.h"
#include "we_wavelet.h"

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
           "  -T, --threads=N      BLAS threads, 0 = library default (default 0)\n"
           "  -d, --device=DEV     cpu, cuda or auto (default auto: cuda when a GPU is there)\n"
           "  -h, --help           show this help and exit\n");
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    const char *model = NULL, *emotion = "null", *sampler = "ddim", *device = NULL;
    int count = 16, steps = -1, batch = 16, no_ema = 0, wav_out = 0, threads = 0;
    long seed = 1;
    double eta = 0, glow = 1, ghigh = 1, val = NAN, aro = NAN, clip = 1;
    enum { O_VAL = 256, O_ARO, O_SAMP, O_STEPS, O_ETA, O_GL, O_GH, O_NOEMA, O_WAV, O_CLIP };
    static const struct option lo[] = {
        {"model", 1, 0, 'm'}, {"count", 1, 0, 'n'}, {"emotion", 1, 0, 'e'}, {"valence", 1, 0, O_VAL},
        {"arousal", 1, 0, O_ARO}, {"sampler", 1, 0, O_SAMP}, {"steps", 1, 0, O_STEPS}, {"eta", 1, 0, O_ETA},
        {"g-low", 1, 0, O_GL}, {"g-high", 1, 0, O_GH}, {"clip", 1, 0, O_CLIP}, {"batch", 1, 0, 'b'}, {"seed", 1, 0, 'S'},
        {"no-ema", 0, 0, O_NOEMA}, {"wavelet-out", 0, 0, O_WAV}, {"threads", 1, 0, 'T'},
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
        case O_STEPS: steps = (int)we_cli_parse_long("--steps", optarg, 1, 100000); break;
        case O_ETA: eta = we_cli_parse_double("--eta", optarg, 0, 10); break;
        case O_GL: glow = we_cli_parse_double("--g-low", optarg, -100, 100); break;
        case O_GH: ghigh = we_cli_parse_double("--g-high", optarg, -100, 100); break;
        case O_CLIP: clip = we_cli_parse_double("--clip", optarg, 0, 1e6); break;
        case 'b': batch = (int)we_cli_parse_long("--batch", optarg, 1, 4096); break;
        case 'S': seed = we_cli_parse_long("--seed", optarg, 0, 0x7fffffffL); break;
        case O_NOEMA: no_ema = 1; break;
        case O_WAV: wav_out = 1; break;
        case 'T': threads = (int)we_cli_parse_long("--threads", optarg, 0, 1024); break;
        case 'd': device = optarg; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s'", argv[optind]);
    if (!model) we_cli_usage_error("--model CKPT is required");
    int ddpm;
    if (!strcmp(sampler, "ddim")) ddpm = 0;
    else if (!strcmp(sampler, "ddpm")) ddpm = 1;
    else we_cli_usage_error("--sampler: unknown sampler '%s' (ddim, ddpm)", sampler);
    if (ddpm && eta != 0) we_cli_usage_error("--eta applies to --sampler ddim only");
    int label;
    if (we_emotion_label_parse(emotion, &label)) we_cli_usage_error("--emotion: %s", we_err_detail());
    if (isnan(val) != isnan(aro)) we_cli_usage_error("--valence and --arousal go together");
    we_device dev;
    if (we_device_resolve(device, &dev)) we_cli_die_status(WE_EDEVICE, "--device");
    we_cli_refuse_tty(stdout);

    we_st_file f;
    we_status s = we_st_read(&f, model);
    if (s) we_cli_die_status(s, "--model");
    we_unet_config cfg;
    if ((s = we_unet_config_from_meta(&cfg, &f))) we_cli_die_status(s, model);
    if (steps < 0) steps = ddpm ? cfg.T : 50;
    if (steps > cfg.T) we_cli_usage_error("--steps %d above the model's T = %d", steps, cfg.T);
    if (cfg.region != WE_REGION_ALL)
        we_cli_die(WE_EUSAGE, "model %s diffuses only the %s bands; generating from noise needs region 'all'",
                   model, we_region_name(cfg.region));
    const we_wavelet *wl;
    if (we_wavelet_parse(cfg.wavelet, &wl)) we_cli_die_status(WE_EDATA, model);
    if (batch > count) batch = count;
    if (threads) we_nn_set_threads(threads);
    we_unet m;
    if ((s = we_unet_create(&m, &cfg, batch))) we_cli_die_status(s, "creating the model");
    if ((s = we_unet_load(&m, &f, we_unet_weights_prefix(&f, !no_ema)))) we_cli_die_status(s, model);
    we_st_free(&f);

    we_sched sch;
    if ((s = we_sched_init(&sch, cfg.schedule, cfg.T))) we_cli_die_status(s, "schedule");
    we_cond cond;
    if ((s = we_cond_init(&cond, &m, batch))) we_cli_die_status(s, "conditions");
    we_unet_cuda gpu;
    memset(&gpu, 0, sizeof gpu);
    if (dev == WE_DEV_CUDA) {
        if ((s = we_unet_cuda_create(&gpu, &m))) we_cli_die_status(s, "--device cuda");
        cond.gpu = &gpu;
    }
    int32_t *lab = malloc(sizeof(int32_t) * (size_t)batch), *vk = malloc(sizeof(int32_t) * (size_t)batch);
    float *va = malloc(sizeof(float) * 2 * (size_t)batch);
    int h = cfg.S / 2;
    size_t per = (size_t)4 * cfg.C * h * h;
    float *x = malloc(sizeof(float) * per * (size_t)batch), *img = malloc(sizeof(float) * per);
    if (!lab || !vk || !va || !x || !img) we_cli_die(WE_ENOMEM, "out of memory");
    for (int b = 0; b < batch; b++) {
        lab[b] = label;
        vk[b] = !isnan(val);
        va[2 * b] = isnan(val) ? 0 : (float)val;
        va[2 * b + 1] = isnan(aro) ? 0 : (float)aro;
    }
    cond.tgt_label = cond.src_label = lab;
    cond.tgt_va = cond.src_va = va;
    cond.tgt_va_known = cond.src_va_known = vk;
    we_sampler sp;
    we_sampler_init(&sp);
    sp.fn = we_cond_eps, sp.ctx = &cond, sp.sched = &sch;
    sp.C = cfg.C, sp.h = h;
    sp.s_low = (float)glow, sp.s_high = (float)ghigh, sp.eta = (float)eta, sp.clip = (float)clip;
    we_rng rng;
    we_rng_seed(&rng, (uint64_t)seed);
    we_progress pg;
    we_progress_start(&pg);
    for (int done = 0; done < count;) {
        int nb = count - done < batch ? count - done : batch;
        sp.N = nb;
        if ((s = we_sampler_generate(&sp, x, steps, ddpm, &rng))) we_cli_die_status(s, "sampling");
        for (int b = 0; b < nb; b++) {
            float *xs = x + (size_t)b * per;
            for (size_t i = 0; i < per; i++) xs[i] /= cfg.data_scale;
            we_frame fr;
            we_frame_init(&fr);
            if (wav_out) {
                if (we_tensor_alloc3(&fr.t, WE_F32, 4 * cfg.C, h, h)) we_cli_die(WE_ENOMEM, "out of memory");
                memcpy(fr.t.data, xs, sizeof(float) * per);
                we_frame_set_name(&fr, "wavelet");
            } else {
                if (we_tensor_alloc3(&fr.t, WE_F32, cfg.C, cfg.S, cfg.S)) we_cli_die(WE_ENOMEM, "out of memory");
                if ((s = we_dwt2_inverse(fr.t.data, NULL, xs, cfg.C, cfg.S, cfg.S, wl, 1, 1)))
                    we_cli_die_status(s, "inverse wavelet transform");
                float *p = fr.t.data;
                for (size_t i = 0; i < per; i++) p[i] = p[i] < -1 ? -1 : p[i] > 1 ? 1 : p[i];
                we_frame_set_name(&fr, "image");
            }
            we_frame_setf(&fr, "id", "sample%06d", done + b);
            if (label != WE_UNET_NULL_LABEL) we_frame_set(&fr, "emotion", we_emotion_names[label]);
            if (!isnan(val)) {
                we_frame_setf(&fr, "valence", "%.6g", val);
                we_frame_setf(&fr, "arousal", "%.6g", aro);
            }
            if (wav_out) {
                we_frame_set(&fr, "wavelet", cfg.wavelet);
                we_frame_set(&fr, "levels", "1");
                we_frame_set(&fr, "mode", "periodization");
            }
            we_frame_setf(&fr, "sampler", "%s", sampler);
            we_frame_setf(&fr, "steps", "%d", steps);
            we_frame_setf(&fr, "seed", "%ld", seed);
            if (glow != 1 || ghigh != 1) {
                we_frame_setf(&fr, "g_low", "%.6g", glow);
                we_frame_setf(&fr, "g_high", "%.6g", ghigh);
            }
            if (we_frame_write(stdout, &fr)) we_cli_die(WE_EIO, "writing stdout");
            we_frame_free(&fr);
        }
        done += nb;
        we_progress_update(&pg, done, count, "faces");
    }
    we_progress_end(&pg, count, "faces");
    we_cli_finish_output();
    free(lab), free(vk), free(va), free(x), free(img);
    if (cond.gpu) we_unet_cuda_free(&gpu);
    we_cond_free(&cond);
    we_sched_free(&sch);
    we_unet_free(&m);
    return 0;
}
