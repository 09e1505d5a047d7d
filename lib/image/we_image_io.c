/* we_image_io.c - format sniffing, decode dispatch, file read/write. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "we_file.h"
#include "we_image_priv.h"
#include "we_limits.h"

#define WE_IMAGE_MAX_FILE (1ull << 30) /* image files above 1 GiB are refused */

we_image_format we_image_sniff(const uint8_t *buf, size_t n)
{
    static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!buf) return WE_IMG_UNKNOWN;
    if (n >= 8 && memcmp(buf, png_magic, 8) == 0) return WE_IMG_PNG;
    if (n >= 3 && buf[0] == 0xff && buf[1] == 0xd8 && buf[2] == 0xff) return WE_IMG_JPEG;
    return WE_IMG_UNKNOWN;
}

static int starts(const uint8_t *b, size_t n, const void *m, size_t mn) { return n >= mn && memcmp(b, m, mn) == 0; }

const char *we_image_format_guess(const uint8_t *b, size_t n)
{
    if (!b || n == 0) return NULL;
    if (n >= 12 && starts(b, n, "RIFF", 4) && memcmp(b + 8, "WEBP", 4) == 0) return "WebP";
    if (starts(b, n, "GIF87a", 6) || starts(b, n, "GIF89a", 6)) return "GIF";
    if (starts(b, n, "II*\0", 4) || starts(b, n, "MM\0*", 4)) return "TIFF";
    if (n >= 12 && memcmp(b + 4, "ftyp", 4) == 0) {
        const uint8_t *br = b + 8;
        if (!memcmp(br, "avif", 4) || !memcmp(br, "avis", 4)) return "AVIF";
        if (!memcmp(br, "heic", 4) || !memcmp(br, "heix", 4) || !memcmp(br, "hevc", 4) ||
            !memcmp(br, "heim", 4) || !memcmp(br, "heis", 4) || !memcmp(br, "mif1", 4) ||
            !memcmp(br, "msf1", 4))
            return "HEIF";
        if (!memcmp(br, "crx ", 4)) return "Canon CR3 raw";
        return "ISO media (video)";
    }
    if (n >= 12 && starts(b, n, "\0\0\0\x0cjP  \r\n\x87\n", 12)) return "JPEG 2000";
    if (starts(b, n, "\xff\x4f\xff\x51", 4)) return "JPEG 2000";
    if (starts(b, n, "\xff\x0a", 2) || starts(b, n, "\0\0\0\x0cJXL \r\n\x87\n", 12)) return "JPEG XL";
    if (starts(b, n, "\xff\xd8", 2)) return "JPEG";
    if (starts(b, n, "BM", 2) && n >= 14) return "BMP";
    if (n >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7' &&
        (b[2] == ' ' || b[2] == '\n' || b[2] == '\r' || b[2] == '\t'))
        return "PNM";
    if (starts(b, n, "\0\0\1\0", 4)) return "ICO";
    if (starts(b, n, "8BPS", 4)) return "Photoshop PSD";
    if (starts(b, n, "qoif", 4)) return "QOI";
    if (starts(b, n, "\x76\x2f\x31\x01", 4)) return "OpenEXR";
    if (starts(b, n, "#?RADIANCE", 10) || starts(b, n, "#?RGBE", 6)) return "Radiance HDR";
    if (starts(b, n, "%PDF", 4)) return "PDF";
    if (starts(b, n, "\x1f\x8b", 2)) return "gzip";
    if (starts(b, n, "PK\3\4", 4)) return "zip";
    if (starts(b, n, "WES1 ", 5)) return "WES1 stream";
    /* text: HTML pages and SVG are common in scraped image folders */
    size_t i = 0;
    if (starts(b, n, "\xef\xbb\xbf", 3)) i = 3;
    while (i < n && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) i++;
    if (i < n && b[i] == '<') {
        size_t m = n - i < 512 ? n - i : 512;
        for (size_t k = i; k + 4 <= i + m; k++) {
            if (!strncasecmp((const char *)b + k, "<svg", 4)) return "SVG";
            if (k + 5 <= i + m && !strncasecmp((const char *)b + k, "<html", 5)) return "HTML";
        }
        if (m >= 9 && !strncasecmp((const char *)b + i, "<!doctype", 9)) return "HTML";
        return "XML/HTML text";
    }
    return NULL;
}

we_status we_image_decode_max(const uint8_t *buf, size_t n, uint64_t max_pixels, we_tensor *out)
{
    return we_image_decode_fit(buf, n, max_pixels, 0, out);
}

we_status we_image_decode_fit(const uint8_t *buf, size_t n, uint64_t max_pixels, int64_t min_side, we_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!buf || n == 0) return we_err_set(WE_EDATA, "empty file");
    switch (we_image_sniff(buf, n)) {
    case WE_IMG_PNG: return we_image_decode_png(buf, n, max_pixels, out);
    case WE_IMG_JPEG: return we_image_decode_jpeg(buf, n, max_pixels, min_side, out);
    default: break;
    }
    const char *what = we_image_format_guess(buf, n);
    if (what && !strcmp(what, "JPEG")) return we_err_set(WE_EDATA, "corrupt JPEG: bad marker after SOI");
    if (what) return we_err_set(WE_EUNSUPP, "%s %s not supported (only PNG and JPEG)", what,
                                strstr(what, "HTML") || !strcmp(what, "PDF") || !strcmp(what, "gzip") ||
                                        !strcmp(what, "zip") || strstr(what, "stream") || strstr(what, "video")
                                    ? "files are" : "images are");
    if (n < 8) return we_err_set(WE_EDATA, "not an image (only %zu bytes)", n);
    return we_err_set(WE_EUNSUPP, "unrecognised format (not PNG or JPEG; first bytes %02x %02x %02x %02x)", buf[0],
                      buf[1], buf[2], buf[3]);
}

we_status we_image_decode(const uint8_t *buf, size_t n, we_tensor *out)
{
    return we_image_decode_max(buf, n, we_limit_pixels(), out);
}

/* Read all of fd into a malloc'd buffer (at most WE_IMAGE_MAX_FILE). */
static we_status read_all(int fd, int sniff, uint8_t **buf, size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    int sniffed = !sniff;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        if ((uint64_t)st.st_size > WE_IMAGE_MAX_FILE)
            return we_err_set(WE_ELIMIT, "file is %lld bytes, more than the %llu byte limit", (long long)st.st_size,
                              (unsigned long long)WE_IMAGE_MAX_FILE);
        cap = (size_t)st.st_size + 1;
    }
    uint8_t *b = malloc(cap);
    if (!b) return we_err_set(WE_ENOMEM, "out of memory reading file");
    for (;;) {
        if (len == cap) {
            if (cap >= WE_IMAGE_MAX_FILE) {
                free(b);
                return we_err_set(WE_ELIMIT, "input is more than %llu bytes", (unsigned long long)WE_IMAGE_MAX_FILE);
            }
            size_t nc = cap * 2 > WE_IMAGE_MAX_FILE ? WE_IMAGE_MAX_FILE : cap * 2;
            uint8_t *nb = realloc(b, nc);
            if (!nb) {
                free(b);
                return we_err_set(WE_ENOMEM, "out of memory reading file");
            }
            b = nb;
            cap = nc;
        }
        ssize_t r = read(fd, b + len, cap - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            free(b);
            if (e == EISDIR) return we_err_set(WE_ENOINPUT, "is a directory");
            return we_err_set(WE_EIO, "read error: %s", strerror(e));
        }
        if (r == 0) break;
        len += (size_t)r;
        /* Look at the magic bytes as soon as there are enough: a stream
         * that is no PNG or JPEG (/dev/zero, a video) is refused now, not
         * after reading up to 1 GiB of it. The decoder names the format. */
        if (!sniffed && len >= 16) {
            sniffed = 1;
            if (we_image_sniff(b, len) == WE_IMG_UNKNOWN) {
                we_tensor none;
                we_status s = we_image_decode_max(b, len, 1, &none);
                free(b);
                return s;
            }
        }
    }
    *buf = b;
    *n = len;
    return WE_OK;
}

/* we_image_read_bytes; sniff: stop early when the start is no PNG/JPEG. */
static we_status read_path(const char *path, int sniff, uint8_t **buf, size_t *n)
{
    *buf = NULL;
    *n = 0;
    if (!path) return we_err_set(WE_EUSAGE, "no file name");
    if (!strcmp(path, "-")) return read_all(0, sniff, buf, n);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return we_err_set(WE_ENOINPUT, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return we_err_set(WE_ENOINPUT, "is a directory");
    }
    we_status s = read_all(fd, sniff, buf, n);
    close(fd);
    return s;
}

we_status we_image_read_bytes(const char *path, uint8_t **buf, size_t *n) { return read_path(path, 0, buf, n); }

we_status we_image_read_file(const char *path, we_tensor *out)
{
    return we_image_read_file_fit(path, 0, out);
}

we_status we_image_read_file_fit(const char *path, int64_t min_side, we_tensor *out)
{
    uint8_t *buf;
    size_t n;
    memset(out, 0, sizeof *out);
    we_status s = read_path(path, 1, &buf, &n);
    if (s) return s;
    s = we_image_decode_fit(buf, n, we_limit_pixels(), min_side, out);
    free(buf);
    return s;
}

/* The one atomic writer (we_file.c): "<path>.tmp.<pid>" beside path, made
 * by fopen like any new file (mode 0666 & ~umask, as mkstemp + fchmod gave
 * before), renamed over path when complete; "-" writes to stdout. */
we_status we_image_write_bytes(const char *path, const uint8_t *buf, size_t n)
{
    if (!path) return we_err_set(WE_EUSAGE, "no file name");
    return we_file_write_atomic(path, buf, n);
}

we_status we_image_encode(const we_tensor *img, we_image_format fmt, int quality, uint8_t **buf, size_t *n)
{
    *buf = NULL;
    *n = 0;
    switch (fmt) {
    case WE_IMG_PNG: return we_image_encode_png(img, buf, n);
    case WE_IMG_JPEG: return we_image_encode_jpeg(img, quality, buf, n);
    default: return we_err_set(WE_EUSAGE, "unknown output image format");
    }
}

we_status we_image_write_file(const char *path, const we_tensor *img, we_image_format fmt, int quality)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    we_status s = we_image_encode(img, fmt, quality, &buf, &n);
    if (s || !buf) return s ? s : we_err_set(WE_EINTERNAL, "encoder returned no data");
    s = we_image_write_bytes(path, buf, n);
    free(buf);
    return s;
}

we_image_format we_image_format_from_name(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    if (!dot || strchr(dot, '/')) return WE_IMG_UNKNOWN;
    if (!strcasecmp(dot, ".png")) return WE_IMG_PNG;
    if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") || !strcasecmp(dot, ".jpe") ||
        !strcasecmp(dot, ".jfif"))
        return WE_IMG_JPEG;
    return WE_IMG_UNKNOWN;
}
