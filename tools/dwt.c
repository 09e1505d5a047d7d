/* dwt - `image` frames to `wavelet` frames (2-D DWT, mode periodization).
 * See man/man1/dwt.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_dwt.h"
#include "we_dwt_cuda.h"
#include "we_image.h"
#include "we_layout_image.h"
#include "we_layout_wavelet.h"
#include "we_stream.h"
#include "we_wavelet.h"

static void usage(FILE *f)
{
    char names[1024];
    we_wavelet_names(names, sizeof names, " ");
    fprintf(f,
            "Usage: dwt [OPTION]...\n"
            "Read a WES1 stream on stdin; replace every `image` frame (u8 or f32, C x H x W)\n"
            "by a `wavelet` frame: the J-level wavelet packet, f32 4^J*C x H/2^J x W/2^J,\n"
            "mode periodization, as pywt.dwt2 / WaveletPacket2D. Other frames pass through.\n"
            "u8 pixels are mapped to [-1,1] (v/127.5 - 1) first.\n"
            "\n"
            "  -w, --wavelet=NAME  wavelet (default haar)\n"
            "  -J, --levels=N      decomposition levels, 1..%d (default 1); odd sizes are\n"
            "                      extended by their last row/column (as pywt) and\n"
            "                      recorded in image.height/image.width for iwt\n"
            "  -d, --device=DEV    cpu, cuda or auto (default auto, or $WE_DEVICE)\n"
            "  -T, --threads=N     CPU threads, 0 = all cores (default 0)\n"
            "  -h, --help          show this help and exit\n"
            "\n"
            "Wavelets: %s\n"
            "\n"
            "Channel order: J=1 gives [cA x C, cH x C, cV x C, cD x C]; for J levels the\n"
            "packet node with path p1..pJ (letters a h v d = 0..3) of channel c is channel\n"
            "(b(p1) + 4 b(p2) + ... + 4^(J-1) b(pJ)) * C + c. See dwt(1).\n",
            WE_DWT_MAX_LEVELS, names);
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    we_cli_stream_stdout();
    const char *wname = "haar", *devname = NULL;
    int J = 1, nthreads = 0;
    static const struct option lo[] = {
        {"wavelet", required_argument, 0, 'w'}, {"levels", required_argument, 0, 'J'},
        {"device", required_argument, 0, 'd'},  {"threads", required_argument, 0, 'T'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "w:J:d:T:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'w': wname = optarg; break;
        case 'J': J = (int)we_cli_parse_long("-J", optarg, 1, WE_DWT_MAX_LEVELS); break;
        case 'd': devname = optarg; break;
        case 'T': nthreads = (int)we_cli_parse_long("-T", optarg, 0, 1024); break;
        case 'h': usage(stdout); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (optind < argc) we_cli_usage_error("unexpected argument '%s' (dwt reads stdin only)", argv[optind]);
    const we_wavelet *w;
    if (we_wavelet_parse(wname, &w)) we_cli_usage_error("option -w: %s", we_err_detail());
    we_device dev;
    we_status s = we_device_resolve(devname, &dev);
    if (s == WE_EUSAGE) we_cli_usage_error("option --device: %s", we_err_detail());
    if (s) we_cli_die_status(s, NULL);
    we_cli_refuse_tty(stdout);

    we_reader r;
    we_reader_init(&r, stdin, "stdin");
    we_item it;
    we_item_init(&it);
    we_frame out;
    float *work = NULL;
    size_t work_n = 0;
    we_progress pg;
    we_progress_start(&pg);
    long done = 0;
    we_batch b;
    we_batch_init(&b, "items");
    while ((s = we_reader_item(&r, &it)) == WE_OK) {
        /* the item's image frames are transformed in place; a bad one
         * skips the whole item (nothing of it is written) */
        for (int f = 0; f < it.n && !s; f++) {
            we_frame *in = &it.f[f];
            if (strcmp(in->name, "image") != 0) continue;
            const we_tensor *t = &in->t;
            we_image_layout il;
            /* Odd sizes: repeat the last row/column up to a multiple of 2^J,
             * as pywt's periodization does for J = 1; iwt crops back. */
            we_wavelet_layout L;
            if ((s = we_layout_image_read(in, &il)) ||
                (s = we_layout_wavelet_make(&L, w, NULL, J, il.C, il.H, il.W, il.dtype)))
                break;
            int64_t H0 = il.H, W0 = il.W, Hp = L.H, Wp = L.W;
            int C = L.C, H = L.H, W = L.W;
            we_tensor f32 = {0}, padded = {0};
            const float *px = t->data;
            if (t->dtype == WE_U8) {
                if ((s = we_image_u8_to_f32(t, &f32))) we_cli_die_status(s, "converting u8 pixels");
                px = f32.data;
            }
            if (Hp != H0 || Wp != W0) {
                if ((s = we_tensor_alloc_uninit(&padded, WE_F32, 3, (int64_t[3]){C, Hp, Wp})))
                    we_cli_die_status(s, "padding an odd-sized image");
                we_dwt2_pad_edge(padded.data, px, C, (int)H0, (int)W0, H, W);
                px = padded.data;
            }
            we_frame_init(&out);
            if ((s = we_layout_wavelet_new(&out, &L))) we_cli_die_status(s, "allocating coefficients");
            size_t need = we_dwt2_work_floats(C, H, W, w, J, nthreads);
            if (dev == WE_DEV_CPU && need > work_n) {
                free(work);
                work = malloc(need * sizeof *work);
                if (!work) we_cli_die(WE_ENOMEM, "out of memory (%zu floats of workspace)", need);
                work_n = need;
            }
            if ((s = we_dwt2_run(dev, 0, out.t.data, work, px, C, H, W, w, J, nthreads)))
                we_cli_die_status(s, NULL);
            s = we_frame_copy_keys(&out, in);
            if (!s) s = we_layout_wavelet_set_keys(&out, &L);
            if (s) we_cli_die_status(s, "setting keys");
            we_frame_free(in);
            we_frame_move(in, &out);
            we_tensor_free(&f32);
            we_tensor_free(&padded);
            done++;
        }
        if (s) {
            we_batch_fail(&b, s, we_item_id(&it));
        } else {
            if ((s = we_item_write(stdout, &it))) we_cli_die_status(s, "stdout");
            we_batch_ok(&b);
        }
        s = WE_OK;
        we_progress_update(&pg, done, 0, "images");
    }
    if (s != WE_EOF) we_cli_die_status(s, NULL);
    we_progress_end(&pg, done, "images");
    we_item_free(&it);
    we_reader_free(&r);
    free(work);
    we_cli_finish_output();
    return we_batch_end(&b, 0);
}
