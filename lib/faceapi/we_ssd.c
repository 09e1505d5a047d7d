/* we_ssd.c - SSD MobileNet v1 weights and forward pass (we_ssd.h). */
#include "we_ssd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_faceapi.h"
#include "we_file.h"

#define NPAIR 13  /* depthwise-separable pairs of MobileNet v1 */
#define NPRED 8   /* extra feature convs of the prediction layer */
#define NBOX 6    /* box predictors */

/* A conv (k = 1 or 3) + bias, planar weights Co x Ci x k x k. */
typedef struct {
    int Ci, Co, k, stride;
    float *w, *b;
} conv;

/* A depthwise 3x3 with batch norm folded to y = a*x + b. */
typedef struct {
    int C, stride;
    float *w, *a, *b;
} dwconv;

struct we_ssd_net {
    conv c0;
    dwconv dw[NPAIR];
    conv pw[NPAIR];
    conv pred[NPRED];
    conv box[NBOX], cls[NBOX];
    float *anchors; /* WE_SSD_ANCHORS x 4 (Output/extra_dim) */
    /* scratch */
    float *buf[2], *col, *conv11, *feat[4], *enc, *logit, *enc_all, *logit_all;
};

static const int pred_ci[NPRED] = {1024, 256, 512, 128, 256, 128, 256, 64};
static const int pred_co[NPRED] = {256, 512, 128, 256, 128, 256, 64, 128};
static const int box_ci[NBOX] = {512, 1024, 512, 256, 256, 128};
static const int box_na[NBOX] = {3, 6, 6, 6, 6, 6}; /* anchors per cell */
static const int box_hw[NBOX] = {32, 16, 8, 4, 2, 1};

static const we_fa_tensor *get(const we_fa_weights *w, const char *name, int rank, int d0, int d1, int d2,
                               int d3)
{
    int s[4] = {d0, d1, d2, d3};
    return we_fa_weights_get(w, name, rank, s);
}

/* HWIO [k,k,Ci,Co] -> Co x Ci x k x k. */
static float *repack(const float *src, int k, int Ci, int Co)
{
    float *d = malloc(sizeof(float) * (size_t)k * k * Ci * Co);
    if (!d) return NULL;
    for (int co = 0; co < Co; co++)
        for (int ci = 0; ci < Ci; ci++)
            for (int t = 0; t < k * k; t++)
                d[((size_t)co * Ci + ci) * k * k + t] = src[((size_t)t * Ci + ci) * Co + co];
    return d;
}

static float *dup(const float *s, size_t n)
{
    float *d = malloc(sizeof(float) * n);
    if (d) memcpy(d, s, sizeof(float) * n);
    return d;
}

static we_status load_conv(conv *c, const we_fa_weights *w, const char *wname, const char *bname, int k,
                           int Ci, int Co, int stride)
{
    const we_fa_tensor *tw = get(w, wname, 4, k, k, Ci, Co), *tb = get(w, bname, 1, Co, 0, 0, 0);
    if (!tw || !tb) return WE_EDATA;
    c->Ci = Ci;
    c->Co = Co;
    c->k = k;
    c->stride = stride;
    c->w = repack(tw->data, k, Ci, Co);
    c->b = dup(tb->data, (size_t)Co);
    if (!c->w || !c->b) return we_err_set(WE_ENOMEM, "out of memory (ssd weights)");
    return WE_OK;
}

static we_status load_dw(dwconv *d, const we_fa_weights *w, int idx, int C, int stride)
{
    char n[5][96];
    const char *suf[5] = {"depthwise_weights", "BatchNorm/gamma", "BatchNorm/beta", "BatchNorm/moving_mean",
                          "BatchNorm/moving_variance"};
    const we_fa_tensor *t[5];
    for (int i = 0; i < 5; i++) {
        snprintf(n[i], sizeof n[i], "MobilenetV1/Conv2d_%d_depthwise/%s", idx, suf[i]);
        t[i] = i == 0 ? get(w, n[i], 4, 3, 3, C, 1) : get(w, n[i], 1, C, 0, 0, 0);
        if (!t[i]) return WE_EDATA;
    }
    d->C = C;
    d->stride = stride;
    d->w = repack(t[0]->data, 3, C, 1); /* [3,3,C,1] -> C x 9 */
    d->a = malloc(sizeof(float) * C);
    d->b = malloc(sizeof(float) * C);
    if (!d->w || !d->a || !d->b) return we_err_set(WE_ENOMEM, "out of memory (ssd weights)");
    const float eps = 0.0010000000474974513f; /* face-api's batch-norm epsilon */
    for (int c = 0; c < C; c++) {
        float a = t[1]->data[c] / sqrtf(t[4]->data[c] + eps);
        d->a[c] = a;
        d->b[c] = t[2]->data[c] - t[3]->data[c] * a;
    }
    return WE_OK;
}

static void conv_free(conv *c) { free(c->w); free(c->b); }

void we_ssd_free(we_ssd_net *n)
{
    if (!n) return;
    conv_free(&n->c0);
    for (int i = 0; i < NPAIR; i++) {
        free(n->dw[i].w); free(n->dw[i].a); free(n->dw[i].b);
        conv_free(&n->pw[i]);
    }
    for (int i = 0; i < NPRED; i++) conv_free(&n->pred[i]);
    for (int i = 0; i < NBOX; i++) { conv_free(&n->box[i]); conv_free(&n->cls[i]); }
    free(n->anchors);
    free(n->buf[0]); free(n->buf[1]); free(n->col); free(n->conv11);
    for (int i = 0; i < 4; i++) free(n->feat[i]);
    free(n->enc); free(n->logit); free(n->enc_all); free(n->logit_all);
    free(n);
}

static we_status load_all(we_ssd_net *n, const we_fa_weights *w)
{
    char a[96], b[96];
    we_status st;
    if ((st = load_conv(&n->c0, w, "MobilenetV1/Conv2d_0_pointwise/weights",
                        "MobilenetV1/Conv2d_0_pointwise/convolution_bn_offset", 3, 3, 32, 2)) != WE_OK)
        return st;
    static const int pw_co[NPAIR] = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
    int C = 32;
    for (int i = 0; i < NPAIR; i++) {
        int idx = i + 1, s = (idx == 2 || idx == 4 || idx == 6 || idx == 12) ? 2 : 1;
        if ((st = load_dw(&n->dw[i], w, idx, C, s)) != WE_OK) return st;
        snprintf(a, sizeof a, "MobilenetV1/Conv2d_%d_pointwise/weights", idx);
        snprintf(b, sizeof b, "MobilenetV1/Conv2d_%d_pointwise/convolution_bn_offset", idx);
        if ((st = load_conv(&n->pw[i], w, a, b, 1, C, pw_co[i], 1)) != WE_OK) return st;
        C = pw_co[i];
    }
    for (int i = 0; i < NPRED; i++) {
        snprintf(a, sizeof a, "Prediction/Conv2d_%d_pointwise/weights", i);
        snprintf(b, sizeof b, "Prediction/Conv2d_%d_pointwise/convolution_bn_offset", i);
        if ((st = load_conv(&n->pred[i], w, a, b, i % 2 ? 3 : 1, pred_ci[i], pred_co[i], i % 2 ? 2 : 1)) != WE_OK)
            return st;
    }
    for (int i = 0; i < NBOX; i++) {
        snprintf(a, sizeof a, "Prediction/BoxPredictor_%d/BoxEncodingPredictor/weights", i);
        snprintf(b, sizeof b, "Prediction/BoxPredictor_%d/BoxEncodingPredictor/biases", i);
        if ((st = load_conv(&n->box[i], w, a, b, 1, box_ci[i], 4 * box_na[i], 1)) != WE_OK) return st;
        snprintf(a, sizeof a, "Prediction/BoxPredictor_%d/ClassPredictor/weights", i);
        snprintf(b, sizeof b, "Prediction/BoxPredictor_%d/ClassPredictor/biases", i);
        if ((st = load_conv(&n->cls[i], w, a, b, 1, box_ci[i], 3 * box_na[i], 1)) != WE_OK) return st;
    }
    const we_fa_tensor *an = get(w, "Output/extra_dim", 3, 1, WE_SSD_ANCHORS, 4, 0);
    if (!an) return WE_EDATA;
    if (!(n->anchors = dup(an->data, (size_t)WE_SSD_ANCHORS * 4)))
        return we_err_set(WE_ENOMEM, "out of memory (ssd anchors)");
    /* Scratch: the largest activation is 64 x 256 x 256; col serves the
     * k x k convs: conv 0 on the input and the stride-2 predictor convs. */
    size_t big = (size_t)64 * 256 * 256, ncol = 0;
    for (int i = -1; i < 4; i++) {
        const conv *c = i < 0 ? &n->c0 : &n->pred[2 * i + 1];
        int H = i < 0 ? WE_SSD_SIZE : box_hw[i + 1], oh, pt;
        we_fa_same_pad(H, c->k, c->stride, &oh, &pt);
        size_t sz = we_fa_conv_scratch_size(c->Ci, H, H, c->Co, c->k, c->stride, pt, pt, oh, oh);
        if (sz > ncol) ncol = sz;
    }
    n->buf[0] = malloc(sizeof(float) * big);
    n->buf[1] = malloc(sizeof(float) * big);
    n->col = malloc(sizeof(float) * ncol);
    n->conv11 = malloc(sizeof(float) * 512 * 32 * 32);
    for (int i = 0; i < 4; i++) n->feat[i] = malloc(sizeof(float) * (size_t)pred_co[2 * i + 1] * box_hw[i + 2] * box_hw[i + 2]);
    n->enc = malloc(sizeof(float) * 24 * 32 * 32);
    n->logit = malloc(sizeof(float) * 18 * 32 * 32);
    n->enc_all = malloc(sizeof(float) * WE_SSD_ANCHORS * 4);
    n->logit_all = malloc(sizeof(float) * WE_SSD_ANCHORS * 3);
    if (!n->enc_all || !n->logit_all ||
        !n->buf[0] || !n->buf[1] || !n->col || !n->conv11 || !n->feat[0] || !n->feat[1] || !n->feat[2] ||
        !n->feat[3] || !n->enc || !n->logit)
        return we_err_set(WE_ENOMEM, "out of memory (ssd buffers)");
    return WE_OK;
}

we_status we_ssd_load(we_ssd_net **net, const char *dir)
{
    *net = NULL;
    we_fa_weights w;
    we_status st = we_fa_weights_load(dir ? dir : we_fa_model_dir(), "ssd_mobilenetv1_model", &w);
    if (st != WE_OK) return st;
    we_ssd_net *n = calloc(1, sizeof *n);
    if (!n) {
        we_fa_weights_free(&w);
        return we_err_set(WE_ENOMEM, "out of memory (ssd net)");
    }
    st = load_all(n, &w);
    we_fa_weights_free(&w);
    if (st != WE_OK) {
        we_ssd_free(n);
        return st;
    }
    *net = n;
    return WE_OK;
}

static void clip6(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = x[i] < 0 ? 0 : x[i] > 6 ? 6 : x[i];
}

/* conv + bias ('same' padding), then ReLU6 if relu6. in: Ci x H x W. */
static void conv_run(float *out, float *col, const float *in, const conv *c, int H, int W, int relu6, int *OH,
                     int *OW)
{
    int oh, ow, pt, pl;
    we_fa_same_pad(H, c->k, c->stride, &oh, &pt);
    we_fa_same_pad(W, c->k, c->stride, &ow, &pl);
    if (c->k == 1 && c->stride == 1)
        we_fa_pw_forward(out, in, c->w, c->b, c->Ci, H * W, c->Co);
    else
        we_fa_conv_forward(out, col, in, c->w, c->b, c->Ci, H, W, c->Co, c->k, c->stride, pt, pl, oh, ow);
    if (relu6) clip6(out, (size_t)c->Co * oh * ow);
    *OH = oh;
    *OW = ow;
}

static void dw_run(float *out, const float *in, const dwconv *d, int H, int W, int *OH, int *OW)
{
    int oh, ow, pt, pl;
    we_fa_same_pad(H, 3, d->stride, &oh, &pt);
    we_fa_same_pad(W, 3, d->stride, &ow, &pl);
    we_fa_dw_forward(out, in, d->w, d->C, H, W, d->stride, pt, pl, oh, ow);
    size_t P = (size_t)oh * ow;
    for (int c = 0; c < d->C; c++) {
        float a = d->a[c], b = d->b[c], *o = out + c * P;
        for (size_t i = 0; i < P; i++) {
            float v = a * o[i] + b;
            o[i] = v < 0 ? 0 : v > 6 ? 6 : v;
        }
    }
    *OH = oh;
    *OW = ow;
}

/* Box predictor i on feature map f (Ci x hw x hw): encodings and class
 * logits of its anchors, written from anchor index a0 on. */
static void predict(we_ssd_net *n, int i, const float *f, int a0, float *enc4, float *logit3)
{
    int hw = box_hw[i], P = hw * hw, na = box_na[i];
    we_fa_pw_forward(n->enc, f, n->box[i].w, n->box[i].b, box_ci[i], P, 4 * na);
    we_fa_pw_forward(n->logit, f, n->cls[i].w, n->cls[i].b, box_ci[i], P, 3 * na);
    /* NHWC [hw, hw, na*4] reshaped to [-1, 4]: anchor = cell*na + a. */
    for (int p = 0; p < P; p++)
        for (int a = 0; a < na; a++) {
            int ai = a0 + p * na + a;
            for (int j = 0; j < 4; j++) enc4[(size_t)ai * 4 + j] = n->enc[(size_t)(a * 4 + j) * P + p];
            for (int j = 0; j < 3; j++) logit3[(size_t)ai * 3 + j] = n->logit[(size_t)(a * 3 + j) * P + p];
        }
}

we_status we_ssd_forward(we_ssd_net *n, float *boxes, float *scores, const float *inp)
{
    int H = WE_SSD_SIZE, W = WE_SSD_SIZE, oh, ow;
    float *x = n->buf[0], *y = n->buf[1];
    conv_run(x, n->col, inp, &n->c0, H, W, 1, &H, &W);
    for (int i = 0; i < NPAIR; i++) {
        dw_run(y, x, &n->dw[i], H, W, &oh, &ow);
        H = oh;
        W = ow;
        conv_run(x, n->col, y, &n->pw[i], H, W, 1, &H, &W);
        if (i + 1 == 11) memcpy(n->conv11, x, sizeof(float) * (size_t)512 * H * W);
    }
    /* x: 1024 x 16 x 16. Extra feature maps. */
    float *enc = n->enc_all, *logit = n->logit_all;
    int a0 = 0;
    predict(n, 0, n->conv11, a0, enc, logit);
    a0 += 3 * 32 * 32;
    predict(n, 1, x, a0, enc, logit);
    a0 += 6 * 16 * 16;
    const float *cur = x;
    int ch = H, cw = W;
    for (int i = 0; i < 4; i++) {
        conv_run(y, n->col, cur, &n->pred[2 * i], ch, cw, 1, &oh, &ow);
        conv_run(n->feat[i], n->col, y, &n->pred[2 * i + 1], oh, ow, 1, &ch, &cw);
        cur = n->feat[i];
        predict(n, i + 2, cur, a0, enc, logit);
        a0 += 6 * ch * cw;
    }
    /* Decode against the anchors [ymin, xmin, ymax, xmax]. */
    for (int a = 0; a < WE_SSD_ANCHORS; a++) {
        const float *an = n->anchors + (size_t)a * 4, *e = enc + (size_t)a * 4;
        float sy = an[2] - an[0], sx = an[3] - an[1];
        float cy = an[0] + sy / 2, cx = an[1] + sx / 2;
        float hy = expf(e[2] / 5) * sy / 2, hx = expf(e[3] / 5) * sx / 2;
        float my = e[0] / 10 * sy + cy, mx = e[1] / 10 * sx + cx;
        float *b = boxes + (size_t)a * 4;
        b[0] = my - hy;
        b[1] = mx - hx;
        b[2] = my + hy;
        b[3] = mx + hx;
        scores[a] = 1.0f / (1.0f + expf(-logit[(size_t)a * 3 + 1]));
    }
    return WE_OK;
}
