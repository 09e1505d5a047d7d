/* we_batch.c - skip a bad item, go on, count it, say so in the exit status. */
#include "we_batch.h"

#include <stdarg.h>
#include <stdio.h>

#include "we_cli.h"

void we_batch_init(we_batch *b, const char *unit)
{
    b->unit = unit ? unit : "items";
    b->done = b->skipped = b->missing = 0;
}

int we_batch_skippable(we_status s)
{
    return s == WE_EDATA || s == WE_ELIMIT || s == WE_EUNSUPP || s == WE_ENOINPUT;
}

void we_batch_ok(we_batch *b) { b->done++; }

static void vskip(we_batch *b, we_status s, const char *item, const char *fmt, va_list ap)
{
    char m[1024];
    vsnprintf(m, sizeof m, fmt, ap);
    const char *name = item && *item ? item : "an item without id";
    if (!we_batch_skippable(s)) we_cli_die(s, "%s: %s", name, m);
    fprintf(stderr, "%s: skipped %s: %s\n", we_cli_prog(), name, *m ? m : we_err_str(s));
    b->skipped++;
    b->missing += s == WE_ENOINPUT;
}

void we_batch_skip(we_batch *b, we_status s, const char *item, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vskip(b, s, item, fmt, ap);
    va_end(ap);
}

/* The detail is copied first: formatting may set another. */
void we_batch_fail(we_batch *b, we_status s, const char *item)
{
    char d[1024];
    snprintf(d, sizeof d, "%s", *we_err_detail() ? we_err_detail() : we_err_str(s));
    we_batch_skip(b, s, item, "%s", d);
}

int we_batch_end(const we_batch *b, int quiet)
{
    if (!b->skipped) return 0;
    if (!quiet)
        fprintf(stderr, "%s: %ld of %ld %s skipped (%ld done)\n", we_cli_prog(), b->skipped, b->skipped + b->done,
                b->unit, b->done);
    return b->missing == b->skipped && b->done == 0 ? 66 : 65;
}
