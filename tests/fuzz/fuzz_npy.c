/* fuzz_npy.c - libFuzzer harness for the .npy parser: parse, and when it
 * parses, encode and parse again to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "we_npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    we_tensor t;
    if (we_npy_parse(data, size, 1 << 20, &t) != WE_OK) return 0;
    uint8_t *buf;
    size_t n;
    if (we_npy_encode(&t, &buf, &n) != WE_OK) abort();
    we_tensor u;
    if (we_npy_parse(buf, n, 1 << 20, &u) != WE_OK) abort();
    if (u.dtype != t.dtype || we_tensor_nbytes(&u) != we_tensor_nbytes(&t) ||
        memcmp(u.data, t.data, we_tensor_nbytes(&t)))
        abort();
    we_tensor_free(&u);
    we_tensor_free(&t);
    free(buf);
    return 0;
}
