/* fuzz_stream.c - libFuzzer harness for the WES1 reader: read items until
 * the end or an error, write each back, and check that what we wrote reads
 * back identical (the writer never emits what the reader refuses). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "we_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    we_reader r;
    we_reader_init(&r, f, "fuzz");
    r.max_bytes = 1 << 20; /* keep allocations small under ASan */
    we_item it;
    we_item_init(&it);
    while (we_reader_item(&r, &it) == WE_OK) {
        char *mem = NULL;
        size_t len = 0;
        FILE *o = open_memstream(&mem, &len);
        if (we_item_write(o, &it) != WE_OK) abort();
        fclose(o);
        FILE *back = fmemopen(mem, len, "rb");
        we_reader r2;
        we_reader_init(&r2, back, "back");
        we_item it2;
        we_item_init(&it2);
        if (we_reader_item(&r2, &it2) != WE_OK || it2.n != it.n) abort();
        for (int i = 0; i < it.n; i++)
            if (strcmp(it.f[i].name, it2.f[i].name) || we_tensor_nbytes(&it.f[i].t) != we_tensor_nbytes(&it2.f[i].t) ||
                memcmp(it.f[i].t.data, it2.f[i].t.data, we_tensor_nbytes(&it.f[i].t)))
                abort();
        we_item_free(&it2);
        we_reader_free(&r2);
        fclose(back);
        free(mem);
    }
    we_item_free(&it);
    we_reader_free(&r);
    fclose(f);
    return 0;
}
