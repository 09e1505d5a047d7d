/* we_detail.c - the detail network D (see we_detail.h). */
#include "we_detail.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_nn.h"
#include "we_train_rng.h"

void we_detail_config_init(we_detail_config *c)
{
    c->nf = 32;
    c->layers = 5;
}

we_status we_detail_config_validate(const we_detail_config *c)
{
    if (c->nf < 4 || c->nf > 256) return we_err_set(WE_EUSAGE, "detail nf %d out of range 4..256", c->nf);
    if (c->layers < 2 || c->layers > WE_DETAIL_MAX_LAYERS)
        return we_err_set(WE_EUSAGE, "detail layers %d out of range 2..%d", c->layers, WE_DETAIL_MAX_LAYERS);
    return WE_OK;
}

static int layer_cin(const we_detail_config *c, int l) { return l == 0 ? WE_DETAIL_CIN : c->nf; }
static int layer_cout(const we_detail_config *c, int l) { return l == c->layers - 1 ? WE_DETAIL_COUT : c->nf; }

/* The size table: weight then bias of every layer, in that order. */
static size_t point_params(const we_detail_config *c, float *base, we_detail_params *p)
{
    size_t off = 0;
    for (int l = 0; l < c->layers; l++) {
        size_t nw = (size_t)layer_cout(c, l) * (size_t)layer_cin(c, l) * 9;
        if (p) p->w[l] = base + off;
        off += nw;
        if (p) p->b[l] = base + off;
        off += (size_t)layer_cout(c, l);
    }
    return off;
}

we_status we_detail_create(we_detail *d, const we_detail_config *c)
{
    memset(d, 0, sizeof *d);
    we_status s = we_detail_config_validate(c);
    if (s) return s;
    d->cfg = *c;
    d->num_params = point_params(c, NULL, NULL);
    d->params = calloc(d->num_params, sizeof(float));
    if (!d->params) return we_err_set(WE_ENOMEM, "detail net: %zu parameters", d->num_params);
    point_params(c, d->params, &d->p);
    return WE_OK;
}

void we_detail_free(we_detail *d)
{
    free(d->params);
    free(d->grads);
    free(d->acts);
    free(d->scratch);
    memset(d, 0, sizeof *d);
}

void we_detail_init_weights(we_detail *d, uint64_t seed)
{
    we_rng r;
    we_rng_seed(&r, seed);
    const we_detail_config *c = &d->cfg;
    for (int l = 0; l < c->layers; l++) {
        size_t nw = (size_t)layer_cout(c, l) * (size_t)layer_cin(c, l) * 9;
        float std = sqrtf(2.0f / (9.0f * (float)layer_cin(c, l)));
        for (size_t i = 0; i < nw; i++) d->p.w[l][i] = l == c->layers - 1 ? 0.0f : std * (float)we_rng_normal(&r);
        memset(d->p.b[l], 0, (size_t)layer_cout(c, l) * sizeof(float));
    }
}

static we_conv2d_dims conv_dims(const we_detail_config *c, int l, int N, int H, int W)
{
    we_conv2d_dims cd = {N, layer_cin(c, l), H, W, layer_cout(c, l), 3, 1, 1, 1};
    return cd;
}

/* Size the activations and the scratch for N x H x W. */
static we_status reserve(we_detail *d, int N, int H, int W)
{
    const we_detail_config *c = &d->cfg;
    size_t pos = (size_t)N * (size_t)H * (size_t)W;
    if (pos > d->cap_pos) {
        /* a[l], h[l] for hidden layers, a[last] with 3 channels, 2 grad maps */
        size_t hid = pos * (size_t)c->nf;
        size_t n = hid * (size_t)(2 * (c->layers - 1) + 2) + pos * WE_DETAIL_COUT;
        float *m = malloc(n * sizeof(float));
        if (!m) return we_err_set(WE_ENOMEM, "detail net: activations for %d x %d x %d", N, H, W);
        free(d->acts);
        d->acts = m;
        d->cap_pos = pos;
    }
    size_t hid = d->cap_pos * (size_t)c->nf;
    float *q = d->acts;
    for (int l = 0; l < c->layers - 1; l++) {
        d->a[l] = q; q += hid;
        d->h[l] = q; q += hid;
    }
    d->dbuf[0] = q; q += hid;
    d->dbuf[1] = q; q += hid;
    d->a[c->layers - 1] = q;
    d->h[c->layers - 1] = NULL;
    size_t sc = 0;
    for (int l = 0; l < c->layers; l++) {
        we_conv2d_dims cd = conv_dims(c, l, N, H, W);
        size_t k = we_nn_conv2d_scratch_size(&cd);
        if (k > sc) sc = k;
    }
    if (sc > d->cap_scratch) {
        float *m = malloc(sc * sizeof(float));
        if (!m) return we_err_set(WE_ENOMEM, "detail net: conv scratch of %zu floats", sc);
        free(d->scratch);
        d->scratch = m;
        d->cap_scratch = sc;
    }
    return WE_OK;
}

we_status we_detail_forward(we_detail *d, float *out, const float *inp, int N, int H, int W)
{
    const we_detail_config *c = &d->cfg;
    we_status s = reserve(d, N, H, W);
    if (s) return s;
    d->N = N, d->H = H, d->W = W;
    size_t HW = (size_t)H * (size_t)W;
    const float *x = inp;
    for (int l = 0; l < c->layers; l++) {
        we_conv2d_dims cd = conv_dims(c, l, N, H, W);
        we_nn_conv2d_forward(d->a[l], d->scratch, x, d->p.w[l], d->p.b[l], &cd);
        if (l < c->layers - 1) {
            we_nn_silu_forward(d->h[l], d->a[l], (size_t)N * (size_t)c->nf * HW);
            x = d->h[l];
        }
    }
    /* out = source detail (input channels 2..4) + f */
    for (int n = 0; n < N; n++)
        we_nn_add_forward(out + (size_t)n * WE_DETAIL_COUT * HW, inp + ((size_t)n * WE_DETAIL_CIN + 2) * HW,
                          d->a[c->layers - 1] + (size_t)n * WE_DETAIL_COUT * HW, 1.0f, WE_DETAIL_COUT * HW);
    return WE_OK;
}

we_status we_detail_zero_grad(we_detail *d)
{
    if (!d->grads) {
        d->grads = calloc(d->num_params, sizeof(float));
        if (!d->grads) return we_err_set(WE_ENOMEM, "detail net: gradients");
        point_params(&d->cfg, d->grads, &d->g);
        return WE_OK;
    }
    memset(d->grads, 0, d->num_params * sizeof(float));
    return WE_OK;
}

we_status we_detail_backward(we_detail *d, float *dinp, const float *dout, const float *inp,
                             int N, int H, int W)
{
    const we_detail_config *c = &d->cfg;
    if (N != d->N || H != d->H || W != d->W)
        return we_err_set(WE_EUSAGE, "detail backward: sizes %dx%dx%d differ from the forward's %dx%dx%d",
                          N, H, W, d->N, d->H, d->W);
    if (!d->grads) {
        we_status s = we_detail_zero_grad(d);
        if (s) return s;
    }
    size_t HW = (size_t)H * (size_t)W;
    size_t nhid = (size_t)N * (size_t)c->nf * HW;
    /* residual path: dinp[:, 2:5] += dout */
    if (dinp)
        for (int n = 0; n < N; n++)
            we_nn_add_backward(dinp + ((size_t)n * WE_DETAIL_CIN + 2) * HW, NULL,
                               dout + (size_t)n * WE_DETAIL_COUT * HW, 1.0f, WE_DETAIL_COUT * HW);
    /* conv path, last layer first; g = dL/d(a[l]) */
    const float *g = dout;
    /* dbuf[0] = dL/dh[l-1] (the conv's dinp), dbuf[1] = dL/da[l-1] (read as
     * g by the next conv backward, rewritten only after that) */
    for (int l = c->layers - 1; l >= 0; l--) {
        we_conv2d_dims cd = conv_dims(c, l, N, H, W);
        const float *x = l ? d->h[l - 1] : inp;
        float *dx = NULL;
        if (l) {
            dx = d->dbuf[0];
            memset(dx, 0, nhid * sizeof(float));
        } else {
            dx = dinp;
        }
        we_nn_conv2d_backward(dx, d->g.w[l], d->g.b[l], d->scratch, g, x, d->p.w[l], &cd);
        if (l) {
            /* through the SiLU of layer l-1 */
            float *da = d->dbuf[1];
            memset(da, 0, nhid * sizeof(float));
            we_nn_silu_backward(da, dx, d->a[l - 1], nhid);
            g = da;
        }
    }
    return WE_OK;
}

void we_detail_pack(float *inp, const float *ll_edit, const float *ll_src, const float *det_src,
                    const float *mask, int level, int H, int W)
{
    size_t HW = (size_t)H * (size_t)W;
    float s = ldexpf(1.0f, -level);
    for (size_t i = 0; i < HW; i++) {
        inp[i] = ll_edit[i] * s;
        inp[HW + i] = ll_src[i] * s;
        inp[2 * HW + i] = det_src[i] * s;
        inp[3 * HW + i] = det_src[HW + i] * s;
        inp[4 * HW + i] = det_src[2 * HW + i] * s;
        inp[5 * HW + i] = mask ? mask[i] : 1.0f;
    }
}

we_status we_detail_apply(we_detail *d, float *det_out, const float *ll_edit, const float *ll_src,
                          const float *det_src, const float *mask, int level, int H, int W)
{
    size_t HW = (size_t)H * (size_t)W;
    float *inp = malloc((WE_DETAIL_CIN + WE_DETAIL_COUT) * HW * sizeof(float));
    if (!inp) return we_err_set(WE_ENOMEM, "detail net: input of %dx%d", H, W);
    float *out = inp + WE_DETAIL_CIN * HW;
    we_detail_pack(inp, ll_edit, ll_src, det_src, mask, level, H, W);
    we_status s = we_detail_forward(d, out, inp, 1, H, W);
    if (!s) {
        float u = ldexpf(1.0f, level);
        for (size_t i = 0; i < WE_DETAIL_COUT * HW; i++) det_out[i] = out[i] * u;
    }
    free(inp);
    return s;
}

we_status we_detail_add_to_writer(const we_detail *d, const float *params, we_st_writer *w)
{
    const we_detail_config *c = &d->cfg;
    we_detail_params p;
    point_params(c, (float *)params, &p);
    we_status s = we_st_writer_meta(w, "detail.format", WE_DETAIL_FORMAT);
    s = s ? s : we_st_writer_metaf(w, "detail.nf", "%d", c->nf);
    s = s ? s : we_st_writer_metaf(w, "detail.layers", "%d", c->layers);
    char name[64];
    for (int l = 0; l < c->layers && !s; l++) {
        int64_t shw[4] = {layer_cout(c, l), layer_cin(c, l), 3, 3}, shb[1] = {layer_cout(c, l)};
        snprintf(name, sizeof name, "detail.conv%d.weight", l);
        s = we_st_writer_add(w, name, WE_ST_F32, 4, shw, p.w[l]);
        snprintf(name, sizeof name, "detail.conv%d.bias", l);
        s = s ? s : we_st_writer_add(w, name, WE_ST_F32, 1, shb, p.b[l]);
    }
    return s;
}

we_status we_detail_save_file(const we_detail *d, const char *path)
{
    we_st_writer w;
    we_st_writer_init(&w);
    we_status s = we_detail_add_to_writer(d, d->params, &w);
    s = s ? s : we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    return s;
}

static we_status meta_int(const we_st_file *f, const char *key, int *out)
{
    const char *v = we_st_meta(f, key);
    char *end;
    long x = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end || x < 0 || x > 100000)
        return we_err_set(WE_EDATA, "detail net: metadata '%s' missing or bad", key);
    *out = (int)x;
    return WE_OK;
}

we_status we_detail_load(we_detail *d, const we_st_file *f)
{
    memset(d, 0, sizeof *d);
    const char *fmt = we_st_meta(f, "detail.format");
    if (!fmt || strcmp(fmt, WE_DETAIL_FORMAT))
        return we_err_set(WE_EDATA, "no detail net in the file (metadata detail.format is not %s)", WE_DETAIL_FORMAT);
    we_detail_config c;
    we_status s = meta_int(f, "detail.nf", &c.nf);
    s = s ? s : meta_int(f, "detail.layers", &c.layers);
    if (s) return s;
    if ((s = we_detail_config_validate(&c))) return we_err_set(WE_EDATA, "detail net: %s", we_err_detail());
    if ((s = we_detail_create(d, &c))) return s;
    char name[64];
    for (int l = 0; l < c.layers && !s; l++) {
        int64_t shw[4] = {layer_cout(&c, l), layer_cin(&c, l), 3, 3}, shb[1] = {layer_cout(&c, l)};
        snprintf(name, sizeof name, "detail.conv%d.weight", l);
        s = we_st_get_f32(f, name, d->p.w[l], (size_t)(shw[0] * shw[1] * 9), 4, shw);
        snprintf(name, sizeof name, "detail.conv%d.bias", l);
        s = s ? s : we_st_get_f32(f, name, d->p.b[l], (size_t)shb[0], 1, shb);
    }
    if (s) we_detail_free(d);
    return s;
}

we_status we_detail_load_file(we_detail *d, const char *path)
{
    we_st_file f;
    memset(d, 0, sizeof *d);
    we_status s = we_st_read(&f, path);
    if (s) return s;
    s = we_detail_load(d, &f);
    we_st_free(&f);
    return s;
}
