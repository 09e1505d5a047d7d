/* femo - face-api's expression, landmark and identity nets on each `image`
 * frame of a stream. See man/man1/femo.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_device.h"
#include "we_faceapi.h"
#include "we_fexpr.h"
#include "we_layout_face.h"
#include "we_stream.h"

typedef struct {
    int expr, landmarks, identity;
    we_fa_crop_mode crop;
    const char *models;
    const char *device;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: femo [OPTION]... < in.wes > out.wes\n"
            "Classify the facial expression of every `image` frame with face-api's\n"
            "faceExpressionNet and add the result as keys (expr.<class>=p, expr.top=class,\n"
            "classes: neutral happy sad anger fear disgust surprise; expr.valence and\n"
            "expr.arousal: the probabilities times the classes' circumplex coordinates,\n"
            "the table of feclass(1)). Other frames pass through unchanged.\n"
            "\n"
            "  -l, --landmarks      also write a `landmarks` frame (f32 68x2, image pixels)\n"
            "                       after each image (replaces the item's own landmarks)\n"
            "  -i, --identity       also write an `identity` frame (f32 128, the\n"
            "                       faceRecognitionNet descriptor) after each image\n"
            "  -E, --no-expression  do not run the expression net (no expr.* keys)\n"
            "  -c, --crop=MODE      whole (default): each net sees the whole image;\n"
            "                       align: landmarks first, then face-api's aligned boxes\n"
            "  -m, --models=DIR     face-api model folder (default: $WE_FACEAPI_DIR or\n"
            "                       third_party/face-api/model)\n"
            "  -d, --device=DEV     cpu, cuda or auto (default auto; $WE_DEVICE)\n"
            "  -h, --help           show this help and exit\n"
            "\n"
            "Exit status: 0 ok, 64 usage, 65 bad input, 66 weights missing (run\n"
            "sh scripts/setup.sh), 69 device, 74 I/O.\n");
}

/* Write fr (landmarks or identity, made by the caller; freed here) after
 * the image img, with the image's keys. */
static we_status write_extra(const we_frame *img, we_frame *fr, we_status st, const char *model)
{
    if (!st) st = we_frame_copy_keys(fr, img);
    /* the image's own keys (expr.*) describe the image, not this frame */
    for (int k = 0; k < WE_FA_NCLASS; k++) {
        char key[64];
        snprintf(key, sizeof key, "expr.%s", we_fa_expr_vocab[k]);
        we_frame_unset(fr, key);
    }
    we_frame_unset(fr, "expr.top");
    we_frame_unset(fr, "expr.valence");
    we_frame_unset(fr, "expr.arousal");
    if (!st) st = we_frame_set(fr, "model", model);
    if (!st) st = we_frame_write(stdout, fr);
    we_frame_free(fr);
    return st;
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    we_cli_stream_stdout();
    opts o = {1, 0, 0, WE_FA_CROP_WHOLE, NULL, NULL};
    static const struct option lo[] = {
        {"landmarks", no_argument, 0, 'l'}, {"identity", no_argument, 0, 'i'},
        {"no-expression", no_argument, 0, 'E'}, {"crop", required_argument, 0, 'c'},
        {"models", required_argument, 0, 'm'}, {"device", required_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "liEc:m:d:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'l': o.landmarks = 1; break;
        case 'i': o.identity = 1; break;
        case 'E': o.expr = 0; break;
        case 'c':
            if (we_fa_crop_parse(optarg, &o.crop)) we_cli_usage_error("%s", we_err_detail());
            break;
        case 'm': o.models = optarg; break;
        case 'd': o.device = optarg; break;
        case 'h': usage(stdout); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s' (femo reads stdin)", argv[optind]);
    if (!o.expr && !o.landmarks && !o.identity)
        we_cli_usage_error("--no-expression without --landmarks or --identity leaves nothing to do");
    we_device dev;
    we_status st = we_device_resolve(o.device, &dev);
    if (st) we_cli_die_status(st, "--device");
    /* The CPU path is the reference; with cuda the nets move to the GPU
     * (kernels/faceapi.cu) and run through the same calls. */
    we_cli_refuse_tty(stdout);
    we_fa_net *net[3] = {0};
    int need[3] = {o.expr, o.landmarks || o.crop == WE_FA_CROP_ALIGN, o.identity};
    for (int k = 0; k < 3; k++) {
        if (need[k] && (st = we_fa_net_load(&net[k], (we_fa_kind)k, o.models))) we_cli_die_status(st, NULL);
        if (need[k] && (st = we_fa_net_to_device(net[k], dev))) we_cli_die_status(st, "--device");
    }

    we_reader rd;
    we_reader_init(&rd, stdin, "stdin");
    we_item it;
    we_item_init(&it);
    long items = 0, faces = 0;
    we_progress prog;
    we_progress_start(&prog);
    we_batch b;
    we_batch_init(&b, "items");
    we_fa_result *res = NULL;
    int rcap = 0;
    while ((st = we_reader_item(&rd, &it)) == WE_OK) {
        if (it.n > rcap && !(res = realloc(res, sizeof *res * (size_t)(rcap = it.n))))
            we_cli_die(WE_ENOMEM, "out of memory");
        /* analyse every image of the item first: a bad one skips the item
         * (femo(1), BAD ITEMS) before any of its frames is written */
        for (int f = 0; f < it.n && !st; f++) {
            we_frame *fr = &it.f[f];
            if (strcmp(fr->name, "image") != 0) continue;
            we_tensor pix;
            if ((st = we_fa_image_to_pixels(&fr->t, &pix))) break;
            st = we_fa_analyse(net[0], need[1] ? net[1] : NULL, net[2], o.crop, pix.data, (int)pix.shape[0],
                               (int)pix.shape[1], (int)pix.shape[2], &res[f]);
            we_tensor_free(&pix);
        }
        if (st) {
            we_batch_fail(&b, st, we_item_id(&it));
            st = WE_OK;
            continue;
        }
        for (int f = 0; f < it.n; f++) {
            we_frame *fr = &it.f[f];
            if (o.landmarks && !strcmp(fr->name, "landmarks")) continue; /* replaced by ours */
            if (strcmp(fr->name, "image") != 0) {
                if ((st = we_frame_write(stdout, fr))) we_cli_die_status(st, "stdout");
                continue;
            }
            we_fa_result r = res[f];
            if (r.have_expr) {
                for (int k = 0; k < WE_FA_NCLASS; k++) {
                    char key[64];
                    snprintf(key, sizeof key, "expr.%s", we_fa_expr_vocab[k]);
                    we_frame_setf(fr, key, "%.6f", r.expr[k]);
                }
                we_frame_set(fr, "expr.top", we_fa_expr_vocab[we_fa_expr_top(r.expr)]);
                float va[2];
                we_fexpr_va_named(va, r.expr, we_fa_expr_vocab, WE_FA_NCLASS);
                we_frame_setf(fr, "expr.valence", "%.6f", va[0]);
                we_frame_setf(fr, "expr.arousal", "%.6f", va[1]);
            }
            if ((st = we_frame_write(stdout, fr))) we_cli_die_status(st, "stdout");
            we_frame ex;
            if (o.landmarks) {
                we_frame_init(&ex);
                if ((st = write_extra(fr, &ex, we_layout_landmarks_new(&ex, r.lm), "faceapi.landmark68")))
                    we_cli_die(WE_EIO, "write error on stdout");
            }
            if (o.identity) {
                we_frame_init(&ex);
                st = we_frame_set_name(&ex, "identity");
                if (!st) st = we_tensor_alloc(&ex.t, WE_F32, 1, (int64_t[]){128});
                if (!st) memcpy(ex.t.data, r.id, sizeof r.id);
                if ((st = write_extra(fr, &ex, st, "faceapi.recognition"))) we_cli_die(WE_EIO, "write error on stdout");
            }
            faces++;
        }
        items++;
        we_batch_ok(&b);
        we_item_free(&it);
        we_progress_update(&prog, items, 0, "items");
    }
    if (st != WE_EOF) we_cli_die_status(st, "stdin");
    we_progress_end(&prog, items, "items");
    for (int k = 0; k < 3; k++) we_fa_net_free(net[k]);
    we_reader_free(&rd);
    free(res);
    we_cli_finish_output();
    return we_batch_end(&b, 0);
}
