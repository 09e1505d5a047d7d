/* we_prompt_priv.h - tables shared by the we_prompt modules (not public). */
#ifndef WE_PROMPT_PRIV_H
#define WE_PROMPT_PRIV_H

#include <stdint.h>

/* A Latin letter with diacritics: its lower-case ASCII base and up to two
 * combining marks (0 = none), from Unicode's canonical decomposition. */
typedef struct {
    uint16_t cp;
    char base;
    uint16_t marks[2];
} we_prompt_decomp;

extern const we_prompt_decomp we_prompt_decomp_table[]; /* sorted by cp */
extern const int we_prompt_decomp_count;
/* Canonical combining class of U+0300 + i. */
extern const unsigned char we_prompt_ccc_table[0x70];

#endif
