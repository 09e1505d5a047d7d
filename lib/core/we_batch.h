/* we_batch.h - the batch policy every tool applies to bad items (see
 * doc/design/stream.md, "Bad items in a batch").
 *
 * A tool that handles many items (frames of a stream, files of a list)
 * skips an item that is bad in itself with one warning line naming it,
 * goes on with the next, counts it, and at the end exits 65 when any item
 * was skipped (66 when every item was skipped for a missing input file), so
 * a script can tell a whole run from a partial one. What is not the item's
 * own fault (a broken or aborted stream, I/O on the output, memory, the
 * device, usage) still ends the run at once (we_cli_die).
 *
 * Like we_cli, this is a tool-side module: it prints and may exit, and is
 * never called from the rest of lib/.
 */
#ifndef WE_BATCH_H
#define WE_BATCH_H

#include "we_err.h"

typedef struct {
    const char *unit;   /* plural noun for the summary: "items", "files" */
    long done;          /* items handled (we_batch_ok) */
    long skipped;       /* items skipped (we_batch_skip) */
    long missing;       /* of those, skipped because their input file is missing */
} we_batch;

/* Start counting; unit (not copied) names the items in the summary. */
void we_batch_init(we_batch *b, const char *unit);

/* 1 if an item that failed with s is skipped by the policy (bad data, a
 * size limit, an unsupported format, a missing input file: WE_EDATA,
 * WE_ELIMIT, WE_EUNSUPP, WE_ENOINPUT), 0 if the run must stop (WE_ETRUNC
 * and WE_EIO belong to the stream or the output, WE_ENOMEM, WE_EDEVICE,
 * WE_EINTERNAL, WE_EUSAGE to the run). */
int we_batch_skippable(we_status s);

/* Count one item handled. */
void we_batch_ok(we_batch *b);

/* Item `item` (an id or a file name; "" = unnamed) failed with s: if
 * skippable, print one line "prog: skipped ITEM: MESSAGE" on stderr and
 * count it; otherwise die with s and "ITEM: MESSAGE" (we_cli_die). */
void we_batch_skip(we_batch *b, we_status s, const char *item, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* As we_batch_skip with the library's last detail (we_err_detail) as the
 * message. */
void we_batch_fail(we_batch *b, we_status s, const char *item);

/* The run's exit status: 0 when nothing was skipped, else 66 if every item
 * was skipped and all for a missing input file, else 65. When something was
 * skipped and quiet is 0, first one summary line on stderr:
 * "prog: 2 of 7 items skipped (5 done)". */
int we_batch_end(const we_batch *b, int quiet);

#endif
