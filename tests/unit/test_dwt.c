/* test_dwt.c - the wavelet table and the CPU DWT/IWT against PyWavelets.
 *
 * Goldens: tests/golden/dwt/<wavelet>_J<levels>.wes, written once by
 * tests/ref/gen_dwt_golden.py (pywt 1.1.1 in float64). Every case prints
 * its max abs error; the tolerance is 1e-5. Run from the repo root.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_dwt.h"
#include "we_cli.h"
#include "we_stream.h"
#include "we_wavelet.h"

static const char *golden_files[] = {
    "haar_J1", "haar_J2", "haar_J3", "db2_J1", "db2_J2", "db3_J1", "db3_J2", "db4_J1", "db4_J2",
    "bior1.5_J1", "bior1.5_J2", "bior2.2_J1", "bior2.2_J2", "bior4.4_J1", "bior4.4_J2",
    "sym4_J1", "sym4_J2", "coif1_J1", "coif1_J2", "bior3.9_J1", "bior3.9_J2",
};

static unsigned long long rng_state = 88172645463325252ull;
static float frand(void) /* uniform in [-1, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((rng_state >> 40) / (double)(1 << 24) * 2.0 - 1.0);
}

static void test_table(void)
{
    int bad = 0;
    for (int i = 0; i < WE_WL_COUNT; i++) {
        const we_wavelet *w = NULL;
        const char *n = we_wavelet_name((we_wavelet_id)i);
        if (we_wavelet_parse(n, &w) != WE_OK || w != we_wavelet_get((we_wavelet_id)i)) bad++;
        double s = 0, e = 0;
        for (int j = 0; j < w->len; j++) {
            s += w->dec_lo[j];
            e += w->rec_lo[j];
        }
        if (fabs(s - sqrt(2.0)) > 1e-12 || fabs(e - sqrt(2.0)) > 1e-12 || w->len < 2) bad++;
    }
    CHECK(bad == 0, "every wavelet parses by name, filters sum to sqrt(2)");
    const char *need[] = {"haar", "db2", "db3", "db4", "bior1.5", "bior2.2", "bior4.4", "sym4", "coif1"};
    int found = 0;
    for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
        const we_wavelet *w;
        found += we_wavelet_parse(need[i], &w) == WE_OK;
    }
    CHECK(found == 9, "the nine required wavelets are in the table");
    const we_wavelet *w = we_wavelet_get(WE_WL_DB2);
    CHECK(w->dec_lo[0] == -0.12940952255126037 && w->rec_hi[3] == -0.48296291314453416,
          "db2 coefficients are pywt's doubles");
    const we_wavelet *x;
    CHECK(we_wavelet_parse("db99", &x) == WE_EUSAGE && strstr(we_err_detail(), "db99"),
          "unknown wavelet is WE_EUSAGE naming it");
    char buf[16];
    size_t need_len = we_wavelet_names(buf, sizeof buf, ", ");
    CHECK(need_len > sizeof buf && strlen(buf) < sizeof buf && strncmp(buf, "haar, db2", 9) == 0,
          "we_wavelet_names truncates safely and reports the full length");
}

/* Compare one golden file. */
static void test_golden(const char *base)
{
    char path[256], what[512];
    snprintf(path, sizeof path, "tests/golden/dwt/%s.wes", base);
    FILE *f = fopen(path, "rb");
    snprintf(what, sizeof what, "golden %s is present", path);
    CHECK(f != NULL, what);
    if (!f) return;
    we_reader r;
    we_reader_init(&r, f, path);
    we_item it;
    we_item_init(&it);
    int cases = 0;
    while (we_reader_item(&r, &it) == WE_OK) {
        we_frame *a = &it.f[0], *b = it.n > 1 ? &it.f[1] : NULL;
        const char *id = we_item_id(&it);
        if (!b) break;
        we_frame *img = strcmp(a->name, "image") == 0 ? a : b, *wf = img == a ? b : a;
        const we_wavelet *w;
        double lv = 0;
        if (we_wavelet_parse(we_frame_get(wf, "wavelet"), &w) || we_frame_get_double(wf, "levels", &lv)) {
            CHECK(0, "golden frame has wavelet/levels keys");
            break;
        }
        int J = (int)lv, C = (int)img->t.shape[0], H = (int)img->t.shape[1], W = (int)img->t.shape[2];
        size_t n = (size_t)C * H * W;
        float *got = malloc(n * sizeof *got), *back = malloc(n * sizeof *back);
        if (strncmp(id, "fwd", 3) == 0) {
            we_status s = we_dwt2_forward(got, NULL, img->t.data, C, H, W, w, J, 1);
            double e = check_max_abs_diff(got, wf->t.data, n);
            snprintf(what, sizeof what, "%s %s forward vs pywt: max abs err %.3g", base, id, e);
            CHECK(s == WE_OK && e <= 1e-5, what);
            s = we_dwt2_inverse(back, NULL, got, C, H, W, w, J, 1);
            e = check_max_abs_diff(back, img->t.data, n);
            snprintf(what, sizeof what, "%s %s round trip: max abs err %.3g", base, id, e);
            CHECK(s == WE_OK && e <= 1e-5, what);
        } else {
            we_status s = we_dwt2_inverse(got, NULL, wf->t.data, C, H, W, w, J, 1);
            double e = check_max_abs_diff(got, img->t.data, n);
            snprintf(what, sizeof what, "%s %s inverse vs pywt: max abs err %.3g", base, id, e);
            CHECK(s == WE_OK && e <= 1e-5, what);
        }
        free(got);
        free(back);
        cases++;
    }
    snprintf(what, sizeof what, "%s: 3 golden cases read", base);
    CHECK(cases == 3, what);
    we_item_free(&it);
    we_reader_free(&r);
    fclose(f);
}

/* Forward then inverse for every wavelet in the table and J = 1..3. */
static void test_round_trip_all(void)
{
    int C = 3, H = 32, W = 48;
    size_t n = (size_t)C * H * W;
    float *x = malloc(n * 4), *y = malloc(n * 4), *z = malloc(n * 4);
    for (size_t i = 0; i < n; i++) x[i] = frand();
    double worst = 0;
    const char *wname = "";
    int fails = 0;
    for (int i = 0; i < WE_WL_COUNT; i++)
        for (int J = 1; J <= 3; J++) {
            const we_wavelet *w = we_wavelet_get((we_wavelet_id)i);
            fails += we_dwt2_forward(y, NULL, x, C, H, W, w, J, 1) != WE_OK;
            fails += we_dwt2_inverse(z, NULL, y, C, H, W, w, J, 1) != WE_OK;
            double e = check_max_abs_diff(x, z, n);
            if (e > worst) worst = e, wname = w->name;
        }
    char what[128];
    snprintf(what, sizeof what, "round trip of all %d wavelets, J=1..3: max abs err %.3g (%s)", WE_WL_COUNT,
             worst, wname);
    CHECK(fails == 0 && worst <= 1e-5, what);
    free(x), free(y), free(z);
}

/* nthreads 1 vs 2 vs 0 (all cores) must agree bit for bit; the input is
 * large enough (4x256x256) that the work really is split. */
static void test_threads(void)
{
    int C = 4, H = 256, W = 256, J = 2;
    size_t n = (size_t)C * H * W;
    float *x = malloc(n * 4), *a = malloc(n * 4), *b = malloc(n * 4), *c = malloc(n * 4);
    for (size_t i = 0; i < n; i++) x[i] = frand();
    const we_wavelet *w = we_wavelet_get(WE_WL_BIOR4_4);
    size_t wn = we_dwt2_work_floats(C, H, W, w, J, 2);
    float *work = malloc(wn * 4);
    we_dwt2_forward(a, NULL, x, C, H, W, w, J, 1);
    we_dwt2_forward(b, work, x, C, H, W, w, J, 2);
    we_dwt2_forward(c, NULL, x, C, H, W, w, J, 0);
    CHECK(memcmp(a, b, n * 4) == 0 && memcmp(a, c, n * 4) == 0, "forward: 1, 2 and all threads bit-identical");
    we_dwt2_inverse(b, work, a, C, H, W, w, J, 2);
    we_dwt2_inverse(c, NULL, a, C, H, W, w, J, 1);
    CHECK(memcmp(b, c, n * 4) == 0, "inverse: 1 and 2 threads bit-identical");
    char what[96];
    double e = check_max_abs_diff(b, x, n);
    snprintf(what, sizeof what, "4x256x256 bior4.4 J=2 round trip: max abs err %.3g", e);
    CHECK(e <= 1e-5, what);
    free(x), free(a), free(b), free(c), free(work);
}

/* The lazy wavelet (pixel-space baseline): the subbands are the pixel
 * phases, exactly, at every level, and the inverse puts them back. */
static void test_lazy(void)
{
    const we_wavelet *w = NULL;
    CHECK(we_wavelet_parse("lazy", &w) == WE_OK && w->orthogonal && !strcmp(w->name, "lazy"),
          "\"lazy\" parses (outside the pywt table)");
    if (!w) return;
    int C = 2, H = 8, W = 12, h = H / 2, wd = W / 2;
    float x[2 * 8 * 12], y[2 * 8 * 12], z[2 * 8 * 12];
    for (int i = 0; i < C * H * W; i++) x[i] = frand();
    int bad = we_dwt2_forward(y, NULL, x, C, H, W, w, 1, 1) != WE_OK;
    for (int b = 0; b < 4; b++) /* LL, LH, HL, HH: row phase b&1, column phase b>>1 */
        for (int c = 0; c < C; c++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < wd; j++)
                    bad += y[((b * C + c) * h + i) * wd + j] != x[(c * H + 2 * i + (b & 1)) * W + 2 * j + (b >> 1)];
    bad += we_dwt2_inverse(z, NULL, y, C, H, W, w, 1, 1) != WE_OK || memcmp(x, z, sizeof x) != 0;
    bad += we_dwt2_forward(y, NULL, x, C, H, W, w, 2, 1) != WE_OK || we_dwt2_inverse(z, NULL, y, C, H, W, w, 2, 1) ||
           memcmp(x, z, sizeof x) != 0;
    CHECK(bad == 0, "lazy: LL/LH/HL/HH are the pixel phases bit for bit; J=1,2 round trips are exact");
    char buf[1024];
    we_wavelet_names(buf, sizeof buf, " ");
    CHECK(strstr(buf, " lazy") != NULL, "lazy is among the names (help text)");
}

static void test_errors(void)
{
    float buf[64 * 2];
    const we_wavelet *w = we_wavelet_get(WE_WL_HAAR);
    CHECK(we_dwt2_forward(buf, NULL, buf + 64, 1, 6, 10, w, 2, 1) == WE_EDATA &&
              strstr(we_err_detail(), "divisible"),
          "6x10 with J=2 is WE_EDATA (not divisible by 4)");
    CHECK(we_dwt2_inverse(buf, NULL, buf + 64, 1, 3, 4, w, 1, 1) == WE_EDATA, "odd height is WE_EDATA");
    CHECK(we_dwt2_check(1, 8, 8, 0) == WE_EUSAGE, "J=0 is WE_EUSAGE");
    CHECK(we_dwt2_check(1, 8, 8, 3) == WE_OK && we_dwt2_check(1, 8, 8, 4) == WE_EDATA, "8x8 takes 3 levels, not 4");
    int64_t s[3];
    we_dwt2_coef_shape(3, 64, 32, 2, s);
    CHECK(s[0] == 48 && s[1] == 16 && s[2] == 8, "coefficient shape of 3x64x32, J=2 is 48x16x8");
}

/* --bench WAVELET N: in-process forward + inverse of N items of 3x128x128
 * on one thread (bench/bench_dwt.sh); prints "<items/s> <s per item>". */
static int bench(const char *wname, long n)
{
    const we_wavelet *w;
    if (we_wavelet_parse(wname, &w)) return 64;
    int C = 3, H = 128, W = 128;
    size_t sz = (size_t)C * H * W;
    float *x = malloc(sz * 4), *y = malloc(sz * 4), *z = malloc(sz * 4);
    float *work = malloc(we_dwt2_work_floats(C, H, W, w, 1, 1) * 4);
    for (size_t i = 0; i < sz; i++) x[i] = frand();
    for (int i = 0; i < 20; i++) we_dwt2_forward(y, work, x, C, H, W, w, 1, 1);
    double t0 = we_now();
    for (long i = 0; i < n; i++) {
        we_dwt2_forward(y, work, x, C, H, W, w, 1, 1);
        we_dwt2_inverse(z, work, y, C, H, W, w, 1, 1);
    }
    double dt = (we_now() - t0) / n;
    printf("%.1f %.9f\n", 1 / dt, dt);
    free(x), free(y), free(z), free(work);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--bench")) return bench(argv[2], atol(argv[3]));
    test_table();
    for (size_t i = 0; i < sizeof golden_files / sizeof *golden_files; i++) test_golden(golden_files[i]);
    test_round_trip_all();
    test_threads();
    test_lazy();
    test_errors();
    return check_summary();
}
