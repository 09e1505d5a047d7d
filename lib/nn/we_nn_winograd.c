/* we_nn_winograd.c - Winograd F(2x2, 3x3) convolution for the 3x3, stride 1,
 * pad 1 case (the bulk of the UNet): 2.25x fewer multiplications than
 * im2col + GEMM. Per chunk of samples:
 *   U[xi][co][ci] = (G g G^T)[xi]           weights, once per call
 *   V[xi][ci][t]  = (B^T d B)[xi]           4x4 input tiles (stride 2)
 *   M[xi]         = U[xi] V[xi]             16 GEMMs per group (cblas_sgemm)
 *   out tile      = A^T M A                 2x2 outputs per tile
 * with (Lavin & Gray 2016)
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]. */
#include "we_nn_winograd.h"

#include <cblas.h>
#include <string.h>

#include "we_pool.h"

/* The transforms are short unit-stride loops; GCC's -O2 cost model
 * ("very cheap") leaves them scalar, so this file asks for O3. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif

/* Work is done in chunks of tiles small enough that the transformed input
 * V and the products M stay in cache: a chunk is either several whole
 * samples, or a band of tile rows of one sample. Budget: WINO_TILE_FLOATS
 * floats for each of V and M. */
#define WINO_TILE_FLOATS ((size_t)1 << 16)

static size_t wino_tiles(int Cin, int Cout, int tw)
{
    size_t per = (size_t)16 * (size_t)(Cin > Cout ? Cin : Cout);
    size_t tb = WINO_TILE_FLOATS / per;
    return tb < (size_t)tw ? (size_t)tw : tb; /* at least one tile row */
}

/* Chunks are spread over up to WINO_MAX_THREADS threads (the caller's nt,
 * we_nn_set_threads for the conv layer); each thread has its own slice of
 * scratch. */
#define WINO_MAX_THREADS 4

/* Geometry of one call. A chunk is nbs samples x rows tile rows. */
typedef struct {
    int N, Cin, Cout, H, W, G, Cig, Cog;
    int th, tw, T, nbs, rows, nck_n, nck_r, nchunks;
    size_t cols_max, u, slice; /* floats: U (or dU), one thread's slice */
} wino_geom;

static wino_geom wino_plan(int N, int Cin, int Cout, int H, int W, int G)
{
    wino_geom g;
    g.N = N; g.Cin = Cin; g.Cout = Cout; g.H = H; g.W = W; g.G = G;
    g.Cig = Cin / G; g.Cog = Cout / G;
    g.th = (H + 1) / 2; g.tw = (W + 1) / 2; g.T = g.th * g.tw;
    size_t tb = wino_tiles(Cin, Cout, g.tw);
    if ((size_t)g.T <= tb) {
        g.nbs = (int)(tb / g.T);
        if (g.nbs > N) g.nbs = N;
        g.rows = g.th;
    } else {
        g.nbs = 1;
        g.rows = (int)(tb / g.tw);
    }
    g.nck_n = (N + g.nbs - 1) / g.nbs;
    g.nck_r = (g.th + g.rows - 1) / g.rows;
    g.nchunks = g.nck_n * g.nck_r;
    g.cols_max = (size_t)g.nbs * g.rows * g.tw;
    g.u = (size_t)16 * Cout * g.Cig;
    /* V [16][Cin][cols] + M or Z [16][Cout][cols] + row buffers + a private
     * dU for the weight gradient */
    g.slice = (size_t)16 * ((size_t)Cin + Cout) * g.cols_max + 4 * (size_t)g.rows * g.tw +
              (size_t)16 * (g.tw + 2) + g.u;
    return g;
}

size_t we_nn_wino_scratch_size(int N, int Cin, int Cout, int H, int W, int G)
{
    wino_geom g = wino_plan(N, Cin, Cout, H, W, G);
    return g.u + (size_t)WINO_MAX_THREADS * g.slice;
}

/* AVX2 clone picked at load time; GCC only (clang 14, used by the fuzz
 * build, emits the clones without the plain symbol). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define WE_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WE_CLONES
#endif

/* Input transform of one tile row: rows[i] (i < 4) is input row y0+i or
 * NULL outside the image. Writes v[xi * xstride + tx] for tx < tw.
 * e/o: 8 buffers of tw+1 floats (even / odd padded columns). */
WE_CLONES
static void wino_in_row(float *v, size_t xstride, const float *const rows[4], int W, int tw, float *eo)
{
    float *e[4], *o[4];
    for (int i = 0; i < 4; i++) {
        e[i] = eo + (size_t)(2 * i) * (tw + 1);
        o[i] = eo + (size_t)(2 * i + 1) * (tw + 1);
        /* padded column xx = x + 1: e[k] = x(2k-1), o[k] = x(2k) */
        const float *r = rows[i];
        float *ei = e[i], *oi = o[i];
        if (!r) {
            memset(ei, 0, sizeof(float) * (tw + 1));
            memset(oi, 0, sizeof(float) * (tw + 1));
            continue;
        }
        const int kin = (W - 1) / 2; /* last k with 2k < W */
        ei[0] = 0.0f;
        oi[0] = r[0];
        for (int k = 1; k <= kin; k++) {
            ei[k] = r[2 * k - 1];
            oi[k] = r[2 * k];
        }
        for (int k = kin + 1; k <= tw; k++) {
            ei[k] = (2 * k - 1 < W) ? r[2 * k - 1] : 0.0f;
            oi[k] = 0.0f;
        }
    }
    /* B^T over rows, in place: b0 = d0-d2, b1 = d1+d2, b2 = d2-d1, b3 = d1-d3 */
    for (int p = 0; p < 2; p++) {
        float *d0 = p ? o[0] : e[0], *d1 = p ? o[1] : e[1], *d2 = p ? o[2] : e[2], *d3 = p ? o[3] : e[3];
        for (int k = 0; k <= tw; k++) {
            float a0 = d0[k], a1 = d1[k], a2 = d2[k], a3 = d3[k];
            d0[k] = a0 - a2;
            d1[k] = a1 + a2;
            d2[k] = a2 - a1;
            d3[k] = a1 - a3;
        }
    }
    /* B over columns: tile tx spans padded columns 2tx..2tx+3 = e[tx], o[tx], e[tx+1], o[tx+1] */
    for (int i = 0; i < 4; i++) {
        const float *ei = e[i], *oi = o[i];
        float *v0 = v + (size_t)(4 * i) * xstride, *v1 = v0 + xstride, *v2 = v1 + xstride, *v3 = v2 + xstride;
        for (int t = 0; t < tw; t++) {
            v0[t] = ei[t] - ei[t + 1];
            v1[t] = oi[t] + ei[t + 1];
            v2[t] = ei[t + 1] - oi[t];
            v3[t] = oi[t] - oi[t + 1];
        }
    }
}

/* Output transform of nrow tile rows starting at tile row ty0:
 * m[xi * mstride + (ty - ty0) * tw + tx]; writes (or adds) rows 2*ty0 ..
 * of the output plane y [H, W], plus bias. tmp: 4 * nrow * tw floats. */
WE_CLONES
static void wino_out_rows(float *y, int ty0, int nrow, int H, int W, int tw, const float *m,
                          size_t mstride, float bias, int accumulate, float *tmp)
{
    const int n = nrow * tw;
    float *o00 = tmp, *o01 = tmp + n, *o10 = tmp + 2 * n, *o11 = tmp + 3 * n;
    const float *m0 = m, *m1 = m + mstride, *m2 = m + 2 * mstride, *m3 = m + 3 * mstride;
    const float *m4 = m + 4 * mstride, *m5 = m + 5 * mstride, *m6 = m + 6 * mstride, *m7 = m + 7 * mstride;
    const float *m8 = m + 8 * mstride, *m9 = m + 9 * mstride, *m10 = m + 10 * mstride, *m11 = m + 11 * mstride;
    const float *m12 = m + 12 * mstride, *m13 = m + 13 * mstride, *m14 = m + 14 * mstride, *m15 = m + 15 * mstride;
    for (int t = 0; t < n; t++) {
        /* A^T over rows: a0j = m0j + m1j + m2j, a1j = m1j - m2j - m3j */
        float a00 = m0[t] + m4[t] + m8[t], a01 = m1[t] + m5[t] + m9[t];
        float a02 = m2[t] + m6[t] + m10[t], a03 = m3[t] + m7[t] + m11[t];
        float a10 = m4[t] - m8[t] - m12[t], a11 = m5[t] - m9[t] - m13[t];
        float a12 = m6[t] - m10[t] - m14[t], a13 = m7[t] - m11[t] - m15[t];
        o00[t] = a00 + a01 + a02 + bias;
        o01[t] = a01 - a02 - a03 + bias;
        o10[t] = a10 + a11 + a12 + bias;
        o11[t] = a11 - a12 - a13 + bias;
    }
    const int wfull = W / 2; /* tiles with both columns inside */
    for (int q = 0; q < nrow; q++) {
        for (int r = 0; r < 2; r++) {
            int yy = 2 * (ty0 + q) + r;
            if (yy >= H) break;
            float *yr = y + (size_t)yy * W;
            const float *pa = (r ? o10 : o00) + (size_t)q * tw, *pb = (r ? o11 : o01) + (size_t)q * tw;
            if (accumulate) {
                for (int t = 0; t < wfull; t++) {
                    yr[2 * t] += pa[t];
                    yr[2 * t + 1] += pb[t];
                }
                if (wfull < tw) yr[2 * wfull] += pa[wfull];
            } else {
                for (int t = 0; t < wfull; t++) {
                    yr[2 * t] = pa[t];
                    yr[2 * t + 1] = pb[t];
                }
                if (wfull < tw) yr[2 * wfull] = pa[wfull];
            }
        }
    }
}

/* U = G g G^T for nc consecutive input channels of one output channel:
 * w = nc kernels of 9, out tmp[xi][cc]. Transposed to [9][nc] first so
 * the transform runs as unit-stride loops over cc. */
WE_CLONES
static void wino_weight_block(float tmp[16][64], const float *w, int nc)
{
    float g[9][64];
    for (int cc = 0; cc < nc; cc++)
        for (int k = 0; k < 9; k++) g[k][cc] = w[cc * 9 + k];
    for (int j = 0; j < 3; j++) {
        /* t = G g: column j of the 4x3 result */
        float t0[64], t1[64], t2[64], t3[64];
        for (int cc = 0; cc < nc; cc++) {
            float g0 = g[j][cc], g1 = g[3 + j][cc], g2 = g[6 + j][cc];
            t0[cc] = g0;
            t1[cc] = 0.5f * (g0 + g1 + g2);
            t2[cc] = 0.5f * (g0 - g1 + g2);
            t3[cc] = g2;
        }
        /* park t[i][j] in tmp rows 4i + j (j < 3), finished below */
        for (int cc = 0; cc < nc; cc++) {
            tmp[0 + j][cc] = t0[cc];
            tmp[4 + j][cc] = t1[cc];
            tmp[8 + j][cc] = t2[cc];
            tmp[12 + j][cc] = t3[cc];
        }
    }
    for (int i = 0; i < 4; i++) {
        /* u = t G^T: row i from t[i][0..2] (in tmp[4i..4i+2]) */
        float *r0 = tmp[4 * i], *r1 = tmp[4 * i + 1], *r2 = tmp[4 * i + 2], *r3 = tmp[4 * i + 3];
        for (int cc = 0; cc < nc; cc++) {
            float a = r0[cc], b = r1[cc], c = r2[cc];
            r0[cc] = a;
            r1[cc] = 0.5f * (a + b + c);
            r2[cc] = 0.5f * (a - b + c);
            r3[cc] = c;
        }
    }
}

/* Run fn(ctx, chunk, thread) over every chunk on min(nt, WINO_MAX_THREADS,
 * nchunks) threads; thread t takes chunks t, t + nt, t + 2 nt, ... (the
 * weight gradient's per-thread sums depend on this assignment). */
typedef struct {
    void (*fn)(void *ctx, int chunk, int thread);
    void *ctx;
    int nchunks;
} wino_job;

static void wino_share(void *arg, int t, int nt)
{
    const wino_job *j = arg;
    for (int c = t; c < j->nchunks; c += nt) j->fn(j->ctx, c, t);
}

static int wino_threads(int nt, int nchunks)
{
    if (nt > WINO_MAX_THREADS) nt = WINO_MAX_THREADS;
    if (nt > nchunks) nt = nchunks;
    return nt < 1 ? 1 : nt;
}

static void wino_run(void (*fn)(void *, int, int), void *ctx, int nchunks, int nt)
{
    wino_job j = {fn, ctx, nchunks};
    we_pool_run(wino_threads(nt, nchunks), wino_share, &j);
}

typedef struct {
    wino_geom g;
    float *out, *scratch;
    const float *inp, *bias;
    int accumulate;
    float *dout_w; /* dweight (dW pass) */
    const float *dout;
} wino_ctx;

static float *wino_slice(const wino_ctx *c, int thread)
{
    return c->scratch + c->g.u + (size_t)thread * c->g.slice;
}

/* Chunk -> first sample, sample count, first tile row, tile-row count. */
static void wino_chunk_at(const wino_geom *g, int chunk, int *n0, int *nb, int *ty0, int *nrow)
{
    int a = chunk / g->nck_r, b = chunk % g->nck_r;
    *n0 = a * g->nbs;
    *nb = g->N - *n0 < g->nbs ? g->N - *n0 : g->nbs;
    *ty0 = b * g->rows;
    *nrow = g->th - *ty0 < g->rows ? g->th - *ty0 : g->rows;
}

/* V = B^T d B of one chunk of x [N, C, H, W] into V [16][C][ld]. */
static void wino_input_chunk(float *V, float *rowbuf, const float *x0, int C, const wino_geom *g,
                             int n0, int nb, int ty0, int nrow)
{
    const size_t per = (size_t)nrow * g->tw, ld = (size_t)nb * per, xstride = (size_t)C * ld;
    for (int n = 0; n < nb; n++) {
        for (int c = 0; c < C; c++) {
            const float *x = x0 + ((size_t)(n0 + n) * C + c) * g->H * g->W;
            float *vc = V + (size_t)c * ld + (size_t)n * per;
            for (int ty = ty0; ty < ty0 + nrow; ty++) {
                const float *rw[4];
                for (int i = 0; i < 4; i++) {
                    int yy = 2 * ty - 1 + i;
                    rw[i] = (yy >= 0 && yy < g->H) ? x + (size_t)yy * g->W : NULL;
                }
                wino_in_row(vc + (size_t)(ty - ty0) * g->tw, xstride, rw, g->W, g->tw, rowbuf);
            }
        }
    }
}

static void wino_fwd_chunk(void *arg, int chunk, int thread)
{
    const wino_ctx *c = arg;
    const wino_geom *g = &c->g;
    int n0, nb, ty0, nrow;
    wino_chunk_at(g, chunk, &n0, &nb, &ty0, &nrow);
    const float *U = c->scratch;
    float *V = wino_slice(c, thread);
    float *M = V + (size_t)16 * g->Cin * g->cols_max;
    float *rowbuf = M + (size_t)16 * g->Cout * g->cols_max;
    const size_t per = (size_t)nrow * g->tw, ld = (size_t)nb * per;
    const size_t xstride = (size_t)g->Cin * ld, mstride = (size_t)g->Cout * ld;
    wino_input_chunk(V, rowbuf, c->inp, g->Cin, g, n0, nb, ty0, nrow);
    /* M[xi] = U[xi] V[xi], per group. */
    for (int xi = 0; xi < 16; xi++)
        for (int k = 0; k < g->G; k++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->Cog, (int)ld, g->Cig, 1.0f,
                        U + ((size_t)xi * g->Cout + (size_t)k * g->Cog) * g->Cig, g->Cig,
                        V + (size_t)xi * xstride + (size_t)k * g->Cig * ld, (int)ld, 0.0f,
                        M + (size_t)xi * mstride + (size_t)k * g->Cog * ld, (int)ld);
    /* out = A^T m A (+ bias), written or added. */
    for (int n = 0; n < nb; n++)
        for (int co = 0; co < g->Cout; co++)
            wino_out_rows(c->out + ((size_t)(n0 + n) * g->Cout + co) * g->H * g->W, ty0, nrow, g->H,
                          g->W, g->tw, M + (size_t)co * ld + (size_t)n * per, mstride,
                          c->bias ? c->bias[co] : 0.0f, c->accumulate, rowbuf);
}

void we_nn_wino_conv3x3(float *out, int accumulate, float *scratch, const float *inp,
                        const float *weight, const float *bias, int N, int Cin, int Cout,
                        int H, int W, int G, int nt)
{
    wino_ctx c = {.g = wino_plan(N, Cin, Cout, H, W, G), .out = out, .scratch = scratch,
                  .inp = inp, .bias = bias, .accumulate = accumulate};
    const int Cig = c.g.Cig;
    float *U = scratch;
    /* U = G g G^T for every (co, ci), 64 input channels at a time through a
     * small buffer so U is written in 16 sequential runs (the 16 planes are
     * a power-of-two apart and would thrash L1 if written element-wise). */
    float tmp[16][64];
    for (int co = 0; co < Cout; co++) {
        for (int c0 = 0; c0 < Cig; c0 += 64) {
            const int nc = Cig - c0 < 64 ? Cig - c0 : 64;
            wino_weight_block(tmp, weight + ((size_t)co * Cig + c0) * 9, nc);
            for (int xi = 0; xi < 16; xi++)
                memcpy(U + ((size_t)xi * Cout + co) * Cig + c0, tmp[xi], sizeof(float) * nc);
        }
    }
    wino_run(wino_fwd_chunk, &c, c.g.nchunks, nt);
}

/* dout transform of one tile row (Z = A dY A^T, A = [1 0; 1 1; 1 -1; 0 -1]):
 * r0, r1 = output rows 2ty, 2ty+1 (r1 NULL past the last row); tiles past W
 * see zeros. Writes z[xi * zstride + tx]. eo: 8 buffers of tw floats. */
WE_CLONES
static void wino_dy_row(float *z, size_t zstride, const float *r0, const float *r1, int W, int tw,
                        float *eo)
{
    float *e0 = eo, *o0 = eo + tw, *e1 = eo + 2 * tw, *o1 = eo + 3 * tw;
    const int wfull = W / 2;
    for (int k = 0; k < wfull; k++) {
        e0[k] = r0[2 * k];
        o0[k] = r0[2 * k + 1];
    }
    if (wfull < tw) {
        e0[wfull] = r0[2 * wfull];
        o0[wfull] = 0.0f;
    }
    if (r1) {
        for (int k = 0; k < wfull; k++) {
            e1[k] = r1[2 * k];
            o1[k] = r1[2 * k + 1];
        }
        if (wfull < tw) {
            e1[wfull] = r1[2 * wfull];
            o1[wfull] = 0.0f;
        }
    } else {
        memset(e1, 0, sizeof(float) * tw);
        memset(o1, 0, sizeof(float) * tw);
    }
    /* rows: z0 = d0, z1 = d0 + d1, z2 = d0 - d1, z3 = -d1 (even and odd columns) */
    float *re1 = eo + 4 * (size_t)tw, *re2 = re1 + tw, *ro1 = re2 + tw, *ro2 = ro1 + tw;
    for (int t = 0; t < tw; t++) {
        re1[t] = e0[t] + e1[t];
        re2[t] = e0[t] - e1[t];
        ro1[t] = o0[t] + o1[t];
        ro2[t] = o0[t] - o1[t];
    }
    /* columns: Z[i][0] = e, Z[i][1] = e + o, Z[i][2] = e - o, Z[i][3] = -o */
    for (int i = 0; i < 4; i++) {
        const float *ei = i == 0 ? e0 : i == 1 ? re1 : i == 2 ? re2 : e1;
        const float *oi = i == 0 ? o0 : i == 1 ? ro1 : i == 2 ? ro2 : o1;
        const float sg = i == 3 ? -1.0f : 1.0f;
        float *z0 = z + (size_t)(4 * i) * zstride, *z1 = z0 + zstride, *z2 = z1 + zstride, *z3 = z2 + zstride;
        for (int t = 0; t < tw; t++) {
            float a = sg * ei[t], b = sg * oi[t];
            z0[t] = a;
            z1[t] = a + b;
            z2[t] = a - b;
            z3[t] = -b;
        }
    }
}

static void wino_dw_chunk(void *arg, int chunk, int thread)
{
    const wino_ctx *c = arg;
    const wino_geom *g = &c->g;
    int n0, nb, ty0, nrow;
    wino_chunk_at(g, chunk, &n0, &nb, &ty0, &nrow);
    float *V = wino_slice(c, thread);
    float *Z = V + (size_t)16 * g->Cin * g->cols_max;
    float *rowbuf = Z + (size_t)16 * g->Cout * g->cols_max;
    float *dU = rowbuf + 4 * (size_t)g->rows * g->tw + (size_t)16 * (g->tw + 2);
    const size_t per = (size_t)nrow * g->tw, ld = (size_t)nb * per;
    const size_t xstride = (size_t)g->Cin * ld, zstride = (size_t)g->Cout * ld;
    wino_input_chunk(V, rowbuf, c->inp, g->Cin, g, n0, nb, ty0, nrow);
    for (int n = 0; n < nb; n++) {
        for (int co = 0; co < g->Cout; co++) {
            const float *dy = c->dout + ((size_t)(n0 + n) * g->Cout + co) * g->H * g->W;
            float *zc = Z + (size_t)co * ld + (size_t)n * per;
            for (int ty = ty0; ty < ty0 + nrow; ty++) {
                const float *r0 = dy + (size_t)(2 * ty) * g->W;
                const float *r1 = 2 * ty + 1 < g->H ? r0 + g->W : NULL;
                wino_dy_row(zc + (size_t)(ty - ty0) * g->tw, zstride, r0, r1, g->W, g->tw, rowbuf);
            }
        }
    }
    /* dU[xi]_g += Z[xi]_g V[xi]_g^T (this thread's private dU) */
    for (int xi = 0; xi < 16; xi++)
        for (int k = 0; k < g->G; k++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g->Cog, g->Cig, (int)ld, 1.0f,
                        Z + (size_t)xi * zstride + (size_t)k * g->Cog * ld, (int)ld,
                        V + (size_t)xi * xstride + (size_t)k * g->Cig * ld, (int)ld, 1.0f,
                        dU + ((size_t)xi * g->Cout + (size_t)k * g->Cog) * g->Cig, g->Cig);
}

void we_nn_wino_dweight3x3(float *dweight, float *scratch, const float *dout, const float *inp,
                           int N, int Cin, int Cout, int H, int W, int G, int nt)
{
    wino_ctx c = {.g = wino_plan(N, Cin, Cout, H, W, G), .scratch = scratch, .inp = inp,
                  .dout = dout};
    const wino_geom *g = &c.g;
    const int Cig = g->Cig;
    nt = wino_threads(nt, g->nchunks);
    float *dU = scratch; /* the sum of the threads' dU */
    const size_t off = g->slice - g->u; /* dU sits at the end of each slice */
    for (int t = 0; t < nt; t++) memset(wino_slice(&c, t) + off, 0, sizeof(float) * g->u);
    wino_run(wino_dw_chunk, &c, g->nchunks, nt);
    memcpy(dU, wino_slice(&c, 0) + off, sizeof(float) * g->u);
    for (int t = 1; t < nt; t++) {
        const float *p = wino_slice(&c, t) + off;
        for (size_t i = 0; i < g->u; i++) dU[i] += p[i];
    }
    /* dweight += G^T dU G for every (co, ci), reading dU in sequential runs */
    float tmp[16][64];
    for (int co = 0; co < Cout; co++) {
        for (int c0 = 0; c0 < Cig; c0 += 64) {
            const int nc = Cig - c0 < 64 ? Cig - c0 : 64;
            for (int xi = 0; xi < 16; xi++)
                memcpy(tmp[xi], dU + ((size_t)xi * Cout + co) * Cig + c0, sizeof(float) * nc);
            for (int cc = 0; cc < nc; cc++) {
                float u[4][4], t[3][4];
                for (int xi = 0; xi < 16; xi++) u[xi / 4][xi % 4] = tmp[xi][cc];
                for (int j = 0; j < 4; j++) {
                    t[0][j] = u[0][j] + 0.5f * (u[1][j] + u[2][j]);
                    t[1][j] = 0.5f * (u[1][j] - u[2][j]);
                    t[2][j] = 0.5f * (u[1][j] + u[2][j]) + u[3][j];
                }
                float *gw = dweight + ((size_t)co * Cig + c0 + cc) * 9;
                for (int p = 0; p < 3; p++) {
                    gw[p * 3 + 0] += t[p][0] + 0.5f * (t[p][1] + t[p][2]);
                    gw[p * 3 + 1] += 0.5f * (t[p][1] - t[p][2]);
                    gw[p * 3 + 2] += 0.5f * (t[p][1] + t[p][2]) + t[p][3];
                }
            }
        }
    }
}
