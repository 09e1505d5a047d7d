/* we_cli.h - the skeleton every tool shares: program name, fatal errors
 * with sysexits codes, warnings, the terminal check, progress lines.
 *
 * This is the one library module that may print or exit; it is meant for
 * tools only (tools/), never called from the rest of lib/.
 */
#ifndef WE_CLI_H
#define WE_CLI_H

#include <stdio.h>
#include <stdnoreturn.h>

#include "we_err.h"

/* Remember the program name (basename of argv0) and restore SIGPIPE's
 * default, so a reader that closes the pipe (`| head`) ends us quietly.
 * Dies with 64 when WE_MAX_BYTES or WE_MAX_PIXELS is set but invalid
 * (we_limits.h). */
void we_cli_init(const char *argv0);
const char *we_cli_prog(void);

/* "prog: message" on stderr, then exit with the status's sysexits code. */
noreturn void we_cli_die(we_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Die with the library's last status and detail: "prog: detail". */
noreturn void we_cli_die_status(we_status s, const char *context);
/* Usage error: message plus "try 'prog --help'", exit 64. */
noreturn void we_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void we_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Declare stdout a WES1 stream (call it as soon as the tool knows, before
 * it can fail): from then on every fatal error (we_cli_die*, usage errors)
 * ends stdout with the abort marker (we_stream_abort_write, wes(5) ABORT)
 * after the whole frames already written, so the readers downstream fail
 * as well instead of taking a short stream for a whole one. Written to a
 * pipe always, to a regular file only if it already holds frames (a tool
 * that fails first thing leaves an empty file), to a terminal never. */
void we_cli_stream_stdout(void);

/* OpenBLAS (Debian's is built DYNAMIC_ARCH) picks its kernels when the
 * library loads, from OPENBLAS_CORETYPE or else from the CPU's model
 * number; a CPU it does not know (a virtual machine's "Intel Xeon
 * Processor") gets its oldest x86-64 kernels, Prescott's SSE3, which made
 * a 64 px training step 1.8x slower than the AVX-512 kernels on the dev
 * machine (README, Benchmarks). A tool that spends its time in GEMMs
 * calls this first thing in main: when the variable is unset and OpenBLAS
 * chose kernels without AVX2 on a CPU that has AVX2 and FMA, it sets the
 * variable (SkylakeX with AVX-512 F/BW/DQ/VL, else Haswell) and executes
 * itself again (once: the variable is set then); if that fails the tool
 * carries on as it was. A choice OpenBLAS made knowingly, and a variable
 * the user set, to anything, are left alone. */
void we_cli_blas_kernels(char **argv);
/* The decision above: the kernels to ask for, given OpenBLAS's choice
 * `core` and the CPU's features, or NULL to leave them. */
const char *we_cli_blas_override(const char *core, int avx2_fma, int avx512);
/* we_cli_init for such a tool: we_cli_blas_kernels(argv), then
 * we_cli_init(argv[0]). */
void we_cli_init_blas(char **argv);

/* An input stream by path: "-" is stdin, anything else is opened for
 * reading; one that cannot be opened dies with EX_NOINPUT, naming it and
 * why. *label (may be NULL) gets the name for messages: "stdin" or path. */
FILE *we_cli_open_input(const char *path, const char **label);

/* Refuse to write a binary stream to a terminal (exit 64). */
void we_cli_refuse_tty(FILE *out);

/* Flush stdout and die with EX_IOERR if that fails (call before exit 0). */
void we_cli_finish_output(void);

/* Numbers from option arguments, with the option named in the error. */
long we_cli_parse_long(const char *opt, const char *arg, long lo, long hi);
double we_cli_parse_double(const char *opt, const char *arg, double lo, double hi);
/* "A,B": two numbers in [lo, hi] into *a, *b; exits 64 naming opt and the
 * expected form (e.g. "LOW,HIGH") otherwise. */
void we_cli_parse_pair(const char *opt, const char *arg, const char *form, double lo, double hi, double *a, double *b);

/* Progress on stderr when stderr is a terminal (or WE_PROGRESS=1):
 * "prog: 120/1000 items, 35.2 items/s, ETA 0:25". total <= 0: unknown. */
typedef struct {
    double t0, last;
    int enabled;
} we_progress;
void we_progress_start(we_progress *p);
void we_progress_update(we_progress *p, long done, long total, const char *unit);
void we_progress_end(we_progress *p, long done, const char *unit);

/* Monotonic seconds. */
double we_now(void);

#endif
