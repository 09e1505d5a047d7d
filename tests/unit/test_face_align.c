/* test_face_align - similarity fits, template, warps, hull masks, heatmaps,
 * labels CSV (no dlib model needed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_affine.h"
#include "we_align.h"
#include "we_face_labels.h"
#include "we_heatmap.h"
#include "we_warp.h"

static double frand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xffff) / 65535.0;
}

static void similarity(float A[6], double s, double th, double tx, double ty)
{
    A[0] = (float)(s * cos(th)); A[1] = (float)(-s * sin(th)); A[2] = (float)tx;
    A[3] = (float)(s * sin(th)); A[4] = (float)(s * cos(th));  A[5] = (float)ty;
}

static void test_similarity(void)
{
    unsigned seed = 1;
    float src[2 * 68], dst[2 * 68], A[6], B[6];
    similarity(A, 1.7, 0.3, 12.5, -7.25);
    for (int i = 0; i < 68; i++) {
        src[2 * i] = (float)(100 * frand(&seed));
        src[2 * i + 1] = (float)(100 * frand(&seed));
    }
    memcpy(dst, src, sizeof src);
    we_affine_apply(A, dst, 68);
    CHECK(we_align_similarity(B, src, dst, NULL, 68) == WE_OK, "similarity fit succeeds");
    double m = 0;
    for (int k = 0; k < 6; k++) m = fmax(m, fabs(A[k] - B[k]));
    CHECK_CLOSE(m, 0, 1e-3, "exact similarity recovered");
    /* Points with weight 0 do not pull the fit. */
    double w[68];
    for (int i = 0; i < 68; i++) w[i] = i < 10 ? 0 : 1;
    for (int i = 0; i < 10; i++) dst[2 * i] += 50;
    we_align_similarity(B, src, dst, w, 68);
    m = 0;
    for (int k = 0; k < 6; k++) m = fmax(m, fabs(A[k] - B[k]));
    CHECK_CLOSE(m, 0, 1e-3, "zero-weight outliers ignored");
    /* Noise: least squares beats every single-point error. */
    float same[2 * 68] = {0};
    CHECK(we_align_similarity(B, same, same, NULL, 68) == WE_EDATA, "degenerate points refused");
    float inv[6], p[2] = {3, 4};
    CHECK(we_affine_invert(inv, A) == WE_OK, "invert");
    we_affine_apply(A, p, 1);
    we_affine_apply(inv, p, 1);
    CHECK_CLOSE(p[0], 3, 1e-4, "inverse x");
    CHECK_CLOSE(p[1], 4, 1e-4, "inverse y");
    CHECK_CLOSE(we_affine_scale(A), 1.7, 1e-5, "scale of a similarity");
    float sing[6] = {1, 2, 0, 2, 4, 0};
    CHECK(we_affine_invert(inv, sing) == WE_EDATA, "singular affine refused");
}

static void test_template(void)
{
    double x, y, xl, yl;
    CHECK(!we_align_template_point(5, 128, 0.3, &x, &y), "jaw has no template point");
    CHECK(we_align_template_point(36, 128, 0.3, &x, &y), "eye corner has one");
    /* Symmetric: outer eye corners 36 and 45 mirror about the centre. */
    we_align_template_point(45, 128, 0.3, &xl, &yl);
    CHECK_CLOSE((x + xl) / 2, 63.5, 0.05, "template centred (S=128)");
    CHECK_CLOSE(y, yl, 1e-9, "eye corners level");
    /* Face of the template mapped by a similarity aligns back to it. */
    float photo[2 * 68], crop[2 * 68], A[6], P[6];
    similarity(P, 2.5, -0.2, 300, 150); /* template crop -> photo */
    for (int i = 0; i < 68; i++) {
        if (!we_align_template_point(i, 128, 0.3, &x, &y)) x = y = 64;
        photo[2 * i] = (float)x;
        photo[2 * i + 1] = (float)y;
    }
    we_affine_apply(P, photo, 68);
    CHECK(we_align_face(A, crop, photo, 128, 0.3) == WE_OK, "align a template face");
    double m = 0;
    for (int k = 0; k < 6; k++) m = fmax(m, fabs(A[k] - P[k]));
    CHECK_CLOSE(m, 0, 2e-3, "affine = crop->photo similarity");
    double e[4];
    we_align_eye_centres(crop, e);
    double tx = 0, ty = 0;
    for (int i = 36; i < 42; i++) { we_align_template_point(i, 128, 0.3, &x, &y); tx += x / 6; ty += y / 6; }
    CHECK_CLOSE(e[0], tx, 1e-3, "right eye centre on the template");
    CHECK_CLOSE(e[1], ty, 1e-3, "right eye centre y");
    CHECK_CLOSE(we_align_residual(crop, 128, 0.3), 0, 1e-5, "zero residual");
}

static void test_warp(void)
{
    int h = 20, w = 30;
    float *img = malloc(sizeof(float) * 2 * h * w), *out = malloc(sizeof(float) * 2 * h * w);
    for (int c = 0; c < 2; c++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img[(c * h + y) * w + x] = (float)(c * 1000 + 3 * x - 2 * y + 0.5 * x * y);
    float I[6] = {1, 0, 0, 0, 1, 0};
    we_warp_affine_forward(out, img, I, 2, h, w, h, w, 1, WE_BORDER_REFLECT);
    CHECK(check_max_abs_diff(out, img, (size_t)2 * h * w) == 0, "identity warp is exact");
    float T[6] = {1, 0, 3, 0, 1, -2};
    we_warp_affine_forward(out, img, T, 2, h, w, h, w, 1, WE_BORDER_REFLECT);
    CHECK_CLOSE(out[(1 * h + 5) * w + 4], img[(1 * h + 3) * w + 7], 0, "integer shift is exact");
    /* Reflection: -1 -> 0, -2 -> 1, w -> w-1 (edge pixel repeated). */
    CHECK_CLOSE(we_warp_sample(img, h, w, -1, 4, WE_BORDER_REFLECT), img[4 * w + 0], 0, "reflect -1");
    CHECK_CLOSE(we_warp_sample(img, h, w, -2, 4, WE_BORDER_REFLECT), img[4 * w + 1], 0, "reflect -2");
    CHECK_CLOSE(we_warp_sample(img, h, w, w, 4, WE_BORDER_REFLECT), img[4 * w + w - 1], 0, "reflect w");
    CHECK_CLOSE(we_warp_sample(img, h, w, 5, h + 1, WE_BORDER_REFLECT), img[(h - 2) * w + 5], 0, "reflect h+1");
    CHECK_CLOSE(we_warp_sample(img, h, w, -3, 4, WE_BORDER_ZERO), 0, 0, "zero border");
    CHECK_CLOSE(we_warp_sample(img, h, w, -3, 4, WE_BORDER_CLAMP), img[4 * w], 0, "clamp border");
    /* A linear ramp survives a shrinking rotation with supersampling. */
    float *ramp = malloc(sizeof(float) * 100 * 100), ro[16 * 16];
    for (int y = 0; y < 100; y++)
        for (int x = 0; x < 100; x++) ramp[y * 100 + x] = (float)(0.7 * x + 0.3 * y);
    float R[6];
    similarity(R, 2.6, 0.4, 40, 20);
    int ss = we_warp_supersample(2.6);
    CHECK(ss == 3, "supersampling 3x3 for scale 2.6");
    we_warp_affine_forward(ro, ramp, R, 1, 100, 100, 16, 16, ss, WE_BORDER_REFLECT);
    double m = 0;
    for (int y = 0; y < 16; y++)
        for (int x = 0; x < 16; x++) {
            double px = R[0] * x + R[1] * y + R[2], py = R[3] * x + R[4] * y + R[5];
            m = fmax(m, fabs(ro[y * 16 + x] - (0.7 * px + 0.3 * py)));
        }
    CHECK_CLOSE(m, 0, 1e-3, "linear ramp exact under supersampled warp");
    free(ramp);
    free(img);
    free(out);
}

static void test_hull(void)
{
    float pts[] = {10, 10, 50, 10, 50, 40, 10, 40, 30, 25, 20, 30}, hull[12];
    int k = we_warp_convex_hull(hull, pts, 6);
    CHECK(k == 4, "hull of a rectangle plus inner points has 4 corners");
    float *m = malloc(sizeof(float) * 60 * 60);
    we_warp_hull_mask(m, 60, 60, pts, 6, 4);
    CHECK_CLOSE(m[25 * 60 + 30], 1, 0, "mask 1 deep inside");
    CHECK_CLOSE(m[5 * 60 + 5], 0, 0, "mask 0 outside");
    CHECK_CLOSE(m[25 * 60 + 10], 0, 0, "mask 0 on the edge");
    CHECK(m[25 * 60 + 12] > 0 && m[25 * 60 + 12] < 1, "feathered near the edge");
    CHECK(m[25 * 60 + 11] < m[25 * 60 + 12] && m[25 * 60 + 12] < m[25 * 60 + 13], "feather rises inwards");
    we_warp_hull_mask(m, 60, 60, pts, 6, 0);
    CHECK_CLOSE(m[25 * 60 + 11], 1, 0, "hard mask with feather 0");
    free(m);
}

static void test_heatmap(void)
{
    float pts[2 * 68];
    double x, y;
    for (int i = 0; i < 68; i++) {
        if (!we_align_template_point(i, 64, 0.3, &x, &y)) { /* a jaw arc for the test */
            double t = 3.14159 * i / 16;
            x = 32 - 24 * cos(t);
            y = 28 + 26 * sin(t);
        }
        pts[2 * i] = (float)x;
        pts[2 * i + 1] = (float)y;
    }
    int K = WE_HEATMAP_REGIONS + 1, H = 64, W = 64;
    float *hm = malloc(sizeof(float) * K * H * W);
    pts[2 * 36] = 20; pts[2 * 36 + 1] = 24; /* put a point on a pixel centre */
    we_heatmap_forward(hm, pts, 64, 64, H, W, 1.5f, 1);
    float mn = 1, mx = 0;
    for (int i = 0; i < K * H * W; i++) { mn = fminf(mn, hm[i]); mx = fmaxf(mx, hm[i]); }
    CHECK(mn >= 0 && mx <= 1, "heatmap values in [0,1]");
    CHECK_CLOSE(hm[(5 * H + 24) * W + 20], 1, 1e-6, "eye_r channel is 1 on its landmark");
    CHECK_CLOSE(hm[(4 * H + 24) * W + 20], 0, 1e-3, "eye_l channel ~0 on the right eye");
    CHECK_CLOSE(hm[(8 * H + 32) * W + 32], 1, 1e-3, "mask 1 at the face centre");
    CHECK_CLOSE(hm[(8 * H + 1) * W + 1], 0, 1e-3, "mask 0 in the corner");
    CHECK(strcmp(we_heatmap_region_name(3), "nose") == 0 && !we_heatmap_region_name(9), "region names");
    CHECK(strcmp(we_heatmap_regions_key(0), "jaw,brow_l,brow_r,nose,eye_l,eye_r,lips_outer,lips_inner") == 0,
          "regions key");
    /* Half resolution keeps pixel centres: point (20,24) -> (9.75, 11.75). */
    we_heatmap_forward(hm, pts, 64, 64, 32, 32, 1.0f, 0);
    CHECK(hm[(5 * 32 + 12) * 32 + 10] > 0.8f, "half-size heatmap peaks near the mapped point");
    free(hm);
}

static void test_labels(void)
{
    CHECK(strcmp(we_face_emotion_map("Happiness"), "happy") == 0, "happiness -> happy");
    CHECK(strcmp(we_face_emotion_map(" angry "), "anger") == 0, "angry -> anger");
    CHECK(strcmp(we_face_emotion_map("sadness"), "sad") == 0, "sadness -> sad");
    CHECK(strcmp(we_face_emotion_map("contempt"), "contempt") == 0, "contempt");
    CHECK(we_face_emotion_map("bored") == NULL, "unknown word -> NULL");
    char path[] = "/tmp/we_labels_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("id,emotion,image\r\n1,happiness,a.jpg\n2,\"sad\",\"dir/b,c.png\"\n\n3,fear,d.jpg\n", f);
    fclose(f);
    we_face_labels *l;
    CHECK(we_face_labels_load(path, &l) == WE_OK, "labels load");
    CHECK(we_face_labels_count(l) == 3, "3 rows");
    const char *v = we_face_labels_find(l, "/x/y/a.jpg");
    CHECK(v && strcmp(v, "happiness") == 0, "join by base name");
    v = we_face_labels_find(l, "b,c.png");
    CHECK(v && strcmp(v, "sad") == 0, "quoted fields");
    CHECK(we_face_labels_find(l, "zzz.jpg") == NULL, "absent file");
    we_face_labels_free(l);
    f = fopen(path, "w");
    fputs("image,emotion\na.jpg\n", f);
    fclose(f);
    CHECK(we_face_labels_load(path, &l) == WE_EDATA, "short line refused");
    unlink(path);
    CHECK(we_face_labels_load("/nonexistent/labels.csv", &l) == WE_ENOINPUT, "missing CSV");
}

int main(void)
{
    test_similarity();
    test_template();
    test_warp();
    test_hull();
    test_heatmap();
    test_labels();
    return check_summary();
}
