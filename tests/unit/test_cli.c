/* test_cli.c - lib/core/we_cli: the OpenBLAS kernel decision of
 * we_cli_blas_kernels (a misdetected CPU gets kernels with AVX2; a choice
 * OpenBLAS made knowingly is left alone).
 * The restart itself (stdin and arguments kept) is tested from the shell,
 * tests/sh/test_wdenoise.sh. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "we_cli.h"

static int is(const char *got, const char *want)
{
    return got == want || (got && want && !strcmp(got, want));
}

int main(void)
{
    /* the fallback OpenBLAS takes for an unknown x86-64 CPU */
    CHECK(is(we_cli_blas_override("Prescott", 1, 1), "SkylakeX"), "Prescott on an AVX-512 CPU: SkylakeX");
    CHECK(is(we_cli_blas_override("Prescott", 1, 0), "Haswell"), "Prescott on an AVX2 CPU: Haswell");
    CHECK(is(we_cli_blas_override("PRESCOTT", 1, 0), "Haswell"), "names compared without case");
    CHECK(is(we_cli_blas_override("Nehalem", 1, 1), "SkylakeX"), "another pre-AVX2 core: replaced");
    CHECK(is(we_cli_blas_override("Sandybridge", 1, 0), "Haswell"), "AVX without AVX2: replaced");
    /* a CPU without AVX2 keeps whatever OpenBLAS chose */
    CHECK(is(we_cli_blas_override("Prescott", 0, 0), NULL), "Prescott on a CPU without AVX2: left alone");
    /* knowing choices are left alone, even where another might be faster */
    const char *known[] = {"Haswell", "SkylakeX", "Cooperlake", "SapphireRapids", "Zen"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        CHECK(is(we_cli_blas_override(known[i], 1, 1), NULL), known[i]);
    CHECK(is(we_cli_blas_override(NULL, 1, 1), NULL), "no core name: left alone");
    return check_summary();
}
