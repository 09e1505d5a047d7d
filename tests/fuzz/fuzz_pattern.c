/* fuzz_pattern.c - libFuzzer harness for iwt -o's name patterns
 * (we_pattern.h). Input: a pattern, NUL, an id. A pattern that passes
 * we_pattern_check must give every index a name that fits or WE_ELIMIT
 * (never a truncated one), and, when it has %d, different names for
 * different indices; the name set must tell repeats apart. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "we_pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || size > 8192) return 0;
    char *in = malloc(size + 2);
    if (!in) return 0;
    memcpy(in, data, size);
    in[size] = in[size + 1] = 0;
    const char *pat = in, *id = in + strlen(in) + 1;
    if (id > in + size) id = in + size;
    if (we_pattern_check(pat) == WE_OK) {
        static char a[WE_PATTERN_MAX_PATH], b[WE_PATTERN_MAX_PATH];
        int has_d = 0;
        for (const char *p = pat; *p; p++)
            if (*p == '%') {
                p++;
                if (*p == '%') continue;
                while (*p >= '0' && *p <= '9') p++;
                has_d |= *p == 'd';
            }
        we_status s1 = we_pattern_fill(a, sizeof a, pat, id, 7);
        we_status s2 = we_pattern_fill(b, sizeof b, pat, id, 12345);
        if ((s1 && s1 != WE_ELIMIT) || (s2 && s2 != WE_ELIMIT)) abort();
        if (!s1 && strlen(a) >= sizeof a) abort();
        if (!s1 && !s2 && has_d && !strcmp(a, b)) abort();
        we_nameset ns = {0};
        if (!s1) {
            if (we_nameset_add(&ns, a) != 1 || we_nameset_add(&ns, a) != 0) abort();
            if (!s2 && strcmp(a, b) && we_nameset_add(&ns, b) != 1) abort();
        }
        we_nameset_free(&ns);
    }
    free(in);
    return 0;
}
