/* test_image.c - image decode/encode and pixel conversions (lib/image/we_image*).
 *
 * Fixtures: tests/fixtures/images/ (made by tests/fixtures/make_images.sh;
 * the pattern formulas below must match it). Run from the repository root.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jpeglib.h>

#include "check.h"
#include "we_image.h"
#include "we_image_priv.h" /* we_image_exif_orientation */

#define FIX "tests/fixtures/images/"
#define W 16
#define H 12

static int pat_rgb(int ch, int x, int y)
{
    return ch == 0 ? 16 * x + 8 : ch == 1 ? 20 * y + 10 : 255 - 8 * x - 6 * y;
}
static int pat_gray(int x, int y) { return 8 * x + 10 * y + 20; }
static int pat_rgb16(int ch, int x, int y)
{
    return ch == 0 ? 4000 * x + 37 * y + 100 : ch == 1 ? 5000 * y + 129 * x + 7 : 65535 - 2001 * x - 2999 * y;
}

static uint8_t px(const we_tensor *t, int ch, int x, int y)
{
    return ((const uint8_t *)t->data)[((size_t)ch * t->shape[1] + (size_t)y) * t->shape[2] + (size_t)x];
}

static int read_fix(const char *name, we_tensor *t)
{
    char path[512];
    snprintf(path, sizeof path, FIX "%s", name);
    we_err_clear();
    we_status s = we_image_read_file(path, t);
    if (s) printf("     %s: %s (%s)\n", name, we_err_str(s), we_err_detail());
    return s;
}

static int is_shape(const we_tensor *t, int c, int h, int w)
{
    return t->dtype == WE_U8 && t->rank == 3 && t->shape[0] == c && t->shape[1] == h && t->shape[2] == w;
}

/* max |decoded - pattern| over an RGB 16x12 image */
static int max_diff_rgb(const we_tensor *t)
{
    int m = 0;
    for (int ch = 0; ch < 3; ch++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int d = abs(px(t, ch, x, y) - pat_rgb(ch, x, y));
                if (d > m) m = d;
            }
    return m;
}

static void test_png(void)
{
    we_tensor t, u;
    char what[128];
    const char *exact[] = {"rgb.png", "interlaced.png", "rgba.png"};
    for (int i = 0; i < 3; i++) {
        snprintf(what, sizeof what, "%s decodes to the exact RGB pattern", exact[i]);
        int ok = read_fix(exact[i], &t) == WE_OK && is_shape(&t, 3, H, W) && max_diff_rgb(&t) == 0;
        CHECK(ok, what);
        we_tensor_free(&t);
    }
    const char *gray[] = {"gray.png", "gray_alpha.png"};
    for (int i = 0; i < 2; i++) {
        int ok = read_fix(gray[i], &t) == WE_OK && is_shape(&t, 1, H, W);
        for (int y = 0; ok && y < H; y++)
            for (int x = 0; x < W; x++) ok &= px(&t, 0, x, y) == pat_gray(x, y);
        snprintf(what, sizeof what, "%s decodes to 1 channel, exact gray pattern (alpha dropped)", gray[i]);
        CHECK(ok, what);
        we_tensor_free(&t);
    }
    {
        int ok = read_fix("gray1.png", &t) == WE_OK && is_shape(&t, 1, H, W);
        for (int y = 0; ok && y < H; y++)
            for (int x = 0; x < W; x++) ok &= px(&t, 0, x, y) == ((x < 5 && !(x == 0 && y == 0)) ? 0 : 255);
        CHECK(ok, "1-bit gray PNG expands to 0/255");
        we_tensor_free(&t);
    }
    {
        int ok = read_fix("palette.png", &t) == WE_OK && is_shape(&t, 3, H, W), bad = 0;
        for (int ch = 0; ok && ch < 3; ch++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++)
                    if (!(x == 0 && y == 0)) bad += px(&t, ch, x, y) != pat_rgb(ch, x, y);
        CHECK(ok && bad == 0, "palette PNG with tRNS: 3 channels, palette colours exact");
        we_tensor_free(&t);
    }
    {
        int ok = read_fix("rgb16.png", &t) == WE_OK && is_shape(&t, 3, H, W), bad = 0;
        for (int ch = 0; ok && ch < 3; ch++)
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    int want = (int)lrint(pat_rgb16(ch, x, y) / 257.0);
                    if (px(&t, ch, x, y) != want) {
                        if (!bad) printf("     (%d,%d,%d): got %d want %d\n", ch, x, y, px(&t, ch, x, y), want);
                        bad++;
                    }
                }
        CHECK(ok && bad == 0, "16-bit PNG is rounded to 8 bits: round(v/257)");
        int ok2 = read_fix("rgb16_interlaced.png", &u) == WE_OK && is_shape(&u, 3, H, W) &&
                  memcmp(t.data, u.data, we_tensor_nbytes(&t)) == 0;
        CHECK(ok2, "16-bit interlaced PNG equals the non-interlaced one");
        we_tensor_free(&t);
        we_tensor_free(&u);
    }
    {
        int ok = read_fix("interlaced.png", &t) == WE_OK && read_fix("rgb.png", &u) == WE_OK &&
                 memcmp(t.data, u.data, we_tensor_nbytes(&t)) == 0;
        CHECK(ok, "Adam7 interlaced PNG equals non-interlaced");
        we_tensor_free(&t);
        we_tensor_free(&u);
    }
}

static void test_jpeg(void)
{
    we_tensor t, u;
    int ok = read_fix("rgb.jpg", &t) == WE_OK && is_shape(&t, 3, H, W);
    int d = ok ? max_diff_rgb(&t) : 999;
    printf("     rgb.jpg max diff %d\n", d);
    CHECK(ok && d <= 8, "baseline JPEG q95 4:4:4 within 8 of the pattern");
    ok = read_fix("progressive.jpg", &u) == WE_OK && is_shape(&u, 3, H, W);
    int dp = ok ? max_diff_rgb(&u) : 999;
    CHECK(ok && dp <= 8, "progressive JPEG within 8 of the pattern");
    we_tensor_free(&u);
    ok = read_fix("rgb420.jpg", &u) == WE_OK && is_shape(&u, 3, H, W);
    d = ok ? max_diff_rgb(&u) : 999;
    printf("     rgb420.jpg max diff %d\n", d);
    CHECK(ok && d <= 40, "4:2:0 JPEG q90 close to the pattern");
    we_tensor_free(&u);
    we_tensor_free(&t);

    ok = read_fix("gray.jpg", &t) == WE_OK && is_shape(&t, 1, H, W);
    d = 0;
    for (int y = 0; ok && y < H; y++)
        for (int x = 0; x < W; x++) d = fmax(d, abs(px(&t, 0, x, y) - pat_gray(x, y)));
    CHECK(ok && d <= 6, "grayscale JPEG: 1 channel, within 6 of the pattern");
    we_tensor_free(&t);

    ok = read_fix("cmyk.jpg", &t) == WE_OK && is_shape(&t, 3, H, W);
    d = ok ? max_diff_rgb(&t) : 999;
    printf("     cmyk.jpg (Adobe, inverted) max diff %d\n", d);
    CHECK(ok && d <= 12, "CMYK JPEG (ImageMagick, Adobe inverted) converts back to RGB");
    we_tensor_free(&t);

    for (int o = 1; o <= 8; o++) {
        char name[32], what[96];
        snprintf(name, sizeof name, "orient%d.jpg", o);
        ok = read_fix(name, &t) == WE_OK && is_shape(&t, 3, H, W);
        d = ok ? max_diff_rgb(&t) : 999;
        snprintf(what, sizeof what, "EXIF orientation %d: 3x12x16, pattern upright (max diff %d)", o, d);
        CHECK(ok && d <= 8, what);
        we_tensor_free(&t);
    }
}

/* Build an EXIF APP1 payload (without the marker/length) with one IFD0
 * entry: tag 0x0112 of the given type and value. */
static size_t make_exif(uint8_t *b, int le, unsigned type, unsigned v, unsigned ifd_off)
{
    memcpy(b, "Exif\0\0", 6);
    uint8_t *t = b + 6;
#define P16(p, x) (le ? ((p)[0] = (uint8_t)(x), (p)[1] = (uint8_t)((x) >> 8)) : ((p)[1] = (uint8_t)(x), (p)[0] = (uint8_t)((x) >> 8)))
#define P32(p, x) (le ? (P16(p, (x) & 0xffff), P16((p) + 2, (x) >> 16)) : (P16((p) + 2, (x) & 0xffff), P16(p, (x) >> 16)))
    t[0] = t[1] = le ? 'I' : 'M';
    P16(t + 2, 42u);
    P32(t + 4, ifd_off);
    P16(t + 8, 1u);
    P16(t + 10, 0x0112u);
    P16(t + 12, type);
    P32(t + 14, 1u);
    memset(t + 18, 0, 4);
    if (type == 3) P16(t + 18, v);
    else P32(t + 18, v);
    P32(t + 22, 0u);
    return 6 + 26;
#undef P16
#undef P32
}


static void test_exif_parser(void)
{
    uint8_t b[64];
    size_t n = make_exif(b, 1, 3, 6, 8);
    CHECK(we_image_exif_orientation(b, n) == 6, "EXIF II SHORT orientation 6");
    n = make_exif(b, 0, 3, 8, 8);
    CHECK(we_image_exif_orientation(b, n) == 8, "EXIF MM SHORT orientation 8");
    n = make_exif(b, 0, 4, 3, 8);
    CHECK(we_image_exif_orientation(b, n) == 3, "EXIF LONG orientation accepted");
    n = make_exif(b, 1, 3, 9, 8);
    CHECK(we_image_exif_orientation(b, n) == 0, "EXIF orientation 9 ignored");
    n = make_exif(b, 1, 3, 6, 0xfffffff0u);
    CHECK(we_image_exif_orientation(b, n) == 0, "EXIF IFD offset beyond the segment ignored");
    n = make_exif(b, 1, 3, 6, 8);
    int all = 1;
    for (size_t k = 0; k < n; k++) /* the entry ends at byte 6 + 8 + 2 + 12 */
        all &= we_image_exif_orientation(b, k) == (k < 28 ? 0 : 6);
    CHECK(all, "EXIF cut at every length: orientation only once the entry is complete");
    b[6] = 'X';
    CHECK(we_image_exif_orientation(b, n) == 0, "EXIF bad byte order ignored");
}

/* Encode CMYK pixels with libjpeg as CMYK or YCCK, with or without an
 * Adobe marker; cmyk holds the 4 bytes libjpeg stores per pixel. */
static size_t make_cmyk_jpeg(uint8_t **out, const uint8_t *cmyk, int w, int h, J_COLOR_SPACE cs, int adobe)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    unsigned long size = 0;
    *out = NULL;
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, out, &size);
    ci.image_width = (JDIMENSION)w;
    ci.image_height = (JDIMENSION)h;
    ci.input_components = 4;
    ci.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&ci);
    jpeg_set_colorspace(&ci, cs);
    for (int i = 0; i < ci.num_components; i++) ci.comp_info[i].h_samp_factor = ci.comp_info[i].v_samp_factor = 1;
    jpeg_set_quality(&ci, 100, TRUE);
    ci.write_Adobe_marker = adobe ? TRUE : FALSE;
    ci.write_JFIF_header = FALSE;
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < (JDIMENSION)h) {
        JSAMPROW r = (JSAMPROW)(cmyk + (size_t)ci.next_scanline * (size_t)w * 4);
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    return size;
}

static void test_cmyk_ycck(void)
{
    /* pattern RGB -> CMYK with K = 0 ink: inverted (Adobe) stores 255-ink,
     * so stored C = R, M = G, Y = B, K = 255 for the inverted variant */
    uint8_t cmyk[W * H * 4], plain[W * H * 4];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < 3; ch++) {
                cmyk[(y * W + x) * 4 + ch] = (uint8_t)pat_rgb(ch, x, y);
                cmyk[(y * W + x) * 4 + 3] = 255;
                plain[(y * W + x) * 4 + ch] = (uint8_t)(255 - pat_rgb(ch, x, y));
                plain[(y * W + x) * 4 + 3] = 0;
            }
    struct { const char *what; const uint8_t *data; J_COLOR_SPACE cs; int adobe; } cases[] = {
        {"YCCK JPEG (Adobe, inverted) -> RGB", cmyk, JCS_YCCK, 1},
        {"CMYK JPEG (Adobe, inverted) -> RGB", cmyk, JCS_CMYK, 1},
        {"CMYK JPEG without Adobe marker (not inverted) -> RGB", plain, JCS_CMYK, 0},
    };
    for (int i = 0; i < 3; i++) {
        uint8_t *buf;
        size_t n = make_cmyk_jpeg(&buf, cases[i].data, W, H, cases[i].cs, cases[i].adobe);
        we_tensor t;
        we_status s = we_image_decode(buf, n, &t);
        int d = s == WE_OK && is_shape(&t, 3, H, W) ? max_diff_rgb(&t) : 999;
        printf("     %s: max diff %d\n", cases[i].what, d);
        CHECK(d <= 4, cases[i].what);
        we_tensor_free(&t);
        free(buf);
    }
}

/* The pattern as an arithmetic-coded RGB JPEG, made with libjpeg. */
static size_t make_arith_jpeg(uint8_t **out)
{
    struct jpeg_compress_struct ci;
    struct jpeg_error_mgr je;
    unsigned long size = 0;
    uint8_t rgb[W * H * 3];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < 3; ch++) rgb[(y * W + x) * 3 + ch] = (uint8_t)pat_rgb(ch, x, y);
    *out = NULL;
    ci.err = jpeg_std_error(&je);
    jpeg_create_compress(&ci);
    jpeg_mem_dest(&ci, out, &size);
    ci.image_width = W;
    ci.image_height = H;
    ci.input_components = 3;
    ci.in_color_space = JCS_RGB;
    jpeg_set_defaults(&ci);
    jpeg_set_quality(&ci, 95, TRUE);
    for (int i = 0; i < ci.num_components; i++) ci.comp_info[i].h_samp_factor = ci.comp_info[i].v_samp_factor = 1;
    ci.arith_code = TRUE;
    jpeg_start_compress(&ci, TRUE);
    while (ci.next_scanline < H) {
        JSAMPROW r = rgb + (size_t)ci.next_scanline * W * 3;
        jpeg_write_scanlines(&ci, &r, 1);
    }
    jpeg_finish_compress(&ci);
    jpeg_destroy_compress(&ci);
    return size;
}

static void make_pattern(we_tensor *t, int c)
{
    we_tensor_alloc3(t, WE_U8, c, H, W);
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                ((uint8_t *)t->data)[(ch * H + y) * W + x] = (uint8_t)(c == 1 ? pat_gray(x, y) : pat_rgb(ch, x, y));
}

static void test_arith(void)
{
    uint8_t *buf;
    size_t n = make_arith_jpeg(&buf);
    we_tensor t;
    we_status s = we_image_decode(buf, n, &t);
    int d = s == WE_OK && is_shape(&t, 3, H, W) ? max_diff_rgb(&t) : 999;
    printf("     arithmetic JPEG: %s, max diff %d\n", we_err_str(s), d);
    CHECK(d <= 8, "arithmetic-coded JPEG decodes");
    we_tensor_free(&t);
    free(buf);
}

static void test_encode(void)
{
    for (int c = 1; c <= 3; c += 2) {
        we_tensor t, u;
        make_pattern(&t, c);
        uint8_t *buf;
        size_t n;
        we_status s = we_image_encode_png(&t, &buf, &n);
        int ok = s == WE_OK && we_image_sniff(buf, n) == WE_IMG_PNG && we_image_decode(buf, n, &u) == WE_OK &&
                 is_shape(&u, c, H, W) && memcmp(t.data, u.data, we_tensor_nbytes(&t)) == 0;
        CHECK(ok, c == 1 ? "PNG encode -> decode identical (gray)" : "PNG encode -> decode identical (RGB)");
        free(buf);
        we_tensor_free(&u);
        s = we_image_encode_jpeg(&t, 95, &buf, &n);
        ok = s == WE_OK && we_image_sniff(buf, n) == WE_IMG_JPEG && we_image_decode(buf, n, &u) == WE_OK &&
             is_shape(&u, c, H, W);
        int d = 0;
        for (size_t i = 0; ok && i < we_tensor_nbytes(&t); i++)
            d = fmax(d, abs(((uint8_t *)t.data)[i] - ((uint8_t *)u.data)[i]));
        printf("     JPEG q95 round trip (%d ch): max diff %d\n", c, d);
        CHECK(ok && d <= 8, c == 1 ? "JPEG encode -> decode close (gray)" : "JPEG encode -> decode close (RGB)");
        free(buf);
        we_tensor_free(&u);
        we_tensor_free(&t);
    }
    we_tensor t, u;
    make_pattern(&t, 3);
    uint8_t *buf;
    size_t n;
    CHECK(we_image_encode_jpeg(&t, 0, &buf, &n) == WE_EUSAGE, "JPEG quality 0 refused");
    we_tensor bad;
    we_tensor_alloc3(&bad, WE_U8, 2, 4, 4);
    CHECK(we_image_encode_png(&bad, &buf, &n) == WE_EDATA, "2-channel image refused by the encoder");
    we_tensor_free(&bad);
    /* f32 input goes through to_u8 */
    we_tensor f;
    we_image_u8_to_f32(&t, &f);
    int ok = we_image_encode_png(&f, &buf, &n) == WE_OK && we_image_decode(buf, n, &u) == WE_OK &&
             memcmp(u.data, t.data, we_tensor_nbytes(&t)) == 0;
    CHECK(ok, "PNG encode of an f32 [-1,1] image is exact");
    free(buf);
    we_tensor_free(&u);
    we_tensor_free(&f);

    /* write_file: atomic, readable back, no temp left behind */
    char dir[] = "/tmp/we_test_imageXXXXXX";
    if (mkdtemp(dir)) {
        char path[256];
        snprintf(path, sizeof path, "%s/out.png", dir);
        ok = we_image_write_file(path, &t, WE_IMG_PNG, 0) == WE_OK && we_image_read_file(path, &u) == WE_OK &&
             memcmp(u.data, t.data, we_tensor_nbytes(&t)) == 0;
        CHECK(ok, "write_file PNG then read_file gives the same pixels");
        we_tensor_free(&u);
        struct stat sb;
        mode_t um = umask(0);
        umask(um);
        CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == (0666 & ~um), "write_file: mode 0666 less the umask");
        snprintf(path, sizeof path, "%s/out.jpg", dir);
        ok = we_image_write_file(path, &t, WE_IMG_JPEG, 90) == WE_OK && we_image_read_file(path, &u) == WE_OK &&
             is_shape(&u, 3, H, W);
        CHECK(ok, "write_file JPEG then read_file");
        we_tensor_free(&u);
        snprintf(path, sizeof path, "%s/nodir/out.png", dir);
        CHECK(we_image_write_file(path, &t, WE_IMG_PNG, 0) == WE_EIO, "write_file into a missing folder: WE_EIO");
        DIR *d = opendir(dir);
        int entries = 0;
        for (struct dirent *e; d && (e = readdir(d));)
            if (e->d_name[0] != '.') entries++;
        if (d) closedir(d);
        CHECK(entries == 2, "no temporary files left behind");
        snprintf(path, sizeof path, "rm -rf '%s'", dir);
        if (system(path)) printf("     (could not remove %s)\n", dir);
    }
    CHECK(we_image_format_from_name("a/b.JPG") == WE_IMG_JPEG && we_image_format_from_name("x.png") == WE_IMG_PNG &&
              we_image_format_from_name("x.webp") == WE_IMG_UNKNOWN && we_image_format_from_name("dir.png/x") == WE_IMG_UNKNOWN,
          "format from file name");
    we_tensor_free(&t);
}

static void test_convert(void)
{
    we_tensor t, f, u;
    int64_t shape[1] = {256};
    we_tensor_alloc(&t, WE_U8, 1, shape);
    for (int i = 0; i < 256; i++) ((uint8_t *)t.data)[i] = (uint8_t)i;
    int ok = we_image_u8_to_f32(&t, &f) == WE_OK && we_image_f32_to_u8(&f, &u) == WE_OK &&
             memcmp(t.data, u.data, 256) == 0;
    CHECK(ok, "u8 -> f32 -> u8 exact for all 256 values");
    const float *fv = f.data;
    CHECK(fv[0] == -1.0f && fv[255] == 1.0f && fabsf(fv[128] - (128 / 127.5f - 1)) < 1e-7f, "u8 -> f32 endpoints -1 and 1");
    we_tensor_free(&u);
    float *fw = f.data;
    fw[0] = 2.0f; fw[1] = -3.0f; fw[2] = NAN; fw[3] = INFINITY; fw[4] = -INFINITY;
    ok = we_image_to_u8(&f, &u) == WE_OK;
    const uint8_t *uv = u.data;
    CHECK(ok && uv[0] == 255 && uv[1] == 0 && uv[2] == 0 && uv[3] == 255 && uv[4] == 0, "f32 -> u8 clamps (NaN -> 0)");
    we_tensor_free(&u);
    we_tensor_free(&f);
    CHECK(we_image_f32_to_u8(&t, &u) == WE_EDATA, "f32_to_u8 on u8 input refused");
    we_tensor_free(&t);

    /* resize: constant images stay constant, shrinking and enlarging */
    int sizes[][4] = {{12, 16, 5, 7}, {12, 16, 30, 41}, {12, 16, 5, 40}, {7, 3, 7, 3}, {1, 1, 9, 4}, {100, 90, 1, 1}};
    for (int k = 0; k < 6; k++) {
        we_tensor c8, c32, r;
        we_tensor_alloc3(&c8, WE_U8, 3, sizes[k][0], sizes[k][1]);
        memset(c8.data, 173, we_tensor_nbytes(&c8));
        we_image_u8_to_f32(&c8, &c32);
        char what[96];
        ok = we_image_resize(&c8, sizes[k][2], sizes[k][3], &r) == WE_OK && r.dtype == WE_U8 && r.shape[0] == 3 &&
             r.shape[1] == sizes[k][2] && r.shape[2] == sizes[k][3];
        for (size_t i = 0; ok && i < we_tensor_nbytes(&r); i++) ok &= ((uint8_t *)r.data)[i] == 173;
        snprintf(what, sizeof what, "resize u8 constant %dx%d -> %dx%d stays constant", sizes[k][0], sizes[k][1],
                 sizes[k][2], sizes[k][3]);
        CHECK(ok, what);
        we_tensor_free(&r);
        ok = we_image_resize(&c32, sizes[k][2], sizes[k][3], &r) == WE_OK && r.dtype == WE_F32;
        float want = 173 / 127.5f - 1, md = 0;
        for (size_t i = 0; ok && i < we_tensor_count(&r); i++) md = fmaxf(md, fabsf(((float *)r.data)[i] - want));
        snprintf(what, sizeof what, "resize f32 constant %dx%d -> %dx%d stays constant", sizes[k][0], sizes[k][1],
                 sizes[k][2], sizes[k][3]);
        CHECK(ok && md < 1e-5f, what);
        we_tensor_free(&r);
        we_tensor_free(&c8);
        we_tensor_free(&c32);
    }
    {
        /* 2x area shrink averages 2x2 blocks; bilinear enlarge of [0, 100] */
        we_tensor a, r;
        we_tensor_alloc3(&a, WE_F32, 1, 2, 4);
        float v[8] = {0, 2, 4, 6, 10, 12, 14, 16};
        memcpy(a.data, v, sizeof v);
        ok = we_image_resize(&a, 1, 2, &r) == WE_OK;
        CHECK(ok && fabsf(((float *)r.data)[0] - 6) < 1e-5f && fabsf(((float *)r.data)[1] - 10) < 1e-5f,
              "area shrink 2x4 -> 1x2 averages blocks");
        we_tensor_free(&r);
        we_tensor_free(&a);
        we_tensor_alloc3(&a, WE_F32, 1, 1, 2);
        ((float *)a.data)[1] = 100;
        ok = we_image_resize(&a, 1, 4, &r) == WE_OK;
        const float *rv = r.data;
        CHECK(ok && fabsf(rv[0]) < 1e-5f && fabsf(rv[1] - 25) < 1e-4f && fabsf(rv[2] - 75) < 1e-4f &&
                  fabsf(rv[3] - 100) < 1e-5f,
              "bilinear enlarge 1x2 -> 1x4 with half-pixel centres: 0 25 75 100");
        we_tensor_free(&r);
        we_tensor_free(&a);
        we_tensor_alloc3(&a, WE_F32, 1, 3, 1);
        CHECK(we_image_resize(&a, 0, 3, &r) == WE_EUSAGE, "resize to 0 rows refused");
        we_tensor_free(&a);
        we_tensor_alloc3(&a, WE_U16, 1, 3, 1);
        CHECK(we_image_resize(&a, 2, 2, &r) == WE_EDATA, "resize of u16 refused");
        we_tensor_free(&a);
    }
    {
        we_tensor g, c3, c1;
        make_pattern(&g, 1);
        ok = we_image_to_channels(&g, 3, &c3) == WE_OK && c3.shape[0] == 3;
        for (int k = 0; ok && k < 3; k++) ok &= memcmp((uint8_t *)c3.data + k * H * W, g.data, H * W) == 0;
        CHECK(ok, "gray -> 3 channels copies the plane");
        uint8_t *p = c3.data;
        p[0] = 255; p[H * W] = 0; p[2 * H * W] = 0;          /* pure red */
        p[1] = 255; p[H * W + 1] = 255; p[2 * H * W + 1] = 255; /* white */
        p[2] = 0; p[H * W + 2] = 0; p[2 * H * W + 2] = 255;   /* pure blue */
        ok = we_image_to_channels(&c3, 1, &c1) == WE_OK && c1.shape[0] == 1;
        const uint8_t *q = c1.data;
        CHECK(ok && q[0] == 76 && q[1] == 255 && q[2] == 29 && q[3] == pat_gray(3, 0), "RGB -> gray uses BT.601 weights");
        we_tensor_free(&c1);
        we_tensor f3;
        we_image_u8_to_f32(&c3, &f3);
        ok = we_image_to_channels(&f3, 1, &c1) == WE_OK && c1.dtype == WE_F32;
        CHECK(ok && fabsf(((float *)c1.data)[1] - 1.0f) < 1e-6f, "RGB -> gray on f32 keeps white at 1");
        we_tensor_free(&c1);
        we_tensor_free(&f3);
        CHECK(we_image_to_channels(&c3, 2, &c1) == WE_EUSAGE, "to_channels 2 refused");
        we_tensor_free(&c3);
        ok = we_image_crop_square(&g, &c1) == WE_OK && c1.shape[1] == H && c1.shape[2] == H &&
             ((uint8_t *)c1.data)[0] == pat_gray(2, 0) && ((uint8_t *)c1.data)[H * H - 1] == pat_gray(13, 11);
        CHECK(ok, "centre crop 16x12 -> 12x12 starts at column 2");
        we_tensor_free(&c1);
        we_tensor_free(&g);
    }
}

/* a PNG header claiming w x h (CRC computed), nothing after */
static uint32_t crc32_(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static size_t huge_png(uint8_t *b, uint32_t w, uint32_t h)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(b, sig, 8);
    uint8_t *c = b + 8;
    c[0] = c[1] = c[2] = 0; c[3] = 13;
    memcpy(c + 4, "IHDR", 4);
    uint8_t *d = c + 8;
    d[0] = (uint8_t)(w >> 24); d[1] = (uint8_t)(w >> 16); d[2] = (uint8_t)(w >> 8); d[3] = (uint8_t)w;
    d[4] = (uint8_t)(h >> 24); d[5] = (uint8_t)(h >> 16); d[6] = (uint8_t)(h >> 8); d[7] = (uint8_t)h;
    d[8] = 8; d[9] = 2; d[10] = d[11] = d[12] = 0;
    uint32_t crc = crc32_(c + 4, 17);
    d[13] = (uint8_t)(crc >> 24); d[14] = (uint8_t)(crc >> 16); d[15] = (uint8_t)(crc >> 8); d[16] = (uint8_t)crc;
    return 8 + 25;
}

static int load(const char *path, uint8_t **buf, size_t *n) { return we_image_read_bytes(path, buf, n) == WE_OK; }

static void test_bad_inputs(void)
{
    we_tensor t;
    struct { const char *file; we_status want; const char *needle; } cases[] = {
        {"truncated.jpg", WE_EDATA, "JPEG"},     {"truncated.png", WE_EDATA, "truncated"},
        {"corrupt.png", WE_EDATA, "PNG"},        {"garbage.png", WE_EUNSUPP, "unrecognised"},
        {"empty.png", WE_EDATA, "empty"},        {"rgb.webp", WE_EUNSUPP, "WebP"},
        {"rgb.gif", WE_EUNSUPP, "GIF"},          {"rgb.bmp", WE_EUNSUPP, "BMP"},
        {"rgb.tiff", WE_EUNSUPP, "TIFF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[256], what[160];
        snprintf(path, sizeof path, FIX "%s", cases[i].file);
        we_err_clear();
        we_status s = we_image_read_file(path, &t);
        const char *d = we_err_detail();
        snprintf(what, sizeof what, "%s -> %s (%s)", cases[i].file, we_err_str(cases[i].want), d);
        CHECK(s == cases[i].want && strstr(d, cases[i].needle) && !strchr(d, '\n') && t.data == NULL, what);
        we_tensor_free(&t);
    }
    CHECK(we_image_read_file(FIX "no-such-file.png", &t) == WE_ENOINPUT, "missing file -> WE_ENOINPUT");
    CHECK(we_image_read_file("tests/fixtures", &t) == WE_ENOINPUT, "directory -> WE_ENOINPUT");
    CHECK(we_image_decode(NULL, 0, &t) == WE_EDATA, "NULL/zero-length buffer -> WE_EDATA");

    uint8_t b[64];
    size_t n = huge_png(b, 100000, 100000);
    we_err_clear();
    we_status s = we_image_decode(b, n, &t);
    CHECK(s == WE_ELIMIT && strstr(we_err_detail(), "limit"), "PNG header 100000x100000 -> WE_ELIMIT before allocating");
    n = huge_png(b, 0x7fffffff, 0x7fffffff);
    s = we_image_decode(b, n, &t);
    CHECK(s != WE_OK && t.data == NULL, "PNG header 2^31-1 squared refused");
    n = huge_png(b, 64, 64);
    s = we_image_decode(b, n, &t);
    CHECK(s == WE_EDATA && t.data == NULL, "PNG header only (no IDAT) -> WE_EDATA");
    s = we_image_decode_max(b, n, 100, &t);
    CHECK(s == WE_ELIMIT, "decode_max honours a small pixel limit");

    /* JPEG: patch the SOF dimensions of a real file to 65000 x 65000 */
    uint8_t *jb;
    size_t jn;
    if (load(FIX "rgb.jpg", &jb, &jn)) {
        int patched = 0;
        for (size_t i = 2; i + 9 < jn; i++)
            if (jb[i] == 0xff && (jb[i + 1] == 0xc0 || jb[i + 1] == 0xc2)) {
                jb[i + 5] = 0xfd; jb[i + 6] = 0xe8; jb[i + 7] = 0xfd; jb[i + 8] = 0xe8;
                patched = 1;
                break;
            }
        we_err_clear();
        s = we_image_decode(jb, jn, &t);
        CHECK(patched && s == WE_ELIMIT && t.data == NULL, "JPEG SOF 65000x65000 -> WE_ELIMIT");
        free(jb);
    }
    /* 12-bit precision and the lossless process: valid JPEG, not supported */
    for (int k = 0; k < 2; k++) {
        if (!load(FIX "rgb.jpg", &jb, &jn)) break;
        for (size_t i = 2; i + 9 < jn; i++)
            if (jb[i] == 0xff && jb[i + 1] == 0xc0) {
                if (k == 0) jb[i + 4] = 12;
                else jb[i + 1] = 0xc3;
                break;
            }
        we_err_clear();
        s = we_image_decode(jb, jn, &t);
        CHECK(s == WE_EUNSUPP && strstr(we_err_detail(), "unsupported JPEG") && t.data == NULL,
              k == 0 ? "12-bit JPEG -> WE_EUNSUPP" : "lossless JPEG (SOF3) -> WE_EUNSUPP");
        free(jb);
    }
    /* every prefix of a valid PNG and JPEG: no crash, clean status */
    const char *whole[] = {"rgb.png", "interlaced.png", "rgb.jpg", "progressive.jpg", "orient6.jpg", "cmyk.jpg"};
    for (int k = 0; k < 6; k++) {
        char path[256], what[128];
        snprintf(path, sizeof path, FIX "%s", whole[k]);
        uint8_t *buf;
        size_t len;
        int good = load(path, &buf, &len), clean = good, nok = 0;
        for (size_t m = 0; good && m < len; m++) {
            uint8_t *cp = malloc(m ? m : 1); /* exact-size copy so ASan sees overreads */
            memcpy(cp, buf, m);
            s = we_image_decode(cp, m, &t);
            if (s == WE_OK) nok++;
            else clean &= t.data == NULL && *we_err_detail() != 0;
            we_tensor_free(&t);
            free(cp);
        }
        snprintf(what, sizeof what, "%s cut at every length: clean statuses (%d prefixes decoded)", whole[k], nok);
        CHECK(clean && nok <= 16, what); /* only prefixes missing the trailer (IEND, EOI) decode */
        free(good ? buf : NULL);
    }
}

/* Every file kept by the fuzzers in tests/fuzz/regress/: decodes or fails
 * with a status and a detail, never crashes. */
static void test_regressions(void)
{
    const char *dirs[] = {"tests/fuzz/regress/image"};
    for (int k = 0; k < 1; k++) {
        DIR *d = opendir(dirs[k]);
        int files = 0, clean = 1;
        for (struct dirent *e; d && (e = readdir(d));) {
            if (e->d_name[0] == '.') continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dirs[k], e->d_name);
            uint8_t *buf;
            size_t n;
            if (!load(path, &buf, &n)) continue;
            we_tensor t;
            we_err_clear();
            we_status s = we_image_decode_max(buf, n, 1u << 22, &t);
            if (s == WE_OK) {
                uint8_t *enc;
                size_t en;
                clean &= we_image_encode_png(&t, &enc, &en) == WE_OK;
                free(enc);
            } else {
                if (t.data || !*we_err_detail() || s >= WE_STATUS_COUNT) {
                    printf("     %s: status %d detail '%s'\n", path, s, we_err_detail());
                    clean = 0;
                }
            }
            we_tensor_free(&t);
            free(buf);
            files++;
        }
        if (d) closedir(d);
        char what[128];
        snprintf(what, sizeof what, "%s: %d regression files decode or fail cleanly", dirs[k], files);
        CHECK(clean, what);
    }
}

static void test_sniff(void)
{
    const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, jpg[3] = {0xff, 0xd8, 0xff};
    CHECK(we_image_sniff(png, 8) == WE_IMG_PNG, "sniff PNG");
    CHECK(we_image_sniff(jpg, 3) == WE_IMG_JPEG, "sniff JPEG");
    CHECK(we_image_sniff(png, 7) == WE_IMG_UNKNOWN && we_image_sniff(jpg, 2) == WE_IMG_UNKNOWN, "sniff short buffers");
    const char *heic = "\0\0\0\x18" "ftypheic\0\0\0\0", *avif = "\0\0\0\x18" "ftypavif\0\0\0\0";
    CHECK(!strcmp(we_image_format_guess((const uint8_t *)heic, 16), "HEIF"), "guess HEIF");
    CHECK(!strcmp(we_image_format_guess((const uint8_t *)avif, 16), "AVIF"), "guess AVIF");
    CHECK(!strcmp(we_image_format_guess((const uint8_t *)"P6\n16 12\n255\n", 13), "PNM"), "guess PNM");
    CHECK(!strcmp(we_image_format_guess((const uint8_t *)"<!DOCTYPE html><html>", 21), "HTML"), "guess HTML");
    we_tensor t;
    we_err_clear();
    CHECK(we_image_decode((const uint8_t *)heic, 16, &t) == WE_EUNSUPP && strstr(we_err_detail(), "HEIF"),
          "HEIF refused with its name");
}

int main(void)
{
    if (access(FIX "rgb.png", R_OK) != 0) {
        printf("FAIL fixtures not found: run from the repository root\n");
        return check_summary() + 1;
    }
    test_sniff();
    test_png();
    test_jpeg();
    test_exif_parser();
    test_cmyk_ycck();
    test_arith();
    test_encode();
    test_convert();
    test_bad_inputs();
    test_regressions();
    return check_summary();
}
