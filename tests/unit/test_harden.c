/* test_harden.c - regressions of the hardening issue (17): each check
 * failed (or hung, or corrupted memory) before its fix.
 *   1  NaN landmarks overflowed the convex hull's buffer
 *   2  a 3e9 affine hung the paste loop (int overflow of the bounds)
 *   3  the pixel budget (WE_MAX_PIXELS) for decoders and derived images,
 *      JPEG scaled decode, magic bytes before reading a whole stream
 *   4  iwt -o patterns that cannot name the items apart
 *   6  NaN/Inf refused at the stream boundary and at model load
 *   7  we_err_set(s, "%s", we_err_detail()) garbled its own detail
 *   12 overlapping safetensors offsets, npy f8 overflow, wavelet=nope,
 *      "T=2000000000", WE_MAX_BYTES=abc */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_affine.h"
#include "we_image.h"
#include "we_layout_face.h"
#include "we_limits.h"
#include "we_npy.h"
#include "we_pattern.h"
#include "we_safetensors.h"
#include "we_stream.h"
#include "we_unet.h"
#include "we_warp.h"

static void test_err_self(void)
{
    we_err_set(WE_EDATA, "range");
    we_err_set(WE_EDATA, "checkpoint config: %s", we_err_detail());
    CHECK(!strcmp(we_err_detail(), "checkpoint config: range"), "we_err_set may format its own detail (point 7)");
    we_err_set(WE_EDATA, "%s and %s", we_err_detail(), we_err_detail());
    CHECK(!strcmp(we_err_detail(), "checkpoint config: range and checkpoint config: range"),
          "the detail twice in one message");
}

static void test_hull(void)
{
    enum { N = 68 };
    float pts[2 * N], *hull = malloc((2 * N + 16) * sizeof *hull);
    for (int i = 0; i < 2 * N; i++) pts[i] = NAN;
    for (int i = 2 * N; i < 2 * N + 16; i++) hull[i] = 12345.f; /* canary past the room for N points */
    int k = we_warp_convex_hull(hull, pts, N);
    int canary = 1;
    for (int i = 2 * N; i < 2 * N + 16; i++) canary &= hull[i] == 12345.f;
    CHECK(k == 0 && canary, "hull of 68 NaN points: none, nothing written past n points (point 1)");
    /* NaN mixed into a square: the hull of the finite points. */
    float sq[12] = {0, 0, NAN, 1, 4, 0, 4, 4, INFINITY, 2, 0, 4};
    k = we_warp_convex_hull(hull, sq, 6);
    CHECK(k == 4, "hull ignores NaN/Inf points, keeps the finite square");
    for (int i = 0; i < 2 * N; i++) pts[i] = (float)(i % 7) * (i & 1 ? -1e30f : 1e30f);
    k = we_warp_convex_hull(hull, pts, N);
    CHECK(k >= 0 && k <= N, "hull of huge points stays within n");
    float mask[16 * 16];
    for (int i = 0; i < 2 * N; i++) pts[i] = NAN;
    we_warp_hull_mask(mask, 16, 16, pts, N, 2);
    int zero = 1;
    for (int i = 0; i < 256; i++) zero &= mask[i] == 0;
    CHECK(zero, "hull mask of NaN landmarks is empty");
    free(hull);
}

static void test_affine(void)
{
    int a, b;
    CHECK(we_affine_span(-3e9, 3e9, 100, &a, &b) == 1 && a == 0 && b == 99, "span clips +-3e9 to the image");
    CHECK(we_affine_span(3e9, 3e9 + 8, 100, &a, &b) == 0, "span past the image: empty");
    CHECK(we_affine_span(NAN, 5, 100, &a, &b) == 0 && we_affine_span(0, NAN, 100, &a, &b) == 0, "NaN span: empty");
    CHECK(we_affine_span(2.5, 7.2, 100, &a, &b) == 1 && a == 2 && b == 8, "span inside: floor..ceil");
    float big[6] = {1, 0, 3e9f, 0, 1, 500}, nan6[6] = {1, 0, NAN, 0, 1, 0}, sing[6] = {1, 2, 0, 2, 4, 0};
    float ok6[6] = {2, 0, 10, 0, 2, 20};
    CHECK(we_affine_check(big) == WE_EDATA && strstr(we_err_detail(), "coefficient 2"), "affine 3e9 refused");
    CHECK(we_affine_check(nan6) == WE_EDATA, "NaN affine refused");
    CHECK(we_affine_check(sing) == WE_EDATA, "singular affine refused");
    CHECK(we_affine_check(ok6) == WE_OK, "a crop affine passes");
    /* The paste itself: the crop lies 3e9 pixels away, nothing to do and
     * no endless loop (before: floor(3e9) overflowed int). */
    float photo[3 * 20 * 30], face[3 * 8 * 8];
    for (int i = 0; i < 3 * 20 * 30; i++) photo[i] = 7;
    for (int i = 0; i < 3 * 64; i++) face[i] = 200;
    CHECK(we_warp_paste(photo, 3, 20, 30, face, NULL, 8, big) == WE_OK && photo[0] == 7 && photo[599] == 7,
          "paste with a 3e9 translation returns, photo unchanged (point 2)");
    float neg[6] = {1, 0, -3e9f, 0, 1, -3e9f};
    CHECK(we_warp_paste(photo, 3, 20, 30, face, NULL, 8, neg) == WE_OK, "paste with -3e9 returns");
}

static we_status read_one(const char *buf, size_t n, int allow, we_frame *fr)
{
    FILE *f = fmemopen((void *)buf, n, "rb");
    we_reader r;
    we_reader_init(&r, f, "mem");
    r.allow_nonfinite = allow;
    we_frame_init(fr);
    we_status s = we_reader_frame(&r, fr);
    we_reader_free(&r);
    fclose(f);
    return s;
}

static void test_nonfinite(void)
{
    float v[1000];
    for (int i = 0; i < 1000; i++) v[i] = (float)i;
    CHECK(we_nonfinite_f32(v, 1000) == -1, "finite floats: -1");
    v[777] = NAN;
    CHECK(we_nonfinite_f32(v, 1000) == 777, "first NaN found");
    v[5] = -INFINITY;
    CHECK(we_nonfinite_f32(v, 1000) == 5, "-Inf found first");
    char buf[64];
    int h = snprintf(buf, sizeof buf, "WES1 x f32 2\n\n");
    float p[2] = {1, NAN};
    memcpy(buf + h, p, 8);
    we_frame fr;
    CHECK(read_one(buf, (size_t)h + 8, 0, &fr) == WE_EDATA && strstr(we_err_detail(), "non-finite value (nan)"),
          "reader refuses a NaN payload by default (point 6)");
    CHECK(read_one(buf, (size_t)h + 8, 1, &fr) == WE_OK, "allow_nonfinite (tsinfo, tscmp) reads it");
    we_frame_free(&fr);
    /* f16 inf */
    h = snprintf(buf, sizeof buf, "WES1 x f16 2\n\n");
    uint16_t hv[2] = {0x3c00, 0x7c00};
    memcpy(buf + h, hv, 4);
    CHECK(read_one(buf, (size_t)h + 4, 0, &fr) == WE_EDATA && strstr(we_err_detail(), "(inf)"), "f16 Inf refused");
    /* writer */
    we_frame w;
    we_frame_init(&w);
    we_frame_set_name(&w, "x");
    we_tensor_alloc(&w.t, WE_F32, 1, (int64_t[]){3});
    ((float *)w.t.data)[2] = INFINITY;
    char *mem = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&mem, &len);
    we_status s = we_frame_write(o, &w);
    fclose(o);
    CHECK(s == WE_EDATA && len == 0, "writer refuses Inf and writes nothing (dwt's 3e38 -> inf)");
    free(mem);
    ((float *)w.t.data)[2] = 1;
    mem = NULL;
    o = open_memstream(&mem, &len);
    CHECK(we_frame_write(o, &w) == WE_OK, "writer: finite frame written");
    fclose(o);
    free(mem);
    we_frame_free(&w);
    /* u8 frames hold no NaN */
    h = snprintf(buf, sizeof buf, "WES1 x u8 4\n\n");
    memset(buf + h, 0xff, 4);
    CHECK(read_one(buf, (size_t)h + 4, 0, &fr) == WE_OK, "u8 0xff is a value, not a NaN");
    we_frame_free(&fr);
}

/* A safetensors file from a JSON header and data bytes. */
static size_t st_file(uint8_t *out, const char *json, const void *data, size_t dn)
{
    size_t hl = strlen(json);
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(hl >> (8 * i));
    memcpy(out + 8, json, hl);
    memcpy(out + 8 + hl, data, dn);
    return 8 + hl + dn;
}

static void test_safetensors(void)
{
    uint8_t file[512];
    float d[3] = {1, 2, 3};
    size_t n = st_file(file,
                       "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                       "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                       d, sizeof d);
    we_st_file f;
    CHECK(we_st_parse(&f, file, n) == WE_EDATA && strstr(we_err_detail(), "overlap"),
          "overlapping tensor offsets refused (point 12)");
    n = st_file(file,
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]},"
                "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
                d, sizeof d);
    CHECK(we_st_parse(&f, file, n) == WE_OK, "adjacent tensors and an empty one pass");
    we_st_free(&f);
    float nanw[2] = {1, NAN};
    n = st_file(file, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", nanw, sizeof nanw);
    float out[2];
    CHECK(we_st_parse(&f, file, n) == WE_OK, "a NaN weight parses (the check is at load)");
    CHECK(we_st_get_f32(&f, "w", out, 2, 0, NULL) == WE_EDATA && strstr(we_err_detail(), "non-finite"),
          "a NaN weight is refused at load (point 6)");
    we_st_free(&f);
    double big[1] = {1e300};
    n = st_file(file, "{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", big, sizeof big);
    CHECK(we_st_parse(&f, file, n) == WE_OK && we_st_get_f32(&f, "w", out, 1, 0, NULL) == WE_EDATA,
          "an F64 weight beyond f32 is refused");
    we_st_free(&f);
}

static void test_npy(void)
{
    char hdr[] = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    uint8_t buf[256];
    size_t hl = strlen(hdr);
    size_t pad = (64 - (10 + hl + 1) % 64) % 64;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (uint8_t)(hl + pad + 1);
    buf[9] = 0;
    memcpy(buf + 10, hdr, hl);
    memset(buf + 10 + hl, ' ', pad);
    buf[10 + hl + pad] = '\n';
    size_t off = 10 + hl + pad + 1;
    double v[2] = {1.5, 1e300};
    memcpy(buf + off, v, sizeof v);
    we_tensor t;
    CHECK(we_npy_parse(buf, off + sizeof v, 1 << 20, &t) == WE_EDATA && strstr(we_err_detail(), "does not fit f32"),
          "npy f8 1e300 refused, not made inf (point 12)");
    v[1] = -2.25;
    memcpy(buf + off, v, sizeof v);
    CHECK(we_npy_parse(buf, off + sizeof v, 1 << 20, &t) == WE_OK && ((float *)t.data)[1] == -2.25f, "npy f8 in range");
    we_tensor_free(&t);
}

static void test_limits(void)
{
    uint64_t v;
    CHECK(we_limit_parse("WE_MAX_BYTES", "abc", &v) == WE_EUSAGE && strstr(we_err_detail(), "WE_MAX_BYTES='abc'"),
          "WE_MAX_BYTES=abc refused with a message (point 12)");
    CHECK(we_limit_parse("X", "0", &v) == WE_EUSAGE, "0 refused");
    CHECK(we_limit_parse("X", "12x", &v) == WE_EUSAGE, "trailing junk refused");
    CHECK(we_limit_parse("X", "-5", &v) == WE_EUSAGE, "negative refused");
    CHECK(we_limit_parse("X", "99999999999999999999999", &v) == WE_EUSAGE, "overflow refused");
    CHECK(we_limit_parse("X", "4k", &v) == WE_OK && v == 4096, "4k = 4096");
    CHECK(we_limit_parse("X", "2G", &v) == WE_OK && v == 2ull << 30, "2G");
    setenv("WE_MAX_BYTES", "abc", 1);
    CHECK(we_limits_check_env() == WE_EUSAGE, "we_limits_check_env sees WE_MAX_BYTES=abc");
    unsetenv("WE_MAX_BYTES");
    setenv("WE_MAX_PIXELS", "100", 1);
    CHECK(we_limits_check_env() == WE_OK && we_limit_pixels() == 100, "WE_MAX_PIXELS=100");
    CHECK(we_limit_image(3, 10, 10, "x") == WE_OK, "3x10x10 within 100 RGB pixels");
    CHECK(we_limit_image(3, 10, 11, "photo") == WE_ELIMIT && strstr(we_err_detail(), "WE_MAX_PIXELS=100") &&
              strstr(we_err_detail(), "photo 3x10x11"),
          "3x10x11 above: the message names the image, the limit and the variable (point 3)");
    CHECK(we_limit_image(1, 15, 20, "x") == WE_OK && we_limit_image(18, 1, 17, "x") == WE_ELIMIT,
          "the budget counts channels (gray 300 positions, 18-channel heatmap 16)");
    CHECK(we_limit_image(3, 1ull << 40, 1ull << 40, "x") == WE_ELIMIT, "no overflow in h * w");
    we_frame hm;
    we_frame_init(&hm);
    CHECK(we_layout_heatmap_new(&hm, 18, 50000, 50000) == WE_ELIMIT, "lmheat's heatmap of a size=1e5 key refused");
    we_frame_free(&hm);

    /* Decoders: a 16 x 16 PNG is 256 pixels > 100. */
    we_tensor img, out;
    we_tensor_alloc3(&img, WE_U8, 3, 16, 16);
    for (int i = 0; i < 3 * 256; i++) ((uint8_t *)img.data)[i] = (uint8_t)(i * 7);
    uint8_t *png = NULL, *jpg = NULL;
    size_t npng = 0, njpg = 0;
    we_image_encode_png(&img, &png, &npng);
    CHECK(we_image_decode(png, npng, &out) == WE_ELIMIT && strstr(we_err_detail(), "WE_MAX_PIXELS"),
          "PNG above WE_MAX_PIXELS refused before decoding");
    we_tensor_free(&img);
    we_tensor_alloc3(&img, WE_U8, 3, 64, 64);
    for (int i = 0; i < 3 * 4096; i++) ((uint8_t *)img.data)[i] = (uint8_t)(i * 3);
    we_image_encode_jpeg(&img, 90, &jpg, &njpg);
    setenv("WE_MAX_PIXELS", "300", 1);
    CHECK(we_image_decode(jpg, njpg, &out) == WE_ELIMIT, "64x64 JPEG above 300 pixels refused at full size");
    CHECK(we_image_decode_fit(jpg, njpg, we_limit_pixels(), 16, &out) == WE_OK && out.shape[1] == 16 &&
              out.shape[2] == 16,
          "with a 16 px target it decodes at 1/4 scale (16x16 <= 300 px)");
    we_tensor_free(&out);
    CHECK(we_image_decode_fit(jpg, njpg, we_limit_pixels(), 32, &out) == WE_ELIMIT,
          "a 32 px target would need 32x32 > 300: refused");
    unsetenv("WE_MAX_PIXELS");
    CHECK(we_image_decode_fit(jpg, njpg, we_limit_pixels(), 16, &out) == WE_OK && out.shape[1] == 64,
          "within the budget: full size, as we_image_decode");
    we_tensor_free(&out);
    we_tensor_free(&img);
    free(png);
    free(jpg);
    /* /dev/zero: refused after its first bytes (before: 1 GiB read first). */
    CHECK(we_image_read_file("/dev/zero", &out) == WE_EUNSUPP, "/dev/zero refused by its magic bytes");
}

static void test_pattern(void)
{
    char buf[WE_PATTERN_MAX_PATH];
    CHECK(we_pattern_check("out/%0999999999d.png") == WE_EUSAGE, "width 999999999 refused (point 4)");
    CHECK(we_pattern_check("out.png") == WE_EUSAGE, "no conversion refused");
    CHECK(we_pattern_check("%x_%d") == WE_EUSAGE, "other conversion refused");
    CHECK(we_pattern_check("%%d.png") == WE_EUSAGE, "%%d is a literal, no conversion");
    CHECK(we_pattern_check("out/%s_%05d.png") == WE_OK, "%s and %05d pass");
    CHECK(we_pattern_fill(buf, sizeof buf, "o/%05d.png", "x", 42) == WE_OK && !strcmp(buf, "o/00042.png"), "%05d");
    CHECK(we_pattern_fill(buf, sizeof buf, "o/%s.png", "a/b", 0) == WE_OK && !strcmp(buf, "o/a_b.png"), "%s made safe");
    CHECK(we_pattern_fill(buf, sizeof buf, "%s", "..", 0) == WE_OK && !strcmp(buf, "_."), "no '..' name");
    CHECK(we_pattern_fill(buf, sizeof buf, "%s", "", 9) == WE_OK && !strcmp(buf, "9"), "empty id: the index");
    CHECK(we_pattern_fill(buf, 8, "abcd%05d", "", 1) == WE_ELIMIT, "a name that does not fit: WE_ELIMIT, not cut");
    we_nameset ns = {0};
    int ok = 1;
    for (int i = 0; i < 1000 && ok; i++) {
        snprintf(buf, sizeof buf, "n%d", i);
        ok = we_nameset_add(&ns, buf) == 1;
    }
    CHECK(ok && ns.n == 1000, "1000 names added");
    CHECK(we_nameset_add(&ns, "n500") == 0 && we_nameset_add(&ns, "o/a_b.png") == 1 &&
              we_nameset_add(&ns, "o/a_b.png") == 0,
          "a repeated name is seen (ids a/b and a_b)");
    we_nameset_free(&ns);
}

static void test_model_meta(void)
{
    we_unet_config c;
    we_unet_config_init(&c);
    strcpy(c.wavelet, "nope");
    CHECK(we_unet_config_validate(&c) == WE_EUSAGE && strstr(we_err_detail(), "nope"),
          "wavelet=nope refused at load (point 12)");
    we_unet_config_init(&c);
    c.T = 2000000000;
    we_st_writer w;
    we_st_writer_init(&w);
    we_unet_config_to_meta(&c, &w);
    float x = 0;
    we_st_writer_add(&w, "x", WE_ST_F32, 1, (int64_t[]){1}, &x);
    uint8_t *buf;
    size_t n;
    we_st_writer_serialize(&w, &buf, &n);
    we_st_writer_free(&w);
    we_st_file f;
    we_st_parse(&f, buf, n);
    free(buf);
    we_status s = we_unet_config_from_meta(&c, &f);
    CHECK(s == WE_EDATA && strstr(we_err_detail(), "out of range 2..100000") && !strstr(we_err_detail(), "integer"),
          "T=2000000000 is out of range, not 'not an integer'");
    CHECK(strstr(we_err_detail(), "checkpoint config: model: T") != NULL,
          "and the message is whole (we_err_set on its own detail)");
    we_st_free(&f);
}

int main(void)
{
    test_err_self();
    test_hull();
    test_affine();
    test_nonfinite();
    test_safetensors();
    test_npy();
    test_limits();
    test_pattern();
    test_model_meta();
    return check_summary();
}
