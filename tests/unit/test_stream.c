/* test_stream.c - the WES1 reader/writer, items, limits, npy, f16. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_compare.h"
#include "we_npy.h"
#include "we_stream.h"

/* Read every frame of an in-memory stream; return the final status and
 * the number of frames read. */
static we_status read_all(const char *buf, size_t n, long *frames, uint64_t max_bytes)
{
    FILE *f = fmemopen((void *)buf, n, "rb");
    we_reader r;
    we_reader_init(&r, f, "mem");
    if (max_bytes) r.max_bytes = max_bytes;
    we_frame fr;
    we_frame_init(&fr);
    we_status s;
    long k = 0;
    while ((s = we_reader_frame(&r, &fr)) == WE_OK) k++;
    we_frame_free(&fr);
    we_reader_free(&r);
    fclose(f);
    *frames = k;
    return s;
}

static we_status read_str(const char *s, long *frames) { return read_all(s, strlen(s), frames, 0); }

static void test_roundtrip(void)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    we_frame fr;
    we_frame_init(&fr);
    CHECK(we_frame_set_name(&fr, "image") == WE_OK, "set name");
    CHECK(we_tensor_alloc3(&fr.t, WE_F32, 3, 4, 5) == WE_OK, "alloc 3x4x5");
    float *p = fr.t.data;
    for (int i = 0; i < 60; i++) p[i] = (float)i * 0.25f - 3;
    CHECK(we_frame_set(&fr, "id", "photo.jpg#0") == WE_OK, "set id");
    CHECK(we_frame_set(&fr, "note", "cười tươi lên") == WE_OK, "UTF-8 value accepted");
    CHECK(we_frame_set(&fr, "id", "photo.jpg#1") == WE_OK && fr.nkv == 2, "replace keeps one key");
    CHECK(we_frame_set(&fr, "Bad", "x") == WE_EUSAGE, "uppercase key refused");
    CHECK(we_frame_set(&fr, "k", "a\nb") == WE_EUSAGE, "newline in value refused");
    CHECK(we_frame_set(&fr, "k", "\xc3\x28") == WE_EUSAGE, "invalid UTF-8 refused");
    CHECK(we_frame_set(&fr, "k", "\xed\xa0\x80") == WE_EUSAGE, "UTF-8 surrogate refused");
    CHECK(we_frame_write(f, &fr) == WE_OK, "write frame 1");
    fflush(f);
    size_t b1 = len;
    we_frame g;
    we_frame_init(&g);
    we_frame_set_name(&g, "landmarks");
    int64_t sh[2] = {68, 2};
    we_tensor_alloc(&g.t, WE_F32, 2, sh);
    we_frame_set(&g, "id", "photo.jpg#1");
    CHECK(we_frame_write(f, &g) == WE_OK, "write frame 2");
    fflush(f);
    size_t b2 = len;
    we_frame_free(&g);
    we_frame_init(&g);
    we_frame_set_name(&g, "other");
    int64_t one = 1;
    we_tensor_alloc(&g.t, WE_U8, 1, &one);
    we_frame_write(f, &g); /* no id: an item by itself */
    we_frame_free(&g);
    fclose(f);
    CHECK(strncmp(mem, "WES1 image f32 3 4 5\nid=photo.jpg#1\n", 36) == 0, "header text as specified");

    FILE *in = fmemopen(mem, len, "rb");
    we_reader r;
    we_reader_init(&r, in, "mem");
    we_item it;
    we_item_init(&it);
    CHECK(we_reader_item(&r, &it) == WE_OK && it.n == 2, "first item has 2 frames");
    CHECK(strcmp(we_item_id(&it), "photo.jpg#1") == 0, "item id");
    we_frame *im = we_item_find(&it, "image");
    CHECK(im && im->t.rank == 3 && im->t.shape[2] == 5, "shape survives");
    CHECK(im && memcmp(im->t.data, fr.t.data, 240) == 0, "payload survives bit for bit");
    CHECK(im && strcmp(we_frame_get(im, "note"), "cười tươi lên") == 0, "UTF-8 value survives");
    CHECK(we_reader_item(&r, &it) == WE_OK && it.n == 1 && strcmp(it.f[0].name, "other") == 0, "frame without id is its own item");
    CHECK(we_reader_item(&r, &it) == WE_EOF, "clean EOF between frames");
    we_item_free(&it);
    we_reader_free(&r);
    fclose(in);

    /* truncate at every byte: each prefix is a clean end (at frame
     * boundaries) or a truncation error, never anything else */
    int bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        long k;
        we_status s = read_all(mem, cut, &k, 0);
        int boundary = cut == 0 || cut == b1 || cut == b2;
        if (boundary ? s != WE_EOF : s != WE_ETRUNC) {
            if (!bad) printf("     prefix of %zu bytes: %s\n", cut, we_err_str(s));
            bad++;
        }
    }
    CHECK(bad == 0, "every proper prefix: clean end at boundaries, 'truncated' elsewhere");
    we_frame_free(&fr);
    free(mem);
}

static void test_errors(void)
{
    long k;
    CHECK(read_str("", &k) == WE_EOF && k == 0, "empty stream is a clean end");
    CHECK(read_str("GARBAGE\n", &k) == WE_EDATA, "bad magic");
    CHECK(read_str("WES2 x u8 1\n\n\1", &k) == WE_EDATA, "wrong version magic");
    CHECK(read_str("WES1 x u7 1\n\n\1", &k) == WE_EDATA, "unknown dtype");
    CHECK(read_str("WES1 X u8 1\n\n\1", &k) == WE_EDATA, "bad name");
    CHECK(read_str("WES1 x u8\n\n", &k) == WE_EDATA, "no shape");
    CHECK(read_str("WES1 x u8 0\n\n", &k) == WE_EDATA, "zero dim");
    CHECK(read_str("WES1 x u8 -1\n\n", &k) == WE_EDATA, "negative dim");
    CHECK(read_str("WES1 x u8 1 1 1 1 1 1 1 1 1\n\n\1", &k) == WE_EDATA, "rank 9");
    CHECK(read_str("WES1 x u8 1 1 1 1 1 1 1 1\n\n\1", &k) == WE_EOF && k == 1, "rank 8 accepted");
    CHECK(read_str("WES1 x f32 1099511627776\n\n", &k) == WE_ELIMIT, "2^40-element header refused before allocating");
    CHECK(read_str("WES1 x f32 4294967296 4294967296 4294967296\n\n", &k) == WE_ELIMIT, "overflowing shape refused");
    CHECK(read_str("WES1 x u8 99999999999999999999999\n\n", &k) == WE_EDATA, "dim beyond 64 bits refused");
    CHECK(read_str("WES1 x u8 1\nid\n\n\1", &k) == WE_EDATA, "key line without '='");
    CHECK(read_str("WES1 x u8 1\nid=a\nid=b\n\n\1", &k) == WE_EDATA, "duplicate key");
    CHECK(read_str("WES1 x u8 1\nBAD=a\n\n\1", &k) == WE_EDATA, "bad key");
    CHECK(read_str("WES1 x u8 1\r\n\r\n\1", &k) == WE_EDATA, "CRLF header refused");
    CHECK(read_str("WES1 x u8 1\n\n", &k) == WE_ETRUNC, "missing payload");
    CHECK(read_str("WES1 x u8 1\nid=a", &k) == WE_ETRUNC, "EOF inside the header");
    CHECK(read_str("WES1 x u8 1\n\n\1WES1 x", &k) == WE_ETRUNC && k == 1, "truncated second frame after a good one");
    CHECK(read_all("WES1 x u8 1\n\0\n\1", 15, &k, 0) == WE_EDATA, "NUL in header");
    CHECK(read_all("WES1 x u8 100\n\n", 15, &k, 50) == WE_ELIMIT, "custom limit applies");
    /* a 100 KB header line is refused without reading on forever */
    size_t n = 100000;
    char *big = malloc(n + 16);
    memcpy(big, "WES1 x u8 1\nk=", 14);
    memset(big + 14, 'a', n);
    CHECK(read_all(big, n + 14, &k, 0) == WE_ELIMIT, "over-long header line refused");
    free(big);
}

static void test_f16(void)
{
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = we_f16_to_f32((uint16_t)h);
        if (f != f) continue; /* NaN payloads may differ */
        if (we_f32_to_f16(f) != h) bad++;
    }
    CHECK(bad == 0, "f16 -> f32 -> f16 is exact for every non-NaN half");
    CHECK(we_f32_to_f16(1.0f) == 0x3c00 && we_f32_to_f16(-2.0f) == 0xc000, "f16 of 1 and -2");
    CHECK(we_f32_to_f16(65520.0f) == 0x7c00, "f16 overflow rounds to inf");
    CHECK(we_f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00, "f16 tie rounds to even");
    CHECK(we_f16_to_f32(0x0001) == 5.9604644775390625e-08f, "smallest subnormal");
}

static void test_npy(void)
{
    we_tensor t;
    int64_t sh[2] = {2, 3};
    we_tensor_alloc(&t, WE_F32, 2, sh);
    for (int i = 0; i < 6; i++) ((float *)t.data)[i] = (float)i / 3;
    uint8_t *buf;
    size_t n;
    CHECK(we_npy_encode(&t, &buf, &n) == WE_OK && n % 64 == 24 % 64 + 0 * n, "encode");
    CHECK((n - 24) % 64 == 0, "npy data starts at a multiple of 64");
    we_tensor u;
    CHECK(we_npy_parse(buf, n, 1 << 20, &u) == WE_OK, "parse back");
    CHECK(u.rank == 2 && u.shape[0] == 2 && u.shape[1] == 3 && !memcmp(u.data, t.data, 24), "npy round trip");
    we_tensor_free(&u);
    int bad = 0;
    for (size_t cut = 0; cut < n; cut++) {
        we_status s = we_npy_parse(buf, cut, 1 << 20, &u);
        if (s == WE_OK) { bad++; we_tensor_free(&u); }
    }
    CHECK(bad == 0, "every truncated npy is refused");
    CHECK(we_npy_parse(buf, n, 8, &u) == WE_ELIMIT, "npy limit applies");
    /* a hand-made v1.0 header padded to 64 bytes, as numpy writes it */
    uint8_t b8[128 + 16];
    memset(b8, ' ', 128);
    memcpy(b8, "\x93NUMPY\x01\x00\x76\x00", 10);
    const char *dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    memcpy(b8 + 10, dict, strlen(dict));
    b8[127] = '\n';
    double d[2] = {0.5, -1e3};
    memcpy(b8 + 128, d, 16);
    CHECK(we_npy_parse(b8, 144, 1 << 20, &u) == WE_OK && u.dtype == WE_F32 && ((float *)u.data)[1] == -1000.0f, "f8 -> f32");
    we_tensor_free(&u);
    memcpy(b8 + 20, "'>f8'", 5);
    CHECK(we_npy_parse(b8, 144, 1 << 20, &u) == WE_EUNSUPP, "big-endian refused");
    free(buf);
    we_tensor_free(&t);
}

static void test_compare(void)
{
    we_tensor a, b;
    int64_t n = 4;
    we_tensor_alloc(&a, WE_F32, 1, &n);
    we_tensor_alloc(&b, WE_F32, 1, &n);
    float *pa = a.data, *pb = b.data;
    pa[0] = 1; pb[0] = 1.001f;
    pa[3] = NAN; pb[3] = NAN;
    we_compare_result r;
    we_compare_tensors(&a, &b, 0, 0, &r);
    CHECK(r.n_bad == 1 && r.first_bad == 0, "exact compare finds the one difference; NaN==NaN");
    we_compare_tensors(&a, &b, 0.01, 0, &r);
    CHECK(r.n_bad == 0, "absolute tolerance");
    we_compare_tensors(&a, &b, 0, 0.01, &r);
    CHECK(r.n_bad == 0 && r.max_rel > 0.0009, "relative tolerance");
    we_tensor_free(&a);
    we_tensor_free(&b);
}

static void test_read_file(void)
{
    we_frame fr;
    we_frame_init(&fr);
    CHECK(we_frame_read_file("/nonexistent/x.wes", &fr) == WE_ENOINPUT, "read_file: missing file");
    CHECK(we_frame_read_file("/dev/null", &fr) == WE_EDATA, "read_file: empty file holds no frame");
    char path[] = "/tmp/test_stream_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "wb");
    fputs("WES1 x u8 2\nid=a\n\n\1\2", f);
    fclose(f);
    CHECK(we_frame_read_file(path, &fr) == WE_OK && fr.t.shape[0] == 2 && ((uint8_t *)fr.t.data)[1] == 2,
          "read_file: first frame");
    unlink(path);
    we_frame_free(&fr);
}

int main(void)
{
    test_read_file();
    test_roundtrip();
    test_errors();
    test_f16();
    test_npy();
    test_compare();
    return check_summary();
}
