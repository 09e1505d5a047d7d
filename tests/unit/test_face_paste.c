/* test_face_paste - the facealign -> facepaste identity loop in process:
 * synthetic photos (exact), then a real photo with dlib when the demo
 * photos and the shape predictor are present (skipped otherwise); the
 * pyramid blend against the feather blend, and the seam measure. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_affine.h"
#include "we_align.h"
#include "we_face.h"
#include "we_face_align.h"
#include "we_face_paste.h"
#include "we_image.h"
#include "we_metrics.h"
#include "we_pyrblend.h"
#include "we_warp.h"

static unsigned seed = 7;
static float frand(void)
{
    seed = seed * 1103515245u + 12345u;
    return ((seed >> 8) & 0xffff) / 65535.0f;
}

/* Alpha of the paste at every photo pixel: paste 255 into zeros. */
static float *alpha_map(int H, int W, int S, const float A[6], const float *pts, int npts, double feather)
{
    float *a = calloc((size_t)H * W, sizeof *a), *one = malloc(sizeof(float) * S * S);
    for (int i = 0; i < S * S; i++) one[i] = 255;
    we_face_paste(a, 1, H, W, one, 1, S, A, pts, npts, feather);
    for (int i = 0; i < H * W; i++) a[i] /= 255;
    free(one);
    return a;
}

static void test_synthetic(void)
{
    int C = 3, H = 160, W = 200, S = 64;
    size_t plane = (size_t)H * W;
    float *ramp = malloc(sizeof(float) * C * plane), *noise = malloc(sizeof(float) * C * plane);
    for (int c = 0; c < C; c++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                ramp[c * plane + (size_t)y * W + x] = (float)(20 + 0.6 * x + 0.4 * y + 10 * c);
                noise[c * plane + (size_t)y * W + x] = 255 * frand();
            }
    /* crop -> photo: scale 1.3, 0.2 rad, inside the photo */
    float A[6] = {(float)(1.3 * cos(0.2)), (float)(-1.3 * sin(0.2)), 70,
                  (float)(1.3 * sin(0.2)), (float)(1.3 * cos(0.2)), 30};
    float pts[2 * 68];
    for (int i = 0; i < 68; i++) { /* a face-like cloud inside the crop */
        pts[2 * i] = 8 + 48 * frand();
        pts[2 * i + 1] = 8 + 48 * frand();
    }
    float *face = malloc(sizeof(float) * C * S * S);
    we_warp_affine_forward(face, ramp, A, C, H, W, S, S, we_warp_supersample(we_affine_scale(A)), WE_BORDER_REFLECT);
    float *out = malloc(sizeof(float) * C * plane);
    memcpy(out, ramp, sizeof(float) * C * plane);
    CHECK(we_face_paste(out, C, H, W, face, C, S, A, pts, 68, -1) == WE_OK, "paste a ramp face");
    double m = check_max_abs_diff(out, ramp, C * plane);
    printf("     ramp loop max |diff| = %.4g gray levels\n", m);
    CHECK(m <= 1.0, "ramp: align -> paste is the identity within 1 gray level everywhere");

    /* Noise: outside the mask the photo is bit-identical. */
    we_warp_affine_forward(face, noise, A, C, H, W, S, S, 1, WE_BORDER_REFLECT);
    memcpy(out, noise, sizeof(float) * C * plane);
    we_face_paste(out, C, H, W, face, C, S, A, pts, 68, 4);
    float *alpha = alpha_map(H, W, S, A, pts, 68, 4);
    long outside = 0, changed_outside = 0, inside = 0;
    for (size_t i = 0; i < plane; i++) {
        if (alpha[i] > 0) { inside++; continue; }
        outside++;
        for (int c = 0; c < C; c++) changed_outside += out[c * plane + i] != noise[c * plane + i];
    }
    CHECK(inside > 500 && outside > 20000, "mask covers the face only");
    CHECK(changed_outside == 0, "noise: pixels outside the mask bit-identical");

    /* Gray face on a colour photo: chroma (R-G, B-G) kept. */
    float *gface = malloc(sizeof(float) * S * S);
    for (int i = 0; i < S * S; i++) gface[i] = 128;
    memcpy(out, ramp, sizeof(float) * C * plane);
    we_face_paste(out, C, H, W, gface, 1, S, A, pts, 68, 4);
    double chroma = 0, moved = 0;
    for (size_t i = 0; i < plane; i++) {
        chroma = fmax(chroma, fabs((out[i] - out[plane + i]) - (ramp[i] - ramp[plane + i])));
        chroma = fmax(chroma, fabs((out[2 * plane + i] - out[plane + i]) - (ramp[2 * plane + i] - ramp[plane + i])));
        moved = fmax(moved, fabs(out[plane + i] - ramp[plane + i]));
    }
    CHECK_CLOSE(chroma, 0, 1e-3, "gray face keeps the photo's chroma");
    CHECK(moved > 10, "gray face changes the luma");
    CHECK(we_face_paste(out, 2, H, W, gface, 1, S, A, pts, 68, 4) == WE_EUSAGE, "2-channel photo refused");
    float sing[6] = {0};
    CHECK(we_face_paste(out, C, H, W, face, C, S, sing, pts, 68, 4) == WE_EDATA, "singular affine refused");
    free(gface); free(alpha); free(out); free(face); free(ramp); free(noise);
}

/* The pyramid blend on a synthetic photo: a 128 px crop at scale 2 (a
 * face of ~256 photo px) with an elliptic hull; exact outside the hull,
 * the loop of an unedited face close, a brighter face pasted without a
 * seam where a hard paste shows one. */
static void test_pyramid(void)
{
    int C = 3, H = 360, W = 400, S = 128;
    size_t plane = (size_t)H * W;
    float *photo = malloc(sizeof(float) * C * plane), *out = malloc(sizeof(float) * C * plane);
    float *face = malloc(sizeof(float) * C * S * S), *hard = malloc(sizeof(float) * C * plane);
    for (int c = 0; c < C; c++) /* a smooth ramp with mild texture */
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                photo[c * plane + (size_t)y * W + x] = (float)(40 + 0.25 * x + 0.2 * y + 15 * c + 6 * frand());
    float A[6] = {(float)(2 * cos(0.1)), (float)(-2 * sin(0.1)), 80, (float)(2 * sin(0.1)), (float)(2 * cos(0.1)), 30};
    float pts[2 * 68];
    for (int i = 0; i < 68; i++) { /* a face-like ellipse */
        double t = 2 * M_PI * i / 68;
        pts[2 * i] = (float)(64 + 44 * cos(t));
        pts[2 * i + 1] = (float)(68 + 52 * sin(t));
    }
    we_warp_affine_forward(face, photo, A, C, H, W, S, S, we_warp_supersample(we_affine_scale(A)), WE_BORDER_REFLECT);
    we_face_paste_params pp;
    we_face_paste_params_init(&pp);
    CHECK(pp.blend == WE_PASTE_PYRAMID, "the pyramid blend is the default");
    CHECK(we_paste_blend_parse("feather") == WE_PASTE_FEATHER && we_paste_blend_parse("x") == -1 &&
              strcmp(we_paste_blend_name(WE_PASTE_PYRAMID), "pyramid") == 0, "blend names");
    memcpy(out, photo, sizeof(float) * C * plane);
    CHECK(we_face_paste_blend(out, C, H, W, face, C, S, A, pts, 68, NULL) == WE_OK, "pyramid paste");
    /* The hull in photo pixels, hard: 0 outside, 1 inside (pixel centres). */
    float *hull = alpha_map(H, W, S, A, pts, 68, 0);
    long outside = 0, changed = 0, inside = 0;
    double se = 0;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < C; c++) {
            if (hull[i] > 0) { inside++; se += pow(out[c * plane + i] - photo[c * plane + i], 2); continue; }
            outside++;
            changed += out[c * plane + i] != photo[c * plane + i];
        }
    double psnr = 10 * log10(255.0 * 255 / (se / inside));
    memcpy(hard, out, sizeof(float) * C * plane); /* kept: the unedited loop */
    float *loop = hard;
    hard = malloc(sizeof(float) * C * plane);
    printf("     pyramid loop: %ld of %ld values outside the hull changed; inside PSNR %.1f dB\n", changed, outside, psnr);
    CHECK(outside > 100000 && changed == 0, "pyramid: pixels outside the hull (every level's mask 0) bit-identical");
    CHECK(psnr > 35, "pyramid: the unedited face comes back close (PSNR > 35 dB inside)");

    /* A face 40 gray levels brighter: hard paste vs pyramid. The seam is
     * measured at the hull's 0.5 contour. */
    for (int i = 0; i < C * S * S; i++) face[i] += 40;
    memcpy(hard, photo, sizeof(float) * C * plane);
    we_face_paste(hard, C, H, W, face, C, S, A, pts, 68, 0);
    memcpy(out, photo, sizeof(float) * C * plane);
    we_face_paste_blend(out, C, H, W, face, C, S, A, pts, 68, NULL);
    pp.blend = WE_PASTE_FEATHER;
    float *feath = malloc(sizeof(float) * C * plane);
    memcpy(feath, photo, sizeof(float) * C * plane);
    we_face_paste_blend(feath, C, H, W, face, C, S, A, pts, 68, &pp);
    double r_hard = 0, r_pyr = 0, r_feat = 0, r_same = 0;
    long n = 0;
    CHECK(we_metrics_seam(&r_hard, hard, photo, hull, C, H, W) == WE_OK, "seam of the hard paste");
    we_metrics_seam(&r_pyr, out, photo, hull, C, H, W);
    we_metrics_seam(&r_feat, feath, photo, hull, C, H, W);
    we_metrics_seam(&r_same, photo, photo, hull, C, H, W);
    double g;
    we_metrics_seam_grad(&g, &n, photo, hull, C, H, W);
    printf("     seam ratio, face +40: hard %.2f, feather (S/16) %.2f, pyramid %.2f (source %.2f gray/px over %ld "
           "contour points)\n", r_hard, r_feat, r_pyr, g, n);
    CHECK(n > 300, "seam: the hull's contour found");
    CHECK_CLOSE(r_same, 1, 1e-12, "seam: the source against itself is 1");
    CHECK(r_hard > 3, "seam: a hard paste of a brighter face shows (ratio > 3)");
    CHECK(r_pyr < 1.15, "seam: the pyramid blend shows none (ratio < 1.15)");
    double steep = 0, tone = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x + 1 < W; x++) {
            size_t i = (size_t)plane + y * W + x; /* green; the +40 alone (the blend is linear in the face) */
            steep = fmax(steep, fabs((out[i + 1] - loop[i + 1]) - (out[i] - loop[i])));
        }
    float c0[2] = {64, 68};
    we_affine_apply(A, c0, 1);
    size_t ci = (size_t)lroundf(c0[1]) * W + lroundf(c0[0]);
    tone = out[plane + ci] - loop[plane + ci];
    printf("     pyramid, face +40: the change's steepest step %.2f gray levels/px; at the centre +%.2f\n", steep, tone);
    CHECK(steep < 5, "pyramid: the tone change ramps in (under 5 gray levels per px)");
    CHECK(fabs(tone - 40) < 1, "pyramid: the face's own tone in the middle");
    float *empty = calloc(plane, sizeof *empty);
    CHECK(we_metrics_seam(&g, out, photo, empty, C, H, W) == WE_EDATA, "seam: no contour refused");
    free(empty); free(feath); free(loop); free(hull); free(hard); free(face); free(out); free(photo);
}

static void test_real(void)
{
    const char *photo = "third_party/face-api/demo/sample1.jpg";
    if (access(photo, R_OK) != 0 || access(we_face_default_predictor(), R_OK) != 0) {
        printf("skip: real-photo loop (needs %s and %s)\n", photo, we_face_default_predictor());
        return;
    }
    we_tensor img;
    CHECK(we_image_read_file(photo, &img) == WE_OK, "read the demo photo");
    we_face_model *m;
    CHECK(we_face_model_load(NULL, &m) == WE_OK, "load the shape predictor");
    we_face_align_params p;
    we_face_align_params_init(&p);
    p.all = 1;
    we_face_aligned *faces;
    int n;
    CHECK(we_face_align_image(m, &img, &p, &faces, &n) == WE_OK, "align the photo");
    CHECK(n == 3, "sample1: 3 faces (the badge below the detector threshold)");
    int C = (int)img.shape[0], H = (int)img.shape[1], W = (int)img.shape[2], S = p.size;
    size_t plane = (size_t)H * W;
    float *orig = malloc(sizeof(float) * C * plane), *out = malloc(sizeof(float) * C * plane);
    float *face = malloc(sizeof(float) * C * S * S), *alpha = calloc(plane, sizeof *alpha);
    for (size_t i = 0; i < C * plane; i++) orig[i] = out[i] = ((const uint8_t *)img.data)[i];
    double worst_eye = 0;
    for (int f = 0; f < n; f++) {
        const float *fi = faces[f].image.data;
        for (int i = 0; i < C * S * S; i++) face[i] = roundf((fi[i] + 1) * 127.5f); /* as u8 would be */
        CHECK(we_face_paste(out, C, H, W, face, C, S, faces[f].affine, faces[f].crop_pts, 68, -1) == WE_OK,
              "paste a face back");
        float *a = alpha_map(H, W, S, faces[f].affine, faces[f].crop_pts, 68, -1);
        for (size_t i = 0; i < plane; i++) alpha[i] = fmaxf(alpha[i], a[i]);
        free(a);
        double e[4], tx = 0, ty = 0, x, y;
        we_align_eye_centres(faces[f].crop_pts, e);
        for (int i = 36; i < 42; i++) { we_align_template_point(i, S, p.margin, &x, &y); tx += x / 6; ty += y / 6; }
        worst_eye = fmax(worst_eye, hypot(e[0] - tx, e[1] - ty));
    }
    printf("     worst right-eye offset from the template: %.2f px at S=%d\n", worst_eye, S);
    CHECK(worst_eye < 2, "aligned eye centres within 2 px of the template");
    long out_diff = 0, in_n = 0;
    double se = 0, maxout = 0;
    for (size_t i = 0; i < plane; i++)
        for (int c = 0; c < C; c++) {
            double d = roundf(out[c * plane + i]) - orig[c * plane + i];
            if (alpha[i] > 0) { se += d * d; in_n++; }
            else { out_diff += d != 0; maxout = fmax(maxout, fabs(d)); }
        }
    double psnr = 10 * log10(255.0 * 255.0 / (se / (in_n ? in_n : 1)));
    printf("     outside the masks: %ld values differ (max %.0f); inside: PSNR %.1f dB over %ld values\n",
           out_diff, maxout, psnr, in_n);
    CHECK(maxout <= 1, "real photo: outside the blend masks within 1 gray level");
    CHECK(psnr > 25, "real photo: the round trip inside the faces is close (PSNR > 25 dB)");
    free(orig); free(out); free(face); free(alpha);
    we_face_aligned_free(faces, n);
    we_face_model_free(m);
    we_tensor_free(&img);
}

int main(void)
{
    test_synthetic();
    test_pyramid();
    test_real();
    return check_summary();
}
