/* test_fid_inception.c - lib/eval/we_fid_inception.c against the PyTorch
 * functional reference of pytorch-fid's network (tests/ref/fid_inception.py)
 * with synthetic weights from the same hash formula: 2048 pool3 features
 * of tests/golden/fid/inception_in.wes. Also: loading from a missing
 * safetensors file fails cleanly. */
#include "check.h"
#include "we_faceapi.h"
#include "we_fid_inception.h"
#include "we_stream.h"

#include <stdlib.h>
#include <string.h>

static we_status synth(void *ctx, const char *name, float *dst, size_t count, size_t fan_in)
{
    (void)ctx;
    for (size_t i = 0; i < count; i++) dst[i] = we_inc_synthetic(name, i, fan_in);
    return WE_OK;
}

int main(void)
{
    we_inc *n;
    CHECK(we_inc_load(&n, "/nonexistent/inception.safetensors") == WE_ENOINPUT && n == NULL,
          "missing weights file -> WE_ENOINPUT");
    CHECK(we_inc_load_with(&n, synth, NULL) == WE_OK, "synthetic weights load");
    FILE *f = fopen("tests/golden/fid/inception_in.wes", "rb");
    CHECK(f != NULL, "golden input opens");
    if (!f) return check_summary();
    we_reader r;
    we_frame fr;
    we_reader_init(&r, f, "inception_in.wes");
    we_frame_init(&fr);
    we_tensor pix;
    CHECK(we_reader_frame(&r, &fr) == WE_OK && we_fa_image_to_pixels(&fr.t, &pix) == WE_OK, "golden input reads");
    we_reader_free(&r);
    fclose(f);
    float *out = malloc(2048 * sizeof(float)), *want = malloc(2048 * sizeof(float));
    CHECK(we_inc_features(n, out, pix.data, 3, (int)pix.shape[1], (int)pix.shape[2]) == WE_OK, "forward runs");
    FILE *g = fopen("tests/golden/fid/inception_out.txt", "r");
    char line[128];
    int k = 0;
    while (g && fgets(line, sizeof line, g))
        if (line[0] != '#' && k < 2048) want[k++] = strtof(line, NULL);
    if (g) fclose(g);
    CHECK(k == 2048, "2048 golden features");
    double md = check_max_abs_diff(out, want, 2048), mx = 0;
    for (int i = 0; i < 2048; i++) mx = fabs(want[i]) > mx ? fabs(want[i]) : mx;
    printf("     max |diff| %.3g, max |feature| %.3g\n", md, mx);
    CHECK(md <= 1e-4 * mx, "pool3 features match the PyTorch reference within 1e-4 of the largest");
    float one[2048];
    CHECK(we_inc_features(n, one, pix.data, 2, 4, 4) == WE_EDATA, "2-channel input refused");
    we_frame_free(&fr);
    we_tensor_free(&pix);
    free(out);
    free(want);
    we_inc_free(n);
    return check_summary();
}
