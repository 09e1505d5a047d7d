/* bench_ssd.c - face detection time on one photo: face-api's SSD
 * MobileNet v1 (we_ssd.h; prep, forward and NMS separately) against dlib's
 * HOG (we_face_detect on the gray photo), and the framed second pass
 * facealign adds (we_ssd_detect_framed, border 1.0). Median of RUNS. Built and run by
 * bench/bench_ssd.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "we_face.h"
#include "we_image.h"
#include "we_ssd.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmpd);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_ssd RUNS PHOTO\n");
        return 64;
    }
    int runs = atoi(argv[1]);
    if (runs < 1 || runs > 100) runs = 5;
    we_tensor img;
    if (we_image_read_file(argv[2], &img)) { fprintf(stderr, "%s: %s\n", argv[2], we_err_detail()); return 66; }
    int C = (int)img.shape[0], H = (int)img.shape[1], W = (int)img.shape[2];
    we_ssd_net *net;
    we_face_model *m;
    if (we_ssd_load(&net, NULL) || we_face_model_load(NULL, &m)) { fprintf(stderr, "load: %s\n", we_err_detail()); return 66; }
    float *inp = malloc(sizeof(float) * 3 * WE_SSD_SIZE * WE_SSD_SIZE);
    float *boxes = malloc(sizeof(float) * 4 * WE_SSD_ANCHORS), *scores = malloc(sizeof(float) * WE_SSD_ANCHORS);
    int *keep = malloc(sizeof(int) * WE_SSD_ANCHORS);
    uint8_t *gray = malloc((size_t)H * W);
    const uint8_t *s = img.data;
    size_t P = (size_t)H * W;
    for (size_t i = 0; i < P; i++)
        gray[i] = C == 3 ? (uint8_t)(0.299f * s[i] + 0.587f * s[P + i] + 0.114f * s[2 * P + i] + 0.5f) : s[i];
    double tp[100], tf[100], tn[100], tt[100], th[100], tr[100];
    int nd = 0, nh = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        we_ssd_prep_forward(inp, img.data, C, H, W);
        double t1 = now();
        we_ssd_forward(net, boxes, scores, inp);
        double t2 = now();
        nd = we_ssd_nms(keep, boxes, scores, WE_SSD_ANCHORS, 100, 0.5f, 0.5f);
        double t3 = now();
        we_ssd_det *d;
        int n;
        we_ssd_detect(net, img.data, C, H, W, 0.5f, 100, &d, &n);
        double t4 = now();
        free(d);
        we_face_box *b;
        we_face_detect(m, gray, H, W, 0, 0.25, &b, &nh);
        double t5 = now();
        free(b);
        double t6 = now();
        we_ssd_detect_framed(net, img.data, C, H, W, 1.0, 0.5f, 100, &d, &n);
        tr[r] = now() - t6;
        free(d);
        tp[r] = t1 - t0; tf[r] = t2 - t1; tn[r] = t3 - t2; tt[r] = t4 - t3; th[r] = t5 - t4;
    }
    printf("photo %s %dx%d, median of %d runs\n", argv[2], W, H, runs);
    printf("ssd prep    %8.1f ms\n", 1e3 * median(tp, runs));
    printf("ssd forward %8.1f ms\n", 1e3 * median(tf, runs));
    printf("ssd nms     %8.2f ms\n", 1e3 * median(tn, runs));
    printf("ssd detect  %8.1f ms (whole we_ssd_detect, %d faces)\n", 1e3 * median(tt, runs), nd);
    printf("ssd framed  %8.1f ms (we_ssd_detect_framed, border 1.0: facealign's second pass)\n", 1e3 * median(tr, runs));
    printf("hog detect  %8.1f ms (we_face_detect, upsample 0, %d faces)\n", 1e3 * median(th, runs), nh);
    free(inp); free(boxes); free(scores); free(keep); free(gray);
    we_tensor_free(&img);
    we_ssd_free(net);
    we_face_model_free(m);
    return 0;
}
