/* test_metrics_photo.c - the photo-route metrics (we_metrics_photo.h) on
 * synthetic faces: a textured 64 x 64 image and 68 landmarks laid out like
 * a face (facealign's template for points 17..67, a U-shaped jaw). */
#include "check.h"
#include "we_align.h"
#include "we_metrics_photo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S 64
#define P (S * S)

static void face_landmarks(float *lm)
{
    for (int i = 0; i < 17; i++) {
        double th = M_PI - M_PI * i / 16;
        lm[2 * i] = (float)(32 + 26 * cos(th));
        lm[2 * i + 1] = (float)(30 + 30 * sin(th));
    }
    for (int i = 17; i < 68; i++) {
        double x, y;
        we_align_template_point(i, S, 0.3, &x, &y);
        lm[2 * i] = (float)x;
        lm[2 * i + 1] = (float)y;
    }
}

/* texture in 20..235: a hash of the position plus a soft ramp */
static void texture(float *img)
{
    unsigned s = 12345;
    for (int i = 0; i < P; i++) {
        s = s * 1103515245u + 12345u;
        img[i] = (float)(20 + (i % S) + ((s >> 16) % 150));
    }
}

static void box_blur(float *out, const float *in)
{
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            double s = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int yy = y + dy < 0 ? 0 : y + dy >= S ? S - 1 : y + dy;
                    int xx = x + dx < 0 ? 0 : x + dx >= S ? S - 1 : x + dx;
                    s += in[yy * S + xx];
                }
            out[y * S + x] = (float)(s / 9);
        }
}

int main(void)
{
    static float src[P], ed[P], mask[P], chg[P];
    float lm[136];
    face_landmarks(lm);
    texture(src);

    /* detail energy by hand: a 2x2 block 1 0 / 0 1 is all HH = 1 */
    float blk[4] = {1, 0, 0, 1}, flat[9] = {5, 5, 5, 5, 5, 5, 5, 5, 5};
    CHECK_CLOSE(we_metrics_detail_energy(blk, NULL, 2, 2), 1.0, 1e-12, "checker block: energy 1");
    CHECK_CLOSE(we_metrics_detail_energy(flat, NULL, 3, 3), 0.0, 0, "flat: no detail, odd edge ignored");
    float half[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    CHECK_CLOSE(we_metrics_detail_energy(blk, half, 2, 2), 0.5, 1e-12, "mask weights the block");

    /* the regions */
    we_metrics_face_mask(mask, S, S, lm);
    we_metrics_change_mask(chg, S, S, lm);
    int nose = (int)lm[61] * S + (int)lm[60];
    CHECK(mask[nose] == 1 && chg[nose] == 1, "nose tip inside the hull and the change region");
    CHECK(mask[0] == 0 && chg[0] == 0 && mask[P - 1] == 0, "corners outside both");
    double nh = 0, nc = 0, both = 0;
    for (int i = 0; i < P; i++) { nh += mask[i]; nc += chg[i]; both += mask[i] * chg[i]; }
    CHECK(nc < nh && nc > 0.4 * nh, "change region: most of the hull, not all of it");
    CHECK(both > 0.9 * nc, "change region lies mostly inside the hull");
    static float keep[P], tmp[P];
    we_metrics_keep_mask(keep, tmp, S, S, lm);
    double nk = 0, overlap = 0;
    for (int i = 0; i < P; i++) { nk += keep[i]; overlap += keep[i] * chg[i]; }
    CHECK(overlap == 0 && nk > 0.1 * nh && keep[0] == 0, "kept ring: around the change region, not the corners");

    /* identical: sharpness 1, PSNR outside inf, no tone shift */
    we_photo_scores sc;
    CHECK(we_metrics_photo(&sc, src, src, 1, S, S, lm) == WE_OK, "scores of identical images");
    CHECK_CLOSE(sc.sharp, 1.0, 1e-12, "identical: sharpness 1.0");
    CHECK(isinf(sc.psnr_out) && sc.psnr_out > 0, "identical: PSNR outside = inf");
    CHECK_CLOSE(sc.tone, 0.0, 0, "identical: tone 0");
    CHECK_CLOSE(sc.seam, 1.0, 1e-12, "identical: seam ratio 1 (the boundary as smooth as the source's)");

    /* blurred copy: sharper source */
    box_blur(ed, src);
    CHECK(we_metrics_photo(&sc, ed, src, 1, S, S, lm) == WE_OK, "scores of a blurred copy");
    CHECK(sc.sharp < 0.5 && sc.sharp > 0, "blurred: sharpness well below 1");
    CHECK(sc.psnr_out < 35, "blurred: PSNR outside below 35 dB");
    CHECK(fabs(sc.tone) < 1, "blurred: tone about kept");

    /* +3 gray levels everywhere */
    for (int i = 0; i < P; i++) ed[i] = src[i] + 3;
    CHECK(we_metrics_photo(&sc, ed, src, 1, S, S, lm) == WE_OK, "scores of a +3 shift");
    CHECK_CLOSE(sc.tone, 3.0, 1e-9, "+3 shift: tone 3.0");
    CHECK_CLOSE(sc.sharp, 1.0, 1e-9, "+3 shift: detail unchanged");
    CHECK_CLOSE(sc.psnr_out, 10 * log10(255.0 * 255 / 9), 1e-9, "+3 shift: PSNR outside 38.59 dB");

    /* a change only inside the change region leaves PSNR outside at inf */
    for (int i = 0; i < P; i++) ed[i] = src[i] + 40 * chg[i];
    CHECK(isinf(we_metrics_psnr_weighted(ed, src, NULL, 1, P)) == 0, "plain PSNR sees the change");
    for (int i = 0; i < P; i++) mask[i] = 1 - chg[i];
    CHECK(isinf(we_metrics_psnr_weighted(ed, src, mask, 1, P)), "PSNR outside the change region: inf");
    CHECK(isnan(we_metrics_psnr_weighted(ed, src, (float[P]){0}, 1, P)), "zero weights: NaN");
    float rgb[3 * P];
    for (int c = 0; c < 3; c++) memcpy(rgb + c * P, src, sizeof src);
    float y[P];
    we_metrics_luma(y, rgb, 3, P);
    CHECK(check_max_abs_diff(y, src, P) < 1e-3, "luma of gray RGB = the gray");

    /* the paste: a 16 px edit of a 64 px ramp comes back as the ramp */
    we_tensor big, small;
    we_tensor_alloc3(&big, WE_F32, 1, S, S);
    we_tensor_alloc3(&small, WE_F32, 1, 16, 16);
    float *b = big.data, *sm = small.data;
    for (int i = 0; i < P; i++) b[i] = (float)(i % S);
    for (int i = 0; i < 256; i++) sm[i] = (float)(4 * (i % 16) + 1.5);
    CHECK(we_metrics_photo_paste(&small, &big, lm, 0) == WE_OK && small.shape[1] == S, "resize 16 -> 64");
    CHECK(check_max_abs_diff((float *)small.data + 8 * S + 4, b + 8 * S + 4, S - 8) < 1e-4,
          "pixel centres kept: the ramp is exact inside");
    we_tensor_free(&small);
    we_tensor_alloc3(&small, WE_F32, 1, 16, 16);
    sm = small.data;
    for (int i = 0; i < 256; i++) sm[i] = 200;
    CHECK(we_metrics_photo_paste(&small, &big, lm, 1) == WE_OK, "resize and paste");
    float *o = small.data;
    CHECK(o[0] == b[0] && o[P - 1] == b[P - 1], "pasted: source kept outside the hull");
    CHECK(o[nose] == 200, "pasted: the edit inside the hull");
    we_tensor_free(&small);
    we_tensor rgbt;
    we_tensor_alloc3(&rgbt, WE_F32, 3, 16, 16);
    CHECK(we_metrics_photo_paste(&rgbt, &big, lm, 1) == WE_EDATA && rgbt.shape[0] == 3,
          "channel mismatch: WE_EDATA, edit left as it was");
    we_tensor_free(&rgbt);
    we_tensor_free(&big);

    /* landmarks by id from a stream file */
    const char *path = "build/tests/test_metrics_photo.wes";
    FILE *f = fopen(path, "wb");
    fprintf(f, "WES1 image u8 1 1 1\nid=a\n\n");
    fputc(0, f);
    for (int k = 0; k < 2; k++) {
        fprintf(f, "WES1 landmarks f32 68 2\nid=%s\n\n", k ? "b" : "a");
        for (int i = 0; i < 136; i++) {
            float v = lm[i] + 10 * k;
            fwrite(&v, 4, 1, f);
        }
    }
    fclose(f);
    we_lm_table *t;
    CHECK(we_lm_table_load(&t, path) == WE_OK && t, "landmark table loads");
    const float *la = we_lm_table_find(t, "a"), *lb = we_lm_table_find(t, "b");
    CHECK(la && lb && la[5] == lm[5] && lb[5] == lm[5] + 10, "landmarks by id");
    CHECK(!we_lm_table_find(t, "c") && !we_lm_table_find(NULL, "a"), "unknown id: NULL");
    we_lm_table_free(t);
    CHECK(we_lm_table_load(&t, "build/tests/nope.wes") == WE_ENOINPUT, "missing file: WE_ENOINPUT");
    remove(path);

    for (int i = 0; i < P; i++) ed[i] = 7;
    CHECK(we_metrics_photo(&sc, src, ed, 1, S, S, lm) == WE_EDATA, "flat source: WE_EDATA");
    return check_summary();
}
