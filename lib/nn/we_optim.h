/* we_optim.h - optimizer pieces over flat float buffers: AdamW, gradient
 * clipping by global norm, EMA of weights. CPU reference here; CUDA twins
 * (same arguments, device pointers) in we_nn_cuda.h.
 *
 * All parameters of a model live in one allocation (llm.c habit), so one
 * call covers the whole model; call per range to give ranges different
 * settings (e.g. no weight decay on norms and biases).
 */
#ifndef WE_OPTIM_H
#define WE_OPTIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* AdamW hyper-parameters (torch.optim.AdamW names and defaults). */
typedef struct {
    float lr;            /* 1e-3 */
    float beta1, beta2;  /* 0.9, 0.999 */
    float eps;           /* 1e-8 */
    float weight_decay;  /* 1e-2, decoupled */
} we_adamw_params;

/* Fill p with the torch.optim.AdamW defaults above. */
void we_adamw_params_init(we_adamw_params *p);

/* One AdamW step over n parameters, exactly torch.optim.AdamW
 * (amsgrad=False, maximize=False), step t = 1, 2, ... (1 on the first call):
 *   param *= 1 - lr*wd
 *   m = b1*m + (1-b1)*g ;  v = b2*v + (1-b2)*g^2
 *   param -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * param, m, v updated in place (m and v start at zero); grad read only. */
void we_adamw_step(float *param, float *m, float *v, const float *grad, size_t n,
                   const we_adamw_params *p, long t);

/* sqrt(sum grad^2) over n (accumulated in double). */
float we_optim_grad_norm(const float *grad, size_t n);

/* torch.nn.utils.clip_grad_norm_ over one flat buffer: total = the global
 * norm; if max_norm / (total + 1e-6) < 1 every gradient is multiplied by
 * that factor. Returns total (before clipping). */
float we_optim_clip_grad_norm(float *grad, size_t n, float max_norm);

/* Multiply n gradients by s (used to clip several buffers by one norm). */
void we_optim_scale(float *grad, size_t n, float s);

/* EMA of weights: ema = decay*ema + (1-decay)*param, over n. */
void we_optim_ema_update(float *ema, const float *param, size_t n, float decay);

#ifdef __cplusplus
}
#endif

#endif
