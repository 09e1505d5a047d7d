/* we_linclf.h - a small softmax (multinomial logistic) classifier over
 * standardised feature vectors, trained by full-batch gradient descent:
 * the yardstick of pipelines/experiments.mk's `synth` target (a classifier
 * trained on synthetic faces against the same one trained on real faces).
 * Deterministic (no random state): the same data give the same weights.
 */
#ifndef WE_LINCLF_H
#define WE_LINCLF_H

#include "we_err.h"

typedef struct {
    int D, K;     /* features, classes */
    float *w;     /* [K, D] weights on standardised features */
    float *b;     /* [K] */
    float *mu;    /* [D] feature means of the training set */
    float *sd;    /* [D] feature standard deviations (>= 1e-6) */
} we_linclf;

/* Train m on N rows x [N, D] with labels y [N] in 0..K-1: features are
 * standardised by the training set's mean/std, then `epochs` full-batch
 * gradient steps of size lr on the mean cross-entropy + l2/2 |w|^2.
 * m owns its buffers afterwards (we_linclf_free). WE_EUSAGE on bad sizes
 * or labels, WE_ENOMEM. */
we_status we_linclf_train(we_linclf *m, const float *x, const int *y, int N, int D, int K, int epochs, float lr,
                          float l2);

/* The most probable class of one feature vector x [D]. */
int we_linclf_predict(const we_linclf *m, const float *x);

/* Free the buffers (m itself is the caller's). */
void we_linclf_free(we_linclf *m);

#endif
