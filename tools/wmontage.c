/* wmontage - a contact sheet (PNG or JPEG) from the `image` frames of a
 * stream. See man/man1/wmontage.1. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_image.h"
#include "we_montage.h"
#include "we_stream.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: wmontage [OPTION]... [FILE]\n"
            "Lay out the `image` frames of a WES1 stream (FILE or stdin) as a contact sheet\n"
            "and write it as PNG (or JPEG, from the output name).\n"
            "\n"
            "  -k, --key=KEY        one row per value of KEY (e.g. id, src); columns in stream order\n"
            "  -n, --per-row=N      without -k: N images per row (default: all in one row)\n"
            "  -l, --label=KEY      write the value of KEY under each tile (e.g. emotion)\n"
            "  -r, --row-label=KEY  write the value of KEY left of each row (e.g. id)\n"
            "  -t, --tile=S         tile side in pixels (default: the first image's height)\n"
            "  -g, --gap=G          pixels between tiles (default 2)\n"
            "  -s, --font-scale=F   label font scale, 5x7 dots of F pixels (default: tile/64, >= 1)\n"
            "  -b, --background=V   background grey 0..255 (default 255); text is black or white\n"
            "  -f, --frame=NAME     frames to take (default image)\n"
            "  -o, --output=FILE    output file, .png or .jpg (default - : PNG on stdout)\n"
            "  -q, --quality=Q      JPEG quality 1..100 (default 92)\n"
            "  -h, --help           show this help and exit\n"
            "\n"
            "Frames of other names (wavelet, landmarks, ...) are ignored: run iwt first.\n");
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    we_montage_params p;
    we_montage_params_init(&p);
    const char *key = NULL, *label = NULL, *row_label = NULL, *frame = "image", *output = "-";
    long quality = 92;
    static const struct option lo[] = {
        {"key", required_argument, 0, 'k'},       {"per-row", required_argument, 0, 'n'},
        {"label", required_argument, 0, 'l'},     {"row-label", required_argument, 0, 'r'},
        {"tile", required_argument, 0, 't'},      {"gap", required_argument, 0, 'g'},
        {"font-scale", required_argument, 0, 's'}, {"background", required_argument, 0, 'b'},
        {"frame", required_argument, 0, 'f'},     {"output", required_argument, 0, 'o'},
        {"quality", required_argument, 0, 'q'},   {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "k:n:l:r:t:g:s:b:f:o:q:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'k': key = optarg; break;
        case 'n': p.per_row = (int)we_cli_parse_long("-n", optarg, 1, 100000); break;
        case 'l': label = optarg; break;
        case 'r': row_label = optarg; break;
        case 't': p.tile = (int)we_cli_parse_long("-t", optarg, 1, 4096); break;
        case 'g': p.gap = (int)we_cli_parse_long("-g", optarg, 0, 1024); break;
        case 's': p.scale = (int)we_cli_parse_long("-s", optarg, 1, 64); break;
        case 'b': p.bg = (uint8_t)we_cli_parse_long("-b", optarg, 0, 255); break;
        case 'f': frame = optarg; break;
        case 'o': output = optarg; break;
        case 'q': quality = we_cli_parse_long("-q", optarg, 1, 100); break;
        case 'h': usage(stdout); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (argc - optind > 1) we_cli_usage_error("too many arguments: one input stream at most");
    if (key && p.per_row) we_cli_usage_error("options -k and -n exclude each other");
    const char *keys[3] = {key, label, row_label};
    const char *kopt[3] = {"-k", "-l", "-r"};
    for (int i = 0; i < 3; i++)
        if (keys[i] && !we_valid_key(keys[i]))
            we_cli_usage_error("option %s: '%s' is not a valid key ([a-z][a-z0-9_.]*)", kopt[i], keys[i]);
    if (!we_valid_name(frame)) we_cli_usage_error("option -f: '%s' is not a valid frame name", frame);
    we_image_format fmt = WE_IMG_PNG;
    if (strcmp(output, "-")) {
        fmt = we_image_format_from_name(output);
        if (fmt == WE_IMG_UNKNOWN) we_cli_usage_error("option -o: '%s' must end in .png, .jpg or .jpeg", output);
    } else {
        we_cli_refuse_tty(stdout);
    }
    p.fg = p.bg < 128 ? 255 : 0;

    const char *in_path = optind < argc ? argv[optind] : "-";
    FILE *in = strcmp(in_path, "-") ? fopen(in_path, "rb") : stdin;
    if (!in) we_cli_die(WE_ENOINPUT, "cannot open %s: %s", in_path, strerror(errno));
    we_reader rd;
    we_reader_init(&rd, in, strcmp(in_path, "-") ? in_path : "stdin");
    we_montage m;
    we_montage_init(&m, &p);
    we_frame fr;
    we_frame_init(&fr);
    we_status s;
    long taken = 0, missing_key = 0;
    we_progress pg;
    we_progress_start(&pg);
    we_batch b;
    we_batch_init(&b, "images");
    while ((s = we_reader_frame(&rd, &fr)) == WE_OK) {
        if (strcmp(fr.name, frame)) continue;
        const char *kv = key ? we_frame_get(&fr, key) : NULL;
        if (key && !kv) {
            kv = "";
            missing_key++;
        }
        s = we_montage_add(&m, &fr.t, kv, label ? we_frame_get(&fr, label) : NULL,
                           row_label ? we_frame_get(&fr, row_label) : NULL);
        if (s == WE_EDATA) { /* a bad image is skipped (wmontage(1), BAD ITEMS) */
            we_batch_fail(&b, s, we_frame_get(&fr, "id"));
            continue;
        }
        if (s) we_cli_die_status(s, rd.label);
        we_batch_ok(&b);
        taken++;
        we_progress_update(&pg, taken, 0, "images");
    }
    we_progress_end(&pg, taken, "images");
    we_frame_free(&fr);
    if (s != WE_EOF) we_cli_die_status(s, rd.label);
    if (in != stdin) fclose(in);
    we_reader_free(&rd);
    if (!taken) we_cli_die(WE_EDATA, "no '%s' frames in %s (wavelet frames need iwt first)", frame, rd.label);
    if (missing_key)
        we_cli_warn("%ld frames without key '%s' were put in one row", missing_key, key);
    we_tensor sheet;
    s = we_montage_render(&m, &sheet);
    if (s) we_cli_die_status(s, "render");
    s = we_image_write_file(output, &sheet, fmt, (int)quality);
    if (s) we_cli_die_status(s, output);
    we_tensor_free(&sheet);
    we_montage_free(&m);
    if (!strcmp(output, "-")) we_cli_finish_output();
    return we_batch_end(&b, 0);
}
