/* imgread - image files (PNG, JPEG) to `image` frames. See man/man1/imgread.1. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_file.h"
#include "we_image.h"
#include "we_layout_image.h"
#include "we_stream.h"

typedef struct {
    we_dtype dtype;  /* WE_F32 (default) or WE_U8 */
    int channels;    /* 0 = keep, 1 or 3 */
    long size;       /* 0 = keep, else S x S */
    const char *list;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: imgread [OPTION]... [FILE]...\n"
            "Read PNG/JPEG images and write one `image` frame per file (WES1 stream on stdout).\n"
            "With no FILE and no -l, read one image from stdin.\n"
            "\n"
            "  -t, --type=T       pixel type: f32 (in [-1,1], default) or u8\n"
            "  -c, --channels=C   force 1 (gray, BT.601) or 3 (RGB) channels; default: as stored\n"
            "  -s, --size=S       centre-crop to a square, then resize to S x S\n"
            "  -l, --list=LIST    read file names from LIST, one per line (\"-\" = stdin)\n"
            "  -h, --help         show this help and exit\n"
            "\n"
            "A file that cannot be read is reported and skipped. Exit status: 0 if any\n"
            "image was written (or there was nothing to read), 65 if none could be decoded,\n"
            "66 if every input was missing.\n");
}

/* One input -> one frame on stdout. Returns WE_OK, or the failure status
 * (with the detail set) for the caller to report. */
static we_status convert_one(const opts *o, const char *path, we_frame *fr)
{
    we_tensor img, tmp;
    /* With -s, a JPEG over the pixel budget may decode at 1/2..1/8 scale. */
    we_status s = we_image_read_file_fit(path, o->size, &img);
    if (s) return s;
    if (o->size && img.shape[1] != img.shape[2]) { /* crop in u8: same pixels, a quarter of the memory */
        s = we_image_crop_square(&img, &tmp);
        we_tensor_free(&img);
        if (s) return s;
        img = tmp;
    }
    if (o->channels && img.shape[0] != o->channels) {
        s = we_image_to_channels(&img, o->channels, &tmp);
        we_tensor_free(&img);
        if (s) return s;
        img = tmp;
    }
    if (o->dtype == WE_F32) { /* resize in float, not in rounded bytes */
        s = we_image_u8_to_f32(&img, &tmp);
        we_tensor_free(&img);
        if (s) return s;
        img = tmp;
    }
    if (o->size && img.shape[1] != o->size) {
        s = we_image_resize(&img, o->size, o->size, &tmp);
        we_tensor_free(&img);
        if (s) return s;
        img = tmp;
    }
    we_frame_init(fr);
    if ((s = we_layout_image_new(fr, &img))) {
        we_tensor_free(&img);
        return s;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!strcmp(path, "-")) base = "stdin";
    if (!*base) base = path;
    /* a value must be UTF-8 without newlines; a strange file name is no
     * reason to drop the image, so fall back to a neutral id */
    s = we_frame_set(fr, "id", base);
    if (s) s = we_frame_set(fr, "id", "image");
    if (!s) s = we_frame_set(fr, "src", path);
    if (s) {
        we_frame_free(fr);
        return we_err_set(WE_EDATA, "file name cannot be stored in a frame header (newline or invalid UTF-8)");
    }
    return WE_OK;
}

/* Paths from a list file: one per line, trailing CR/LF removed, empty lines
 * skipped. */
static char **read_list(const char *list, size_t *count)
{
    char **v = NULL;
    we_status s = we_file_read_lines(list, &v, count);
    if (s == WE_ENOINPUT) we_cli_die(WE_ENOINPUT, "cannot open list %s: %s", list, strerror(errno));
    if (s == WE_ENOMEM) we_cli_die(WE_ENOMEM, "out of memory reading list %s", list);
    if (s) we_cli_die(WE_EIO, "read error on list %s", list);
    return v;
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    opts o = {WE_F32, 0, 0, NULL};
    static const struct option lo[] = {
        {"type", required_argument, 0, 't'},  {"channels", required_argument, 0, 'c'},
        {"size", required_argument, 0, 's'},  {"list", required_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "t:c:s:l:h", lo, NULL)) != -1) {
        switch (ch) {
        case 't':
            if (!strcmp(optarg, "f32")) o.dtype = WE_F32;
            else if (!strcmp(optarg, "u8")) o.dtype = WE_U8;
            else we_cli_usage_error("option -t: '%s' is not a pixel type (f32 or u8)", optarg);
            break;
        case 'c':
            o.channels = (int)we_cli_parse_long("-c", optarg, 1, 3);
            if (o.channels == 2) we_cli_usage_error("option -c: channels must be 1 or 3, not 2");
            break;
        case 's': o.size = we_cli_parse_long("-s", optarg, 1, 16384); break;
        case 'l': o.list = optarg; break;
        case 'h': usage(stdout); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    size_t nargs = (size_t)(argc - optind), nlist = 0;
    char **listed = NULL;
    we_cli_refuse_tty(stdout);
    we_cli_stream_stdout();
    if (o.list) listed = read_list(o.list, &nlist);
    int list_on_stdin = o.list && !strcmp(o.list, "-");

    size_t total = nargs + nlist;
    static char dash[] = "-";
    char *only_stdin[1] = {dash};
    int from_stdin = total == 0 && !o.list;
    if (from_stdin) total = 1;
    if (from_stdin && isatty(0)) we_cli_usage_error("no image files given and stdin is a terminal");

    long written = 0, rejected = 0;
    we_batch b; /* a bad file is skipped (imgread(1), BAD ITEMS) */
    we_batch_init(&b, "images");
    we_progress prog;
    we_progress_start(&prog);
    if (total < 20) prog.enabled = 0;
    for (size_t i = 0; i < total; i++) {
        const char *path = from_stdin ? only_stdin[0] : i < nargs ? argv[optind + (int)i] : listed[i - nargs];
        we_frame fr;
        we_status s;
        we_err_clear();
        if (list_on_stdin && !strcmp(path, "-"))
            s = we_err_set(WE_EUSAGE, "cannot read an image from stdin when the list is read from stdin");
        else
            s = convert_one(&o, path, &fr);
        if (s) {
            if (prog.enabled) fputc('\n', stderr);
            we_batch_fail(&b, s, !strcmp(path, "-") ? "stdin" : path);
            rejected++;
            we_progress_update(&prog, (long)i + 1, (long)total, "images");
            continue;
        }
        s = we_frame_write(stdout, &fr);
        we_frame_free(&fr);
        if (s) we_cli_die_status(s, "stdout");
        written++;
        we_batch_ok(&b);
        we_progress_update(&prog, (long)i + 1, (long)total, "images");
    }
    we_progress_end(&prog, (long)total, "images");
    we_file_lines_free(listed, nlist);
    we_cli_finish_output();
    if (total > 1)
        fprintf(stderr, "%s: %ld images written, %ld rejected\n", we_cli_prog(), written, rejected);
    return we_batch_end(&b, 1); /* its own summary above */
}
