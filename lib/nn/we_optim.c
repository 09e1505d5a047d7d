/* we_optim.c - AdamW (torch.optim.AdamW semantics), global-norm gradient
 * clipping and weight EMA over flat float buffers: CPU reference. */
#include <math.h>

#include "we_optim.h"

void we_adamw_params_init(we_adamw_params *p)
{
    p->lr = 1e-3f;
    p->beta1 = 0.9f;
    p->beta2 = 0.999f;
    p->eps = 1e-8f;
    p->weight_decay = 1e-2f;
}

void we_adamw_step(float *param, float *m, float *v, const float *grad, size_t n,
                   const we_adamw_params *p, long t)
{
    const double bc1 = 1.0 - pow((double)p->beta1, (double)t);
    const double bc2 = 1.0 - pow((double)p->beta2, (double)t);
    const float step = (float)((double)p->lr / bc1);
    const float sbc2 = (float)sqrt(bc2);
    const float decay = 1.0f - p->lr * p->weight_decay;
    const float b1 = p->beta1, b2 = p->beta2;
    for (size_t i = 0; i < n; i++) {
        float g = grad[i];
        float w = param[i] * decay;
        float mi = b1 * m[i] + (1.0f - b1) * g;
        float vi = b2 * v[i] + (1.0f - b2) * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] = w - step * mi / (sqrtf(vi) / sbc2 + p->eps);
    }
}

float we_optim_grad_norm(const float *grad, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)grad[i] * grad[i];
    return (float)sqrt(s);
}

void we_optim_scale(float *grad, size_t n, float s)
{
    for (size_t i = 0; i < n; i++) grad[i] *= s;
}

float we_optim_clip_grad_norm(float *grad, size_t n, float max_norm)
{
    float total = we_optim_grad_norm(grad, n);
    float coef = max_norm / (total + 1e-6f);
    if (coef < 1.0f) we_optim_scale(grad, n, coef);
    return total;
}

void we_optim_ema_update(float *ema, const float *param, size_t n, float decay)
{
    const float k = 1.0f - decay;
    for (size_t i = 0; i < n; i++) ema[i] += k * (param[i] - ema[i]);
}
