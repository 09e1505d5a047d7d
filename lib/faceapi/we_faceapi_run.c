/* we_faceapi_run.c - which pixels each net sees (doc/design/faceapi.md 6): whole
 * image, or face-api's own aligned boxes derived from the 68 landmarks. */
#include "we_faceapi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

we_fa_box we_fa_box_clip(double x, double y, double w, double h, int W, int H)
{
    double right = x + w, bottom = y + h;
    double cx = x > 0 ? x : 0, cy = y > 0 ? y : 0;
    double nw = right - cx, nh = bottom - cy;
    if (nw > W - cx) nw = W - cx;
    if (nh > H - cy) nh = H - cy;
    we_fa_box b = {(int)floor(cx), (int)floor(cy), (int)floor(nw), (int)floor(nh)};
    /* floor() of x and width separately can reach one pixel past the edge */
    if (b.x + b.w > W) b.w = W - b.x;
    if (b.y + b.h > H) b.h = H - b.y;
    return b;
}

we_fa_box we_fa_box_minbbox(const float *lm, int W, int H)
{
    double x0 = lm[0], x1 = lm[0], y0 = lm[1], y1 = lm[1];
    for (int i = 1; i < 68; i++) {
        double x = lm[2 * i], y = lm[2 * i + 1];
        x0 = x < x0 ? x : x0; x1 = x > x1 ? x : x1;
        y0 = y < y0 ? y : y0; y1 = y > y1 ? y : y1;
    }
    double w = x1 - x0, h = y1 - y0, px = w * 0.2, py = h * 0.2;
    return we_fa_box_clip(x0 - px / 2, y0 - py / 2, w + px, h + py, W, H);
}

static void centre(const float *lm, int a, int b, double *x, double *y)
{
    double sx = 0, sy = 0;
    for (int i = a; i <= b; i++) { sx += lm[2 * i]; sy += lm[2 * i + 1]; }
    *x = sx / (b - a + 1);
    *y = sy / (b - a + 1);
}

we_fa_box we_fa_box_dlib(const float *lm, int W, int H)
{
    double lx, ly, rx, ry, mx, my;
    centre(lm, 36, 41, &lx, &ly);
    centre(lm, 42, 47, &rx, &ry);
    centre(lm, 48, 67, &mx, &my);
    double d = (hypot(mx - lx, my - ly) + hypot(mx - rx, my - ry)) / 2;
    double size = floor(d / 0.45);
    double cx = (lx + rx + mx) / 3, cy = (ly + ry + my) / 3;
    double x = floor(fmax(0, cx - 0.5 * size)), y = floor(fmax(0, cy - 0.43 * size));
    return we_fa_box_clip(x, y, fmin(size, W + x), fmin(size, H + y), W, H);
}

void we_fa_crop(float *out, const float *pix, int C, int H, int W, we_fa_box b)
{
    for (int c = 0; c < C; c++)
        for (int y = 0; y < b.h; y++)
            memcpy(out + ((size_t)c * b.h + y) * b.w, pix + ((size_t)c * H + b.y + y) * W + b.x, sizeof(float) * b.w);
}

static we_status run_box(we_fa_net *net, float *out, const float *pix, int C, int H, int W, we_fa_box b)
{
    if (b.w < 1 || b.h < 1) return we_err_set(WE_EDATA, "aligned face box is empty (landmarks outside the image)");
    float *crop = malloc(sizeof(float) * (size_t)C * b.w * b.h);
    if (!crop) return we_err_set(WE_ENOMEM, "crop");
    we_fa_crop(crop, pix, C, H, W, b);
    we_status st = we_fa_run_pixels(net, out, crop, C, b.h, b.w);
    free(crop);
    return st;
}

we_status we_fa_analyse(we_fa_net *expr, we_fa_net *lm, we_fa_net *rec, we_fa_crop_mode mode,
                        const float *pix, int C, int H, int W, we_fa_result *r)
{
    we_status st = WE_OK;
    memset(r, 0, sizeof *r);
    if (mode == WE_FA_CROP_ALIGN && !lm) return we_err_set(WE_EUSAGE, "aligned crops need the landmark net");
    if (lm) {
        if ((st = we_fa_run_pixels(lm, r->lm, pix, C, H, W))) return st;
        r->have_lm = 1;
    }
    we_fa_box whole = {0, 0, W, H};
    if (expr) {
        we_fa_box b = mode == WE_FA_CROP_ALIGN ? we_fa_box_minbbox(r->lm, W, H) : whole;
        if ((st = run_box(expr, r->expr, pix, C, H, W, b))) return st;
        r->have_expr = 1;
    }
    if (rec) {
        we_fa_box b = mode == WE_FA_CROP_ALIGN ? we_fa_box_dlib(r->lm, W, H) : whole;
        if ((st = run_box(rec, r->id, pix, C, H, W, b))) return st;
        r->have_id = 1;
    }
    return WE_OK;
}

int we_fa_expr_top(const float *p)
{
    int k = 0;
    for (int i = 1; i < WE_FA_NCLASS; i++)
        if (p[i] > p[k]) k = i;
    return k;
}

int we_fa_expr_index(const char *label)
{
    if (!label) return -1;
    for (int i = 0; i < WE_FA_NCLASS; i++)
        if (!strcmp(label, we_fa_expr_vocab[i]) || !strcmp(label, we_fa_expr_names[i])) return i;
    return -1;
}

we_status we_fa_crop_parse(const char *s, we_fa_crop_mode *out)
{
    if (!strcmp(s, "whole")) *out = WE_FA_CROP_WHOLE;
    else if (!strcmp(s, "align")) *out = WE_FA_CROP_ALIGN;
    else return we_err_set(WE_EUSAGE, "option --crop: '%.32s' is not whole or align", s);
    return WE_OK;
}
