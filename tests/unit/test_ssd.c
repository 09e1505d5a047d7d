/* test_ssd.c - the SSD MobileNet v1 face detector (lib/faceapi/we_ssd*.c) against
 * face-api's own JavaScript (tests/golden/ssd, made by
 * tests/ref/ssd/gen_golden.js): raw anchor scores and boxes, and the
 * detections after NMS at two confidence levels; plus NMS, input
 * preparation and argument checks on hand-made data. Net tests skip (with
 * a line) when third_party/face-api is missing (run sh scripts/setup.sh). */
#include "check.h"
#include "we_file.h"
#include "we_faceapi.h"
#include "we_ssd.h"
#include "we_stream.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *gold_dir = "tests/golden/ssd";

/* Whole file, NUL-terminated, or NULL. */
static char *slurp(const char *path, size_t *n)
{
    uint8_t *b;
    return we_file_read_all(path, 1u << 30, &b, n) ? NULL : (char *)b;
}

/* A golden u8 image frame. */
static int read_img(const char *file, we_tensor *t)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", gold_dir, file);
    we_frame fr;
    we_frame_init(&fr);
    int ok = we_frame_read_file(path, &fr) == WE_OK && fr.t.dtype == WE_U8 && fr.t.rank == 3;
    if (ok) {
        *t = fr.t;
        memset(&fr.t, 0, sizeof fr.t);
    }
    we_frame_free(&fr);
    return ok ? 0 : -1;
}

static void test_nms(void)
{
    /* [ymin, xmin, ymax, xmax] */
    float b[5 * 4] = {0, 0, 1, 1,        /* 0: score .9 */
                      0, 0.1f, 1, 1.1f,  /* 1: IoU .818 with 0, score .8 -> suppressed */
                      0, 0.5f, 1, 1.5f,  /* 2: IoU .333 with 0, score .7 -> kept */
                      2, 2, 3, 3,        /* 3: disjoint, score .4 -> below 0.5 */
                      1, 1, 1, 1};       /* 4: empty box, score .95 -> kept (IoU 0) */
    float s[5] = {0.9f, 0.8f, 0.7f, 0.4f, 0.95f};
    int keep[5];
    int k = we_ssd_nms(keep, b, s, 5, 100, 0.5f, 0.5f);
    CHECK(k == 3 && keep[0] == 4 && keep[1] == 0 && keep[2] == 2, "nms: by score, IoU > 0.5 suppressed, empty box kept");
    k = we_ssd_nms(keep, b, s, 5, 2, 0.5f, 0.5f);
    CHECK(k == 2 && keep[0] == 4 && keep[1] == 0, "nms: max_out caps the result");
    k = we_ssd_nms(keep, b, s, 5, 100, 0.5f, 0.3f);
    CHECK(k == 4 && keep[3] == 3, "nms: lower confidence admits the 0.4 box");
    k = we_ssd_nms(keep, b, s, 5, 100, 0.9f, 0.5f);
    CHECK(k == 4, "nms: IoU threshold 0.9 keeps the overlapping box");
}

static void test_prep(void)
{
    /* 1 x 2 x 4 gray image (wide): padded at the bottom to 4 x 4, scaled 128x. */
    uint8_t img[8] = {0, 255, 51, 102, 255, 255, 255, 255};
    float *out = malloc(sizeof(float) * 3 * WE_SSD_SIZE * WE_SSD_SIZE);
    we_ssd_prep_forward(out, img, 1, 2, 4);
    const int S = WE_SSD_SIZE;
    /* dst 0 -> src 0; dst 64 -> src 0.5 between cols 0 and 1. */
    CHECK_CLOSE(out[0], -1.0, 1e-6, "prep: pixel 0 -> -1");
    CHECK_CLOSE(out[64], 127.5 / 127.5 - 1, 1e-6, "prep: legacy bilinear midpoint (no half-pixel offset)");
    CHECK_CLOSE(out[(size_t)S * S + 128 * 2], 51 / 127.5 - 1, 1e-6, "prep: gray replicated to channel 1");
    /* row 384 -> src 3 (padding rows 2..3) */
    CHECK_CLOSE(out[(size_t)384 * S + 384], -1.0, 1e-6, "prep: zero padding after the image (bottom)");
    /* last column: src 3.984 -> cols 3 and min(4,3) = 3 */
    CHECK_CLOSE(out[S - 1], 102 / 127.5 - 1, 1e-6, "prep: right border clamps");
    free(out);
}

static double jnum(const we_json *a, int i) { return a && a->type == WE_JSON_ARR && i < a->n ? a->kids[i].num : NAN; }

static void test_golden(void)
{
    we_ssd_net *net = NULL;
    we_status st = we_ssd_load(&net, NULL);
    if (st == WE_ENOINPUT) {
        printf("skip: face-api weights not found in %s (run sh scripts/setup.sh): %s\n", we_fa_model_dir(),
               we_err_detail());
        return;
    }
    CHECK(st == WE_OK, "ssd: net loads");
    if (st) { printf("     %s\n", we_err_detail()); return; }
    size_t jn;
    char path[512];
    snprintf(path, sizeof path, "%s/golden.json", gold_dir);
    char *js = slurp(path, &jn);
    we_json g;
    int parsed = js && we_json_parse(js, jn, &g) == WE_OK;
    CHECK(parsed, "golden.json parses");
    const we_json *ins = parsed ? we_json_get(&g, "inputs") : NULL;
    int nin = ins ? ins->n : 0;
    CHECK(nin >= 2, "golden: at least 2 inputs");
    float *inp = malloc(sizeof(float) * 3 * WE_SSD_SIZE * WE_SSD_SIZE);
    float *boxes = malloc(sizeof(float) * WE_SSD_ANCHORS * 4), *scores = malloc(sizeof(float) * WE_SSD_ANCHORS);
    for (int i = 0; i < nin; i++) {
        const we_json *ij = &ins->kids[i];
        we_tensor img;
        char what[160];
        if (read_img(we_json_get(ij, "file")->str, &img)) {
            CHECK(0, "golden input reads");
            continue;
        }
        int C = (int)img.shape[0], H = (int)img.shape[1], W = (int)img.shape[2], L = H > W ? H : W;
        we_ssd_prep_forward(inp, img.data, C, H, W);
        we_ssd_forward(net, boxes, scores, inp);
        /* raw anchors: scores within 1e-3, boxes within 0.5 px of the input */
        const we_json *raw = we_json_get(ij, "raw");
        double ds = 0, db = 0;
        for (int r = 0; raw && r < raw->n; r++) {
            const we_json *e = &raw->kids[r];
            int a = (int)we_json_get(e, "anchor")->num;
            ds = fmax(ds, fabs(scores[a] - we_json_get(e, "score")->num));
            for (int j = 0; j < 4; j++) db = fmax(db, fabs(boxes[a * 4 + j] - jnum(we_json_get(e, "box"), j)) * L);
        }
        snprintf(what, sizeof what, "input %d: top-%d anchor scores within 1e-3 (max diff %.2g)", i, raw ? raw->n : 0, ds);
        CHECK(raw && raw->n >= 20 && ds <= 1e-3, what);
        snprintf(what, sizeof what, "input %d: top anchor boxes within 0.5 px (max diff %.3g px)", i, db);
        CHECK(db <= 0.5, what);
        /* detections after NMS */
        const we_json *dj = we_json_get(ij, "detections");
        for (int c = 0; dj && c < dj->n; c++) {
            float mc = (float)atof(dj->keys[c]);
            const we_json *want = &dj->kids[c];
            we_ssd_det *d = NULL;
            int n = 0;
            st = we_ssd_detect(net, img.data, C, H, W, mc, 100, &d, &n);
            double dbox = 0, dsc = 0;
            int same = st == WE_OK && n == want->n;
            for (int k = 0; same && k < n; k++) {
                const we_json *w = &want->kids[k];
                const we_json *b = we_json_get(w, "box");
                float got[4] = {d[k].x, d[k].y, d[k].w, d[k].h};
                for (int j = 0; j < 4; j++) dbox = fmax(dbox, fabs(got[j] - jnum(b, j)));
                dsc = fmax(dsc, fabs(d[k].score - we_json_get(w, "score")->num));
            }
            snprintf(what, sizeof what, "input %d, min confidence %s: %d detections as face-api (got %d)", i,
                     dj->keys[c], want->n, n);
            CHECK(same, what);
            snprintf(what, sizeof what, "input %d, min confidence %s: boxes within 0.5 px (%.3g), scores within 1e-3 (%.2g)",
                     i, dj->keys[c], dbox, dsc);
            CHECK(same && dbox <= 0.5 && dsc <= 1e-3, what);
            free(d);
        }
        if (i == 0) { /* framed: border 0 is the plain pipeline; a frame keeps the faces in place */
            we_ssd_det *d0 = NULL, *d1 = NULL, *d2 = NULL;
            int n0 = 0, n1 = 0, n2 = 0;
            we_ssd_detect(net, img.data, C, H, W, 0.5f, 100, &d0, &n0);
            we_ssd_detect_framed(net, img.data, C, H, W, 0.0, 0.5f, 100, &d1, &n1);
            we_ssd_detect_framed(net, img.data, C, H, W, 0.25, 0.5f, 100, &d2, &n2);
            CHECK(n0 > 0 && n1 == n0 && d1 && memcmp(d0, d1, sizeof *d0 * (size_t)n0) == 0,
                  "framed, border 0: same detections as we_ssd_detect");
            /* every face of the plain pass has a framed one at the same place
             * (the frame shrinks the image: it finds sample4's 4th face too) */
            int near = n2 >= n0;
            for (int b = 0; b < n0 && near; b++) {
                int hit = 0;
                for (int a = 0; a < n2; a++)
                    hit |= fabsf(d2[a].x + d2[a].w / 2 - d0[b].x - d0[b].w / 2) < d0[b].w / 4 &&
                           fabsf(d2[a].y + d2[a].h / 2 - d0[b].y - d0[b].h / 2) < d0[b].h / 4;
                near = hit;
            }
            CHECK(near, "framed, border 0.25: faces mapped back onto the image's faces");
            free(d2);
            CHECK(we_ssd_detect_framed(net, img.data, C, H, W, -1, 0.5f, 100, &d2, &n2) == WE_EUSAGE,
                  "framed: negative border -> WE_EUSAGE");
            free(d0);
            free(d1);
        }
        we_tensor_free(&img);
    }
    /* bad arguments */
    uint8_t px[2 * 4 * 4] = {0};
    we_ssd_det *d = NULL;
    int n = 7;
    CHECK(we_ssd_detect(net, px, 2, 4, 4, 0.5f, 100, &d, &n) == WE_EDATA && n == 0 && !d, "detect: 2 channels -> WE_EDATA");
    CHECK(we_ssd_detect(net, px, 1, 4, 4, 1.0f, 100, &d, &n) == WE_EUSAGE, "detect: min confidence 1 -> WE_EUSAGE");
    CHECK(we_ssd_detect(net, px, 1, 4, 4, 0.5f, 0, &d, &n) == WE_EUSAGE, "detect: max results 0 -> WE_EUSAGE");
    CHECK(we_ssd_detect(net, px, 1, 4, 4, 0.5f, 10, &d, &n) == WE_OK && n == 0 && !d, "detect: black 4x4 -> no face");
    we_ssd_net *bad = NULL;
    CHECK(we_ssd_load(&bad, "/nonexistent/dir") == WE_ENOINPUT && !bad, "load: missing folder -> WE_ENOINPUT");
    free(inp);
    free(boxes);
    free(scores);
    if (parsed) we_json_free(&g);
    free(js);
    we_ssd_free(net);
}

int main(void)
{
    test_nms();
    test_prep();
    test_golden();
    return check_summary();
}
