/* we_safetensors.h - read and write safetensors files (checkpoints).
 *
 * Format (huggingface safetensors):
 *   u64 LE   N = header length
 *   N bytes  JSON object: "name": {"dtype": "F32", "shape": [..],
 *            "data_offsets": [begin, end]}, ... and an optional
 *            "__metadata__": {"key": "string", ...}
 *   data     raw little-endian tensors; offsets are relative to the byte
 *            after the header.
 * The reader is strict and bounded: header <= WE_ST_MAX_HEADER bytes, every
 * offset inside the file, end - begin == prod(shape) * dtype size (checked
 * for overflow), no two tensors sharing bytes, rank <= WE_MAX_RANK, names
 * unique, only JSON it needs
 * (strings with escapes, integers, objects, arrays). A bad file is WE_EDATA
 * with a detail, never a crash. The writer pads the header with spaces to a
 * multiple of 8 and writes atomically (temp file + rename).
 *
 * Prefix: we_st_.
 */
#ifndef WE_SAFETENSORS_H
#define WE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "we_err.h"
#include "we_tensor.h"

#define WE_ST_MAX_HEADER (100u << 20) /* 100 MiB, as the Python package */
#define WE_ST_MAX_NAME 1024
#define WE_ST_MAX_TENSORS 1000000

#define WE_ST_DTYPE_LIST(X) \
    X(WE_ST_F32, "F32", 4)  \
    X(WE_ST_F64, "F64", 8)  \
    X(WE_ST_F16, "F16", 2)  \
    X(WE_ST_BF16, "BF16", 2) \
    X(WE_ST_I64, "I64", 8)  \
    X(WE_ST_I32, "I32", 4)  \
    X(WE_ST_I16, "I16", 2)  \
    X(WE_ST_I8, "I8", 1)    \
    X(WE_ST_U8, "U8", 1)    \
    X(WE_ST_BOOL, "BOOL", 1)

typedef enum {
#define WE_X_STD(e, s, n) e,
    WE_ST_DTYPE_LIST(WE_X_STD)
#undef WE_X_STD
    WE_ST_DTYPE_COUNT
} we_st_dtype;

const char *we_st_dtype_name(we_st_dtype d);
size_t we_st_dtype_size(we_st_dtype d);

/* One tensor of a parsed file. */
typedef struct {
    char *name;
    we_st_dtype dtype;
    int rank;                    /* 0..WE_MAX_RANK (0 = scalar) */
    int64_t shape[WE_MAX_RANK];
    uint64_t begin, end;         /* byte range inside the data section */
} we_st_entry;

/* A parsed file. Owns its buffer, entries and metadata strings. */
typedef struct {
    uint8_t *buf;                /* whole file */
    size_t size;
    size_t data_start;           /* 8 + header length */
    int n;
    we_st_entry *e;              /* in header order */
    int nmeta;
    char **meta_key, **meta_val;
} we_st_file;

/* Parse a safetensors image held in memory. The buffer is copied (the
 * caller keeps its own). f is overwritten. WE_EDATA/WE_ELIMIT with a detail
 * for a malformed file, WE_ENOMEM. */
we_status we_st_parse(we_st_file *f, const uint8_t *buf, size_t n);
/* Read and parse a file. WE_ENOINPUT if it cannot be opened. */
we_status we_st_read(we_st_file *f, const char *path);
void we_st_free(we_st_file *f);

/* The entry called name, or NULL. */
const we_st_entry *we_st_find(const we_st_file *f, const char *name);
/* Pointer to an entry's raw bytes (little-endian; may be unaligned for
 * dtypes wider than 1 byte: copy it out with memcpy). */
const void *we_st_data(const we_st_file *f, const we_st_entry *e);
/* Element count of an entry. */
size_t we_st_count(const we_st_entry *e);
/* Metadata value for key, or NULL. */
const char *we_st_meta(const we_st_file *f, const char *key);
/* 1 when the metadata value of key is a comma/blank-separated list holding
 * word (e.g. conditions = "label,va"), else 0 (also when key is absent). */
int we_st_meta_lists(const we_st_file *f, const char *key, const char *word);

/* Copy tensor `name` into dst as floats (F32, F64, F16 and I32 are
 * converted). It must have exactly `count` elements; if shape is not NULL
 * its rank and dims must match too. WE_EDATA with a detail naming the
 * tensor otherwise (missing, wrong shape, wrong dtype, or a NaN/Inf value:
 * the non-finite policy, we_tensor.h). */
we_status we_st_get_f32(const we_st_file *f, const char *name, float *dst, size_t count,
                        int rank, const int64_t *shape);
/* Same for int32 (I32 or I64 in range). */
we_status we_st_get_i32(const we_st_file *f, const char *name, int32_t *dst, size_t count);
/* Same for doubles (F64 or F32; NaN/Inf refused as above). */
we_status we_st_get_f64(const we_st_file *f, const char *name, double *dst, size_t count);

/* Writer: collects tensors (data NOT copied: it must stay valid until save)
 * and metadata, then writes the file atomically. */
typedef struct {
    int n, cap;
    we_st_entry *e;
    const void **data;
    int nmeta, metacap;
    char **meta_key, **meta_val;
} we_st_writer;

void we_st_writer_init(we_st_writer *w);
void we_st_writer_free(we_st_writer *w);
/* Add a tensor (name copied, data referenced). WE_EUSAGE for a duplicate
 * or over-long name or a bad rank. */
we_status we_st_writer_add(we_st_writer *w, const char *name, we_st_dtype dtype,
                           int rank, const int64_t *shape, const void *data);
/* Add (or replace) a metadata string. */
we_status we_st_writer_meta(we_st_writer *w, const char *key, const char *val);
we_status we_st_writer_metaf(we_st_writer *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Serialise into a malloc'd buffer. */
we_status we_st_writer_serialize(const we_st_writer *w, uint8_t **buf, size_t *n);
/* Serialise and write atomically to path. */
we_status we_st_writer_save(const we_st_writer *w, const char *path);

#endif
