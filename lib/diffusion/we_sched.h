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

/* The noise region: which wavelet channels of x [N, 4C, h, h] the
 * diffusion noises (all; high = the 3C high bands; low = the C LL
 * channels); the others stay the clean data. A property of the diffusion
 * process, shared by the model config (we_unet.h) and the step rules
 * (we_sampler.h). */
#define WE_REGION_LIST(X) X(WE_REGION_ALL, "all") X(WE_REGION_HIGH, "high") X(WE_REGION_LOW, "low")
typedef enum {
#define WE_X_REG(e, s) e,
    WE_REGION_LIST(WE_X_REG)
#undef WE_X_REG
    WE_REGION_COUNT
} we_region;

/* Name of a region ("all", "high", "low"; "?" outside the enum). */
const char *we_region_name(we_region r);
/* Name -> region; WE_EUSAGE with a detail naming the bad value otherwise. */
we_status we_region_parse(const char *s, we_region *out);

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
