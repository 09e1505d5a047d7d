/* we_image_png.c - PNG decode/encode with libpng.
 *
 * Decoding accepts every PNG colour type and bit depth, interlaced or not:
 * gray (1/2/4/8/16 bit) -> 1 channel; gray+alpha -> 1 channel (alpha
 * dropped); RGB, RGBA, palette (tRNS ignored) -> 3 channels. 16-bit samples
 * are rounded to 8 bits (v/257, libpng's accurate scaling). Errors longjmp
 * back with the message in the status detail; warnings are silenced.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "we_image_priv.h"

typedef struct {
    const uint8_t *buf;
    size_t n, pos;
    char msg[256];
} we_png_src;

typedef struct {
    uint8_t *buf;
    size_t n, cap;
    int oom;
    char msg[256];
} we_png_dst;

static void png_err_read(png_structp png, png_const_charp msg)
{
    we_png_src *s = png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void png_err_write(png_structp png, png_const_charp msg)
{
    we_png_dst *d = png_get_error_ptr(png);
    snprintf(d->msg, sizeof d->msg, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void png_warn_quiet(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static void png_read_mem(png_structp png, png_bytep data, size_t len)
{
    we_png_src *s = png_get_io_ptr(png);
    if (len > s->n - s->pos) png_error(png, "truncated PNG (unexpected end of data)");
    memcpy(data, s->buf + s->pos, len);
    s->pos += len;
}

we_status we_image_decode_png(const uint8_t *buf, size_t n, uint64_t max_pixels, we_tensor *out)
{
    we_png_src src = {buf, n, 0, {0}};
    png_structp png = NULL;
    png_infop info = NULL;
    uint8_t *volatile pix = NULL;
    png_bytep *volatile rows = NULL;
    we_tensor *volatile res = out;
    volatile we_status st = WE_EDATA;

    memset(out, 0, sizeof *out);
    /* check the IHDR dimensions first: libpng reads on to the first IDAT in
     * png_read_info, and a header-only bomb should be named as such */
    if (n >= 24 && memcmp(buf + 12, "IHDR", 4) == 0) {
        uint64_t hw = (uint64_t)buf[16] << 24 | (uint64_t)buf[17] << 16 | (uint64_t)buf[18] << 8 | buf[19];
        uint64_t hh = (uint64_t)buf[20] << 24 | (uint64_t)buf[21] << 16 | (uint64_t)buf[22] << 8 | buf[23];
        if (hw * hh > max_pixels)
            return we_err_set(WE_ELIMIT, "PNG is %llux%llu, more than the %llu pixel limit (WE_MAX_PIXELS raises it)", (unsigned long long)hw,
                              (unsigned long long)hh, (unsigned long long)max_pixels);
    }
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_err_read, png_warn_quiet);
    if (!png) return we_err_set(WE_ENOMEM, "cannot create PNG decoder");
    info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return we_err_set(WE_ENOMEM, "cannot create PNG decoder");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(pix);
        free(rows);
        we_tensor_free(res);
        if (st == WE_EDATA) return we_err_set(WE_EDATA, "corrupt PNG: %s", src.msg);
        return st;
    }
    png_set_read_fn(png, &src, png_read_mem);
    /* ancillary chunks with bad CRCs are skipped, critical ones are errors */
    png_set_crc_action(png, PNG_CRC_DEFAULT, PNG_CRC_DEFAULT);
    png_read_info(png, info);

    png_uint_32 w, h;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
    if ((uint64_t)w * h > max_pixels) {
        st = we_err_set(WE_ELIMIT, "PNG is %lux%lu, more than the %llu pixel limit (WE_MAX_PIXELS raises it)", (unsigned long)w,
                        (unsigned long)h, (unsigned long long)max_pixels);
        png_longjmp(png, 1);
    }

    int c;
    if (ctype == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
        c = 3;
    } else if (ctype & PNG_COLOR_MASK_COLOR) {
        c = 3;
    } else {
        c = 1;
        if (depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    }
    if (depth == 16) png_set_scale_16(png);
    /* also after palette_to_rgb, which turns a tRNS chunk into alpha */
    png_set_strip_alpha(png);
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (png_get_channels(png, info) != c || png_get_bit_depth(png, info) != 8 || rowbytes != (size_t)w * c) {
        snprintf(src.msg, sizeof src.msg, "unexpected PNG layout after conversion");
        png_longjmp(png, 1);
    }
    pix = malloc((size_t)h * rowbytes);
    rows = malloc((size_t)h * sizeof *rows);
    if (!pix || !rows) {
        st = we_err_set(WE_ENOMEM, "out of memory decoding a %lux%lu PNG", (unsigned long)w, (unsigned long)h);
        png_longjmp(png, 1);
    }
    for (size_t y = 0; y < h; y++) rows[y] = pix + y * rowbytes;
    png_read_image(png, rows);
    /* the trailing chunks (and IEND) are not needed: not reading them
     * accepts files cut after the image data */

    we_status s = we_tensor_alloc3(out, WE_U8, c, h, w);
    if (s) { st = s; png_longjmp(png, 1); }
    uint8_t *d = out->data;
    size_t plane = (size_t)w * h;
    for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) d[(size_t)ch * plane + y * w + x] = pix[y * rowbytes + x * (size_t)c + (size_t)ch];
    png_destroy_read_struct(&png, &info, NULL);
    free(pix);
    free(rows);
    return WE_OK;
}

static void png_write_mem(png_structp png, png_bytep data, size_t len)
{
    we_png_dst *d = png_get_io_ptr(png);
    if (len > d->cap - d->n) {
        size_t cap = d->cap ? d->cap : 4096;
        while (cap - d->n < len) {
            if (cap > SIZE_MAX / 2) png_error(png, "PNG too large");
            cap *= 2;
        }
        uint8_t *nb = realloc(d->buf, cap);
        if (!nb) {
            d->oom = 1;
            png_error(png, "out of memory");
        }
        d->buf = nb;
        d->cap = cap;
    }
    memcpy(d->buf + d->n, data, len);
    d->n += len;
}

static void png_flush_mem(png_structp png) { (void)png; }

we_status we_image_encode_png(const we_tensor *img, uint8_t **buf, size_t *n)
{
    we_png_dst dst = {NULL, 0, 0, 0, {0}};
    png_structp png = NULL;
    png_infop info = NULL;
    uint8_t *volatile row = NULL;
    we_tensor u8 = {0};

    *buf = NULL;
    *n = 0;
    we_status s = img->dtype == WE_U8 ? we_tensor_copy(&u8, img) : we_image_to_u8(img, &u8);
    if (s) return s;
    s = we_image_check_u8(&u8);
    if (s) { we_tensor_free(&u8); return s; }
    size_t c = (size_t)u8.shape[0], h = (size_t)u8.shape[1], w = (size_t)u8.shape[2];
    if (w > 0x7fffffff || h > 0x7fffffff) {
        we_tensor_free(&u8);
        return we_err_set(WE_ELIMIT, "image %zux%zu is too large for PNG", w, h);
    }
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &dst, png_err_write, png_warn_quiet);
    if (!png) { we_tensor_free(&u8); return we_err_set(WE_ENOMEM, "cannot create PNG encoder"); }
    info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        we_tensor_free(&u8);
        return we_err_set(WE_ENOMEM, "cannot create PNG encoder");
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        free(dst.buf);
        we_tensor_free(&u8);
        if (dst.oom) return we_err_set(WE_ENOMEM, "out of memory encoding PNG");
        return we_err_set(WE_EINTERNAL, "PNG encoder: %s", dst.msg);
    }
    png_set_write_fn(png, &dst, png_write_mem, png_flush_mem);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, c == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 6);
    png_write_info(png, info);
    row = malloc(w * c);
    if (!row) {
        dst.oom = 1;
        png_error(png, "out of memory");
    }
    const uint8_t *px = u8.data;
    for (size_t y = 0; y < h; y++) {
        for (size_t ch = 0; ch < c; ch++)
            for (size_t x = 0; x < w; x++) row[x * c + ch] = px[ch * w * h + y * w + x];
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    we_tensor_free(&u8);
    *buf = dst.buf;
    *n = dst.n;
    return WE_OK;
}
