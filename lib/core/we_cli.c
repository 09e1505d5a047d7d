/* we_cli.c - shared tool skeleton: errors, exit codes, progress. */
#include "we_cli.h"

#include "we_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "we_limits.h"

static const char *prog = "we";
static int stream_stdout; /* we_cli_stream_stdout was called */

void we_cli_init(const char *argv0)
{
    if (argv0) {
        const char *b = strrchr(argv0, '/');
        prog = b ? b + 1 : argv0;
    }
    signal(SIGPIPE, SIG_DFL);
    /* A limit the user set but we cannot read must not be ignored. */
    if (we_limits_check_env()) we_cli_die(WE_EUSAGE, "%s", we_err_detail());
    /* Streams move ~200 KB per face; the default 64 KB pipe makes every
     * frame cost several context switches. Ask for 1 MiB pipes (the
     * unprivileged maximum by default); failure is harmless. */
    for (int fd = 0; fd <= 1; fd++) fcntl(fd, F_SETPIPE_SZ, 1 << 20);
    /* Frames come and go at the same size: keep freed memory in the heap
     * instead of unmapping it and faulting it in again for every frame
     * (that was most of dwt's time on 3x128x128 frames). */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

const char *we_cli_prog(void) { return prog; }

static void vmsg(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void we_cli_stream_stdout(void)
{
    stream_stdout = 1;
}

/* Does a failing tool end stdout with the abort marker? When it is a
 * stream, not a terminal, and either a pipe (the reader must not take the
 * end for a whole, even empty, stream) or a file that already holds
 * frames (an empty file stays empty: a tool that fails before its first
 * frame writes nothing). */
static int want_abort_marker(void)
{
    struct stat st;
    if (!stream_stdout || isatty(1)) return 0;
    if (fstat(1, &st) == 0 && S_ISREG(st.st_mode)) return ftell(stdout) > 0;
    return 1;
}

/* Exit with code after the message (the format and its arguments); a
 * stream on stdout is ended with the abort marker first (wes(5), ABORT). */
static noreturn void die_code(int code, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    vmsg(fmt, ap);
    if (want_abort_marker()) {
        char m[1024];
        vsnprintf(m, sizeof m, fmt, aq);
        we_stream_abort_write(stdout, code, prog, m);
    }
    va_end(aq);
    exit(code);
}

noreturn void we_cli_die(we_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    die_code(we_err_exit_code(s) ? we_err_exit_code(s) : 70, fmt, ap);
}

noreturn void we_cli_die_status(we_status s, const char *context)
{
    const char *d = we_err_detail();
    if (context && *context)
        we_cli_die(s, "%s: %s", context, *d ? d : we_err_str(s));
    we_cli_die(s, "%s", *d ? d : we_err_str(s));
}

noreturn void we_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help' for more information.\n", prog);
    if (want_abort_marker()) {
        char m[1024];
        va_start(ap, fmt);
        vsnprintf(m, sizeof m, fmt, ap);
        va_end(ap);
        we_stream_abort_write(stdout, 64, prog, m);
    }
    exit(64);
}

void we_cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg(fmt, ap);
    va_end(ap);
}

void we_cli_refuse_tty(FILE *out)
{
    if (isatty(fileno(out)))
        we_cli_die(WE_EUSAGE, "refusing to write a binary stream to a terminal (redirect or pipe stdout)");
}

void we_cli_finish_output(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        we_cli_die(WE_EIO, "write error on stdout: %s", strerror(errno));
}

long we_cli_parse_long(const char *opt, const char *arg, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || errno)
        we_cli_usage_error("option %s: '%s' is not an integer", opt, arg);
    if (v < lo || v > hi)
        we_cli_usage_error("option %s: %ld is out of range %ld..%ld", opt, v, lo, hi);
    return v;
}

double we_cli_parse_double(const char *opt, const char *arg, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (end == arg || *end || errno || isnan(v))
        we_cli_usage_error("option %s: '%s' is not a number", opt, arg);
    if (v < lo || v > hi)
        we_cli_usage_error("option %s: %g is out of range %g..%g", opt, v, lo, hi);
    return v;
}

void we_cli_parse_pair(const char *opt, const char *arg, const char *form, double lo, double hi, double *a, double *b)
{
    char *e1, *e2 = NULL;
    double x = strtod(arg, &e1), y = e1 != arg && *e1 == ',' ? strtod(e1 + 1, &e2) : NAN;
    if (isnan(x) || isnan(y) || e2 == e1 + 1 || *e2 || !(x >= lo && x <= hi) || !(y >= lo && y <= hi))
        we_cli_usage_error("option %s: bad value '%s' (want %s, each in %g..%g)", opt, arg, form, lo, hi);
    *a = x, *b = y;
}

double we_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void we_progress_start(we_progress *p)
{
    const char *e = getenv("WE_PROGRESS");
    p->enabled = e ? atoi(e) != 0 : isatty(2);
    p->t0 = p->last = we_now();
}

void we_progress_update(we_progress *p, long done, long total, const char *unit)
{
    if (!p->enabled) return;
    double t = we_now();
    if (t - p->last < 0.5 && !(total > 0 && done == total)) return;
    p->last = t;
    double rate = done / fmax(t - p->t0, 1e-9);
    if (total > 0) {
        double eta = (total - done) / fmax(rate, 1e-9);
        fprintf(stderr, "\r%s: %ld/%ld %s, %.1f %s/s, ETA %d:%02d ", prog, done, total, unit, rate, unit,
                (int)eta / 60, (int)eta % 60);
    } else {
        fprintf(stderr, "\r%s: %ld %s, %.1f %s/s ", prog, done, unit, rate, unit);
    }
}

void we_progress_end(we_progress *p, long done, const char *unit)
{
    if (!p->enabled) return;
    double t = we_now() - p->t0;
    fprintf(stderr, "\r%s: %ld %s in %.1f s (%.1f %s/s)          \n", prog, done, unit, t, done / fmax(t, 1e-9), unit);
}

FILE *we_cli_open_input(const char *path, const char **label)
{
    int std = strcmp(path, "-") == 0;
    FILE *f = std ? stdin : fopen(path, "rb");
    if (!f) we_cli_die(WE_ENOINPUT, "cannot open %s: %s", path, strerror(errno));
    if (label) *label = std ? "stdin" : path;
    return f;
}

/* OpenBLAS's own (weak: a BLAS without it leaves the kernels alone). */
extern char *openblas_get_corename(void) __attribute__((weak));

/* Kernels OpenBLAS names that use no AVX2: its fallbacks for a CPU it does
 * not recognise, and genuinely old cores. */
static int blas_core_pre_avx2(const char *name)
{
    static const char *const old[] = {"Prescott", "Core2",     "Penryn",     "Dunnington", "Nehalem",   "Atom",
                                      "Katmai",   "Coppermine", "Northwood", "Banias",     "Sandybridge", "Opteron",
                                      "Opteron(SSE3)", "Barcelona", "Bobcat", "Bulldozer", "Piledriver",
                                      "Steamroller", "Excavator", "Unknown"};
    for (size_t i = 0; i < sizeof old / sizeof *old; i++)
        if (!strcasecmp(name, old[i])) return 1;
    return 0;
}

const char *we_cli_blas_override(const char *core, int avx2_fma, int avx512)
{
    if (!core || !avx2_fma || !blas_core_pre_avx2(core)) return NULL;
    return avx512 ? "SkylakeX" : "Haswell";
}

void we_cli_blas_kernels(char **argv)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (getenv("OPENBLAS_CORETYPE") || !argv || !argv[0] || !openblas_get_corename) return;
    __builtin_cpu_init();
    int avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                 __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    const char *want = we_cli_blas_override(openblas_get_corename(), avx2_fma, avx512);
    /* the binary's own path, not /proc/self/exe: ps, top and pkill name a
     * process after the file it was executed from */
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (!want || n <= 0 || (size_t)n >= sizeof self - 1) return;
    self[n] = 0;
    if (setenv("OPENBLAS_CORETYPE", want, 1)) return;
    execv(self, argv);
    unsetenv("OPENBLAS_CORETYPE"); /* could not: carry on as we are */
#else
    (void)argv;
#endif
}

void we_cli_init_blas(char **argv)
{
    we_cli_blas_kernels(argv);
    we_cli_init(argv[0]);
}
