/* fuzz_json.c - libFuzzer harness for the face-api manifest
 * parsers: we_json_parse on the whole input, and we_fa_weights_parse with
 * the input split at the first NUL into a manifest and a .bin. */
#include <stdint.h>
#include <string.h>

#include "we_faceapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    we_json j;
    if (we_json_parse((const char *)data, size, &j) == WE_OK) {
        (void)we_json_get(&j, "weights");
        we_json_free(&j);
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t jl = nul ? (size_t)(nul - data) : size;
    const uint8_t *bin = nul ? nul + 1 : data + size;
    size_t bl = nul ? size - jl - 1 : 0;
    we_fa_weights w;
    if (we_fa_weights_parse((const char *)data, jl, bin, bl, &w) == WE_OK) {
        int shape[4] = {1, 1, 1, 1};
        for (int k = 0; k < w.n; k++) (void)we_fa_weights_get(&w, w.t[k].name, w.t[k].rank, w.t[k].shape);
        (void)we_fa_weights_get(&w, "missing", 1, shape);
        we_fa_weights_free(&w);
    }
    return 0;
}
