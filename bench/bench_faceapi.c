/* bench_faceapi.c - faces/s of each face-api net on this machine (forward,
 * and forward + input backward), single thread of OpenBLAS unless
 * OPENBLAS_NUM_THREADS says otherwise. Built and run by bench/bench_faceapi.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "we_faceapi.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 3.0;
    static const char *names[3] = {"expression (112)", "landmark68 (112)", "recognition (150)"};
    printf("%-18s %12s %12s\n", "net", "fwd faces/s", "fwd+bwd /s");
    for (int k = 0; k < 3; k++) {
        we_fa_net *n;
        if (we_fa_net_load(&n, (we_fa_kind)k, NULL)) {
            fprintf(stderr, "bench_faceapi: %s\n", we_err_detail());
            return 66;
        }
        int S = we_fa_net_input_size(n);
        size_t nin = (size_t)3 * S * S;
        float *x = malloc(nin * sizeof(float)), *dx = malloc(nin * sizeof(float)), out[136], d[136];
        for (size_t i = 0; i < nin; i++) x[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
        for (int i = 0; i < 136; i++) d[i] = 0.01f * (float)(i % 7);
        double rate[2];
        for (int mode = 0; mode < 2; mode++) {
            long it = 0;
            we_fa_net_forward(n, out, x); /* warm-up */
            double t0 = now();
            while (now() - t0 < secs) {
                we_fa_net_forward(n, out, x);
                if (mode) we_fa_net_backward(n, dx, d);
                it++;
            }
            rate[mode] = it / (now() - t0);
        }
        printf("%-18s %12.1f %12.1f\n", names[k], rate[0], rate[1]);
        free(x);
        free(dx);
        we_fa_net_free(n);
    }
    return 0;
}
