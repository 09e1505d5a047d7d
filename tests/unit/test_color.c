/* test_color.c - BT.601 full-range RGB <-> YCbCr: known values against the
 * JPEG (u8) formulas, round trip within 1e-5, linearity with the DWT
 * (converting wavelet subbands == converting pixels then the DWT). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_color.h"
#include "we_dwt.h"
#include "we_wavelet.h"

static float urand(unsigned *s)
{
    *s = *s * 1664525u + 1013904223u;
    return (float)((*s >> 8) / 16777216.0 * 2.0 - 1.0);
}

int main(void)
{
    /* pure colours: compare with JFIF's u8 formulas mapped to [-1,1]
     * (u8 v -> v/127.5 - 1; chroma u8 c -> (c - 128)/127.5) */
    const float rgb[3][3] = {{1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}};
    for (int k = 0; k < 3; k++) {
        float in[3] = {rgb[k][0], rgb[k][1], rgb[k][2]}, out[3];
        we_color_rgb_to_ycbcr(out, in, 1);
        double R = (in[0] + 1) * 127.5, G = (in[1] + 1) * 127.5, B = (in[2] + 1) * 127.5;
        double Y = 0.299 * R + 0.587 * G + 0.114 * B;
        double Cb = 128 - 0.168736 * R - 0.331264 * G + 0.5 * B;
        double Cr = 128 + 0.5 * R - 0.418688 * G - 0.081312 * B;
        char what[64];
        snprintf(what, sizeof what, "colour %d: Y as JFIF", k);
        CHECK_CLOSE(out[0], Y / 127.5 - 1, 1e-5, what);
        snprintf(what, sizeof what, "colour %d: Cb as JFIF", k);
        CHECK_CLOSE(out[1], (Cb - 128) / 127.5, 1e-5, what);
        snprintf(what, sizeof what, "colour %d: Cr as JFIF", k);
        CHECK_CLOSE(out[2], (Cr - 128) / 127.5, 1e-5, what);
    }
    float g[3] = {0.25f, 0.25f, 0.25f}, o[3];
    we_color_rgb_to_ycbcr(o, g, 1);
    CHECK(fabsf(o[0] - 0.25f) < 1e-6 && fabsf(o[1]) < 1e-6 && fabsf(o[2]) < 1e-6, "grey has Cb = Cr = 0");

    /* round trip on random pixels */
    size_t P = 64 * 64;
    float *x = malloc(3 * P * sizeof *x), *y = malloc(3 * P * sizeof *y), *z = malloc(3 * P * sizeof *z);
    unsigned s = 1;
    for (size_t i = 0; i < 3 * P; i++) x[i] = urand(&s);
    we_color_rgb_to_ycbcr(y, x, P);
    we_color_ycbcr_to_rgb(z, y, P);
    double d = check_max_abs_diff(x, z, 3 * P);
    printf("     round trip max |diff| = %.3g\n", d);
    CHECK(d < 1e-5, "RGB -> YCbCr -> RGB within 1e-5");
    memcpy(z, x, 3 * P * sizeof *z);
    we_color_rgb_to_ycbcr(z, z, P);
    CHECK(check_max_abs_diff(z, y, 3 * P) == 0, "in-place conversion equals out-of-place");

    /* wavelet frame: converting each subband's RGB = DWT of the converted image */
    const we_wavelet *w = NULL;
    we_wavelet_parse("bior4.4", &w);
    CHECK(w != NULL, "bior4.4 wavelet found");
    if (w) {
        we_tensor cw;
        CHECK(we_tensor_alloc3(&cw, WE_F32, 12, 32, 32) == WE_OK, "alloc wavelet tensor");
        float *ref = malloc(3 * P * sizeof *ref);
        CHECK(we_dwt2_forward(cw.data, NULL, x, 3, 64, 64, w, 1, 1) == WE_OK, "dwt of RGB");
        CHECK(we_color_convert_groups(&cw, 1) == WE_OK, "convert wavelet groups");
        CHECK(we_dwt2_forward(ref, NULL, y, 3, 64, 64, w, 1, 1) == WE_OK, "dwt of YCbCr");
        double dd = check_max_abs_diff(cw.data, ref, 3 * P);
        printf("     subband conversion vs converted image max |diff| = %.3g\n", dd);
        CHECK(dd < 1e-5, "colour conversion commutes with the DWT");
        CHECK(we_color_convert_groups(&cw, 0) == WE_OK, "convert back");
        CHECK(we_dwt2_forward(ref, NULL, x, 3, 64, 64, w, 1, 1) == WE_OK, "dwt of RGB again");
        CHECK(check_max_abs_diff(cw.data, ref, 3 * P) < 1e-5, "group round trip within 1e-5");
        we_tensor_free(&cw);
        free(ref);
    }
    we_tensor bad;
    we_tensor_alloc3(&bad, WE_F32, 4, 2, 2);
    CHECK(we_color_convert_groups(&bad, 1) == WE_EDATA, "4 channels refused");
    we_tensor_free(&bad);
    we_tensor_alloc3(&bad, WE_U8, 3, 2, 2);
    CHECK(we_color_convert_groups(&bad, 1) == WE_EDATA, "u8 refused");
    we_tensor_free(&bad);
    free(x); free(y); free(z);
    return check_summary();
}
