/* we_dwt.c - CPU 2-D DWT / IWT, mode periodization (see we_dwt.h).
 *
 * One level, forward, of a channel x (Hn x Wn, w = Wn/2, h = Hn/2):
 *   rows:    L[r][o]  = sum_j dec_lo[j] x[r][(F/2 + 2o - j) mod Wn]
 *            Hw[r][o] = sum_j dec_hi[j] x[r][(F/2 + 2o - j) mod Wn]
 *   columns: cA[o] = sum_j dec_lo[j] L[(F/2 + 2o - j) mod Hn], cH with dec_hi;
 *            cV, cD the same from Hw.
 * which is pywt's downsampling convolution in periodization mode (checked
 * against pywt for every filter length, including signals shorter than the
 * filter, where the index wraps several times). The inverse is pywt's
 * upsampling convolution:
 *   x[(2o + j + 1 - F/2) mod N] += rec_lo[j] a[o] + rec_hi[j] d[o].
 * Both are written in polyphase form (even/odd samples in separate,
 * periodically padded arrays), so every inner loop reads contiguous
 * floats; blocks of 16 outputs stay in vector registers across all taps.
 * Taps whose two coefficients are both 0 (pywt pads the bior filters with
 * zeros) are skipped. Accumulation is in float, one rounding per product
 * and per sum, in a fixed tap order: the result does not depend on the
 * thread count or on the SIMD width (kernels/dwt.cu does the same).
 */
#include "we_dwt.h"

#include <stdlib.h>
#include <string.h>

#include "we_pool.h"

/* Vectorise the kernels even at -O2 and give them AVX-512 and AVX2 clones
 * (picked at load time); ISO C mode keeps -ffp-contract=off (no FMA), so
 * every clone rounds identically. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#pragma GCC optimize("tree-vectorize", "unroll-loops")
#define WE_KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define WE_KERNEL
#endif

#define GRAIN (1 << 16) /* values per thread below which we do not split */

typedef struct {
    int F, pad;
    /* forward taps (j with dec_lo[j], dec_hi[j] not both 0), in j order:
     * input index 2o + fs[t]; phase fp[t] (0 even, 1 odd), offset fm[t] */
    int nf;
    float lo[WE_WAVELET_MAX_LEN], hi[WE_WAVELET_MAX_LEN];
    int fs[WE_WAVELET_MAX_LEN], fp[WE_WAVELET_MAX_LEN], fm[WE_WAVELET_MAX_LEN];
    /* inverse taps per output phase p (j in order, rec_lo/rec_hi not both
     * 0): out_p[q] += rlo a[q + rk] + rhi d[q + rk] */
    int n[2];
    float rlo[2][WE_WAVELET_MAX_LEN], rhi[2][WE_WAVELET_MAX_LEN];
    int rk[2][WE_WAVELET_MAX_LEN];
} filt;

static void filt_init(filt *f, const we_wavelet *w)
{
    memset(f, 0, sizeof *f);
    int F = w->len;
    f->F = F;
    f->pad = F / 2 + 1;
    for (int j = 0; j < F; j++) {
        if (w->dec_lo[j] != 0 || w->dec_hi[j] != 0) {
            int s = F / 2 - j, p = s & 1, i = f->nf++;
            f->lo[i] = (float)w->dec_lo[j];
            f->hi[i] = (float)w->dec_hi[j];
            f->fs[i] = s;
            f->fp[i] = p;
            f->fm[i] = (s - p) / 2;
        }
        if (w->rec_lo[j] != 0 || w->rec_hi[j] != 0) {
            int t = j + 1 - F / 2, q = t & 1, k = (t - q) / 2;
            int i = f->n[q]++;
            f->rlo[q][i] = (float)w->rec_lo[j];
            f->rhi[q][i] = (float)w->rec_hi[j];
            f->rk[q][i] = -k;
        }
    }
}

/* i mod n in [0, n); the common cases without a division. */
static inline int wrap(int i, int n)
{
    if ((unsigned)i < (unsigned)n) return i;
    if (i < 0 && i >= -n) return i + n;
    if (i >= n && i < 2 * n) return i - n;
    i %= n;
    return i < 0 ? i + n : i;
}

/* 16 floats in registers (one AVX-512, two AVX2 or four SSE registers):
 * the kernels keep their accumulators in these across all taps and touch
 * memory once per output block. Element-wise, so each output value still
 * sees the same operations in the same order as the scalar tails. */
#define VB 16
typedef float v16 __attribute__((vector_size(VB * sizeof(float))));
typedef float v16u __attribute__((vector_size(VB * sizeof(float)), aligned(4), may_alias));
#define vld(p) (*(const v16u *)(p))
#define vst(p, v) (*(v16u *)(p) = (v))

/* Periodic padding of a phase array: dst[pad + i] = src[wrap(i, w) * step]
 * for i in [-pad, w + pad). */
static inline void pad_ends(float *dst, const float *src, int w, int pad, int step)
{
    for (int i = 1; i <= pad; i++) {
        dst[pad - i] = src[(size_t)wrap(-i, w) * step];
        dst[pad + w - 1 + i] = src[(size_t)wrap(w - 1 + i, w) * step];
    }
}

/* Forward along a row: x (2w) -> lo (w), hi (w). pe, po: scratch of
 * w + 2*pad floats each. */
WE_KERNEL static void fwd_row(float *restrict lo, float *restrict hi, const float *restrict x, int w,
                              const filt *f, float *restrict pe, float *restrict po)
{
    int pad = f->pad, nf = f->nf;
    for (int i = 0; i < w; i++) {
        pe[pad + i] = x[2 * i];
        po[pad + i] = x[2 * i + 1];
    }
    pad_ends(pe, x, w, pad, 2);
    pad_ends(po, x + 1, w, pad, 2);
    const float *src[WE_WAVELET_MAX_LEN];
    for (int t = 0; t < nf; t++) src[t] = (f->fp[t] ? po : pe) + pad + f->fm[t];
    int o = 0;
    for (; o + VB <= w; o += VB) {
        v16 al = {0}, ah = {0};
        for (int t = 0; t < nf; t++) {
            v16 v = vld(src[t] + o);
            al += f->lo[t] * v;
            ah += f->hi[t] * v;
        }
        vst(lo + o, al);
        vst(hi + o, ah);
    }
    for (; o < w; o++) {
        float al = 0.0f, ah = 0.0f;
        for (int t = 0; t < nf; t++) {
            float v = src[t][o];
            al += f->lo[t] * v;
            ah += f->hi[t] * v;
        }
        lo[o] = al;
        hi[o] = ah;
    }
}

/* Forward along columns: output row o of the four bands (w each) from the
 * row-pass results L, Hw (Hn x w). */
WE_KERNEL static void fwd_col(float *restrict A, float *restrict B, float *restrict V, float *restrict D,
                              const float *restrict L, const float *restrict Hw, int Hn, int w, int o,
                              const filt *f)
{
    int nf = f->nf;
    size_t row[WE_WAVELET_MAX_LEN];
    for (int t = 0; t < nf; t++) row[t] = (size_t)wrap(2 * o + f->fs[t], Hn) * w;
    int i = 0;
    for (; i + VB <= w; i += VB) {
        v16 a = {0}, b = {0}, v = {0}, d = {0};
        for (int t = 0; t < nf; t++) {
            v16 l = vld(L + row[t] + i), h = vld(Hw + row[t] + i);
            a += f->lo[t] * l;
            b += f->hi[t] * l;
            v += f->lo[t] * h;
            d += f->hi[t] * h;
        }
        vst(A + i, a);
        vst(B + i, b);
        vst(V + i, v);
        vst(D + i, d);
    }
    for (; i < w; i++) {
        float a = 0.0f, b = 0.0f, v = 0.0f, d = 0.0f;
        for (int t = 0; t < nf; t++) {
            float l = L[row[t] + i], h = Hw[row[t] + i];
            a += f->lo[t] * l;
            b += f->hi[t] * l;
            v += f->lo[t] * h;
            d += f->hi[t] * h;
        }
        A[i] = a, B[i] = b, V[i] = v, D[i] = d;
    }
}

/* Inverse along columns: row n (of Hn = 2h) of L and Hw (w each) from the
 * four bands (h x w each). */
WE_KERNEL static void inv_col(float *restrict L, float *restrict Hw, const float *restrict A,
                              const float *restrict B, const float *restrict V, const float *restrict D,
                              int h, int w, int n, const filt *f)
{
    int q = n >> 1, p = n & 1, nt = f->n[p];
    const float *ca = f->rlo[p], *cb = f->rhi[p];
    size_t row[WE_WAVELET_MAX_LEN];
    for (int t = 0; t < nt; t++) row[t] = (size_t)wrap(q + f->rk[p][t], h) * w;
    int i = 0;
    for (; i + VB <= w; i += VB) {
        v16 l = {0}, hw = {0};
        for (int t = 0; t < nt; t++) {
            size_t r = row[t] + i;
            l += ca[t] * vld(A + r);
            l += cb[t] * vld(B + r);
            hw += ca[t] * vld(V + r);
            hw += cb[t] * vld(D + r);
        }
        vst(L + i, l);
        vst(Hw + i, hw);
    }
    for (; i < w; i++) {
        float l = 0.0f, hw = 0.0f;
        for (int t = 0; t < nt; t++) {
            size_t r = row[t] + i;
            l += ca[t] * A[r];
            l += cb[t] * B[r];
            hw += ca[t] * V[r];
            hw += cb[t] * D[r];
        }
        L[i] = l;
        Hw[i] = hw;
    }
}

/* Inverse along a row: lo, hi (w) -> x (2w). s: scratch of
 * 2*(w + 2*pad) + 2*w floats. */
WE_KERNEL static void inv_row(float *restrict x, const float *restrict lo, const float *restrict hi, int w,
                              const filt *f, float *restrict s)
{
    int pad = f->pad, wp = w + 2 * pad;
    float *restrict pl = s, *restrict ph = s + wp, *restrict ev = s + 2 * wp, *restrict od = ev + w;
    memcpy(pl + pad, lo, (size_t)w * sizeof *lo);
    memcpy(ph + pad, hi, (size_t)w * sizeof *hi);
    pad_ends(pl, lo, w, pad, 1);
    pad_ends(ph, hi, w, pad, 1);
    for (int p = 0; p < 2; p++) {
        float *restrict d = p ? od : ev;
        int nt = f->n[p];
        const float *ca = f->rlo[p], *cb = f->rhi[p];
        const float *a[WE_WAVELET_MAX_LEN], *b[WE_WAVELET_MAX_LEN];
        for (int t = 0; t < nt; t++) a[t] = pl + pad + f->rk[p][t], b[t] = ph + pad + f->rk[p][t];
        int i = 0;
        for (; i + VB <= w; i += VB) {
            v16 acc = {0};
            for (int t = 0; t < nt; t++) {
                acc += ca[t] * vld(a[t] + i);
                acc += cb[t] * vld(b[t] + i);
            }
            vst(d + i, acc);
        }
        for (; i < w; i++) {
            float acc = 0.0f;
            for (int t = 0; t < nt; t++) {
                acc += ca[t] * a[t][i];
                acc += cb[t] * b[t][i];
            }
            d[i] = acc;
        }
    }
    for (int i = 0; i < w; i++) {
        x[2 * i] = ev[i];
        x[2 * i + 1] = od[i];
    }
}

/* ---- levels, phases, threads ------------------------------------------ */

typedef struct {
    const filt *f;
    int inverse, phase;
    int Cn, Hn, Wn;     /* image side of this level */
    const float *src;
    float *dst, *tmp;   /* tmp: L and Hw of every channel, Cn*Hn*Wn floats */
    float *scratch;     /* per-thread row scratch base */
    size_t scratch_n;   /* floats per thread */
} task;

/* Items [begin, end) of one phase, with thread tid's row scratch. */
static void run_task(const task *k, long begin, long end, int tid)
{
    const filt *f = k->f;
    int Hn = k->Hn, Wn = k->Wn, w = Wn / 2, h = Hn / 2, Cn = k->Cn;
    size_t plane = (size_t)Hn * w; /* one L or Hw plane */
    size_t band = (size_t)h * w;
    float *s = k->scratch + (size_t)tid * k->scratch_n;
    for (long it = begin; it < end; it++) {
        if (!k->inverse && k->phase == 0) { /* rows: item = (c, r) */
            long c = it / Hn, r = it % Hn;
            float *L = k->tmp + 2 * c * plane, *Hw = L + plane;
            fwd_row(L + r * w, Hw + r * w, k->src + ((size_t)c * Hn + r) * Wn, w, f, s, s + w + 2 * f->pad);
        } else if (!k->inverse) { /* columns: item = (c, o) */
            long c = it / h, o = it % h;
            const float *L = k->tmp + 2 * c * plane, *Hw = L + plane;
            float *d = k->dst + ((size_t)c * h + o) * w;
            size_t bs = (size_t)Cn * band;
            fwd_col(d, d + bs, d + 2 * bs, d + 3 * bs, L, Hw, Hn, w, (int)o, f);
        } else if (k->phase == 0) { /* inverse columns: item = (c, n) */
            long c = it / Hn, n = it % Hn;
            float *L = k->tmp + 2 * c * plane, *Hw = L + plane;
            const float *A = k->src + (size_t)c * band;
            size_t bs = (size_t)Cn * band;
            inv_col(L + n * w, Hw + n * w, A, A + bs, A + 2 * bs, A + 3 * bs, h, w, (int)n, f);
        } else { /* inverse rows: item = (c, n) */
            long c = it / Hn, n = it % Hn;
            const float *L = k->tmp + 2 * c * plane, *Hw = L + plane;
            inv_row(k->dst + ((size_t)c * Hn + n) * Wn, L + n * w, Hw + n * w, w, f, s);
        }
    }
}

typedef struct {
    const task *k;
    long n;
} phase;

static void phase_share(void *arg, int t, int nt)
{
    const phase *ph = arg;
    long begin, end;
    we_pool_block(ph->n, t, nt, &begin, &end);
    run_task(ph->k, begin, end, t);
}

/* Run items [0, n) of one phase on nt threads, in contiguous blocks. */
static void run_phase(const task *k, long n, int nt)
{
    phase ph = {k, n};
    if (nt > WE_POOL_MAX) nt = WE_POOL_MAX;
    if (nt > n) nt = n > 0 ? (int)n : 1;
    we_pool_run(nt, phase_share, &ph);
}

int we_dwt_threads(int nthreads)
{
    return nthreads > 0 ? nthreads : we_pool_cores();
}

we_status we_dwt2_check(int64_t C, int64_t H, int64_t W, int J)
{
    if (J < 1 || J > WE_DWT_MAX_LEVELS)
        return we_err_set(WE_EUSAGE, "levels %d out of range (1..%d)", J, WE_DWT_MAX_LEVELS);
    if (C < 1 || H < 1 || W < 1)
        return we_err_set(WE_EDATA, "image %lldx%lldx%lld has an empty dimension", (long long)C,
                          (long long)H, (long long)W);
    if (C > INT32_MAX || H > INT32_MAX || W > INT32_MAX || (double)C * H * W > (double)(INT64_MAX / 16))
        return we_err_set(WE_EDATA, "image %lldx%lldx%lld is too large", (long long)C, (long long)H,
                          (long long)W);
    int64_t m = (int64_t)1 << J;
    if (H % m || W % m)
        return we_err_set(WE_EDATA,
                          "image %lldx%lld (HxW) is not divisible by 2^%d = %lld: mode periodization "
                          "needs even sizes at every level (crop or resize the image)",
                          (long long)H, (long long)W, J, (long long)m);
    if ((double)C * (double)((int64_t)1 << (2 * J)) > INT32_MAX)
        return we_err_set(WE_EDATA, "%d levels of %lld channels give too many channels", J, (long long)C);
    return WE_OK;
}

void we_dwt2_coef_shape(int64_t C, int64_t H, int64_t W, int J, int64_t shape[3])
{
    shape[0] = C << (2 * J);
    shape[1] = H >> J;
    shape[2] = W >> J;
}

static int eff_threads(int C, int H, int W, int nthreads)
{
    int nt = we_dwt_threads(nthreads);
    double cap = (double)C * H * W / GRAIN;
    if (cap < 1) cap = 1;
    if (nt > cap) nt = (int)cap;
    return nt;
}

static size_t scratch_per_thread(int W, const we_wavelet *w)
{
    size_t wp = (size_t)W / 2 + 2 * (size_t)(w->len / 2 + 1);
    return 2 * wp + (size_t)W + 16;
}

size_t we_dwt2_work_floats(int C, int H, int W, const we_wavelet *w, int J, int nthreads)
{
    size_t n = (size_t)C * H * W;
    int nt = we_dwt_threads(nthreads);
    if (nt > WE_POOL_MAX) nt = WE_POOL_MAX;
    return n + (J > 1 ? n : 0) + (size_t)nt * scratch_per_thread(W, w);
}

static we_status transform(float *out, float *work, const float *in, int C, int H, int W,
                           const we_wavelet *w, int J, int nthreads, int inverse)
{
    if (!out || !in || !w || w->len < 2 || w->len > WE_WAVELET_MAX_LEN)
        return we_err_set(WE_EUSAGE, "dwt: null buffer or bad wavelet");
    we_status st = we_dwt2_check(C, H, W, J);
    if (st) return st;
    float *own = NULL;
    if (!work) {
        own = malloc(we_dwt2_work_floats(C, H, W, w, J, nthreads) * sizeof(float));
        if (!own) return we_err_set(WE_ENOMEM, "dwt: no memory for the workspace");
        work = own;
    }
    filt f;
    filt_init(&f, w);
    size_t n = (size_t)C * H * W;
    int nt = eff_threads(C, H, W, nthreads);
    task k = {.f = &f, .inverse = inverse, .tmp = work, .scratch = work + n + (J > 1 ? n : 0),
              .scratch_n = scratch_per_thread(W, w)};
    float *pp = work + n;
    for (int step = 0; step < J; step++) {
        /* forward: level l = step + 1; inverse: level l = J - step. */
        int l = inverse ? J - step : step + 1;
        k.Cn = C << (2 * (l - 1));
        k.Hn = H >> (l - 1);
        k.Wn = W >> (l - 1);
        float *dst;
        if (!inverse) {
            dst = ((J - l) % 2 == 0) ? out : pp;
            k.src = l == 1 ? in : (((J - l + 1) % 2 == 0) ? out : pp);
        } else {
            dst = ((l - 1) % 2 == 0) ? out : pp;
            k.src = l == J ? in : ((l % 2 == 0) ? out : pp);
        }
        k.dst = dst;
        long rows = (long)k.Cn * k.Hn;
        k.phase = 0;
        run_phase(&k, rows, nt);
        k.phase = 1;
        run_phase(&k, inverse ? rows : rows / 2, nt);
    }
    free(own);
    return WE_OK;
}

we_status we_dwt2_forward(float *out, float *work, const float *in, int C, int H, int W,
                          const we_wavelet *w, int J, int nthreads)
{
    return transform(out, work, in, C, H, W, w, J, nthreads, 0);
}

we_status we_dwt2_inverse(float *out, float *work, const float *in, int C, int H, int W,
                          const we_wavelet *w, int J, int nthreads)
{
    return transform(out, work, in, C, H, W, w, J, nthreads, 1);
}

int64_t we_dwt2_padded_size(int64_t n, int J)
{
    int64_t m = (int64_t)1 << J;
    return (n + m - 1) / m * m;
}

void we_dwt2_pad_edge(float *out, const float *in, int C, int H, int W, int Hp, int Wp)
{
    for (int c = 0; c < C; c++)
        for (int y = 0; y < Hp; y++) {
            const float *src = in + ((size_t)c * H + (size_t)(y < H ? y : H - 1)) * (size_t)W;
            float *dst = out + ((size_t)c * Hp + (size_t)y) * (size_t)Wp;
            memcpy(dst, src, (size_t)W * sizeof *dst);
            for (int x = W; x < Wp; x++) dst[x] = src[W - 1];
        }
}

void we_dwt2_crop(float *out, const float *in, int C, int Hp, int Wp, int H, int W)
{
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
            memcpy(out + ((size_t)c * H + (size_t)y) * (size_t)W, in + ((size_t)c * Hp + (size_t)y) * (size_t)Wp,
                   (size_t)W * sizeof *out);
}
