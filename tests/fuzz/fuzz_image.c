/* fuzz_image.c - libFuzzer entry point for the image decoders, PNG and JPEG (see README).
 *
 * Decodes the input with we_image_decode_max (a 4 Mpx limit keeps each run
 * small) and, when it decodes, encodes the result to PNG and JPEG and checks
 * the pixels survive a PNG round trip. Crashes, leaks and UB are the bugs
 * looked for; a status other than WE_OK is a normal outcome.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "we_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    we_tensor t;
    we_status s = we_image_decode_max(data, size, 1u << 22, &t);
    if (s != WE_OK) {
        if (t.data != NULL || s >= WE_STATUS_COUNT || !we_err_detail()[0]) abort();
        return 0;
    }
    if (t.dtype != WE_U8 || t.rank != 3 || (t.shape[0] != 1 && t.shape[0] != 3)) abort();
    uint8_t *buf = NULL;
    size_t n = 0;
    if (we_image_encode_png(&t, &buf, &n) == WE_OK) {
        we_tensor u;
        if (we_image_decode(buf, n, &u) != WE_OK) abort();
        if (memcmp(u.data, t.data, we_tensor_nbytes(&t)) != 0) abort();
        we_tensor_free(&u);
    }
    free(buf);
    if (t.shape[1] * t.shape[2] <= (1 << 16) && we_image_encode_jpeg(&t, 75, &buf, &n) == WE_OK) free(buf);
    we_tensor_free(&t);
    return 0;
}
