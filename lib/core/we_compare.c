/* we_compare.c - tolerance comparison of two tensors. */
#include "we_compare.h"

#include <math.h>
#include <string.h>

we_status we_compare_tensors(const we_tensor *a, const we_tensor *b, double abs_tol, double rel_tol,
                             we_compare_result *res)
{
    memset(res, 0, sizeof *res);
    size_t n = we_tensor_count(a);
    if (n != we_tensor_count(b)) return we_err_set(WE_EDATA, "element counts differ (%zu vs %zu)", n, we_tensor_count(b));
    we_tensor fa, fb;
    we_status s = we_tensor_to_f32(a, &fa);
    if (s) return s;
    s = we_tensor_to_f32(b, &fb);
    if (s) { we_tensor_free(&fa); return s; }
    const float *pa = fa.data, *pb = fb.data;
    for (size_t i = 0; i < n; i++) {
        double x = pa[i], y = pb[i];
        int ok;
        if (isnan(x) || isnan(y)) ok = isnan(x) && isnan(y);
        else if (isinf(x) || isinf(y)) ok = x == y;
        else {
            double d = fabs(x - y);
            if (d > res->max_abs) res->max_abs = d;
            if (y != 0 && d / fabs(y) > res->max_rel) res->max_rel = d / fabs(y);
            ok = d <= abs_tol + rel_tol * fabs(y);
        }
        if (!ok) {
            if (!res->n_bad) { res->first_bad = i; res->a_bad = x; res->b_bad = y; }
            res->n_bad++;
        }
    }
    we_tensor_free(&fa);
    we_tensor_free(&fb);
    return WE_OK;
}
