/* test_fexpr.c - the expression classifier (lib/face/we_fexpr.h): forward,
 * input gradient and parameter gradients against the PyTorch golden
 * (tests/golden/fexpr/fexpr.wes, written by tests/ref/gen_fexpr_golden.py),
 * finite-difference checks of the input gradient, the cross-entropy and
 * the valence/arousal loss, the adjoint of the input preparation, a
 * save/load round trip, and a tiny training run that must learn two
 * synthetic classes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_fexpr.h"
#include "we_fexpr_train.h"
#include "we_stream.h"

#define GOLDEN "tests/golden/fexpr/fexpr.wes"
#define SS (WE_FEXPR_S * WE_FEXPR_S)

/* the golden's weight hash (tests/ref/gen_fexpr_golden.py hash_u) */
static double hash_u(int t, uint32_t i)
{
    uint32_t h = i * 2654435761u + (uint32_t)(t + 1) * 40503u;
    h ^= h << 13;
    h ^= h >> 17;
    h ^= h << 5;
    return h / 4294967296.0;
}

/* the golden's tensors in file order: offset, count, kind (fan-in, -1 = norm weight, -2 = norm bias) */
typedef struct {
    const char *name;
    size_t off, n;
    int kind;
} tref;

static int golden_tensors(const we_fexpr *net, tref *t, char names[][32])
{
    int n = 0;
    for (int l = 0; l < WE_FEXPR_NBLOCK; l++) {
        int ci, hi, co, ho, s;
        we_fexpr_block(l, &ci, &hi, &co, &ho, &s);
        snprintf(names[n], 32, "conv%d.weight", l), t[n] = (tref){names[n], net->off_cw[l], (size_t)co * ci * 9, ci * 9}, n++;
        snprintf(names[n], 32, "conv%d.bias", l), t[n] = (tref){names[n], net->off_cb[l], (size_t)co, ci * 9}, n++;
        snprintf(names[n], 32, "norm%d.weight", l), t[n] = (tref){names[n], net->off_gw[l], (size_t)co, -1}, n++;
        snprintf(names[n], 32, "norm%d.bias", l), t[n] = (tref){names[n], net->off_gb[l], (size_t)co, -2}, n++;
    }
    t[n] = (tref){"fc.weight", net->off_fcw, (size_t)WE_FEXPR_NCLASS * WE_FEXPR_FEAT, WE_FEXPR_FEAT}, n++;
    t[n] = (tref){"fc.bias", net->off_fcb, WE_FEXPR_NCLASS, WE_FEXPR_FEAT}, n++;
    return n;
}

static void hash_params(we_fexpr *net)
{
    tref t[4 * WE_FEXPR_NBLOCK + 2];
    char names[4 * WE_FEXPR_NBLOCK + 2][32];
    int n = golden_tensors(net, t, names);
    for (int k = 0; k < n; k++)
        for (size_t i = 0; i < t[k].n; i++) {
            double u = hash_u(k, (uint32_t)i) * 2 - 1;
            double v = t[k].kind == -1 ? 1 + 0.1 * u : t[k].kind == -2 ? 0.1 * u : u / sqrt((double)t[k].kind);
            net->params[t[k].off + i] = (float)v;
        }
}

static const we_frame *find(const we_frame *fr, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(fr[i].name, name)) return &fr[i];
    return NULL;
}

/* max |a-b| / max(1, max |b|) */
static double rel_diff(const float *a, const float *b, size_t n)
{
    double m = 0, s = 1;
    for (size_t i = 0; i < n; i++) s = fabs(b[i]) > s ? fabs(b[i]) : s;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        m = d > m || d != d ? d : m;
    }
    return m / s;
}

static void test_golden(void)
{
    FILE *f = fopen(GOLDEN, "rb");
    CHECK(f != NULL, "golden file present");
    if (!f) return;
    we_reader r;
    we_reader_init(&r, f, GOLDEN);
    static we_frame fr[64];
    int nf = 0;
    while (nf < 64) {
        we_frame_init(&fr[nf]);
        if (we_reader_frame(&r, &fr[nf]) != WE_OK) break;
        nf++;
    }
    we_reader_free(&r);
    fclose(f);
    we_fexpr net;
    CHECK(we_fexpr_new(&net, 2, 1, 7) == WE_OK, "net for the golden");
    hash_params(&net);
    const we_frame *x = find(fr, nf, "x"), *lg = find(fr, nf, "logits"), *dl = find(fr, nf, "dlogits"), *dx = find(fr, nf, "dx");
    CHECK(x && lg && dl && dx, "golden frames x, logits, dlogits, dx");
    if (x && lg && dl && dx) {
        float logits[2 * WE_FEXPR_NCLASS], *gx = calloc(2 * SS, sizeof(float));
        we_fexpr_forward(&net, logits, x->t.data, 2);
        double e = rel_diff(logits, lg->t.data, 2 * WE_FEXPR_NCLASS);
        printf("     logits rel diff %.3g\n", e);
        CHECK(e < 1e-4, "logits match PyTorch");
        we_fexpr_backward(&net, gx, dl->t.data);
        e = rel_diff(gx, dx->t.data, 2 * SS);
        printf("     dx rel diff %.3g\n", e);
        CHECK(e < 1e-3, "input gradient matches PyTorch");
        tref t[4 * WE_FEXPR_NBLOCK + 2];
        char names[4 * WE_FEXPR_NBLOCK + 2][32];
        int n = golden_tensors(&net, t, names), all = 1;
        double worst = 0;
        for (int k = 0; k < n; k++) {
            char gname[40];
            snprintf(gname, sizeof gname, "d%s", t[k].name);
            *strchr(gname, '.') = '_';
            const we_frame *g = find(fr, nf, gname);
            if (!g) { all = 0; continue; }
            size_t stride = t[k].n <= 20000 ? 1 : 37, cnt = (t[k].n + stride - 1) / stride;
            float *mine = malloc(sizeof(float) * cnt);
            for (size_t i = 0; i < cnt; i++) mine[i] = net.grads[t[k].off + i * stride];
            all &= (size_t)we_tensor_count(&g->t) == cnt;
            double d = rel_diff(mine, g->t.data, cnt);
            if (d > worst) worst = d;
            if (d >= 1e-3) printf("     %s rel diff %.3g\n", gname, d);
            free(mine);
        }
        printf("     parameter gradients: worst rel diff %.3g over %d tensors\n", worst, n);
        CHECK(all, "every parameter gradient in the golden");
        CHECK(worst < 1e-3, "parameter gradients match PyTorch");
        free(gx);
    }
    for (int i = 0; i < nf; i++) we_frame_free(&fr[i]);
    we_fexpr_free(&net);
}

/* central differences of sum(logits * w) w.r.t. a few input pixels */
static void test_fd_input(void)
{
    we_fexpr net;
    we_fexpr_new(&net, 1, 0, 3);
    float *x = malloc(sizeof(float) * SS), *dx = calloc(SS, sizeof(float));
    uint64_t s = 11;
    for (int i = 0; i < SS; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)((s >> 40) / 16777216.0 * 2 - 1);
    }
    float w[WE_FEXPR_NCLASS] = {0.3f, -1, 0.5f, 0.2f, -0.4f, 1, 0.1f, -0.7f}, z[WE_FEXPR_NCLASS];
    we_fexpr_forward(&net, z, x, 1);
    we_fexpr_backward(&net, dx, w);
    double num = 0, den = 0;
    const int pix[] = {0, 65, 1000, 2080, 3000, 4095};
    for (int k = 0; k < 6; k++) {
        int i = pix[k];
        float keep = x[i];
        double f[2];
        for (int sgn = 0; sgn < 2; sgn++) {
            x[i] = keep + (sgn ? -1e-2f : 1e-2f);
            we_fexpr_forward(&net, z, x, 1);
            f[sgn] = 0;
            for (int j = 0; j < WE_FEXPR_NCLASS; j++) f[sgn] += (double)z[j] * w[j];
        }
        x[i] = keep;
        double fd = (f[0] - f[1]) / 2e-2;
        printf("     pixel %d: analytic %.6g, finite differences %.6g\n", i, dx[i], fd);
        num += (fd - dx[i]) * (fd - dx[i]);
        den += fd * fd;
    }
    double rel = sqrt(num / den);
    printf("     input gradient vs finite differences: relative error %.3g\n", rel);
    CHECK(rel < 2e-2, "input gradient matches finite differences");
    free(x);
    free(dx);
    we_fexpr_free(&net);
}

static void test_losses(void)
{
    float z[WE_FEXPR_NCLASS] = {0.2f, 1.1f, -0.3f, 0.7f, -1.2f, 0.05f, 0.4f, -0.6f};
    float g[WE_FEXPR_NCLASS] = {0}, gv[WE_FEXPR_NCLASS] = {0};
    const float tgt[2] = {-0.4f, 0.3f};
    float l = we_fexpr_xent(z, 2, 1, g);
    we_fexpr_va_loss(z, tgt, 1, gv);
    double wx = 0, wv = 0, sum = 0;
    for (int j = 0; j < WE_FEXPR_NCLASS; j++) {
        float zz[WE_FEXPR_NCLASS];
        memcpy(zz, z, sizeof zz);
        zz[j] += 1e-3f;
        double a = we_fexpr_xent(zz, 2, 0, NULL), av = we_fexpr_va_loss(zz, tgt, 0, NULL);
        zz[j] -= 2e-3f;
        double b = we_fexpr_xent(zz, 2, 0, NULL), bv = we_fexpr_va_loss(zz, tgt, 0, NULL);
        double e = fabs((a - b) / 2e-3 - g[j]), ev = fabs((av - bv) / 2e-3 - gv[j]);
        wx = e > wx ? e : wx;
        wv = ev > wv ? ev : wv;
        sum += g[j];
    }
    CHECK(l > 0, "cross-entropy positive");
    CHECK(wx < 1e-3, "cross-entropy gradient matches finite differences");
    CHECK(wv < 1e-3, "valence/arousal loss gradient matches finite differences");
    CHECK(fabs(sum) < 1e-6, "cross-entropy gradient sums to 0");
    /* a one-hot-ish face reads its category's coordinates */
    float hot[WE_FEXPR_NCLASS] = {0}, va[2];
    hot[WE_EMO_HAPPY] = 30;
    we_fexpr_va(va, hot);
    CHECK_CLOSE(va[0], (8.47 - 5) / 4, 1e-5, "happy face: valence of the table (Warriner et al. 2013)");
    CHECK_CLOSE(va[1], (6.05 - 5) / 4, 1e-5, "happy face: arousal of the table");
    for (int k = 0; k < WE_FEXPR_NCLASS; k++)
        CHECK(fabs(we_fexpr_va_table[k][0]) <= 1 && fabs(we_fexpr_va_table[k][1]) <= 1, "table inside [-1,1]^2");
    /* a judge's probabilities over its own vocabulary (face-api's order) */
    static const char *const nm[4] = {"neutral", "happy", "sad", "unknown"};
    float pj[4] = {0.2f, 0.5f, 0.1f, 0.2f}, vj[2];
    we_fexpr_va_named(vj, pj, nm, 4);
    CHECK_CLOSE(vj[0], (0.2 * we_fexpr_va_table[0][0] + 0.5 * we_fexpr_va_table[1][0] + 0.1 * we_fexpr_va_table[2][0]) / 0.8,
                1e-6, "named read-out: valence over the known classes, renormalised");
    CHECK_CLOSE(vj[1], (0.2 * we_fexpr_va_table[0][1] + 0.5 * we_fexpr_va_table[1][1] + 0.1 * we_fexpr_va_table[2][1]) / 0.8,
                1e-6, "named read-out: arousal");
    CHECK(we_fexpr_va_table[WE_EMO_SAD][0] < 0 && we_fexpr_va_table[WE_EMO_ANGER][1] > we_fexpr_va_table[WE_EMO_SAD][1],
          "sad is negative, anger more aroused than sad");
}

/* <prep(img), dx> == <img, prep^T(dx)> for C 1 and 3, S 16, 64 and 128 */
static void test_prep_adjoint(void)
{
    for (int C = 1; C <= 3; C += 2)
        for (int S = 16; S <= 128; S *= 2) {
            if (S == 32) continue;
            size_t n = (size_t)C * S * S;
            float *img = malloc(sizeof(float) * n), *dimg = calloc(n, sizeof(float));
            float x[SS], dx[SS];
            for (size_t i = 0; i < n; i++) img[i] = (float)sin(0.37 * i);
            for (int i = 0; i < SS; i++) dx[i] = (float)cos(0.11 * i);
            CHECK(we_fexpr_prep_forward(x, img, C, S) == WE_OK, "prep forward");
            CHECK(we_fexpr_prep_backward(dimg, dx, C, S) == WE_OK, "prep backward");
            double a = 0, b = 0;
            for (int i = 0; i < SS; i++) a += (double)x[i] * dx[i];
            for (size_t i = 0; i < n; i++) b += (double)img[i] * dimg[i];
            CHECK(fabs(a - b) < 1e-3 * (fabs(a) + 1), "prep backward is the adjoint of forward");
            float y[SS];
            CHECK(we_fexpr_prep_any(y, img, C, S) == WE_OK && !memcmp(x, y, sizeof x), "prep_any = prep at S % 64 == 0");
            free(img);
            free(dimg);
        }
    float x[SS], img[48 * 48];
    CHECK(we_fexpr_prep_forward(x, img, 1, 48) == WE_EUSAGE, "prep refuses S 48");
    for (int i = 0; i < 48 * 48; i++) img[i] = 0.25f;
    CHECK(we_fexpr_prep_any(x, img, 1, 48) == WE_OK && fabsf(x[100] - 0.25f) < 1e-6f, "prep_any resamples S 48");
}

static void test_save_load(void)
{
    we_fexpr a, b;
    we_fexpr_new(&a, 1, 0, 5);
    char path[] = "/tmp/test_fexpr_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    const char *meta[] = {"fexpr.note", "test"};
    CHECK(we_fexpr_save(&a, path, meta, 1) == WE_OK, "save");
    CHECK(we_fexpr_load(&b, path, 2, 0) == WE_OK, "load");
    CHECK(b.nparams == a.nparams && !memcmp(a.params, b.params, sizeof(float) * a.nparams), "round trip exact");
    we_fexpr_free(&b);
    unlink(path);
    CHECK(we_fexpr_load(&b, "/nonexistent/fexpr.safetensors", 1, 0) == WE_ENOINPUT, "missing file: WE_ENOINPUT");
    we_fexpr_free(&a);
}

/* two synthetic classes (bright upper half vs bright lower half, noise on
 * top): 60 steps of batch 8 must reach a low loss and classify fresh faces */
static void test_tiny_training(void)
{
    we_fexpr_train_params hp;
    we_fexpr_train_params_init(&hp);
    hp.warmup = 5;
    hp.lr = 2e-3f;
    we_fexpr_trainer tr;
    CHECK(we_fexpr_trainer_init(&tr, 8, 42, NULL, &hp) == WE_OK, "trainer");
    float *faces = malloc(sizeof(float) * 16 * SS);
    const float *ptr[8];
    int lab[8];
    uint64_t s = 99;
    float first = 0, last = 0;
    for (int step = 0; step < 60; step++) {
        for (int i = 0; i < 8; i++) {
            lab[i] = (i & 1) ? WE_EMO_HAPPY : WE_EMO_SAD;
            for (int p = 0; p < SS; p++) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                float nz = (float)((s >> 40) / 16777216.0 - 0.5) * 0.6f;
                int upper = p < SS / 2;
                faces[i * SS + p] = ((upper == (lab[i] == WE_EMO_HAPPY)) ? 0.5f : -0.5f) + nz;
            }
            ptr[i] = faces + i * SS;
        }
        float l;
        if (!step) CHECK(we_fexpr_train_step(&tr, ptr, (int[]){9}, 1, 1, &l, NULL) == WE_EUSAGE, "bad label refused");
        if (we_fexpr_train_step(&tr, ptr, lab, 8, 1, &l, NULL)) break;
        if (step < 5) first += l / 5;
        if (step >= 55) last += l / 5;
    }
    printf("     tiny run: loss %.3f over steps 1-5, %.3f over steps 56-60\n", first, last);
    CHECK(last < 0.5f * first, "tiny run: loss at least halves");
    float z[8 * WE_FEXPR_NCLASS];
    we_fexpr_forward(&tr.net, z, faces, 8);
    int ok = 0;
    for (int i = 0; i < 8; i++) {
        int top = 0;
        for (int k = 1; k < WE_FEXPR_NCLASS; k++) top = z[i * 8 + k] > z[i * 8 + top] ? k : top;
        ok += top == lab[i];
    }
    CHECK(ok == 8, "tiny run: all 8 faces classified");
    we_fexpr_trainer_free(&tr);
    free(faces);
}

int main(void)
{
    test_golden();
    test_fd_input();
    test_losses();
    test_prep_adjoint();
    test_save_load();
    test_tiny_training();
    return check_summary();
}
