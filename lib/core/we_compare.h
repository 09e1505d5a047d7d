/* we_compare.h - compare two tensors element by element with tolerances.
 *
 * Two values a (got) and b (want) agree when |a - b| <= abs_tol + rel_tol*|b|,
 * or when both are NaN. Infinities agree only with the same infinity.
 */
#ifndef WE_COMPARE_H
#define WE_COMPARE_H

#include <stddef.h>

#include "we_tensor.h"

typedef struct {
    double max_abs;      /* largest |a - b| over finite pairs */
    double max_rel;      /* largest |a - b| / |b| over pairs with b != 0 */
    size_t n_bad;        /* elements outside tolerance */
    size_t first_bad;    /* flat index of the first one (valid if n_bad) */
    double a_bad, b_bad; /* its two values */
} we_compare_result;

/* Compare a and b (any dtypes, same element count); shapes are the
 * caller's business. WE_EDATA if the counts differ. */
we_status we_compare_tensors(const we_tensor *a, const we_tensor *b, double abs_tol, double rel_tol,
                             we_compare_result *res);

#endif
