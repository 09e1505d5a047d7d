/* we_faceapi_nets.c - faceExpressionNet, faceLandmark68Net (dense-block
 * backbone, doc/design/faceapi.md 3-4.2) and faceRecognitionNet (dlib ResNet, 4.3):
 * weights repacked from HWIO to planar, forward with saved activations,
 * backward w.r.t. the prepared input. */
#include "we_faceapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_device.h"
#include "we_limits.h"
#include "we_faceapi_cuda.h"

/* Every op goes through OP(): the CPU reference, or its CUDA twin (same
 * arguments, device pointers) when the net lives on the GPU. */
#ifdef WE_HAVE_CUDA
#define OP(n, fn, ...) do { if ((n)->cuda) fn##_cuda(__VA_ARGS__); else fn(__VA_ARGS__); } while (0)
#else
#define OP(n, fn, ...) fn(__VA_ARGS__)
#endif

const char *const we_fa_expr_names[WE_FA_NCLASS] = {"neutral", "happy", "sad", "angry",
                                                    "fearful", "disgusted", "surprised"};
const char *const we_fa_expr_vocab[WE_FA_NCLASS] = {"neutral", "happy", "sad", "anger",
                                                    "fear", "disgust", "surprise"};

static const char *const model_file[WE_FA_NET_COUNT] = {"face_expression_model", "face_landmark_68_model",
                                                        "face_recognition_model"};

/* ---- a conv unit: plain conv (k x k) or depthwise-separable -------------- */
typedef struct {
    int sep;                /* 1: depthwise 3x3 + pointwise 1x1 */
    int Ci, Co, k, stride, H, W, OH, OW, pt, pl;
    float *w;               /* plain: Co x Ci x k x k; sep: pointwise Co x Ci */
    float *dw;              /* sep: Ci x 3 x 3 */
    float *b;               /* Co */
    float *sw, *sb;         /* recognition scale layer (Co each), or NULL */
} unit;

/* ---- dense block (backbone) ------------------------------------------------ */
typedef struct {
    unit u[4];
    float *p1, *a1, *s2, *s3, *s4, *out; /* saved, each Co x OH x OW */
} dblock;

/* ---- recognition residual block -------------------------------------------- */
typedef struct {
    int down;
    unit c1, c2;
    int ph;                  /* pooled size of the shortcut (down) */
    float *t1pre, *t1, *outpre, *out;
} rblock;

struct we_fa_net {
    we_fa_kind kind;
    int S, nout;
    /* backbone */
    dblock db[4];
    float *fcw, *fcb;
    int fcin, fcout;
    /* recognition */
    unit c0;
    float *c0pre, *c0out, *mp;
    int *mparg;
    rblock rb[15];
    int nrb;
    /* scratch */
    float *col, *t0, *t1, *t2, *g0, *g1, *g2;
    size_t colsz, bufsz;
    float *featp, *dfeat, *io, *oo; /* 256, 256, 3*S*S, 136: device-side I/O when cuda */
    int cuda;
};

/* Copy HWIO [k,k,Ci,Co] into Co x Ci x k x k. */
static float *repack_conv(const float *src, int k, int Ci, int Co)
{
    float *d = malloc(sizeof(float) * (size_t)k * k * Ci * Co);
    if (!d) return NULL;
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
            for (int ci = 0; ci < Ci; ci++)
                for (int co = 0; co < Co; co++)
                    d[(((size_t)co * Ci + ci) * k + ky) * k + kx] = src[(((size_t)ky * k + kx) * Ci + ci) * Co + co];
    return d;
}

static float *dupf(const float *s, size_t n)
{
    float *d = malloc(sizeof(float) * n);
    if (d) memcpy(d, s, sizeof(float) * n);
    return d;
}

static we_status get(const we_fa_weights *w, const char *name, int rank, int d0, int d1, int d2, int d3,
                     const float **out)
{
    int shape[4] = {d0, d1, d2, d3};
    const we_fa_tensor *t = we_fa_weights_get(w, name, rank, shape);
    if (!t) return WE_EDATA;
    *out = t->data;
    return WE_OK;
}

static void unit_geom(unit *u, int H, int W, int same)
{
    u->H = H;
    u->W = W;
    if (same) {
        we_fa_same_pad(H, u->k, u->stride, &u->OH, &u->pt);
        we_fa_same_pad(W, u->k, u->stride, &u->OW, &u->pl);
    } else {
        u->OH = (H - u->k) / u->stride + 1;
        u->OW = (W - u->k) / u->stride + 1;
        u->pt = u->pl = 0;
    }
}

/* Load a plain conv "<p>/filters" + "<p>/bias" (backbone) or the
 * recognition ConvLayer "<p>/conv/filters|bias" + "<p>/scale/weights|biases". */
static we_status load_plain(unit *u, const we_fa_weights *w, const char *p, int k, int Ci, int Co, int recog)
{
    char n[256];
    const float *f, *b, *sw, *sb;
    we_status st;
    snprintf(n, sizeof n, recog ? "%s/conv/filters" : "%s/filters", p);
    if ((st = get(w, n, 4, k, k, Ci, Co, &f))) return st;
    snprintf(n, sizeof n, recog ? "%s/conv/bias" : "%s/bias", p);
    if ((st = get(w, n, 1, Co, 0, 0, 0, &b))) return st;
    u->sep = 0;
    u->Ci = Ci;
    u->Co = Co;
    u->k = k;
    u->w = repack_conv(f, k, Ci, Co);
    u->b = dupf(b, (size_t)Co);
    if (!u->w || !u->b) return we_err_set(WE_ENOMEM, "weights of %s", p);
    if (recog) {
        snprintf(n, sizeof n, "%s/scale/weights", p);
        if ((st = get(w, n, 1, Co, 0, 0, 0, &sw))) return st;
        snprintf(n, sizeof n, "%s/scale/biases", p);
        if ((st = get(w, n, 1, Co, 0, 0, 0, &sb))) return st;
        u->sw = dupf(sw, (size_t)Co);
        u->sb = dupf(sb, (size_t)Co);
        if (!u->sw || !u->sb) return we_err_set(WE_ENOMEM, "weights of %s", p);
    }
    return WE_OK;
}

static we_status load_sep(unit *u, const we_fa_weights *w, const char *p, int Ci, int Co)
{
    char n[256];
    const float *dw, *pw, *b;
    we_status st;
    snprintf(n, sizeof n, "%s/depthwise_filter", p);
    if ((st = get(w, n, 4, 3, 3, Ci, 1, &dw))) return st;
    snprintf(n, sizeof n, "%s/pointwise_filter", p);
    if ((st = get(w, n, 4, 1, 1, Ci, Co, &pw))) return st;
    snprintf(n, sizeof n, "%s/bias", p);
    if ((st = get(w, n, 1, Co, 0, 0, 0, &b))) return st;
    u->sep = 1;
    u->Ci = Ci;
    u->Co = Co;
    u->k = 3;
    u->dw = repack_conv(dw, 3, Ci, 1); /* [3,3,Ci,1] -> 1 x Ci x 3 x 3 = Ci x 9 */
    u->w = repack_conv(pw, 1, Ci, Co);
    u->b = dupf(b, (size_t)Co);
    if (!u->dw || !u->w || !u->b) return we_err_set(WE_ENOMEM, "weights of %s", p);
    return WE_OK;
}

/* free() or cudaFree(), depending on where the net lives */
static void xfree(const we_fa_net *n, void *p)
{
#ifdef WE_HAVE_CUDA
    if (n->cuda) { we_fa_cuda_free(p); return; }
#endif
    (void)n;
    free(p);
}

static void unit_free(const we_fa_net *n, unit *u)
{
    xfree(n, u->w);
    xfree(n, u->dw);
    xfree(n, u->b);
    xfree(n, u->sw);
    xfree(n, u->sb);
}

/* CPU twins of the elementwise helpers in kernels/faceapi.cu */
static void we_fa_add(float *d, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++) d[i] = a[i] + b[i];
}
static void we_fa_acc(float *d, const float *s, size_t n)
{
    for (size_t i = 0; i < n; i++) d[i] += s[i];
}
static void we_fa_relu_copy(float *d, const float *s, size_t n)
{
    for (size_t i = 0; i < n; i++) d[i] = s[i] > 0 ? s[i] : 0;
}
static void we_fa_zero(float *d, size_t n) { memset(d, 0, sizeof(float) * n); }
static void we_fa_copy(float *d, const float *s, size_t n) { memcpy(d, s, sizeof(float) * n); }
static void we_fa_scale_forward(float *out, const float *sw, const float *sb, int C, int P)
{
    for (int c = 0; c < C; c++)
        for (int p = 0; p < P; p++) out[(size_t)c * P + p] = out[(size_t)c * P + p] * sw[c] + sb[c];
}
static void we_fa_scale_backward(float *d, const float *sw, int C, int P)
{
    for (int c = 0; c < C; c++)
        for (int p = 0; p < P; p++) d[(size_t)c * P + p] *= sw[c];
}
static void we_fa_down_combine(float *outpre, const float *pooled, const float *t, int Co, int Ci, int OH, int th)
{
    for (int c = 0; c < Co; c++)
        for (int y = 0; y < OH; y++)
            for (int x = 0; x < OH; x++) {
                float v = c < Ci ? pooled[((size_t)c * OH + y) * OH + x] : 0.0f;
                if (y < th && x < th) v += t[((size_t)c * th + y) * th + x];
                outpre[((size_t)c * OH + y) * OH + x] = v;
            }
}
static void we_fa_down_slice(float *dt, const float *d, int Co, int OH, int th)
{
    for (int c = 0; c < Co; c++)
        for (int y = 0; y < th; y++)
            for (int x = 0; x < th; x++) dt[((size_t)c * th + y) * th + x] = d[((size_t)c * OH + y) * OH + x];
}

/* out = unit(inp). Scratch: net->col (plain) or net->t0 (sep, Ci x OH x OW). */
static void unit_forward(we_fa_net *n, const unit *u, float *out, const float *inp)
{
    int P = u->OH * u->OW;
    if (u->sep) {
        OP(n, we_fa_dw_forward, n->t0, inp, u->dw, u->Ci, u->H, u->W, u->stride, u->pt, u->pl, u->OH, u->OW);
        OP(n, we_fa_pw_forward, out, n->t0, u->w, u->b, u->Ci, P, u->Co);
    } else {
        OP(n, we_fa_conv_forward, out, n->col, inp, u->w, u->b, u->Ci, u->H, u->W, u->Co, u->k, u->stride, u->pt,
           u->pl, u->OH, u->OW);
    }
    if (u->sw) OP(n, we_fa_scale_forward, out, u->sw, u->sb, u->Co, P);
}

/* dinp = unit^T(dout) (overwritten). dout is modified when the unit has a
 * scale layer (multiplied by the scale). Scratch: col / t0. */
static void unit_backward(we_fa_net *n, const unit *u, float *dinp, float *dout)
{
    int P = u->OH * u->OW;
    if (u->sw) OP(n, we_fa_scale_backward, dout, u->sw, u->Co, P);
    if (u->sep) {
        OP(n, we_fa_pw_backward, n->t0, dout, u->w, u->Ci, P, u->Co, 0);
        OP(n, we_fa_dw_backward, dinp, n->t0, u->dw, u->Ci, u->H, u->W, u->stride, u->pt, u->pl, u->OH, u->OW);
    } else {
        OP(n, we_fa_zero, dinp, (size_t)u->Ci * u->H * u->W);
        OP(n, we_fa_conv_backward_acc, dinp, n->col, dout, u->w, u->Ci, u->H, u->W, u->Co, u->k, u->stride, u->pt,
           u->pl, u->OH, u->OW);
    }
}

static size_t unit_colsz(const unit *u)
{
    if (u->sep) return 0;
    return we_fa_conv_scratch_size(u->Ci, u->H, u->W, u->Co, u->k, u->stride, u->pt, u->pl, u->OH, u->OW);
}

static size_t unit_bufsz(const unit *u)
{
    size_t a = (size_t)u->Ci * u->H * u->W, b = (size_t)u->Co * u->OH * u->OW;
    return a > b ? a : b;
}

static void track(we_fa_net *n, const unit *u)
{
    if (unit_colsz(u) > n->colsz) n->colsz = unit_colsz(u);
    if (unit_bufsz(u) > n->bufsz) n->bufsz = unit_bufsz(u);
}

static float *xalloc(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

/* ---- backbone ------------------------------------------------------------- */

static we_status load_backbone(we_fa_net *n, const we_fa_weights *w)
{
    static const int width[4] = {32, 64, 128, 256};
    int H = 112, Cin = 3;
    we_status st;
    for (int b = 0; b < 4; b++) {
        dblock *db = &n->db[b];
        int Co = width[b];
        char p[64];
        for (int m = 0; m < 4; m++) {
            unit *u = &db->u[m];
            snprintf(p, sizeof p, "dense%d/conv%d", b, m);
            if (b == 0 && m == 0) st = load_plain(u, w, p, 3, Cin, Co, 0);
            else st = load_sep(u, w, p, m == 0 ? Cin : Co, Co);
            if (st) return st;
            u->stride = m == 0 ? 2 : 1;
            unit_geom(u, m == 0 ? H : db->u[0].OH, m == 0 ? H : db->u[0].OW, 1);
            track(n, u);
        }
        size_t sz = (size_t)Co * db->u[0].OH * db->u[0].OW;
        db->p1 = xalloc(sz); db->a1 = xalloc(sz); db->s2 = xalloc(sz);
        db->s3 = xalloc(sz); db->s4 = xalloc(sz); db->out = xalloc(sz);
        if (!db->p1 || !db->a1 || !db->s2 || !db->s3 || !db->s4 || !db->out) return we_err_set(WE_ENOMEM, "activations");
        H = db->u[0].OH;
        Cin = Co;
    }
    return WE_OK;
}

static void dblock_forward(we_fa_net *n, dblock *db, const float *x)
{
    size_t sz = (size_t)db->u[0].Co * db->u[0].OH * db->u[0].OW;
    unit_forward(n, &db->u[0], db->p1, x);
    OP(n, we_fa_relu_copy, db->a1, db->p1, sz);
    unit_forward(n, &db->u[1], n->t1, db->a1);
    OP(n, we_fa_add, db->s2, db->a1, n->t1, sz);
    OP(n, we_fa_relu_copy, n->t2, db->s2, sz);
    unit_forward(n, &db->u[2], n->t1, n->t2);
    OP(n, we_fa_add, db->s3, db->s2, n->t1, sz);
    OP(n, we_fa_relu_copy, n->t2, db->s3, sz);
    unit_forward(n, &db->u[3], n->t1, n->t2);
    OP(n, we_fa_add, db->s4, db->s3, n->t1, sz);
    OP(n, we_fa_relu_copy, db->out, db->s4, sz);
}

/* g0 holds d(out) on entry (clobbered); dx (block input size) on exit. */
static void dblock_backward(we_fa_net *n, dblock *db, float *dx)
{
    size_t sz = (size_t)db->u[0].Co * db->u[0].OH * db->u[0].OW;
    float *ds = n->g0, *tmp = n->g1, *dd = n->g2;
    OP(n, we_fa_relu_backward, ds, db->s4, sz);          /* ds = ds4 */
    OP(n, we_fa_copy, dd, ds, sz);
    unit_backward(n, &db->u[3], tmp, dd);                /* conv3^T(ds4) */
    OP(n, we_fa_relu_backward, tmp, db->s3, sz);
    OP(n, we_fa_acc, ds, tmp, sz);                       /* ds3 */
    OP(n, we_fa_copy, dd, ds, sz);
    unit_backward(n, &db->u[2], tmp, dd);
    OP(n, we_fa_relu_backward, tmp, db->s2, sz);
    OP(n, we_fa_acc, ds, tmp, sz);                       /* ds2 */
    OP(n, we_fa_copy, dd, ds, sz);
    unit_backward(n, &db->u[1], tmp, dd);
    OP(n, we_fa_acc, ds, tmp, sz);                       /* da1 */
    OP(n, we_fa_relu_backward, ds, db->p1, sz);          /* dp1 */
    unit_backward(n, &db->u[0], dx, ds);
}

/* ---- recognition ---------------------------------------------------------- */

static we_status load_recog(we_fa_net *n, const we_fa_weights *w)
{
    we_status st;
    if ((st = load_plain(&n->c0, w, "conv32_down", 7, 3, 32, 1))) return st;
    n->c0.stride = 2;
    unit_geom(&n->c0, 150, 150, 0); /* 72 */
    track(n, &n->c0);
    int H = (n->c0.OH - 3) / 2 + 1; /* maxpool 3x3 s2 valid: 35 */
    size_t s0 = (size_t)32 * n->c0.OH * n->c0.OW;
    n->c0pre = xalloc(s0);
    n->c0out = xalloc(s0);
    n->mp = xalloc((size_t)32 * H * H);
    n->mparg = calloc((size_t)32 * H * H, sizeof(int));
    if (!n->c0pre || !n->c0out || !n->mp || !n->mparg) return we_err_set(WE_ENOMEM, "activations");
    if ((size_t)32 * n->c0.OH * n->c0.OW > n->bufsz) n->bufsz = s0;
    static const struct { const char *name; int down, Ci, Co; } L[] = {
        {"conv32_1", 0, 32, 32},       {"conv32_2", 0, 32, 32},       {"conv32_3", 0, 32, 32},
        {"conv64_down", 1, 32, 64},    {"conv64_1", 0, 64, 64},       {"conv64_2", 0, 64, 64},
        {"conv64_3", 0, 64, 64},       {"conv128_down", 1, 64, 128},  {"conv128_1", 0, 128, 128},
        {"conv128_2", 0, 128, 128},    {"conv256_down", 1, 128, 256}, {"conv256_1", 0, 256, 256},
        {"conv256_2", 0, 256, 256},    {"conv256_down_out", 1, 256, 256}};
    n->nrb = 14;
    for (int b = 0; b < n->nrb; b++) {
        rblock *r = &n->rb[b];
        char p[96];
        r->down = L[b].down;
        snprintf(p, sizeof p, "%s/conv1", L[b].name);
        if ((st = load_plain(&r->c1, w, p, 3, L[b].Ci, L[b].Co, 1))) return st;
        snprintf(p, sizeof p, "%s/conv2", L[b].name);
        if ((st = load_plain(&r->c2, w, p, 3, L[b].Co, L[b].Co, 1))) return st;
        r->c1.stride = r->down ? 2 : 1;
        r->c2.stride = 1;
        unit_geom(&r->c1, H, H, !r->down);
        unit_geom(&r->c2, r->c1.OH, r->c1.OW, 1);
        track(n, &r->c1);
        track(n, &r->c2);
        int OH = r->down ? (H - 2) / 2 + 1 : H; /* block output: the shortcut's size */
        r->ph = OH;
        size_t st1 = (size_t)L[b].Co * r->c1.OH * r->c1.OW, so = (size_t)L[b].Co * OH * OH;
        r->t1pre = xalloc(st1);
        r->t1 = xalloc(st1);
        r->outpre = xalloc(so);
        r->out = xalloc(so);
        if (!r->t1pre || !r->t1 || !r->outpre || !r->out) return we_err_set(WE_ENOMEM, "activations");
        if (so > n->bufsz) n->bufsz = so;
        H = OH;
    }
    return WE_OK;
}

static void rblock_forward(we_fa_net *n, rblock *r, const float *x)
{
    const unit *c1 = &r->c1, *c2 = &r->c2;
    int Co = c1->Co, Ci = c1->Ci, H = c1->H, OH = r->ph, th = c2->OH;
    unit_forward(n, c1, r->t1pre, x);
    OP(n, we_fa_relu_copy, r->t1, r->t1pre, (size_t)Co * c1->OH * c1->OW);
    unit_forward(n, c2, n->t1, r->t1);
    if (!r->down) {
        OP(n, we_fa_add, r->outpre, n->t1, x, (size_t)Co * H * H);
    } else {
        OP(n, we_fa_avgpool_forward, n->t2, x, Ci, H, H, 2, 2, OH, OH);
        OP(n, we_fa_down_combine, r->outpre, n->t2, n->t1, Co, Ci, OH, th);
    }
    OP(n, we_fa_relu_copy, r->out, r->outpre, (size_t)Co * OH * OH);
}

/* g0 holds d(out) (clobbered); dx (block input) on exit. */
static void rblock_backward(we_fa_net *n, rblock *r, float *dx)
{
    const unit *c1 = &r->c1, *c2 = &r->c2;
    int Co = c1->Co, Ci = c1->Ci, H = c1->H, OH = r->ph, th = c2->OH;
    float *d = n->g0, *dt = n->g1, *dt1 = n->g2;
    OP(n, we_fa_relu_backward, d, r->outpre, (size_t)Co * OH * OH);
    if (!r->down) OP(n, we_fa_copy, dt, d, (size_t)Co * th * th);
    else OP(n, we_fa_down_slice, dt, d, Co, OH, th);
    unit_backward(n, c2, dt1, dt);                  /* d t1 */
    OP(n, we_fa_relu_backward, dt1, r->t1pre, (size_t)Co * c1->OH * c1->OW);
    unit_backward(n, c1, dx, dt1);                  /* conv branch -> dx */
    if (!r->down) {
        OP(n, we_fa_acc, dx, d, (size_t)Ci * H * H);
    } else {
        /* shortcut: first Ci channels of d through the avgpool */
        OP(n, we_fa_avgpool_backward, dt, d, Ci, H, H, 2, 2, OH, OH);
        OP(n, we_fa_acc, dx, dt, (size_t)Ci * H * H);
    }
}

/* ---- public --------------------------------------------------------------- */

we_status we_fa_net_load(we_fa_net **out, we_fa_kind kind, const char *dir)
{
    *out = NULL;
    if ((unsigned)kind >= WE_FA_NET_COUNT) return we_err_set(WE_EUSAGE, "unknown net %d", (int)kind);
    we_fa_weights w;
    we_status st = we_fa_weights_load(dir ? dir : we_fa_model_dir(), model_file[kind], &w);
    if (st) return st;
    we_fa_net *n = calloc(1, sizeof *n);
    if (!n) { we_fa_weights_free(&w); return we_err_set(WE_ENOMEM, "net"); }
    n->kind = kind;
    if (kind == WE_FA_RECOG) {
        n->S = 150;
        n->nout = 128;
        st = load_recog(n, &w);
        if (!st) {
            const float *fc;
            if (!(st = get(&w, "fc", 2, 256, 128, 0, 0, &fc))) n->fcw = dupf(fc, 256 * 128);
        }
        n->fcin = 256;
        n->fcout = 128;
    } else {
        n->S = 112;
        n->nout = kind == WE_FA_EXPR ? 7 : 136;
        st = load_backbone(n, &w);
        const float *fw, *fb;
        if (!st) st = get(&w, "fc/weights", 2, 256, n->nout, 0, 0, &fw);
        if (!st) st = get(&w, "fc/bias", 1, n->nout, 0, 0, 0, &fb);
        if (!st) { n->fcw = dupf(fw, (size_t)256 * n->nout); n->fcb = dupf(fb, (size_t)n->nout); }
        n->fcin = 256;
        n->fcout = n->nout;
    }
    we_fa_weights_free(&w);
    if (!st) {
        size_t inb = (size_t)3 * n->S * n->S;
        if (inb > n->bufsz) n->bufsz = inb;
        n->col = xalloc(n->colsz);
        n->t0 = xalloc(n->bufsz); n->t1 = xalloc(n->bufsz); n->t2 = xalloc(n->bufsz);
        n->g0 = xalloc(n->bufsz); n->g1 = xalloc(n->bufsz); n->g2 = xalloc(n->bufsz);
        n->featp = xalloc(256); n->dfeat = xalloc(256); n->io = xalloc(inb); n->oo = xalloc(136);
        if (!n->col || !n->t0 || !n->t1 || !n->t2 || !n->g0 || !n->g1 || !n->g2 || !n->fcw || !n->featp ||
            !n->dfeat || !n->io || !n->oo)
            st = we_err_set(WE_ENOMEM, "net buffers");
    }
    if (st) {
        char d[512];
        snprintf(d, sizeof d, "%s", we_err_detail());
        we_fa_net_free(n);
        return we_err_set(st, "%s: %s", model_file[kind], d);
    }
    *out = n;
    return WE_OK;
}

void we_fa_net_free(we_fa_net *n)
{
    if (!n) return;
    for (int b = 0; b < 4; b++) {
        dblock *db = &n->db[b];
        for (int m = 0; m < 4; m++) unit_free(n, &db->u[m]);
        xfree(n, db->p1); xfree(n, db->a1); xfree(n, db->s2); xfree(n, db->s3); xfree(n, db->s4); xfree(n, db->out);
    }
    unit_free(n, &n->c0);
    for (int b = 0; b < 14; b++) {
        rblock *r = &n->rb[b];
        unit_free(n, &r->c1);
        unit_free(n, &r->c2);
        xfree(n, r->t1pre); xfree(n, r->t1); xfree(n, r->outpre); xfree(n, r->out);
    }
    xfree(n, n->c0pre); xfree(n, n->c0out); xfree(n, n->mp); xfree(n, n->mparg);
    xfree(n, n->fcw); xfree(n, n->fcb);
    xfree(n, n->col); xfree(n, n->t0); xfree(n, n->t1); xfree(n, n->t2); xfree(n, n->g0); xfree(n, n->g1); xfree(n, n->g2);
    xfree(n, n->featp); xfree(n, n->dfeat); xfree(n, n->io); xfree(n, n->oo);
    free(n);
}

#ifdef WE_HAVE_CUDA
/* Replace a host buffer by a device copy (the host one is freed). */
static void mv(void *pp, size_t bytes, int *ok)
{
    void **p = pp;
    if (!*p || !*ok) return;
    void *d = we_fa_cuda_alloc(bytes);
    if (!d) { *ok = 0; return; }
    we_fa_cuda_upload(d, *p, bytes);
    free(*p); /* still host memory */
    *p = d;
}

static void mv_unit(unit *u, int *ok)
{
    size_t F = sizeof(float);
    mv(&u->w, F * (size_t)u->Co * u->Ci * (u->sep ? 1 : u->k * u->k), ok);
    mv(&u->dw, F * (size_t)u->Ci * 9, ok);
    mv(&u->b, F * (size_t)u->Co, ok);
    mv(&u->sw, F * (size_t)u->Co, ok);
    mv(&u->sb, F * (size_t)u->Co, ok);
}
#endif

we_status we_fa_net_to_device(we_fa_net *n, we_device dev)
{
    if (dev != WE_DEV_CUDA || n->cuda) return WE_OK;
#ifdef WE_HAVE_CUDA
    we_status s = we_cuda_require();
    if (s) return s;
    int ok = 1;
    size_t F = sizeof(float);
    if (n->kind != WE_FA_RECOG) {
        for (int b = 0; b < 4; b++) {
            dblock *db = &n->db[b];
            size_t sz = F * (size_t)db->u[0].Co * db->u[0].OH * db->u[0].OW;
            for (int m = 0; m < 4; m++) mv_unit(&db->u[m], &ok);
            mv(&db->p1, sz, &ok); mv(&db->a1, sz, &ok); mv(&db->s2, sz, &ok);
            mv(&db->s3, sz, &ok); mv(&db->s4, sz, &ok); mv(&db->out, sz, &ok);
        }
    } else {
        unit *c = &n->c0;
        size_t s0 = F * 32 * (size_t)c->OH * c->OW, H = (size_t)n->rb[0].c1.H;
        mv_unit(c, &ok);
        mv(&n->c0pre, s0, &ok); mv(&n->c0out, s0, &ok);
        mv(&n->mp, F * 32 * H * H, &ok); mv(&n->mparg, sizeof(int) * 32 * H * H, &ok);
        for (int b = 0; b < n->nrb; b++) {
            rblock *r = &n->rb[b];
            size_t st1 = F * (size_t)r->c1.Co * r->c1.OH * r->c1.OW, so = F * (size_t)r->c1.Co * r->ph * r->ph;
            mv_unit(&r->c1, &ok); mv_unit(&r->c2, &ok);
            mv(&r->t1pre, st1, &ok); mv(&r->t1, st1, &ok); mv(&r->outpre, so, &ok); mv(&r->out, so, &ok);
        }
    }
    mv(&n->fcw, F * (size_t)n->fcin * n->fcout, &ok);
    mv(&n->fcb, F * (size_t)n->fcout, &ok);
    mv(&n->col, F * (n->colsz ? n->colsz : 1), &ok);
    float **bufs[] = {&n->t0, &n->t1, &n->t2, &n->g0, &n->g1, &n->g2};
    for (int k = 0; k < 6; k++) mv(bufs[k], F * n->bufsz, &ok);
    mv(&n->featp, F * 256, &ok); mv(&n->dfeat, F * 256, &ok);
    mv(&n->io, F * 3 * (size_t)n->S * n->S, &ok); mv(&n->oo, F * 136, &ok);
    n->cuda = 1; /* from here every buffer the net frees is a device one */
    if (!ok) return we_err_set(WE_EDEVICE, "out of GPU memory for the face-api net (the net is unusable)");
    return we_fa_cuda_sync();
#else
    return we_err_set(WE_EDEVICE, "built without CUDA");
#endif
}

we_fa_kind we_fa_net_kind(const we_fa_net *n) { return n->kind; }
int we_fa_net_input_size(const we_fa_net *n) { return n->S; }
int we_fa_net_output_len(const we_fa_net *n) { return n->nout; }

we_status we_fa_net_forward(we_fa_net *n, float *out, const float *inp)
{
    const float *x = inp;
    float *o = out;
#ifdef WE_HAVE_CUDA
    if (n->cuda) {
        we_fa_cuda_upload(n->io, inp, sizeof(float) * 3 * (size_t)n->S * n->S);
        x = n->io;
        o = n->oo;
    }
#endif
    if (n->kind != WE_FA_RECOG) {
        for (int b = 0; b < 4; b++) {
            dblock_forward(n, &n->db[b], x);
            x = n->db[b].out;
        }
        OP(n, we_fa_gmean_forward, n->featp, x, 256, 49);
    } else {
        unit *c = &n->c0;
        unit_forward(n, c, n->c0pre, x);
        OP(n, we_fa_relu_copy, n->c0out, n->c0pre, (size_t)32 * c->OH * c->OW);
        int H = n->rb[0].c1.H;
        OP(n, we_fa_maxpool_forward, n->mp, n->mparg, n->c0out, 32, c->OH, c->OW, 3, 2, H, H);
        x = n->mp;
        for (int b = 0; b < n->nrb; b++) {
            rblock_forward(n, &n->rb[b], x);
            x = n->rb[b].out;
        }
        int P = n->rb[n->nrb - 1].ph;
        OP(n, we_fa_gmean_forward, n->featp, x, 256, P * P);
    }
    OP(n, we_fa_fc_forward, o, n->featp, n->fcw, n->fcb, n->fcin, n->fcout);
#ifdef WE_HAVE_CUDA
    if (n->cuda) {
        we_fa_cuda_download(out, n->oo, sizeof(float) * (size_t)n->nout);
        return we_fa_cuda_sync();
    }
#endif
    return WE_OK;
}

we_status we_fa_net_backward(we_fa_net *n, float *dinp, const float *dout)
{
    const float *d = dout;
    float *dx0 = dinp;
#ifdef WE_HAVE_CUDA
    if (n->cuda) {
        we_fa_cuda_upload(n->oo, dout, sizeof(float) * (size_t)n->nout);
        d = n->oo;
        dx0 = n->io;
    }
#endif
    OP(n, we_fa_fc_backward, n->dfeat, d, n->fcw, n->fcin, n->fcout);
    if (n->kind != WE_FA_RECOG) {
        OP(n, we_fa_gmean_backward, n->g0, n->dfeat, 256, 49);
        for (int b = 3; b >= 0; b--) {
            float *dx = b ? n->t2 : dx0;
            dblock_backward(n, &n->db[b], dx);
            if (b) OP(n, we_fa_copy, n->g0, dx, (size_t)n->db[b].u[0].Ci * n->db[b].u[0].H * n->db[b].u[0].W);
        }
    } else {
        int P = n->rb[n->nrb - 1].ph;
        OP(n, we_fa_gmean_backward, n->g0, n->dfeat, 256, P * P);
        for (int b = n->nrb - 1; b >= 0; b--) {
            rblock *r = &n->rb[b];
            rblock_backward(n, r, n->t2);
            OP(n, we_fa_copy, n->g0, n->t2, (size_t)r->c1.Ci * r->c1.H * r->c1.W);
        }
        unit *c = &n->c0;
        int H = n->rb[0].c1.H;
        OP(n, we_fa_maxpool_backward, n->g1, n->g0, n->mparg, 32, c->OH, c->OW, H, H);
        OP(n, we_fa_relu_backward, n->g1, n->c0pre, (size_t)32 * c->OH * c->OW);
        unit_backward(n, c, dx0, n->g1);
    }
#ifdef WE_HAVE_CUDA
    if (n->cuda) {
        we_fa_cuda_download(dinp, n->io, sizeof(float) * 3 * (size_t)n->S * n->S);
        return we_fa_cuda_sync();
    }
#endif
    return WE_OK;
}

we_status we_fa_run_pixels(we_fa_net *n, float *out, const float *pix, int C, int h, int w)
{
    if ((C != 1 && C != 3) || h < 1 || w < 1 || h > 8192 || w > 8192)
        return we_err_set(WE_EDATA, "crop %d x %d x %d: want C = 1 or 3 and sides 1..8192", C, h, w);
    we_fa_geom g;
    we_fa_geom_init(&g, h, w, n->S);
    we_status ls = we_limit_image(3, (uint64_t)g.L, (uint64_t)g.L, "face-api padded crop");
    if (ls) return ls;
    float *sq = malloc(sizeof(float) * 3 * (size_t)g.L * g.L);
    float *inp = malloc(sizeof(float) * 3 * (size_t)n->S * n->S);
    if (!sq || !inp) { free(sq); free(inp); return we_err_set(WE_ENOMEM, "crop %d x %d", h, w); }
    we_fa_prep_forward(inp, sq, pix, C, &g);
    float raw[136];
    we_status st = we_fa_net_forward(n, raw, inp);
    free(sq);
    free(inp);
    if (st) return st;
    if (n->kind == WE_FA_EXPR) we_fa_softmax_forward(out, raw, 7);
    else if (n->kind == WE_FA_LANDMARK)
        for (int i = 0; i < 68; i++) {
            out[2 * i] = raw[2 * i] * g.L - (g.L - w) / 2.0f;
            out[2 * i + 1] = raw[2 * i + 1] * g.L - (g.L - h) / 2.0f;
        }
    else memcpy(out, raw, sizeof(float) * 128);
    return WE_OK;
}
