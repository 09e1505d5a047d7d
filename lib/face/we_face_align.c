/* we_face_align.c - detect, landmark, fit and warp the faces of a photo. */
#include "we_face_align.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_affine.h"
#include "we_align.h"
#include "we_color.h"
#include "we_limits.h"
#include "we_pixel.h"
#include "we_warp.h"

void we_face_align_params_init(we_face_align_params *p)
{
    memset(p, 0, sizeof *p);
    p->size = 256;
    p->margin = 0.3;
    p->channels = 3;
    p->all = 0;
    p->min_face = 32;
    p->upsample = 0;
    p->threshold = 0.25;
    p->work_min = 160;
    p->whole_frame = 0;
    p->frame_inset[0] = 0.05;
    p->frame_inset[1] = 0.10;
    p->frame_inset[2] = 0.05;
    p->frame_inset[3] = 0.0;
    p->refine = 2;
    p->ssd = NULL;
    p->ssd_conf = 0.5;
    p->ssd_frame = 1.0;
    p->verify_max = WE_FACE_VERIFY_MAX;
    p->verify_desc = WE_FACE_VERIFY_DESC;
    /* Fitted on faces both detectors find (6 demo photos + 60 facial_expressions
     * crops): the predictor's 68 points from the mapped SSD box agree with
     * those from the HOG box to 0.017 (median; mean 0.029) of the eye distance,
     * against 0.029 (0.054) with the raw SSD box. */
    p->ssd_box[0] = 0;
    p->ssd_box[1] = 0.05;
    p->ssd_box[2] = 1.1;
    p->ssd_box[3] = 0.9;
}

we_status we_face_check_load(we_face_align_params *p, const char *dir)
{
    we_status s = we_fa_net_load(&p->verify, WE_FA_LANDMARK, dir);
    if (!s) s = we_fa_net_load(&p->verify_rec, WE_FA_RECOG, dir);
    if (s) we_face_check_free(p);
    return s;
}

void we_face_check_free(we_face_align_params *p)
{
    we_fa_net_free(p->verify);
    we_fa_net_free(p->verify_rec);
    p->verify = p->verify_rec = NULL;
}

const char *we_face_method_name(we_face_method m)
{
    static const char *names[] = {
#define WE_X_FM(e, s) s,
        WE_FACE_METHOD_LIST(WE_X_FM)
#undef WE_X_FM
    };
    return (unsigned)m < WE_FACE_METHOD_COUNT ? names[m] : "?";
}

void we_face_aligned_free(we_face_aligned *faces, int n)
{
    if (!faces) return;
    for (int i = 0; i < n; i++) we_tensor_free(&faces[i].image);
    free(faces);
}

/* Gray u8 working image, enlarged by integer factor k (bilinear). */
static we_status work_gray(const we_tensor *img, int k, uint8_t **out, int *oh, int *ow)
{
    int C = (int)img->shape[0], H = (int)img->shape[1], W = (int)img->shape[2];
    const uint8_t *s = img->data;
    size_t plane = (size_t)H * W;
    /* Float gray (4 bytes a position) plus the u8 result: budget as RGB. */
    we_status ls = we_limit_image(3, (uint64_t)H * k, (uint64_t)W * k, "detector work image (gray, upsampled)");
    if (ls) return ls;
    float *g = malloc(plane * sizeof *g);
    if (!g) return we_err_set(WE_ENOMEM, "out of memory (%dx%d image)", W, H);
    for (size_t i = 0; i < plane; i++)
        g[i] = C == 3 ? we_color_luma_f(s[i], s[plane + i], s[2 * plane + i]) : s[i];
    int h2 = H * k, w2 = W * k;
    uint8_t *o = malloc((size_t)h2 * w2);
    if (!o) { free(g); return we_err_set(WE_ENOMEM, "out of memory (%dx%d image)", w2, h2); }
    if (k == 1) {
        for (size_t i = 0; i < plane; i++) o[i] = we_pixel_round_u8(g[i]);
    } else {
        /* out pixel x -> in pixel (x + 0.5)/k - 0.5 */
        float A[6] = {1.f / k, 0, 0.5f / k - 0.5f, 0, 1.f / k, 0.5f / k - 0.5f};
        float *t = malloc((size_t)h2 * w2 * sizeof *t);
        if (!t) { free(g); free(o); return we_err_set(WE_ENOMEM, "out of memory"); }
        we_warp_affine_forward(t, g, A, 1, H, W, h2, w2, 1, WE_BORDER_CLAMP);
        for (size_t i = 0; i < (size_t)h2 * w2; i++)
            o[i] = we_pixel_round_u8(t[i]);
        free(t);
    }
    free(g);
    *out = o;
    *oh = h2;
    *ow = w2;
    return WE_OK;
}

static double det_iou(const we_ssd_det *a, const we_ssd_det *b)
{
    double iw = fmin(a->x + a->w, b->x + b->w) - fmax(a->x, b->x);
    double ih = fmin(a->y + a->h, b->y + b->h) - fmax(a->y, b->y);
    if (iw <= 0 || ih <= 0) return 0;
    return iw * ih / (a->w * a->h + b->w * b->h - iw * ih);
}

/* SSD detection on the photo itself (and framed, see ssd_frame); boxes mapped by p->ssd_box to the
 * HOG-like boxes the shape predictor was trained with, in work-image
 * pixels (x k), largest first, those narrower than p->min_face dropped. */
static we_status detect_ssd(const we_tensor *img, int k, const we_face_align_params *p, we_face_box **boxes,
                            int *nb)
{
    int C = (int)img->shape[0], H = (int)img->shape[1], W = (int)img->shape[2];
    we_ssd_det *d = NULL, *d2 = NULL;
    int n = 0, n2 = 0;
    we_status st = we_ssd_detect(p->ssd, img->data, C, H, W, (float)p->ssd_conf, 100, &d, &n);
    if (st != WE_OK) return st;
    if (p->ssd_frame > 0) {
        st = we_ssd_detect_framed(p->ssd, img->data, C, H, W, p->ssd_frame, (float)p->ssd_conf, 100, &d2, &n2);
        we_ssd_det *m = st == WE_OK ? realloc(d, sizeof *d * (size_t)(n + n2 > 0 ? n + n2 : 1)) : NULL;
        if (st == WE_OK && !m) st = we_err_set(WE_ENOMEM, "out of memory");
        if (st != WE_OK) { free(d); free(d2); return st; }
        d = m;
        /* a framed face kept unless it overlaps (IoU > 0.5) a face of the first pass */
        int n1 = n;
        for (int j = 0; j < n2; j++) {
            int dupl = 0;
            for (int i = 0; i < n1 && !dupl; i++) dupl = det_iou(&d[i], &d2[j]) > 0.5;
            if (!dupl) d[n++] = d2[j];
        }
        free(d2);
    }
    we_face_box *b = malloc(sizeof *b * (size_t)(n > 0 ? n : 1));
    if (!b) { free(d); return we_err_set(WE_ENOMEM, "out of memory"); }
    int m = 0;
    for (int i = 0; i < n; i++) {
        double w = d[i].w * p->ssd_box[2], h = d[i].h * p->ssd_box[3];
        if (w < p->min_face || h <= 0) continue;
        double cx = d[i].x + d[i].w / 2 + p->ssd_box[0] * d[i].w, cy = d[i].y + d[i].h / 2 + p->ssd_box[1] * d[i].h;
        /* SSD boxes are continuous edges; dlib's are pixel indices (x1 exclusive) */
        b[m].x0 = (cx - w / 2) * k;
        b[m].y0 = (cy - h / 2) * k;
        b[m].x1 = (cx + w / 2) * k;
        b[m].y1 = (cy + h / 2) * k;
        b[m].score = d[i].score;
        m++;
    }
    free(d);
    for (int i = 1; i < m; i++) { /* largest first, stable */
        we_face_box v = b[i];
        double av = (v.x1 - v.x0) * (v.y1 - v.y0);
        int j = i - 1;
        while (j >= 0 && (b[j].x1 - b[j].x0) * (b[j].y1 - b[j].y0) < av) { b[j + 1] = b[j]; j--; }
        b[j + 1] = v;
    }
    *boxes = b;
    *nb = m;
    return WE_OK;
}

/* Detection on copies of the work image rotated by +-p->rotate degrees, for
 * faces tilted beyond the upright detector's reach. New faces (centre not
 * inside an earlier box) are appended with rot = 1 or 2: their boxes stay
 * in the rotated copy's pixels (gr[rot-1]; Ar maps them to the work image)
 * so the landmark model sees them upright. Boxes are re-sorted by area. */
static we_status detect_rotated(we_face_model *m, const uint8_t *g, int gh, int gw, int k,
                                const we_face_align_params *p, we_face_box **boxes, int *nb,
                                int **rot, uint8_t *gr[2], float Ar[2][6])
{
    int n = *nb;
    int *r = calloc((size_t)n + 1, sizeof *r);
    float *gf = malloc((size_t)gh * gw * sizeof *gf), *tf = malloc((size_t)gh * gw * sizeof *tf);
    we_status st = WE_OK;
    if (!r || !gf || !tf) { free(r); free(gf); free(tf); return we_err_set(WE_ENOMEM, "out of memory"); }
    for (size_t i = 0; i < (size_t)gh * gw; i++) gf[i] = g[i];
    double cx = (gw - 1) / 2.0, cy = (gh - 1) / 2.0;
    for (int a = 0; a < 2 && st == WE_OK; a++) {
        double th = (a == 0 ? 1 : -1) * p->rotate * 3.14159265358979 / 180;
        float *A = Ar[a];
        A[0] = (float)cos(th); A[1] = (float)-sin(th); A[2] = (float)(cx - cos(th) * cx + sin(th) * cy);
        A[3] = (float)sin(th); A[4] = (float)cos(th);  A[5] = (float)(cy - sin(th) * cx - cos(th) * cy);
        we_warp_affine_forward(tf, gf, A, 1, gh, gw, gh, gw, 1, WE_BORDER_REFLECT);
        if (!(gr[a] = malloc((size_t)gh * gw))) { st = we_err_set(WE_ENOMEM, "out of memory"); break; }
        for (size_t i = 0; i < (size_t)gh * gw; i++)
            gr[a][i] = we_pixel_round_u8(tf[i]);
        we_face_box *b = NULL;
        int nr = 0;
        if ((st = we_face_detect(m, gr[a], gh, gw, p->upsample, p->threshold, &b, &nr)) != WE_OK) break;
        for (int i = 0; i < nr; i++) {
            if ((b[i].x1 - b[i].x0) / k < p->min_face) continue;
            float c[2] = {(float)((b[i].x0 + b[i].x1) / 2), (float)((b[i].y0 + b[i].y1) / 2)};
            we_affine_apply(A, c, 1);
            if (c[0] < 0 || c[1] < 0 || c[0] > gw - 1 || c[1] > gh - 1) continue; /* in the reflected border */
            int dup = 0;
            for (int j = 0; j < n && !dup; j++) {
                double jx = (*boxes)[j].x0, jy = (*boxes)[j].y0, jw = (*boxes)[j].x1 - jx, jh = (*boxes)[j].y1 - jy;
                if (r[j]) { /* an earlier rotated box: compare centres */
                    float d[2] = {(float)(jx + jw / 2), (float)(jy + jh / 2)};
                    we_affine_apply(Ar[r[j] - 1], d, 1);
                    dup = fabs(d[0] - c[0]) < jw / 2 && fabs(d[1] - c[1]) < jh / 2;
                } else {
                    dup = c[0] >= jx && c[0] <= jx + jw && c[1] >= jy && c[1] <= jy + jh;
                }
            }
            if (dup) continue;
            we_face_box *nbx = realloc(*boxes, (size_t)(n + 1) * sizeof *nbx);
            int *nr2 = realloc(r, (size_t)(n + 2) * sizeof *nr2);
            if (nbx) *boxes = nbx;
            if (nr2) r = nr2;
            if (!nbx || !nr2) { st = we_err_set(WE_ENOMEM, "out of memory"); break; }
            (*boxes)[n] = b[i];
            r[n++] = a + 1;
        }
        free(b);
    }
    free(gf);
    free(tf);
    if (st != WE_OK) { free(r); return st; }
    /* Largest first (insertion sort keeps the detector's order on ties). */
    for (int i = 1; i < n; i++) {
        we_face_box bv = (*boxes)[i];
        int rv = r[i], j = i - 1;
        double av = (bv.x1 - bv.x0) * (bv.y1 - bv.y0);
        while (j >= 0 && ((*boxes)[j].x1 - (*boxes)[j].x0) * ((*boxes)[j].y1 - (*boxes)[j].y0) < av) {
            (*boxes)[j + 1] = (*boxes)[j];
            r[j + 1] = r[j];
            j--;
        }
        (*boxes)[j + 1] = bv;
        r[j + 1] = rv;
    }
    *nb = n;
    *rot = r;
    return WE_OK;
}

/* The mean face-api recognition descriptor of the 212 aligned faces of
 * bench/report_face_verify.sh (crops seen whole, as femo -c whole). */
static const float mean_face_desc[128] = {
    -0.09731f, 0.08063f, 0.04999f, -0.04872f, -0.11378f, -0.00951f, -0.02551f, -0.10592f,
    0.14427f, -0.08268f, 0.17969f, -0.04006f, -0.25239f, -0.03577f, -0.03182f, 0.13487f,
    -0.14636f, -0.12537f, -0.10642f, -0.07236f, 0.01520f, 0.04703f, 0.02702f, 0.03959f,
    -0.12517f, -0.29980f, -0.06806f, -0.08121f, 0.02834f, -0.08926f, 0.00334f, 0.05562f,
    -0.18704f, -0.04597f, 0.02403f, 0.08342f, -0.05234f, -0.07523f, 0.19665f, 0.01305f,
    -0.17915f, 0.00829f, 0.05073f, 0.24229f, 0.19332f, 0.00753f, 0.01770f, -0.07460f,
    0.11468f, -0.26885f, 0.04726f, 0.15122f, 0.10081f, 0.07216f, 0.06420f, -0.14662f,
    0.01915f, 0.14518f, -0.18767f, 0.06772f, 0.06919f, -0.08812f, -0.03001f, -0.05009f,
    0.18724f, 0.09823f, -0.11053f, -0.14037f, 0.16630f, -0.15562f, -0.05522f, 0.08057f,
    -0.09311f, -0.17032f, -0.27257f, 0.03965f, 0.38142f, 0.13843f, -0.16553f, 0.01394f,
    -0.07936f, -0.02102f, 0.02371f, 0.06129f, -0.06359f, -0.03582f, -0.08625f, 0.01900f,
    0.19984f, -0.01634f, -0.01472f, 0.24013f, 0.02028f, -0.00680f, 0.02912f, 0.05092f,
    -0.11167f, -0.02263f, -0.11258f, -0.01641f, 0.02252f, -0.09836f, 0.01280f, 0.10268f,
    -0.18065f, 0.16996f, -0.03081f, -0.02788f, -0.01165f, -0.02292f, -0.08061f, -0.00806f,
    0.16767f, -0.25421f, 0.19044f, 0.16317f, 0.02437f, 0.14280f, 0.06407f, 0.07440f,
    -0.00122f, -0.02144f, -0.14095f, -0.09792f, 0.04131f, -0.03605f, 0.02823f, 0.04571f,
};

/* The face check (we_face_align.h, WE_FACE_VERIFY_MAX) of the face with
 * dlib's points photo_pts in the photo ph (Co x H x W, pixels 0..255):
 * *face = 0 when it is not a face. It judges its own 128 px crop, as
 * measured, whatever the output's size. The recognition net runs on
 * suspect crops only. */
static we_status verify_face(const we_face_align_params *p, const float *ph, int Co, int H, int W,
                             const float *photo_pts, int *face)
{
    enum { S = 128 };
    float aff[6], crop_pts[2 * WE_FACE_NPTS];
    we_fa_result r;
    *face = 1;
    we_status st = we_align_face(aff, crop_pts, photo_pts, S, p->margin);
    if (st != WE_OK) return st;
    float *o = malloc(sizeof *o * Co * S * S);
    if (!o) return we_err_set(WE_ENOMEM, "out of memory");
    we_warp_affine_forward(o, ph, aff, Co, H, W, S, S, we_warp_supersample(we_affine_scale(aff)), WE_BORDER_REFLECT);
    st = we_fa_analyse(NULL, p->verify, NULL, WE_FA_CROP_WHOLE, o, Co, S, S, &r);
    if (st != WE_OK) { free(o); return st; }
    double sum = 0;
    for (int j = 0; j < WE_FACE_NPTS; j++)
        sum += hypot(r.lm[2 * j] - crop_pts[2 * j], r.lm[2 * j + 1] - crop_pts[2 * j + 1]);
    if (sum / WE_FACE_NPTS > p->verify_max * S && p->verify_rec)
        st = we_fa_analyse(NULL, NULL, p->verify_rec, WE_FA_CROP_WHOLE, o, Co, S, S, &r);
    free(o);
    if (st != WE_OK || sum / WE_FACE_NPTS <= p->verify_max * S || !p->verify_rec) return st;
    double d = 0;
    for (int j = 0; j < 128; j++) d += (r.id[j] - mean_face_desc[j]) * (r.id[j] - mean_face_desc[j]);
    *face = sqrt(d) >= p->verify_desc;
    return WE_OK;
}

we_status we_face_align_image(we_face_model *m, const we_tensor *img,
                              const we_face_align_params *p,
                              we_face_aligned **faces, int *n)
{
    *faces = NULL;
    *n = 0;
    if (img->dtype != WE_U8 || img->rank != 3 || (img->shape[0] != 1 && img->shape[0] != 3))
        return we_err_set(WE_EDATA, "face alignment needs a u8 image of 1 or 3 channels");
    if (p->channels != 1 && p->channels != 3)
        return we_err_set(WE_EUSAGE, "channels must be 1 or 3, not %d", p->channels);
    if (p->size < 8 || p->size > 4096)
        return we_err_set(WE_EUSAGE, "crop size %d out of range 8..4096", p->size);
    int C = (int)img->shape[0], H = (int)img->shape[1], W = (int)img->shape[2];
    int shortest = H < W ? H : W;
    int k = 1;
    if (p->work_min > 0 && shortest < p->work_min) {
        k = (p->work_min + shortest - 1) / shortest;
        if (k > 8) k = 8;
    }
    uint8_t *g = NULL, *gr[2] = {NULL, NULL};
    float Ar[2][6];
    int *rot = NULL; /* per box: 0 upright, 1 or 2 found in gr[rot-1] */
    int gh = 0, gw = 0;
    we_status st = work_gray(img, k, &g, &gh, &gw);
    if (st != WE_OK) return st;

    we_face_box *boxes = NULL;
    int nb = 0;
    we_face_method method = p->ssd ? WE_FACE_SSD : WE_FACE_HOG;
    int use_hog = !p->ssd;
    if (p->ssd && p->whole_frame < 2) {
        if ((st = detect_ssd(img, k, p, &boxes, &nb)) != WE_OK) goto out;
        if (nb == 0 && p->ssd_hog) { /* fall back to dlib's HOG */
            free(boxes);
            boxes = NULL;
            use_hog = 1;
            method = WE_FACE_HOG;
        }
    }
    if (use_hog && p->whole_frame < 2 &&
        (st = we_face_detect(m, g, gh, gw, p->upsample, p->threshold, &boxes, &nb)) != WE_OK)
        goto out;
    /* Drop boxes below the minimum size (photo pixels). */
    int kept = 0;
    for (int i = 0; i < nb; i++)
        if ((boxes[i].x1 - boxes[i].x0) / k >= p->min_face) boxes[kept++] = boxes[i];
    nb = kept;
    if (use_hog && p->rotate > 0 && p->whole_frame < 2 &&
        (st = detect_rotated(m, g, gh, gw, k, p, &boxes, &nb, &rot, gr, Ar)) != WE_OK) goto out;
    if (nb == 0 && p->whole_frame) {
        free(boxes);
        free(rot);
        rot = NULL;
        boxes = malloc(sizeof *boxes);
        if (!boxes) { st = we_err_set(WE_ENOMEM, "out of memory"); goto out; }
        boxes[0].x0 = gw * p->frame_inset[0];
        boxes[0].y0 = gh * p->frame_inset[1];
        boxes[0].x1 = gw * (1 - p->frame_inset[2]);
        boxes[0].y1 = gh * (1 - p->frame_inset[3]);
        boxes[0].score = 0;
        nb = 1;
        method = WE_FACE_WHOLE;
    }
    if (nb == 0) goto out;
    if (!p->all && !p->verify) nb = 1;
    we_face_aligned *f = calloc((size_t)nb, sizeof *f);
    if (!f) { st = we_err_set(WE_ENOMEM, "out of memory"); goto out; }

    /* Photo as float planes in the output's channel count. */
    size_t plane = (size_t)H * W;
    int Co = p->channels;
    float *ph = malloc((size_t)Co * plane * sizeof *ph);
    if (!ph) { free(f); st = we_err_set(WE_ENOMEM, "out of memory"); goto out; }
    const uint8_t *s = img->data;
    for (int c = 0; c < Co; c++)
        for (size_t i = 0; i < plane; i++) {
            float v;
            if (C == Co) v = s[c * plane + i];
            else if (C == 1) v = s[i];
            else v = we_color_luma_f(s[i], s[plane + i], s[2 * plane + i]);
            ph[c * plane + i] = v;
        }

    int done = 0;
    for (int i = 0; i < nb && (p->all || done == 0); i++) {
        we_face_aligned *a = &f[done];
        a->method = method;
        float wp[2 * WE_FACE_NPTS];
        int ri = rot ? rot[i] : 0;
        if ((st = we_face_landmarks(m, ri ? gr[ri - 1] : g, gh, gw, &boxes[i], wp)) != WE_OK) break;
        if (ri) { /* landmarks of a rotated copy back to the work image */
            we_affine_apply(Ar[ri - 1], wp, WE_FACE_NPTS);
            float cx[4] = {(float)boxes[i].x0, (float)boxes[i].x1, (float)boxes[i].x0, (float)boxes[i].x1};
            float cy[4] = {(float)boxes[i].y0, (float)boxes[i].y0, (float)boxes[i].y1, (float)boxes[i].y1};
            float c[8];
            for (int j = 0; j < 4; j++) { c[2 * j] = cx[j]; c[2 * j + 1] = cy[j]; }
            we_affine_apply(Ar[ri - 1], c, 4);
            boxes[i].x0 = fminf(fminf(c[0], c[2]), fminf(c[4], c[6]));
            boxes[i].x1 = fmaxf(fmaxf(c[0], c[2]), fmaxf(c[4], c[6]));
            boxes[i].y0 = fminf(fminf(c[1], c[3]), fminf(c[5], c[7]));
            boxes[i].y1 = fmaxf(fmaxf(c[1], c[3]), fmaxf(c[5], c[7]));
        }
        for (int r = 0; method == WE_FACE_WHOLE && r < p->refine; r++) {
            float lx0 = wp[0], lx1 = wp[0], ly0 = wp[1], ly1 = wp[1];
            for (int j = 1; j < WE_FACE_NPTS; j++) {
                lx0 = fminf(lx0, wp[2 * j]); lx1 = fmaxf(lx1, wp[2 * j]);
                ly0 = fminf(ly0, wp[2 * j + 1]); ly1 = fmaxf(ly1, wp[2 * j + 1]);
            }
            float lh = ly1 - ly0;
            if (!(lx1 - lx0 > 4 && lh > 4)) break;
            boxes[i].x0 = lx0;
            boxes[i].x1 = lx1;
            boxes[i].y0 = ly0 - 0.11f * lh;
            boxes[i].y1 = ly1 - 0.05f * lh;
            if ((st = we_face_landmarks(m, g, gh, gw, &boxes[i], wp)) != WE_OK) break;
        }
        if (st != WE_OK) break;
        for (int j = 0; j < 2 * WE_FACE_NPTS; j++) a->photo_pts[j] = (wp[j] + 0.5f) / k - 0.5f;
        a->box.x0 = boxes[i].x0 / k;
        a->box.y0 = boxes[i].y0 / k;
        a->box.x1 = boxes[i].x1 / k;
        a->box.y1 = boxes[i].y1 / k;
        a->box.score = boxes[i].score;
        if ((st = we_align_face(a->affine, a->crop_pts, a->photo_pts, p->size, p->margin)) != WE_OK) break;
        int S = p->size;
        if (p->native) { /* the crop window spans S * scale photo pixels */
            double span = S * we_affine_scale(a->affine);
            int Sn = 64;
            while (Sn * 2 <= span && Sn * 2 <= S) Sn *= 2;
            if (Sn < S && (st = we_align_face(a->affine, a->crop_pts, a->photo_pts, Sn, p->margin)) != WE_OK) break;
            if (Sn < S) S = Sn;
        }
        a->residual = we_align_residual(a->crop_pts, S, p->margin);
        if ((st = we_tensor_alloc3(&a->image, WE_F32, Co, S, S)) != WE_OK) break;
        float *o = a->image.data;
        int ss = we_warp_supersample(we_affine_scale(a->affine));
        we_warp_affine_forward(o, ph, a->affine, Co, H, W, S, S, ss, WE_BORDER_REFLECT);
        int face = 1;
        if (p->verify && method != WE_FACE_WHOLE && (st = verify_face(p, ph, Co, H, W, a->photo_pts, &face)) != WE_OK)
            break;
        if (!face) { /* not a face: dropped */
            we_tensor_free(&a->image);
            memset(a, 0, sizeof *a);
            continue;
        }
        for (size_t j = 0; j < (size_t)Co * S * S; j++) {
            float v = we_pixel_to_unit(o[j]);
            o[j] = we_pixel_clamp_unit(v);
        }
        done++;
    }
    free(ph);
    if (st != WE_OK) { we_face_aligned_free(f, nb); goto out; }
    if (!done) { free(f); f = NULL; }
    *faces = f;
    *n = done;
out:
    free(boxes);
    free(rot);
    free(gr[0]);
    free(gr[1]);
    free(g);
    return st;
}
