/* fid - Fréchet distance, KID and k-NN precision/recall between two sets of
 * face images (WES streams or image folders). See man/man1/fid.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_device.h"
#include "we_faceapi.h"
#include "we_fid.h"
#include "we_fid_inception.h"
#include "we_stream.h"

typedef struct {
    const char *features;  /* "identity", "inception" or "frame:NAME" */
    const char *inception; /* safetensors file of the Inception weights */
    we_fa_crop_mode crop;
    const char *models;
    int kid, pr, k, subsets, subset_size;
} opts;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: fid [OPTION]... SET_A SET_B\n"
            "Distance between two sets of face images. A set is a WES stream file\n"
            "(\"-\" = stdin, for one of the two) of `image` frames, or a folder of PNG/JPEG\n"
            "files. Prints `fid`, `kid` and (with -p) `precision` and `recall` lines.\n"
            "\n"
            "  -f, --features=F    identity (default): face-api's 128-d faceRecognitionNet\n"
            "                      descriptor of each image; inception: pytorch-fid's\n"
            "                      Inception-v3 pool3 (2048-d; needs --inception);\n"
            "                      frame:NAME: the f32 vectors already in the streams'\n"
            "                      NAME frames (e.g. frame:identity from femo -i)\n"
            "  -w, --inception=FILE  Inception weights as safetensors (convert pytorch-fid's\n"
            "                      .pth with tests/ref/fid_inception.py convert)\n"
            "  -c, --crop=MODE     whole (default) or align (see femo(1))\n"
            "  -m, --models=DIR    face-api model folder (default: $WE_FACEAPI_DIR or\n"
            "                      third_party/face-api/model)\n"
            "      --no-kid        skip the kernel inception distance\n"
            "      --kid-subsets=N       KID subsets (default 100)\n"
            "      --kid-subset-size=N   KID subset size (default 1000; smaller sets use\n"
            "                            one estimate on the whole sets)\n"
            "  -p, --prec-recall   also k-NN precision and recall (Kynkaanniemi et al.)\n"
            "  -k, --knn=K         neighbours for precision/recall (default 3)\n"
            "  -d, --device=DEV    cpu, cuda or auto for the face-api nets (default auto;\n"
            "                      $WE_DEVICE)\n"
            "  -h, --help          show this help and exit\n"
            "\n"
            "Exit status: 0 ok, 64 usage, 65 bad input (fewer than 2 items, mixed\n"
            "feature sizes), 66 missing input or weights, 74 I/O.\n");
}

typedef struct {
    float *v;
    int n, cap, D;
} fset;

static we_status push(fset *s, const float *v, int D)
{
    if (s->D && D != s->D) return we_err_set(WE_EDATA, "feature length %d differs from the first item's %d", D, s->D);
    s->D = D;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = realloc(s->v, sizeof(float) * (size_t)s->cap * D);
        if (!s->v) we_cli_die(WE_ENOMEM, "out of memory (%d feature vectors)", s->n);
    }
    memcpy(s->v + (size_t)s->n * D, v, sizeof(float) * D);
    s->n++;
    return WE_OK;
}

/* The features of every item of path; a bad item is skipped (fid(1), BAD ITEMS). */
static void load_set(const opts *o, const char *path, we_fa_net *lm, we_fa_net *rec, we_inc *inc, fset *out,
                     we_batch *bt)
{
    we_fid_src *src;
    we_status st = we_fid_src_open(&src, path);
    if (st) we_cli_die_status(st, NULL);
    const char *frame = strncmp(o->features, "frame:", 6) ? "image" : o->features + 6;
    we_tensor t;
    char id[256];
    we_progress prog;
    we_progress_start(&prog);
    while ((st = we_fid_src_next(src, frame, &t, id, sizeof id)) == WE_OK) {
        we_tensor pix = {0}, f = {0};
        if (inc) {
            float v[2048];
            if (!(st = we_fa_image_to_pixels(&t, &pix)) &&
                !(st = we_inc_features(inc, v, pix.data, (int)pix.shape[0], (int)pix.shape[1], (int)pix.shape[2])))
                st = push(out, v, 2048);
        } else if (rec) {
            we_fa_result r;
            if (!(st = we_fa_image_to_pixels(&t, &pix)) &&
                !(st = we_fa_analyse(NULL, lm, rec, o->crop, pix.data, (int)pix.shape[0], (int)pix.shape[1],
                                     (int)pix.shape[2], &r)))
                st = push(out, r.id, 128);
        } else if (!(st = we_tensor_to_f32(&t, &f))) {
            st = push(out, f.data, (int)we_tensor_count(&f));
        }
        we_tensor_free(&pix);
        we_tensor_free(&f);
        we_tensor_free(&t);
        char what[600];
        snprintf(what, sizeof what, "%s: item %s", path, *id ? id : "without id");
        if (st) we_batch_fail(bt, st, what);
        else we_batch_ok(bt);
        we_progress_update(&prog, out->n, 0, "images");
    }
    we_progress_end(&prog, out->n, "images");
    if (st != WE_EOF) we_cli_die_status(st, path);
    we_fid_src_close(src);
    if (out->n < 2) we_cli_die(WE_EDATA, "%s: %d item(s) with `%s` frames; need at least 2", path, out->n, frame);
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    opts o = {"identity", NULL, WE_FA_CROP_WHOLE, NULL, 1, 0, 3, 100, 1000};
    const char *device = NULL;
    enum { O_NOKID = 256, O_SUBS, O_SUBSZ };
    static const struct option lo[] = {
        {"features", required_argument, 0, 'f'}, {"crop", required_argument, 0, 'c'},
        {"inception", required_argument, 0, 'w'},
        {"models", required_argument, 0, 'm'},   {"no-kid", no_argument, 0, O_NOKID},
        {"kid-subsets", required_argument, 0, O_SUBS}, {"kid-subset-size", required_argument, 0, O_SUBSZ},
        {"prec-recall", no_argument, 0, 'p'},    {"knn", required_argument, 0, 'k'},
        {"device", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "f:w:c:m:pk:d:h", lo, NULL)) != -1) {
        switch (ch) {
        case 'f':
            if (strcmp(optarg, "identity") && strcmp(optarg, "inception") &&
                !(strncmp(optarg, "frame:", 6) == 0 && we_valid_name(optarg + 6)))
                we_cli_usage_error("option --features: '%s' is not identity, inception or frame:NAME", optarg);
            o.features = optarg;
            break;
        case 'c':
            if (we_fa_crop_parse(optarg, &o.crop)) we_cli_usage_error("%s", we_err_detail());
            break;
        case 'm': o.models = optarg; break;
        case 'd': device = optarg; break;
        case 'w': o.inception = optarg; break;
        case O_NOKID: o.kid = 0; break;
        case O_SUBS: o.subsets = (int)we_cli_parse_long("--kid-subsets", optarg, 1, 100000); break;
        case O_SUBSZ: o.subset_size = (int)we_cli_parse_long("--kid-subset-size", optarg, 2, 10000000); break;
        case 'p': o.pr = 1; break;
        case 'k': o.k = (int)we_cli_parse_long("--knn", optarg, 1, 1000); break;
        case 'h': usage(stdout); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (argc - optind != 2) we_cli_usage_error("need two sets (got %d)", argc - optind);
    const char *A = argv[optind], *B = argv[optind + 1];
    if (!strcmp(A, "-") && !strcmp(B, "-")) we_cli_usage_error("only one of the two sets can be stdin");
    if (!strcmp(o.features, "inception") && !o.inception)
        we_cli_usage_error("--features=inception needs --inception=FILE (pytorch-fid's weights as safetensors; see fid(1))");
    if (o.inception && strcmp(o.features, "inception"))
        we_cli_usage_error("--inception is only used with --features=inception");
    we_fa_net *lm = NULL, *rec = NULL;
    we_inc *inc = NULL;
    we_device dev;
    we_status st = we_device_resolve(device, &dev);
    if (st) we_cli_die_status(st, "--device");
    if (o.inception && (st = we_inc_load(&inc, o.inception))) we_cli_die_status(st, o.inception);
    if (!strcmp(o.features, "identity")) {
        if ((st = we_fa_net_load(&rec, WE_FA_RECOG, o.models))) we_cli_die_status(st, NULL);
        if (o.crop == WE_FA_CROP_ALIGN && (st = we_fa_net_load(&lm, WE_FA_LANDMARK, o.models)))
            we_cli_die_status(st, NULL);
        if ((st = we_fa_net_to_device(rec, dev)) || (lm && (st = we_fa_net_to_device(lm, dev))))
            we_cli_die_status(st, "--device");
    }
    fset a = {0}, b = {0};
    we_batch bt;
    we_batch_init(&bt, "items");
    load_set(&o, A, lm, rec, inc, &a, &bt);
    load_set(&o, B, lm, rec, inc, &b, &bt);
    if (a.D != b.D) we_cli_die(WE_EDATA, "feature lengths differ: %d in %s, %d in %s", a.D, A, b.D, B);
    int D = a.D;
    double *mu1 = malloc(sizeof(double) * D), *mu2 = malloc(sizeof(double) * D);
    double *c1 = malloc(sizeof(double) * D * D), *c2 = malloc(sizeof(double) * D * D), fid;
    if (!mu1 || !mu2 || !c1 || !c2) we_cli_die(WE_ENOMEM, "out of memory (D = %d)", D);
    if ((st = we_fid_stats(mu1, c1, a.v, a.n, D)) || (st = we_fid_stats(mu2, c2, b.v, b.n, D)) ||
        (st = we_fid_frechet(&fid, mu1, c1, mu2, c2, D)))
        we_cli_die_status(st, "fid");
    if (fid < 0 && fid > -1e-6) fid = 0; /* rounding of a zero distance */
    if (a.n <= D || b.n <= D)
        we_cli_warn("warning: %d and %d items for %d dimensions: the covariances are singular and FID is biased; "
                    "use thousands of images", a.n, b.n, D);
    printf("n_a %d\nn_b %d\ndim %d\nfeatures %s\nfid %.6f\n", a.n, b.n, D, o.features, fid);
    if (o.kid) {
        double km, ks;
        if ((st = we_fid_kid(&km, &ks, a.v, a.n, b.v, b.n, D, o.subsets, o.subset_size, 12345)))
            we_cli_die_status(st, "kid");
        printf("kid %.6f\nkid_std %.6f\n", km, ks);
    }
    if (o.pr) {
        double p, r;
        if ((st = we_fid_prec_recall(&p, &r, a.v, a.n, b.v, b.n, D, o.k))) we_cli_die_status(st, "precision/recall");
        printf("precision %.6f\nrecall %.6f\n", p, r);
    }
    free(mu1); free(mu2); free(c1); free(c2); free(a.v); free(b.v);
    we_fa_net_free(lm);
    we_fa_net_free(rec);
    we_inc_free(inc);
    we_cli_finish_output();
    return we_batch_end(&bt, 0);
}
