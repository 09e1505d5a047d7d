/* we_runset.h - a training run that can be stopped and run again: the
 * settings that change its result live in the checkpoint's metadata, a
 * resume takes them from there and refuses to change them unless told, and
 * the loss log is cut back to the resumed step.
 *
 * A tool lists its settings in a table of we_runset entries (metadata key,
 * option name, a pointer to the value it uses, whether the option was given
 * on this command line); the trainers write the same keys when they save.
 * wtrain and wdtrain use it (tools/wtrain.c, tools/wdtrain.c).
 */
#ifndef WE_RUNSET_H
#define WE_RUNSET_H

#include <stddef.h>

#include "we_err.h"
#include "we_safetensors.h"

typedef enum { WE_RUNSET_INT, WE_RUNSET_LONG, WE_RUNSET_FLOAT, WE_RUNSET_STR } we_runset_type;

/* What a resume does with a given value that differs from the stored one:
 * CHECK refuses it unless allowed, FIXED always (the random state, a model
 * shape), FREE takes it (a setting stored for the record and as the
 * default, that does not change the result, e.g. a thread count where the
 * sums do not depend on it). */
enum { WE_RUNSET_CHECK, WE_RUNSET_FIXED, WE_RUNSET_FREE };

typedef struct {
    const char *key;     /* metadata key, e.g. "train.batch" */
    const char *option;  /* the option that sets it, e.g. "--batch" (messages) */
    we_runset_type type;
    void *val;           /* int *, long *, float *, or char[cap] (STR) */
    size_t cap;          /* STR only: size of the buffer at val */
    int given;           /* 1 when the option was given on this command line */
    int rule;            /* WE_RUNSET_CHECK, _FIXED or _FREE (below) */
} we_runset;

/* Reconcile the settings of a resumed run with the checkpoint metadata f:
 * an entry whose option was not given takes the stored value (so a resume
 * without -b continues with the stored batch); one given with the stored
 * value (compared as numbers for INT/LONG/FLOAT) is fine; one given with
 * another value is WE_EUSAGE naming the option and both values, unless
 * allow (then the given value stays, and the key is listed in note) and the
 * entry is not FIXED; a FREE entry takes the given value silently. A key the checkpoint lacks (an older checkpoint)
 * keeps the run's value and is listed in note. note (cap bytes, may be
 * NULL) gets "" or a short "changed train.lr; not stored train.seed" text for a
 * warning. WE_EDATA when a stored value does not parse. */
we_status we_runset_resume(const we_st_file *f, we_runset *set, int n, int allow, char *note, size_t cap);

/* Write every entry's value as metadata (INT/LONG "%d"/"%ld", FLOAT
 * "%.9g", STR as is). */
we_status we_runset_write(const we_runset *set, int n, we_st_writer *w);

/* The checkpoint rule of a new run: WE_EUSAGE when path exists and the run
 * is neither a resume nor forced ("give --resume to continue it, or --force
 * to start over"). */
we_status we_runset_check_new(const char *path, int resume, int force);

/* Cut a per-step CSV log back to what a run resumed at `step` has done:
 * keep a header line (first field not a number) and the rows whose first
 * field is a step <= step, drop the rest (rows of steps that will be run
 * again), rewriting the file atomically; nothing to do when path does not
 * exist or no row is past step. *kept_rows (may be NULL) = rows kept.
 * WE_EIO on a read or write error. */
we_status we_runset_cut_log(const char *path, long step, long *kept_rows);

/* FNV-1a 64 of n bytes, continuing from h (start with WE_RUNSET_HASH0):
 * the fingerprint of a run's training data (train.data). */
#define WE_RUNSET_HASH0 0xcbf29ce484222325ULL
unsigned long long we_runset_hash(unsigned long long h, const void *p, size_t n);

#endif
