/* we_pattern.h - output file name patterns (iwt -o): one file per item.
 *
 *   %s    the item's id made safe for a file name ([A-Za-z0-9._#+-], others
 *         become '_', a leading '.' too; the index when the id is empty)
 *   %d    the item's index (0, 1, ...); %0Nd zero-pads to N digits, N <= 32
 *   %%    a literal '%'
 *
 * A pattern that cannot name the items apart is refused, never truncated
 * or reused: we_pattern_check refuses one without %s or %d, another
 * conversion, a width above WE_PATTERN_MAX_WIDTH or a fixed part that
 * leaves no room in WE_PATTERN_MAX_PATH; we_pattern_fill refuses a name
 * that does not fit; a we_nameset catches two items given one name (ids
 * that repeat, or differ only in characters made safe).
 */
#ifndef WE_PATTERN_H
#define WE_PATTERN_H

#include <stddef.h>

#include "we_err.h"

#define WE_PATTERN_MAX_WIDTH 32
#define WE_PATTERN_MAX_PATH 4096 /* PATH_MAX on Linux, NUL included */

/* WE_OK, or WE_EUSAGE with a detail saying what is wrong with pat. */
we_status we_pattern_check(const char *pat);

/* The name of item (id, index) into buf (n bytes, n <= WE_PATTERN_MAX_PATH
 * is enough for any checked pattern's fixed part). pat must have passed
 * we_pattern_check. WE_ELIMIT when the name would not fit in n bytes. */
we_status we_pattern_fill(char *buf, size_t n, const char *pat, const char *id, long index);

/* A set of names (hash table; copies the strings). Zero-initialise. */
typedef struct {
    char **slot;
    size_t cap, n;
} we_nameset;

/* Add name: 1 if it was new, 0 if the set holds it already, -1 out of memory. */
int we_nameset_add(we_nameset *s, const char *name);
void we_nameset_free(we_nameset *s);

#endif
