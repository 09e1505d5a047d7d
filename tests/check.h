/* check.h - the tiny test helper: one line per check, a summary at the end.
 *
 *   CHECK(cond, "what")            pass/fail on a condition
 *   CHECK_CLOSE(a, b, tol, "what") |a-b| <= tol, prints both on failure
 *   return check_summary();        prints "N passed, N failed", exit status
 *
 * Header-only on purpose: each test is one translation unit and this file
 * is not part of the library.
 */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>

static int check_passed, check_failed;

static inline void check_report(int ok, const char *file, int line, const char *what)
{
    if (ok) check_passed++;
    else check_failed++;
    printf("%s %s (%s:%d)\n", ok ? "ok  " : "FAIL", what, file, line);
    fflush(stdout);
}

#define CHECK(cond, what) check_report(!!(cond), __FILE__, __LINE__, (what))

#define CHECK_CLOSE(a, b, tol, what)                                                       \
    do {                                                                                   \
        double ca_ = (double)(a), cb_ = (double)(b);                                       \
        int ok_ = fabs(ca_ - cb_) <= (tol);                                                \
        if (!ok_) printf("     %s: got %.9g, want %.9g (tol %g)\n", (what), ca_, cb_, (double)(tol)); \
        check_report(ok_, __FILE__, __LINE__, (what));                                     \
    } while (0)

/* Max |a-b| over n floats; the caller checks it against a tolerance and
 * the value is printed so a failing run says how far off it was. */
static inline double check_max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > m || d != d) m = d != d ? INFINITY : d;
    }
    return m;
}

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
