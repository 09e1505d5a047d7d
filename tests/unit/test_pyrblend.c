/* test_pyrblend - the Laplacian pyramid blend: exact outside the region,
 * b itself deep inside, perfect reconstruction, wide tone transition and
 * narrow detail transition, level choice. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_pyrblend.h"

static unsigned seed = 11;
static float frand(void)
{
    seed = seed * 1103515245u + 12345u;
    return ((seed >> 8) & 0xffff) / 65535.0f;
}

/* Disc of radius R at (cx, cy): inward distance to its edge. */
static void disc(float *dist, int h, int w, double cx, double cy, double R)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = R - hypot(x - cx, y - cy);
            dist[(size_t)y * w + x] = d > 0 ? (float)d : 0.f;
        }
}

int main(void)
{
    int C = 2, h = 121, w = 150; /* odd and even sides */
    size_t plane = (size_t)h * w;
    float *a = malloc(sizeof(float) * C * plane), *a0 = malloc(sizeof(float) * C * plane);
    float *b = malloc(sizeof(float) * C * plane), *dist = malloc(sizeof(float) * plane);
    for (size_t i = 0; i < C * plane; i++) { a0[i] = 255 * frand(); b[i] = 255 * frand(); }

    CHECK(we_pyrblend_levels(90) == 3 && we_pyrblend_reach(3) == 36, "levels(90) = 3, reach(3) = 36 px");
    CHECK(we_pyrblend_levels(2) == 1 && we_pyrblend_levels(1e6) == 6, "levels within 1..6");

    /* Noise into noise inside a disc, 3 levels. */
    disc(dist, h, w, 70, 60, 55);
    memcpy(a, a0, sizeof(float) * C * plane);
    CHECK(we_pyrblend(a, b, dist, C, h, w, 3) == WE_OK, "blend noise, 3 levels");
    long outside = 0, changed = 0, deep = 0;
    double deep_err = 0;
    for (int c = 0; c < C; c++)
        for (size_t i = 0; i < plane; i++) {
            if (dist[i] <= 0) { outside++; changed += a[c * plane + i] != a0[c * plane + i]; }
            if (dist[i] >= we_pyrblend_reach(3)) { deep++; deep_err = fmax(deep_err, fabs(a[c * plane + i] - b[c * plane + i])); }
        }
    printf("     outside: %ld of %ld values changed; deeper than %.0f px: max |out - b| = %.2g\n", changed, outside,
           we_pyrblend_reach(3), deep_err);
    CHECK(outside > 5000 && changed == 0, "pixels outside the region (every level's mask 0) bit-identical");
    CHECK(deep > 100 && deep_err < 1e-3, "pixels deeper than the reach are b");

    /* The whole image as the region: perfect reconstruction, b everywhere. */
    for (size_t i = 0; i < plane; i++) dist[i] = 1e6f;
    memcpy(a, a0, sizeof(float) * C * plane);
    we_pyrblend(a, b, dist, C, h, w, 12);
    CHECK(check_max_abs_diff(a, b, C * plane) < 1e-3, "region = everything: the pyramid collapses to b (12 levels, down to 1x1)");

    /* A brighter flat face on a flat photo: the step becomes a ramp inside
     * the region, no overshoot, slope well below a hard edge's. */
    disc(dist, h, w, 70, 60, 55);
    for (size_t i = 0; i < plane; i++) { a[i] = 100; b[i] = 140; }
    we_pyrblend(a, b, dist, 1, h, w, 3);
    double lo = 1e9, hi = -1e9, slope = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x + 1 < w; x++) {
            size_t i = (size_t)y * w + x;
            lo = fmin(lo, a[i]);
            hi = fmax(hi, a[i]);
            slope = fmax(slope, fabs(a[i + 1] - a[i]));
        }
    printf("     flat step 100 -> 140, 3 levels: range %.2f..%.2f, steepest %.2f gray levels/px\n", lo, hi, slope);
    CHECK(lo >= 100 - 1e-3 && hi <= 140 + 1e-3, "tone step: no overshoot");
    CHECK(slope < 40 / 8.0, "tone step: spread over more than 8 px");
    CHECK(fabs(a[60 * w + 70] - 140) < 1e-3, "tone step: the centre takes b's tone");

    /* Finest detail (a checkerboard, zero mean) switches over within a pixel. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) { a[(size_t)y * w + x] = 100; b[(size_t)y * w + x] = (x + y) & 1 ? 130 : 70; }
    we_pyrblend(a, b, dist, 1, h, w, 3);
    double fine_err = 0;
    for (size_t i = 0; i < plane; i++)
        if (dist[i] >= 1.5) fine_err = fmax(fine_err, fabs(a[i] - b[i]));
    printf("     checkerboard: max |out - b| where 1.5 px inside = %.2g\n", fine_err);
    CHECK(fine_err < 1e-3, "finest band: b's detail from 1.5 px inside the edge");

    CHECK(we_pyrblend(a, b, dist, 1, h, w, 0) == WE_EUSAGE, "0 levels refused");
    free(a); free(a0); free(b); free(dist);
    return check_summary();
}
