/* we_stream.h - the WES1 tensor stream (see man/man5/wes.5, doc/design/stream.md).
 *
 *   WES1 <name> <dtype> <d0> ... <dn-1>\n
 *   <key>=<value>\n        (zero or more)
 *   \n
 *   <payload: prod(d) * sizeof(dtype) bytes, little-endian, C order>
 *
 * A frame owns its tensor and its key/value strings. Frames that share the
 * `id` key and stand next to each other form one item (one face).
 */
#ifndef WE_STREAM_H
#define WE_STREAM_H

#include <stdint.h>
#include <stdio.h>

#include "we_limits.h" /* WE_DEFAULT_MAX_BYTES, the payload limit */
#include "we_tensor.h"

#define WE_NAME_MAX 64          /* frame name, including the NUL */
#define WE_HEADER_LINE_MAX 65536 /* one header line, including the newline */
#define WE_HEADER_KEYS_MAX 1024  /* metadata lines per frame */

typedef struct {
    char *key;
    char *val;
} we_kv;

typedef struct {
    char name[WE_NAME_MAX];
    we_tensor t;
    int nkv, cap;
    we_kv *kv;      /* in header order; set() of an existing key keeps its place */
} we_frame;

/* Zero a frame (no allocation). */
void we_frame_init(we_frame *fr);
/* Free the tensor and all keys; the frame is left initialised and empty. */
void we_frame_free(we_frame *fr);
/* Move: dst takes src's contents (dst must be empty), src becomes empty. */
void we_frame_move(we_frame *dst, we_frame *src);
/* Deep copy into an empty dst. */
we_status we_frame_copy(we_frame *dst, const we_frame *src);

/* Set the name; returns WE_EUSAGE if it is not [a-z][a-z0-9_]* or too long. */
we_status we_frame_set_name(we_frame *fr, const char *name);
/* Value of key, or NULL. */
const char *we_frame_get(const we_frame *fr, const char *key);
/* Set (replace or append) key=val. Validates key ([a-z][a-z0-9_.]*) and val
 * (UTF-8, no newline, no NUL): WE_EUSAGE otherwise. */
we_status we_frame_set(we_frame *fr, const char *key, const char *val);
we_status we_frame_setf(we_frame *fr, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Remove key if present. */
void we_frame_unset(we_frame *fr, const char *key);
/* Copy every key of src into dst (replacing same keys); "transforms copy the
 * item's metadata to their output frame and add their own keys". */
we_status we_frame_copy_keys(we_frame *dst, const we_frame *src);
/* Parse a key as a number: WE_OK, or WE_EDATA if missing/not a number. */
we_status we_frame_get_double(const we_frame *fr, const char *key, double *out);

/* Validators, exposed for tools that accept names/keys on the command line. */
int we_valid_name(const char *s);
int we_valid_key(const char *s);
int we_valid_value(const char *s);

/* Reader: a FILE plus position for error messages plus one frame of
 * lookahead for item grouping. */
typedef struct {
    FILE *f;
    const char *label;     /* "stdin" or a path, for messages */
    uint64_t max_bytes;    /* payload limit: $WE_MAX_BYTES or WE_DEFAULT_MAX_BYTES (we_limits.h) */
    long frames;           /* frames read so far */
    uint64_t offset;       /* bytes consumed so far */
    int allow_nonfinite;   /* 0 (default): a NaN/Inf in a float payload is WE_EDATA (wes(5));
                            * inspectors (tsinfo, tscmp) set 1 to see them */
    we_frame ahead;
    int have_ahead;
    int aborted;           /* an abort marker was read: every later read fails too */
    we_status pending;     /* an error met while looking ahead past an item ... */
    char pending_msg[512]; /* ... and its detail, returned by the next read */
} we_reader;

/* Init with the default limit (or the WE_MAX_BYTES environment variable). */
void we_reader_init(we_reader *r, FILE *f, const char *label);
void we_reader_free(we_reader *r);

/* Read the next frame into fr (which must be empty/initialised; it is
 * freed first). Returns WE_OK, WE_EOF at a clean end (EOF exactly between
 * frames), or an error with a detail naming the frame number and offset:
 * WE_ETRUNC, WE_EDATA, WE_ELIMIT, WE_ENOMEM, WE_EIO. A float payload with
 * a NaN or Inf is WE_EDATA unless r->allow_nonfinite (the non-finite
 * policy of wes(5)). An abort marker (we_stream_abort_write: the tool
 * upstream failed midway) is WE_EDATA with the upstream tool's message,
 * and so is every read after it. */
we_status we_reader_frame(we_reader *r, we_frame *fr);

/* An item: the contiguous frames sharing one `id` (a frame without `id` is
 * an item by itself). */
typedef struct {
    we_frame *f;
    int n, cap;
} we_item;

void we_item_init(we_item *it);
void we_item_free(we_item *it);          /* frees frames, keeps nothing */
/* Read the next item. WE_EOF when no frames are left. An error met while
 * looking for the item's end (the next frame is truncated, bad, or an abort
 * marker) does not cost the whole item read before it: the item is
 * returned, and the error comes with the next call. */
we_status we_reader_item(we_reader *r, we_item *it);
/* First frame of the item with this name, or NULL. */
we_frame *we_item_find(we_item *it, const char *name);
/* The item's id ("" if its frames carry none). */
const char *we_item_id(const we_item *it);
/* Append a frame (moved in). */
we_status we_item_push(we_item *it, we_frame *fr);

/* Read the first frame of a file ("-" = stdin) into fr (freed first):
 * golden files and single-tensor inputs. WE_ENOINPUT if the file cannot be
 * opened, WE_EDATA if it holds no frame, else as we_reader_frame. */
we_status we_frame_read_file(const char *path, we_frame *fr);

/* Write one frame. Returns WE_EIO on a write error (EPIPE included, with
 * errno left as the OS set it). The frame is validated first (name, keys,
 * values; a float payload holding NaN or Inf is WE_EDATA and nothing is
 * written), so a tool can never emit a stream another tool rejects. */
we_status we_frame_write(FILE *f, const we_frame *fr);
we_status we_item_write(FILE *f, const we_item *it);

/* The abort marker (wes(5), ABORT): a writer that fails after it started
 * its stream ends the stream with it, so that every reader downstream fails
 * too instead of taking a short stream for a whole one:
 *     WES1 !abort\nstatus=<exit code>\ntool=<name>\nmessage=<text>\n\n
 * (no payload; '!' is not a name character, so older readers refuse it as
 * a bad frame name). msg is cut at its first newline and made valid UTF-8.
 * Returns WE_EIO on a write error (the caller is failing anyway). */
#define WE_ABORT_LINE "WES1 !abort"
we_status we_stream_abort_write(FILE *f, int code, const char *tool, const char *msg);

/* Serialise a frame's header to a malloc'd string (used by tsinfo, tests). */
char *we_frame_header_string(const we_frame *fr);

#endif
