/* facepaste - put edited aligned faces back into their photo (see
 * facepaste(1)): inverse warp with each item's affine, blended inside the
 * landmarks' convex hull by a Laplacian pyramid (or a feathered mask). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "we_face_paste.h"
#include "we_batch.h"
#include "we_cli.h"
#include "we_image.h"
#include "we_layout_image.h"
#include "we_layout_face.h"
#include "we_pixel.h"
#include "we_stream.h"

static void usage(void)
{
    printf("Usage: %s [OPTION]... PHOTO [STREAM]\n"
           "Paste the edited faces of a WES1 stream (stdin if no STREAM) back into PHOTO, the\n"
           "photo facealign read, and write the photo (PNG or JPEG). Every item with an\n"
           "`image` and an `affine` frame is warped back with its affine and blended inside\n"
           "the convex hull of its `landmarks` (or the whole crop if it has none); pixels\n"
           "outside the hull keep their exact values.\n"
           "  -o, --output FILE    write here, atomically (default stdout)\n"
           "  -f, --format FMT     png or jpeg (default: from FILE's extension, else PHOTO's format)\n"
           "  -q, --quality Q      JPEG quality 1..100 (default 95)\n"
           "  -b, --blend NAME     pyramid (multi-band: detail switches over at the hull, tone\n"
           "                       over a wide band inside it) or feather (alpha fade over\n"
           "                       --feather pixels, the earlier default) (default pyramid)\n"
           "  -l, --levels N       pyramid: levels, 1..12 (default: from the face's size)\n"
           "  -F, --feather PX     feather: fade width in crop pixels (default S/16)\n"
           "  -h, --help           this help\n",
           we_cli_prog());
}

int main(int argc, char **argv)
{
    we_cli_init(argv[0]);
    const char *out = "-", *format = NULL;
    int quality = 95;
    we_face_paste_params pp;
    we_face_paste_params_init(&pp);
    static const struct option lo[] = {{"output", 1, 0, 'o'}, {"format", 1, 0, 'f'}, {"quality", 1, 0, 'q'},
                                       {"blend", 1, 0, 'b'}, {"levels", 1, 0, 'l'}, {"feather", 1, 0, 'F'},
                                       {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    for (int c; (c = getopt_long(argc, argv, "o:f:q:b:l:F:h", lo, NULL)) != -1;) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f':
            if (strcmp(optarg, "png") && strcmp(optarg, "jpeg") && strcmp(optarg, "jpg"))
                we_cli_usage_error("option --format: '%s' is not png or jpeg", optarg);
            format = optarg;
            break;
        case 'q': quality = (int)we_cli_parse_long("--quality", optarg, 1, 100); break;
        case 'b': {
            int b = we_paste_blend_parse(optarg);
            if (b < 0) we_cli_usage_error("option --blend: '%s' is not pyramid or feather", optarg);
            pp.blend = (we_paste_blend)b;
            break;
        }
        case 'l': pp.levels = (int)we_cli_parse_long("--levels", optarg, 1, 12); break;
        case 'F': pp.feather = we_cli_parse_double("--feather", optarg, 0, 1e4); break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    int nargs = argc - optind;
    if (nargs < 1) we_cli_usage_error("missing PHOTO");
    if (nargs > 2) we_cli_usage_error("too many arguments (PHOTO [STREAM])");
    const char *photo_path = argv[optind], *stream_path = nargs == 2 ? argv[optind + 1] : "-";
    if (strcmp(photo_path, "-") == 0 && strcmp(stream_path, "-") == 0)
        we_cli_usage_error("PHOTO and STREAM cannot both be stdin");
    if (strcmp(out, "-") == 0) we_cli_refuse_tty(stdout);

    we_tensor img;
    we_status s = we_image_read_file(photo_path, &img);
    if (s != WE_OK) we_cli_die_status(s, photo_path);
    we_image_format fmt = WE_IMG_PNG;
    if (format) {
        fmt = strcmp(format, "png") == 0 ? WE_IMG_PNG : WE_IMG_JPEG;
    } else {
        const char *dot = strcmp(out, "-") ? strrchr(out, '.') : NULL;
        if (dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))) fmt = WE_IMG_JPEG;
        else if (dot && !strcasecmp(dot, ".png")) fmt = WE_IMG_PNG;
        else {
            FILE *pf = strcmp(photo_path, "-") ? fopen(photo_path, "rb") : NULL;
            uint8_t head[16] = {0};
            size_t n = pf ? fread(head, 1, sizeof head, pf) : 0;
            if (pf) fclose(pf);
            if (we_image_sniff(head, n) == WE_IMG_JPEG) fmt = WE_IMG_JPEG;
        }
    }
    int Cp = (int)img.shape[0], H = (int)img.shape[1], W = (int)img.shape[2];
    size_t plane = (size_t)H * W;
    float *ph = malloc((size_t)Cp * plane * sizeof *ph);
    if (!ph) we_cli_die(WE_ENOMEM, "out of memory (%dx%d photo)", W, H);
    const uint8_t *pd = img.data;
    for (size_t i = 0; i < (size_t)Cp * plane; i++) ph[i] = pd[i];

    const char *label;
    FILE *in = we_cli_open_input(stream_path, &label);
    we_reader r;
    we_reader_init(&r, in, label);
    we_item it;
    we_item_init(&it);
    long pasted = 0;
    we_batch b; /* a bad face is skipped, the others pasted (facepaste(1), BAD ITEMS) */
    we_batch_init(&b, "faces");
    while ((s = we_reader_item(&r, &it)) == WE_OK) {
        we_frame *fi = we_item_find(&it, "image"), *fa = we_item_find(&it, "affine");
        we_frame *fl = we_item_find(&it, "landmarks");
        const char *id = *we_item_id(&it) ? we_item_id(&it) : "(no id)";
        if (!fi) { we_item_free(&it); continue; }
        we_affine_layout af;
        we_image_layout il;
        if (!fa) s = we_err_set(WE_EDATA, "image without an affine frame");
        else if (!(s = we_layout_affine_read(fa, &af)) && !(s = we_layout_image_read_face(fi, &il)) &&
                 af.have_photo && (af.photo_w != W || af.photo_h != H))
            s = we_err_set(WE_EDATA, "aligned from a %dx%d photo, %s is %dx%d", af.photo_w, af.photo_h, photo_path, W, H);
        if (s) {
            we_batch_fail(&b, s, id);
            we_item_free(&it);
            continue;
        }
        int Cf = il.C, S = il.H;
        float *A = af.A, pts[2 * 68];
        int npts;
        if (fl && we_layout_landmarks_check(fl)) we_cli_die(WE_EDATA, "item %s: %s", id, we_err_detail());
        if (fl) {
            memcpy(pts, fl->t.data, sizeof pts);
            npts = 68;
        } else {
            float corners[8] = {0, 0, (float)(S - 1), 0, 0, (float)(S - 1), (float)(S - 1), (float)(S - 1)};
            memcpy(pts, corners, sizeof corners);
            npts = 4;
        }
        we_face_paste_rescale(A, pts, npts == 68 ? npts : 0, af.size, S);
        size_t fplane = (size_t)S * S;
        float *face = malloc((size_t)Cf * fplane * sizeof *face);
        if (!face) we_cli_die(WE_ENOMEM, "out of memory");
        for (size_t i = 0; i < (size_t)Cf * fplane; i++)
            face[i] = fi->t.dtype == WE_F32 ? we_pixel_from_unit(((const float *)fi->t.data)[i])
                                             : ((const uint8_t *)fi->t.data)[i];
        s = we_face_paste_blend(ph, Cp, H, W, face, Cf, S, A, pts, npts, &pp);
        free(face);
        if (s) {
            we_batch_fail(&b, s, id);
            we_item_free(&it);
            continue;
        }
        we_batch_ok(&b);
        pasted++;
        we_item_free(&it);
    }
    if (s != WE_EOF) we_cli_die_status(s, stream_path);
    we_reader_free(&r);
    if (in != stdin) fclose(in);
    uint8_t *od = img.data;
    for (size_t i = 0; i < (size_t)Cp * plane; i++) od[i] = we_pixel_round_u8_away(ph[i]);
    free(ph);
    if (pasted == 0) we_cli_warn("no face in the stream: nothing edited, the photo is written unchanged (exit 65)");
    if ((s = we_image_write_file(out, &img, fmt, quality)) != WE_OK) we_cli_die_status(s, out);
    we_tensor_free(&img);
    we_cli_finish_output();
    int rc = we_batch_end(&b, 0);
    return pasted ? rc : we_err_exit_code(WE_EDATA); /* a script can tell that nothing was edited */
}
