// dwt.cu - CUDA twins of we_dwt2_forward / we_dwt2_inverse (lib/wavelet/we_dwt.c).
//
// Same separable, periodization algorithm as the CPU reference, one thread
// per output value, the same tap order, and every product and sum rounded
// on its own (__fmul_rn / __fadd_rn: no fused multiply-add), so the GPU
// result equals the CPU result bit for bit. See lib/wavelet/we_dwt_cuda.h.
#include <cuda_runtime.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern "C" {
#include "we_dwt_cuda.h"
}

namespace {

// Filter taps, built on the host exactly as lib/wavelet/we_dwt.c's filt_init and
// passed by value to the kernels.
struct taps {
    int F, nf;
    float lo[WE_WAVELET_MAX_LEN], hi[WE_WAVELET_MAX_LEN];
    int fs[WE_WAVELET_MAX_LEN];
    int n[2];
    float rlo[2][WE_WAVELET_MAX_LEN], rhi[2][WE_WAVELET_MAX_LEN];
    int rk[2][WE_WAVELET_MAX_LEN];
};

void taps_init(taps *f, const we_wavelet *w)
{
    memset(f, 0, sizeof *f);
    int F = w->len;
    f->F = F;
    for (int j = 0; j < F; j++) {
        // taps whose two coefficients are both 0 are skipped, as on the CPU
        if (w->dec_lo[j] != 0 || w->dec_hi[j] != 0) {
            int i = f->nf++;
            f->lo[i] = (float)w->dec_lo[j];
            f->hi[i] = (float)w->dec_hi[j];
            f->fs[i] = F / 2 - j;
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

__device__ __forceinline__ int wrap(int i, int n)
{
    i %= n;
    return i < 0 ? i + n : i;
}

__device__ __forceinline__ float mac(float acc, float a, float x) { return __fadd_rn(acc, __fmul_rn(a, x)); }

// Rows, forward: tmp holds L and Hw (Hn x w each) per channel.
__global__ void fwd_row_k(float *tmp, const float *src, int Cn, int Hn, int Wn, taps f)
{
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    int w = Wn / 2;
    long long total = (long long)Cn * Hn * w;
    if (idx >= total) return;
    int o = (int)(idx % w);
    long long cr = idx / w;
    int r = (int)(cr % Hn), c = (int)(cr / Hn);
    const float *x = src + ((size_t)c * Hn + r) * Wn;
    float lo = 0.0f, hi = 0.0f;
    for (int t = 0; t < f.nf; t++) {
        float v = x[wrap(2 * o + f.fs[t], Wn)];
        lo = mac(lo, f.lo[t], v);
        hi = mac(hi, f.hi[t], v);
    }
    size_t plane = (size_t)Hn * w;
    float *L = tmp + 2 * (size_t)c * plane;
    L[(size_t)r * w + o] = lo;
    L[plane + (size_t)r * w + o] = hi;
}

// Columns, forward: the four bands of level output, subband-major.
__global__ void fwd_col_k(float *dst, const float *tmp, int Cn, int Hn, int Wn, taps f)
{
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    int w = Wn / 2, h = Hn / 2;
    long long total = (long long)Cn * h * w;
    if (idx >= total) return;
    int i = (int)(idx % w);
    long long co = idx / w;
    int o = (int)(co % h), c = (int)(co / h);
    size_t plane = (size_t)Hn * w;
    const float *L = tmp + 2 * (size_t)c * plane, *Hw = L + plane;
    float A = 0.0f, B = 0.0f, V = 0.0f, D = 0.0f;
    for (int t = 0; t < f.nf; t++) {
        size_t r = (size_t)wrap(2 * o + f.fs[t], Hn) * w + i;
        float l = L[r], hv = Hw[r];
        A = mac(A, f.lo[t], l);
        B = mac(B, f.hi[t], l);
        V = mac(V, f.lo[t], hv);
        D = mac(D, f.hi[t], hv);
    }
    size_t band = (size_t)h * w, bs = (size_t)Cn * band, at = (size_t)c * band + (size_t)o * w + i;
    dst[at] = A;
    dst[at + bs] = B;
    dst[at + 2 * bs] = V;
    dst[at + 3 * bs] = D;
}

// Columns, inverse: L and Hw rows n from the four bands.
__global__ void inv_col_k(float *tmp, const float *src, int Cn, int Hn, int Wn, taps f)
{
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    int w = Wn / 2, h = Hn / 2;
    long long total = (long long)Cn * Hn * w;
    if (idx >= total) return;
    int i = (int)(idx % w);
    long long cn = idx / w;
    int n = (int)(cn % Hn), c = (int)(cn / Hn);
    int q = n >> 1, p = n & 1;
    size_t band = (size_t)h * w, bs = (size_t)Cn * band;
    const float *A = src + (size_t)c * band;
    float l = 0.0f, hw = 0.0f;
    for (int t = 0; t < f.n[p]; t++) {
        size_t r = (size_t)wrap(q + f.rk[p][t], h) * w + i;
        l = mac(l, f.rlo[p][t], A[r]);
        l = mac(l, f.rhi[p][t], A[r + bs]);
        hw = mac(hw, f.rlo[p][t], A[r + 2 * bs]);
        hw = mac(hw, f.rhi[p][t], A[r + 3 * bs]);
    }
    size_t plane = (size_t)Hn * w;
    float *L = tmp + 2 * (size_t)c * plane;
    L[(size_t)n * w + i] = l;
    L[plane + (size_t)n * w + i] = hw;
}

// Rows, inverse: x[2q], x[2q+1] of row n from L and Hw.
__global__ void inv_row_k(float *dst, const float *tmp, int Cn, int Hn, int Wn, taps f)
{
    long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    int w = Wn / 2;
    long long total = (long long)Cn * Hn * w;
    if (idx >= total) return;
    int q = (int)(idx % w);
    long long cn = idx / w;
    int n = (int)(cn % Hn), c = (int)(cn / Hn);
    size_t plane = (size_t)Hn * w;
    const float *lo = tmp + 2 * (size_t)c * plane + (size_t)n * w, *hi = lo + plane;
    float e[2];
    for (int p = 0; p < 2; p++) {
        float d = 0.0f;
        for (int t = 0; t < f.n[p]; t++) {
            int k = wrap(q + f.rk[p][t], w);
            d = mac(d, f.rlo[p][t], lo[k]);
            d = mac(d, f.rhi[p][t], hi[k]);
        }
        e[p] = d;
    }
    float *x = dst + ((size_t)c * Hn + n) * Wn;
    x[2 * q] = e[0];
    x[2 * q + 1] = e[1];
}

we_status cuda_fail(cudaError_t e, const char *what)
{
    return we_err_set(WE_EDEVICE, "CUDA %s: %s", what, cudaGetErrorString(e));
}

unsigned blocks(long long n, int bs) { return (unsigned)((n + bs - 1) / bs); }

we_status transform(float *out, float *work, const float *in, int C, int H, int W, const we_wavelet *w, int J,
                    int inverse)
{
    if (!out || !in || !w || w->len < 2 || w->len > WE_WAVELET_MAX_LEN)
        return we_err_set(WE_EUSAGE, "dwt (cuda): null buffer or bad wavelet");
    we_status st = we_dwt2_check(C, H, W, J);
    if (st) return st;
    size_t n = (size_t)C * H * W;
    float *own = NULL;
    cudaError_t e;
    if (!work) {
        if ((e = cudaMalloc(&own, (J > 1 ? 2 : 1) * n * sizeof(float))) != cudaSuccess)
            return cuda_fail(e, "cudaMalloc of the workspace");
        work = own;
    }
    taps f;
    taps_init(&f, w);
    float *tmp = work, *pp = work + n;
    const int bs = 256;
    for (int step = 0; step < J; step++) {
        int l = inverse ? J - step : step + 1;
        int Cn = C << (2 * (l - 1)), Hn = H >> (l - 1), Wn = W >> (l - 1);
        float *dst;
        const float *src;
        if (!inverse) {
            dst = ((J - l) % 2 == 0) ? out : pp;
            src = l == 1 ? in : (((J - l + 1) % 2 == 0) ? out : pp);
            long long rows = (long long)Cn * Hn * (Wn / 2);
            fwd_row_k<<<blocks(rows, bs), bs>>>(tmp, src, Cn, Hn, Wn, f);
            fwd_col_k<<<blocks(rows / 2, bs), bs>>>(dst, tmp, Cn, Hn, Wn, f);
        } else {
            dst = ((l - 1) % 2 == 0) ? out : pp;
            src = l == J ? in : ((l % 2 == 0) ? out : pp);
            long long rows = (long long)Cn * Hn * (Wn / 2);
            inv_col_k<<<blocks(rows, bs), bs>>>(tmp, src, Cn, Hn, Wn, f);
            inv_row_k<<<blocks(rows, bs), bs>>>(dst, tmp, Cn, Hn, Wn, f);
        }
    }
    e = cudaGetLastError();
    if (e == cudaSuccess) e = cudaDeviceSynchronize();
    if (own) cudaFree(own);
    return e == cudaSuccess ? WE_OK : cuda_fail(e, inverse ? "inverse DWT kernels" : "forward DWT kernels");
}

// Host wrapper state: device buffers reused between calls.
pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
float *d_in, *d_out, *d_work;
size_t d_cap; // floats per image buffer

we_status host_call(float *out, const float *in, int C, int H, int W, const we_wavelet *w, int J, int inverse)
{
    we_status st = we_dwt2_check(C, H, W, J);
    if (st) return st;
    size_t n = (size_t)C * H * W;
    cudaError_t e = cudaSuccess;
    pthread_mutex_lock(&cache_mu);
    if (n > d_cap) {
        cudaFree(d_in), cudaFree(d_out), cudaFree(d_work);
        d_in = d_out = d_work = NULL;
        d_cap = 0;
        if ((e = cudaMalloc(&d_in, n * sizeof(float))) != cudaSuccess ||
            (e = cudaMalloc(&d_out, n * sizeof(float))) != cudaSuccess ||
            (e = cudaMalloc(&d_work, 2 * n * sizeof(float))) != cudaSuccess) {
            cudaFree(d_in), cudaFree(d_out), cudaFree(d_work);
            d_in = d_out = d_work = NULL;
            pthread_mutex_unlock(&cache_mu);
            return cuda_fail(e, "cudaMalloc");
        }
        d_cap = n;
    }
    if ((e = cudaMemcpy(d_in, in, n * sizeof(float), cudaMemcpyHostToDevice)) != cudaSuccess) {
        pthread_mutex_unlock(&cache_mu);
        return cuda_fail(e, "copy to the GPU");
    }
    st = transform(d_out, d_work, d_in, C, H, W, w, J, inverse);
    if (!st && (e = cudaMemcpy(out, d_out, n * sizeof(float), cudaMemcpyDeviceToHost)) != cudaSuccess)
        st = cuda_fail(e, "copy from the GPU");
    pthread_mutex_unlock(&cache_mu);
    return st;
}

__global__ void fill_k(float *x, size_t n)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        unsigned v = (unsigned)i * 2654435761u;
        x[i] = (float)(v >> 8) / 16777216.0f * 2.0f - 1.0f;
    }
}

} // namespace

extern "C" we_status we_dwt2_forward_cuda(float *out, float *work, const float *in, int C, int H, int W,
                                          const we_wavelet *w, int J, int nthreads)
{
    return transform(out, work, in, C, H, W, w, J, 0);
}

extern "C" we_status we_dwt2_inverse_cuda(float *out, float *work, const float *in, int C, int H, int W,
                                          const we_wavelet *w, int J, int nthreads)
{
    return transform(out, work, in, C, H, W, w, J, 1);
}

extern "C" we_status we_dwt2_forward_cuda_host(float *out, float *work, const float *in, int C, int H, int W,
                                               const we_wavelet *w, int J, int nthreads)
{
    return host_call(out, in, C, H, W, w, J, 0);
}

extern "C" we_status we_dwt2_inverse_cuda_host(float *out, float *work, const float *in, int C, int H, int W,
                                               const we_wavelet *w, int J, int nthreads)
{
    return host_call(out, in, C, H, W, w, J, 1);
}

extern "C" we_status we_dwt2_cuda_time(double *seconds, int C, int H, int W, const we_wavelet *w, int J, int iters)
{
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
        cudaGetLastError();
        return we_err_set(WE_EDEVICE, "no CUDA device");
    }
    we_status st = we_dwt2_check(C, H, W, J);
    if (st) return st;
    size_t n = (size_t)C * H * W;
    float *x = NULL, *y = NULL, *z = NULL, *wk = NULL;
    cudaError_t e;
    if ((e = cudaMalloc(&x, n * 4)) || (e = cudaMalloc(&y, n * 4)) || (e = cudaMalloc(&z, n * 4)) ||
        (e = cudaMalloc(&wk, 2 * n * 4))) {
        cudaFree(x), cudaFree(y), cudaFree(z);
        return cuda_fail(e, "cudaMalloc");
    }
    fill_k<<<blocks((long long)n, 256), 256>>>(x, n);
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    st = transform(y, wk, x, C, H, W, w, J, 0); // warm-up
    if (!st) st = transform(z, wk, y, C, H, W, w, J, 1);
    cudaEventRecord(a);
    for (int i = 0; i < iters && !st; i++) {
        st = transform(y, wk, x, C, H, W, w, J, 0);
        if (!st) st = transform(z, wk, y, C, H, W, w, J, 1);
    }
    cudaEventRecord(b);
    cudaEventSynchronize(b);
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    *seconds = iters > 0 ? ms / 1000.0 / iters : 0;
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    cudaFree(x), cudaFree(y), cudaFree(z), cudaFree(wk);
    return st;
}

extern "C" double we_dwt2_cuda_bandwidth_gbs(void)
{
    int clk = 0, bus = 0;
    if (cudaDeviceGetAttribute(&clk, cudaDevAttrMemoryClockRate, 0) != cudaSuccess ||
        cudaDeviceGetAttribute(&bus, cudaDevAttrGlobalMemoryBusWidth, 0) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return 2.0 * clk * 1e3 * (bus / 8.0) / 1e9;
}
