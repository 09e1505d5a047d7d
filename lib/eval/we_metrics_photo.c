/* we_metrics_photo.c - sharpness, PSNR outside the change region, tone, and
 * the paste that femetrics --photo judges (see we_metrics_photo.h). */
#include "we_metrics_photo.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_color.h"
#include "we_face_paste.h"
#include "we_face_region.h"
#include "we_metrics.h"
#include "we_stream.h"
#include "we_warp.h"

void we_metrics_luma(float *out, const float *pix, int C, size_t P)
{
    if (C == 3)
        we_color_luma_planes(out, pix, P);
    else memcpy(out, pix, P * sizeof *out);
}

double we_metrics_detail_energy(const float *img, const float *mask, int H, int W)
{
    double e = 0;
    for (int y = 0; y + 1 < H; y += 2)
        for (int x = 0; x + 1 < W; x += 2) {
            size_t i = (size_t)y * W + x, j = i + (size_t)W;
            double w = mask ? 0.25 * ((double)mask[i] + mask[i + 1] + mask[j] + mask[j + 1]) : 1;
            if (w == 0) continue;
            double a = img[i], b = img[i + 1], c = img[j], d = img[j + 1];
            double lh = 0.5 * (a + b - c - d), hl = 0.5 * (a - b + c - d), hh = 0.5 * (a - b - c + d);
            e += w * (lh * lh + hl * hl + hh * hh);
        }
    return e;
}

we_status we_metrics_sharpness(double *out, const float *edit, const float *src, const float *mask, int H, int W)
{
    double es = we_metrics_detail_energy(src, mask, H, W);
    if (!(es > 0)) return we_err_set(WE_EDATA, "sharpness: the source has no detail inside the mask");
    *out = we_metrics_detail_energy(edit, mask, H, W) / es;
    return WE_OK;
}

double we_metrics_psnr_weighted(const float *a, const float *b, const float *w, int C, size_t P)
{
    double s = 0, sw = 0;
    for (size_t i = 0; i < P; i++) {
        double wi = w ? w[i] : 1;
        if (wi == 0) continue;
        sw += wi;
        for (int c = 0; c < C; c++) {
            double d = (double)a[(size_t)c * P + i] - b[(size_t)c * P + i];
            s += wi * d * d;
        }
    }
    if (!(sw > 0)) return NAN;
    if (s == 0) return INFINITY;
    return 10 * log10(255.0 * 255.0 / (s / (sw * C)));
}

double we_metrics_mean_shift(const float *a, const float *b, const float *w, size_t P)
{
    double s = 0, sw = 0;
    for (size_t i = 0; i < P; i++) {
        double wi = w ? w[i] : 1;
        sw += wi;
        s += wi * ((double)a[i] - b[i]);
    }
    return sw > 0 ? s / sw : NAN;
}

void we_metrics_face_mask(float *mask, int H, int W, const float *lm)
{
    we_warp_hull_mask(mask, H, W, lm, 68, 0);
}

/* Hard mask of the hull of n points (x,y pairs, scaled in place) grown by f about their centroid. */
static void grown_hull(float *mask, int H, int W, float *p, int n, double f)
{
    we_face_region_grow(p, n, f);
    we_warp_hull_mask(mask, H, W, p, n, 0);
}

void we_metrics_keep_mask(float *mask, float *scratch, int H, int W, const float *lm)
{
    float p[136];
    memcpy(p, lm, sizeof p);
    grown_hull(mask, H, W, p, 68, 1.2);
    we_metrics_change_mask(scratch, H, W, lm);
    for (size_t i = 0; i < (size_t)H * W; i++) mask[i] *= 1 - scratch[i];
}

void we_metrics_change_mask(float *mask, int H, int W, const float *lm)
{
    float p[136];
    we_face_region_expr_points(p, lm);
    we_warp_hull_mask(mask, H, W, p, 68, 0);
}

we_status we_metrics_photo_paste(we_tensor *edit, const we_tensor *src, const float *lm, int paste)
{
    if (edit->rank != 3 || src->rank != 3 || edit->dtype != WE_F32 || src->dtype != WE_F32)
        return we_err_set(WE_EDATA, "photo route: images must be f32 C x H x W");
    int C = (int)src->shape[0], H = (int)src->shape[1], W = (int)src->shape[2];
    int Ce = (int)edit->shape[0], h = (int)edit->shape[1], w = (int)edit->shape[2];
    if (H != W || h != w)
        return we_err_set(WE_EDATA, "photo route: aligned faces are square (source %dx%d, edited %dx%d)", H, W, h, w);
    if (Ce != C)
        return we_err_set(WE_EDATA, "photo route: the edited face has %d channel(s), the source %d", Ce, C);
    size_t n = (size_t)C * H * W;
    we_tensor out;
    we_status st = we_tensor_alloc3(&out, WE_F32, C, H, W);
    if (st) return st;
    float *big = out.data, *face = paste ? malloc(sizeof(float) * n) : big;
    if (!face) { we_tensor_free(&out); return we_err_set(WE_ENOMEM, "photo route: %dx%d", H, W); }
    if (h == H) memcpy(face, edit->data, sizeof(float) * n);
    else {
        double k = (double)h / H, o = 0.5 * k - 0.5;
        float A[6] = {(float)k, 0, (float)o, 0, (float)k, (float)o};
        we_warp_affine_forward(face, edit->data, A, C, h, w, H, W, we_warp_supersample(k), WE_BORDER_CLAMP);
    }
    if (paste) {
        const float I[6] = {1, 0, 0, 0, 1, 0};
        memcpy(big, src->data, sizeof(float) * n);
        st = we_face_paste(big, C, H, W, face, C, H, I, lm, 68, -1);
        free(face);
    }
    if (st) { we_tensor_free(&out); return st; }
    we_tensor_free(edit);
    *edit = out;
    return WE_OK;
}

struct we_lm_table {
    int n, cap;
    char **id;
    float *lm; /* n x 136 */
};

void we_lm_table_free(we_lm_table *t)
{
    if (!t) return;
    for (int i = 0; i < t->n; i++) free(t->id[i]);
    free(t->id);
    free(t->lm);
    free(t);
}

const float *we_lm_table_find(const we_lm_table *t, const char *id)
{
    for (int i = 0; t && i < t->n; i++)
        if (!strcmp(t->id[i], id)) return t->lm + (size_t)i * 136;
    return NULL;
}

we_status we_lm_table_load(we_lm_table **out, const char *path)
{
    return we_lm_table_load_frame(out, path, "landmarks");
}

we_status we_lm_table_load_frame(we_lm_table **out, const char *path, const char *name)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return we_err_set(WE_ENOINPUT, "%s: %s", path, strerror(errno));
    we_lm_table *t = calloc(1, sizeof *t);
    we_reader rd;
    we_reader_init(&rd, f, path);
    we_frame fr;
    we_frame_init(&fr);
    we_status st = t ? WE_OK : we_err_set(WE_ENOMEM, "%s", path);
    while (!st && (st = we_reader_frame(&rd, &fr)) == WE_OK) {
        const char *id = we_frame_get(&fr, "id");
        if (strcmp(fr.name, name) || !id || fr.t.dtype != WE_F32 || we_tensor_count(&fr.t) != 136 ||
            we_lm_table_find(t, id))
            continue;
        if (t->n == t->cap) {
            t->cap = t->cap ? 2 * t->cap : 64;
            char **ni = realloc(t->id, sizeof(char *) * (size_t)t->cap);
            if (ni) t->id = ni;
            float *nl = ni ? realloc(t->lm, sizeof(float) * 136 * (size_t)t->cap) : NULL;
            if (!nl) { st = we_err_set(WE_ENOMEM, "%s: %d landmarks", path, t->n); break; }
            t->lm = nl;
        }
        if (!(t->id[t->n] = strdup(id))) { st = we_err_set(WE_ENOMEM, "%s", path); break; }
        memcpy(t->lm + (size_t)t->n++ * 136, fr.t.data, sizeof(float) * 136);
    }
    we_frame_free(&fr);
    we_reader_free(&rd);
    fclose(f);
    if (st != WE_EOF) { we_lm_table_free(t); return st; }
    if (t->n) *out = t;
    else we_lm_table_free(t);
    return WE_OK;
}

we_status we_metrics_photo(we_photo_scores *out, const float *edit, const float *src, int C, int H, int W,
                           const float *lm)
{
    size_t P = (size_t)H * W;
    float *buf = malloc(sizeof(float) * 5 * P);
    if (!buf) return we_err_set(WE_ENOMEM, "photo metrics: %dx%d", H, W);
    float *ye = buf, *ys = ye + P, *hull = ys + P, *keep = hull + P, *tmp = keep + P;
    we_metrics_luma(ye, edit, C, P);
    we_metrics_luma(ys, src, C, P);
    we_metrics_face_mask(hull, H, W, lm);
    we_metrics_keep_mask(keep, tmp, H, W, lm);
    we_status st = we_metrics_sharpness(&out->sharp, ye, ys, hull, H, W);
    out->psnr_out = we_metrics_psnr_weighted(edit, src, keep, C, P);
    out->tone = we_metrics_mean_shift(ye, ys, hull, P);
    /* seam: the luma gradient across the hull's 0.5 contour, pasted over
     * source (we_metrics_seam); NAN where the contour is empty or the
     * source is flat across it */
    if (we_metrics_seam(&out->seam, ye, ys, hull, 1, H, W)) out->seam = NAN;
    if (!st && (isnan(out->psnr_out) || isnan(out->tone)))
        st = we_err_set(WE_EDATA, "photo metrics: empty face hull, or no kept ring around the change region");
    free(buf);
    return st;
}

we_status we_metrics_item(we_item_scores *out, const float *edit, const float *src, int C, int H, int W,
                          const float *desc_e, const float *desc_s, const float *lm_e, const float *lm_s,
                          const float *plm)
{
    memset(out, 0, sizeof *out);
    unsigned char use[68];
    we_metrics_nonmouth(use);
    out->csim = we_metrics_cosine(desc_e, desc_s, 128);
    out->psnr = fmin(we_metrics_psnr(edit, src, (size_t)C * H * W), WE_METRICS_PSNR_CAP);
    we_status st = we_metrics_ssim(&out->ssim, edit, src, C, H, W);
    if (!st) st = we_metrics_nme(&out->nme, lm_e, lm_s, lm_s, use);
    if (!st && plm) st = we_metrics_photo(&out->ph, edit, src, C, H, W, plm);
    out->ph.psnr_out = fmin(out->ph.psnr_out, WE_METRICS_PSNR_CAP);
    return st;
}

void we_item_scores_add(we_item_scores *sum, const we_item_scores *s)
{
    sum->csim += s->csim;
    sum->psnr += s->psnr;
    sum->ssim += s->ssim;
    sum->nme += s->nme;
    sum->ph.sharp += s->ph.sharp;
    sum->ph.psnr_out += s->ph.psnr_out;
    sum->ph.tone += fabs(s->ph.tone);
    sum->ph.seam += s->ph.seam;
}
