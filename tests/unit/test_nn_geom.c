/* test_nn_geom.c - the general conv geometry of lib/nn/we_nn.h
 * (we_conv2d_geom: kh x kw kernels, per-side padding, WE_CONV2D_PLAIN,
 * depthwise). Bit for bit against the convolutions it replaced (the
 * face-api ops' im2col + GEMM, col2im and depthwise loops, the Inception
 * net's im2col + GEMM; copied here as they were), and against a direct
 * double-precision convolution for the weight gradients those never had. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_nn.h"

static unsigned rng_state = 2024;
static float frand(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (float)((rng_state >> 8) * (1.0 / 16777216.0)) * 2.0f - 1.0f;
}
static float *rnd(size_t n)
{
    float *p = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) p[i] = frand();
    return p;
}

/* ---- the face-api ops' convolutions, as they were (we_faceapi_ops.c) ---- */

static void old_fa_im2col(float *col, const float *inp, int Ci, int H, int W, int k, int s, int pt, int pl, int OH,
                          int OW)
{
    for (int ci = 0; ci < Ci; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                float *c = col + ((size_t)(ci * k + ky) * k + kx) * (size_t)OH * OW;
                const float *x = inp + (size_t)ci * H * W;
                for (int oy = 0; oy < OH; oy++) {
                    int iy = oy * s - pt + ky;
                    float *crow = c + (size_t)oy * OW;
                    if (iy < 0 || iy >= H) {
                        memset(crow, 0, sizeof(float) * (size_t)OW);
                        continue;
                    }
                    const float *xrow = x + (size_t)iy * W;
                    for (int ox = 0; ox < OW; ox++) {
                        int ix = ox * s - pl + kx;
                        crow[ox] = (ix >= 0 && ix < W) ? xrow[ix] : 0.0f;
                    }
                }
            }
}

static void old_fa_col2im_acc(float *dinp, const float *col, int Ci, int H, int W, int k, int s, int pt, int pl,
                              int OH, int OW)
{
    for (int ci = 0; ci < Ci; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                const float *c = col + ((size_t)(ci * k + ky) * k + kx) * (size_t)OH * OW;
                float *x = dinp + (size_t)ci * H * W;
                for (int oy = 0; oy < OH; oy++) {
                    int iy = oy * s - pt + ky;
                    if (iy < 0 || iy >= H) continue;
                    const float *crow = c + (size_t)oy * OW;
                    float *xrow = x + (size_t)iy * W;
                    for (int ox = 0; ox < OW; ox++) {
                        int ix = ox * s - pl + kx;
                        if (ix >= 0 && ix < W) xrow[ix] += crow[ox];
                    }
                }
            }
}

static void old_fa_conv_forward(float *out, float *col, const float *inp, const float *w, const float *bias, int Ci,
                                int H, int W, int Co, int k, int stride, int pad_t, int pad_l, int OH, int OW)
{
    int P = OH * OW, K = Ci * k * k;
    old_fa_im2col(col, inp, Ci, H, W, k, stride, pad_t, pad_l, OH, OW);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Co, P, K, 1.0f, w, K, col, P, 0.0f, out, P);
    if (bias)
        for (int c = 0; c < Co; c++)
            for (int p = 0; p < P; p++) out[(size_t)c * P + p] += bias[c];
}

static void old_fa_conv_backward_acc(float *dinp, float *dcol, const float *dout, const float *w, int Ci, int H,
                                     int W, int Co, int k, int stride, int pad_t, int pad_l, int OH, int OW)
{
    int P = OH * OW, K = Ci * k * k;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, Co, 1.0f, w, K, dout, P, 0.0f, dcol, P);
    old_fa_col2im_acc(dinp, dcol, Ci, H, W, k, stride, pad_t, pad_l, OH, OW);
}

static void old_fa_dw_forward(float *out, const float *inp, const float *w, int C, int H, int W, int stride,
                              int pad_t, int pad_l, int OH, int OW)
{
    for (int c = 0; c < C; c++) {
        const float *x = inp + (size_t)c * H * W, *f = w + 9 * c;
        float *o = out + (size_t)c * OH * OW;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                float acc = 0;
                int y0 = oy * stride - pad_t, x0 = ox * stride - pad_l;
                if (y0 >= 0 && x0 >= 0 && y0 + 2 < H && x0 + 2 < W) {
                    const float *r = x + (size_t)y0 * W + x0;
                    acc = f[0] * r[0] + f[1] * r[1] + f[2] * r[2] + f[3] * r[W] + f[4] * r[W + 1] +
                          f[5] * r[W + 2] + f[6] * r[2 * W] + f[7] * r[2 * W + 1] + f[8] * r[2 * W + 2];
                } else {
                    for (int ky = 0; ky < 3; ky++) {
                        int iy = y0 + ky;
                        if (iy < 0 || iy >= H) continue;
                        for (int kx = 0; kx < 3; kx++) {
                            int ix = x0 + kx;
                            if (ix >= 0 && ix < W) acc += f[ky * 3 + kx] * x[(size_t)iy * W + ix];
                        }
                    }
                }
                o[(size_t)oy * OW + ox] = acc;
            }
    }
}

static void old_fa_dw_backward(float *dinp, const float *dout, const float *w, int C, int H, int W, int stride,
                               int pad_t, int pad_l, int OH, int OW)
{
    memset(dinp, 0, sizeof(float) * (size_t)C * H * W);
    for (int c = 0; c < C; c++) {
        float *dx = dinp + (size_t)c * H * W;
        const float *f = w + 9 * c, *d = dout + (size_t)c * OH * OW;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                float g = d[(size_t)oy * OW + ox];
                int y0 = oy * stride - pad_t, x0 = ox * stride - pad_l;
                for (int ky = 0; ky < 3; ky++) {
                    int iy = y0 + ky;
                    if (iy < 0 || iy >= H) continue;
                    for (int kx = 0; kx < 3; kx++) {
                        int ix = x0 + kx;
                        if (ix >= 0 && ix < W) dx[(size_t)iy * W + ix] += f[ky * 3 + kx] * g;
                    }
                }
            }
    }
}

/* ---- the Inception net's convolution, as it was (we_fid_inception.c) ---- */

static void old_inc_conv(float *out, float *colb, const float *x, const float *w, int Ci, int Co, int kh, int kw,
                         int s, int ph, int pw, int H, int W)
{
    int oh = (H + 2 * ph - kh) / s + 1, ow = (W + 2 * pw - kw) / s + 1;
    size_t P = (size_t)oh * ow, K = (size_t)Ci * kh * kw;
    const float *col = x;
    if (!(kh == 1 && kw == 1 && s == 1)) {
        for (int ci = 0; ci < Ci; ci++)
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++) {
                    float *r = colb + (((size_t)ci * kh + ky) * kw + kx) * P;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * s - ph + ky;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * s - pw + kx;
                            r[(size_t)oy * ow + ox] =
                                (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[((size_t)ci * H + iy) * W + ix] : 0.0f;
                        }
                    }
                }
        col = colb;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Co, (int)P, (int)K, 1.0f, w, (int)K, col, (int)P, 0.0f,
                out, (int)P);
}

/* TF 'same': output size and padding before (as we_fa_same_pad). */
static void same_pad(int in, int k, int stride, int *out, int *before)
{
    int o = (in + stride - 1) / stride, total = (o - 1) * stride + k - in;
    *out = o;
    *before = total > 0 ? total / 2 : 0;
}

static we_conv2d_geom tf_geom(int Ci, int H, int W, int Co, int groups, int k, int s, int *OH, int *OW)
{
    int pt, pl;
    same_pad(H, k, s, OH, &pt);
    same_pad(W, k, s, OW, &pl);
    we_conv2d_geom g = {.N = 1, .Cin = Ci, .H = H, .W = W, .Cout = Co, .groups = groups, .kh = k, .kw = k,
                        .stride = s, .pad_t = pt, .pad_b = (*OH - 1) * s + k - H - pt, .pad_l = pl,
                        .pad_r = (*OW - 1) * s + k - W - pl, .algo = WE_CONV2D_PLAIN};
    return g;
}

static int same_bits(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

static void test_faceapi_conv(int Ci, int H, int W, int Co, int k, int s)
{
    int OH, OW;
    we_conv2d_geom g = tf_geom(Ci, H, W, Co, 1, k, s, &OH, &OW);
    CHECK(we_conv2d_geom_out_h(&g) == OH && we_conv2d_geom_out_w(&g) == OW, "TF same geometry: output size");
    size_t nx = (size_t)Ci * H * W, ny = (size_t)Co * OH * OW, nw = (size_t)Co * Ci * k * k;
    float *x = rnd(nx), *w = rnd(nw), *b = rnd(Co), *dy = rnd(ny);
    float *y0 = malloc(ny * 4), *y1 = malloc(ny * 4), *dx0 = calloc(nx, 4), *dx1 = calloc(nx, 4);
    float *col0 = malloc((size_t)Ci * k * k * OH * OW * 4), *s1 = malloc(we_nn_conv2d_geom_scratch_size(&g) * 4);
    int pt = g.pad_t, pl = g.pad_l;
    old_fa_conv_forward(y0, col0, x, w, b, Ci, H, W, Co, k, s, pt, pl, OH, OW);
    we_nn_conv2d_geom_forward(y1, s1, x, w, b, &g);
    old_fa_conv_backward_acc(dx0, col0, dy, w, Ci, H, W, Co, k, s, pt, pl, OH, OW);
    we_nn_conv2d_geom_backward(dx1, NULL, NULL, s1, dy, NULL, w, &g);
    char what[160];
    snprintf(what, sizeof what,
             "face-api conv %dx%d s%d on %dx%d (pads t%d b%d l%d r%d): out bit-identical to im2col+GEMM", k, k, s,
             H, W, g.pad_t, g.pad_b, g.pad_l, g.pad_r);
    CHECK(same_bits(y0, y1, ny), what);
    snprintf(what, sizeof what, "face-api conv %dx%d s%d on %dx%d: dinp bit-identical to GEMM + col2im", k, k, s, H, W);
    CHECK(same_bits(dx0, dx1, nx), what);
    free(x); free(w); free(b); free(dy); free(y0); free(y1); free(dx0); free(dx1); free(col0); free(s1);
}

static void test_faceapi_dw(int C, int H, int W, int s)
{
    int OH, OW;
    we_conv2d_geom g = tf_geom(C, H, W, C, C, 3, s, &OH, &OW);
    size_t nx = (size_t)C * H * W, ny = (size_t)C * OH * OW;
    float *x = rnd(nx), *w = rnd((size_t)C * 9), *dy = rnd(ny);
    float *y0 = malloc(ny * 4), *y1 = malloc(ny * 4), *dx0 = malloc(nx * 4), *dx1 = calloc(nx, 4);
    CHECK(we_nn_conv2d_geom_scratch_size(&g) == 0, "depthwise (PLAIN) needs no scratch");
    old_fa_dw_forward(y0, x, w, C, H, W, s, g.pad_t, g.pad_l, OH, OW);
    we_nn_conv2d_geom_forward(y1, NULL, x, w, NULL, &g);
    old_fa_dw_backward(dx0, dy, w, C, H, W, s, g.pad_t, g.pad_l, OH, OW);
    we_nn_conv2d_geom_backward(dx1, NULL, NULL, NULL, dy, NULL, w, &g);
    char what[160];
    snprintf(what, sizeof what, "depthwise 3x3 s%d on %dx%d: out bit-identical to the face-api loop", s, H, W);
    CHECK(same_bits(y0, y1, ny), what);
    snprintf(what, sizeof what, "depthwise 3x3 s%d on %dx%d: dinp bit-identical to the face-api loop", s, H, W);
    CHECK(same_bits(dx0, dx1, nx), what);
    free(x); free(w); free(dy); free(y0); free(y1); free(dx0); free(dx1);
}

static void test_inception_conv(int Ci, int Co, int kh, int kw, int s, int ph, int pw, int H, int W)
{
    we_conv2d_geom g = {.N = 1, .Cin = Ci, .H = H, .W = W, .Cout = Co, .groups = 1, .kh = kh, .kw = kw,
                        .stride = s, .pad_t = ph, .pad_b = ph, .pad_l = pw, .pad_r = pw, .algo = WE_CONV2D_PLAIN};
    int OH = we_conv2d_geom_out_h(&g), OW = we_conv2d_geom_out_w(&g);
    size_t nx = (size_t)Ci * H * W, ny = (size_t)Co * OH * OW, nw = (size_t)Co * Ci * kh * kw;
    float *x = rnd(nx), *w = rnd(nw), *y0 = malloc(ny * 4), *y1 = malloc(ny * 4);
    float *col0 = malloc(((size_t)Ci * kh * kw * OH * OW + 1) * 4);
    float *s1 = malloc((we_nn_conv2d_geom_scratch_size(&g) + 1) * 4);
    old_inc_conv(y0, col0, x, w, Ci, Co, kh, kw, s, ph, pw, H, W);
    we_nn_conv2d_geom_forward(y1, s1, x, w, NULL, &g);
    char what[160];
    snprintf(what, sizeof what, "Inception conv %dx%d s%d pad %d,%d on %dx%d: bit-identical to its im2col+GEMM", kh, kw,
             s, ph, pw, H, W);
    CHECK(same_bits(y0, y1, ny), what);
    free(x); free(w); free(y0); free(y1); free(col0); free(s1);
}

/* Forward, dinp, dweight and dbias of a geometry against a direct
 * convolution in double (and the += rule: gradients start from 1). */
static void test_direct(we_conv2d_geom g, const char *name)
{
    int OH = we_conv2d_geom_out_h(&g), OW = we_conv2d_geom_out_w(&g);
    int cig = g.Cin / g.groups, cog = g.Cout / g.groups;
    size_t nx = (size_t)g.N * g.Cin * g.H * g.W, ny = (size_t)g.N * g.Cout * OH * OW;
    size_t nw = (size_t)g.Cout * cig * g.kh * g.kw;
    float *x = rnd(nx), *w = rnd(nw), *b = rnd(g.Cout), *dy = rnd(ny), *y = malloc(ny * 4);
    float *dx = malloc(nx * 4), *dw = malloc(nw * 4), *db = malloc(g.Cout * 4);
    double *ry = calloc(ny, 8), *rdx = calloc(nx, 8), *rdw = calloc(nw, 8), *rdb = calloc(g.Cout, 8);
    size_t ns = we_nn_conv2d_geom_scratch_size(&g);
    float *s = malloc((ns ? ns : 1) * 4);
    for (size_t i = 0; i < nx; i++) dx[i] = 1;
    for (size_t i = 0; i < nw; i++) dw[i] = 1;
    for (int i = 0; i < g.Cout; i++) db[i] = 1;
    we_nn_conv2d_geom_forward(y, s, x, w, b, &g);
    we_nn_conv2d_geom_backward(dx, dw, db, s, dy, x, w, &g);
    for (int n = 0; n < g.N; n++)
        for (int co = 0; co < g.Cout; co++)
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++) {
                    size_t o = (((size_t)n * g.Cout + co) * OH + oy) * OW + ox;
                    double acc = b[co];
                    rdb[co] += dy[o];
                    for (int ci = 0; ci < cig; ci++)
                        for (int ky = 0; ky < g.kh; ky++)
                            for (int kx = 0; kx < g.kw; kx++) {
                                int iy = oy * g.stride - g.pad_t + ky, ix = ox * g.stride - g.pad_l + kx;
                                if (iy < 0 || ix < 0 || iy >= g.H || ix >= g.W) continue;
                                size_t xi = (((size_t)n * g.Cin + co / cog * cig + ci) * g.H + iy) * g.W + ix;
                                size_t wi = (((size_t)co * cig + ci) * g.kh + ky) * g.kw + kx;
                                acc += (double)x[xi] * w[wi];
                                rdx[xi] += (double)dy[o] * w[wi];
                                rdw[wi] += (double)dy[o] * x[xi];
                            }
                    ry[o] = acc;
                }
    double ey = 0, edx = 0, edw = 0, edb = 0;
    for (size_t i = 0; i < ny; i++) ey = fmax(ey, fabs(y[i] - ry[i]));
    for (size_t i = 0; i < nx; i++) edx = fmax(edx, fabs(dx[i] - 1 - rdx[i]));
    for (size_t i = 0; i < nw; i++) edw = fmax(edw, fabs(dw[i] - 1 - rdw[i]));
    for (int i = 0; i < g.Cout; i++) edb = fmax(edb, fabs(db[i] - 1 - rdb[i]));
    printf("     %s: max |diff| out %.2g dinp %.2g dweight %.2g dbias %.2g\n", name, ey, edx, edw, edb);
    char what[160];
    snprintf(what, sizeof what, "%s: out, dinp, dweight, dbias (+=) match a direct convolution", name);
    CHECK(ey < 1e-4 && edx < 1e-4 && edw < 1e-3 && edb < 1e-3, what);
    free(x); free(w); free(b); free(dy); free(y); free(dx); free(dw); free(db);
    free(ry); free(rdx); free(rdw); free(rdb); free(s);
}

/* The we_conv2d_dims functions are their geometry's, bit for bit. */
static void test_dims_wrap(we_conv2d_dims d)
{
    we_conv2d_geom g = we_conv2d_geom_of(&d);
    int OH = we_conv2d_out_h(&d), OW = we_conv2d_out_w(&d);
    CHECK(OH == we_conv2d_geom_out_h(&g) && OW == we_conv2d_geom_out_w(&g) &&
              we_nn_conv2d_scratch_size(&d) == we_nn_conv2d_geom_scratch_size(&g),
          "dims and their geometry: same sizes");
    size_t nx = (size_t)d.N * d.Cin * d.H * d.W, ny = (size_t)d.N * d.Cout * OH * OW;
    size_t nw = (size_t)d.Cout * (d.Cin / d.groups) * d.k * d.k;
    float *x = rnd(nx), *w = rnd(nw), *b = rnd(d.Cout), *dy = rnd(ny), *s = malloc(we_nn_conv2d_scratch_size(&d) * 4);
    float *y0 = malloc(ny * 4), *y1 = malloc(ny * 4), *dx0 = calloc(nx, 4), *dx1 = calloc(nx, 4);
    float *dw0 = calloc(nw, 4), *dw1 = calloc(nw, 4);
    we_nn_conv2d_forward(y0, s, x, w, b, &d);
    we_nn_conv2d_backward(dx0, dw0, NULL, s, dy, x, w, &d);
    we_nn_conv2d_geom_forward(y1, s, x, w, b, &g);
    we_nn_conv2d_geom_backward(dx1, dw1, NULL, s, dy, x, w, &g);
    CHECK(same_bits(y0, y1, ny) && same_bits(dx0, dx1, nx) && same_bits(dw0, dw1, nw),
          "dims and their geometry: bit-identical out, dinp, dweight");
    free(x); free(w); free(b); free(dy); free(s); free(y0); free(y1); free(dx0); free(dx1); free(dw0); free(dw1);
}

int main(void)
{
    we_nn_set_threads(1);
    /* face-api: the odd TF padding goes after (stride 2 on even sides) */
    test_faceapi_conv(4, 9, 8, 5, 3, 2);
    test_faceapi_conv(3, 16, 16, 8, 3, 2);
    test_faceapi_conv(3, 23, 20, 6, 7, 2);
    test_faceapi_conv(6, 11, 12, 5, 3, 1);
    test_faceapi_dw(5, 9, 8, 2);
    test_faceapi_dw(5, 9, 8, 1);
    test_faceapi_dw(3, 16, 16, 2);
    /* Inception: 1x1, 3x3 valid / padded / stride 2, 1x7 and 7x1, 5x5 */
    test_inception_conv(7, 9, 1, 1, 1, 0, 0, 10, 9);
    test_inception_conv(3, 8, 3, 3, 2, 0, 0, 17, 15);
    test_inception_conv(5, 6, 3, 3, 1, 1, 1, 12, 12);
    test_inception_conv(6, 7, 1, 7, 1, 0, 3, 9, 11);
    test_inception_conv(6, 7, 7, 1, 1, 3, 0, 9, 11);
    test_inception_conv(4, 5, 5, 5, 1, 2, 2, 10, 8);
    test_inception_conv(8, 8, 1, 3, 1, 0, 1, 8, 8);
    /* weight gradients (new: the nets never needed them) */
    we_conv2d_geom g = {.N = 2, .Cin = 4, .H = 9, .W = 8, .Cout = 6, .groups = 2, .kh = 1, .kw = 5, .stride = 1,
                        .pad_t = 0, .pad_b = 0, .pad_l = 2, .pad_r = 2, .algo = WE_CONV2D_PLAIN};
    test_direct(g, "1x5 pad 0,2 groups 2");
    g = (we_conv2d_geom){.N = 2, .Cin = 3, .H = 9, .W = 8, .Cout = 5, .groups = 1, .kh = 3, .kw = 3, .stride = 2,
                         .pad_t = 0, .pad_b = 1, .pad_l = 0, .pad_r = 1, .algo = WE_CONV2D_PLAIN};
    test_direct(g, "3x3 s2, TF same (pads after only)");
    g = (we_conv2d_geom){.N = 2, .Cin = 5, .H = 10, .W = 7, .Cout = 5, .groups = 5, .kh = 3, .kw = 3, .stride = 1,
                         .pad_t = 1, .pad_b = 1, .pad_l = 1, .pad_r = 1, .algo = WE_CONV2D_PLAIN};
    test_direct(g, "depthwise 3x3 s1");
    g = (we_conv2d_geom){.N = 2, .Cin = 4, .H = 11, .W = 9, .Cout = 4, .groups = 4, .kh = 5, .kw = 3, .stride = 2,
                         .pad_t = 2, .pad_b = 2, .pad_l = 0, .pad_r = 1, .algo = WE_CONV2D_PLAIN};
    test_direct(g, "depthwise 5x3 s2");
    g = (we_conv2d_geom){.N = 2, .Cin = 6, .H = 8, .W = 9, .Cout = 4, .groups = 2, .kh = 3, .kw = 3, .stride = 1,
                         .pad_t = 1, .pad_b = 1, .pad_l = 1, .pad_r = 1, .algo = WE_CONV2D_AUTO};
    test_direct(g, "3x3 same, AUTO (flipped-kernel dinp)");
    /* the square API is the general one */
    we_conv2d_dims d3 = {.N = 2, .Cin = 16, .H = 20, .W = 18, .Cout = 8, .k = 3, .stride = 1, .pad = 1, .groups = 1};
    we_conv2d_dims d3s = {.N = 2, .Cin = 6, .H = 9, .W = 11, .Cout = 4, .k = 3, .stride = 2, .pad = 1, .groups = 2};
    we_conv2d_dims d1 = {.N = 3, .Cin = 10, .H = 6, .W = 5, .Cout = 7, .k = 1, .stride = 1, .pad = 0, .groups = 1};
    test_dims_wrap(d3);
    test_dims_wrap(d3s);
    test_dims_wrap(d1);
    return check_summary();
}
