/* we_wavelet.c - wavelet lookup by id and by name (the table itself is
 * generated: lib/wavelet/we_wavelet_table.c). */
#include "we_wavelet.h"

#include <stdio.h>
#include <string.h>

/* The lazy wavelet (not pywt's, so outside the generated table): the four
 * subbands of a level are the four pixel phases, LL = x[2i][2j], LH =
 * x[2i+1][2j], HL = x[2i][2j+1], HH = x[2i+1][2j+1] (with we_dwt.c's
 * indexing: dec_lo[1] taps x[2o], dec_hi[0] taps x[2o+1]). No filtering, a
 * permutation of the pixels, hence orthogonal: a model on "lazy" frames is
 * the pixel-space DDPM baseline of doc/design/model.md with the same UNet
 * (space-to-depth input), the same parameter count and the same diffusion
 * energy as Haar. Its filters sum to 1, not sqrt(2). */
static const we_wavelet lazy_wavelet = {
    "lazy", 2, 1, {0, 1}, {1, 0}, {1, 0}, {0, 1},
};

const we_wavelet *we_wavelet_get(we_wavelet_id id)
{
    return (unsigned)id < WE_WL_COUNT ? &we_wavelet_table[id] : NULL;
}

const char *we_wavelet_name(we_wavelet_id id)
{
    return (unsigned)id < WE_WL_COUNT ? we_wavelet_table[id].name : "?";
}

we_status we_wavelet_parse(const char *name, const we_wavelet **out)
{
    if (name)
        for (int i = 0; i < WE_WL_COUNT; i++)
            if (strcmp(name, we_wavelet_table[i].name) == 0) {
                *out = &we_wavelet_table[i];
                return WE_OK;
            }
    if (name && strcmp(name, lazy_wavelet.name) == 0) {
        *out = &lazy_wavelet;
        return WE_OK;
    }
    return we_err_set(WE_EUSAGE, "unknown wavelet '%.40s' (known: haar, db2..db8, sym2..sym8, "
                                 "coif1..coif3, bior1.1..bior6.8, rbio1.1..rbio6.8, lazy)",
                      name ? name : "(none)");
}

size_t we_wavelet_names(char *buf, size_t n, const char *sep)
{
    size_t len = 0, seplen = strlen(sep);
    if (buf && n > 0) buf[0] = '\0';
    for (int i = 0; i <= WE_WL_COUNT; i++) {
        const char *s = i < WE_WL_COUNT ? we_wavelet_table[i].name : lazy_wavelet.name;
        size_t sl = strlen(s), add = (i ? seplen : 0) + sl;
        if (buf && len + add < n) {
            if (i) memcpy(buf + len, sep, seplen);
            memcpy(buf + len + (i ? seplen : 0), s, sl);
            buf[len + add] = '\0';
        } else if (buf && n > 0 && len < n) {
            buf[len] = '\0';
        }
        len += add;
    }
    return len;
}
