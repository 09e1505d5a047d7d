/* test_montage.c - contact sheet layout, tile copies and the bitmap font. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_montage.h"

static we_tensor solid(int C, int S, uint8_t v)
{
    we_tensor t;
    we_tensor_alloc3(&t, WE_U8, C, S, S);
    memset(t.data, v, (size_t)C * S * S);
    return t;
}

static uint8_t px(const we_tensor *t, int c, int y, int x)
{
    return ((uint8_t *)t->data)[((size_t)c * t->shape[1] + y) * t->shape[2] + x];
}

int main(void)
{
    int empty = 0;
    for (int c = 33; c < 127; c++) {
        int on = 0;
        for (int r = 0; r < 7; r++) on |= we_montage_font[c - 32][r];
        if (!on || (on & ~0x1f)) empty++;
    }
    CHECK(empty == 0, "every printable glyph has dots, all within 5 columns");
    for (int r = 0; r < 7; r++) CHECK(we_montage_font[0][r] == 0, "space is blank");

    we_montage_params p;
    we_montage_params_init(&p);
    CHECK(p.gap == 2 && p.bg == 255 && p.tile == 0 && p.per_row == 0, "defaults");
    we_montage m;
    we_montage_init(&m, &p);
    we_tensor a = solid(1, 8, 10), b = solid(3, 8, 200), c = solid(1, 16, 50);
    CHECK(we_montage_add(&m, &a, "x", NULL, NULL) == WE_OK, "add grey to row x");
    CHECK(we_montage_add(&m, &b, "y", NULL, NULL) == WE_OK, "add RGB to row y");
    CHECK(we_montage_add(&m, &c, "x", NULL, NULL) == WE_OK, "add a 16x16 to row x (resized to 8)");
    we_tensor out;
    CHECK(we_montage_render(&m, &out) == WE_OK, "render");
    CHECK(out.shape[0] == 3 && out.shape[1] == 2 + 2 * 10 && out.shape[2] == 2 + 2 * 10, "sheet 3 x 22 x 22");
    CHECK(px(&out, 0, 0, 0) == 255 && px(&out, 2, 21, 21) == 255, "background around");
    CHECK(px(&out, 0, 2, 2) == 10 && px(&out, 1, 9, 9) == 10 && px(&out, 2, 5, 5) == 10, "grey tile in every channel at (0,0)");
    CHECK(px(&out, 0, 2, 12) == 50, "second image of row x at column 1");
    CHECK(px(&out, 1, 12, 2) == 200, "row y below");
    CHECK(px(&out, 0, 12, 12) == 255, "short row leaves background");
    we_tensor_free(&out);
    we_montage_free(&m);

    /* per_row and labels */
    p.per_row = 2;
    p.tile = 64;
    we_montage_init(&m, &p);
    for (int i = 0; i < 3; i++) CHECK(we_montage_add(&m, &a, NULL, "happy", NULL) == WE_OK, "add with a label");
    CHECK(we_montage_render(&m, &out) == WE_OK, "render with labels");
    int lab_h = 7 + 2 + 1;
    CHECK(out.shape[0] == 1 && out.shape[1] == 2 + 2 * (64 + lab_h + 2) && out.shape[2] == 2 + 2 * 66,
          "2 per row, label strips");
    int dark = 0;
    for (int y = 2 + 64; y < 2 + 64 + lab_h; y++)
        for (int x = 2; x < 66; x++) dark += px(&out, 0, y, x) == 0;
    CHECK(dark > 20, "the label is drawn in the strip");
    we_tensor_free(&out);
    we_montage_free(&m);

    /* text drawing is clipped */
    we_tensor t = solid(1, 10, 255);
    int w = we_montage_text(&t, 0, 0, 1, 10, "ABCDEF", 0);
    CHECK(w == 6, "only the glyphs that fit are drawn");
    w = we_montage_text(&t, 0, 0, 1, 100, "\xc3\xa9!", 0);
    CHECK(w == 12, "one '?' per UTF-8 character");
    we_tensor_free(&t);

    /* refusals */
    we_montage_init(&m, NULL);
    CHECK(we_montage_render(&m, &out) == WE_EDATA, "empty sheet refused");
    we_tensor bad;
    we_tensor_alloc3(&bad, WE_U8, 2, 4, 4);
    CHECK(we_montage_add(&m, &bad, NULL, NULL, NULL) == WE_EDATA, "2 channels refused");
    we_tensor_free(&bad);
    we_montage_free(&m);
    we_tensor_free(&a); we_tensor_free(&b); we_tensor_free(&c);
    return check_summary();
}
