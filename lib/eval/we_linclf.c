/* we_linclf.c - softmax classifier by full-batch gradient descent (see
 * we_linclf.h). */
#include "we_linclf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void we_linclf_free(we_linclf *m)
{
    free(m->w), free(m->b), free(m->mu), free(m->sd);
    memset(m, 0, sizeof *m);
}

/* logits z [K] of the standardised row xs [D] */
static void logits(const we_linclf *m, const float *xs, float *z)
{
    for (int k = 0; k < m->K; k++) {
        double s = m->b[k];
        const float *wk = m->w + (size_t)k * m->D;
        for (int d = 0; d < m->D; d++) s += (double)wk[d] * xs[d];
        z[k] = (float)s;
    }
}

/* z [K] -> softmax probabilities in place */
static void softmax(float *z, int K)
{
    float mx = z[0];
    for (int k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
    double s = 0;
    for (int k = 0; k < K; k++) s += z[k] = expf(z[k] - mx);
    for (int k = 0; k < K; k++) z[k] = (float)(z[k] / s);
}

we_status we_linclf_train(we_linclf *m, const float *x, const int *y, int N, int D, int K, int epochs, float lr,
                          float l2)
{
    memset(m, 0, sizeof *m);
    if (N < 1 || D < 1 || K < 2 || epochs < 0) return we_err_set(WE_EUSAGE, "linclf: N %d, D %d, K %d", N, D, K);
    for (int i = 0; i < N; i++)
        if (y[i] < 0 || y[i] >= K) return we_err_set(WE_EUSAGE, "linclf: label %d of row %d outside 0..%d", y[i], i, K - 1);
    m->D = D, m->K = K;
    m->w = calloc((size_t)K * D, sizeof *m->w), m->b = calloc(K, sizeof *m->b);
    m->mu = calloc(D, sizeof *m->mu), m->sd = calloc(D, sizeof *m->sd);
    float *xs = malloc((size_t)N * D * sizeof *xs), *gw = malloc((size_t)K * D * sizeof *gw);
    float *gb = malloc(K * sizeof *gb), *p = malloc(K * sizeof *p);
    if (!m->w || !m->b || !m->mu || !m->sd || !xs || !gw || !gb || !p) {
        free(xs), free(gw), free(gb), free(p), we_linclf_free(m);
        return we_err_set(WE_ENOMEM, "linclf: %d x %d features", N, D);
    }
    for (int d = 0; d < D; d++) {
        double s = 0, q = 0;
        for (int i = 0; i < N; i++) s += x[(size_t)i * D + d];
        s /= N;
        for (int i = 0; i < N; i++) q += (x[(size_t)i * D + d] - s) * (x[(size_t)i * D + d] - s);
        m->mu[d] = (float)s;
        m->sd[d] = (float)fmax(sqrt(q / N), 1e-6);
        for (int i = 0; i < N; i++) xs[(size_t)i * D + d] = (float)((x[(size_t)i * D + d] - s) / m->sd[d]);
    }
    for (int e = 0; e < epochs; e++) {
        for (size_t j = 0; j < (size_t)K * D; j++) gw[j] = l2 * m->w[j];
        memset(gb, 0, K * sizeof *gb);
        for (int i = 0; i < N; i++) {
            const float *xi = xs + (size_t)i * D;
            logits(m, xi, p);
            softmax(p, K);
            p[y[i]] -= 1;
            for (int k = 0; k < K; k++) {
                float g = p[k] / N;
                gb[k] += g;
                float *gk = gw + (size_t)k * D;
                for (int d = 0; d < D; d++) gk[d] += g * xi[d];
            }
        }
        for (size_t j = 0; j < (size_t)K * D; j++) m->w[j] -= lr * gw[j];
        for (int k = 0; k < K; k++) m->b[k] -= lr * gb[k];
    }
    free(xs), free(gw), free(gb), free(p);
    return WE_OK;
}

int we_linclf_predict(const we_linclf *m, const float *x)
{
    int best = 0;
    double zbest = 0;
    for (int k = 0; k < m->K; k++) {
        double z = m->b[k];
        const float *wk = m->w + (size_t)k * m->D;
        for (int d = 0; d < m->D; d++) z += (double)wk[d] * ((x[d] - m->mu[d]) / m->sd[d]);
        if (k == 0 || z > zbest) best = k, zbest = z;
    }
    return best;
}
