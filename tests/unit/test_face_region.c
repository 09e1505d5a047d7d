/* test_face_region.c - the landmark regions an expression may change
 * (lib/face/we_face_region.h): on dlib's template face at 256 px seen on a
 * 64 x 64 grid (scale 4): 1 on the mouth, the eyes and the brows, 0 on the
 * outer cheeks and the image corners; a larger grow covers
 * more; bad landmarks and arguments are refused. The expression area
 * (we_face_region_expr_mask): 1 on the features and the cheeks, 0 above
 * the brows and on the chin, above 0.05 only at grid cells whose centre
 * lies in femetrics' change region (the same area, hard edge at 256 px). */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "we_align.h"
#include "we_face_region.h"
#include "we_metrics_photo.h"

#define S 256
#define n 64

static void template_face(float *lm)
{
    for (int i = 0; i < 68; i++) {
        double x, y;
        if (!we_align_template_point(i, S, 0.3, &x, &y)) { /* the jaw: an arc */
            x = S * (0.22 + 0.56 * i / 16.0);
            y = S * (0.45 + 0.33 * sin(M_PI * i / 16.0));
        }
        lm[2 * i] = (float)x, lm[2 * i + 1] = (float)y;
    }
}

/* the mask at face point p (face pixels) */
static float at(const float *mask, double px, double py)
{
    int x = (int)floor((px + 0.5) / 4), y = (int)floor((py + 0.5) / 4);
    x = x < 0 ? 0 : x >= n ? n - 1 : x, y = y < 0 ? 0 : y >= n ? n - 1 : y;
    return mask[y * n + x];
}

int main(void)
{
    float lm[136], mask[n * n], big[n * n];
    template_face(lm);
    CHECK(we_face_region_mask(mask, n, 4.0, lm, 0.15, 1) == WE_OK, "mask of the template face");
    double mx = 0, my = 0;
    for (int k = 48; k < 68; k++) mx += lm[2 * k] / 20, my += lm[2 * k + 1] / 20;
    CHECK(at(mask, mx, my) == 1.0f, "1 at the mouth's centre");
    CHECK(at(mask, lm[2 * 37], lm[2 * 37 + 1]) == 1.0f && at(mask, lm[2 * 44], lm[2 * 44 + 1]) == 1.0f, "1 on both eyes");
    CHECK(at(mask, lm[2 * 19], lm[2 * 19 + 1]) == 1.0f, "1 on a brow");
    /* the outer cheeks: below the outer eye corners, half way down to the mouth */
    double io = lm[2 * 45] - lm[2 * 36], cy = (lm[2 * 36 + 1] + lm[2 * 48 + 1]) / 2;
    CHECK(at(mask, lm[2 * 36] - 0.15 * io, cy) == 0.0f && at(mask, lm[2 * 45] + 0.15 * io, cy) == 0.0f,
          "0 on the outer cheeks");
    CHECK(at(mask, 0, 0) == 0.0f && at(mask, S - 1, S - 1) == 0.0f, "0 in the corners");
    double a = 0, b = 0;
    int inside = 1;
    CHECK(we_face_region_mask(big, n, 4.0, lm, 0.4, 1) == WE_OK, "a larger grow");
    for (int i = 0; i < n * n; i++) {
        a += mask[i], b += big[i];
        inside &= big[i] >= mask[i] && mask[i] >= 0 && big[i] <= 1;
    }
    CHECK(b > a && inside, "grow 0.4 covers more than 0.15 (and contains it), values in [0,1]");
    /* side 0.5: half the reach to the left and right, the same up and down
     * (the brows' top edge at x = point 19; the brow's outer end at its y) */
    float narrow[n * n];
    CHECK(we_face_region_mask(narrow, n, 4.0, lm, 0.4, 0.5) == WE_OK, "side 0.5");
    int up = -1, up_n = -1, out = 0, out_n = 0; /* the first row of the brow's column, the width at its end */
    for (int y = n - 1; y >= 0; y--) {
        int x = (int)floor((lm[2 * 19] + 0.5) / 4);
        if (big[y * n + x] > 0) up = y;
        if (narrow[y * n + x] > 0) up_n = y;
    }
    for (int x = 0; x < n; x++) {
        int y = (int)floor((lm[2 * 17 + 1] + 0.5) / 4);
        out += big[y * n + x] > 0, out_n += narrow[y * n + x] > 0;
    }
    CHECK(up >= 0 && abs(up_n - up) <= 1 && out_n < out - 1, "side 0.5: reaches as high above the brow (to a pixel), narrower");
    int sub = 1;
    for (int i = 0; i < n * n; i++) sub &= narrow[i] <= big[i] + 1e-6f;
    CHECK(sub, "side 0.5 lies within side 1");
    CHECK(we_face_region_mask(mask, n, 4.0, lm, 0.15, 0) == WE_EUSAGE, "side 0 refused");
    float bad[136];
    memcpy(bad, lm, sizeof bad);
    bad[7] = NAN;
    CHECK(we_face_region_mask(mask, n, 4.0, bad, 0.15, 1) == WE_EDATA, "NaN landmark refused");
    memcpy(bad, lm, sizeof bad);
    bad[2 * 45] = bad[2 * 36], bad[2 * 45 + 1] = bad[2 * 36 + 1];
    CHECK(we_face_region_mask(mask, n, 4.0, bad, 0.15, 1) == WE_EDATA, "coinciding eye corners refused");
    CHECK(we_face_region_mask(mask, n, 0.0, lm, 0.15, 1) == WE_EUSAGE && we_face_region_mask(mask, n, 4.0, lm, -1, 1) == WE_EUSAGE,
          "scale 0 and negative grow refused");
    /* the expression area: soft inside femetrics' change region */
    float area[n * n], hard[S * S];
    CHECK(we_face_region_expr_mask(area, n, 4.0, lm, 0.1) == WE_OK, "expression area of the template face");
    CHECK(at(area, mx, my) == 1.0f && at(area, lm[2 * 37], lm[2 * 37 + 1]) == 1.0f && at(area, lm[2 * 44], lm[2 * 44 + 1]) == 1.0f,
          "area: 1 on the mouth and the eyes");
    CHECK(at(area, 0.5 * (lm[2 * 3] + lm[2 * 30]), 0.5 * (lm[2 * 3 + 1] + lm[2 * 30 + 1])) > 0.5f, "area: on the cheek");
    CHECK(at(area, lm[2 * 8], lm[2 * 8 + 1]) == 0.0f && at(area, lm[2 * 19], lm[2 * 19 + 1] - 0.3 * io) == 0.0f,
          "area: 0 on the chin and above the brows");
    we_metrics_change_mask(hard, S, S, lm);
    int within = 1, on = 0;
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            if (!(area[y * n + x] > 0.05f)) continue; /* (the edge's last few % fall within a pixel) */
            on++;
            for (int dy = 1; dy < 3; dy++) /* the face pixels around the centre of a cell that may change */
                for (int dx = 1; dx < 3; dx++) within &= hard[(4 * y + dy) * S + 4 * x + dx] == 1.0f;
        }
    CHECK(on > n * n / 10 && within, "area: nonzero only inside femetrics' change region");
    CHECK(we_face_region_expr_mask(area, n, 4.0, lm, -1) == WE_EUSAGE && we_face_region_expr_mask(area, n, 4.0, bad, 0.1) == WE_EDATA,
          "area: negative fall and coinciding eye corners refused");
    return check_summary();
}
