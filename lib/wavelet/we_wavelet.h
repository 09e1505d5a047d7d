/* we_wavelet.h - the wavelet filter table (PyWavelets 1.1.1 conventions).
 *
 * Every wavelet has an enum value (WE_WL_HAAR, WE_WL_BIOR4_4, ...), a name
 * as pywt spells it ("haar", "bior4.4") and four filters of one length F:
 * dec_lo, dec_hi, rec_lo, rec_hi, exactly pywt.Wavelet(name).<filter>.
 * The list and the coefficients are generated once from pywt by
 * tests/ref/gen_wavelet_table.py (lib/wavelet/we_wavelet_list.h,
 * lib/wavelet/we_wavelet_table.c). The same table drives option parsing and the
 * --help text, so the two cannot drift.
 */
#ifndef WE_WAVELET_H
#define WE_WAVELET_H

#include <stddef.h>

#include "we_err.h"
#include "we_wavelet_list.h"

typedef enum {
#define WE_X_WL(e, s) e,
    WE_WAVELET_LIST(WE_X_WL)
#undef WE_X_WL
    WE_WL_COUNT
} we_wavelet_id;

typedef struct {
    const char *name;                  /* pywt name: "haar", "bior4.4" */
    int len;                           /* filter length F (all four filters) */
    int orthogonal;                    /* 1 for haar/db/sym/coif */
    double dec_lo[WE_WAVELET_MAX_LEN]; /* analysis low-pass, pywt order */
    double dec_hi[WE_WAVELET_MAX_LEN]; /* analysis high-pass */
    double rec_lo[WE_WAVELET_MAX_LEN]; /* synthesis low-pass */
    double rec_hi[WE_WAVELET_MAX_LEN]; /* synthesis high-pass */
} we_wavelet;

/* The generated table, indexed by we_wavelet_id. */
extern const we_wavelet we_wavelet_table[WE_WL_COUNT];

/* Wavelet by id (NULL if out of range). Points into the static table. */
const we_wavelet *we_wavelet_get(we_wavelet_id id);

/* Name of an id ("?" if out of range). */
const char *we_wavelet_name(we_wavelet_id id);

/* Look a wavelet up by its pywt name (case-sensitive, "haar", "db2",
 * "bior4.4"), or "lazy" (the polyphase split, no filtering: pixel space;
 * not in the table, no id). WE_EUSAGE with a detail naming the bad value if unknown;
 * *out points into the static table. */
we_status we_wavelet_parse(const char *name, const we_wavelet **out);

/* All names (the table's, then "lazy") joined by sep into buf (NUL-terminated, truncated to n bytes);
 * returns the length the full string needs (like snprintf). For --help
 * and error messages. */
size_t we_wavelet_names(char *buf, size_t n, const char *sep);

#endif
