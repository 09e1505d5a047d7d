// faceapi.cu - CUDA twins of lib/faceapi/we_faceapi_ops.c and the nets' elementwise
// helpers (lib/faceapi/we_faceapi_cuda.h). Same argument order as the CPU
// functions; planar C x H x W; GEMMs through cuBLAS (row-major expressed as
// the column-major transpose). Validated against the CPU reference by
// tests/unit/test_faceapi_cuda.c on a machine with a GPU.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stdio.h>

extern "C" {
#include "we_err.h"
}
#include "we_faceapi_cuda.h"

static cublasHandle_t g_h;
static char g_err[256];

static void record(int failed, const char *what, const char *file, int line)
{
    if (failed && !g_err[0]) snprintf(g_err, sizeof g_err, "%s (%s:%d)", what, file, line);
}
#define FA_CK(call) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) record(1, cudaGetErrorString(e_), __FILE__, __LINE__); } while (0)
#define FA_CB(call) do { cublasStatus_t s_ = (call); if (s_ != CUBLAS_STATUS_SUCCESS) record(1, "cublas call failed", __FILE__, __LINE__); } while (0)
#define FA_LAUNCH() FA_CK(cudaGetLastError())

static cublasHandle_t handle(void)
{
    if (!g_h && cublasCreate(&g_h) != CUBLAS_STATUS_SUCCESS) {
        record(1, "cublasCreate failed", __FILE__, __LINE__);
        g_h = NULL;
    }
    return g_h;
}

static unsigned blocks(size_t n)
{
    size_t b = (n + 255) / 256;
    return (unsigned)(b > 1048560 ? 1048560 : (b ? b : 1));
}
#define GRID(n) blocks(n), 256
#define LOOP(i, n) for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

// Row-major C[M,N] = op(A)[M,K] op(B)[K,N] (+ beta C) as column-major C^T = op(B)^T op(A)^T.
static void gemm_rm(int ta, int tb, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
                    float *C, int ldc)
{
    cublasHandle_t h = handle();
    if (!h) return;
    const float one = 1.0f;
    FA_CB(cublasSgemm(h, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K, &one, B, ldb, A, lda,
                      &beta, C, ldc));
}

extern "C" void *we_fa_cuda_alloc(size_t bytes)
{
    void *p = NULL;
    if (cudaMalloc(&p, bytes ? bytes : 4) != cudaSuccess) { cudaGetLastError(); return NULL; }
    cudaMemset(p, 0, bytes ? bytes : 4);
    return p;
}
extern "C" void we_fa_cuda_free(void *p) { if (p) cudaFree(p); }
extern "C" void we_fa_cuda_upload(void *dst, const void *src, size_t bytes) { FA_CK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice)); }
extern "C" void we_fa_cuda_download(void *dst, const void *src, size_t bytes) { FA_CK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost)); }

extern "C" we_status we_fa_cuda_sync(void)
{
    FA_CK(cudaDeviceSynchronize());
    if (g_err[0]) {
        we_status s = we_err_set(WE_EDEVICE, "CUDA: %s", g_err);
        g_err[0] = 0;
        return s;
    }
    return WE_OK;
}

__global__ void k_im2col(float *col, const float *inp, int Ci, int H, int W, int k, int s, int pt, int pl, int OH, int OW)
{
    size_t n = (size_t)Ci * k * k * OH * OW;
    LOOP(i, n) {
        int ox = (int)(i % OW), oy = (int)((i / OW) % OH);
        size_t r = i / ((size_t)OH * OW);
        int kx = (int)(r % k), ky = (int)((r / k) % k), ci = (int)(r / ((size_t)k * k));
        int iy = oy * s - pt + ky, ix = ox * s - pl + kx;
        col[i] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? inp[((size_t)ci * H + iy) * W + ix] : 0.0f;
    }
}

// Gather form of col2im: each input element sums the columns that read it (no atomics).
__global__ void k_col2im_acc(float *dinp, const float *col, int Ci, int H, int W, int k, int s, int pt, int pl, int OH, int OW)
{
    size_t n = (size_t)Ci * H * W;
    LOOP(i, n) {
        int x = (int)(i % W), y = (int)((i / W) % H), ci = (int)(i / ((size_t)H * W));
        float acc = 0;
        for (int ky = 0; ky < k; ky++) {
            int t = y + pt - ky;
            if (t < 0 || t % s) continue;
            int oy = t / s;
            if (oy >= OH) continue;
            for (int kx = 0; kx < k; kx++) {
                int u = x + pl - kx;
                if (u < 0 || u % s) continue;
                int ox = u / s;
                if (ox >= OW) continue;
                acc += col[(((size_t)ci * k + ky) * k + kx) * OH * OW + (size_t)oy * OW + ox];
            }
        }
        dinp[i] += acc;
    }
}

__global__ void k_bias(float *out, const float *b, int C, int P)
{
    LOOP(i, (size_t)C * P) out[i] += b[i / P];
}

extern "C" void we_fa_conv_forward_cuda(float *out, float *col, const float *inp, const float *w, const float *bias,
                                        int Ci, int H, int W, int Co, int k, int stride, int pad_t, int pad_l, int OH,
                                        int OW)
{
    int P = OH * OW, K = Ci * k * k;
    k_im2col<<<GRID((size_t)K * P)>>>(col, inp, Ci, H, W, k, stride, pad_t, pad_l, OH, OW);
    FA_LAUNCH();
    gemm_rm(0, 0, Co, P, K, w, K, col, P, 0.0f, out, P);
    if (bias) { k_bias<<<GRID((size_t)Co * P)>>>(out, bias, Co, P); FA_LAUNCH(); }
}

extern "C" void we_fa_conv_backward_acc_cuda(float *dinp, float *dcol, const float *dout, const float *w, int Ci, int H,
                                             int W, int Co, int k, int stride, int pad_t, int pad_l, int OH, int OW)
{
    int P = OH * OW, K = Ci * k * k;
    gemm_rm(1, 0, K, P, Co, w, K, dout, P, 0.0f, dcol, P);
    k_col2im_acc<<<GRID((size_t)Ci * H * W)>>>(dinp, dcol, Ci, H, W, k, stride, pad_t, pad_l, OH, OW);
    FA_LAUNCH();
}

__global__ void k_dw(float *out, const float *inp, const float *w, int C, int H, int W, int s, int pt, int pl, int OH, int OW)
{
    LOOP(i, (size_t)C * OH * OW) {
        int ox = (int)(i % OW), oy = (int)((i / OW) % OH), c = (int)(i / ((size_t)OH * OW));
        const float *x = inp + (size_t)c * H * W, *f = w + 9 * c;
        float acc = 0;
        for (int ky = 0; ky < 3; ky++) {
            int iy = oy * s - pt + ky;
            if (iy < 0 || iy >= H) continue;
            for (int kx = 0; kx < 3; kx++) {
                int ix = ox * s - pl + kx;
                if (ix >= 0 && ix < W) acc += f[ky * 3 + kx] * x[(size_t)iy * W + ix];
            }
        }
        out[i] = acc;
    }
}

__global__ void k_dw_bwd(float *dinp, const float *dout, const float *w, int C, int H, int W, int s, int pt, int pl, int OH, int OW)
{
    LOOP(i, (size_t)C * H * W) {
        int x = (int)(i % W), y = (int)((i / W) % H), c = (int)(i / ((size_t)H * W));
        const float *f = w + 9 * c, *d = dout + (size_t)c * OH * OW;
        float acc = 0;
        for (int ky = 0; ky < 3; ky++) {
            int t = y + pt - ky;
            if (t < 0 || t % s) continue;
            int oy = t / s;
            if (oy >= OH) continue;
            for (int kx = 0; kx < 3; kx++) {
                int u = x + pl - kx;
                if (u < 0 || u % s) continue;
                int ox = u / s;
                if (ox < OW) acc += f[ky * 3 + kx] * d[(size_t)oy * OW + ox];
            }
        }
        dinp[i] = acc;
    }
}

extern "C" void we_fa_dw_forward_cuda(float *out, const float *inp, const float *w, int C, int H, int W, int stride,
                                      int pad_t, int pad_l, int OH, int OW)
{
    k_dw<<<GRID((size_t)C * OH * OW)>>>(out, inp, w, C, H, W, stride, pad_t, pad_l, OH, OW);
    FA_LAUNCH();
}

extern "C" void we_fa_dw_backward_cuda(float *dinp, const float *dout, const float *w, int C, int H, int W, int stride,
                                       int pad_t, int pad_l, int OH, int OW)
{
    k_dw_bwd<<<GRID((size_t)C * H * W)>>>(dinp, dout, w, C, H, W, stride, pad_t, pad_l, OH, OW);
    FA_LAUNCH();
}

extern "C" void we_fa_pw_forward_cuda(float *out, const float *inp, const float *w, const float *bias, int Ci, int P, int Co)
{
    gemm_rm(0, 0, Co, P, Ci, w, Ci, inp, P, 0.0f, out, P);
    if (bias) { k_bias<<<GRID((size_t)Co * P)>>>(out, bias, Co, P); FA_LAUNCH(); }
}

extern "C" void we_fa_pw_backward_cuda(float *dinp, const float *dout, const float *w, int Ci, int P, int Co, int acc)
{
    gemm_rm(1, 0, Ci, P, Co, w, Ci, dout, P, acc ? 1.0f : 0.0f, dinp, P);
}

__global__ void k_maxpool(float *out, int *arg, const float *inp, int C, int H, int W, int k, int s, int OH, int OW)
{
    LOOP(i, (size_t)C * OH * OW) {
        int ox = (int)(i % OW), oy = (int)((i / OW) % OH), c = (int)(i / ((size_t)OH * OW));
        const float *x = inp + (size_t)c * H * W;
        int best = oy * s * W + ox * s;
        float m = x[best];
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                int idx = (oy * s + ky) * W + ox * s + kx;
                if (x[idx] > m) { m = x[idx]; best = idx; }
            }
        out[i] = m;
        arg[i] = best;
    }
}

__global__ void k_maxpool_bwd(float *dinp, const float *dout, const int *arg, int C, int H, int W, int OH, int OW)
{
    LOOP(i, (size_t)C * OH * OW) {
        int c = (int)(i / ((size_t)OH * OW));
        atomicAdd(&dinp[(size_t)c * H * W + arg[i]], dout[i]);
    }
}

extern "C" void we_fa_maxpool_forward_cuda(float *out, int *argmax, const float *inp, int C, int H, int W, int k, int s,
                                           int OH, int OW)
{
    k_maxpool<<<GRID((size_t)C * OH * OW)>>>(out, argmax, inp, C, H, W, k, s, OH, OW);
    FA_LAUNCH();
}

extern "C" void we_fa_maxpool_backward_cuda(float *dinp, const float *dout, const int *argmax, int C, int H, int W,
                                            int OH, int OW)
{
    FA_CK(cudaMemset(dinp, 0, sizeof(float) * (size_t)C * H * W));
    k_maxpool_bwd<<<GRID((size_t)C * OH * OW)>>>(dinp, dout, argmax, C, H, W, OH, OW);
    FA_LAUNCH();
}

__global__ void k_avgpool(float *out, const float *inp, int C, int H, int W, int k, int s, int OH, int OW)
{
    LOOP(i, (size_t)C * OH * OW) {
        int ox = (int)(i % OW), oy = (int)((i / OW) % OH), c = (int)(i / ((size_t)OH * OW));
        const float *x = inp + (size_t)c * H * W;
        float acc = 0;
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) acc += x[(oy * s + ky) * W + ox * s + kx];
        out[i] = acc * (1.0f / (float)(k * k));
    }
}

__global__ void k_avgpool_bwd(float *dinp, const float *dout, int C, int H, int W, int k, int s, int OH, int OW)
{
    LOOP(i, (size_t)C * H * W) {
        int x = (int)(i % W), y = (int)((i / W) % H), c = (int)(i / ((size_t)H * W));
        float acc = 0;
        for (int ky = 0; ky < k; ky++) {
            int t = y - ky;
            if (t < 0 || t % s) continue;
            int oy = t / s;
            if (oy >= OH) continue;
            for (int kx = 0; kx < k; kx++) {
                int u = x - kx;
                if (u < 0 || u % s) continue;
                int ox = u / s;
                if (ox < OW) acc += dout[((size_t)c * OH + oy) * OW + ox];
            }
        }
        dinp[i] = acc * (1.0f / (float)(k * k));
    }
}

extern "C" void we_fa_avgpool_forward_cuda(float *out, const float *inp, int C, int H, int W, int k, int s, int OH, int OW)
{
    k_avgpool<<<GRID((size_t)C * OH * OW)>>>(out, inp, C, H, W, k, s, OH, OW);
    FA_LAUNCH();
}

extern "C" void we_fa_avgpool_backward_cuda(float *dinp, const float *dout, int C, int H, int W, int k, int s, int OH, int OW)
{
    k_avgpool_bwd<<<GRID((size_t)C * H * W)>>>(dinp, dout, C, H, W, k, s, OH, OW);
    FA_LAUNCH();
}

__global__ void k_gmean(float *out, const float *inp, int C, int P)
{
    LOOP(c, (size_t)C) {
        double acc = 0;
        for (int p = 0; p < P; p++) acc += inp[c * P + p];
        out[c] = (float)(acc / P);
    }
}

__global__ void k_gmean_bwd(float *dinp, const float *dout, int C, int P)
{
    LOOP(i, (size_t)C * P) dinp[i] = dout[i / P] / (float)P;
}

extern "C" void we_fa_gmean_forward_cuda(float *out, const float *inp, int C, int P)
{
    k_gmean<<<GRID((size_t)C)>>>(out, inp, C, P);
    FA_LAUNCH();
}

extern "C" void we_fa_gmean_backward_cuda(float *dinp, const float *dout, int C, int P)
{
    k_gmean_bwd<<<GRID((size_t)C * P)>>>(dinp, dout, C, P);
    FA_LAUNCH();
}

extern "C" void we_fa_fc_forward_cuda(float *out, const float *inp, const float *w, const float *bias, int in, int nout)
{
    // out[1, nout] = inp[1, in] . w[in, nout] (+ bias)
    if (bias) FA_CK(cudaMemcpy(out, bias, sizeof(float) * nout, cudaMemcpyDeviceToDevice));
    gemm_rm(0, 0, 1, nout, in, inp, in, w, nout, bias ? 1.0f : 0.0f, out, nout);
}

extern "C" void we_fa_fc_backward_cuda(float *dinp, const float *dout, const float *w, int in, int nout)
{
    // dinp[1, in] = dout[1, nout] . w^T
    gemm_rm(0, 1, 1, in, nout, dout, nout, w, nout, 0.0f, dinp, in);
}

__global__ void k_relu_bwd(float *d, const float *pre, size_t n) { LOOP(i, n) if (!(pre[i] > 0)) d[i] = 0; }
__global__ void k_relu_copy(float *d, const float *s, size_t n) { LOOP(i, n) d[i] = s[i] > 0 ? s[i] : 0; }
__global__ void k_add(float *d, const float *a, const float *b, size_t n) { LOOP(i, n) d[i] = a[i] + b[i]; }
__global__ void k_acc(float *d, const float *s, size_t n) { LOOP(i, n) d[i] += s[i]; }
__global__ void k_scale(float *o, const float *sw, const float *sb, int C, int P) { LOOP(i, (size_t)C * P) o[i] = o[i] * sw[i / P] + sb[i / P]; }
__global__ void k_scale_bwd(float *d, const float *sw, int C, int P) { LOOP(i, (size_t)C * P) d[i] *= sw[i / P]; }

__global__ void k_down_combine(float *o, const float *pooled, const float *t, int Co, int Ci, int OH, int th)
{
    LOOP(i, (size_t)Co * OH * OH) {
        int x = (int)(i % OH), y = (int)((i / OH) % OH), c = (int)(i / ((size_t)OH * OH));
        float v = c < Ci ? pooled[i] : 0.0f; // pooled is Ci x OH x OH: same index for c < Ci
        if (y < th && x < th) v += t[((size_t)c * th + y) * th + x];
        o[i] = v;
    }
}

__global__ void k_down_slice(float *dt, const float *d, int Co, int OH, int th)
{
    LOOP(i, (size_t)Co * th * th) {
        int x = (int)(i % th), y = (int)((i / th) % th), c = (int)(i / ((size_t)th * th));
        dt[i] = d[((size_t)c * OH + y) * OH + x];
    }
}

extern "C" void we_fa_relu_backward_cuda(float *d, const float *pre, size_t n) { k_relu_bwd<<<GRID(n)>>>(d, pre, n); FA_LAUNCH(); }
extern "C" void we_fa_relu_copy_cuda(float *d, const float *s, size_t n) { k_relu_copy<<<GRID(n)>>>(d, s, n); FA_LAUNCH(); }
extern "C" void we_fa_add_cuda(float *d, const float *a, const float *b, size_t n) { k_add<<<GRID(n)>>>(d, a, b, n); FA_LAUNCH(); }
extern "C" void we_fa_acc_cuda(float *d, const float *s, size_t n) { k_acc<<<GRID(n)>>>(d, s, n); FA_LAUNCH(); }
extern "C" void we_fa_zero_cuda(float *d, size_t n) { FA_CK(cudaMemset(d, 0, n * sizeof(float))); }
extern "C" void we_fa_copy_cuda(float *d, const float *s, size_t n) { FA_CK(cudaMemcpy(d, s, n * sizeof(float), cudaMemcpyDeviceToDevice)); }
extern "C" void we_fa_scale_forward_cuda(float *out, const float *sw, const float *sb, int C, int P) { k_scale<<<GRID((size_t)C * P)>>>(out, sw, sb, C, P); FA_LAUNCH(); }
extern "C" void we_fa_scale_backward_cuda(float *d, const float *sw, int C, int P) { k_scale_bwd<<<GRID((size_t)C * P)>>>(d, sw, C, P); FA_LAUNCH(); }
extern "C" void we_fa_down_combine_cuda(float *outpre, const float *pooled, const float *t, int Co, int Ci, int OH, int th)
{
    k_down_combine<<<GRID((size_t)Co * OH * OH)>>>(outpre, pooled, t, Co, Ci, OH, th);
    FA_LAUNCH();
}
extern "C" void we_fa_down_slice_cuda(float *dt, const float *d, int Co, int OH, int th)
{
    k_down_slice<<<GRID((size_t)Co * th * th)>>>(dt, d, Co, OH, th);
    FA_LAUNCH();
}
