/* we_fid_inception.c - pytorch-fid's Inception-v3 pool3 network on the CPU
 * (see we_fid_inception.h). BasicConv2d = conv (no bias) + BatchNorm
 * (eps 1e-3, folded into a per-channel scale/shift at load) + ReLU. */
#include "we_fid_inception.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_nn.h"
#include "we_pixel.h"
#include "we_safetensors.h"

typedef struct {
    char name[48];
    int Ci, Co, kh, kw, s, ph, pw;
    float *w, *scale, *shift; /* w: Co x (Ci*kh*kw) */
} bconv;

/* name, Ci, Co, kh, kw, stride, pad_h, pad_w */
#define INC_CONVS(X)                                                                                          \
    X("Conv2d_1a_3x3", 3, 32, 3, 3, 2, 0, 0) X("Conv2d_2a_3x3", 32, 32, 3, 3, 1, 0, 0)                        \
    X("Conv2d_2b_3x3", 32, 64, 3, 3, 1, 1, 1) X("Conv2d_3b_1x1", 64, 80, 1, 1, 1, 0, 0)                       \
    X("Conv2d_4a_3x3", 80, 192, 3, 3, 1, 0, 0)                                                                 \
    INC_A(X, "Mixed_5b", 192, 32) INC_A(X, "Mixed_5c", 256, 64) INC_A(X, "Mixed_5d", 288, 64)                  \
    X("Mixed_6a.branch3x3", 288, 384, 3, 3, 2, 0, 0) X("Mixed_6a.branch3x3dbl_1", 288, 64, 1, 1, 1, 0, 0)     \
    X("Mixed_6a.branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1) X("Mixed_6a.branch3x3dbl_3", 96, 96, 3, 3, 2, 0, 0)   \
    INC_C(X, "Mixed_6b", 128) INC_C(X, "Mixed_6c", 160) INC_C(X, "Mixed_6d", 160) INC_C(X, "Mixed_6e", 192)    \
    X("Mixed_7a.branch3x3_1", 768, 192, 1, 1, 1, 0, 0) X("Mixed_7a.branch3x3_2", 192, 320, 3, 3, 2, 0, 0)     \
    X("Mixed_7a.branch7x7x3_1", 768, 192, 1, 1, 1, 0, 0) X("Mixed_7a.branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3) \
    X("Mixed_7a.branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0) X("Mixed_7a.branch7x7x3_4", 192, 192, 3, 3, 2, 0, 0) \
    INC_E(X, "Mixed_7b", 1280) INC_E(X, "Mixed_7c", 2048)
#define INC_A(X, p, in, pf)                                                                                    \
    X(p ".branch1x1", in, 64, 1, 1, 1, 0, 0) X(p ".branch5x5_1", in, 48, 1, 1, 1, 0, 0)                        \
    X(p ".branch5x5_2", 48, 64, 5, 5, 1, 2, 2) X(p ".branch3x3dbl_1", in, 64, 1, 1, 1, 0, 0)                   \
    X(p ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1) X(p ".branch3x3dbl_3", 96, 96, 3, 3, 1, 1, 1)                \
    X(p ".branch_pool", in, pf, 1, 1, 1, 0, 0)
#define INC_C(X, p, c7)                                                                                        \
    X(p ".branch1x1", 768, 192, 1, 1, 1, 0, 0) X(p ".branch7x7_1", 768, c7, 1, 1, 1, 0, 0)                     \
    X(p ".branch7x7_2", c7, c7, 1, 7, 1, 0, 3) X(p ".branch7x7_3", c7, 192, 7, 1, 1, 3, 0)                     \
    X(p ".branch7x7dbl_1", 768, c7, 1, 1, 1, 0, 0) X(p ".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0)               \
    X(p ".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3) X(p ".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0)                \
    X(p ".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3) X(p ".branch_pool", 768, 192, 1, 1, 1, 0, 0)
#define INC_E(X, p, in)                                                                                        \
    X(p ".branch1x1", in, 320, 1, 1, 1, 0, 0) X(p ".branch3x3_1", in, 384, 1, 1, 1, 0, 0)                      \
    X(p ".branch3x3_2a", 384, 384, 1, 3, 1, 0, 1) X(p ".branch3x3_2b", 384, 384, 3, 1, 1, 1, 0)                \
    X(p ".branch3x3dbl_1", in, 448, 1, 1, 1, 0, 0) X(p ".branch3x3dbl_2", 448, 384, 3, 3, 1, 1, 1)             \
    X(p ".branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1) X(p ".branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0)          \
    X(p ".branch_pool", in, 192, 1, 1, 1, 0, 0)

static const bconv table[] = {
#define INC_ROW(nm, ci, co, kh_, kw_, s_, ph_, pw_) {nm, ci, co, kh_, kw_, s_, ph_, pw_, NULL, NULL, NULL},
    INC_CONVS(INC_ROW)
#undef INC_ROW
};
#define NCONV ((int)(sizeof table / sizeof *table))

struct we_inc {
    bconv c[sizeof table / sizeof *table];
    float *ws;  /* conv scratch, wsz floats: enough for every conv at 299 x 299 */
    size_t wsz;
};

void we_inc_free(we_inc *n)
{
    if (!n) return;
    for (int k = 0; k < NCONV; k++) { free(n->c[k].w); free(n->c[k].scale); free(n->c[k].shift); }
    free(n->ws);
    free(n);
}

/* The nn conv geometry of c on an H x W input (plain sums: the order the
 * golden features were made with). */
static we_conv2d_geom conv_geom(const bconv *c, int H, int W)
{
    we_conv2d_geom g = {.N = 1, .Cin = c->Ci, .H = H, .W = W, .Cout = c->Co, .groups = 1, .kh = c->kh,
                        .kw = c->kw, .stride = c->s, .pad_t = c->ph, .pad_b = c->ph, .pad_l = c->pw,
                        .pad_r = c->pw, .algo = WE_CONV2D_PLAIN};
    return g;
}

/* Side of the (square) input each conv sees in the 299 x 299 network. */
static int in_side(const char *name)
{
    static const struct { const char *prefix; int side; } S[] = {
        {"Conv2d_1a", 299}, {"Conv2d_2a", 149}, {"Conv2d_2b", 147}, {"Conv2d_3b", 73}, {"Conv2d_4a", 73},
        {"Mixed_5", 35},    {"Mixed_6a", 35},   {"Mixed_6", 17},    {"Mixed_7a", 17},  {"Mixed_7", 8}};
    for (size_t i = 0; i < sizeof S / sizeof *S; i++)
        if (!strncmp(name, S[i].prefix, strlen(S[i].prefix))) return S[i].side;
    return 299;
}

we_status we_inc_load_with(we_inc **out, we_inc_getter get, void *ctx)
{
    *out = NULL;
    we_inc *n = calloc(1, sizeof *n);
    if (!n) return we_err_set(WE_ENOMEM, "inception");
    memcpy(n->c, table, sizeof table);
    we_status st = WE_OK;
    for (int k = 0; k < NCONV && !st; k++) {
        bconv *c = &n->c[k];
        size_t nw = (size_t)c->Co * c->Ci * c->kh * c->kw;
        char nm[96];
        float *g = malloc(sizeof(float) * 4 * c->Co);
        c->w = malloc(sizeof(float) * nw);
        c->scale = malloc(sizeof(float) * c->Co);
        c->shift = malloc(sizeof(float) * c->Co);
        if (!g || !c->w || !c->scale || !c->shift) { free(g); st = we_err_set(WE_ENOMEM, "inception"); break; }
        static const char *bn[4] = {"weight", "bias", "running_mean", "running_var"};
        snprintf(nm, sizeof nm, "%s.conv.weight", c->name);
        st = get(ctx, nm, c->w, nw, (size_t)c->Ci * c->kh * c->kw);
        for (int j = 0; j < 4 && !st; j++) {
            snprintf(nm, sizeof nm, "%s.bn.%s", c->name, bn[j]);
            st = get(ctx, nm, g + (size_t)j * c->Co, (size_t)c->Co, 0);
        }
        if (!st)
            for (int o = 0; o < c->Co; o++) {
                double sc = g[o] / sqrt((double)g[3 * c->Co + o] + 1e-3);
                c->scale[o] = (float)sc;
                c->shift[o] = (float)(g[c->Co + o] - g[2 * c->Co + o] * sc);
            }
        free(g);
    }
    for (int k = 0; k < NCONV && !st; k++) {
        int side = in_side(n->c[k].name);
        we_conv2d_geom g = conv_geom(&n->c[k], side, side);
        size_t sz = we_nn_conv2d_geom_scratch_size(&g);
        if (sz > n->wsz) n->wsz = sz;
    }
    if (!st && !(n->ws = malloc(sizeof(float) * (n->wsz ? n->wsz : 1)))) st = we_err_set(WE_ENOMEM, "inception");
    if (st) { we_inc_free(n); return st; }
    *out = n;
    return WE_OK;
}

static we_status st_get(void *ctx, const char *name, float *dst, size_t count, size_t fan_in)
{
    (void)fan_in;
    return we_st_get_f32((const we_st_file *)ctx, name, dst, count, 0, NULL);
}

we_status we_inc_load(we_inc **out, const char *path)
{
    we_st_file f;
    we_status st = we_st_read(&f, path);
    if (st) return st;
    st = we_inc_load_with(out, st_get, &f);
    we_st_free(&f);
    return st;
}

/* conv + BN + ReLU; returns a new buffer Co x OH x OW (NULL: out of
 * memory, or an input larger than the workspace was sized for). */
static float *run(const we_inc *n, const bconv *c, const float *x, int H, int W, int *OH, int *OW)
{
    we_conv2d_geom g = conv_geom(c, H, W);
    int oh = we_conv2d_geom_out_h(&g), ow = we_conv2d_geom_out_w(&g);
    size_t P = (size_t)oh * ow;
    if (we_nn_conv2d_geom_scratch_size(&g) > n->wsz) return NULL;
    float *out = malloc(sizeof(float) * c->Co * P);
    if (!out) return NULL;
    we_nn_conv2d_geom_forward(out, n->ws, x, c->w, NULL, &g);
    for (int o = 0; o < c->Co; o++)
        for (size_t p = 0; p < P; p++) {
            float v = out[(size_t)o * P + p] * c->scale[o] + c->shift[o];
            out[(size_t)o * P + p] = v > 0 ? v : 0;
        }
    *OH = oh;
    *OW = ow;
    return out;
}

static const bconv *find(const we_inc *n, const char *p, const char *b)
{
    char nm[64];
    snprintf(nm, sizeof nm, "%s%s%s", p, *p && *b ? "." : "", b);
    for (int k = 0; k < NCONV; k++)
        if (!strcmp(n->c[k].name, nm)) return &n->c[k];
    return NULL;
}

/* a chain of convs of block p on x (the first takes x, the others their predecessor) */
static float *chain(const we_inc *n, const char *p, const char *const *names, int cnt, const float *x, int H, int W,
                    int *OH, int *OW)
{
    const float *cur = x;
    float *prev = NULL;
    int h = H, w = W;
    for (int k = 0; k < cnt; k++) {
        float *o = run(n, find(n, p, names[k]), cur, h, w, &h, &w);
        free(prev);
        if (!o) return NULL;
        prev = o;
        cur = o;
    }
    *OH = h;
    *OW = w;
    return prev;
}

/* 3x3 pools. stride 2 valid (max), or stride 1 pad 1: avg without the
 * padded cells (count_include_pad=False) or max with -inf padding. */
static float *pool(const float *x, int C, int H, int W, int kind, int *OH, int *OW)
{
    int s = kind == 0 ? 2 : 1, p = kind == 0 ? 0 : 1;
    int oh = (H + 2 * p - 3) / s + 1, ow = (W + 2 * p - 3) / s + 1;
    float *o = malloc(sizeof(float) * (size_t)C * oh * ow);
    if (!o) return NULL;
    for (int c = 0; c < C; c++)
        for (int y = 0; y < oh; y++)
            for (int xx = 0; xx < ow; xx++) {
                float m = -INFINITY, sum = 0;
                int cnt = 0;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int iy = y * s - p + ky, ix = xx * s - p + kx;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                        float v = x[((size_t)c * H + iy) * W + ix];
                        m = v > m ? v : m;
                        sum += v;
                        cnt++;
                    }
                o[((size_t)c * oh + y) * ow + xx] = kind == 1 ? sum / cnt : m;
            }
    *OH = oh;
    *OW = ow;
    return o;
}

/* Concatenate branches (each Ck x H x W) along channels; frees them. */
static float *cat(float **b, const int *ch, int nb, int H, int W, int *Ctot)
{
    int C = 0;
    for (int k = 0; k < nb; k++) {
        if (!b[k]) { for (int j = 0; j < nb; j++) free(b[j]); return NULL; }
        C += ch[k];
    }
    float *o = malloc(sizeof(float) * (size_t)C * H * W);
    size_t off = 0;
    for (int k = 0; k < nb; k++) {
        if (o) memcpy(o + off, b[k], sizeof(float) * (size_t)ch[k] * H * W);
        off += (size_t)ch[k] * H * W;
        free(b[k]);
    }
    *Ctot = C;
    return o;
}

static float *block_a(const we_inc *n, const char *p, const float *x, int C, int H, int W, int *Co)
{
    static const char *b1[] = {"branch1x1"}, *b5[] = {"branch5x5_1", "branch5x5_2"},
                      *b3[] = {"branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"}, *bp[] = {"branch_pool"};
    int h, w, ph, pw;
    float *br[4];
    br[0] = chain(n, p, b1, 1, x, H, W, &h, &w);
    br[1] = chain(n, p, b5, 2, x, H, W, &h, &w);
    br[2] = chain(n, p, b3, 3, x, H, W, &h, &w);
    float *pl = pool(x, C, H, W, 1, &ph, &pw);
    br[3] = pl ? chain(n, p, bp, 1, pl, H, W, &h, &w) : NULL;
    free(pl);
    int ch[4] = {64, 64, 96, find(n, p, "branch_pool")->Co};
    return cat(br, ch, 4, H, W, Co);
}

static float *block_b(const we_inc *n, const float *x, int C, int H, int W, int *Co, int *OH, int *OW)
{
    static const char *b3[] = {"branch3x3"}, *bd[] = {"branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3"};
    int h, w;
    float *br[3];
    br[0] = chain(n, "Mixed_6a", b3, 1, x, H, W, &h, &w);
    br[1] = chain(n, "Mixed_6a", bd, 3, x, H, W, &h, &w);
    br[2] = pool(x, C, H, W, 0, &h, &w);
    int ch[3] = {384, 96, C};
    *OH = h;
    *OW = w;
    return cat(br, ch, 3, h, w, Co);
}

static float *block_c(const we_inc *n, const char *p, const float *x, int C, int H, int W, int *Co)
{
    static const char *b1[] = {"branch1x1"}, *b7[] = {"branch7x7_1", "branch7x7_2", "branch7x7_3"},
                      *bd[] = {"branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4",
                               "branch7x7dbl_5"},
                      *bp[] = {"branch_pool"};
    int h, w;
    float *br[4];
    br[0] = chain(n, p, b1, 1, x, H, W, &h, &w);
    br[1] = chain(n, p, b7, 3, x, H, W, &h, &w);
    br[2] = chain(n, p, bd, 5, x, H, W, &h, &w);
    float *pl = pool(x, C, H, W, 1, &h, &w);
    br[3] = pl ? chain(n, p, bp, 1, pl, H, W, &h, &w) : NULL;
    free(pl);
    int ch[4] = {192, 192, 192, 192};
    return cat(br, ch, 4, H, W, Co);
}

static float *block_d(const we_inc *n, const float *x, int C, int H, int W, int *Co, int *OH, int *OW)
{
    static const char *b3[] = {"branch3x3_1", "branch3x3_2"},
                      *b7[] = {"branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4"};
    int h, w;
    float *br[3];
    br[0] = chain(n, "Mixed_7a", b3, 2, x, H, W, &h, &w);
    br[1] = chain(n, "Mixed_7a", b7, 4, x, H, W, &h, &w);
    br[2] = pool(x, C, H, W, 0, &h, &w);
    int ch[3] = {320, 192, C};
    *OH = h;
    *OW = w;
    return cat(br, ch, 3, h, w, Co);
}

/* E_1 (Mixed_7b): average pool; E_2 (Mixed_7c): max pool (pytorch-fid). */
static float *block_e(const we_inc *n, const char *p, const float *x, int C, int H, int W, int maxpool, int *Co)
{
    static const char *b1[] = {"branch1x1"}, *b3[] = {"branch3x3_1"}, *bd[] = {"branch3x3dbl_1", "branch3x3dbl_2"},
                      *a[] = {"branch3x3_2a"}, *b[] = {"branch3x3_2b"}, *da[] = {"branch3x3dbl_3a"},
                      *db[] = {"branch3x3dbl_3b"}, *bp[] = {"branch_pool"};
    int h, w;
    float *br[6];
    br[0] = chain(n, p, b1, 1, x, H, W, &h, &w);
    float *t = chain(n, p, b3, 1, x, H, W, &h, &w);
    br[1] = t ? chain(n, p, a, 1, t, H, W, &h, &w) : NULL;
    br[2] = t ? chain(n, p, b, 1, t, H, W, &h, &w) : NULL;
    free(t);
    t = chain(n, p, bd, 2, x, H, W, &h, &w);
    br[3] = t ? chain(n, p, da, 1, t, H, W, &h, &w) : NULL;
    br[4] = t ? chain(n, p, db, 1, t, H, W, &h, &w) : NULL;
    free(t);
    float *pl = pool(x, C, H, W, maxpool ? 2 : 1, &h, &w);
    br[5] = pl ? chain(n, p, bp, 1, pl, H, W, &h, &w) : NULL;
    free(pl);
    int ch[6] = {320, 384, 384, 384, 384, 192};
    return cat(br, ch, 6, H, W, Co);
}

we_status we_inc_features(we_inc *n, float *out, const float *pix, int C, int H, int W)
{
    if ((C != 1 && C != 3) || H < 1 || W < 1) return we_err_set(WE_EDATA, "Inception input must be C = 1 or 3");
    const int S = 299;
    float *x = malloc(sizeof(float) * 3 * S * S);
    if (!x) return we_err_set(WE_ENOMEM, "inception input");
    /* F.interpolate(bilinear, align_corners=False), then 2 (v / 255) - 1,
     * which is bit for bit we_pixel_to_unit (see we_pixel.h) */
    float sy = (float)H / S, sx = (float)W / S;
    for (int c = 0; c < 3; c++) {
        const float *src = pix + (size_t)(C == 1 ? 0 : c) * H * W;
        for (int y = 0; y < S; y++) {
            float fy = sy * (y + 0.5f) - 0.5f;
            if (fy < 0) fy = 0;
            int y0 = (int)fy, y1 = y0 < H - 1 ? y0 + 1 : y0;
            float ly = fy - y0;
            for (int xx = 0; xx < S; xx++) {
                float fx = sx * (xx + 0.5f) - 0.5f;
                if (fx < 0) fx = 0;
                int x0 = (int)fx, x1 = x0 < W - 1 ? x0 + 1 : x0;
                float lx = fx - x0;
                float v = (1 - ly) * ((1 - lx) * src[(size_t)y0 * W + x0] + lx * src[(size_t)y0 * W + x1]) +
                          ly * ((1 - lx) * src[(size_t)y1 * W + x0] + lx * src[(size_t)y1 * W + x1]);
                x[((size_t)c * S + y) * S + xx] = we_pixel_to_unit(v);
            }
        }
    }
    static const char *stem1[] = {"Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3"};
    static const char *stem2[] = {"Conv2d_3b_1x1", "Conv2d_4a_3x3"};
    int h, w, c;
    float *t = chain(n, "", stem1, 3, x, S, S, &h, &w), *u;
    free(x);
#define STEP(expr) do { if (!t) return we_err_set(WE_ENOMEM, "inception activations"); u = (expr); free(t); t = u; } while (0)
    STEP(pool(t, 64, h, w, 0, &h, &w));
    STEP(chain(n, "", stem2, 2, t, h, w, &h, &w));
    STEP(pool(t, 192, h, w, 0, &h, &w));
    c = 192;
    STEP(block_a(n, "Mixed_5b", t, c, h, w, &c));
    STEP(block_a(n, "Mixed_5c", t, c, h, w, &c));
    STEP(block_a(n, "Mixed_5d", t, c, h, w, &c));
    STEP(block_b(n, t, c, h, w, &c, &h, &w));
    STEP(block_c(n, "Mixed_6b", t, c, h, w, &c));
    STEP(block_c(n, "Mixed_6c", t, c, h, w, &c));
    STEP(block_c(n, "Mixed_6d", t, c, h, w, &c));
    STEP(block_c(n, "Mixed_6e", t, c, h, w, &c));
    STEP(block_d(n, t, c, h, w, &c, &h, &w));
    STEP(block_e(n, "Mixed_7b", t, c, h, w, 0, &c));
    STEP(block_e(n, "Mixed_7c", t, c, h, w, 1, &c));
#undef STEP
    if (!t) return we_err_set(WE_ENOMEM, "inception activations");
    for (int k = 0; k < 2048; k++) {
        double s = 0;
        for (int p = 0; p < h * w; p++) s += t[(size_t)k * h * w + p];
        out[k] = (float)(s / (h * w));
    }
    free(t);
    return WE_OK;
}

static uint64_t splitmix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

static int ends_with(const char *s, const char *t)
{
    size_t a = strlen(s), b = strlen(t);
    return a >= b && !strcmp(s + a - b, t);
}

float we_inc_synthetic(const char *name, size_t i, size_t fan_in)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    double u = (double)(splitmix(h ^ (uint64_t)i * 0x9E3779B97F4A7C15ull) >> 11) * (1.0 / 9007199254740992.0);
    if (ends_with(name, ".conv.weight")) return (float)((u - 0.5) * 2 * sqrt(6.0 / (double)fan_in));
    if (ends_with(name, ".bn.weight") || ends_with(name, ".bn.running_var")) return (float)(0.5 + u);
    return (float)((u - 0.5) * 0.2); /* bn.bias, bn.running_mean */
}
