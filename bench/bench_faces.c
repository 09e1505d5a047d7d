/* bench_faces - where facealign's time goes: decode, detection, landmarks,
 * alignment + warp, per image; aligned faces per second end to end.
 * CPU time of this thread (the machine is shared), median of N runs.
 * Built and run by bench/bench_faces.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "we_affine.h"
#include "we_align.h"
#include "we_face.h"
#include "we_face_align.h"
#include "we_image.h"
#include "we_warp.h"

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmpd);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: bench_faces RUNS IMAGE...\n"); return 64; }
    int runs = atoi(argv[1]);
    double t0 = cpu();
    we_face_model *m;
    if (we_face_model_load(NULL, &m) != WE_OK) { fprintf(stderr, "bench_faces: %s\n", we_err_detail()); return 66; }
    printf("model load: %.3f s CPU\n", cpu() - t0);
    for (int a = 2; a < argc; a++) {
        double *dec = calloc(runs, 8), *det = calloc(runs, 8), *lm = calloc(runs, 8), *wp = calloc(runs, 8),
               *all = calloc(runs, 8);
        int nf = 0, W = 0, H = 0;
        we_face_align_params p;
        we_face_align_params_init(&p);
        p.all = 1;
        for (int r = 0; r < runs; r++) {
            we_tensor img, gray;
            double t = cpu();
            if (we_image_read_file(argv[a], &img) != WE_OK) { fprintf(stderr, "bench_faces: %s\n", we_err_detail()); return 65; }
            dec[r] = cpu() - t;
            H = (int)img.shape[1];
            W = (int)img.shape[2];
            we_image_to_channels(&img, 1, &gray);
            we_face_box *b;
            int n;
            t = cpu();
            we_face_detect(m, gray.data, H, W, 0, p.threshold, &b, &n);
            det[r] = cpu() - t;
            float pts[136], crop[136], A[6];
            t = cpu();
            for (int i = 0; i < n; i++) we_face_landmarks(m, gray.data, H, W, &b[i], pts);
            lm[r] = (cpu() - t) / (n ? n : 1);
            if (n) {
                we_face_landmarks(m, gray.data, H, W, &b[0], pts);
                float *ph = malloc(sizeof(float) * 3 * H * W), *o = malloc(sizeof(float) * 3 * 128 * 128);
                const uint8_t *s = img.data;
                int C = (int)img.shape[0];
                t = cpu();
                for (size_t i = 0; i < (size_t)3 * H * W; i++) ph[i] = s[C == 3 ? i : i % ((size_t)H * W)];
                we_align_face(A, crop, pts, 128, 0.3);
                we_warp_affine_forward(o, ph, A, 3, H, W, 128, 128, we_warp_supersample(we_affine_scale(A)),
                                       WE_BORDER_REFLECT);
                wp[r] = cpu() - t;
                free(ph);
                free(o);
            }
            free(b);
            we_face_aligned *f;
            t = cpu();
            we_face_align_image(m, &img, &p, &f, &nf);
            all[r] = cpu() - t + dec[r];
            we_face_aligned_free(f, nf);
            we_tensor_free(&gray);
            we_tensor_free(&img);
        }
        double tall = median(all, runs);
        printf("%s (%dx%d, %.2f Mpx, %d faces): decode %.1f ms, detect %.1f ms, landmarks %.2f ms/face, "
               "fit+warp S=128 C=3 %.1f ms/face; end to end %.1f ms = %.1f faces/s (%.1f photos/s)\n",
               argv[a], W, H, W * H / 1e6, nf, 1e3 * median(dec, runs), 1e3 * median(det, runs),
               1e3 * median(lm, runs), 1e3 * median(wp, runs), 1e3 * tall, nf / tall, 1 / tall);
        free(dec); free(det); free(lm); free(wp); free(all);
    }
    we_face_model_free(m);
    return 0;
}
