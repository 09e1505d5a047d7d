// nn_pointwise.cu - CUDA twins of lib/nn/we_nn_pointwise.c and we_nn_haar.c:
// SiLU, add, scale, per-channel add, concat, slice, MSE, Haar DWT/IWT.
// Backward functions accumulate (+=), NULL skips, as on the CPU.
#include "nn_common.h"

#define PW_THREADS 256

__global__ void silu_fwd_k(float *out, const float *inp, size_t n)
{
    NN_GRID_STRIDE(i, n) { float x = inp[i]; out[i] = x / (1.0f + expf(-x)); }
}
__global__ void silu_bwd_k(float *dinp, const float *dout, const float *inp, size_t n)
{
    NN_GRID_STRIDE(i, n) {
        float x = inp[i], s = 1.0f / (1.0f + expf(-x));
        dinp[i] += dout[i] * s * (1.0f + x * (1.0f - s));
    }
}
__global__ void add_fwd_k(float *out, const float *a, const float *b, float s, size_t n)
{
    NN_GRID_STRIDE(i, n) out[i] = s == 1.0f ? a[i] + b[i] : s * (a[i] + b[i]);
}
__global__ void axpy_k(float *y, const float *x, float s, size_t n)
{
    NN_GRID_STRIDE(i, n) y[i] += s * x[i];
}
__global__ void scale_k(float *out, const float *inp, float s, size_t n)
{
    NN_GRID_STRIDE(i, n) out[i] = s * inp[i];
}
__global__ void addnc_fwd_k(float *out, const float *inp, const float *v, int HW, size_t n)
{
    NN_GRID_STRIDE(i, n) out[i] = inp[i] + v[i / HW];
}
// one block per (n,c) row
__global__ void rowsum_add_k(float *dv, const float *dout, int HW)
{
    const float *r = dout + (size_t)blockIdx.x * HW;
    double s = 0.0;
    for (int i = threadIdx.x; i < HW; i += blockDim.x) s += r[i];
    s = nn_block_sum(s);
    if (threadIdx.x == 0) dv[blockIdx.x] += (float)s;
}
// out[n][c0o + j] (=, or += when acc) inp[n][c0i + j], j < cnt*HW, over N samples.
__global__ void chan_copy_k(float *out, size_t so, size_t oo, const float *inp, size_t si, size_t oi,
                            size_t cnt, int N, int acc)
{
    size_t total = (size_t)N * cnt;
    NN_GRID_STRIDE(i, total) {
        size_t n = i / cnt, j = i % cnt;
        float v = inp[n * si + oi + j];
        if (acc) out[n * so + oo + j] += v;
        else out[n * so + oo + j] = v;
    }
}

#define LAUNCH(k, n, ...) do { k<<<nn_blocks((n), PW_THREADS), PW_THREADS>>>(__VA_ARGS__); NN_LAUNCH_CHECK(); } while (0)

extern "C" void we_nn_silu_forward_cuda(float *out, const float *inp, size_t n) { LAUNCH(silu_fwd_k, n, out, inp, n); }
extern "C" void we_nn_silu_backward_cuda(float *dinp, const float *dout, const float *inp, size_t n) { LAUNCH(silu_bwd_k, n, dinp, dout, inp, n); }
extern "C" void we_nn_add_forward_cuda(float *out, const float *a, const float *b, float s, size_t n) { LAUNCH(add_fwd_k, n, out, a, b, s, n); }
extern "C" void we_nn_add_backward_cuda(float *da, float *db, const float *dout, float s, size_t n)
{
    if (da) LAUNCH(axpy_k, n, da, dout, s, n);
    if (db) LAUNCH(axpy_k, n, db, dout, s, n);
}
extern "C" void we_nn_scale_forward_cuda(float *out, const float *inp, float s, size_t n) { LAUNCH(scale_k, n, out, inp, s, n); }
extern "C" void we_nn_scale_backward_cuda(float *dinp, const float *dout, float s, size_t n) { LAUNCH(axpy_k, n, dinp, dout, s, n); }
extern "C" void we_nn_addnc_forward_cuda(float *out, const float *inp, const float *v, int N, int C, int HW)
{
    size_t n = (size_t)N * C * HW;
    LAUNCH(addnc_fwd_k, n, out, inp, v, HW, n);
}
extern "C" void we_nn_addnc_backward_cuda(float *dinp, float *dv, const float *dout, int N, int C, int HW)
{
    size_t n = (size_t)N * C * HW;
    if (dinp) LAUNCH(axpy_k, n, dinp, dout, 1.0f, n);
    if (dv) {
        rowsum_add_k<<<N * C, PW_THREADS>>>(dv, dout, HW);
        NN_LAUNCH_CHECK();
    }
}
extern "C" void we_nn_concat_forward_cuda(float *out, const float *a, const float *b, int N, int Ca, int Cb, int HW)
{
    size_t sa = (size_t)Ca * HW, sb = (size_t)Cb * HW;
    LAUNCH(chan_copy_k, N * sa, out, sa + sb, 0, a, sa, 0, sa, N, 0);
    LAUNCH(chan_copy_k, N * sb, out, sa + sb, sa, b, sb, 0, sb, N, 0);
}
extern "C" void we_nn_concat_backward_cuda(float *da, float *db, const float *dout, int N, int Ca, int Cb, int HW)
{
    size_t sa = (size_t)Ca * HW, sb = (size_t)Cb * HW;
    if (da) LAUNCH(chan_copy_k, N * sa, da, sa, 0, dout, sa + sb, 0, sa, N, 1);
    if (db) LAUNCH(chan_copy_k, N * sb, db, sb, 0, dout, sa + sb, sa, sb, N, 1);
}
extern "C" void we_nn_slice_forward_cuda(float *out, const float *inp, int N, int Cin, int c0, int Cout, int HW)
{
    size_t so = (size_t)Cout * HW;
    LAUNCH(chan_copy_k, N * so, out, so, 0, inp, (size_t)Cin * HW, (size_t)c0 * HW, so, N, 0);
}
extern "C" void we_nn_slice_backward_cuda(float *dinp, const float *dout, int N, int Cin, int c0, int Cout, int HW)
{
    size_t so = (size_t)Cout * HW;
    LAUNCH(chan_copy_k, N * so, dinp, (size_t)Cin * HW, (size_t)c0 * HW, dout, so, 0, so, N, 1);
}

// ---- MSE: a partial sum in double per block, then one block adds them in
// a fixed order and writes the mean (deterministic, no atomics).
#define MSE_BLOCKS 1024
static __device__ double g_mse_part[MSE_BLOCKS];
__global__ void mse_sum_k(const float *p, const float *t, size_t n)
{
    double s = 0.0;
    NN_GRID_STRIDE(i, n) { double d = (double)p[i] - (double)t[i]; s += d * d; }
    s = nn_block_sum(s);
    if (threadIdx.x == 0) g_mse_part[blockIdx.x] = s;
}
__global__ void mse_final_k(float *loss, unsigned nb, size_t n)
{
    double s = 0.0;
    for (unsigned i = threadIdx.x; i < nb; i += blockDim.x) s += g_mse_part[i];
    s = nn_block_sum(s);
    if (threadIdx.x == 0) *loss = n ? (float)(s / (double)n) : 0.0f;
}
__global__ void mse_bwd_k(float *dp, float *dt, const float *p, const float *t, float k, size_t n)
{
    NN_GRID_STRIDE(i, n) {
        float g = k * (p[i] - t[i]);
        if (dp) dp[i] += g;
        if (dt) dt[i] -= g;
    }
}
extern "C" void we_nn_mse_forward_cuda(float *loss_dev, const float *pred, const float *target, size_t n)
{
    unsigned b = nn_blocks(n, PW_THREADS);
    if (b > MSE_BLOCKS) b = MSE_BLOCKS;
    mse_sum_k<<<b, PW_THREADS>>>(pred, target, n);
    mse_final_k<<<1, PW_THREADS>>>(loss_dev, b, n);
    NN_LAUNCH_CHECK();
}
extern "C" void we_nn_mse_backward_cuda(float *dpred, float *dtarget, const float *pred,
                                        const float *target, float dloss, size_t n)
{
    LAUNCH(mse_bwd_k, n, dpred, dtarget, pred, target, 2.0f * dloss / (float)n, n);
}

// ---- Haar. One thread per 2x2 input block / band coefficient.
// analysis: x [N,C,2h,2w] -> y [N,4C,h,w]; acc selects = or +=.
__global__ void haar_analysis_k(float *y, const float *x, int N, int C, int h, int w, int acc)
{
    size_t total = (size_t)N * C * h * w, hw = (size_t)h * w;
    NN_GRID_STRIDE(i, total) {
        int j = (int)(i % w), ii = (int)((i / w) % h);
        size_t c = (i / hw) % C, n = i / (hw * C);
        const float *r0 = x + ((n * C + c) * 2 * h + 2 * ii) * (size_t)(2 * w), *r1 = r0 + 2 * w;
        float a = r0[2 * j], b = r0[2 * j + 1], cc = r1[2 * j], e = r1[2 * j + 1];
        size_t band = (size_t)C * hw, o = n * 4 * band + c * hw + (size_t)ii * w + j;
        float v0 = 0.5f * (a + b + cc + e), v1 = 0.5f * (a + b - cc - e);
        float v2 = 0.5f * (a - b + cc - e), v3 = 0.5f * (a - b - cc + e);
        if (acc) { y[o] += v0; y[o + band] += v1; y[o + 2 * band] += v2; y[o + 3 * band] += v3; }
        else { y[o] = v0; y[o + band] = v1; y[o + 2 * band] = v2; y[o + 3 * band] = v3; }
    }
}
// synthesis: y [N,4C,h,w] -> x [N,C,2h,2w]
__global__ void haar_synthesis_k(float *x, const float *y, int N, int C, int h, int w, int acc)
{
    size_t total = (size_t)N * C * h * w, hw = (size_t)h * w;
    NN_GRID_STRIDE(i, total) {
        int j = (int)(i % w), ii = (int)((i / w) % h);
        size_t c = (i / hw) % C, n = i / (hw * C);
        size_t band = (size_t)C * hw, o = n * 4 * band + c * hw + (size_t)ii * w + j;
        float A = y[o], B = y[o + band], Cv = y[o + 2 * band], D = y[o + 3 * band];
        float *r0 = x + ((n * C + c) * 2 * h + 2 * ii) * (size_t)(2 * w), *r1 = r0 + 2 * w;
        float a = 0.5f * (A + B + Cv + D), b = 0.5f * (A + B - Cv - D);
        float cc = 0.5f * (A - B + Cv - D), e = 0.5f * (A - B - Cv + D);
        if (acc) { r0[2 * j] += a; r0[2 * j + 1] += b; r1[2 * j] += cc; r1[2 * j + 1] += e; }
        else { r0[2 * j] = a; r0[2 * j + 1] = b; r1[2 * j] = cc; r1[2 * j + 1] = e; }
    }
}
extern "C" void we_nn_dwt_forward_cuda(float *out, const float *inp, int N, int C, int H, int W)
{
    LAUNCH(haar_analysis_k, (size_t)N * C * (H / 2) * (W / 2), out, inp, N, C, H / 2, W / 2, 0);
}
extern "C" void we_nn_dwt_backward_cuda(float *dinp, const float *dout, int N, int C, int H, int W)
{
    LAUNCH(haar_synthesis_k, (size_t)N * C * (H / 2) * (W / 2), dinp, dout, N, C, H / 2, W / 2, 1);
}
extern "C" void we_nn_iwt_forward_cuda(float *out, const float *inp, int N, int C, int h, int w)
{
    LAUNCH(haar_synthesis_k, (size_t)N * C * h * w, out, inp, N, C, h, w, 0);
}
extern "C" void we_nn_iwt_backward_cuda(float *dinp, const float *dout, int N, int C, int h, int w)
{
    LAUNCH(haar_analysis_k, (size_t)N * C * h * w, dinp, dout, N, C, h, w, 1);
}
