/* we_nn_attention.c - multi-head self-attention over the H*W positions of a
 * C-channel map (qkv 1x1 conv, softmax(Q^T K / sqrt(d)), V, proj 1x1 conv):
 * CPU reference. The exact formula is in we_nn.h. Backward accumulates. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "we_nn.h"

size_t we_nn_attention_scratch_size(int C, int T, int heads)
{
    (void)heads;
    return 4 * (size_t)C * T + (size_t)T * T;
}

/* y[M,T] = W[M,K] x[K,T] + b (b may be NULL). */
static void pointwise(float *y, const float *W, const float *b, const float *x, int M, int K, int T)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, T, K, 1.0f, W, K, x, T, 0.0f, y, T);
    if (b)
        for (int m = 0; m < M; m++)
            for (int t = 0; t < T; t++) y[(size_t)m * T + t] += b[m];
}

/* Backward of pointwise: dx += W^T dy, dW += dy x^T, db += rowsum(dy). */
static void pointwise_back(float *dx, float *dW, float *db, const float *dy, const float *W,
                           const float *x, int M, int K, int T)
{
    if (db)
        for (int m = 0; m < M; m++) {
            double s = 0.0;
            for (int t = 0; t < T; t++) s += dy[(size_t)m * T + t];
            db[m] += (float)s;
        }
    if (dW)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, K, T, 1.0f, dy, T, x, T, 1.0f, dW, K);
    if (dx)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, T, M, 1.0f, W, K, dy, T, 1.0f, dx, T);
}

void we_nn_attention_forward(float *out, float *qkv, float *att, float *a,
                             const float *inp,
                             const float *wqkv, const float *bqkv,
                             const float *wproj, const float *bproj,
                             int N, int C, int T, int heads)
{
    const int d = C / heads;
    const float scale = 1.0f / sqrtf((float)d);
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C * T;
        float *q3 = qkv + (size_t)n * 3 * C * T;
        float *an = a + (size_t)n * C * T;
        pointwise(q3, wqkv, bqkv, x, 3 * C, C, T);
        for (int h = 0; h < heads; h++) {
            const float *Q = q3 + (size_t)h * d * T;
            const float *K = q3 + (size_t)(C + h * d) * T;
            const float *V = q3 + (size_t)(2 * C + h * d) * T;
            float *A = att + ((size_t)n * heads + h) * T * T;
            /* A[t,s] = scale * sum_c Q[c,t] K[c,s] */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, T, d, scale, Q, T, K, T,
                        0.0f, A, T);
            for (int t = 0; t < T; t++) {
                float *r = A + (size_t)t * T, mx = r[0];
                for (int s = 1; s < T; s++) mx = r[s] > mx ? r[s] : mx;
                double z = 0.0;
                for (int s = 0; s < T; s++) {
                    r[s] = expf(r[s] - mx);
                    z += r[s];
                }
                float iz = (float)(1.0 / z);
                for (int s = 0; s < T; s++) r[s] *= iz;
            }
            /* a_h[c,t] = sum_s V[c,s] A[t,s] */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, T, T, 1.0f, V, T, A, T, 0.0f,
                        an + (size_t)h * d * T, T);
        }
        pointwise(out + (size_t)n * C * T, wproj, bproj, an, C, C, T);
    }
}

void we_nn_attention_backward(float *dinp, float *dwqkv, float *dbqkv,
                              float *dwproj, float *dbproj, float *scratch,
                              const float *dout, const float *inp,
                              const float *wqkv, const float *wproj,
                              const float *qkv, const float *att, const float *a,
                              int N, int C, int T, int heads)
{
    const int d = C / heads;
    const float scale = 1.0f / sqrtf((float)d);
    float *da = scratch;                       /* [C,T] */
    float *dqkv = da + (size_t)C * T;          /* [3C,T] */
    float *dA = dqkv + (size_t)3 * C * T;      /* [T,T] */
    for (int n = 0; n < N; n++) {
        const float *x = inp + (size_t)n * C * T;
        const float *q3 = qkv + (size_t)n * 3 * C * T;
        const float *an = a + (size_t)n * C * T;
        const float *dy = dout + (size_t)n * C * T;
        memset(da, 0, sizeof(float) * (size_t)C * T);
        pointwise_back(da, dwproj, dbproj, dy, wproj, an, C, C, T);
        if (!dinp && !dwqkv && !dbqkv) continue;
        for (int h = 0; h < heads; h++) {
            const float *Q = q3 + (size_t)h * d * T;
            const float *K = q3 + (size_t)(C + h * d) * T;
            const float *V = q3 + (size_t)(2 * C + h * d) * T;
            const float *A = att + ((size_t)n * heads + h) * T * T;
            const float *dah = da + (size_t)h * d * T;
            float *dQ = dqkv + (size_t)h * d * T;
            float *dK = dqkv + (size_t)(C + h * d) * T;
            float *dV = dqkv + (size_t)(2 * C + h * d) * T;
            /* dA[t,s] = sum_c da[c,t] V[c,s];  dV[c,s] = sum_t da[c,t] A[t,s] */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, T, d, 1.0f, dah, T, V, T,
                        0.0f, dA, T);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, T, T, 1.0f, dah, T, A, T,
                        0.0f, dV, T);
            /* softmax backward: dS = A * (dA - rowsum(A*dA)) */
            for (int t = 0; t < T; t++) {
                const float *ar = A + (size_t)t * T;
                float *r = dA + (size_t)t * T;
                double s = 0.0;
                for (int j = 0; j < T; j++) s += (double)ar[j] * r[j];
                for (int j = 0; j < T; j++) r[j] = ar[j] * (r[j] - (float)s);
            }
            /* dQ[c,t] = scale sum_s K[c,s] dS[t,s];  dK[c,s] = scale sum_t Q[c,t] dS[t,s] */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, d, T, T, scale, K, T, dA, T,
                        0.0f, dQ, T);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d, T, T, scale, Q, T, dA, T,
                        0.0f, dK, T);
        }
        pointwise_back(dinp ? dinp + (size_t)n * C * T : NULL, dwqkv, dbqkv, dqkv, wqkv, x,
                       3 * C, C, T);
    }
}
