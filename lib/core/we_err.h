/* we_err.h - status codes shared by the whole library.
 *
 * Library functions return a we_status and never print or exit. When a
 * function fails it may leave a one-line detail in a thread-local buffer
 * (we_err_detail) so the tool can say *what* went wrong and *where*:
 *     tool: truncated frame (frame 3, payload 120 of 49152 bytes)
 * Tools map a status to a sysexits(3) exit code with we_err_exit_code.
 */
#ifndef WE_ERR_H
#define WE_ERR_H

#include <stdarg.h>

/* X-macro: one list gives the enum, the messages and the exit codes, so the
 * three cannot drift apart. Exit codes from sysexits.h. */
#define WE_STATUS_LIST(X)                                              \
    X(WE_OK,          "ok",                              0)            \
    X(WE_EOF,         "end of stream",                   0)            \
    X(WE_EUSAGE,      "bad usage",                      64)            \
    X(WE_EDATA,       "bad input data",                 65)            \
    X(WE_ETRUNC,      "truncated frame",                65)            \
    X(WE_ELIMIT,      "size limit exceeded",            65)            \
    X(WE_EUNSUPP,     "unsupported format",             65)            \
    X(WE_ENOINPUT,    "cannot open input",              66)            \
    X(WE_ENOMEM,      "out of memory",                  71)            \
    X(WE_EDEVICE,     "device failure",                 69)            \
    X(WE_EINTERNAL,   "internal error",                 70)            \
    X(WE_EIO,         "I/O error",                      74)

typedef enum {
#define WE_X_ENUM(name, msg, code) name,
    WE_STATUS_LIST(WE_X_ENUM)
#undef WE_X_ENUM
    WE_STATUS_COUNT
} we_status;

/* Short fixed message for a status ("truncated frame"). */
const char *we_err_str(we_status s);

/* sysexits code for a status (64 usage, 65 data, 66 no input, ...). */
int we_err_exit_code(we_status s);

/* Record a detail line for the current thread and return s, so callers can
 * write `return we_err_set(WE_EDATA, "bad dtype '%s'", d);`. An argument may
 * be we_err_detail() itself, to prefix the detail of a failed callee:
 * `we_err_set(s, "checkpoint: %s", we_err_detail())`. */
we_status we_err_set(we_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The last detail recorded on this thread ("" if none). */
const char *we_err_detail(void);

/* Forget the detail (call before an operation whose detail you will read). */
void we_err_clear(void);

#endif
