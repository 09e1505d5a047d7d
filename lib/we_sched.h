/* we_sched.h - the diffusion noise schedule: betas and alphas_cumprod.
 *
 * Only produces numbers; step rules live in we_sampler.h. Computed in
 * double, matching tests/ref/model.py (torch float64):
 *   linear: beta_i = linspace(1e-4, 0.02, T)
 *   cosine: Nichol & Dhariwal, s = 0.008, f(u) = cos((u/T + s)/(1+s) pi/2)^2,
 *           beta_i = min(1 - f(i+1)/f(i), 0.999)
 *   acp[i] = prod_{j<=i} (1 - beta_j),   i = 0..T-1
 */
#ifndef WE_SCHED_H
#define WE_SCHED_H

#include "we_err.h"

#define WE_SCHED_LIST(X) X(WE_SCHED_LINEAR, "linear") X(WE_SCHED_COSINE, "cosine")

typedef enum {
#define WE_X_SCH(e, s) e,
    WE_SCHED_LIST(WE_X_SCH)
#undef WE_X_SCH
    WE_SCHED_COUNT
} we_sched_kind;

const char *we_sched_name(we_sched_kind k);
/* "linear" / "cosine" -> kind; WE_EUSAGE with a detail otherwise. */
we_status we_sched_parse(const char *s, we_sched_kind *out);

typedef struct {
    we_sched_kind kind;
    int T;
    double *betas;   /* [T] */
    double *acp;     /* [T] alphas_cumprod */
} we_sched;

/* Allocate and fill a schedule of T >= 2 steps. */
we_status we_sched_init(we_sched *s, we_sched_kind kind, int T);
void we_sched_free(we_sched *s);
/* alphas_cumprod at t, with t = -1 meaning the clean data (1.0). */
double we_sched_acp(const we_sched *s, int t);

#endif
