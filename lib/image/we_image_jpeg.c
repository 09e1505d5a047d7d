/* we_image_jpeg.c - JPEG decode/encode with libjpeg-turbo.
 *
 * Decoding accepts baseline, progressive, arithmetic, grayscale, RGB,
 * YCbCr, CMYK and YCCK (Adobe-inverted or not) and returns u8 C x H x W
 * with C = 1 (grayscale) or 3. The EXIF orientation tag is applied.
 *
 * libjpeg errors never exit or print: the error manager formats the message
 * into the status detail and longjmps back. Warnings are counted; a file
 * whose entropy-coded data is truncated or corrupt ("premature end of data",
 * "bad Huffman code", ...) is rejected as WE_EDATA rather than returned
 * with the missing part filled with gray. A baseline file that lacks only
 * its final EOI marker (every pixel present) is accepted.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "we_image_priv.h"

#define WE_JPEG_MAX_SCANS 500 /* progressive files with more scans are refused */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    char msg[JMSG_LENGTH_MAX];
    int corrupt;                  /* a warning that means data is missing */
    int pixels_done;              /* every scanline read: a missing EOI is harmless */
    int unsupported;              /* a valid file using a feature libjpeg lacks */
    char warn[JMSG_LENGTH_MAX];   /* first such warning */
    unsigned char *outbuf;        /* encoder: jpeg_mem_dest buffer (malloc'd) */
    unsigned long outsize;
} we_jpeg_err;

typedef struct {
    struct jpeg_progress_mgr pub;
    int too_many_scans;
} we_jpeg_progress;

static void jpeg_err_exit(j_common_ptr cinfo)
{
    we_jpeg_err *e = (we_jpeg_err *)cinfo->err;
    e->pub.format_message(cinfo, e->msg);
    switch (e->pub.msg_code) { /* valid files this build cannot decode */
    case JERR_BAD_PRECISION:      /* 12-bit */
    case JERR_SOF_UNSUPPORTED:    /* lossless, hierarchical */
    case JERR_NOT_COMPILED:
    case JERR_ARITH_NOTIMPL:
    case JERR_CONVERSION_NOTIMPL:
        e->unsupported = 1;
        break;
    default:
        break;
    }
    longjmp(e->jb, 1);
}

static void jpeg_err_emit(j_common_ptr cinfo, int level)
{
    we_jpeg_err *e = (we_jpeg_err *)cinfo->err;
    if (level >= 0) return; /* trace messages */
    e->pub.num_warnings++;
    switch (e->pub.msg_code) {
    case JWRN_JPEG_EOF:        /* premature end of data */
    case JWRN_HIT_MARKER:      /* premature end of data segment */
    case JWRN_MUST_RESYNC:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
        if (e->pixels_done) break;
        if (!e->corrupt) e->pub.format_message(cinfo, e->warn);
        e->corrupt = 1;
        /* stop at once: the rest of the image would be gray filler */
        strcpy(e->msg, e->warn);
        longjmp(e->jb, 1);
    default:
        break; /* harmless: extraneous bytes, odd JFIF version, ... */
    }
}

static void jpeg_err_output(j_common_ptr cinfo) { (void)cinfo; }

static void jpeg_progress(j_common_ptr cinfo)
{
    we_jpeg_progress *p = (we_jpeg_progress *)cinfo->progress;
    if (cinfo->is_decompressor) {
        j_decompress_ptr d = (j_decompress_ptr)cinfo;
        if (d->input_scan_number > WE_JPEG_MAX_SCANS) {
            p->too_many_scans = 1;
            we_jpeg_err *e = (we_jpeg_err *)cinfo->err;
            snprintf(e->msg, sizeof e->msg, "progressive JPEG with more than %d scans", WE_JPEG_MAX_SCANS);
            longjmp(e->jb, 1);
        }
    }
}

/* CMYK (as libjpeg returns it) to RGB. Adobe writes inverted CMYK (0 =
 * full ink); files without an Adobe marker store plain CMYK. */
static void cmyk_row_to_rgb(uint8_t *dst, const uint8_t *src, size_t w, int inverted)
{
    for (size_t x = 0; x < w; x++) {
        unsigned c = src[4 * x], m = src[4 * x + 1], y = src[4 * x + 2], k = src[4 * x + 3];
        if (!inverted) { c = 255 - c; m = 255 - m; y = 255 - y; k = 255 - k; }
        dst[3 * x] = (uint8_t)((c * k + 127) / 255);
        dst[3 * x + 1] = (uint8_t)((m * k + 127) / 255);
        dst[3 * x + 2] = (uint8_t)((y * k + 127) / 255);
    }
}

we_status we_image_decode_jpeg(const uint8_t *buf, size_t n, uint64_t max_pixels, int64_t min_side, we_tensor *out)
{
    struct jpeg_decompress_struct cinfo;
    we_jpeg_err jerr;
    we_jpeg_progress prog;
    /* everything touched after setjmp and freed on the error path is volatile */
    uint8_t *volatile row = NULL;
    we_tensor *volatile res = out;
    volatile we_status st = WE_EDATA;

    memset(out, 0, sizeof *out);
    memset(&jerr, 0, sizeof jerr);
    memset(&prog, 0, sizeof prog);

    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = jpeg_err_exit;
    jerr.pub.emit_message = jpeg_err_emit;
    jerr.pub.output_message = jpeg_err_output;
    if (setjmp(jerr.jb)) {
        jpeg_destroy_decompress(&cinfo);
        free(row);
        we_tensor_free(res);
        if (st == WE_EDATA && jerr.unsupported) return we_err_set(WE_EUNSUPP, "unsupported JPEG: %s", jerr.msg);
        if (st == WE_EDATA) return we_err_set(WE_EDATA, "corrupt JPEG: %s", jerr.msg);
        return st;
    }
    jpeg_create_decompress(&cinfo);
    prog.pub.progress_monitor = jpeg_progress;
    cinfo.progress = &prog.pub;
    /* no backing store: a coefficient buffer beyond this fails cleanly */
    cinfo.mem->max_memory_to_use = max_pixels > (1ull << 26) ? (1l << 31) : (long)(max_pixels * 16 + (64l << 20));
    jpeg_mem_src(&cinfo, (const unsigned char *)buf, (unsigned long)n);
    jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
    jpeg_read_header(&cinfo, TRUE);

    uint64_t w = cinfo.image_width, h = cinfo.image_height;
    if (w == 0 || h == 0) {
        snprintf(jerr.msg, sizeof jerr.msg, "zero image size");
        longjmp(jerr.jb, 1);
    }
    if (w * h > max_pixels) {
        /* Too big at full size: libjpeg can decode at 1/2, 1/4 or 1/8 scale
         * (in the DCT, never materialising the full image). Take the
         * largest scale that fits the limit and keeps the short side >=
         * min_side, the size the caller shrinks to anyway. */
        int d = 0;
        for (int k = 2; k <= 8 && !d && min_side > 0; k *= 2) {
            uint64_t sw = (w + (uint64_t)k - 1) / (uint64_t)k, sh = (h + (uint64_t)k - 1) / (uint64_t)k;
            if ((sw < sh ? sw : sh) < (uint64_t)min_side) break;
            if (sw * sh <= max_pixels) d = k;
        }
        if (!d) {
            st = we_err_set(WE_ELIMIT, "JPEG is %llux%llu, more than the %llu pixel limit (WE_MAX_PIXELS raises it)",
                            (unsigned long long)w, (unsigned long long)h, (unsigned long long)max_pixels);
            longjmp(jerr.jb, 1);
        }
        cinfo.scale_num = 1;
        cinfo.scale_denom = (unsigned)d;
    }

    int orient = 0;
    for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && !orient)
            orient = we_image_exif_orientation(m->data, m->data_length);

    int cmyk = 0, inverted = 0, c;
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo.out_color_space = JCS_GRAYSCALE;
        c = 1;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo.out_color_space = JCS_CMYK;
        cmyk = 1;
        inverted = cinfo.saw_Adobe_marker;
        c = 3;
        break;
    default:
        cinfo.out_color_space = JCS_RGB;
        c = 3;
        break;
    }

    jpeg_start_decompress(&cinfo);
    size_t ow = cinfo.output_width, oh = cinfo.output_height;
    size_t comps = (size_t)cinfo.output_components;
    if ((uint64_t)ow * oh > max_pixels || ow == 0 || oh == 0 || comps != (size_t)(cmyk ? 4 : c)) {
        snprintf(jerr.msg, sizeof jerr.msg, "unexpected output geometry");
        longjmp(jerr.jb, 1);
    }
    we_status s = we_tensor_alloc3(out, WE_U8, c, (int64_t)oh, (int64_t)ow);
    if (s) { st = s; longjmp(jerr.jb, 1); }
    row = malloc(ow * comps + ow * 3);
    if (!row) {
        st = we_err_set(WE_ENOMEM, "out of memory decoding JPEG");
        longjmp(jerr.jb, 1);
    }
    uint8_t *rgb = row + ow * comps;
    uint8_t *px = out->data;
    size_t plane = ow * oh;
    while (cinfo.output_scanline < oh) {
        JSAMPROW rp = row;
        size_t y = cinfo.output_scanline;
        if (jpeg_read_scanlines(&cinfo, &rp, 1) != 1) {
            snprintf(jerr.msg, sizeof jerr.msg, "decoder returned no data");
            longjmp(jerr.jb, 1);
        }
        const uint8_t *src = row;
        if (cmyk) {
            cmyk_row_to_rgb(rgb, row, ow, inverted);
            src = rgb;
        }
        for (int ch = 0; ch < c; ch++) {
            uint8_t *d = px + (size_t)ch * plane + y * ow;
            for (size_t x = 0; x < ow; x++) d[x] = src[x * (size_t)c + (size_t)ch];
        }
    }
    jerr.pixels_done = 1;
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(row);
    if (orient > 1) {
        s = we_image_orient(out, orient);
        if (s) { we_tensor_free(out); return s; }
    }
    return WE_OK;
}

/* ---- EXIF ---------------------------------------------------------------- */

static unsigned rd16(const uint8_t *p, int le) { return le ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]); }
static uint32_t rd32(const uint8_t *p, int le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

int we_image_exif_orientation(const uint8_t *app1, size_t n)
{
    if (!app1 || n < 6 + 8 || memcmp(app1, "Exif\0\0", 6) != 0) return 0;
    const uint8_t *t = app1 + 6; /* TIFF header */
    size_t tn = n - 6;
    int le;
    if (t[0] == 'I' && t[1] == 'I') le = 1;
    else if (t[0] == 'M' && t[1] == 'M') le = 0;
    else return 0;
    if (rd16(t + 2, le) != 42) return 0;
    uint32_t ifd = rd32(t + 4, le);
    if (ifd < 8 || ifd > tn - 2) return 0;
    unsigned count = rd16(t + ifd, le);
    for (unsigned i = 0; i < count; i++) {
        size_t e = (size_t)ifd + 2 + (size_t)i * 12;
        if (e + 12 > tn) return 0;
        if (rd16(t + e, le) != 0x0112) continue;
        unsigned type = rd16(t + e + 2, le);
        uint32_t cnt = rd32(t + e + 4, le);
        if (cnt < 1) return 0;
        unsigned v;
        if (type == 3) v = rd16(t + e + 8, le);          /* SHORT, value inline */
        else if (type == 4) v = rd32(t + e + 8, le);     /* LONG (nonstandard) */
        else if (type == 1 || type == 7) v = t[e + 8];   /* BYTE (nonstandard) */
        else return 0;
        return v >= 1 && v <= 8 ? (int)v : 0;
    }
    return 0;
}

/* ---- encode ------------------------------------------------------------- */

we_status we_image_encode_jpeg(const we_tensor *img, int quality, uint8_t **buf, size_t *n)
{
    struct jpeg_compress_struct cinfo;
    we_jpeg_err jerr;
    uint8_t *volatile row = NULL;
    we_tensor u8 = {0};
    we_tensor *volatile pu8 = &u8;

    *buf = NULL;
    *n = 0;
    if (quality < 1 || quality > 100) return we_err_set(WE_EUSAGE, "JPEG quality %d is out of range 1..100", quality);
    we_status s = img->dtype == WE_U8 ? we_tensor_copy(&u8, img) : we_image_to_u8(img, &u8);
    if (s) return s;
    s = we_image_check_u8(&u8);
    if (s) { we_tensor_free(&u8); return s; }
    size_t c = (size_t)u8.shape[0], h = (size_t)u8.shape[1], w = (size_t)u8.shape[2];
    if (w > JPEG_MAX_DIMENSION || h > JPEG_MAX_DIMENSION) {
        we_tensor_free(&u8);
        return we_err_set(WE_ELIMIT, "image %zux%zu is too large for JPEG (max %d)", w, h, (int)JPEG_MAX_DIMENSION);
    }

    memset(&jerr, 0, sizeof jerr);
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = jpeg_err_exit;
    jerr.pub.emit_message = jpeg_err_emit;
    jerr.pub.output_message = jpeg_err_output;
    if (setjmp(jerr.jb)) {
        jpeg_destroy_compress(&cinfo);
        free(row);
        free(jerr.outbuf);
        we_tensor_free(pu8);
        return we_err_set(WE_EINTERNAL, "JPEG encoder: %s", jerr.msg);
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &jerr.outbuf, &jerr.outsize);
    cinfo.image_width = (JDIMENSION)w;
    cinfo.image_height = (JDIMENSION)h;
    cinfo.input_components = (int)c;
    cinfo.in_color_space = c == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (c == 3 && quality >= 90) { /* no chroma subsampling at high quality */
        for (int i = 0; i < cinfo.num_components; i++)
            cinfo.comp_info[i].h_samp_factor = cinfo.comp_info[i].v_samp_factor = 1;
    }
    cinfo.optimize_coding = TRUE;
    jpeg_start_compress(&cinfo, TRUE);
    row = malloc(w * c);
    if (!row) {
        snprintf(jerr.msg, sizeof jerr.msg, "out of memory");
        longjmp(jerr.jb, 1);
    }
    const uint8_t *px = u8.data;
    while (cinfo.next_scanline < h) {
        size_t y = cinfo.next_scanline;
        for (size_t ch = 0; ch < c; ch++)
            for (size_t x = 0; x < w; x++) row[x * c + ch] = px[ch * w * h + y * w + x];
        JSAMPROW rp = row;
        jpeg_write_scanlines(&cinfo, &rp, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    free(row);
    we_tensor_free(&u8);
    *buf = jerr.outbuf;
    *n = jerr.outsize;
    return WE_OK;
}
