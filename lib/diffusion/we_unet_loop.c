/* we_unet_loop.c - the one op loop of the UNet: forward and backward walks
 * over the tape (we_unet_plan.c) calling the layers through a backend
 * table, so the CPU (we_unet_cpu below) and the GPU (we_unet_cuda.c) run
 * the same code. See we_unet_priv.h. */
#include "we_unet_priv.h"

#include <string.h>

/* ------------------------------------------------------------ the CPU backend */

static we_status cpu_upload(float *dst, const float *src, size_t n)
{
    memcpy(dst, src, sizeof(float) * n);
    return WE_OK;
}

static we_status cpu_upload_i32(int32_t *dst, const int32_t *src, size_t n)
{
    memcpy(dst, src, sizeof(int32_t) * n);
    return WE_OK;
}

static we_status cpu_zero(float *dst, size_t n)
{
    memset(dst, 0, sizeof(float) * n);
    return WE_OK;
}

static size_t cpu_attention_scratch_size(int N, int C, int T, int heads)
{
    (void)N; /* one sample at a time */
    return we_nn_attention_scratch_size(C, T, heads);
}

static void cpu_vamix_forward(float *out, const float *inp, const float *nul, const float *mask, int N, int C)
{
    for (int n = 0; n < N; n++) {
        float k = mask[n];
        const float *v = inp + (size_t)n * C;
        float *o = out + (size_t)n * C;
        for (int j = 0; j < C; j++) o[j] = (1 - k) * v[j] + k * nul[j];
    }
}

static void cpu_vamix_backward(float *dinp, float *dnull, const float *dout, const float *mask, int N, int C)
{
    for (int n = 0; n < N; n++) {
        float k = mask[n];
        const float *d = dout + (size_t)n * C;
        float *dv = dinp + (size_t)n * C;
        for (int j = 0; j < C; j++) {
            dv[j] += (1 - k) * d[j];
            dnull[j] += k * d[j];
        }
    }
}

const we_unet_backend we_unet_cpu = {
    .upload = cpu_upload,
    .upload_i32 = cpu_upload_i32,
    .zero = cpu_zero,
    .conv2d_scratch_size = we_nn_conv2d_scratch_size,
    .attention_scratch_size = cpu_attention_scratch_size,
    .conv2d_forward = we_nn_conv2d_forward,
    .conv2d_backward = we_nn_conv2d_backward,
    .linear_forward = we_nn_linear_forward,
    .linear_backward = we_nn_linear_backward,
    .groupnorm_forward = we_nn_groupnorm_forward,
    .groupnorm_backward = we_nn_groupnorm_backward,
    .adagn_forward = we_nn_adagn_forward,
    .adagn_backward = we_nn_adagn_backward,
    .silu_forward = we_nn_silu_forward,
    .silu_backward = we_nn_silu_backward,
    .add_forward = we_nn_add_forward,
    .add_backward = we_nn_add_backward,
    .scale_forward = we_nn_scale_forward,
    .scale_backward = we_nn_scale_backward,
    .concat_forward = we_nn_concat_forward,
    .concat_backward = we_nn_concat_backward,
    .slice_forward = we_nn_slice_forward,
    .slice_backward = we_nn_slice_backward,
    .dwt_forward = we_nn_dwt_forward,
    .dwt_backward = we_nn_dwt_backward,
    .iwt_forward = we_nn_iwt_forward,
    .iwt_backward = we_nn_iwt_backward,
    .attention_forward = we_nn_attention_forward,
    .attention_backward = we_nn_attention_backward,
    .timestep_embedding = we_nn_timestep_embedding,
    .embedding_forward = we_nn_embedding_forward,
    .embedding_backward = we_nn_embedding_backward,
    .vamix_forward = cpu_vamix_forward,
    .vamix_backward = cpu_vamix_backward,
};

/* ------------------------------------------------------------ inputs */

size_t we_unet_loop_scratch(const we_unet *m, const we_unet_backend *be)
{
    size_t sc = 0;
    for (int i = 0; i < m->nops; i++) {
        const we_unet_op *o = &m->ops[i];
        size_t need = 0;
        if (o->type == OP_CONV) {
            we_conv2d_dims d = {m->maxN, o->C, o->H, o->W, o->Cout, o->k, 1, o->k / 2, o->groups};
            need = be->conv2d_scratch_size(&d);
        } else if (o->type == OP_ATTN) {
            need = be->attention_scratch_size(m->maxN, o->C, o->H, 1);
        }
        if (need > sc) sc = need;
    }
    return sc + 1;
}

we_status we_unet_loop_conds(const we_unet *m, float *tf, int32_t *labels, float *vamask, const int32_t *t,
                             const int32_t *label, const float *va, const int32_t *va_null, int N)
{
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "model: batch %d not in 1..%d", N, m->maxN);
    for (int n = 0; n < N; n++) {
        if (t[n] < 0 || t[n] >= m->cfg.T) return we_err_set(WE_EUSAGE, "model: timestep %d not in 0..%d", t[n], m->cfg.T - 1);
        int lb = label ? label[n] : WE_UNET_NULL_LABEL;
        if (lb < 0 || lb >= WE_UNET_NUM_LABELS) return we_err_set(WE_EUSAGE, "model: label %d not in 0..8", lb);
        tf[n] = (float)t[n];
        labels[n] = lb;
        vamask[n] = (!va || (va_null && va_null[n])) ? 1.0f : 0.0f;
    }
    return WE_OK;
}

we_status we_unet_loop_inputs(const we_unet *m, const we_unet_backend *be, const we_unet_bufs *b,
                              const float *x, const float *va, const float *heat, int N)
{
    we_status s = be->upload(b->acts + m->off_x, x, (size_t)N * (size_t)m->xsize);
    if (!s) s = va ? be->upload(b->acts + m->off_va, va, 2 * (size_t)N) : be->zero(b->acts + m->off_va, 2 * (size_t)N);
    if (!s && m->cfg.K) {
        size_t n = (size_t)N * (size_t)m->heatsize;
        s = heat ? be->upload(b->acts + m->off_heat, heat, n) : be->zero(b->acts + m->off_heat, n);
    }
    return s;
}

/* ------------------------------------------------------------ the loop */

#define A(off) (b->acts + (off))
#define D(off) (b->dacts + (off))
#define P(off) (b->params + (off))
#define G(off) (b->grads + (off))

void we_unet_loop_forward(const we_unet *m, const we_unet_backend *be, const we_unet_bufs *b, int N)
{
    for (int i = 0; i < m->nops; i++) {
        const we_unet_op *o = &m->ops[i];
        size_t n = (size_t)N * (size_t)o->C;
        switch (o->type) {
        case OP_CONV: {
            we_conv2d_dims d = {N, o->C, o->H, o->W, o->Cout, o->k, 1, o->k / 2, o->groups};
            be->conv2d_forward(A(o->out), b->scratch, A(o->in), P(o->w), P(o->b), &d);
            break;
        }
        case OP_LINEAR: be->linear_forward(A(o->out), A(o->in), P(o->w), P(o->b), N, o->C, o->Cout); break;
        case OP_ADAGN: {
            const float *ss = A(o->in2);
            be->adagn_forward(A(o->out), A(o->s1), A(o->s2), A(o->in), NULL, NULL, ss, ss + o->C, 2 * o->C, N,
                              o->C, o->H, o->groups, GN_EPS);
            break;
        }
        case OP_GN:
            be->groupnorm_forward(A(o->out), A(o->s1), A(o->s2), A(o->in), P(o->w), P(o->b), N, o->C, o->H,
                                  o->groups, GN_EPS);
            break;
        case OP_SILU: be->silu_forward(A(o->out), A(o->in), n); break;
        case OP_SCALE: be->scale_forward(A(o->out), A(o->in), o->scale, n); break;
        case OP_ADD: be->add_forward(A(o->out), A(o->in), A(o->in2), o->scale, n); break;
        case OP_DWT: be->dwt_forward(A(o->out), A(o->in), N, o->C, o->H, o->W); break;
        case OP_IWT: be->iwt_forward(A(o->out), A(o->in), N, o->C, o->H, o->W); break;
        case OP_CONCAT: be->concat_forward(A(o->out), A(o->in), A(o->in2), N, o->C, o->C2, o->H); break;
        case OP_SLICE: be->slice_forward(A(o->out), A(o->in), N, o->C, o->c0, o->Cout, o->H); break;
        case OP_ATTN: {
            /* w: qkv weight then bias; b: proj weight then bias */
            size_t C = (size_t)o->C;
            be->attention_forward(A(o->out), A(o->s1), A(o->s2), A(o->s3), A(o->in), P(o->w), P(o->w) + 3 * C * C,
                                  P(o->b), P(o->b) + C * C, N, o->C, o->H, 1);
            break;
        }
        case OP_TEMB: be->timestep_embedding(A(o->out), b->tf, N, o->C, 10000.0f, WE_TEMB_WAVEDIFF); break;
        case OP_EMBED: be->embedding_forward(A(o->out), b->labels, P(o->w), N, WE_UNET_NUM_LABELS, o->C); break;
        case OP_VAMIX: be->vamix_forward(A(o->out), A(o->in), P(o->w), b->vamask, N, o->C); break;
        }
    }
}

void we_unet_loop_backward(const we_unet *m, const we_unet_backend *be, const we_unet_bufs *b, int N)
{
    for (int i = m->nops - 1; i >= 0; i--) {
        const we_unet_op *o = &m->ops[i];
        size_t n = (size_t)N * (size_t)o->C;
        switch (o->type) {
        case OP_CONV: {
            we_conv2d_dims d = {N, o->C, o->H, o->W, o->Cout, o->k, 1, o->k / 2, o->groups};
            /* the network input needs no gradient */
            float *di = (o->in == m->off_x) ? NULL : D(o->in);
            be->conv2d_backward(di, G(o->w), G(o->b), b->scratch, D(o->out), A(o->in), P(o->w), &d);
            break;
        }
        case OP_LINEAR:
            be->linear_backward(o->in == m->off_va ? NULL : D(o->in), G(o->w), G(o->b), D(o->out), A(o->in),
                                P(o->w), N, o->C, o->Cout);
            break;
        case OP_ADAGN: {
            const float *ss = A(o->in2);
            float *dss = D(o->in2);
            be->adagn_backward(D(o->in), NULL, NULL, dss, dss + o->C, D(o->out), A(o->in), NULL, NULL, ss,
                               ss + o->C, 2 * o->C, A(o->s1), A(o->s2), N, o->C, o->H, o->groups);
            break;
        }
        case OP_GN:
            be->groupnorm_backward(D(o->in), G(o->w), G(o->b), D(o->out), A(o->in), P(o->w), A(o->s1), A(o->s2),
                                   N, o->C, o->H, o->groups);
            break;
        case OP_SILU: be->silu_backward(D(o->in), D(o->out), A(o->in), n); break;
        case OP_SCALE:
            if (o->in != m->off_x) be->scale_backward(D(o->in), D(o->out), o->scale, n);
            break;
        case OP_ADD: be->add_backward(D(o->in), D(o->in2), D(o->out), o->scale, n); break;
        case OP_DWT:
            if (o->in != m->off_x) be->dwt_backward(D(o->in), D(o->out), N, o->C, o->H, o->W);
            break;
        case OP_IWT: be->iwt_backward(D(o->in), D(o->out), N, o->C, o->H, o->W); break;
        case OP_CONCAT:
            be->concat_backward(o->in == m->off_x ? NULL : D(o->in), o->in2 == m->off_heat ? NULL : D(o->in2),
                                D(o->out), N, o->C, o->C2, o->H);
            break;
        case OP_SLICE: be->slice_backward(D(o->in), D(o->out), N, o->C, o->c0, o->Cout, o->H); break;
        case OP_ATTN: {
            size_t C = (size_t)o->C;
            be->attention_backward(D(o->in), G(o->w), G(o->w) + 3 * C * C, G(o->b), G(o->b) + C * C, b->scratch,
                                   D(o->out), A(o->in), P(o->w), P(o->b), A(o->s1), A(o->s2), A(o->s3), N, o->C,
                                   o->H, 1);
            break;
        }
        case OP_TEMB: break;
        case OP_EMBED: be->embedding_backward(G(o->w), D(o->out), b->labels, N, WE_UNET_NUM_LABELS, o->C); break;
        case OP_VAMIX: be->vamix_backward(D(o->in), G(o->w), D(o->out), b->vamask, N, o->C); break;
        }
    }
}
