/* we_fexpr.c - the expression classifier and its valence/arousal read-out
 * (see we_fexpr.h). */
#include "we_fexpr.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "we_color.h"
#include "we_file.h"
#include "we_layout_image.h"
#include "we_nn.h"
#include "we_pixel.h"
#include "we_safetensors.h"

/* Warriner, Kuperman & Brysbaert (2013) V.Mean.Sum / A.Mean.Sum of the
 * words neutral 5.50/3.45, happy 8.47/6.05, sad 2.10/3.49, surprise
 * 7.44/6.57, fear 2.93/6.14, disgust 3.32/5.00, anger 2.50/5.93, contempt
 * 3.22/4.61, each (x - 5) / 4. */
#define VA_(v, a) {((v) - 5.0f) / 4.0f, ((a) - 5.0f) / 4.0f}
const float we_fexpr_va_table[WE_FEXPR_NCLASS][2] = {
    VA_(5.50f, 3.45f), VA_(8.47f, 6.05f), VA_(2.10f, 3.49f), VA_(7.44f, 6.57f),
    VA_(2.93f, 6.14f), VA_(3.32f, 5.00f), VA_(2.50f, 5.93f), VA_(3.22f, 4.61f),
};

static const int ch_[WE_FEXPR_NBLOCK + 1] = {1, 16, 32, 48, 48, 96, 96, 128};
static const int st_[WE_FEXPR_NBLOCK] = {2, 1, 2, 1, 2, 1, 2};

void we_fexpr_block(int l, int *cin, int *hin, int *cout, int *hout, int *stride)
{
    int h = WE_FEXPR_S;
    for (int i = 0; i < l; i++) h /= st_[i];
    *cin = ch_[l];
    *cout = ch_[l + 1];
    *hin = h;
    *stride = st_[l];
    *hout = h / st_[l];
}

static we_conv2d_dims dims_of(int l, int N)
{
    int ci, hi, co, ho, s;
    we_fexpr_block(l, &ci, &hi, &co, &ho, &s);
    we_conv2d_dims d = {N, ci, hi, hi, co, 3, s, 1, 1};
    return d;
}

void we_fexpr_free(we_fexpr *net)
{
    free(net->params);
    free(net->grads);
    for (int l = 0; l < WE_FEXPR_NBLOCK; l++) {
        free(net->conv[l]);
        free(net->norm[l]);
        free(net->act[l]);
        free(net->mean[l]);
        free(net->rstd[l]);
    }
    free(net->scratch);
    free(net->d0);
    free(net->d1);
    free(net->d2);
    memset(net, 0, sizeof *net);
}

/* splitmix64: the init's only randomness (no dependency on a layer above). */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void uniform_fill(float *p, size_t n, float bound, uint64_t *s)
{
    for (size_t i = 0; i < n; i++) p[i] = (float)(((double)(mix(s) >> 11) / 9007199254740992.0 * 2 - 1) * bound);
}

we_status we_fexpr_new(we_fexpr *net, int maxN, int with_grads, uint64_t seed)
{
    memset(net, 0, sizeof *net);
    if (maxN < 1) return we_err_set(WE_EUSAGE, "fexpr: batch %d < 1", maxN);
    net->maxN = maxN;
    size_t P = 0, scr = 0, big = 0;
    for (int l = 0; l < WE_FEXPR_NBLOCK; l++) {
        int ci, hi, co, ho, s;
        we_fexpr_block(l, &ci, &hi, &co, &ho, &s);
        net->off_cw[l] = P, P += (size_t)co * ci * 9;
        net->off_cb[l] = P, P += (size_t)co;
        net->off_gw[l] = P, P += (size_t)co;
        net->off_gb[l] = P, P += (size_t)co;
        size_t a = (size_t)maxN * co * ho * ho;
        net->conv[l] = malloc(sizeof(float) * a);
        net->norm[l] = malloc(sizeof(float) * a);
        net->act[l] = malloc(sizeof(float) * a);
        net->mean[l] = malloc(sizeof(float) * (size_t)maxN * WE_FEXPR_GROUPS);
        net->rstd[l] = malloc(sizeof(float) * (size_t)maxN * WE_FEXPR_GROUPS);
        if (!net->conv[l] || !net->norm[l] || !net->act[l] || !net->mean[l] || !net->rstd[l]) goto oom;
        we_conv2d_dims d = dims_of(l, maxN);
        size_t sc = we_nn_conv2d_scratch_size(&d);
        scr = sc > scr ? sc : scr;
        big = a > big ? a : big;
    }
    net->off_fcw = P, P += (size_t)WE_FEXPR_NCLASS * WE_FEXPR_FEAT;
    net->off_fcb = P, P += WE_FEXPR_NCLASS;
    net->nparams = P;
    net->params = malloc(sizeof(float) * P);
    net->grads = with_grads ? calloc(P, sizeof(float)) : NULL;
    net->scratch = malloc(sizeof(float) * (scr ? scr : 1));
    net->d0 = malloc(sizeof(float) * big);
    net->d1 = malloc(sizeof(float) * big);
    net->d2 = malloc(sizeof(float) * big);
    if (!net->params || (with_grads && !net->grads) || !net->scratch || !net->d0 || !net->d1 || !net->d2) goto oom;
    uint64_t rs = seed;
    for (int l = 0; l < WE_FEXPR_NBLOCK; l++) {
        int ci = ch_[l], co = ch_[l + 1];
        float b = 1.0f / sqrtf((float)ci * 9);
        uniform_fill(net->params + net->off_cw[l], (size_t)co * ci * 9, b, &rs);
        uniform_fill(net->params + net->off_cb[l], (size_t)co, b, &rs);
        for (int c = 0; c < co; c++) {
            net->params[net->off_gw[l] + c] = 1;
            net->params[net->off_gb[l] + c] = 0;
        }
    }
    float b = 1.0f / sqrtf((float)WE_FEXPR_FEAT);
    uniform_fill(net->params + net->off_fcw, (size_t)WE_FEXPR_NCLASS * WE_FEXPR_FEAT, b, &rs);
    uniform_fill(net->params + net->off_fcb, WE_FEXPR_NCLASS, b, &rs);
    return WE_OK;
oom:
    we_fexpr_free(net);
    return we_err_set(WE_ENOMEM, "fexpr: out of memory for a batch of %d", maxN);
}

void we_fexpr_path(char *buf, size_t cap, const char *request)
{
    we_file_find_data(buf, cap, request, "WE_FEXPR", WE_FEXPR_INSTALLED, WE_FEXPR_DEFAULT);
}

/* name and shape of every tensor, in file order */
typedef struct {
    char name[32];
    int rank;
    int64_t shape[4];
    size_t off;
} tinfo;

static int tensors(const we_fexpr *net, tinfo *t)
{
    int n = 0;
    for (int l = 0; l < WE_FEXPR_NBLOCK; l++) {
        int ci = ch_[l], co = ch_[l + 1];
        t[n] = (tinfo){"", 4, {co, ci, 3, 3}, net->off_cw[l]};
        snprintf(t[n++].name, 32, "conv%d.weight", l);
        t[n] = (tinfo){"", 1, {co}, net->off_cb[l]};
        snprintf(t[n++].name, 32, "conv%d.bias", l);
        t[n] = (tinfo){"", 1, {co}, net->off_gw[l]};
        snprintf(t[n++].name, 32, "norm%d.weight", l);
        t[n] = (tinfo){"", 1, {co}, net->off_gb[l]};
        snprintf(t[n++].name, 32, "norm%d.bias", l);
    }
    t[n++] = (tinfo){"fc.weight", 2, {WE_FEXPR_NCLASS, WE_FEXPR_FEAT}, net->off_fcw};
    t[n++] = (tinfo){"fc.bias", 1, {WE_FEXPR_NCLASS}, net->off_fcb};
    return n;
}

static size_t tcount(const tinfo *t)
{
    size_t c = 1;
    for (int i = 0; i < t->rank; i++) c *= (size_t)t->shape[i];
    return c;
}

we_status we_fexpr_load(we_fexpr *net, const char *path, int maxN, int with_grads)
{
    char p[PATH_MAX];
    we_fexpr_path(p, sizeof p, path);
    if (access(p, R_OK) != 0)
        return we_err_set(WE_ENOINPUT, "expression classifier %s not found (make it with pipelines/classifier.mk, "
                          "or set WE_FEXPR)", p);
    we_st_file f;
    we_status s = we_st_read(&f, p);
    if (s) return s;
    if ((s = we_fexpr_new(net, maxN, with_grads, 1))) {
        we_st_free(&f);
        return s;
    }
    tinfo t[4 * WE_FEXPR_NBLOCK + 2];
    int n = tensors(net, t);
    for (int i = 0; i < n && !s; i++)
        s = we_st_get_f32(&f, t[i].name, net->params + t[i].off, tcount(&t[i]), t[i].rank, t[i].shape);
    we_st_free(&f);
    if (s) {
        char d[300];
        snprintf(d, sizeof d, "%s", we_err_detail());
        we_fexpr_free(net);
        return we_err_set(WE_EDATA, "%s: %s", p, d);
    }
    return WE_OK;
}

we_status we_fexpr_save(const we_fexpr *net, const char *path, const char *const *meta, int nmeta)
{
    tinfo t[4 * WE_FEXPR_NBLOCK + 2];
    int n = tensors(net, t);
    we_st_writer w;
    we_st_writer_init(&w);
    we_status s = we_st_writer_meta(&w, "fexpr.arch", "cnn7-64");
    for (int i = 0; i < nmeta && !s; i++) s = we_st_writer_meta(&w, meta[2 * i], meta[2 * i + 1]);
    for (int i = 0; i < n && !s; i++)
        s = we_st_writer_add(&w, t[i].name, WE_ST_F32, t[i].rank, t[i].shape, net->params + t[i].off);
    if (!s) s = we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    return s;
}

void we_fexpr_forward(we_fexpr *net, float *logits, const float *x, int N)
{
    const float *P = net->params;
    const float *in = x;
    for (int l = 0; l < WE_FEXPR_NBLOCK; l++) {
        we_conv2d_dims d = dims_of(l, N);
        int co = d.Cout, hw = we_conv2d_out_h(&d) * we_conv2d_out_w(&d);
        we_nn_conv2d_forward(net->conv[l], net->scratch, in, P + net->off_cw[l], P + net->off_cb[l], &d);
        we_nn_groupnorm_forward(net->norm[l], net->mean[l], net->rstd[l], net->conv[l], P + net->off_gw[l],
                                P + net->off_gb[l], N, co, hw, WE_FEXPR_GROUPS, 1e-5f);
        we_nn_silu_forward(net->act[l], net->norm[l], (size_t)N * co * hw);
        in = net->act[l];
    }
    we_nn_linear_forward(logits, in, P + net->off_fcw, P + net->off_fcb, N, WE_FEXPR_FEAT, WE_FEXPR_NCLASS);
    net->inp = x;
    net->lastN = N;
}

void we_fexpr_backward(we_fexpr *net, float *dx, const float *dlogits)
{
    const float *P = net->params;
    float *G = net->grads;
    int N = net->lastN, L = WE_FEXPR_NBLOCK;
    float *dact = net->d0, *dnorm = net->d1, *dconv = net->d2;
    memset(dact, 0, sizeof(float) * (size_t)N * WE_FEXPR_FEAT);
    we_nn_linear_backward(dact, G ? G + net->off_fcw : NULL, G ? G + net->off_fcb : NULL, dlogits, net->act[L - 1],
                          P + net->off_fcw, N, WE_FEXPR_FEAT, WE_FEXPR_NCLASS);
    for (int l = L - 1; l >= 0; l--) {
        we_conv2d_dims d = dims_of(l, N);
        int co = d.Cout, hw = we_conv2d_out_h(&d) * we_conv2d_out_w(&d);
        size_t n = (size_t)N * co * hw;
        memset(dnorm, 0, sizeof(float) * n);
        we_nn_silu_backward(dnorm, dact, net->norm[l], n);
        memset(dconv, 0, sizeof(float) * n);
        we_nn_groupnorm_backward(dconv, G ? G + net->off_gw[l] : NULL, G ? G + net->off_gb[l] : NULL, dnorm,
                                 net->conv[l], P + net->off_gw[l], net->mean[l], net->rstd[l], N, co, hw,
                                 WE_FEXPR_GROUPS);
        const float *in = l ? net->act[l - 1] : net->inp;
        float *din = l ? dnorm : dx; /* dnorm is free again */
        if (l) memset(din, 0, sizeof(float) * (size_t)N * d.Cin * d.H * d.W);
        if (din || G)
            we_nn_conv2d_backward(din, G ? G + net->off_cw[l] : NULL, G ? G + net->off_cb[l] : NULL, net->scratch,
                                  dconv, in, P + net->off_cw[l], &d);
        float *tmp = dact;
        dact = din ? din : dact;
        dnorm = tmp;
    }
}

void we_fexpr_softmax(float *p, const float *logits)
{
    double mx = logits[0], se = 0;
    for (int j = 1; j < WE_FEXPR_NCLASS; j++) mx = logits[j] > mx ? logits[j] : mx;
    for (int j = 0; j < WE_FEXPR_NCLASS; j++) se += exp(logits[j] - mx);
    for (int j = 0; j < WE_FEXPR_NCLASS; j++) p[j] = (float)(exp(logits[j] - mx) / se);
}

float we_fexpr_xent(const float *logits, int k, float scale, float *dlogits)
{
    double mx = logits[0], se = 0;
    for (int j = 1; j < WE_FEXPR_NCLASS; j++) mx = logits[j] > mx ? logits[j] : mx;
    for (int j = 0; j < WE_FEXPR_NCLASS; j++) se += exp(logits[j] - mx);
    if (dlogits)
        for (int j = 0; j < WE_FEXPR_NCLASS; j++)
            dlogits[j] += (float)(scale * (exp(logits[j] - mx) / se - (j == k)));
    return (float)(mx + log(se) - logits[k]);
}

void we_fexpr_va_named(float *va, const float *p, const char *const *names, int n)
{
    double v = 0, a = 0, tot = 0;
    for (int k = 0; k < n; k++) {
        int e = we_emotion_id(names[k]);
        if (e < 0 || e >= WE_FEXPR_NCLASS) continue;
        v += (double)p[k] * we_fexpr_va_table[e][0];
        a += (double)p[k] * we_fexpr_va_table[e][1];
        tot += p[k];
    }
    va[0] = tot > 0 ? (float)(v / tot) : 0.0f;
    va[1] = tot > 0 ? (float)(a / tot) : 0.0f;
}

void we_fexpr_va(float *va, const float *logits)
{
    float p[WE_FEXPR_NCLASS];
    we_fexpr_softmax(p, logits);
    double v = 0, a = 0;
    for (int k = 0; k < WE_FEXPR_NCLASS; k++) {
        v += (double)p[k] * we_fexpr_va_table[k][0];
        a += (double)p[k] * we_fexpr_va_table[k][1];
    }
    va[0] = (float)v;
    va[1] = (float)a;
}

float we_fexpr_va_loss(const float *logits, const float *target, float scale, float *dlogits)
{
    float p[WE_FEXPR_NCLASS], va[2];
    we_fexpr_softmax(p, logits);
    we_fexpr_va(va, logits);
    double e0 = (double)va[0] - target[0], e1 = (double)va[1] - target[1];
    if (dlogits) {
        /* d loss / d p_k = 2 (e . table_k); softmax: dz_j = p_j (g_j - sum_k p_k g_k) */
        double g[WE_FEXPR_NCLASS], pg = 0;
        for (int k = 0; k < WE_FEXPR_NCLASS; k++) {
            g[k] = 2 * (e0 * we_fexpr_va_table[k][0] + e1 * we_fexpr_va_table[k][1]);
            pg += p[k] * g[k];
        }
        for (int j = 0; j < WE_FEXPR_NCLASS; j++) dlogits[j] += (float)(scale * p[j] * (g[j] - pg));
    }
    return (float)(e0 * e0 + e1 * e1);
}

static we_status check_prep(int C, int S)
{
    if (C != 1 && C != 3) return we_err_set(WE_EUSAGE, "fexpr: face must have 1 or 3 channels, not %d", C);
    if (S < 1 || (S % WE_FEXPR_S && WE_FEXPR_S % S))
        return we_err_set(WE_EUSAGE, "fexpr: face size %d is not a multiple or a divisor of %d", S, WE_FEXPR_S);
    return WE_OK;
}

static float luma_at(const float *img, int C, size_t P, size_t i)
{
    return C == 1 ? img[i] : we_color_luma_f(img[i], img[P + i], img[2 * P + i]);
}

we_status we_fexpr_prep_forward(float *x, const float *img, int C, int S)
{
    we_status s = check_prep(C, S);
    if (s) return s;
    size_t P = (size_t)S * S;
    if (S < WE_FEXPR_S) { /* replicate each pixel u x u times */
        int u = WE_FEXPR_S / S;
        for (int y = 0; y < WE_FEXPR_S; y++)
            for (int xo = 0; xo < WE_FEXPR_S; xo++)
                x[y * WE_FEXPR_S + xo] = luma_at(img, C, P, (size_t)(y / u) * S + (size_t)(xo / u));
        return WE_OK;
    }
    int f = S / WE_FEXPR_S;
    float inv = 1.0f / (float)(f * f);
    for (int y = 0; y < WE_FEXPR_S; y++)
        for (int xo = 0; xo < WE_FEXPR_S; xo++) {
            float acc = 0;
            for (int dy = 0; dy < f; dy++)
                for (int dx = 0; dx < f; dx++)
                    acc += luma_at(img, C, P, (size_t)(y * f + dy) * S + (size_t)(xo * f + dx));
            x[y * WE_FEXPR_S + xo] = acc * inv;
        }
    return WE_OK;
}

we_status we_fexpr_prep_backward(float *dimg, const float *dx, int C, int S)
{
    we_status s = check_prep(C, S);
    if (s) return s;
    size_t P = (size_t)S * S;
    static const float w[3] = {(float)WE_COLOR_KR, (float)WE_COLOR_KG, (float)WE_COLOR_KB};
    int up = S < WE_FEXPR_S, f = up ? WE_FEXPR_S / S : S / WE_FEXPR_S;
    float inv = up ? 1.0f : 1.0f / (float)(f * f);
    /* iterate over the input grid (down) or the output grid (up): each
     * output pixel feeds exactly one input pixel or vice versa */
    int G = up ? WE_FEXPR_S : S;
    for (int y = 0; y < G; y++)
        for (int xi = 0; xi < G; xi++) {
            size_t i = up ? (size_t)(y / f) * S + (size_t)(xi / f) : (size_t)y * S + (size_t)xi;
            float g = (up ? dx[y * WE_FEXPR_S + xi] : dx[(y / f) * WE_FEXPR_S + xi / f]) * inv;
            if (C == 1) dimg[i] += g;
            else
                for (int c = 0; c < 3; c++) dimg[c * P + i] += w[c] * g;
        }
    return WE_OK;
}

we_status we_fexpr_prep_any(float *x, const float *img, int C, int S)
{
    if (S >= 1 && (S % WE_FEXPR_S == 0 || WE_FEXPR_S % S == 0)) return we_fexpr_prep_forward(x, img, C, S);
    if (C != 1 && C != 3) return we_err_set(WE_EUSAGE, "fexpr: face must have 1 or 3 channels, not %d", C);
    if (S < 2) return we_err_set(WE_EUSAGE, "fexpr: face size %d too small", S);
    size_t P = (size_t)S * S;
    float sc = (float)S / WE_FEXPR_S;
    for (int y = 0; y < WE_FEXPR_S; y++)
        for (int xo = 0; xo < WE_FEXPR_S; xo++) {
            float sy = (y + 0.5f) * sc - 0.5f, sx = (xo + 0.5f) * sc - 0.5f;
            sy = sy < 0 ? 0 : sy > S - 1 ? (float)(S - 1) : sy;
            sx = sx < 0 ? 0 : sx > S - 1 ? (float)(S - 1) : sx;
            int y0 = (int)sy, x0 = (int)sx, y1 = y0 + 1 < S ? y0 + 1 : y0, x1 = x0 + 1 < S ? x0 + 1 : x0;
            float fy = sy - y0, fx = sx - x0, v[4];
            size_t id[4] = {(size_t)y0 * S + x0, (size_t)y0 * S + x1, (size_t)y1 * S + x0, (size_t)y1 * S + x1};
            for (int k = 0; k < 4; k++)
                v[k] = C == 1 ? img[id[k]] : we_color_luma_f(img[id[k]], img[P + id[k]], img[2 * P + id[k]]);
            x[y * WE_FEXPR_S + xo] =
                (1 - fy) * ((1 - fx) * v[0] + fx * v[1]) + fy * ((1 - fx) * v[2] + fx * v[3]);
        }
    return WE_OK;
}

we_status we_fexpr_input_frame(float *x, const we_frame *fr)
{
    we_image_layout L;
    we_status s = we_layout_image_read_face(fr, &L);
    if (s) return s;
    size_t n = (size_t)L.C * L.H * L.W;
    const float *img = fr->t.data;
    float *tmp = NULL;
    if (L.dtype == WE_U8) {
        const uint8_t *u = fr->t.data;
        if (!(tmp = malloc(sizeof(float) * n))) return we_err_set(WE_ENOMEM, "fexpr: out of memory");
        for (size_t i = 0; i < n; i++) tmp[i] = we_pixel_to_unit(u[i]);
        img = tmp;
    }
    s = we_fexpr_prep_any(x, img, L.C, L.H);
    free(tmp);
    return s;
}
