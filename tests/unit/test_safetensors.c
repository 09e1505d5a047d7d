/* test_safetensors.c - safetensors writer/reader round trip, a file written
 * by the Python reference, and malformed headers that must be refused
 * (never crash). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_safetensors.h"

/* Build a file from a header string and n data bytes. */
static size_t mk(uint8_t *buf, const char *hdr, size_t ndata)
{
    uint64_t hl = strlen(hdr);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(hl >> (8 * i));
    memcpy(buf + 8, hdr, hl);
    memset(buf + 8 + hl, 0, ndata);
    return 8 + hl + ndata;
}

static we_status parse_str(const char *hdr, size_t ndata)
{
    static uint8_t buf[1 << 16];
    size_t n = mk(buf, hdr, ndata);
    we_st_file f;
    we_status s = we_st_parse(&f, buf, n);
    if (!s) we_st_free(&f);
    return s;
}

int main(void)
{
    /* round trip */
    float a[6] = {1, 2, 3, 4, 5, 6};
    double dd[2] = {0.5, -1e300};
    int32_t ii[3] = {-1, 0, 7};
    we_st_writer w;
    we_st_writer_init(&w);
    int64_t s23[2] = {2, 3}, s2[1] = {2}, s3[1] = {3};
    CHECK(we_st_writer_add(&w, "a.weight", WE_ST_F32, 2, s23, a) == WE_OK, "add f32");
    CHECK(we_st_writer_add(&w, "d", WE_ST_F64, 1, s2, dd) == WE_OK, "add f64");
    CHECK(we_st_writer_add(&w, "name \"with\" quote\\", WE_ST_I32, 1, s3, ii) == WE_OK, "add name needing escapes");
    CHECK(we_st_writer_add(&w, "d", WE_ST_F32, 1, s2, a) == WE_EUSAGE, "duplicate name refused");
    CHECK(we_st_writer_meta(&w, "k", "v\n\"x\"") == WE_OK && we_st_writer_meta(&w, "k", "v2") == WE_OK, "metadata set/replace");
    char path[] = "/tmp/test_st_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK(we_st_writer_save(&w, path) == WE_OK, "save");
    we_st_writer_free(&w);
    we_st_file f;
    CHECK(we_st_read(&f, path) == WE_OK, "read back");
    CHECK(f.data_start % 8 == 0, "header padded to 8 bytes");
    float a2[6];
    CHECK(we_st_get_f32(&f, "a.weight", a2, 6, 2, s23) == WE_OK && !memcmp(a, a2, sizeof a), "f32 tensor round trip");
    double d2[2];
    CHECK(we_st_get_f64(&f, "d", d2, 2) == WE_OK && d2[1] == -1e300, "f64 tensor round trip");
    int32_t i2[3];
    CHECK(we_st_get_i32(&f, "name \"with\" quote\\", i2, 3) == WE_OK && i2[0] == -1 && i2[2] == 7, "escaped name round trip");
    CHECK(we_st_meta(&f, "k") && !strcmp(we_st_meta(&f, "k"), "v2"), "metadata round trip");
    int64_t s32[2] = {3, 2};
    CHECK(we_st_get_f32(&f, "a.weight", a2, 6, 2, s32) == WE_EDATA, "shape mismatch refused");
    CHECK(we_st_get_f32(&f, "missing", a2, 6, 0, NULL) == WE_EDATA, "missing tensor refused");
    CHECK(we_st_get_f32(&f, "a.weight", a2, 5, 0, NULL) == WE_EDATA, "count mismatch refused");
    we_st_free(&f);
    unlink(path);
    CHECK(we_st_read(&f, "/nonexistent/x.safetensors") == WE_ENOINPUT, "missing file -> ENOINPUT");

    /* a file written by tests/ref/gen_model_golden.py */
    CHECK(we_st_read(&f, "tests/golden/model/batch.safetensors") == WE_OK, "python-written file parses");
    const we_st_entry *e = we_st_find(&f, "x0");
    CHECK(e && e->dtype == WE_ST_F32 && e->rank == 4 && e->shape[1] == 4, "python entry dtype/shape");
    we_st_free(&f);

    /* malformed input */
    CHECK(parse_str("{}", 0) == WE_OK, "empty object ok");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8) == WE_OK, "minimal ok");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4) == WE_EDATA, "data past end");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8) == WE_EDATA, "size/shape mismatch");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8) == WE_EDATA, "reversed offsets");
    CHECK(parse_str("{\"a\":{\"dtype\":\"Q8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 8) == WE_EUNSUPP, "unknown dtype");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 8) == WE_EDATA, "rank 9");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", 8) != WE_OK, "overflowing shape");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999999],\"data_offsets\":[0,4]}}", 8) == WE_EDATA, "huge integer");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 8) == WE_EDATA, "negative dim");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8) == WE_EDATA, "duplicate name");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 8) == WE_EDATA, "missing offsets");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 8) == WE_EDATA, "unterminated object");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x", 8) == WE_EDATA, "trailing garbage");
    CHECK(parse_str("{\"a\\u0000\":{}}", 8) == WE_EDATA, "NUL escape in a name");
    CHECK(parse_str("{\"\\ud800\":{}}", 8) == WE_EDATA, "lone surrogate");
    CHECK(parse_str("{\"__metadata__\":{\"k\":1}}", 0) == WE_EDATA, "non-string metadata value");
    CHECK(parse_str("{\"__metadata__\":{\"k\":\"\\u00e9\\ud83d\\ude00\"}}", 0) == WE_OK, "unicode escapes in metadata");
    CHECK(parse_str("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":[1,{\"x\":[true,null]}]}}", 8) == WE_OK,
          "unknown fields skipped");
    uint8_t small[4] = {1, 2, 3, 4};
    CHECK(we_st_parse(&f, small, 4) == WE_EDATA, "file shorter than 8 bytes");
    uint8_t big[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    CHECK(we_st_parse(&f, big, 16) == WE_ELIMIT, "header length above the limit");
    uint8_t past[16] = {100, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    CHECK(we_st_parse(&f, past, 16) == WE_EDATA, "header length past end of file");
    /* every truncation of a valid file is refused cleanly */
    {
        static uint8_t buf[4096];
        size_t n = mk(buf, "{\"__metadata__\":{\"a\":\"b\"},\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 16);
        int bad = 0;
        for (size_t k = 0; k < n; k++) {
            we_status s = we_st_parse(&f, buf, k);
            if (s == WE_OK) { bad++; we_st_free(&f); }
        }
        CHECK(bad == 0, "every truncated file refused");
        CHECK(we_st_parse(&f, buf, n) == WE_OK, "the whole file parses");
        we_st_free(&f);
    }
    return check_summary();
}
