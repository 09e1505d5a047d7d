/* femetrics - score an edited stream against its source stream, item by
 * item (joined on `id`): expression accuracy against the target label,
 * identity cosine (CSIM), PSNR, SSIM, landmark NME on the non-mouth points,
 * and FID of the edited set against the source set; --photo: the photo route
 * (we_metrics_photo.h). See man/man1/femetrics.1. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_batch.h"
#include "we_cli.h"
#include "we_device.h"
#include "we_faceapi.h"
#include "we_fid.h"
#include "we_file.h"
#include "we_metrics.h"
#include "we_metrics_photo.h"
#include "we_stream.h"

typedef struct {
    char *id;
    we_tensor pix;        /* f32 0..255 */
    float desc[128], lm[136], plm[136]; /* plm: the stream's landmarks, else lm */
    int used;
} src_item;

typedef struct {
    long n, nacc, correct;
    we_item_scores s; /* sums */
} row;

typedef struct {
    const char *csv, *items, *models, *key;
    we_fa_crop_mode crop;
    int photo; /* 0: crop route, 1: photo route pasted, 2: photo route as is */
} opts;
static int photo_cols;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: femetrics [OPTION]... EDITED SOURCE\n"
            "Compare an edited stream with its source stream item by item (frames with\n"
            "the same `id`) and print a table per target emotion: expression accuracy\n"
            "(face-api's top class vs the edited frame's `emotion` key), identity cosine\n"
            "similarity (CSIM), PSNR, SSIM, landmark NME on the 48 non-mouth points, and\n"
            "the FID of the edited set against the source set (identity features).\n"
            "EDITED or SOURCE may be \"-\" (stdin), not both.\n"
            "\n"
            "  -o, --csv=FILE      also write the table as CSV to FILE\n"
            "  -I, --items=FILE    write one CSV row per item to FILE\n"
            "  -c, --crop=MODE     whole (default) or align (see femo(1))\n"
            "  -P, --photo[=none]  photo route: the edit at the source's size, pasted in\n"
            "                      its hull (=none: as is); adds sharp,psnr_out,tone,seam\n"
            "  -m, --models=DIR    face-api model folder (default: $WE_FACEAPI_DIR or\n"
            "                      third_party/face-api/model)\n"
            "  -d, --device=DEV    cpu, cuda or auto for the face-api nets (default auto;\n"
            "                      $WE_DEVICE)\n"
            "  -h, --help          show this help and exit\n"
            "\n"
            "Exit status: 0 ok, 64 usage, 65 bad input (no matching items, image sizes\n"
            "differ), 66 missing input or weights, 74 I/O.\n");
}

static FILE *open_atomic(const char *path, char *tmp, size_t n)
{
    FILE *f;
    we_status st = we_file_atomic_open(path, tmp, n, &f);
    if (st) we_cli_die_status(st, NULL);
    return f;
}

static void close_atomic(FILE *f, const char *tmp, const char *path)
{
    we_status st = we_file_atomic_commit(f, tmp, path);
    if (st) we_cli_die_status(st, NULL);
}

static we_status analyse(we_fa_net **net, we_fa_crop_mode crop, const we_tensor *pix, we_fa_result *r)
{
    return we_fa_analyse(net[0], net[1], net[2], crop, pix->data, (int)pix->shape[0], (int)pix->shape[1],
                         (int)pix->shape[2], r);
}

static void row_add(row *r, int has_target, int correct, const we_item_scores *s)
{
    r->n++;
    if (has_target) { r->nacc++; r->correct += correct; }
    we_item_scores_add(&r->s, s);
}

static void print_row(FILE *f, int csv, const char *name, const row *r, double fid)
{
    double n = r->n ? (double)r->n : 1;
    double acc = r->nacc ? (double)r->correct / r->nacc : NAN;
    const we_item_scores *s = &r->s;
    if (csv) {
        fprintf(f, "%s,%ld,%.4f,%.4f,%.3f,%.4f,%.5f,", name, r->n, acc, s->csim / n, s->psnr / n, s->ssim / n, s->nme / n);
        if (!isnan(fid)) fprintf(f, "%.4f", fid);
    } else {
        fprintf(f, "%-10s %6ld  %6.3f  %6.4f  %6.2f  %6.4f  %7.4f", name, r->n, acc, s->csim / n, s->psnr / n,
                s->ssim / n, s->nme / n);
    }
    if (photo_cols) /* seam: nan until the seam measure is hooked in (we_metrics_photo.c) */
        fprintf(f, csv ? ",%.4f,%.3f,%.3f,%.4f" : "  %6.4f  %8.2f  %6.3f  %6.4f", s->ph.sharp / n,
                s->ph.psnr_out / n, s->ph.tone / n, s->ph.seam / n);
    fprintf(f, "\n");
}

int main(int argc, char **argv)
{
    we_cli_init_blas(argv);
    opts o = {NULL, NULL, NULL, "id", WE_FA_CROP_WHOLE, 0};
    const char *device = NULL;
    static const struct option lo[] = {
        {"csv", required_argument, 0, 'o'},    {"items", required_argument, 0, 'I'},
        {"crop", required_argument, 0, 'c'},   {"models", required_argument, 0, 'm'},
        {"photo", optional_argument, 0, 'P'},
        {"device", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "o:I:c:m:d:hP::", lo, NULL)) != -1) {
        switch (ch) {
        case 'o': o.csv = optarg; break;
        case 'I': o.items = optarg; break;
        case 'c':
            if (we_fa_crop_parse(optarg, &o.crop)) we_cli_usage_error("%s", we_err_detail());
            break;
        case 'm': o.models = optarg; break;
        case 'P': o.photo = !optarg || !strcmp(optarg, "hull") ? 1 : !strcmp(optarg, "none") ? 2 : -1; break;
        case 'd': device = optarg; break;
        case 'h': usage(stdout); return 0;
        default: we_cli_usage_error("unknown option");
        }
    }
    if (o.photo < 0) we_cli_usage_error("--photo takes hull (the default) or none");
    if (argc - optind != 2) we_cli_usage_error("need EDITED and SOURCE (got %d arguments)", argc - optind);
    const char *E = argv[optind], *S = argv[optind + 1];
    if (!strcmp(E, "-") && !strcmp(S, "-")) we_cli_usage_error("only one of EDITED and SOURCE can be stdin");
    we_fa_net *net[3] = {0};
    we_device dev;
    we_status st = we_device_resolve(device, &dev);
    if (st) we_cli_die_status(st, "--device");
    for (int k = 0; k < 3; k++) {
        if ((st = we_fa_net_load(&net[k], (we_fa_kind)k, o.models))) we_cli_die_status(st, NULL);
        if ((st = we_fa_net_to_device(net[k], dev))) we_cli_die_status(st, "--device");
    }

    /* the source set, with its features */
    we_fid_src *src;
    if ((st = we_fid_src_open(&src, S))) we_cli_die_status(st, NULL);
    src_item *items = NULL;
    int ns = 0, cap = 0;
    we_tensor t;
    char id[512];
    we_batch bt; /* a bad item of either set is skipped (femetrics(1), BAD ITEMS) */
    we_batch_init(&bt, "items");
    while ((st = we_fid_src_next(src, "image", &t, id, sizeof id)) == WE_OK) {
        if (ns == cap) {
            cap = cap ? 2 * cap : 256;
            items = realloc(items, sizeof *items * (size_t)cap);
            if (!items) we_cli_die(WE_ENOMEM, "out of memory (%d source items)", ns);
        }
        src_item *it = &items[ns];
        memset(it, 0, sizeof *it);
        we_fa_result r;
        if ((st = we_fa_image_to_pixels(&t, &it->pix)) || (st = analyse(net, o.crop, &it->pix, &r))) {
            we_tensor_free(&it->pix);
            we_batch_fail(&bt, st, id);
        }
        we_tensor_free(&t);
        if (st) continue;
        memcpy(it->desc, r.id, sizeof r.id);
        memcpy(it->lm, r.lm, sizeof r.lm);
        memcpy(it->plm, r.lm, sizeof r.lm);
        it->id = strdup(id);
        ns++;
    }
    if (st != WE_EOF) we_cli_die_status(st, S);
    we_fid_src_close(src);
    /* photo route: the source stream's own landmarks where it has them */
    we_lm_table *lmt = NULL;
    if ((photo_cols = o.photo) && strcmp(S, "-") && (st = we_lm_table_load(&lmt, S))) we_cli_die_status(st, S);
    for (int k = 0; k < ns && lmt; k++) {
        const float *p = we_lm_table_find(lmt, items[k].id);
        if (p) memcpy(items[k].plm, p, sizeof items[k].plm);
    }
    we_lm_table_free(lmt);

    FILE *fi = NULL;
    char itmp[4200];
    if (o.items) {
        fi = open_atomic(o.items, itmp, sizeof itmp);
        fprintf(fi, "id,target,top,p_target,csim,psnr,ssim,nme%s\n", o.photo ? ",sharp,psnr_out,tone,seam" : "");
    }
    row rows[WE_FA_NCLASS + 1], all = {0};
    memset(rows, 0, sizeof rows);
    float *fe = NULL, *fs = NULL;
    int nm = 0;
    long unmatched = 0;
    /* the edited set is a stream: its frames carry the target `emotion` */
    FILE *ef = strcmp(E, "-") ? fopen(E, "rb") : stdin;
    if (!ef) we_cli_die(WE_ENOINPUT, "%s: %s", E, strerror(errno));
    we_reader rd;
    we_reader_init(&rd, ef, strcmp(E, "-") ? E : "stdin");
    we_frame fr;
    we_frame_init(&fr);
    int hint = 0;
    while ((st = we_reader_frame(&rd, &fr)) == WE_OK) {
        if (strcmp(fr.name, "image")) continue;
        const char *fid_ = we_frame_get(&fr, o.key);
        const char *eid = fid_ ? fid_ : "";
        src_item *si = NULL;
        for (int k = 0; k < ns && !si; k++) {
            int j = (hint + k) % ns;
            if (!items[j].used && !strcmp(items[j].id, eid)) { si = &items[j]; hint = j + 1; }
        }
        we_tensor pix = {0};
        we_fa_result r;
        we_item_scores sc;
        unmatched += !si;
        if (!si) st = we_err_set(WE_EDATA, "no source item with the same %s", o.key);
        else if (!(st = we_fa_image_to_pixels(&fr.t, &pix)) &&
                 !(st = o.photo ? we_metrics_photo_paste(&pix, &si->pix, si->plm, o.photo == 1) : WE_OK) &&
                 (pix.shape[0] != si->pix.shape[0] || pix.shape[1] != si->pix.shape[1] || pix.shape[2] != si->pix.shape[2]))
            st = we_err_set(WE_EDATA, "edited image %lldx%lldx%lld differs from the source's %lldx%lldx%lld",
                            (long long)pix.shape[0], (long long)pix.shape[1], (long long)pix.shape[2],
                            (long long)si->pix.shape[0], (long long)si->pix.shape[1], (long long)si->pix.shape[2]);
        if (!st && !(st = analyse(net, o.crop, &pix, &r)))
            st = we_metrics_item(&sc, pix.data, si->pix.data, (int)pix.shape[0], (int)pix.shape[1], (int)pix.shape[2],
                                 r.id, si->desc, r.lm, si->lm, o.photo ? si->plm : NULL);
        if (st) {
            we_tensor_free(&pix);
            we_batch_fail(&bt, st, eid);
            continue;
        }
        si->used = 1;
        we_batch_ok(&bt);
        const char *target = we_frame_get(&fr, "emotion");
        int ti = we_fa_expr_index(target), top = we_fa_expr_top(r.expr);
        row_add(&all, ti >= 0, ti == top, &sc);
        if (ti >= 0) row_add(&rows[ti], 1, ti == top, &sc);
        else row_add(&rows[WE_FA_NCLASS], 0, 0, &sc);
        if (fi)
            fprintf(fi, "\"%s\",%s,%s,%.5f,%.5f,%.3f,%.5f,%.5f", eid, target ? target : "",
                    we_fa_expr_vocab[top], ti >= 0 ? r.expr[ti] : NAN, sc.csim, sc.psnr, sc.ssim, sc.nme);
        if (fi && o.photo) fprintf(fi, ",%.5f,%.3f,%.3f,%.5f", sc.ph.sharp, sc.ph.psnr_out, sc.ph.tone, sc.ph.seam);
        if (fi) fprintf(fi, "\n");
        fe = realloc(fe, sizeof(float) * 128 * (size_t)(nm + 1));
        fs = realloc(fs, sizeof(float) * 128 * (size_t)(nm + 1));
        if (!fe || !fs) we_cli_die(WE_ENOMEM, "out of memory");
        memcpy(fe + (size_t)nm * 128, r.id, sizeof r.id);
        memcpy(fs + (size_t)nm * 128, si->desc, sizeof si->desc);
        nm++;
        we_tensor_free(&pix);
    }
    we_frame_free(&fr);
    if (st != WE_EOF) we_cli_die_status(st, E);
    we_reader_free(&rd);
    if (ef != stdin) fclose(ef);
    if (!nm) {
        if (fi) we_file_atomic_abort(fi, itmp);
        we_cli_die(WE_EDATA, "no edited item could be scored against a source item by `%s` (%ld edited images "
                   "unmatched, %ld items skipped)", o.key, unmatched, bt.skipped);
    }

    double fid = NAN;
    if (nm >= 2 && we_fid_sets(&fid, fe, nm, fs, nm, 128)) fid = NAN;
    printf("%-10s %6s  %6s  %6s  %6s  %6s  %7s", "emotion", "n", "acc", "csim", "psnr", "ssim", "nme");
    printf(o.photo ? "  %6s  %8s  %6s  %6s\n" : "\n", "sharp", "psnr_out", "tone", "seam");
    for (int k = 0; k <= WE_FA_NCLASS; k++)
        if (rows[k].n) print_row(stdout, 0, k < WE_FA_NCLASS ? we_fa_expr_vocab[k] : "(other)", &rows[k], NAN);
    print_row(stdout, 0, "all", &all, NAN);
    printf("fid %.4f (identity features, %d edited vs %d matching source items%s)\n", fid, nm, nm,
           nm <= 128 ? "; fewer than 129 items: biased" : "");
    if (o.csv) {
        char tmp[4200];
        FILE *f = open_atomic(o.csv, tmp, sizeof tmp);
        fprintf(f, "emotion,n,acc,csim,psnr,ssim,nme,fid%s\n", o.photo ? ",sharp,psnr_out,tone,seam" : "");
        for (int k = 0; k <= WE_FA_NCLASS; k++)
            if (rows[k].n) print_row(f, 1, k < WE_FA_NCLASS ? we_fa_expr_vocab[k] : "other", &rows[k], NAN);
        print_row(f, 1, "all", &all, fid);
        close_atomic(f, tmp, o.csv);
    }
    if (fi) close_atomic(fi, itmp, o.items);
    for (int k = 0; k < ns; k++) { free(items[k].id); we_tensor_free(&items[k].pix); }
    free(items); free(fe); free(fs);
    for (int k = 0; k < 3; k++) we_fa_net_free(net[k]);
    we_cli_finish_output();
    return we_batch_end(&bt, 0);
}
