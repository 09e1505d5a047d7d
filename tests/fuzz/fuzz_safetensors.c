/* fuzz_safetensors.c - libFuzzer target for the safetensors parser and the
 * model-config reader (make fuzz; ./build/fuzz/fuzz_safetensors). */
#include <stddef.h>
#include <stdint.h>

#include "we_safetensors.h"
#include "we_unet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    we_st_file f;
    if (we_st_parse(&f, data, size) == WE_OK) {
        for (int i = 0; i < f.n; i++) {
            const we_st_entry *e = &f.e[i];
            size_t n = we_st_count(e);
            if (n <= 4096) {
                float buf[4096];
                we_st_get_f32(&f, e->name, buf, n, 0, NULL);
            }
        }
        we_unet_config c;
        we_unet_config_from_meta(&c, &f);
        we_st_free(&f);
    }
    return 0;
}
