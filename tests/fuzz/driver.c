/* driver.c - run a libFuzzer harness on files without libFuzzer, so the
 * seeds and kept crashers replay in `make test` under the normal build.
 * Prints "N passed, N failed"; a crash or abort fails the whole test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "we_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int n = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        uint8_t *buf;
        size_t len;
        if (we_file_read_all(argv[i], 1u << 30, &buf, &len)) {
            printf("FAIL cannot read %s\n", argv[i]);
            bad++;
            continue;
        }
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        printf("ok   %s\n", argv[i]);
        n++;
    }
    printf("%d passed, %d failed\n", n, bad);
    return bad != 0;
}
