/* test_pixel.c - the pixel mapping (we_pixel.h) and BT.601 luma (we_color.h):
 * every function against the expression it replaced, bit for bit, over all
 * 256 pixel values and a million random floats; the u8 round trip; the
 * spellings proved equal (2 (p/255) - 1, clamp + lrintf); the rounding
 * variants at ties; luma on known colours and the YCbCr round trip. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "we_color.h"
#include "we_image.h"
#include "we_pixel.h"

static int same_bits(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

/* deterministic uniform float in [lo, hi) */
static float urand(uint32_t *s, float lo, float hi)
{
    *s = *s * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)((*s >> 8) / 16777216.0);
}

/* the expressions the callers used before we_pixel.h */
static uint8_t old_clamp_lrint(float g) { return (uint8_t)lrintf(g < 0 ? 0 : g > 255 ? 255 : g); }
static uint8_t old_round_away(float p)
{
    float v = roundf(p);
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

int main(void)
{
    /* ---- all 256 pixel values ---- */
    int to_unit = 1, incep = 1, back_u8 = 1, back_f = 1, rnd = 1, away = 1, range = 1, u16 = 1;
    for (int u = 0; u < 256; u++) {
        uint8_t b = (uint8_t)u;
        float v = we_pixel_to_unit(b);
        to_unit &= same_bits(v, (float)b / 127.5f - 1.0f);
        incep &= same_bits(v, 2.0f * ((float)b / 255.0f) - 1.0f);
        range &= v >= -1.0f && v <= 1.0f;
        back_u8 &= we_pixel_unit_to_u8(v) == b;
        back_f &= fabsf(we_pixel_from_unit(v) - (float)u) <= 1e-4f;
        rnd &= we_pixel_round_u8((float)u) == b;
        away &= we_pixel_round_u8_away((float)u) == b;
        u16 &= we_pixel_u16_to_u8((uint16_t)(u * 257)) == b;
    }
    CHECK(to_unit, "u8 -> [-1,1] is p/127.5 - 1, bit for bit, all 256");
    CHECK(incep, "p/127.5 - 1 == 2 (p/255) - 1 (Inception's spelling), all 256");
    CHECK(range, "u8 -> [-1,1] stays in [-1, 1]");
    CHECK(we_pixel_to_unit(0) == -1.0f && we_pixel_to_unit(255) == 1.0f, "0 -> -1, 255 -> 1 exactly");
    CHECK(back_u8, "u8 -> [-1,1] -> u8 is the identity, all 256");
    CHECK(back_f, "[-1,1] -> 0..255 float inverts the mapping within 1e-4");
    CHECK(rnd && away, "integral pixel values round to themselves");
    CHECK(u16, "u16 v*257 -> u8 v, all 256");
    CHECK(we_pixel_u16_to_u8(128) == 0 && we_pixel_u16_to_u8(129) == 1 && we_pixel_u16_to_u8(65535) == 255,
          "u16 -> u8 rounds v/257 to nearest");

    /* ---- a million random floats around and beyond the range ---- */
    uint32_t s = 12345;
    int from = 1, grad = 1, clamp = 1, r1 = 1, r2 = 1, u8 = 1, inc2 = 1, tu = 1;
    for (int i = 0; i < 1000000; i++) {
        float p = urand(&s, -20.0f, 280.0f), v = urand(&s, -1.5f, 1.5f);
        from &= same_bits(we_pixel_from_unit(v), (v + 1.0f) * 127.5f);
        grad &= same_bits(we_pixel_from_unit_grad(v), v * 127.5f);
        clamp &= same_bits(we_pixel_clamp_unit(v), v < -1 ? -1 : v > 1 ? 1 : v);
        r1 &= we_pixel_round_u8(p) == old_clamp_lrint(p);
        r2 &= we_pixel_round_u8_away(p) == old_round_away(p);
        u8 &= we_pixel_unit_to_u8(v) == old_clamp_lrint((v + 1.0f) * 127.5f);
        tu &= same_bits(we_pixel_to_unit(p), p / 127.5f - 1.0f);
        inc2 &= same_bits(we_pixel_to_unit(p), 2.0f * (p / 255.0f) - 1.0f);
    }
    CHECK(from, "[-1,1] -> 0..255 is (v+1)*127.5, bit for bit");
    CHECK(grad, "the gradient scale is 127.5");
    CHECK(clamp, "clamp to [-1,1] as the callers wrote it");
    CHECK(tu, "0..255 float -> [-1,1] is p/127.5 - 1, bit for bit");
    CHECK(inc2, "p/127.5 - 1 == 2 (p/255) - 1 on random floats");
    CHECK(r1, "round_u8 == lrintf of the clamped value");
    CHECK(r2, "round_u8_away == roundf, then clamp");
    CHECK(u8, "unit_to_u8 == round of (v+1)*127.5, clamped");

    /* ---- the rounding variants: ties, out of range, NaN ---- */
    CHECK(we_pixel_round_u8(0.5f) == 0 && we_pixel_round_u8(1.5f) == 2 && we_pixel_round_u8(2.5f) == 2,
          "round_u8: ties to even");
    CHECK(we_pixel_round_u8_away(0.5f) == 1 && we_pixel_round_u8_away(1.5f) == 2 &&
              we_pixel_round_u8_away(2.5f) == 3,
          "round_u8_away: ties away from zero");
    CHECK(we_pixel_round_u8(-3.0f) == 0 && we_pixel_round_u8(300.0f) == 255 && we_pixel_round_u8(254.6f) == 255 &&
              we_pixel_round_u8(INFINITY) == 255 && we_pixel_round_u8(-INFINITY) == 0 && we_pixel_round_u8(NAN) == 0,
          "round_u8 clamps; NaN -> 0");
    CHECK(we_pixel_round_u8_away(-0.4f) == 0 && we_pixel_round_u8_away(-3.0f) == 0 &&
              we_pixel_round_u8_away(255.4f) == 255 && we_pixel_round_u8_away(NAN) == 0,
          "round_u8_away clamps; NaN -> 0");
    CHECK(we_pixel_unit_to_u8(-2.0f) == 0 && we_pixel_unit_to_u8(2.0f) == 255 && we_pixel_unit_to_u8(NAN) == 0,
          "unit_to_u8 clamps; NaN -> 0");
    CHECK(isnan(we_pixel_clamp_unit(NAN)) && we_pixel_clamp_unit(-7) == -1 && we_pixel_clamp_unit(7) == 1,
          "clamp_unit: NaN passes, out of range clamps");

    /* ---- the tensor conversions use the same functions ---- */
    {
        int64_t shape[1] = {256};
        we_tensor t, f, b;
        we_tensor_alloc(&t, WE_U8, 1, shape);
        for (int u = 0; u < 256; u++) ((uint8_t *)t.data)[u] = (uint8_t)u;
        int ok = we_image_u8_to_f32(&t, &f) == WE_OK && we_image_f32_to_u8(&f, &b) == WE_OK;
        for (int u = 0; ok && u < 256; u++)
            ok &= same_bits(((float *)f.data)[u], we_pixel_to_unit((float)u)) && ((uint8_t *)b.data)[u] == u;
        CHECK(ok, "we_image_u8_to_f32 / f32_to_u8 agree with we_pixel, all 256");
        we_tensor_free(&t); we_tensor_free(&f); we_tensor_free(&b);
    }

    /* ---- luma ---- */
    CHECK((float)WE_COLOR_KR == 0.299f && (float)WE_COLOR_KG == 0.587f && (float)WE_COLOR_KB == 0.114f,
          "float weights are the float literals 0.299f, 0.587f, 0.114f");
    CHECK(we_color_luma_u8(255, 0, 0) == 76 && we_color_luma_u8(0, 255, 0) == 150 && we_color_luma_u8(0, 0, 255) == 29,
          "u8 luma of pure red, green, blue");
    int grey = 1, lf = 1, ld = 1, lu = 1;
    for (int u = 0; u < 256; u++) grey &= we_color_luma_u8((uint8_t)u, (uint8_t)u, (uint8_t)u) == u;
    CHECK(grey, "u8 luma of a grey is that grey, all 256");
    s = 777;
    for (int i = 0; i < 300000; i++) {
        float r = urand(&s, -1.0f, 256.0f), g = urand(&s, -1.0f, 256.0f), b = urand(&s, -1.0f, 256.0f);
        lf &= same_bits(we_color_luma_f(r, g, b), 0.299f * r + 0.587f * g + 0.114f * b);
        ld &= same_bits(we_color_luma(r, g, b), (float)(0.299 * r + 0.587 * g + 0.114 * b));
        uint8_t R = (uint8_t)(i & 255), G = (uint8_t)((i >> 8) & 255), B = (uint8_t)(i * 7 & 255);
        lu &= we_color_luma_u8(R, G, B) ==
              (uint8_t)((19595u * R + 38470u * G + 7471u * B + 32768u) >> 16);
        float in[3] = {r / 127.5f - 1, g / 127.5f - 1, b / 127.5f - 1}, out[3];
        we_color_rgb_to_ycbcr(out, in, 1);
        ld &= same_bits(out[0], we_color_luma(in[0], in[1], in[2]));
    }
    CHECK(lf, "luma_f is 0.299f r + 0.587f g + 0.114f b in float, bit for bit");
    CHECK(ld, "luma is the double expression rounded once, = Y of rgb_to_ycbcr");
    CHECK(lu, "luma_u8 is the 16.16 fixed-point expression");

    /* ---- YCbCr round trip on every u8 grey and on random colours ---- */
    double dmax = 0;
    int chroma0 = 1;
    for (int u = 0; u < 256; u++) {
        float v = we_pixel_to_unit((float)u), in[3] = {v, v, v}, y[3], z[3];
        we_color_rgb_to_ycbcr(y, in, 1);
        we_color_ycbcr_to_rgb(z, y, 1);
        chroma0 &= fabsf(y[1]) < 1e-6f && fabsf(y[2]) < 1e-6f;
        for (int c = 0; c < 3; c++) {
            dmax = fmax(dmax, fabs((double)z[c] - v));
            chroma0 &= we_pixel_unit_to_u8(z[c]) == u;
        }
    }
    CHECK(chroma0, "greys: Cb = Cr = 0 and the round trip returns the u8 value");
    s = 99;
    for (int i = 0; i < 100000; i++) {
        float in[3] = {urand(&s, -1, 1), urand(&s, -1, 1), urand(&s, -1, 1)}, y[3], z[3];
        we_color_rgb_to_ycbcr(y, in, 1);
        we_color_ycbcr_to_rgb(z, y, 1);
        for (int c = 0; c < 3; c++) dmax = fmax(dmax, fabs((double)z[c] - in[c]));
    }
    printf("     YCbCr round trip max |diff| = %.3g\n", dmax);
    CHECK(dmax < 1e-6, "RGB -> YCbCr -> RGB within 1e-6");
    return check_summary();
}
