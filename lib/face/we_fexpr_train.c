/* we_fexpr_train.c - augmentation and AdamW steps for the expression
 * classifier (see we_fexpr_train.h). */
#include "we_fexpr_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_optim.h"

void we_fexpr_train_params_init(we_fexpr_train_params *p)
{
    p->lr = 1e-3f;
    p->weight_decay = 1e-2f;
    p->warmup = 200;
    p->steps = 0;
    p->shift = 0.06f;
    p->scale = 0.08f;
    p->bright = 0.15f;
    p->contrast = 0.2f;
    p->flip = 1;
}

void we_fexpr_trainer_free(we_fexpr_trainer *tr)
{
    we_fexpr_free(&tr->net);
    free(tr->m);
    free(tr->v);
    free(tr->x);
    free(tr->logits);
    free(tr->dlogits);
    memset(tr, 0, sizeof *tr);
}

we_status we_fexpr_trainer_init(we_fexpr_trainer *tr, int maxN, uint64_t seed, const char *init,
                                const we_fexpr_train_params *hp)
{
    memset(tr, 0, sizeof *tr);
    we_status s = init ? we_fexpr_load(&tr->net, init, maxN, 1) : we_fexpr_new(&tr->net, maxN, 1, seed);
    if (s) return s;
    tr->hp = *hp;
    tr->rng = seed ^ 0x5DEECE66Dull;
    size_t P = tr->net.nparams;
    tr->m = calloc(P, sizeof(float));
    tr->v = calloc(P, sizeof(float));
    tr->x = malloc(sizeof(float) * (size_t)maxN * WE_FEXPR_S * WE_FEXPR_S);
    tr->logits = malloc(sizeof(float) * (size_t)maxN * WE_FEXPR_NCLASS);
    tr->dlogits = malloc(sizeof(float) * (size_t)maxN * WE_FEXPR_NCLASS);
    if (!tr->m || !tr->v || !tr->x || !tr->logits || !tr->dlogits) {
        we_fexpr_trainer_free(tr);
        return we_err_set(WE_ENOMEM, "fexpr: out of memory for the trainer");
    }
    return WE_OK;
}

/* uniform in [0,1) (xorshift64*) */
static double unif(uint64_t *s)
{
    uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    *s = x;
    return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

static float sym(uint64_t *s, float r) { return (float)((unif(s) * 2 - 1) * r); }

void we_fexpr_augment(float *out, const float *in, uint64_t *rng, const we_fexpr_train_params *hp)
{
    const int S = WE_FEXPR_S;
    int flip = hp->flip && unif(rng) < 0.5;
    float sc = 1 + sym(rng, hp->scale), dx = sym(rng, hp->shift) * S, dy = sym(rng, hp->shift) * S;
    float c = 1 + sym(rng, hp->contrast), b = sym(rng, hp->bright);
    float ctr = (S - 1) * 0.5f;
    double mean = 0;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++) {
            /* output pixel -> source position: inverse of scale about the centre, then the shift */
            float sx = (x - ctr) / sc + ctr - dx, sy = (y - ctr) / sc + ctr - dy;
            if (flip) sx = (S - 1) - sx;
            sx = sx < 0 ? 0 : sx > S - 1 ? (float)(S - 1) : sx;
            sy = sy < 0 ? 0 : sy > S - 1 ? (float)(S - 1) : sy;
            int x0 = (int)sx, y0 = (int)sy, x1 = x0 + 1 < S ? x0 + 1 : x0, y1 = y0 + 1 < S ? y0 + 1 : y0;
            float fx = sx - x0, fy = sy - y0;
            float v = (1 - fy) * ((1 - fx) * in[y0 * S + x0] + fx * in[y0 * S + x1]) +
                      fy * ((1 - fx) * in[y1 * S + x0] + fx * in[y1 * S + x1]);
            out[y * S + x] = v;
            mean += v;
        }
    float m = (float)(mean / (S * S));
    for (int i = 0; i < S * S; i++) {
        float v = (out[i] - m) * c + m + b;
        out[i] = v < -1 ? -1 : v > 1 ? 1 : v;
    }
}

float we_fexpr_train_lr(const we_fexpr_train_params *hp, long t)
{
    if (hp->warmup > 0 && t <= hp->warmup) return hp->lr * (float)t / (float)hp->warmup;
    if (hp->steps <= hp->warmup) return hp->lr;
    double f = (double)(t - hp->warmup) / (double)(hp->steps - hp->warmup);
    if (f > 1) f = 1;
    return (float)(hp->lr * (0.05 + 0.95 * 0.5 * (1 + cos(M_PI * f))));
}

we_status we_fexpr_train_step(we_fexpr_trainer *tr, const float *const *face, const int *label, int N, int augment,
                              float *loss, int *correct)
{
    if (N < 1 || N > tr->net.maxN) return we_err_set(WE_EUSAGE, "fexpr: batch %d not in 1..%d", N, tr->net.maxN);
    for (int i = 0; i < N; i++)
        if (label[i] < 0 || label[i] >= WE_FEXPR_NCLASS)
            return we_err_set(WE_EUSAGE, "fexpr: label %d not in 0..%d", label[i], WE_FEXPR_NCLASS - 1);
    const size_t P = (size_t)WE_FEXPR_S * WE_FEXPR_S;
    for (int i = 0; i < N; i++) {
        if (augment) we_fexpr_augment(tr->x + i * P, face[i], &tr->rng, &tr->hp);
        else memcpy(tr->x + i * P, face[i], sizeof(float) * P);
    }
    we_fexpr_forward(&tr->net, tr->logits, tr->x, N);
    memset(tr->dlogits, 0, sizeof(float) * (size_t)N * WE_FEXPR_NCLASS);
    double acc = 0;
    int ok = 0;
    for (int i = 0; i < N; i++) {
        const float *z = tr->logits + i * WE_FEXPR_NCLASS;
        acc += we_fexpr_xent(z, label[i], 1.0f / N, tr->dlogits + i * WE_FEXPR_NCLASS);
        int top = 0;
        for (int k = 1; k < WE_FEXPR_NCLASS; k++) top = z[k] > z[top] ? k : top;
        ok += top == label[i];
    }
    memset(tr->net.grads, 0, sizeof(float) * tr->net.nparams);
    we_fexpr_backward(&tr->net, NULL, tr->dlogits);
    we_adamw_params ap;
    we_adamw_params_init(&ap);
    tr->step++;
    ap.lr = we_fexpr_train_lr(&tr->hp, tr->step);
    ap.weight_decay = tr->hp.weight_decay;
    we_adamw_step(tr->net.params, tr->m, tr->v, tr->net.grads, tr->net.nparams, &ap, tr->step);
    *loss = (float)(acc / N);
    if (correct) *correct = ok;
    return WE_OK;
}
