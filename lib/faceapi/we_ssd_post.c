/* we_ssd_post.c - SSD input preparation, NMS and the detect pipeline
 * (we_ssd.h), following face-api's SsdMobilenetv1.locateFaces. */
#include "we_ssd.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "we_pixel.h"

/* The detector's view of a photo: the image (C x h x w) on a gray (128)
 * frame b pixels wide, H x W in all (h + 2b, w + 2b). The framed image
 * is never built: a 1 x 30000 photo with its frame would be 60001 x 90000
 * pixels, and only 512 x 512 samples of it are read. */
typedef struct {
    const uint8_t *img;
    int C, h, w, b;
    int H, W;
} view;

/* Pixel of the zero-padded square (view at top-left), channel c. */
static inline float sq_px(const view *v, int c, int y, int x)
{
    if (y >= v->H || x >= v->W) return 0.0f;
    y -= v->b;
    x -= v->b;
    if (y < 0 || x < 0 || y >= v->h || x >= v->w) return 128.0f;
    return v->img[((size_t)(v->C == 3 ? c : 0) * v->h + y) * v->w + x];
}

static void prep_view(float *out, const view *v)
{
    const int S = WE_SSD_SIZE;
    int H = v->H, W = v->W;
    int L = H > W ? H : W;
    size_t P = (size_t)S * S;
    if (L == S) {
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < S; y++)
                for (int x = 0; x < S; x++)
                    out[c * P + (size_t)y * S + x] = we_pixel_to_unit(sq_px(v, c, y, x));
        return;
    }
    /* TF legacy bilinear (align_corners = half_pixel_centers = false). */
    double r = (double)L / S;
    for (int y = 0; y < S; y++) {
        double sy = y * r;
        int y0 = (int)floor(sy), y1 = y0 + 1 < L ? y0 + 1 : L - 1;
        float fy = (float)(sy - y0);
        for (int x = 0; x < S; x++) {
            double sx = x * r;
            int x0 = (int)floor(sx), x1 = x0 + 1 < L ? x0 + 1 : L - 1;
            float fx = (float)(sx - x0);
            for (int c = 0; c < 3; c++) {
                float tl = sq_px(v, c, y0, x0), tr = sq_px(v, c, y0, x1);
                float bl = sq_px(v, c, y1, x0), br = sq_px(v, c, y1, x1);
                float top = tl + (tr - tl) * fx, bot = bl + (br - bl) * fx;
                float val = top + (bot - top) * fy;
                out[c * P + (size_t)y * S + x] = we_pixel_to_unit(val);
            }
        }
    }
}

/* face-api's IOU: corners sorted per axis, 0 for an empty box. */
static float iou(const float *a, const float *b)
{
    float ay0 = fminf(a[0], a[2]), ax0 = fminf(a[1], a[3]), ay1 = fmaxf(a[0], a[2]), ax1 = fmaxf(a[1], a[3]);
    float by0 = fminf(b[0], b[2]), bx0 = fminf(b[1], b[3]), by1 = fmaxf(b[0], b[2]), bx1 = fmaxf(b[1], b[3]);
    float aa = (ay1 - ay0) * (ax1 - ax0), ab = (by1 - by0) * (bx1 - bx0);
    if (aa <= 0 || ab <= 0) return 0.0f;
    float ih = fmaxf(fminf(ay1, by1) - fmaxf(ay0, by0), 0.0f);
    float iw = fmaxf(fminf(ax1, bx1) - fmaxf(ax0, bx0), 0.0f);
    float in = ih * iw;
    return in / (aa + ab - in);
}

typedef struct {
    float s;
    int i;
} cand;

static int cand_cmp(const void *pa, const void *pb)
{
    const cand *a = pa, *b = pb;
    if (a->s != b->s) return a->s < b->s ? 1 : -1;
    return a->i - b->i; /* stable, as JavaScript's sort */
}

int we_ssd_nms(int *keep, const float *boxes, const float *scores, int n, int max_out, float thr,
               float min_conf)
{
    cand *c = malloc(sizeof *c * (size_t)(n > 0 ? n : 1));
    if (!c) return 0; /* n is at most WE_SSD_ANCHORS: 40 KB */
    int nc = 0;
    for (int i = 0; i < n; i++)
        if (scores[i] > min_conf) c[nc++] = (cand){scores[i], i};
    qsort(c, (size_t)nc, sizeof *c, cand_cmp);
    int out = max_out < n ? max_out : n, k = 0;
    for (int j = 0; j < nc && k < out; j++) {
        int ok = 1;
        for (int m = k - 1; m >= 0 && ok; m--) {
            float v = iou(boxes + (size_t)c[j].i * 4, boxes + (size_t)keep[m] * 4);
            if (v > thr) ok = 0;
        }
        if (ok) keep[k++] = c[j].i;
    }
    free(c);
    return k;
}

void we_ssd_prep_forward(float *out, const uint8_t *img, int C, int H, int W)
{
    view v = {img, C, H, W, 0, H, W};
    prep_view(out, &v);
}

/* we_ssd_detect on a view; boxes in the view's pixels. */
static we_status detect_view(we_ssd_net *net, const view *v, float min_conf, int max_results, we_ssd_det **dets,
                             int *n)
{
    int H = v->H, W = v->W;
    if (!(min_conf > 0 && min_conf < 1))
        return we_err_set(WE_EUSAGE, "ssd min confidence %g not in (0, 1)", min_conf);
    if (max_results < 1) return we_err_set(WE_EUSAGE, "ssd max results %d < 1", max_results);
    const size_t P = (size_t)WE_SSD_SIZE * WE_SSD_SIZE;
    float *inp = malloc(sizeof(float) * 3 * P);
    float *boxes = malloc(sizeof(float) * WE_SSD_ANCHORS * 4), *scores = malloc(sizeof(float) * WE_SSD_ANCHORS);
    int *keep = malloc(sizeof(int) * WE_SSD_ANCHORS);
    we_status st = WE_OK;
    if (!inp || !boxes || !scores || !keep) {
        st = we_err_set(WE_ENOMEM, "out of memory (ssd detect)");
        goto out;
    }
    prep_view(inp, v);
    if ((st = we_ssd_forward(net, boxes, scores, inp)) != WE_OK) goto out;
    int k = we_ssd_nms(keep, boxes, scores, WE_SSD_ANCHORS, max_results, 0.5f, min_conf);
    if (k == 0) goto out;
    we_ssd_det *d = malloc(sizeof *d * (size_t)k);
    if (!d) {
        st = we_err_set(WE_ENOMEM, "out of memory (ssd detect)");
        goto out;
    }
    /* locateFaces: relative to the image part of the padded square (its
     * side as resized, rounded as face-api's computeReshapedDimensions),
     * then scaled by the image size. */
    int L = H > W ? H : W;
    double scale = (double)WE_SSD_SIZE / L;
    double padx = WE_SSD_SIZE / (double)lround(W * scale), pady = WE_SSD_SIZE / (double)lround(H * scale);
    for (int i = 0; i < k; i++) {
        const float *b = boxes + (size_t)keep[i] * 4;
        double top = fmax(0, b[0]) * pady, bot = fmin(1, b[2]) * pady;
        double left = fmax(0, b[1]) * padx, right = fmin(1, b[3]) * padx;
        d[i].x = (float)(left * W);
        d[i].y = (float)(top * H);
        d[i].w = (float)((right - left) * W);
        d[i].h = (float)((bot - top) * H);
        d[i].score = scores[keep[i]];
    }
    *dets = d;
    *n = k;
out:
    free(inp);
    free(boxes);
    free(scores);
    free(keep);
    return st;
}

we_status we_ssd_detect(we_ssd_net *net, const uint8_t *img, int C, int H, int W, float min_conf,
                        int max_results, we_ssd_det **dets, int *n)
{
    *dets = NULL;
    *n = 0;
    if ((C != 1 && C != 3) || H < 1 || W < 1)
        return we_err_set(WE_EDATA, "ssd detector needs a 1- or 3-channel image, not %dx%dx%d", C, H, W);
    view v = {img, C, H, W, 0, H, W};
    return detect_view(net, &v, min_conf, max_results, dets, n);
}

we_status we_ssd_detect_framed(we_ssd_net *net, const uint8_t *img, int C, int H, int W, double border,
                               float min_conf, int max_results, we_ssd_det **dets, int *n)
{
    *dets = NULL;
    *n = 0;
    if ((C != 1 && C != 3) || H < 1 || W < 1)
        return we_err_set(WE_EDATA, "ssd detector needs a 1- or 3-channel image, not %dx%dx%d", C, H, W);
    if (!(border >= 0 && border <= 4)) return we_err_set(WE_EUSAGE, "ssd frame border %g not in 0..4", border);
    int L = H > W ? H : W, b = (int)lround(border * L);
    if ((int64_t)L * 9 > INT32_MAX) return we_err_set(WE_ELIMIT, "ssd frame of a %dx%d image is too large", W, H);
    view v = {img, C, H, W, b, H + 2 * b, W + 2 * b};
    we_status st = detect_view(net, &v, min_conf, max_results, dets, n);
    for (int i = 0; st == WE_OK && i < *n; i++) {
        (*dets)[i].x -= b;
        (*dets)[i].y -= b;
    }
    return st;
}
