/* we_sampler.h - diffusion step rules and samplers (stable-diffusion.cpp
 * style: the schedule only gives numbers (we_sched.h), the parameterisation
 * is epsilon, and the step rules below call the model through a callback).
 *
 * Data: x [N, 4C, h, h], wavelet channels subband-major: the first C
 * channels are LL, the other 3C the high bands (LH, HL, HH).
 *
 * Timestep grid for `steps` steps up to t_top: g[0] = -1 (clean data,
 * alphas_cumprod 1), g[k] = round(k * t_top / steps) for k = 1..steps.
 * Reverse steps go g[k] -> g[k-1] evaluating the model at g[k]; inversion
 * steps go g[k-1] -> g[k] evaluating the model at g[k] on the current x
 * (diffusers' DDIM inverse convention).
 */
#ifndef WE_SAMPLER_H
#define WE_SAMPLER_H

#include <stddef.h>

#include "we_err.h"
#include "we_sched.h"
#include "we_train_rng.h"

/* Which conditions the model callback applies ("which" argument). */
#define WE_EPS_NULL (-1)   /* every condition NULL (unconditional) */
#define WE_EPS_SOURCE (-2) /* the source item's own condition (inversion) */
#define WE_EPS_TARGET 0    /* the full target condition */
/* which = k >= 1: only target condition k kept, the others NULL
 * (per-condition guidance; k numbers the conditions of the model glue). */

/* eps [N, 4C, h, h] = model(x, t) under the conditions chosen by which. */
typedef we_status (*we_eps_fn)(void *ctx, float *eps, const float *x, int t, int which, int N);

typedef struct {
    we_eps_fn fn;
    void *ctx;
    const we_sched *sched;
    int N, C, h;            /* x is [N, 4C, h, h] */
    float s_low, s_high;    /* guidance scales on LL and high channels (1, 1 = no guidance) */
    int ncond;              /* > 0: per-condition guidance with cond_scales[0..ncond-1] */
    const float *cond_scales;
    we_region region;       /* channels that are diffused */
    const float *fixed;     /* [N,4C,h,h] values of the channels outside the region, or NULL */
    float eta;              /* DDIM eta (0 = deterministic) */
    float clip;             /* > 0: clamp the predicted x0 to [-clip, clip] in
                             * reverse steps (guided-diffusion's clip_denoised;
                             * 1 fits Haar data at scale 1/2); 0 = off */
} we_sampler;

/* Defaults: no guidance, region all, eta 0. fn/ctx/sched/N/C/h to be set. */
void we_sampler_init(we_sampler *s);

/* The grid above: g[0..steps]. steps >= 1, 0 <= t_top < T. */
void we_sampler_grid(int *g, int steps, int t_top);

/* DDIM step (eta) from alphas_cumprod a_t to a_prev, elementwise over n:
 *   x0 = (x - sqrt(1-a_t) eps)/sqrt(a_t), clamped to [-clip, clip] if
 *        clip > 0 (eps is then recomputed from x and the clamped x0)
 *   sigma = eta sqrt((1-a_prev)/(1-a_t)) sqrt(1 - a_t/a_prev)
 *   x_prev = sqrt(a_prev) x0 + sqrt(1 - a_prev - sigma^2) eps + sigma noise
 * noise may be NULL when eta = 0. xprev may alias x. */
void we_sampler_ddim_step(float *xprev, const float *x, const float *eps, double a_t, double a_prev,
                          float eta, const float *noise, float clip, size_t n);
/* DDPM ancestral step (posterior q(x_prev | x_t, x0), x0 clamped as above
 * when clip > 0) with the respaced
 * beta = 1 - a_t/a_prev:
 *   mean = sqrt(a_prev) beta/(1-a_t) x0 + sqrt(1-beta) (1-a_prev)/(1-a_t) x_t
 *   var  = beta (1-a_prev)/(1-a_t),   x_prev = mean + sqrt(var) noise. */
void we_sampler_ddpm_step(float *xprev, const float *x, const float *eps, double a_t, double a_prev,
                          const float *noise, float clip, size_t n);
/* Deterministic DDIM inversion step from a_t up to a_next (> noise):
 *   x_next = sqrt(a_next) x0 + sqrt(1-a_next) eps, x0 as above. */
void we_sampler_ddim_invert_step(float *xnext, const float *x, const float *eps, double a_t,
                                 double a_next, size_t n);
/* Classifier-free guidance, per channel group:
 *   eps = eps_null + s (eps_cond - eps_null), s = s_low on LL, s_high on
 * the high channels. Written into eps_cond. */
void we_sampler_guide(float *eps_cond, const float *eps_null, float s_low, float s_high,
                      int N, int C, int hw);

/* Guided epsilon at timestep t: one model call when there is no guidance
 * (s_low = s_high = 1 and ncond = 0), two for low/high guidance, 1+ncond
 * for per-condition guidance (eps_null + sum_c s_c (eps_c - eps_null)).
 * work: 2 * N*4C*h*h floats. */
we_status we_sampler_eps(const we_sampler *s, float *eps, const float *x, int t, float *work);

/* Generate: x_top ~ N(0, I) on the diffused channels (fixed elsewhere),
 * then `steps` reverse steps from t_top = T-1 to clean data with DDIM(eta)
 * or, with ddpm != 0, DDPM ancestral. x out: [N,4C,h,h]. */
we_status we_sampler_generate(const we_sampler *s, float *x, int steps, int ddpm, we_rng *rng);

/* Deterministic DDIM inversion of x (clean, in) up to t0 in `steps` steps
 * under the SOURCE condition; x out = x_{t0}. traj (may be NULL) receives
 * the states at g[0..steps], (steps+1) * N*4C*h*h floats. */
we_status we_sampler_invert(const we_sampler *s, float *x, int steps, int t0, float *traj);

/* Edit: invert x (source, clean) to t0 under WE_EPS_SOURCE, then guided
 * DDIM(eta) back to 0 under the target condition. Faithfulness: during the
 * first faith_frac of the reverse steps, the coarse approximation of the
 * LL channels (the mean over 2^faith_levels x 2^faith_levels blocks, i.e.
 * LL of LL for 1 level of Haar) is replaced by the inversion trajectory's.
 * rng is used only when eta > 0. x: in source, out edited. */
we_status we_sampler_edit(const we_sampler *s, float *x, int steps, int t0, float faith_frac,
                          int faith_levels, we_rng *rng);
/* As we_sampler_edit, and, when recon is not NULL, also the
 * reconstruction: the same inverted x_t0 taken back to 0 by deterministic
 * DDIM under WE_EPS_SOURCE without guidance (steps more model calls).
 * recon [N,4C,h,h] out. edit - recon is the change the target condition
 * makes, without the round trip's own drift (which edit - source holds):
 * the cascade (we_cascade.h) uses it to change only what the emotion moves. */
we_status we_sampler_edit_recon(const we_sampler *s, float *x, float *recon, int steps, int t0, float faith_frac,
                                int faith_levels, we_rng *rng);

#endif
