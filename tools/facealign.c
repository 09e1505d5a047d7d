/* facealign - photos in, aligned faces out: image + landmarks + affine
 * frames per face (see facealign(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_face.h"
#include "we_face_align.h"
#include "we_face_labels.h"
#include "we_file.h"
#include "we_image.h"
#include "we_layout_face.h"
#include "we_ssd.h"
#include "we_stream.h"

/* Chosen by measurement (see facealign(1), DETECTORS). */
#define DEFAULT_DETECTOR "auto"

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]...\n"
           "Find faces in JPEG/PNG photos (stdin if no FILE and no --list), align each to a\n"
           "canonical template and write per face an `image` (S x S), `landmarks` (68 x 2, crop\n"
           "pixels) and `affine` (2 x 3, crop -> photo pixels) frame, sharing id=FILE#INDEX.\n"
           "  -s, --size S          crop side in pixels (default 256; e.g. 64, 128)\n"
           "  -N, --native          (default) a face spanning fewer than S photo pixels is cropped\n"
           "                        at its own scale: the largest 64*2^k within the span (>= 64)\n"
           "  -F, --fixed           every face at S x S, enlarged if need be (training sets)\n"
           "  -m, --margin F        template margin per side, fraction (default 0.3)\n"
           "  -c, --channels C      output channels, 1 (gray) or 3 (RGB) (default 3)\n"
           "  -t, --dtype T         f32 (values in [-1,1]) or u8 (default f32)\n"
           "  -a, --all             every face (default: the largest only)\n"
           "  -D, --detector NAME   hog (dlib's frontal HOG), ssd (face-api's SSD MobileNet v1:\n"
           "                        finds turned and tilted heads) or auto (ssd, then hog on\n"
           "                        files where ssd finds no face) (default " DEFAULT_DETECTOR ")\n"
           "  -C, --confidence P    ssd: minimum face confidence, 0 < P < 1 (default 0.5)\n"
           "  -K, --no-check        keep the detections the face check drops (ssd, auto)\n"
           "  -n, --min-face PX     ignore detections narrower than PX photo pixels (default 32)\n"
           "  -u, --upsample N      hog: pyramid-up steps, 0..3, 4x time each (default 0)\n"
           "  -R, --rotate DEG      hog: also look for heads tilted by about +-DEG degrees (e.g. 30;\n"
           "                        3x the detection time; default 0 = off)\n"
           "  -T, --threshold T     hog: detector score threshold (default 0.25; dlib's own is 0)\n"
           "  -w, --whole-frame     when no face is detected, run the landmark model on the\n"
           "                        whole frame (for pre-cropped faces); marks detector=whole\n"
           "  -W, --whole-frame-only  skip the detector: every file is one cropped face\n"
           "  -e, --labels CSV      join emotion labels by file name (columns image,emotion)\n"
           "  -L, --list FILE       read input paths from FILE, one per line ('-' = stdin)\n"
           "  -p, --predictor PATH  dlib 68-point shape predictor (default $WE_DLIB_PREDICTOR or\n"
           "                        " WE_FACE_PREDICTOR_DEFAULT ")\n"
           "  -r, --report FILE     write one tab-separated line per input file:\n"
           "                        file, status, faces, detector, emotion, detail\n"
           "  -q, --quiet           no summary line on stderr\n"
           "  -h, --help            this help\n",
           we_cli_prog());
}

/* Outcome of one input file, as counted in the summary and the report. */
#define STATUS_LIST(X) X(ST_OK, "ok") X(ST_NOFACE, "noface") X(ST_MISSING, "missing") \
    X(ST_UNSUPP, "unsupported") X(ST_CORRUPT, "corrupt") X(ST_ERROR, "error")
enum {
#define X_ENUM(e, s) e,
    STATUS_LIST(X_ENUM)
#undef X_ENUM
    ST_COUNT
};
static const char *status_names[] = {
#define X_NAME(e, s) s,
    STATUS_LIST(X_NAME)
#undef X_NAME
};

typedef struct {
    we_face_align_params p;
    int u8;
    const char *labels_path, *list_path, *predictor, *report_path;
    int quiet;
    const char *detector;    /* hog, ssd or auto */
} opts;

static const char *base_name(const char *p)
{
    const char *b = strrchr(p, '/');
    return b ? b + 1 : p;
}

/* Align one file, write its frames. Returns the file status; *nfaces set. */
static int do_file(we_face_model *model, const char *path, const opts *o, const we_face_labels *labels,
                   int *nfaces, const char **method, const char **emotion, char *detail, size_t dlen)
{
    *nfaces = 0;
    *method = "-";
    *emotion = NULL;
    detail[0] = '\0';
    const char *src = strcmp(path, "-") == 0 ? "stdin" : path;
    if (labels) {
        const char *word = we_face_labels_find(labels, src);
        if (!word) {
            snprintf(detail, dlen, "no label");
        } else if (!(*emotion = we_face_emotion_map(word))) {
            snprintf(detail, dlen, "unknown label '%.60s'", word);
        }
    }
    we_tensor img;
    we_err_clear();
    we_status s = we_image_read_file(path, &img);
    if (s != WE_OK) {
        snprintf(detail, dlen, "%s", *we_err_detail() ? we_err_detail() : we_err_str(s));
        we_cli_warn("skipped %s: %s", src, detail);
        return s == WE_ENOINPUT ? ST_MISSING : s == WE_EUNSUPP ? ST_UNSUPP
             : (s == WE_EDATA || s == WE_ETRUNC || s == WE_ELIMIT) ? ST_CORRUPT : ST_ERROR;
    }
    int pw = (int)img.shape[2], ph = (int)img.shape[1];
    we_face_aligned *faces = NULL;
    int n = 0;
    we_err_clear();
    s = we_face_align_image(model, &img, &o->p, &faces, &n);
    we_tensor_free(&img);
    if (s != WE_OK) {
        snprintf(detail, dlen, "%s", *we_err_detail() ? we_err_detail() : we_err_str(s));
        we_cli_warn("skipped %s: %s", src, detail);
        return ST_ERROR;
    }
    if (n == 0) {
        /* a small, squarish image is likely a face crop the detectors cannot frame */
        int crop = !o->p.whole_frame && pw <= 512 && ph <= 512 && 3 * pw >= 2 * ph && 3 * ph >= 2 * pw;
        snprintf(detail, dlen, "no face found (%dx%d)%s", pw, ph,
                 crop ? "; it looks like a tight face crop: try -w (--whole-frame)" : "");
        we_cli_warn("skipped %s: %s", src, detail);
        return ST_NOFACE;
    }
    if (labels && !*emotion) we_cli_warn("%s: %s", src, detail);
    const char *name = strcmp(path, "-") == 0 ? "stdin" : base_name(path);
    for (int i = 0; i < n; i++) {
        we_face_aligned *a = &faces[i];
        char id[1024];
        snprintf(id, sizeof id, "%s#%d", name, i);
        we_face_keys k = {id, src, i, we_face_method_name(a->method), a->box.score, a->residual, a->box,
                          pw, ph, (int)a->image.shape[1], o->p.margin, *emotion};
        if ((s = we_layout_face_write(stdout, a, &k, o->u8)) != WE_OK)
            we_cli_die_status(s, s == WE_EIO ? "stdout" : s == WE_EINTERNAL ? NULL : id);
        *method = we_face_method_name(a->method);
    }
    we_face_aligned_free(faces, n);
    *nfaces = n;
    return ST_OK;
}

/* Input paths: arguments, then --list lines; stdin when there are none. */
typedef struct {
    char **v;
    int n, cap;
} paths;

static void paths_add(paths *p, const char *s)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->v = realloc(p->v, (size_t)p->cap * sizeof *p->v);
        if (!p->v) we_cli_die(WE_ENOMEM, "out of memory");
    }
    if (!(p->v[p->n++] = strdup(s))) we_cli_die(WE_ENOMEM, "out of memory");
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    opts o;
    memset(&o, 0, sizeof o);
    we_face_align_params_init(&o.p);
    o.detector = DEFAULT_DETECTOR;
    o.p.native = 1; /* a small face is edited at its own scale, never with invented detail */
    static const struct option lo[] = {
        {"size", 1, 0, 's'}, {"native", 0, 0, 'N'}, {"fixed", 0, 0, 'F'}, {"margin", 1, 0, 'm'}, {"channels", 1, 0, 'c'}, {"dtype", 1, 0, 't'},
        {"all", 0, 0, 'a'}, {"min-face", 1, 0, 'n'}, {"upsample", 1, 0, 'u'}, {"whole-frame", 0, 0, 'w'}, {"whole-frame-only", 0, 0, 'W'}, {"threshold", 1, 0, 'T'}, {"rotate", 1, 0, 'R'},
        {"detector", 1, 0, 'D'}, {"confidence", 1, 0, 'C'}, {"no-check", 0, 0, 'K'},
        {"labels", 1, 0, 'e'}, {"list", 1, 0, 'L'}, {"predictor", 1, 0, 'p'}, {"report", 1, 0, 'r'},
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    for (int c; (c = getopt_long(argc, argv, "s:NFm:c:t:an:u:T:R:D:C:KwWe:L:p:r:qh", lo, NULL)) != -1;) {
        switch (c) {
        case 's': o.p.size = (int)we_cli_parse_long("--size", optarg, 8, 2048); break;
        case 'N': o.p.native = 1; break;
        case 'F': o.p.native = 0; break;
        case 'm': o.p.margin = we_cli_parse_double("--margin", optarg, 0, 2); break;
        case 'c':
            o.p.channels = (int)we_cli_parse_long("--channels", optarg, 1, 3);
            if (o.p.channels == 2) we_cli_usage_error("option --channels: 2 is not 1 or 3");
            break;
        case 't':
            if (strcmp(optarg, "f32") == 0) o.u8 = 0;
            else if (strcmp(optarg, "u8") == 0) o.u8 = 1;
            else we_cli_usage_error("option --dtype: '%s' is not f32 or u8", optarg);
            break;
        case 'a': o.p.all = 1; break;
        case 'n': o.p.min_face = we_cli_parse_double("--min-face", optarg, 0, 1e6); break;
        case 'u': o.p.upsample = (int)we_cli_parse_long("--upsample", optarg, 0, 3); break;
        case 'w': o.p.whole_frame = 1; break;
        case 'W': o.p.whole_frame = 2; break;
        case 'R': o.p.rotate = we_cli_parse_double("--rotate", optarg, 0, 90); break;
        case 'T': o.p.threshold = we_cli_parse_double("--threshold", optarg, -10, 10); break;
        case 'D':
            if (strcmp(optarg, "hog") && strcmp(optarg, "ssd") && strcmp(optarg, "auto"))
                we_cli_usage_error("option --detector: '%s' is not hog, ssd or auto", optarg);
            o.detector = optarg;
            break;
        case 'C':
            o.p.ssd_conf = we_cli_parse_double("--confidence", optarg, 0, 1);
            if (!(o.p.ssd_conf > 0 && o.p.ssd_conf < 1))
                we_cli_usage_error("option --confidence: '%s' is not strictly between 0 and 1", optarg);
            break;
        case 'K': o.p.verify_max = -1; break;
        case 'e': o.labels_path = optarg; break;
        case 'L': o.list_path = optarg; break;
        case 'p': o.predictor = optarg; break;
        case 'r': o.report_path = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'h': usage(); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    paths in = {0};
    for (int i = optind; i < argc; i++) paths_add(&in, argv[i]);
    int stdin_used = 0;
    for (int i = 0; i < in.n; i++) stdin_used += strcmp(in.v[i], "-") == 0;
    if (o.list_path && strcmp(o.list_path, "-") == 0) stdin_used++;
    if (stdin_used > 1) we_cli_usage_error("stdin ('-') can be read only once");
    we_cli_refuse_tty(stdout);
    we_cli_stream_stdout();

    we_status s;
    if (o.list_path) {
        char **lines;
        size_t nl;
        if ((s = we_file_read_lines(o.list_path, &lines, &nl)) != WE_OK)
            we_cli_die(s, s == WE_ENOINPUT ? "cannot open list %s" : "cannot read list %s", o.list_path);
        for (size_t i = 0; i < nl; i++) paths_add(&in, lines[i]);
        we_file_lines_free(lines, nl);
    } else if (in.n == 0) {
        paths_add(&in, "-");
    }

    we_face_labels *labels = NULL;
    if (o.labels_path && (s = we_face_labels_load(o.labels_path, &labels)) != WE_OK)
        we_cli_die_status(s, "labels");
    FILE *report = NULL;
    char report_tmp[4096];
    if (o.report_path && we_file_atomic_open(o.report_path, report_tmp, sizeof report_tmp, &report) != WE_OK)
        we_cli_die(WE_EIO, "cannot write report %s", o.report_path);
    we_face_model *model = NULL;
    if ((s = we_face_model_load(o.predictor, &model)) != WE_OK) we_cli_die_status(s, "predictor");
    we_ssd_net *ssd = NULL;
    if (strcmp(o.detector, "hog") != 0 && o.p.whole_frame < 2) {
        int autod = strcmp(o.detector, "auto") == 0;
        s = we_ssd_load(&ssd, NULL);
        if (s == WE_ENOINPUT && autod) /* auto without face-api's weights: HOG alone */
            we_cli_warn("ssd detector unavailable, using hog: %s", we_err_detail());
        else if (s != WE_OK)
            we_cli_die_status(s, "ssd detector");
        o.p.ssd = ssd;
        o.p.ssd_hog = autod;
    } /* every detection is checked to be a face (facealign(1), NOT A FACE) */
    if (ssd && o.p.verify_max >= 0 && (s = we_face_check_load(&o.p, NULL)) != WE_OK) we_cli_die_status(s, "face check");

    long count[ST_COUNT] = {0}, faces = 0, whole = 0, unlabelled = 0;
    we_progress prog;
    we_progress_start(&prog);
    for (int i = 0; i < in.n; i++) {
        int nf;
        const char *method, *emotion;
        char detail[512];
        int st = do_file(model, in.v[i], &o, labels, &nf, &method, &emotion, detail, sizeof detail);
        count[st]++;
        faces += nf;
        if (nf && strcmp(method, "whole") == 0) whole += nf;
        if (labels && !emotion && st == ST_OK) unlabelled++;
        if (report)
            fprintf(report, "%s\t%s\t%d\t%s\t%s\t%s\n", in.v[i], status_names[st], nf, method,
                    emotion ? emotion : "-", detail[0] ? detail : "-");
        we_progress_update(&prog, i + 1, in.n, "files");
        free(in.v[i]);
    }
    we_progress_end(&prog, in.n, "files");
    free(in.v);
    we_cli_finish_output();
    if (report && we_file_atomic_commit(report, report_tmp, o.report_path) != WE_OK)
        we_cli_die(WE_EIO, "cannot write report %s", o.report_path);
    if (!o.quiet) {
        fprintf(stderr, "%s: %d files: %ld faces written (%ld from whole-frame landmarks), %ld without a face, "
                "%ld missing, %ld unsupported, %ld corrupt, %ld failed",
                we_cli_prog(), in.n, faces, whole, count[ST_NOFACE], count[ST_MISSING], count[ST_UNSUPP],
                count[ST_CORRUPT], count[ST_ERROR]);
        if (labels) fprintf(stderr, ", %ld faces' files without a usable label", unlabelled);
        fputc('\n', stderr);
    }
    we_face_model_free(model), we_ssd_free(ssd), we_face_check_free(&o.p), we_face_labels_free(labels);
    we_batch b = {"files", count[ST_OK], in.n - count[ST_OK], count[ST_MISSING]}; /* facealign(1), BAD ITEMS */
    return we_batch_end(&b, 1);
}
