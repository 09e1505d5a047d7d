/* we_json.h - a small JSON (RFC 8259) parser into a tree, for the few JSON
 * files we read: face-api weight manifests and safetensors headers.
 * Numbers are doubles, so integers are exact up to 2^53 (we_json_uint
 * checks that); strings are decoded to UTF-8.
 */
#ifndef WE_JSON_H
#define WE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "we_err.h"

typedef enum { WE_JSON_NULL, WE_JSON_BOOL, WE_JSON_NUM, WE_JSON_STR, WE_JSON_ARR, WE_JSON_OBJ } we_json_type;

typedef struct we_json {
    we_json_type type;
    double num;              /* NUM, BOOL (0/1) */
    char *str;               /* STR: decoded UTF-8, NUL-terminated */
    int n;                   /* ARR/OBJ: number of children */
    struct we_json *kids;    /* ARR/OBJ: children, in order */
    char **keys;             /* OBJ: key of each child */
} we_json;

/* Parse len bytes of JSON (RFC 8259; depth <= 64) into *out, which the
 * caller frees with we_json_free. WE_EDATA with "offset N: why" on error. */
we_status we_json_parse(const char *text, size_t len, we_json *out);
void we_json_free(we_json *j);
/* Child of an object by key, or NULL (also NULL if j is not an object). */
const we_json *we_json_get(const we_json *j, const char *key);

/* A non-negative integer value exactly representable (<= 2^53) into *out:
 * 1 on success, 0 if j is not such a number. */
int we_json_uint(const we_json *j, uint64_t *out);

#endif
