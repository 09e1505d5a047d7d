/* we_err.c - status strings, exit codes and the per-thread detail line. */
#include "we_err.h"

#include <stdio.h>
#include <string.h>

static const char *const status_msg[] = {
#define WE_X_MSG(name, msg, code) msg,
    WE_STATUS_LIST(WE_X_MSG)
#undef WE_X_MSG
};

static const int status_code[] = {
#define WE_X_CODE(name, msg, code) code,
    WE_STATUS_LIST(WE_X_CODE)
#undef WE_X_CODE
};

static _Thread_local char detail[512];

const char *we_err_str(we_status s)
{
    return (unsigned)s < WE_STATUS_COUNT ? status_msg[s] : "unknown error";
}

int we_err_exit_code(we_status s)
{
    return (unsigned)s < WE_STATUS_COUNT ? status_code[s] : 70;
}

we_status we_err_set(we_status s, const char *fmt, ...)
{
    /* Format into a scratch line first: an argument may be we_err_detail()
     * itself (`we_err_set(s, "config: %s", we_err_detail())`), and
     * vsnprintf into its own source is undefined (it printed "nfig: ange"). */
    char line[sizeof detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    memcpy(detail, line, sizeof detail);
    return s;
}

const char *we_err_detail(void) { return detail; }

void we_err_clear(void) { detail[0] = 0; }
