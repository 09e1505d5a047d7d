// nn_conv.cu - CUDA twin of lib/nn/we_nn_conv.c: conv2d via im2col + cuBLAS
// (strided-batched over a chunk of samples). Same argument order and +=
// rule as the CPU reference.
#include "nn_common.h"

// Samples per im2col chunk: bounded so scratch stays <= ~128 MB.
static int conv_chunk(const we_conv2d_dims *d, size_t colsz)
{
    size_t cap = (32u << 20) / (colsz ? colsz : 1);
    if (cap < 1) cap = 1;
    return (int)((size_t)d->N < cap ? (size_t)d->N : cap);
}

static int conv_pointwise(const we_conv2d_dims *d) { return d->k == 1 && d->stride == 1 && d->pad == 0; }

static size_t conv_colsz(const we_conv2d_dims *d)
{
    return (size_t)d->Cin * d->k * d->k * we_conv2d_out_h(d) * we_conv2d_out_w(d);
}

extern "C" size_t we_nn_conv2d_cuda_scratch_size(const we_conv2d_dims *d)
{
    if (conv_pointwise(d)) return 0;
    size_t colsz = conv_colsz(d);
    return 2 * colsz * (size_t)conv_chunk(d, colsz);
}

// col[n][(c*k+kh)*k+kw][oh*Wo+ow] for nb samples.
__global__ void im2col_kernel(float *col, const float *x, int nb, int Cin, int H, int W, int k,
                              int s, int p, int Ho, int Wo)
{
    size_t P = (size_t)Ho * Wo, rows = (size_t)Cin * k * k, total = (size_t)nb * rows * P;
    NN_GRID_STRIDE(i, total) {
        size_t pp = i % P, r = (i / P) % rows, n = i / (P * rows);
        int kw = (int)(r % k), kh = (int)((r / k) % k), c = (int)(r / (k * k));
        int oh = (int)(pp / Wo), ow = (int)(pp % Wo);
        int ih = oh * s - p + kh, iw = ow * s - p + kw;
        float v = 0.0f;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W) v = x[((n * Cin + c) * H + ih) * (size_t)W + iw];
        col[i] = v;
    }
}

// dx[n][c][ih][iw] += sum of the dcol entries that read it (gather, no atomics).
__global__ void col2im_add_kernel(float *dx, const float *dcol, int nb, int Cin, int H, int W,
                                  int k, int s, int p, int Ho, int Wo)
{
    size_t total = (size_t)nb * Cin * H * W, P = (size_t)Ho * Wo;
    NN_GRID_STRIDE(i, total) {
        int iw = (int)(i % W), ih = (int)((i / W) % H);
        size_t c = (i / ((size_t)W * H)) % Cin, n = i / ((size_t)W * H * Cin);
        float acc = 0.0f;
        for (int kh = 0; kh < k; kh++) {
            int th = ih + p - kh;
            if (th < 0 || th % s) continue;
            int oh = th / s;
            if (oh >= Ho) continue;
            for (int kw = 0; kw < k; kw++) {
                int tw = iw + p - kw;
                if (tw < 0 || tw % s) continue;
                int ow = tw / s;
                if (ow >= Wo) continue;
                acc += dcol[((n * Cin + c) * k * k + (size_t)kh * k + kw) * P + (size_t)oh * Wo + ow];
            }
        }
        dx[i] += acc;
    }
}

// y[n][c][i] += b[c]
__global__ void bias_add_kernel(float *y, const float *b, int C, size_t P, size_t total)
{
    NN_GRID_STRIDE(i, total) y[i] += b[(i / P) % C];
}

// db[c] += sum over n, i of dy[n][c][i]; one block per channel.
__global__ void bias_grad_kernel(float *db, const float *dy, int N, int C, size_t P)
{
    int c = blockIdx.x;
    float s = 0.0f;
    for (size_t i = threadIdx.x; i < (size_t)N * P; i += blockDim.x) {
        size_t n = i / P, q = i % P;
        s += dy[(n * C + c) * P + q];
    }
    s = nn_block_sum(s);
    if (threadIdx.x == 0) db[c] += s;
}

extern "C" void we_nn_conv2d_forward_cuda(float *out, float *scratch, const float *inp,
                                          const float *weight, const float *bias,
                                          const we_conv2d_dims *d)
{
    const int Ho = we_conv2d_out_h(d), Wo = we_conv2d_out_w(d), P = Ho * Wo;
    const int G = d->groups, Cig = d->Cin / G, Cog = d->Cout / G, K = Cig * d->k * d->k;
    const size_t xs = (size_t)d->Cin * d->H * d->W, ys = (size_t)d->Cout * P;
    const int pw = conv_pointwise(d);
    const size_t colsz = conv_colsz(d);
    const int chunk = pw ? d->N : conv_chunk(d, colsz);
    for (int n0 = 0; n0 < d->N; n0 += chunk) {
        int nb = d->N - n0 < chunk ? d->N - n0 : chunk;
        const float *col = inp + n0 * xs;
        long long scol = (long long)xs;
        if (!pw) {
            size_t tot = (size_t)nb * colsz;
            im2col_kernel<<<nn_blocks(tot, 256), 256>>>(scratch, inp + n0 * xs, nb, d->Cin, d->H, d->W,
                                                        d->k, d->stride, d->pad, Ho, Wo);
            NN_LAUNCH_CHECK();
            col = scratch;
            scol = (long long)colsz;
        }
        for (int g = 0; g < G; g++)
            we_nn_gemm_rm_batched(0, 0, Cog, P, K, 1.0f, weight + (size_t)g * Cog * K, K, 0,
                                  col + (size_t)g * K * P, P, scol, 0.0f,
                                  out + n0 * ys + (size_t)g * Cog * P, P, (long long)ys, nb);
    }
    if (bias) {
        size_t tot = (size_t)d->N * ys;
        bias_add_kernel<<<nn_blocks(tot, 256), 256>>>(out, bias, d->Cout, (size_t)P, tot);
        NN_LAUNCH_CHECK();
    }
}

extern "C" void we_nn_conv2d_backward_cuda(float *dinp, float *dweight, float *dbias, float *scratch,
                                           const float *dout, const float *inp, const float *weight,
                                           const we_conv2d_dims *d)
{
    const int Ho = we_conv2d_out_h(d), Wo = we_conv2d_out_w(d), P = Ho * Wo;
    const int G = d->groups, Cig = d->Cin / G, Cog = d->Cout / G, K = Cig * d->k * d->k;
    const size_t xs = (size_t)d->Cin * d->H * d->W, ys = (size_t)d->Cout * P;
    const int pw = conv_pointwise(d);
    const size_t colsz = conv_colsz(d);
    const int chunk = pw ? d->N : conv_chunk(d, colsz);
    if (dbias) {
        bias_grad_kernel<<<d->Cout, 256>>>(dbias, dout, d->N, d->Cout, (size_t)P);
        NN_LAUNCH_CHECK();
    }
    for (int n0 = 0; n0 < d->N; n0 += chunk) {
        int nb = d->N - n0 < chunk ? d->N - n0 : chunk;
        const float *dy = dout + n0 * ys;
        if (dweight) {
            const float *col = inp + n0 * xs;
            size_t scol = xs;
            if (!pw) {
                size_t tot = (size_t)nb * colsz;
                im2col_kernel<<<nn_blocks(tot, 256), 256>>>(scratch, inp + n0 * xs, nb, d->Cin, d->H,
                                                            d->W, d->k, d->stride, d->pad, Ho, Wo);
                NN_LAUNCH_CHECK();
                col = scratch;
                scol = colsz;
            }
            // dW_g += sum_n dy[n]_g col[n]_g^T  (one GEMM per sample, beta = 1)
            for (int n = 0; n < nb; n++)
                for (int g = 0; g < G; g++)
                    we_nn_gemm_rm(0, 1, Cog, K, P, 1.0f, dy + n * ys + (size_t)g * Cog * P, P,
                                  col + n * scol + (size_t)g * K * P, P, 1.0f,
                                  dweight + (size_t)g * Cog * K, K);
        }
        if (dinp) {
            float *dx = dinp + n0 * xs;
            if (pw) {
                for (int g = 0; g < G; g++)
                    we_nn_gemm_rm_batched(1, 0, K, P, Cog, 1.0f, weight + (size_t)g * Cog * K, K, 0,
                                          dy + (size_t)g * Cog * P, P, (long long)ys, 1.0f,
                                          dx + (size_t)g * K * P, P, (long long)xs, nb);
            } else {
                float *dcol = scratch + (size_t)chunk * colsz;
                for (int g = 0; g < G; g++)
                    we_nn_gemm_rm_batched(1, 0, K, P, Cog, 1.0f, weight + (size_t)g * Cog * K, K, 0,
                                          dy + (size_t)g * Cog * P, P, (long long)ys, 0.0f,
                                          dcol + (size_t)g * K * P, P, (long long)colsz, nb);
                size_t tot = (size_t)nb * xs;
                col2im_add_kernel<<<nn_blocks(tot, 256), 256>>>(dx, dcol, nb, d->Cin, d->H, d->W, d->k,
                                                                d->stride, d->pad, Ho, Wo);
                NN_LAUNCH_CHECK();
            }
        }
    }
}
