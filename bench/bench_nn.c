/* bench_nn.c - time conv2d 3x3 forward and backward (lib/nn/we_nn.h) at a given
 * size; prints one line per measurement: "name ms_per_call". Built and run
 * by bench/bench_nn.sh (not part of make test). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "we_nn.h"

char *openblas_get_corename(void); /* OpenBLAS extension, not in cblas.h */

static double clk(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double now(void) { return clk(CLOCK_MONOTONIC); }
static double cpu(void) { return clk(CLOCK_PROCESS_CPUTIME_ID); }

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    int N = argc > 2 ? atoi(argv[2]) : 32, C = argc > 3 ? atoi(argv[3]) : 64;
    int S = argc > 4 ? atoi(argv[4]) : 32, reps = argc > 5 ? atoi(argv[5]) : 5;
    we_nn_set_threads(threads);
    we_conv2d_dims d = {.N = N, .Cin = C, .H = S, .W = S, .Cout = C, .k = 3, .stride = 1, .pad = 1, .groups = 1};
    size_t nx = (size_t)N * C * S * S, nw = (size_t)C * C * 9;
    float *x = malloc(nx * 4), *y = malloc(nx * 4), *dy = malloc(nx * 4), *dx = calloc(nx, 4);
    float *w = malloc(nw * 4), *dw = calloc(nw, 4), *b = calloc(C, 4), *db = calloc(C, 4);
    float *s = malloc(we_nn_conv2d_scratch_size(&d) * 4);
    srand(1);
    for (size_t i = 0; i < nx; i++) x[i] = dy[i] = (float)rand() / RAND_MAX - 0.5f;
    for (size_t i = 0; i < nw; i++) w[i] = (float)rand() / RAND_MAX - 0.5f;
    we_nn_conv2d_forward(y, s, x, w, b, &d); /* warm-up */
    we_nn_conv2d_backward(dx, dw, db, s, dy, x, w, &d);
    double best_f = 1e9, best_b = 1e9, cpu_f = 1e9, cpu_b = 1e9;
    for (int r = 0; r < reps; r++) {
        double t0 = now(), c0 = cpu();
        we_nn_conv2d_forward(y, s, x, w, b, &d);
        double t1 = now(), c1 = cpu();
        we_nn_conv2d_backward(dx, dw, db, s, dy, x, w, &d);
        double t2 = now(), c2 = cpu();
        if (t1 - t0 < best_f) best_f = t1 - t0;
        if (t2 - t1 < best_b) best_b = t2 - t1;
        if (c1 - c0 < cpu_f) cpu_f = c1 - c0;
        if (c2 - c1 < cpu_b) cpu_b = c2 - c1;
    }
    double gflop = 2.0 * N * C * C * 9.0 * S * S * 1e-9;
    printf("openblas_core %s\n", openblas_get_corename());
    printf("we_conv3x3_forward %.3f ms %.1f GFLOP/s\n", best_f * 1e3, gflop / best_f);
    printf("we_conv3x3_backward %.3f ms %.1f GFLOP/s\n", best_b * 1e3, 2 * gflop / best_b);
    printf("we_conv3x3_forward_cpu %.3f ms\n", cpu_f * 1e3);
    printf("we_conv3x3_backward_cpu %.3f ms\n", cpu_b * 1e3);
    free(x); free(y); free(dy); free(dx); free(w); free(dw); free(b); free(db); free(s);
    return 0;
}
