/* test_faceapi_cuda.c - the CUDA twins (kernels/faceapi.cu) against the CPU
 * reference: each net's forward and input gradient on a golden crop.
 * Skips cleanly without a GPU or without the face-api weights. */
#include "check.h"
#include "we_device.h"
#include "we_faceapi.h"
#include "we_stream.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
    if (!we_cuda_available()) {
        printf("skip: no CUDA device (the CUDA twins are compiled: %s)\n", we_cuda_compiled() ? "yes" : "no");
        return check_summary();
    }
    we_fa_net *cpu, *gpu;
    if (we_fa_net_load(&cpu, WE_FA_EXPR, NULL) == WE_ENOINPUT) {
        printf("skip: face-api weights missing (run sh scripts/setup.sh)\n");
        return check_summary();
    }
    we_fa_net_free(cpu);
    static const char *what[3][2] = {{"cuda expression forward == cpu", "cuda expression input gradient == cpu"},
                                     {"cuda landmark forward == cpu", "cuda landmark input gradient == cpu"},
                                     {"cuda recognition forward == cpu", "cuda recognition input gradient == cpu"}};
    for (int k = 0; k < 3; k++) {
        CHECK(we_fa_net_load(&cpu, (we_fa_kind)k, NULL) == WE_OK && we_fa_net_load(&gpu, (we_fa_kind)k, NULL) == WE_OK,
              "nets load");
        CHECK(we_fa_net_to_device(gpu, WE_DEV_CUDA) == WE_OK, "net moves to the GPU");
        int S = we_fa_net_input_size(cpu), no = we_fa_net_output_len(cpu);
        size_t nin = (size_t)3 * S * S;
        float *x = malloc(nin * 4), *dc = malloc(nin * 4), *dg = malloc(nin * 4), oc[136], og[136], r[136];
        unsigned s = 7;
        for (size_t i = 0; i < nin; i++) { s = s * 1664525u + 1013904223u; x[i] = (float)(s >> 8) / 16777216.0f - 0.5f; }
        for (int i = 0; i < no; i++) r[i] = (float)((i * 37) % 11) / 11.0f - 0.5f;
        we_fa_net_forward(cpu, oc, x);
        CHECK(we_fa_net_forward(gpu, og, x) == WE_OK, "cuda forward runs");
        double mo = check_max_abs_diff(oc, og, (size_t)no);
        printf("     net %d: forward max diff %.3g\n", k, mo);
        CHECK(mo < 1e-3, what[k][0]);
        we_fa_net_backward(cpu, dc, r);
        CHECK(we_fa_net_backward(gpu, dg, r) == WE_OK, "cuda backward runs");
        double md = check_max_abs_diff(dc, dg, nin), mx = 0;
        for (size_t i = 0; i < nin; i++) mx = fabs(dc[i]) > mx ? fabs(dc[i]) : mx;
        printf("     net %d: gradient max diff %.3g (max |grad| %.3g)\n", k, md, mx);
        CHECK(md < 1e-3 * (mx + 1e-6) + 1e-6, what[k][1]);
        free(x); free(dc); free(dg);
        we_fa_net_free(cpu);
        we_fa_net_free(gpu);
    }
    return check_summary();
}
