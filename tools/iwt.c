/* iwt - `wavelet` frames back to images (inverse 2-D DWT, periodization):
 * a PNG/JPEG on stdout, one file per item, or an `image` stream.
 * See man/man1/iwt.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_dwt.h"
#include "we_dwt_cuda.h"
#include "we_image.h"
#include "we_layout_image.h"
#include "we_layout_wavelet.h"
#include "we_pattern.h"
#include "we_stream.h"
#include "we_wavelet.h"

typedef enum { OUT_IMAGE, OUT_STREAM } out_mode;

typedef struct {
    out_mode mode;
    int fmt_set;
    we_image_format fmt;
    int quality;
    const char *pattern; /* -o */
    int dtype;           /* -t: -1 = as image.dtype says (default f32), else we_dtype */
    const char *device;
    int nthreads;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: iwt [OPTION]...\n"
            "Read a WES1 stream on stdin and invert every `wavelet` frame (keys wavelet,\n"
            "levels, mode=periodization) back to an image C x H x W.\n"
            "Default: write the image as PNG to stdout; the stream must hold exactly one\n"
            "wavelet frame. Other frames are dropped, except with -t.\n"
            "\n"
            "  -f, --format=FMT    png (default) or jpeg; with -o, default from the pattern's\n"
            "                      extension (.jpg/.jpeg = jpeg)\n"
            "  -q, --quality=Q     JPEG quality 1..100 (default 90)\n"
            "  -o, --output=PAT    one file per wavelet frame, written atomically; %%s = the\n"
            "                      frame's id made safe for a file name, %%d = index of the\n"
            "                      frame (0-based, %%05d pads), %%%% = %%\n"
            "  -t, --stream        write `image` frames instead (stdout, WES1); the dtype is\n"
            "                      the one recorded by dwt (image.dtype), f32 if none; other\n"
            "                      frames pass through\n"
            "  -u, --u8            with -t: write u8 pixels (round((v+1)*127.5), clamped)\n"
            "  -F, --f32           with -t: write f32 pixels in [-1,1]\n"
            "  -d, --device=DEV    cpu, cuda or auto (default auto, or $WE_DEVICE)\n"
            "  -T, --threads=N     CPU threads, 0 = all cores (default 0)\n"
            "  -h, --help          show this help and exit\n");
}

/* dwt padded an odd-sized image (keys image.height/width): crop back. */
static void crop_to_original(const we_wavelet_layout *L, we_tensor *img)
{
    if (L->height == L->H && L->width == L->W) return;
    we_tensor c;
    we_status s = we_tensor_alloc_uninit(&c, WE_F32, 3, (int64_t[3]){L->C, L->height, L->width});
    if (s) we_cli_die_status(s, "cropping");
    we_dwt2_crop(c.data, img->data, L->C, L->H, L->W, L->height, L->width);
    we_tensor_free(img);
    *img = c;
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    opts o = {OUT_IMAGE, 0, WE_IMG_PNG, 90, NULL, -1, NULL, 0};
    int want_u8 = 0, want_f32 = 0, q_set = 0;
    static const struct option lo[] = {
        {"format", required_argument, 0, 'f'}, {"quality", required_argument, 0, 'q'},
        {"output", required_argument, 0, 'o'}, {"stream", no_argument, 0, 't'},
        {"u8", no_argument, 0, 'u'},           {"f32", no_argument, 0, 'F'},
        {"device", required_argument, 0, 'd'}, {"threads", required_argument, 0, 'T'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "f:q:o:tuFd:T:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (!strcmp(optarg, "png")) o.fmt = WE_IMG_PNG;
            else if (!strcmp(optarg, "jpeg") || !strcmp(optarg, "jpg")) o.fmt = WE_IMG_JPEG;
            else we_cli_usage_error("option -f: '%s' is not a format (png or jpeg)", optarg);
            o.fmt_set = 1;
            break;
        case 'q': o.quality = (int)we_cli_parse_long("-q", optarg, 1, 100), q_set = 1; break;
        case 'o': o.pattern = optarg; break;
        case 't': o.mode = OUT_STREAM; break;
        case 'u': want_u8 = 1; break;
        case 'F': want_f32 = 1; break;
        case 'd': o.device = optarg; break;
        case 'T': o.nthreads = (int)we_cli_parse_long("-T", optarg, 0, 1024); break;
        case 'h': usage(stdout); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s' (iwt reads stdin only)", argv[optind]);
    if (o.mode == OUT_STREAM && (o.pattern || o.fmt_set || q_set))
        we_cli_usage_error("-t writes a stream: it does not combine with -o, -f or -q");
    if (o.mode != OUT_STREAM && (want_u8 || want_f32)) we_cli_usage_error("-u and -F only apply with -t");
    if (want_u8 && want_f32) we_cli_usage_error("-u and -F contradict each other");
    if (want_u8) o.dtype = WE_U8;
    if (want_f32) o.dtype = WE_F32;
    if (o.pattern && we_pattern_check(o.pattern)) we_cli_usage_error("option -o: %s", we_err_detail());
    if (o.pattern && !o.fmt_set) {
        const char *dot = strrchr(o.pattern, '.');
        if (dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))) o.fmt = WE_IMG_JPEG;
    }
    if (q_set && o.fmt != WE_IMG_JPEG) we_cli_usage_error("-q applies to JPEG output only (add -f jpeg)");
    we_device dev;
    we_status s = we_device_resolve(o.device, &dev);
    if (s == WE_EUSAGE) we_cli_usage_error("option --device: %s", we_err_detail());
    if (s) we_cli_die_status(s, NULL);
    if (!o.pattern) we_cli_refuse_tty(stdout);
    if (o.mode == OUT_STREAM) we_cli_stream_stdout();

    we_reader r;
    we_reader_init(&r, stdin, "stdin");
    we_item it;
    we_item_init(&it);
    we_frame out;
    we_tensor single = {0}; /* default mode: the one image */
    int have_single = 0;
    long index = 0;
    we_nameset names = {0}; /* files written (-o) */
    float *work = NULL;
    size_t work_n = 0;
    we_progress pg;
    we_progress_start(&pg);
    we_batch b; /* -o and -t: a bad item is skipped (iwt(1), BAD ITEMS) */
    we_batch_init(&b, "items");
    while ((s = we_reader_item(&r, &it)) == WE_OK) {
        for (int f = 0; f < it.n && !s; f++) {
            we_frame *in = &it.f[f];
            if (strcmp(in->name, "wavelet") != 0) continue;
            we_wavelet_layout L;
            if ((s = we_layout_wavelet_read(in, WE_LAYOUT_STRICT, &L))) {
                if (o.mode == OUT_IMAGE && !o.pattern) we_cli_die(WE_EDATA, "frame %ld: %s", r.frames, we_err_detail());
                index++;
                break;
            }
            const we_wavelet *w = L.wavelet;
            int J = L.levels, C = L.C, H = L.H, W = L.W;
            if (o.mode == OUT_IMAGE && !o.pattern && have_single)
                we_cli_die(WE_EUSAGE, "the stream holds more than one wavelet frame: use -o PATTERN or -t");
            if (o.mode == OUT_IMAGE && C != 1 && C != 3) {
                s = we_err_set(WE_EDATA, "frame %ld: %d channels cannot be written as PNG/JPEG (1 or 3); use -t",
                               r.frames, C);
                if (!o.pattern) we_cli_die_status(s, NULL);
                index++;
                break;
            }
            we_frame_init(&out);
            we_tensor pix = {0};
            if ((s = we_tensor_alloc_uninit(&pix, WE_F32, 3, (int64_t[3]){C, H, W})) ||
                (s = we_layout_image_new(&out, &pix)))
                we_cli_die_status(s, "allocating the image");
            size_t need = we_dwt2_work_floats(C, H, W, w, J, o.nthreads);
            if (dev == WE_DEV_CPU && need > work_n) {
                free(work);
                work = malloc(need * sizeof *work);
                if (!work) we_cli_die(WE_ENOMEM, "out of memory (%zu floats of workspace)", need);
                work_n = need;
            }
            if ((s = we_dwt2_run(dev, 1, out.t.data, work, in->t.data, C, H, W, w, J, o.nthreads)))
                we_cli_die_status(s, NULL);
            crop_to_original(&L, &out.t);
            if (o.mode == OUT_STREAM) {
                int dt = o.dtype;
                if (dt < 0) dt = L.image_dtype == WE_U8 ? WE_U8 : WE_F32;
                if (dt == WE_U8) {
                    we_tensor u8;
                    if ((s = we_image_f32_to_u8(&out.t, &u8))) we_cli_die_status(s, "converting to u8");
                    we_tensor_free(&out.t);
                    out.t = u8;
                }
                s = we_frame_copy_keys(&out, in);
                if (s) we_cli_die_status(s, "copying keys");
                we_layout_wavelet_unset_keys(&out);
                we_frame_free(in);
                we_frame_move(in, &out); /* the item is written whole below */
            } else {
                we_tensor u8;
                if ((s = we_image_f32_to_u8(&out.t, &u8))) we_cli_die_status(s, "converting to u8");
                if (o.pattern) {
                    char path[WE_PATTERN_MAX_PATH];
                    const char *id = we_frame_get(in, "id");
                    if ((s = we_pattern_fill(path, sizeof path, o.pattern, id, index))) we_cli_die_status(s, NULL);
                    int fresh = we_nameset_add(&names, path);
                    if (fresh < 0) we_cli_die(WE_ENOMEM, "out of memory");
                    if (!fresh) /* never write two items over one file */
                        we_cli_die(WE_EDATA, "id '%.64s': %s was already written for another item; ids repeat: "
                                   "add %%d to the pattern", id ? id : "", path);
                    if ((s = we_image_write_file(path, &u8, o.fmt, o.quality))) we_cli_die_status(s, path);
                    we_tensor_free(&u8);
                } else {
                    single = u8;
                    have_single = 1;
                }
            }
            we_frame_free(&out);
            index++;
            we_progress_update(&pg, index, 0, "images");
        }
        if (s) we_batch_fail(&b, s, we_item_id(&it));
        else if (o.mode == OUT_STREAM && (s = we_item_write(stdout, &it))) we_cli_die_status(s, "stdout");
        else we_batch_ok(&b);
        s = WE_OK;
    }
    if (s != WE_EOF) we_cli_die_status(s, NULL);
    we_progress_end(&pg, index, "images");
    if (o.mode == OUT_IMAGE && !o.pattern) {
        if (!have_single) we_cli_die(WE_EDATA, "no wavelet frame in the input (nothing to write)");
        uint8_t *buf = NULL;
        size_t n = 0;
        s = o.fmt == WE_IMG_JPEG ? we_image_encode_jpeg(&single, o.quality, &buf, &n)
                                 : we_image_encode_png(&single, &buf, &n);
        if (s) we_cli_die_status(s, "encoding the image");
        if (fwrite(buf, 1, n, stdout) != n) we_cli_die(WE_EIO, "write error on stdout");
        free(buf);
        we_tensor_free(&single);
    }
    we_item_free(&it);
    we_reader_free(&r);
    we_nameset_free(&names);
    free(work);
    we_cli_finish_output();
    return we_batch_end(&b, 0);
}
