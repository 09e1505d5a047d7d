/* test_fid.c - FID / KID / precision-recall against scipy/numpy golden
 * values (tests/ref/gen_fid_golden.py -> tests/golden/fid), PSNR and SSIM
 * against the same script's reference (tests/golden/metrics), and the
 * small metrics (NME, cosine) by hand. */
#include "check.h"
#include "we_fid.h"
#include "we_metrics.h"
#include "we_stream.h"

#include <stdlib.h>
#include <string.h>

static int read_frame(const char *path, we_tensor *t)
{
    we_frame fr;
    we_frame_init(&fr);
    we_status st = we_frame_read_file(path, &fr);
    if (!st) st = we_tensor_to_f32(&fr.t, t);
    we_frame_free(&fr);
    return st ? -1 : 0;
}

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(b), 1e-300); }

static void test_case(const char *name, double fid, double kid, double prec, double recall)
{
    char pa[256], pb[256], what[128];
    snprintf(pa, sizeof pa, "tests/golden/fid/%s_a.wes", name);
    snprintf(pb, sizeof pb, "tests/golden/fid/%s_b.wes", name);
    we_tensor a, b;
    if (read_frame(pa, &a) || read_frame(pb, &b)) { CHECK(0, "golden feature sets read"); return; }
    int N = (int)a.shape[0], M = (int)b.shape[0], D = (int)a.shape[1];
    double *mu1 = malloc(sizeof(double) * D), *mu2 = malloc(sizeof(double) * D);
    double *c1 = malloc(sizeof(double) * D * D), *c2 = malloc(sizeof(double) * D * D), f = 0, km, ks, p, r;
    CHECK(we_fid_stats(mu1, c1, a.data, N, D) == WE_OK && we_fid_stats(mu2, c2, b.data, M, D) == WE_OK, "fid: statistics");
    CHECK(we_fid_frechet(&f, mu1, c1, mu2, c2, D) == WE_OK, "fid: Fréchet distance computes");
    printf("     %s: fid %.15g want %.15g (rel %.2e)\n", name, f, fid, rel(f, fid));
    snprintf(what, sizeof what, "fid %s: matches scipy.linalg.sqrtm formula within 1e-6 relative", name);
    CHECK(rel(f, fid) < 1e-6, what);
    double self;
    we_fid_frechet(&self, mu1, c1, mu1, c1, D);
    snprintf(what, sizeof what, "fid %s: a set against itself is 0", name);
    CHECK(fabs(self) < 1e-9 * fid, what);
    CHECK(we_fid_kid(&km, &ks, a.data, N, b.data, M, D, 100, 1000, 1) == WE_OK, "kid computes");
    printf("     %s: kid %.15g want %.15g\n", name, km, kid);
    snprintf(what, sizeof what, "kid %s: unbiased MMD^2 matches numpy within 1e-9 relative", name);
    CHECK(rel(km, kid) < 1e-9 && ks == 0, what);
    CHECK(we_fid_prec_recall(&p, &r, a.data, N, b.data, M, D, 3) == WE_OK, "precision/recall computes");
    snprintf(what, sizeof what, "precision/recall %s: match numpy (k = 3)", name);
    CHECK(fabs(p - prec) < 1e-12 && fabs(r - recall) < 1e-12, what);
    free(mu1); free(mu2); free(c1); free(c2);
    we_tensor_free(&a);
    we_tensor_free(&b);
}

int main(void)
{
    FILE *g = fopen("tests/golden/fid/golden.txt", "r");
    CHECK(g != NULL, "golden.txt opens");
    char line[512];
    int cases = 0;
    while (g && fgets(line, sizeof line, g)) {
        if (line[0] == '#') continue;
        char name[64];
        double f, k, p, r;
        if (sscanf(line, "%63s %lf %lf %lf %lf", name, &f, &k, &p, &r) == 5) { test_case(name, f, k, p, r); cases++; }
    }
    if (g) fclose(g);
    CHECK(cases == 2, "two golden cases");

    /* KID with subsets is the mean of subset estimates; with subsets of
     * the full size it equals the full estimate */
    float x[40], y[40];
    for (int i = 0; i < 40; i++) { x[i] = (float)sin(i * 1.3); y[i] = (float)cos(i * 0.7) + 0.5f; }
    double m1, s1, m2, s2;
    we_fid_kid(&m1, &s1, x, 20, y, 20, 2, 0, 1000, 1);
    we_fid_kid(&m2, &s2, x, 20, y, 20, 2, 5, 20, 7);
    CHECK_CLOSE(m1, m2, 1e-12, "kid: subsets of the whole set give the whole-set value");
    we_fid_kid(&m2, &s2, x, 20, y, 20, 2, 10, 8, 7);
    CHECK(isfinite(m2) && s2 > 0, "kid: random subsets give a mean and a spread");
    double mu[2], cv[4];
    CHECK(we_fid_stats(mu, cv, x, 1, 2) == WE_EDATA, "fid: one vector is refused");
    double p, r;
    CHECK(we_fid_prec_recall(&p, &r, x, 3, y, 20, 2, 3) == WE_EDATA, "precision/recall: too few vectors refused");

    /* PSNR/SSIM golden */
    we_tensor a, b;
    FILE *mg = fopen("tests/golden/metrics/golden.txt", "r");
    double psnr = 0, ssim = 0;
    while (mg && fgets(line, sizeof line, mg))
        if (line[0] != '#') sscanf(line, "%lf %lf", &psnr, &ssim);
    if (mg) fclose(mg);
    if (!read_frame("tests/golden/metrics/img_a.wes", &a) && !read_frame("tests/golden/metrics/img_b.wes", &b)) {
        double ps = we_metrics_psnr(a.data, b.data, we_tensor_count(&a)), ss = 0;
        CHECK(we_metrics_ssim(&ss, a.data, b.data, 3, 24, 20) == WE_OK, "ssim computes");
        printf("     psnr %.12g want %.12g, ssim %.12g want %.12g\n", ps, psnr, ss, ssim);
        CHECK(rel(ps, psnr) < 1e-12, "psnr matches numpy");
        CHECK(rel(ss, ssim) < 1e-9, "ssim matches scipy (Gaussian 11x11, sigma 1.5, valid)");
        CHECK(isinf(we_metrics_psnr(a.data, a.data, we_tensor_count(&a))), "psnr of equal images is inf");
        we_metrics_ssim(&ss, a.data, a.data, 3, 24, 20);
        CHECK_CLOSE(ss, 1.0, 1e-12, "ssim of equal images is 1");
        CHECK(we_metrics_ssim(&ss, a.data, b.data, 3, 10, 48) == WE_EDATA, "ssim: 10 rows refused");
        we_tensor_free(&a);
        we_tensor_free(&b);
    } else {
        CHECK(0, "metrics golden images read");
    }
    /* NME and cosine by hand */
    float la[136], lb[136];
    for (int i = 0; i < 68; i++) { la[2 * i] = (float)i; la[2 * i + 1] = 0; lb[2 * i] = (float)i; lb[2 * i + 1] = i < 48 ? 1.8f : 50; }
    unsigned char use[68];
    we_metrics_nonmouth(use);
    double nme;
    /* inter-ocular distance 45 - 36 = 9; every non-mouth point is off by 1.8 */
    CHECK(we_metrics_nme(&nme, lb, la, la, use) == WE_OK, "nme computes");
    CHECK_CLOSE(nme, 0.2, 1e-6, "nme: non-mouth points only, normalised by the outer eye corners");
    /* moved: the target is the source with the brows up by 2 px; an edit
     * that went half way and 1 px sideways on every used point */
    float ls[136], lt[136], le[136];
    for (int i = 0; i < 136; i++) ls[i] = lt[i] = le[i] = (float)(i % 17);
    unsigned char ex[68];
    we_metrics_expr_points(ex);
    for (int i = 17; i <= 26; i++) lt[2 * i + 1] -= 2, le[2 * i + 1] -= 1;
    for (int i = 0; i < 68; i++) if (ex[i]) le[2 * i] += 1;
    double mv, cs;
    CHECK(we_metrics_moved(&mv, &cs, le, ls, lt, ex) == WE_OK, "moved computes");
    CHECK_CLOSE(mv, 0.5, 1e-12, "moved: half the requested displacement");
    /* edit displacement per brow point (1, -1), requested (0, -2): cosine 2 / (sqrt(2) * 2) over the brows, but
     * the mouth points moved 1 px sideways with nothing asked: |d_e|^2 = 10 * 2 + 20 * 1 */
    CHECK_CLOSE(cs, 20.0 / sqrt(40.0 * 40.0), 1e-12, "moved: cosine of the two displacements");
    CHECK(we_metrics_moved(&mv, NULL, lt, ls, lt, ex) == WE_OK && fabs(mv - 1) < 1e-12, "moved: the target itself is 1");
    CHECK(we_metrics_moved(&mv, NULL, ls, ls, lt, ex) == WE_OK && mv == 0, "moved: no edit is 0");
    CHECK(we_metrics_moved(&mv, NULL, le, ls, ls, ex) == WE_EDATA, "moved: nothing asked is refused");
    float u[3] = {1, 2, 3}, v[3] = {-2, -4, -6}, z[3] = {0};
    CHECK_CLOSE(we_metrics_cosine(u, v, 3), -1.0, 1e-12, "cosine of opposite vectors is -1");
    CHECK_CLOSE(we_metrics_cosine(u, z, 3), 0.0, 0, "cosine with a zero vector is 0");
    return check_summary();
}
