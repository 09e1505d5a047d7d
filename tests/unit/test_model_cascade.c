/* test_model_cascade.c - faces larger than the model's S through we_model
 * (lib/diffusion/we_model_cascade.c) on a tiny random model (S 16): the
 * sizes accepted and refused, a 4x-size face end to end, the identity cases
 * (a zero change and a near-zero edit give the frame back bit for bit),
 * coefficients outside a local change keep their bits (haar and a longer
 * wavelet, J 1 and 2), a luminance model on an RGB face moves R, G, B by the
 * same amount (CbCr kept), and a model file carrying a detail net.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tiny_model.h"
#include "we_color.h"
#include "we_dwt.h"
#include "we_model.h"
#include "we_safetensors.h"

static char dir[64];

/* A face-like C x S x S image in [-1, 1]: smooth shading, two dark eyes, a
 * mouth, and a fine texture (the detail the cascade must keep). */
static void make_face(float *img, int C, int S, unsigned seed)
{
    we_rng r;
    we_rng_seed(&r, seed);
    for (int c = 0; c < C; c++)
        for (int y = 0; y < S; y++)
            for (int x = 0; x < S; x++) {
                double u = (x + 0.5) / S - 0.5, v = (y + 0.5) / S - 0.5;
                double f = 0.3 - 0.8 * (u * u + v * v) + 0.1 * c;
                f -= 0.6 * exp(-((u + 0.18) * (u + 0.18) + (v + 0.1) * (v + 0.1)) / 0.003);
                f -= 0.6 * exp(-((u - 0.18) * (u - 0.18) + (v + 0.1) * (v + 0.1)) / 0.003);
                f -= 0.5 * exp(-(u * u / 0.02 + (v - 0.22) * (v - 0.22) / 0.002));
                f += 0.08 * we_rng_normal(&r);
                img[((size_t)c * S + y) * S + x] = (float)(f < -1 ? -1 : f > 1 ? 1 : f);
            }
}

/* An item with one `wavelet` frame of img (C x S x S), wavelet wname, J levels. */
static void make_item(we_item *it, const float *img, int C, int S, const char *wname, int J)
{
    we_item_init(it);
    we_frame fr;
    we_frame_init(&fr);
    const we_wavelet *wl;
    we_wavelet_layout L;
    we_status s = we_wavelet_parse(wname, &wl);
    s = s ? s : we_layout_wavelet_make(&L, wl, wname, J, C, S, S, -1);
    s = s ? s : we_layout_wavelet_new(&fr, &L);
    s = s ? s : we_dwt2_forward(fr.t.data, NULL, img, C, S, S, wl, J, 1);
    s = s ? s : we_layout_wavelet_set_keys(&fr, &L);
    s = s ? s : we_frame_set(&fr, "id", "face");
    s = s ? s : we_item_push(it, &fr);
    if (s) fprintf(stderr, "make_item: %s\n", we_err_detail());
}

static size_t frame_n(we_item *it) { return we_tensor_count(&we_item_find(it, "wavelet")->t); }
static float *frame_x(we_item *it) { return we_item_find(it, "wavelet")->t.data; }

/* The image of an item's wavelet frame. */
static void item_image(float *img, we_item *it, int C, int S)
{
    we_frame *w = we_item_find(it, "wavelet");
    we_wavelet_layout L;
    we_layout_wavelet_read(w, 0, &L);
    we_dwt2_inverse(img, NULL, w->t.data, C, S, S, L.wavelet, L.levels, 1);
}

static void test_sizes(we_model *m)
{
    float *img = malloc(sizeof(float) * 3 * 128 * 128);
    we_item it;
    we_wavelet_layout L;
    int J;
    static const struct { int S, J; const char *w; int want; } cases[] = {
        {16, 1, "haar", 0}, {32, 1, "haar", 1}, {64, 1, "haar", 2}, {64, 2, "haar", 2}, {128, 3, "db2", 3},
        {32, 2, "bior4.4", 1}, {16, 2, "haar", 0}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        make_face(img, 1, cases[k].S, 1);
        make_item(&it, img, 1, cases[k].S, cases[k].w, cases[k].J);
        char what[96];
        snprintf(what, sizeof what, "%d px face, %s J %d: cascade levels %d", cases[k].S, cases[k].w, cases[k].J,
                 cases[k].want);
        CHECK(we_model_cascade_levels(m, we_item_find(&it, "wavelet"), "face", &L, &J) == WE_OK && J == cases[k].want,
              what);
        we_item_free(&it);
    }
    static const int bad[] = {24, 48, 40};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        make_face(img, 1, bad[k], 1);
        make_item(&it, img, 1, bad[k], "haar", 1);
        we_status s = we_model_cascade_levels(m, we_item_find(&it, "wavelet"), "face", &L, &J);
        CHECK(s == WE_EDATA && strstr(we_err_detail(), "facealign -s "), "a size not S * 2^k: names facealign -s");
        we_item_free(&it);
    }
    free(img);
}

/* we_model_edit on one item with a request of t0, steps, guidance g. */
static we_status edit_one(we_model *m, we_item *it, int target, int t0, int steps, double g)
{
    we_edit_request r;
    we_edit_request_init(&r);
    r.target = target;
    r.p.t0 = t0, r.p.steps = steps;
    we_guidance gd;
    we_guidance_init(&gd);
    gd.g = g;
    we_status s = we_model_edit_setup(m, &gd, &r);
    we_rng rng;
    we_rng_seed(&rng, 1);
    return s ? s : we_model_edit(m, &r, it, 1, NULL, &rng);
}

/* The image of one edit (target 3, t0 50, 5 steps, g 4) of img with
 * cascade.recon set to w (restored to 1 after); NULL if the edit fails. */
static float *edit_with_recon(we_model *m, const float *img, int C, int S, float w)
{
    we_item it;
    make_item(&it, img, C, S, "haar", 1);
    m->cas.recon = w;
    we_status st = edit_one(m, &it, 3, 50, 5, 4);
    m->cas.recon = 1;
    float *out = st ? NULL : malloc(sizeof(float) * (size_t)C * S * S);
    if (out) item_image(out, &it, C, S);
    we_item_free(&it);
    return out;
}

static void test_edit_end_to_end(we_model *m)
{
    int S = 64, C = 3;
    size_t P = (size_t)S * S;
    float *img = malloc(sizeof(float) * C * P), *a = malloc(sizeof(float) * C * P), *b = malloc(sizeof(float) * C * P);
    make_face(img, C, S, 3);
    we_item it, ref;
    make_item(&it, img, C, S, "haar", 1);
    make_item(&ref, img, C, S, "haar", 1);
    size_t n = frame_n(&it);

    /* a near-identity edit: t0 = 1, one step, no guidance: the coarse
     * change is far below the mask's threshold, so nothing moves */
    CHECK(edit_one(m, &it, 3, 1, 1, 0) == WE_OK, "4x face, t0 1, guidance 0: edits");
    CHECK(!memcmp(frame_x(&it), frame_x(&ref), n * sizeof(float)), "... the frame keeps every bit");
    const char *v = we_frame_get(we_item_find(&it, "wavelet"), "edit.cascade");
    CHECK(v && !strcmp(v, "2"), "edit.cascade = 2 (64 px face, 16 px model)");
    v = we_frame_get(we_item_find(&it, "wavelet"), "edit.detail");
    CHECK(v && !strcmp(v, "none"), "edit.detail = none (no detail net in the file)");
    CHECK(we_frame_get(we_item_find(&it, "wavelet"), "levels") && we_item_find(&it, "wavelet")->t.shape[0] == 12 &&
          we_item_find(&it, "wavelet")->t.shape[1] == 32, "frame layout kept: 12 x 32 x 32, keys");

    /* a real edit: the face changes, stays in range, dR = dG = dB */
    CHECK(edit_one(m, &it, 3, 50, 5, 4) == WE_OK, "4x face, t0 50, guidance 4: edits");
    item_image(a, &it, C, S);
    item_image(b, &ref, C, S);
    double dmax = 0, cdiff = 0;
    for (size_t i = 0; i < P; i++) {
        double d0 = a[i] - b[i], d1 = a[P + i] - b[P + i], d2 = a[2 * P + i] - b[2 * P + i];
        dmax = fmax(dmax, fabs(d0));
        cdiff = fmax(cdiff, fmax(fabs(d0 - d1), fabs(d0 - d2)));
    }
    CHECK(dmax > 0.01, "the face changed");
    CHECK(cdiff < 1e-5, "luminance model on RGB: R, G, B move by the same dY (CbCr kept)");
    /* cascade.recon 0: the change is measured against the source, so the
     * round trip's drift counts too: another edit; 0.5: the reference
     * halfway between source and reconstruction, a third result */
    {
        float *c0 = edit_with_recon(m, img, C, S, 0.0f), *ch = edit_with_recon(m, img, C, S, 0.5f);
        double d0 = 0, dh0 = 0, dh1 = 0;
        int finite = c0 && ch;
        for (size_t i = 0; finite && i < (size_t)C * P; i++) {
            d0 = fmax(d0, fabs((double)c0[i] - a[i]));
            dh0 = fmax(dh0, fabs((double)ch[i] - c0[i]));
            dh1 = fmax(dh1, fabs((double)ch[i] - a[i]));
            finite &= isfinite(c0[i]) && isfinite(ch[i]);
        }
        CHECK(d0 > 1e-4, "cascade.recon 0: another result than against the reconstruction");
        CHECK(dh0 > 1e-5 && dh1 > 1e-5, "cascade.recon 0.5: another result than 0 and 1");
        CHECK(finite, "cascade.recon 0 and 0.5: edit, every value finite");
        free(c0);
        free(ch);
    }
    /* the edit is deterministic and the same in a batch of two */
    we_item two[2];
    make_item(&two[0], img, C, S, "haar", 1);
    make_face(b, 1, 16, 5);
    make_item(&two[1], b, 1, 16, "haar", 1); /* a face of the model's own size beside it */
    we_edit_request r;
    we_edit_request_init(&r);
    r.target = 3, r.p.t0 = 50, r.p.steps = 5;
    we_guidance gd;
    we_guidance_init(&gd);
    gd.g = 4;
    we_rng rng;
    we_rng_seed(&rng, 1);
    we_item once;
    make_item(&once, img, C, S, "haar", 1);
    CHECK(edit_one(m, &once, 3, 50, 5, 4) == WE_OK, "edit alone");
    CHECK(we_model_edit_setup(m, &gd, &r) == WE_OK && we_model_edit(m, &r, two, 2, NULL, &rng) == WE_OK,
          "a 64 px and a 16 px face in one batch");
    CHECK(check_max_abs_diff(frame_x(&two[0]), frame_x(&once), n) < 1e-5, "the cascade item as when alone");
    we_item_free(&two[0]);
    we_item_free(&two[1]);
    we_item_free(&once);
    we_item_free(&it);
    we_item_free(&ref);
    free(img), free(a), free(b);
}

/* A local change of the coarse face (a 3 x 3 patch in the top left
 * corner, as an eyebrow raised): through the same two
 * halves we_model_edit uses, coefficients away from it keep their bits. */
static int local_edit(we_model *m, we_item *it, float amount)
{
    we_frame *w = we_item_find(it, "wavelet");
    we_wavelet_layout L;
    int J;
    if (we_model_cascade_levels(m, w, "face", &L, &J) || !J) return -1;
    int Cc = we_model_cascade_channels(m, L.C), n = m->cfg.S, h = n / 2;
    float *coef = malloc(sizeof(float) * 12 * h * h), *co = malloc(sizeof(float) * 3 * n * n);
    const we_wavelet *wl;
    we_wavelet_parse(m->cfg.wavelet, &wl);
    int rc = we_model_cascade_coarse(m, w, &L, J, coef) ? -1 : 0;
    if (!rc && amount != 0) {
        we_dwt2_inverse(co, NULL, coef, Cc, n, n, wl, 1, 1);
        for (int c = 0; c < Cc; c++)
            for (int y = 1; y < 4; y++)
                for (int x = 1; x < 4; x++) co[((size_t)c * n + y) * n + x] += amount;
        we_dwt2_forward(coef, NULL, co, Cc, n, n, wl, 1, 1);
    }
    if (!rc) rc = we_model_cascade_apply(m, w, &L, J, coef, NULL, NULL) ? -1 : 0;
    free(coef), free(co);
    return rc;
}

/* Max |a - b| over the pixels of C x S x S images in the corner opposite
 * the patch of local_edit (coarse pixels y, x >= 12 of a 16 px model). */
static double far_diff(const float *a, const float *b, int C, int S, int sc)
{
    double d = 0;
    for (int c = 0; c < C; c++)
        for (int y = 12 * sc; y < S; y++)
            for (int x = 12 * sc; x < S; x++) {
                size_t i = ((size_t)c * S + y) * S + x;
                d = fmax(d, fabs((double)a[i] - b[i]));
            }
    return d;
}

static void test_local(we_model *m, const char *wname, int J, int S, int C)
{
    size_t P = (size_t)S * S;
    float *img = malloc(sizeof(float) * C * P), *a = malloc(sizeof(float) * C * P), *b = malloc(sizeof(float) * C * P);
    make_face(img, C, S, 7);
    we_item it, ref;
    make_item(&it, img, C, S, wname, J);
    make_item(&ref, img, C, S, wname, J);
    size_t n = frame_n(&it);
    char what[160];
    CHECK(local_edit(m, &it, 0) == WE_OK && !memcmp(frame_x(&it), frame_x(&ref), n * sizeof(float)),
          "the unedited coarse face gives the frame back bit for bit");
    CHECK(local_edit(m, &it, 0.4f) == WE_OK, "a local coarse change");
    item_image(a, &it, C, S);
    item_image(b, &ref, C, S);
    /* pixels: changed around the patch only; in the opposite corner, beyond
     * the reach of the mask's blurs and dilation, the source's: bit for bit
     * with haar (no changed coefficient reaches there), to float rounding
     * with a longer wavelet (periodization wraps the change's coefficients
     * around; their inverse rounds differently) */
    int sc = S / m->cfg.S, haar = !strcmp(wname, "haar");
    double dmax = 0;
    for (size_t i = 0; i < (size_t)C * P; i++) dmax = fmax(dmax, fabs((double)a[i] - b[i]));
    snprintf(what, sizeof what, "%s J %d, %d px, C %d: the patch changed", wname, J, S, C);
    CHECK(dmax > 0.05, what);
    snprintf(what, sizeof what, "%s J %d, %d px, C %d: pixels far from it are the source's%s", wname, J, S, C,
             haar ? ", bit for bit" : " (1e-6)");
    CHECK(far_diff(a, b, C, S, sc) <= (haar ? 0 : 1e-6), what);
    size_t same = 0;
    for (size_t i = 0; i < n; i++) same += frame_x(&it)[i] == frame_x(&ref)[i];
    snprintf(what, sizeof what, "... and most coefficients keep their bits (%zu of %zu)", same, n);
    CHECK(same > n / 4 && same < n, what);
    if (C == 3) {
        double cd = 0;
        for (size_t i = 0; i < P; i++) {
            float ya[3] = {a[i], a[P + i], a[2 * P + i]}, yb[3] = {b[i], b[P + i], b[2 * P + i]};
            we_color_rgb_to_ycbcr(ya, ya, 1);
            we_color_rgb_to_ycbcr(yb, yb, 1);
            cd = fmax(cd, fmax(fabs(ya[1] - yb[1]), fabs(ya[2] - yb[2])));
        }
        CHECK(cd < 1e-5, "Cb, Cr of the result are the source's (to float rounding inside the change)");
    }
    we_item_free(&it);
    we_item_free(&ref);
    free(img), free(a), free(b);
}

static void test_detail_file(const char *mpath)
{
    char dpath[128], bpath[128];
    snprintf(dpath, sizeof dpath, "%s/d.st", dir);
    snprintf(bpath, sizeof bpath, "%s/b.st", dir);
    we_detail d;
    we_detail_config c;
    we_detail_config_init(&c);
    c.nf = 4, c.layers = 2;
    CHECK(we_detail_create(&d, &c) == WE_OK, "detail net nf 4, 2 layers");
    we_detail_init_weights(&d, 3);
    we_rng r;
    we_rng_seed(&r, 9);
    for (size_t i = 0; i < d.num_params; i++) d.params[i] += 0.05f * (float)we_rng_normal(&r); /* not the identity */
    CHECK(we_detail_save_file(&d, dpath) == WE_OK, "detail net saved");
    we_detail_free(&d);
    /* copy the model, then bundle */
    we_st_file f;
    FILE *o = fopen(bpath, "wb");
    CHECK(o && we_st_read(&f, mpath) == WE_OK && fwrite(f.buf, 1, f.size, o) == f.size, "copy of the model");
    fclose(o);
    we_st_free(&f);
    we_cascade_params p;
    we_cascade_params_init(&p);
    p.mask_lo = 0.02f, p.mask_dilate = 3;
    CHECK(we_model_add_detail(bpath, dpath, &p) == WE_OK, "we_model_add_detail");
    CHECK(we_model_add_detail(bpath, dpath, &p) == WE_OK, "again (replaces the first)");
    CHECK(we_model_add_detail(bpath, mpath, &p) == WE_EDATA, "a file without a detail net: WE_EDATA");
    we_model a, b;
    CHECK(we_model_open(&a, mpath, 2, 1, WE_DEV_CPU) == WE_OK && !a.detail && a.cas.mask_lo == 0.03f,
          "plain model: no detail net, default cascade settings");
    CHECK(we_model_open(&b, bpath, 2, 1, WE_DEV_CPU) == WE_OK && b.detail && b.detail->cfg.nf == 4 &&
          b.cas.mask_lo == 0.02f && b.cas.mask_dilate == 3, "bundled model: detail net and cascade.* loaded");
    /* the same weights edit the same coarse face */
    CHECK(check_max_abs_diff(a.m.params, b.m.params, a.m.nparams) == 0, "UNet weights unchanged by the bundle");
    /* D only acts inside the change: outside the two results are the source */
    int S = 64;
    float *img = malloc(sizeof(float) * S * S);
    make_face(img, 1, S, 11);
    we_item ia, ib, ref;
    make_item(&ia, img, 1, S, "haar", 1);
    make_item(&ib, img, 1, S, "haar", 1);
    make_item(&ref, img, 1, S, "haar", 1);
    b.cas = a.cas;
    CHECK(local_edit(&a, &ia, 0.4f) == WE_OK && local_edit(&b, &ib, 0.4f) == WE_OK, "local edit, D NULL and D");
    size_t n = frame_n(&ia), diff = 0;
    for (size_t i = 0; i < n; i++) diff += frame_x(&ia)[i] != frame_x(&ib)[i];
    CHECK(diff > 0, "the detail net changes the rebuilt detail");
    float *pa = malloc(sizeof(float) * S * S), *pr = malloc(sizeof(float) * S * S);
    item_image(pa, &ib, 1, S);
    item_image(pr, &ref, 1, S);
    CHECK(far_diff(pa, pr, 1, S, S / 16) == 0, "... inside the change only: far from it the source, bit for bit");
    free(pa), free(pr);
    we_item_free(&ia), we_item_free(&ib), we_item_free(&ref);
    free(img);
    we_model_free(&a);
    we_model_free(&b);
    /* a bad cascade setting is refused */
    we_st_writer w;
    CHECK(we_st_read(&f, bpath) == WE_OK, "re-read");
    we_st_writer_init(&w);
    for (int i = 0; i < f.n; i++)
        we_st_writer_add(&w, f.e[i].name, f.e[i].dtype, f.e[i].rank, f.e[i].shape, we_st_data(&f, &f.e[i]));
    for (int i = 0; i < f.nmeta; i++) we_st_writer_meta(&w, f.meta_key[i], f.meta_val[i]);
    we_st_writer_meta(&w, "cascade.mask_dilate", "1.5");
    CHECK(we_st_writer_save(&w, bpath) == WE_OK, "write a bad cascade.mask_dilate");
    we_st_writer_free(&w);
    we_st_free(&f);
    we_status s = we_model_open(&a, bpath, 2, 1, WE_DEV_CPU);
    CHECK(s == WE_EDATA && strstr(we_err_detail(), "cascade.mask_dilate"), "bad cascade setting: WE_EDATA naming the key");
    if (s != WE_EDATA || !strstr(we_err_detail(), "cascade.mask_dilate")) printf("     got %d: %s\n", s, we_err_detail());
    unlink(dpath), unlink(bpath);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/test_model_cascade.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    char m1[128], m3[128];
    snprintf(m1, sizeof m1, "%s/m1.st", dir);
    snprintf(m3, sizeof m3, "%s/m3.st", dir);
    CHECK(write_model(m1, 1, 0, 0, 0) == 0 && write_model(m3, 3, 0, 0, 0) == 0, "tiny models (S 16, C 1 and 3)");
    we_model m, mr;
    CHECK(we_model_open(&m, m1, 2, 1, WE_DEV_CPU) == WE_OK, "open the luminance model");
    CHECK(we_model_open(&mr, m3, 2, 1, WE_DEV_CPU) == WE_OK, "open the RGB model");
    test_sizes(&m);
    test_edit_end_to_end(&m);
    test_local(&m, "haar", 1, 64, 1);
    test_local(&m, "haar", 1, 64, 3);
    test_local(&m, "haar", 2, 32, 3);
    test_local(&m, "db2", 1, 64, 1);
    test_local(&mr, "haar", 1, 64, 3);
    test_local(&mr, "haar", 1, 32, 1);
    test_detail_file(m1);
    we_model_free(&m);
    we_model_free(&mr);
    unlink(m1), unlink(m3);
    rmdir(dir);
    return check_summary();
}
