/* test_linclf.c - the softmax yardstick of pipelines/experiments.mk synth
 * (lib/eval/we_linclf.h): learns separable classes, is deterministic,
 * refuses bad labels. */
#include <string.h>

#include "check.h"
#include "we_linclf.h"

int main(void)
{
    /* three classes, each a bump on its own feature (plus a nuisance
     * feature with a large scale: standardisation must cope) */
    enum { N = 60, D = 4, K = 3 };
    float x[N * D];
    int y[N];
    unsigned s = 12345;
    for (int i = 0; i < N; i++) {
        y[i] = i % K;
        for (int d = 0; d < D; d++) {
            s = s * 1103515245u + 12345u;
            x[i * D + d] = ((s >> 16) & 1023) / 1023.0f * 0.8f;
        }
        x[i * D + y[i]] += 1.0f;
        x[i * D + 3] *= 1000.0f;
    }
    we_linclf a, b;
    CHECK(we_linclf_train(&a, x, y, N, D, K, 200, 0.5f, 0.001f) == WE_OK, "trains");
    int ok = 0;
    for (int i = 0; i < N; i++) ok += we_linclf_predict(&a, x + i * D) == y[i];
    CHECK(ok == N, "separable classes: every training row right");
    float probe[D] = {0.4f, 1.4f, 0.4f, 400.0f};
    CHECK(we_linclf_predict(&a, probe) == 1, "a new row with class 1's bump is class 1");
    CHECK(we_linclf_train(&b, x, y, N, D, K, 200, 0.5f, 0.001f) == WE_OK &&
              memcmp(a.w, b.w, sizeof(float) * K * D) == 0 && memcmp(a.b, b.b, sizeof(float) * K) == 0,
          "deterministic: the same data give the same weights bit for bit");
    we_linclf_free(&a), we_linclf_free(&b);
    y[5] = K;
    CHECK(we_linclf_train(&a, x, y, N, D, K, 10, 0.5f, 0) == WE_EUSAGE, "a label outside 0..K-1 is WE_EUSAGE");
    CHECK(we_linclf_train(&a, x, y, 0, D, K, 10, 0.5f, 0) == WE_EUSAGE, "no rows is WE_EUSAGE");
    return check_summary();
}
