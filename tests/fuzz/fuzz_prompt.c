/* fuzz_prompt.c - libFuzzer harness for the prompt parser (untrusted user
 * text) and the answer validator (an external command's output): the first
 * byte picks the function, the rest is the input. Checks the invariants:
 * a parsed result has an emotion id 0..7 and an intensity in [0, 1];
 * normalisation never grows a string beyond its bound; a split command has
 * argc >= 1 and a NULL-terminated argv. No command is ever run. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "we_prompt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192) return 0;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0;
    we_prompt_result r;
    switch (data[0] % 4) {
    case 0:
        if (we_prompt_parse(s, &r) == WE_OK &&
            (r.emotion < 0 || r.emotion >= WE_EMOTION_COUNT || !(r.intensity >= 0 && r.intensity <= 1)))
            abort();
        break;
    case 1:
        if (we_prompt_parse_answer((const char *)data + 1, size - 1, &r) == WE_OK &&
            (r.emotion < 0 || r.emotion >= WE_EMOTION_COUNT || !(r.intensity >= 0 && r.intensity <= 1)))
            abort();
        break;
    case 2: {
        char *o;
        for (int fold = 0; fold < 2; fold++)
            if (we_prompt_normalize(s, fold, &o) == WE_OK) {
                if (strlen(o) > 3 * strlen(s) + 15) abort();
                free(o);
            }
        break;
    }
    default: {
        char **argv;
        int argc;
        if (we_prompt_split_command(s, &argv, &argc) == WE_OK) {
            if (argc < 1 || argv[argc] != NULL) abort();
            we_prompt_argv_free(argv);
        }
        break;
    }
    }
    free(s);
    return 0;
}
