/* we_unet.c - the WaveEmotion UNet as a tape of we_nn layer calls
 * (see we_unet.h and tests/ref/model.py, which this mirrors line by line). */
#include "we_unet.h"
#include "we_names.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_nn.h"
#include "we_unet_priv.h"

#define RS2 0.70710678118654752f

/* ------------------------------------------------------------ config */

void we_unet_config_init(we_unet_config *c)
{
    memset(c, 0, sizeof *c);
    c->S = 64;
    c->C = 3;
    c->K = 0;
    c->nf = 64;
    c->nlevels = 4;
    c->mult[0] = 1, c->mult[1] = 2, c->mult[2] = 2, c->mult[3] = 2;
    c->num_res = 2;
    c->nattn = 1;
    c->attn[0] = 2;
    c->T = 1000;
    c->schedule = WE_SCHED_LINEAR;
    c->region = WE_REGION_ALL;
    strcpy(c->wavelet, "haar");
    c->data_scale = 0.5f;
}

static int groups_for(int c)
{
    int g = c / 4;
    if (g > 32) g = 32;
    return g < 1 ? 1 : g;
}

we_status we_unet_config_validate(const we_unet_config *c)
{
    if (c->C != 1 && c->C != 3) return we_err_set(WE_EUSAGE, "model: C must be 1 or 3, not %d", c->C);
    if (c->K < 0 || c->K > 64) return we_err_set(WE_EUSAGE, "model: K (heatmap channels) %d out of range 0..64", c->K);
    if (c->nf < 4 || c->nf > 1024 || c->nf % 4) return we_err_set(WE_EUSAGE, "model: nf %d must be a multiple of 4 in 4..1024", c->nf);
    if (c->nlevels < 1 || c->nlevels > WE_UNET_MAX_LEVELS) return we_err_set(WE_EUSAGE, "model: 1..%d levels, not %d", WE_UNET_MAX_LEVELS, c->nlevels);
    for (int l = 0; l < c->nlevels; l++)
        if (c->mult[l] < 1 || c->mult[l] > 16) return we_err_set(WE_EUSAGE, "model: channel multiplier %d out of range 1..16", c->mult[l]);
    if (c->num_res < 1 || c->num_res > 8) return we_err_set(WE_EUSAGE, "model: num_res %d out of range 1..8", c->num_res);
    for (int i = 0; i < c->nattn; i++)
        if (c->attn[i] < 0 || c->attn[i] >= c->nlevels) return we_err_set(WE_EUSAGE, "model: attention level %d not in 0..%d", c->attn[i], c->nlevels - 1);
    /* the network runs at S/2 and halves nlevels-1 times, then once more in the bottleneck */
    int need = 1 << (c->nlevels + 1);
    if (c->S < need || c->S % need || c->S > 4096)
        return we_err_set(WE_EUSAGE, "model: S %d must be a multiple of %d (2^(levels+1)) and <= 4096", c->S, need);
    if (c->T < 2 || c->T > 100000) return we_err_set(WE_EUSAGE, "model: T %d out of range", c->T);
    if (!(c->data_scale > 0)) return we_err_set(WE_EUSAGE, "model: data_scale must be > 0");
    return WE_OK;
}

int we_unet_parse_intlist(const char *s, int *arr, int max)
{
    int n = 0;
    if (!*s) return 0;
    while (*s) {
        char *e;
        long v = strtol(s, &e, 10);
        if (e == s || n >= max || v < -1000000 || v > 1000000) return -1;
        arr[n++] = (int)v;
        s = e;
        if (*s == ',') s++;
        else if (*s) return -1;
    }
    return n;
}

static we_status meta_int(const we_st_file *f, const char *k, int *out)
{
    const char *v = we_st_meta(f, k);
    if (!v) return we_err_set(WE_EDATA, "checkpoint metadata lacks '%s'", k);
    char *e;
    long x = strtol(v, &e, 10);
    if (e == v || *e || x < -1000000000L || x > 1000000000L) return we_err_set(WE_EDATA, "checkpoint metadata '%s' = '%s' is not an integer", k, v);
    *out = (int)x;
    return WE_OK;
}

we_status we_unet_config_from_meta(we_unet_config *c, const we_st_file *f)
{
    we_unet_config_init(c);
    const char *fmt = we_st_meta(f, "format");
    if (!fmt || strcmp(fmt, "waveemotion-unet")) return we_err_set(WE_EDATA, "not a WaveEmotion model checkpoint (metadata format is not waveemotion-unet)");
    we_status s;
    if ((s = meta_int(f, "S", &c->S)) || (s = meta_int(f, "C", &c->C)) || (s = meta_int(f, "K", &c->K)) ||
        (s = meta_int(f, "nf", &c->nf)) || (s = meta_int(f, "num_res", &c->num_res)) || (s = meta_int(f, "T", &c->T)))
        return s;
    const char *v = we_st_meta(f, "mult");
    if (!v || (c->nlevels = we_unet_parse_intlist(v, c->mult, WE_UNET_MAX_LEVELS)) < 1)
        return we_err_set(WE_EDATA, "checkpoint metadata 'mult' missing or bad");
    v = we_st_meta(f, "attn_levels");
    if (!v || (c->nattn = we_unet_parse_intlist(v, c->attn, WE_UNET_MAX_LEVELS)) < 0)
        return we_err_set(WE_EDATA, "checkpoint metadata 'attn_levels' missing or bad");
    v = we_st_meta(f, "schedule");
    if (!v || we_sched_parse(v, &c->schedule)) return we_err_set(WE_EDATA, "checkpoint metadata 'schedule' missing or bad");
    v = we_st_meta(f, "noise_region");
    if (!v || we_region_parse(v, &c->region)) return we_err_set(WE_EDATA, "checkpoint metadata 'noise_region' missing or bad");
    v = we_st_meta(f, "wavelet");
    if (!v || strlen(v) >= sizeof c->wavelet) return we_err_set(WE_EDATA, "checkpoint metadata 'wavelet' missing or bad");
    strcpy(c->wavelet, v);
    v = we_st_meta(f, "data_scale");
    if (v) c->data_scale = strtof(v, NULL);
    s = we_unet_config_validate(c);
    if (s) return we_err_set(WE_EDATA, "checkpoint config: %s", we_err_detail());
    return WE_OK;
}

we_status we_unet_config_to_meta(const we_unet_config *c, we_st_writer *w)
{
    char buf[128];
    int k = 0;
    we_status s = we_st_writer_meta(w, "format", "waveemotion-unet");
    s = s ? s : we_st_writer_metaf(w, "S", "%d", c->S);
    s = s ? s : we_st_writer_metaf(w, "C", "%d", c->C);
    s = s ? s : we_st_writer_metaf(w, "K", "%d", c->K);
    s = s ? s : we_st_writer_metaf(w, "nf", "%d", c->nf);
    for (int i = 0; i < c->nlevels; i++) k += snprintf(buf + k, sizeof buf - (size_t)k, i ? ",%d" : "%d", c->mult[i]);
    s = s ? s : we_st_writer_meta(w, "mult", buf);
    s = s ? s : we_st_writer_metaf(w, "num_res", "%d", c->num_res);
    k = 0;
    buf[0] = 0;
    for (int i = 0; i < c->nattn; i++) k += snprintf(buf + k, sizeof buf - (size_t)k, i ? ",%d" : "%d", c->attn[i]);
    s = s ? s : we_st_writer_meta(w, "attn_levels", buf);
    s = s ? s : we_st_writer_metaf(w, "T", "%d", c->T);
    s = s ? s : we_st_writer_meta(w, "schedule", we_sched_name(c->schedule));
    s = s ? s : we_st_writer_meta(w, "noise_region", we_region_name(c->region));
    s = s ? s : we_st_writer_meta(w, "wavelet", c->wavelet);
    s = s ? s : we_st_writer_metaf(w, "data_scale", "%.9g", c->data_scale);
    return s;
}

/* ------------------------------------------------------------ the tape */

typedef struct {
    we_unet *m;
    we_status err;
    size_t maxconv; /* scratch floats */
} builder;

static size_t new_buf(builder *b, size_t per_sample)
{
    size_t off = b->m->nact;
    b->m->nact += per_sample * (size_t)b->m->maxN;
    return off;
}

static size_t new_param(builder *b, const char *name, int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    we_unet *m = b->m;
    if (m->nt == m->capt) {
        int nc = m->capt ? 2 * m->capt : 256;
        we_unet_param *np = realloc(m->pt, sizeof *np * (size_t)nc);
        if (!np) { b->err = we_err_set(WE_ENOMEM, "model: out of memory"); return 0; }
        m->pt = np;
        m->capt = nc;
    }
    we_unet_param *p = &m->pt[m->nt++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->rank = rank;
    int64_t d[4] = {d0, d1, d2, d3};
    p->n = 1;
    for (int i = 0; i < rank; i++) { p->shape[i] = d[i]; p->n *= (size_t)d[i]; }
    p->off = m->nparams;
    m->nparams += p->n;
    return p->off;
}

static we_unet_op *push(builder *b, int type)
{
    we_unet *m = b->m;
    if (m->nops == m->capops) {
        int nc = m->capops ? 2 * m->capops : 256;
        we_unet_op *no = realloc(m->ops, sizeof *no * (size_t)nc);
        if (!no) { b->err = we_err_set(WE_ENOMEM, "model: out of memory"); static we_unet_op dummy; return &dummy; }
        m->ops = no;
        m->capops = nc;
    }
    we_unet_op *o = &m->ops[m->nops++];
    memset(o, 0, sizeof *o);
    o->type = type;
    o->in = o->in2 = o->out = o->s1 = o->s2 = o->s3 = o->w = o->b = NONE;
    return o;
}

/* conv k x k (pad k/2), params "<name>.weight" [cout, cin/g, k, k], "<name>.bias". */
static size_t op_conv(builder *b, const char *name, size_t in, int cin, int H, int W, int cout, int k, int groups)
{
    char nm[96];
    snprintf(nm, sizeof nm, "%s.weight", name);
    size_t w = new_param(b, nm, 4, cout, cin / groups, k, k);
    snprintf(nm, sizeof nm, "%s.bias", name);
    size_t bb = new_param(b, nm, 1, cout, 0, 0, 0);
    we_unet_op *o = push(b, OP_CONV);
    o->in = in;
    o->out = new_buf(b, (size_t)cout * H * W);
    o->w = w, o->b = bb;
    o->C = cin, o->H = H, o->W = W, o->Cout = cout, o->k = k, o->groups = groups;
    we_conv2d_dims d = {b->m->maxN, cin, H, W, cout, k, 1, k / 2, groups};
    size_t sc = we_nn_conv2d_scratch_size(&d);
    if (sc > b->maxconv) b->maxconv = sc;
    return o->out;
}

static size_t op_linear(builder *b, const char *name, size_t in, int IN, int OUT)
{
    char nm[96];
    snprintf(nm, sizeof nm, "%s.weight", name);
    size_t w = new_param(b, nm, 2, OUT, IN, 0, 0);
    snprintf(nm, sizeof nm, "%s.bias", name);
    size_t bb = new_param(b, nm, 1, OUT, 0, 0, 0);
    we_unet_op *o = push(b, OP_LINEAR);
    o->in = in, o->out = new_buf(b, (size_t)OUT), o->w = w, o->b = bb, o->C = IN, o->Cout = OUT;
    return o->out;
}

static size_t op_unary(builder *b, int type, size_t in, size_t n, float scale)
{
    we_unet_op *o = push(b, type);
    o->in = in, o->out = new_buf(b, n), o->C = (int)n, o->scale = scale;
    return o->out;
}
#define op_silu(b, in, n) op_unary(b, OP_SILU, in, n, 1.0f)
#define op_scale(b, in, n, s) op_unary(b, OP_SCALE, in, n, s)

static size_t op_add(builder *b, size_t a, size_t a2, size_t n, float s)
{
    we_unet_op *o = push(b, OP_ADD);
    o->in = a, o->in2 = a2, o->out = new_buf(b, n), o->C = (int)n, o->scale = s;
    return o->out;
}

static size_t op_concat(builder *b, size_t a, int Ca, size_t a2, int Cb, int HW)
{
    we_unet_op *o = push(b, OP_CONCAT);
    o->in = a, o->in2 = a2, o->out = new_buf(b, (size_t)(Ca + Cb) * HW), o->C = Ca, o->C2 = Cb, o->H = HW;
    return o->out;
}

static size_t op_slice(builder *b, size_t in, int Cin, int c0, int Cout, int HW)
{
    we_unet_op *o = push(b, OP_SLICE);
    o->in = in, o->out = new_buf(b, (size_t)Cout * HW), o->C = Cin, o->c0 = c0, o->Cout = Cout, o->H = HW;
    return o->out;
}

static size_t op_dwt(builder *b, size_t in, int C, int H, int W)
{
    we_unet_op *o = push(b, OP_DWT);
    o->in = in, o->out = new_buf(b, (size_t)C * H * W), o->C = C, o->H = H, o->W = W;
    return o->out;
}

/* iwt: in [4C, h, w] -> out [C, 2h, 2w] */
static size_t op_iwt(builder *b, size_t in, int C, int h, int w)
{
    we_unet_op *o = push(b, OP_IWT);
    o->in = in, o->out = new_buf(b, (size_t)C * 4 * h * w), o->C = C, o->H = h, o->W = w;
    return o->out;
}

/* AdaGN with its linear: ss = Linear(se) [2C]; out = GN(x)(1+gamma)+beta. */
static size_t op_adagn(builder *b, const char *name, size_t se, size_t in, int C, int HW)
{
    char nm[96];
    snprintf(nm, sizeof nm, "%s.lin", name);
    size_t ss = op_linear(b, nm, se, 4 * b->m->cfg.nf, 2 * C);
    we_unet_op *o = push(b, OP_ADAGN);
    o->in = in, o->in2 = ss, o->out = new_buf(b, (size_t)C * HW);
    o->s1 = new_buf(b, (size_t)groups_for(C)), o->s2 = new_buf(b, (size_t)groups_for(C));
    o->C = C, o->H = HW, o->groups = groups_for(C);
    return o->out;
}

static size_t op_gn(builder *b, const char *name, size_t in, int C, int HW)
{
    char nm[96];
    snprintf(nm, sizeof nm, "%s.weight", name);
    size_t w = new_param(b, nm, 1, C, 0, 0, 0);
    snprintf(nm, sizeof nm, "%s.bias", name);
    size_t bb = new_param(b, nm, 1, C, 0, 0, 0);
    we_unet_op *o = push(b, OP_GN);
    o->in = in, o->out = new_buf(b, (size_t)C * HW), o->w = w, o->b = bb;
    o->s1 = new_buf(b, (size_t)groups_for(C)), o->s2 = new_buf(b, (size_t)groups_for(C));
    o->C = C, o->H = HW, o->groups = groups_for(C);
    return o->out;
}

/* Attention block: (x + proj(attn(qkv(GN(x)))))/sqrt2 */
static size_t attn_block(builder *b, const char *name, size_t x, int C, int HW)
{
    char nm[96];
    snprintf(nm, sizeof nm, "%s.norm", name);
    size_t g = op_gn(b, nm, x, C, HW);
    snprintf(nm, sizeof nm, "%s.qkv.weight", name);
    size_t wq = new_param(b, nm, 4, 3 * C, C, 1, 1);
    snprintf(nm, sizeof nm, "%s.qkv.bias", name);
    new_param(b, nm, 1, 3 * C, 0, 0, 0);
    snprintf(nm, sizeof nm, "%s.proj.weight", name);
    size_t wp = new_param(b, nm, 4, C, C, 1, 1);
    snprintf(nm, sizeof nm, "%s.proj.bias", name);
    new_param(b, nm, 1, C, 0, 0, 0);
    we_unet_op *o = push(b, OP_ATTN);
    o->in = g;
    o->out = new_buf(b, (size_t)C * HW);
    o->s1 = new_buf(b, (size_t)3 * C * HW);
    o->s2 = new_buf(b, (size_t)HW * HW);
    o->s3 = new_buf(b, (size_t)C * HW);
    o->w = wq, o->b = wp; /* biases follow their weights in the table */
    o->C = C, o->H = HW;
    size_t sc = we_nn_attention_scratch_size(C, HW, 1) * (size_t)1;
    if (sc > b->maxconv) b->maxconv = sc;
    return op_add(b, x, o->out, (size_t)C * HW, RS2);
}

enum { RB_NONE, RB_DOWN, RB_UP };

/* Residual block at resolution H (down: output H/2, up: output 2H).
 * highs: down -> receives the offset of the stored bands [3cout, H/2, H/2];
 *        up   -> offset of the encoder's bands [3hi_ch, H, H]. */
static size_t resblock(builder *b, const char *name, size_t se, size_t x, int cin, int cout, int H,
                       int mode, size_t *highs, int hi_ch)
{
    char nm[96];
    int HW = H * H;
    snprintf(nm, sizeof nm, "%s.ada0", name);
    size_t n0 = op_adagn(b, nm, se, x, cin, HW);
    size_t a0 = op_silu(b, n0, (size_t)cin * HW);
    size_t main_, s;
    int Ho = H;
    if (mode == RB_DOWN) {
        Ho = H / 2;
        int HWo = Ho * Ho;
        snprintf(nm, sizeof nm, "%s.conv0", name);
        size_t u = op_conv(b, nm, a0, cin, H, H, cout, 3, 1);
        size_t d = op_dwt(b, u, cout, H, H);
        size_t ll = op_slice(b, d, 4 * cout, 0, cout, HWo);
        main_ = op_scale(b, ll, (size_t)cout * HWo, 0.5f);
        *highs = op_slice(b, d, 4 * cout, cout, 3 * cout, HWo);
        snprintf(nm, sizeof nm, "%s.ada1", name);
        size_t n1 = op_adagn(b, nm, se, main_, cout, HWo);
        size_t a1 = op_silu(b, n1, (size_t)cout * HWo);
        snprintf(nm, sizeof nm, "%s.conv1", name);
        main_ = op_conv(b, nm, a1, cout, Ho, Ho, cout, 3, 1);
        snprintf(nm, sizeof nm, "%s.skip", name);
        size_t sk = op_conv(b, nm, x, cin, H, H, cout, 1, 1);
        size_t sd = op_dwt(b, sk, cout, H, H);
        size_t sl = op_slice(b, sd, 4 * cout, 0, cout, HWo);
        s = op_scale(b, sl, (size_t)cout * HWo, 0.5f);
        return op_add(b, s, main_, (size_t)cout * HWo, RS2);
    }
    if (mode == RB_UP) {
        /* cin == cout; highs [3*hi_ch, H, H] -> convH -> [3*cin, H, H] */
        Ho = 2 * H;
        int HWo = Ho * Ho;
        size_t a2 = op_scale(b, a0, (size_t)cin * HW, 2.0f);
        size_t xs = op_scale(b, x, (size_t)cin * HW, 2.0f);
        /* convH is registered before conv0 here (model.py has it last);
         * harmless: parameters are found by name, never by position */
        snprintf(nm, sizeof nm, "%s.conv0", name);
        size_t hs = op_scale(b, *highs, (size_t)3 * hi_ch * HW, 0.5f);
        char nmh[96];
        snprintf(nmh, sizeof nmh, "%s.convH", name);
        size_t hp = op_conv(b, nmh, hs, 3 * hi_ch, H, H, 3 * cin, 3, 3);
        size_t hp2 = op_scale(b, hp, (size_t)3 * cin * HW, 2.0f);
        size_t ca = op_concat(b, a2, cin, hp2, 3 * cin, HW);
        size_t ai = op_iwt(b, ca, cin, H, H);
        size_t cx = op_concat(b, xs, cin, hp2, 3 * cin, HW);
        s = op_iwt(b, cx, cin, H, H);
        main_ = op_conv(b, nm, ai, cin, Ho, Ho, cout, 3, 1);
        snprintf(nm, sizeof nm, "%s.ada1", name);
        size_t n1 = op_adagn(b, nm, se, main_, cout, HWo);
        size_t a1 = op_silu(b, n1, (size_t)cout * HWo);
        snprintf(nm, sizeof nm, "%s.conv1", name);
        main_ = op_conv(b, nm, a1, cout, Ho, Ho, cout, 3, 1);
        return op_add(b, s, main_, (size_t)cout * HWo, RS2);
    }
    snprintf(nm, sizeof nm, "%s.conv0", name);
    main_ = op_conv(b, nm, a0, cin, H, H, cout, 3, 1);
    snprintf(nm, sizeof nm, "%s.ada1", name);
    size_t n1 = op_adagn(b, nm, se, main_, cout, HW);
    size_t a1 = op_silu(b, n1, (size_t)cout * HW);
    snprintf(nm, sizeof nm, "%s.conv1", name);
    main_ = op_conv(b, nm, a1, cout, H, H, cout, 3, 1);
    if (cin != cout) {
        snprintf(nm, sizeof nm, "%s.skip", name);
        s = op_conv(b, nm, x, cin, H, H, cout, 1, 1);
    } else {
        s = x;
    }
    return op_add(b, s, main_, (size_t)cout * HW, RS2);
}

static int has_attn(const we_unet_config *c, int l)
{
    for (int i = 0; i < c->nattn; i++)
        if (c->attn[i] == l) return 1;
    return 0;
}

static void build(builder *b)
{
    we_unet *m = b->m;
    const we_unet_config *c = &m->cfg;
    int nf = c->nf, E = 4 * nf, L = c->nlevels, xc = 4 * c->C;
    int ch[WE_UNET_MAX_LEVELS];
    for (int l = 0; l < L; l++) ch[l] = nf * c->mult[l];
    int H = c->S / 2;
    char nm[96];

    /* inputs */
    m->xsize = xc * H * H;
    m->heatsize = c->K * H * H;
    m->off_x = new_buf(b, (size_t)m->xsize);
    m->off_heat = c->K ? new_buf(b, (size_t)m->heatsize) : NONE;
    m->off_va = new_buf(b, 2);

    /* embedding e = temb + label_emb + va term; se = silu(e) */
    we_unet_op *o = push(b, OP_TEMB);
    o->out = new_buf(b, (size_t)nf), o->C = nf;
    size_t te = o->out;
    size_t t1 = op_linear(b, "temb.lin1", te, nf, E);
    size_t t2 = op_silu(b, t1, (size_t)E);
    size_t et = op_linear(b, "temb.lin2", t2, E, E);
    o = push(b, OP_EMBED);
    o->w = new_param(b, "label_emb.weight", 2, WE_UNET_NUM_LABELS, E, 0, 0);
    o->out = new_buf(b, (size_t)E), o->C = E;
    size_t el = o->out;
    size_t v1 = op_linear(b, "va.lin1", m->off_va, 2, E);
    size_t v2 = op_silu(b, v1, (size_t)E);
    size_t v3 = op_linear(b, "va.lin2", v2, E, E);
    o = push(b, OP_VAMIX);
    o->w = new_param(b, "va.null", 1, E, 0, 0, 0);
    o->in = v3, o->out = new_buf(b, (size_t)E), o->C = E;
    size_t ev = o->out;
    size_t e1 = op_add(b, et, el, (size_t)E, 1.0f);
    size_t e = op_add(b, e1, ev, (size_t)E, 1.0f);
    size_t se = op_silu(b, e, (size_t)E);

    /* input conv */
    size_t inp = m->off_x;
    if (c->K) inp = op_concat(b, m->off_x, xc, m->off_heat, c->K, H * H);
    size_t h = op_conv(b, "conv_in", inp, xc + c->K, H, H, ch[0], 3, 1);
    size_t hs[64];
    int hs_ch[64], nhs = 0;
    hs[nhs] = h, hs_ch[nhs++] = ch[0];
    size_t highs[WE_UNET_MAX_LEVELS];
    size_t pyr = m->off_x;
    int pc = xc, cc = ch[0];
    int R = H;
    for (int l = 0; l < L; l++) {
        for (int i = 0; i < c->num_res; i++) {
            snprintf(nm, sizeof nm, "enc.%d.res.%d", l, i);
            h = resblock(b, nm, se, h, cc, ch[l], R, RB_NONE, NULL, 0);
            cc = ch[l];
            if (has_attn(c, l)) {
                snprintf(nm, sizeof nm, "enc.%d.attn.%d", l, i);
                h = attn_block(b, nm, h, cc, R * R);
            }
            hs[nhs] = h, hs_ch[nhs++] = cc;
        }
        if (l != L - 1) {
            snprintf(nm, sizeof nm, "enc.%d.down", l);
            h = resblock(b, nm, se, h, cc, cc, R, RB_DOWN, &highs[l], 0);
            R /= 2;
            /* frequency residual: pyr = conv3(dwt(pyr)/2); h = (h + pyr)/sqrt2 */
            size_t pd = op_dwt(b, pyr, pc, 2 * R, 2 * R);
            size_t pds = op_scale(b, pd, (size_t)4 * pc * R * R, 0.5f);
            snprintf(nm, sizeof nm, "enc.%d.pyr", l);
            pyr = op_conv(b, nm, pds, 4 * pc, R, R, cc, 3, 1);
            pc = cc;
            h = op_add(b, h, pyr, (size_t)cc * R * R, RS2);
            hs[nhs] = h, hs_ch[nhs++] = cc;
        }
    }
    /* frequency bottleneck on the LL of the deepest feature */
    {
        int r = R / 2;
        size_t d = op_dwt(b, h, cc, R, R);
        size_t ll = op_slice(b, d, 4 * cc, 0, cc, r * r);
        size_t hi = op_slice(b, d, 4 * cc, cc, 3 * cc, r * r);
        size_t mm = op_scale(b, ll, (size_t)cc * r * r, 0.5f);
        mm = resblock(b, "mid.res0", se, mm, cc, cc, r, RB_NONE, NULL, 0);
        mm = attn_block(b, "mid.attn", mm, cc, r * r);
        mm = resblock(b, "mid.res1", se, mm, cc, cc, r, RB_NONE, NULL, 0);
        size_t m2 = op_scale(b, mm, (size_t)cc * r * r, 2.0f);
        size_t cat = op_concat(b, m2, cc, hi, 3 * cc, r * r);
        h = op_iwt(b, cat, cc, r, r);
    }
    for (int l = L - 1; l >= 0; l--) {
        for (int i = 0; i < c->num_res + 1; i++) {
            nhs--;
            size_t cat = op_concat(b, h, cc, hs[nhs], hs_ch[nhs], R * R);
            snprintf(nm, sizeof nm, "dec.%d.res.%d", l, i);
            h = resblock(b, nm, se, cat, cc + hs_ch[nhs], ch[l], R, RB_NONE, NULL, 0);
            cc = ch[l];
        }
        if (has_attn(c, l)) {
            snprintf(nm, sizeof nm, "dec.%d.attn", l);
            h = attn_block(b, nm, h, cc, R * R);
        }
        if (l > 0) {
            snprintf(nm, sizeof nm, "dec.%d.up", l);
            h = resblock(b, nm, se, h, cc, cc, R, RB_UP, &highs[l - 1], ch[l - 1]);
            R *= 2;
        }
    }
    size_t g = op_gn(b, "out_norm", h, cc, R * R);
    size_t a = op_silu(b, g, (size_t)cc * R * R);
    m->off_eps = op_conv(b, "conv_out", a, cc, R, R, xc, 3, 1);
}

we_status we_unet_create(we_unet *m, const we_unet_config *cfg, int maxN)
{
    memset(m, 0, sizeof *m);
    we_status s = we_unet_config_validate(cfg);
    if (s) return s;
    if (maxN < 1 || maxN > 65536) return we_err_set(WE_EUSAGE, "model: batch %d out of range", maxN);
    m->cfg = *cfg;
    m->maxN = maxN;
    builder b = {m, WE_OK, 0};
    build(&b);
    if (b.err) { we_unet_free(m); return b.err; }
    m->nscratch = b.maxconv + 1;
    m->params = calloc(m->nparams, sizeof(float));
    m->grads = calloc(m->nparams, sizeof(float));
    m->acts = calloc(m->nact, sizeof(float));
    m->dacts = calloc(m->nact, sizeof(float));
    m->scratch = calloc(m->nscratch, sizeof(float));
    m->tf = calloc((size_t)maxN, sizeof(float));
    m->labels = calloc((size_t)maxN, sizeof(int32_t));
    m->vamask = calloc((size_t)maxN, sizeof(float));
    if (!m->params || !m->grads || !m->acts || !m->dacts || !m->scratch || !m->tf || !m->labels || !m->vamask) {
        size_t mb = (2 * m->nact + 2 * m->nparams + m->nscratch) * 4 >> 20;
        we_unet_free(m);
        return we_err_set(WE_ENOMEM, "model: cannot allocate %zu MiB for batch %d", mb, maxN);
    }
    return WE_OK;
}

void we_unet_free(we_unet *m)
{
    free(m->pt);
    free(m->ops);
    free(m->params);
    free(m->grads);
    free(m->acts);
    free(m->dacts);
    free(m->scratch);
    free(m->tf);
    free(m->labels);
    free(m->vamask);
    memset(m, 0, sizeof *m);
}

const we_unet_param *we_unet_find(const we_unet *m, const char *name)
{
    for (int i = 0; i < m->nt; i++)
        if (!strcmp(m->pt[i].name, name)) return &m->pt[i];
    return NULL;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

void we_unet_init_params(we_unet *m, we_rng *r)
{
    for (int i = 0; i < m->nt; i++) {
        const we_unet_param *p = &m->pt[i];
        float *w = m->params + p->off;
        const char *nm = p->name;
        int zero = ends_with(nm, ".conv1.weight") || ends_with(nm, ".conv1.bias") || strstr(nm, ".lin.") ||
                   strstr(nm, ".proj.") || !strncmp(nm, "conv_out.", 9) || !strcmp(nm, "va.null");
        if (zero) { memset(w, 0, p->n * sizeof(float)); continue; }
        if (!strcmp(nm, "label_emb.weight")) { we_rng_fill_normal(r, w, p->n); continue; }
        if (strstr(nm, "norm.weight")) { for (size_t k = 0; k < p->n; k++) w[k] = 1; continue; }
        if (strstr(nm, "norm.bias")) { memset(w, 0, p->n * sizeof(float)); continue; }
        /* fan_in of the layer: a bias uses its weight's (the entry before it) */
        const we_unet_param *wp = ends_with(nm, ".bias") && i > 0 ? &m->pt[i - 1] : p;
        size_t fan_in = wp->rank >= 2 ? wp->n / (size_t)wp->shape[0] : 1;
        double bound = 1.0 / sqrt((double)fan_in);
        for (size_t k = 0; k < p->n; k++) w[k] = (float)((2 * we_rng_uniform(r) - 1) * bound);
    }
}

we_status we_unet_load(we_unet *m, const we_st_file *f, const char *prefix)
{
    char nm[128];
    for (int i = 0; i < m->nt; i++) {
        const we_unet_param *p = &m->pt[i];
        snprintf(nm, sizeof nm, "%s%s", prefix, p->name);
        we_status s = we_st_get_f32(f, nm, m->params + p->off, p->n, p->rank, p->shape);
        if (s) return s;
    }
    return WE_OK;
}

const char *we_unet_weights_prefix(const we_st_file *f, int use_ema)
{
    return use_ema && we_st_find(f, "ema.conv_in.weight") ? "ema." : "";
}

we_status we_unet_add_tensors_as(const we_unet *m, we_st_writer *w, const char *prefix, const void *buf,
                                 we_st_dtype dtype)
{
    char nm[128];
    size_t es = we_st_dtype_size(dtype);
    for (int i = 0; i < m->nt; i++) {
        const we_unet_param *p = &m->pt[i];
        snprintf(nm, sizeof nm, "%s%s", prefix, p->name);
        we_status s = we_st_writer_add(w, nm, dtype, p->rank, p->shape, (const char *)buf + p->off * es);
        if (s) return s;
    }
    return WE_OK;
}

we_status we_unet_add_tensors(const we_unet *m, we_st_writer *w, const char *prefix, const float *buf)
{
    return we_unet_add_tensors_as(m, w, prefix, buf, WE_ST_F32);
}

/* ------------------------------------------------------------ run */

#define A(off) (m->acts + (off))
#define D(off) (m->dacts + (off))
#define P(off) (m->params + (off))
#define G(off) (m->grads + (off))

static void run_forward(we_unet *m, int N)
{
    for (int i = 0; i < m->nops; i++) {
        const we_unet_op *o = &m->ops[i];
        switch (o->type) {
        case OP_CONV: {
            we_conv2d_dims d = {N, o->C, o->H, o->W, o->Cout, o->k, 1, o->k / 2, o->groups};
            we_nn_conv2d_forward(A(o->out), m->scratch, A(o->in), P(o->w), P(o->b), &d);
            break;
        }
        case OP_LINEAR:
            we_nn_linear_forward(A(o->out), A(o->in), P(o->w), P(o->b), N, o->C, o->Cout);
            break;
        case OP_ADAGN: {
            const float *ss = A(o->in2);
            we_nn_adagn_forward(A(o->out), A(o->s1), A(o->s2), A(o->in), NULL, NULL, ss, ss + o->C,
                                2 * o->C, N, o->C, o->H, o->groups, GN_EPS);
            break;
        }
        case OP_GN:
            we_nn_groupnorm_forward(A(o->out), A(o->s1), A(o->s2), A(o->in), P(o->w), P(o->b),
                                    N, o->C, o->H, o->groups, GN_EPS);
            break;
        case OP_SILU: we_nn_silu_forward(A(o->out), A(o->in), (size_t)N * (size_t)o->C); break;
        case OP_SCALE: we_nn_scale_forward(A(o->out), A(o->in), o->scale, (size_t)N * (size_t)o->C); break;
        case OP_ADD: we_nn_add_forward(A(o->out), A(o->in), A(o->in2), o->scale, (size_t)N * (size_t)o->C); break;
        case OP_DWT: we_nn_dwt_forward(A(o->out), A(o->in), N, o->C, o->H, o->W); break;
        case OP_IWT: we_nn_iwt_forward(A(o->out), A(o->in), N, o->C, o->H, o->W); break;
        case OP_CONCAT: we_nn_concat_forward(A(o->out), A(o->in), A(o->in2), N, o->C, o->C2, o->H); break;
        case OP_SLICE: we_nn_slice_forward(A(o->out), A(o->in), N, o->C, o->c0, o->Cout, o->H); break;
        case OP_ATTN: {
            int C = o->C;
            we_nn_attention_forward(A(o->out), A(o->s1), A(o->s2), A(o->s3), A(o->in), P(o->w),
                                    P(o->w) + (size_t)3 * C * C, P(o->b), P(o->b) + (size_t)C * C, N, C, o->H, 1);
            break;
        }
        case OP_TEMB:
            we_nn_timestep_embedding(A(o->out), m->tf, N, o->C, 10000.0f, WE_TEMB_WAVEDIFF);
            break;
        case OP_EMBED:
            we_nn_embedding_forward(A(o->out), m->labels, P(o->w), N, WE_UNET_NUM_LABELS, o->C);
            break;
        case OP_VAMIX:
            for (int n = 0; n < N; n++) {
                float k = m->vamask[n];
                const float *v = A(o->in) + (size_t)n * o->C;
                float *out = A(o->out) + (size_t)n * o->C;
                for (int j = 0; j < o->C; j++) out[j] = (1 - k) * v[j] + k * P(o->w)[j];
            }
            break;
        }
    }
}

static void run_backward(we_unet *m, int N)
{
    for (int i = m->nops - 1; i >= 0; i--) {
        const we_unet_op *o = &m->ops[i];
        switch (o->type) {
        case OP_CONV: {
            we_conv2d_dims d = {N, o->C, o->H, o->W, o->Cout, o->k, 1, o->k / 2, o->groups};
            /* the network input needs no gradient */
            float *di = (o->in == m->off_x) ? NULL : D(o->in);
            we_nn_conv2d_backward(di, G(o->w), G(o->b), m->scratch, D(o->out), A(o->in), P(o->w), &d);
            break;
        }
        case OP_LINEAR:
            we_nn_linear_backward(o->in == m->off_va ? NULL : D(o->in), G(o->w), G(o->b), D(o->out),
                                  A(o->in), P(o->w), N, o->C, o->Cout);
            break;
        case OP_ADAGN: {
            const float *ss = A(o->in2);
            float *dss = D(o->in2);
            we_nn_adagn_backward(D(o->in), NULL, NULL, dss, dss + o->C, D(o->out), A(o->in), NULL, NULL,
                                 ss, ss + o->C, 2 * o->C, A(o->s1), A(o->s2), N, o->C, o->H, o->groups);
            break;
        }
        case OP_GN:
            we_nn_groupnorm_backward(D(o->in), G(o->w), G(o->b), D(o->out), A(o->in), P(o->w),
                                     A(o->s1), A(o->s2), N, o->C, o->H, o->groups);
            break;
        case OP_SILU: we_nn_silu_backward(D(o->in), D(o->out), A(o->in), (size_t)N * (size_t)o->C); break;
        case OP_SCALE:
            if (o->in != m->off_x) we_nn_scale_backward(D(o->in), D(o->out), o->scale, (size_t)N * (size_t)o->C);
            break;
        case OP_ADD: we_nn_add_backward(D(o->in), D(o->in2), D(o->out), o->scale, (size_t)N * (size_t)o->C); break;
        case OP_DWT:
            if (o->in != m->off_x) we_nn_dwt_backward(D(o->in), D(o->out), N, o->C, o->H, o->W);
            break;
        case OP_IWT: we_nn_iwt_backward(D(o->in), D(o->out), N, o->C, o->H, o->W); break;
        case OP_CONCAT:
            we_nn_concat_backward(o->in == m->off_x ? NULL : D(o->in), o->in2 == m->off_heat ? NULL : D(o->in2),
                                  D(o->out), N, o->C, o->C2, o->H);
            break;
        case OP_SLICE: we_nn_slice_backward(D(o->in), D(o->out), N, o->C, o->c0, o->Cout, o->H); break;
        case OP_ATTN: {
            int C = o->C;
            we_nn_attention_backward(D(o->in), G(o->w), G(o->w) + (size_t)3 * C * C, G(o->b),
                                     G(o->b) + (size_t)C * C, m->scratch, D(o->out), A(o->in), P(o->w),
                                     P(o->b), A(o->s1), A(o->s2), A(o->s3), N, C, o->H, 1);
            break;
        }
        case OP_TEMB: break;
        case OP_EMBED:
            we_nn_embedding_backward(G(o->w), D(o->out), m->labels, N, WE_UNET_NUM_LABELS, o->C);
            break;
        case OP_VAMIX:
            for (int n = 0; n < N; n++) {
                float k = m->vamask[n];
                const float *dout = D(o->out) + (size_t)n * o->C;
                float *dv = D(o->in) + (size_t)n * o->C;
                for (int j = 0; j < o->C; j++) {
                    dv[j] += (1 - k) * dout[j];
                    G(o->w)[j] += k * dout[j];
                }
            }
            break;
        }
    }
}

we_status we_unet_forward(we_unet *m, const float *x, const int32_t *t, const int32_t *label,
                          const float *va, const int32_t *va_null, const float *heat, int N,
                          const float **eps)
{
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "model: batch %d not in 1..%d", N, m->maxN);
    for (int n = 0; n < N; n++) {
        if (t[n] < 0 || t[n] >= m->cfg.T) return we_err_set(WE_EUSAGE, "model: timestep %d not in 0..%d", t[n], m->cfg.T - 1);
        int lb = label ? label[n] : WE_UNET_NULL_LABEL;
        if (lb < 0 || lb >= WE_UNET_NUM_LABELS) return we_err_set(WE_EUSAGE, "model: label %d not in 0..8", lb);
        m->tf[n] = (float)t[n];
        m->labels[n] = lb;
        m->vamask[n] = (!va || (va_null && va_null[n])) ? 1.0f : 0.0f;
    }
    memcpy(A(m->off_x), x, sizeof(float) * (size_t)N * (size_t)m->xsize);
    if (va) memcpy(A(m->off_va), va, sizeof(float) * 2 * (size_t)N);
    else memset(A(m->off_va), 0, sizeof(float) * 2 * (size_t)N);
    if (m->cfg.K) {
        if (heat) memcpy(A(m->off_heat), heat, sizeof(float) * (size_t)N * (size_t)m->heatsize);
        else memset(A(m->off_heat), 0, sizeof(float) * (size_t)N * (size_t)m->heatsize);
    }
    m->N = N;
    run_forward(m, N);
    if (eps) *eps = A(m->off_eps);
    return WE_OK;
}

void we_unet_backward(we_unet *m, const float *deps)
{
    int N = m->N;
    /* zero the activation gradients of the batch part of every buffer: the
     * arena is laid out buffer by buffer, so clear it all (cheap next to
     * the convolutions) */
    memset(m->dacts, 0, sizeof(float) * m->nact);
    memcpy(D(m->off_eps), deps, sizeof(float) * (size_t)N * (size_t)m->xsize);
    run_backward(m, N);
}

/* The noised channel range [lo, hi) of the config's region. */
static void noised_range(const we_unet *m, int *lo, int *hi)
{
    int C = m->cfg.C;
    *lo = 0, *hi = 4 * C;
    if (m->cfg.region == WE_REGION_HIGH) *lo = C;
    if (m->cfg.region == WE_REGION_LOW) *hi = C;
}

we_status we_unet_loss_xt(const we_unet *m, const we_sched *s, float *xt, const float *x0, const float *noise,
                          const int32_t *t, int N)
{
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "model: batch %d not in 1..%d", N, m->maxN);
    int C = m->cfg.C, hw = m->xsize / (4 * C), lo, hi;
    noised_range(m, &lo, &hi);
    size_t per = (size_t)m->xsize;
    for (int n = 0; n < N; n++)
        if (t[n] < 0 || t[n] >= s->T) return we_err_set(WE_EUSAGE, "model: timestep %d out of range", t[n]);
    for (int n = 0; n < N; n++) {
        double a = s->acp[t[n]];
        float sa = (float)sqrt(a), sb = (float)sqrt(1 - a);
        for (int c = 0; c < 4 * C; c++) {
            size_t o = (size_t)n * per + (size_t)c * hw;
            int noised = c >= lo && c < hi;
            for (int i = 0; i < hw; i++) xt[o + i] = noised ? sa * x0[o + i] + sb * noise[o + i] : x0[o + i];
        }
    }
    return WE_OK;
}

float we_unet_loss_eps(const we_unet *m, float *deps, const float *eps, const float *noise, int N)
{
    int C = m->cfg.C, hw = m->xsize / (4 * C), lo, hi;
    noised_range(m, &lo, &hi);
    size_t per = (size_t)m->xsize;
    double cnt = (double)N * (hi - lo) * hw, acc = 0;
    for (int n = 0; n < N; n++)
        for (int c = 0; c < 4 * C; c++) {
            size_t o = (size_t)n * per + (size_t)c * hw;
            int noised = c >= lo && c < hi;
            for (int i = 0; i < hw; i++) {
                double e = noised ? (double)eps[o + i] - noise[o + i] : 0;
                acc += e * e;
                deps[o + i] = (float)(2 * e / cnt);
            }
        }
    return (float)(acc / cnt);
}

we_status we_unet_loss_forward(we_unet *m, const we_sched *s, const float *x0, const float *noise,
                               const int32_t *t, const int32_t *label, const float *va,
                               const int32_t *va_null, const float *heat, int N, float *loss,
                               float *xt, float *deps, const float **eps_out)
{
    we_status st = we_unet_loss_xt(m, s, xt, x0, noise, t, N);
    if (st) return st;
    const float *eps;
    if ((st = we_unet_forward(m, xt, t, label, va, va_null, heat, N, &eps))) return st;
    *loss = we_unet_loss_eps(m, deps, eps, noise, N);
    if (eps_out) *eps_out = eps;
    return WE_OK;
}

we_status we_unet_loss(we_unet *m, const we_sched *s, const float *x0, const float *noise,
                       const int32_t *t, const int32_t *label, const float *va,
                       const int32_t *va_null, const float *heat, int N, int backward,
                       float *loss, float *xt_out)
{
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "model: batch %d not in 1..%d", N, m->maxN);
    size_t per = (size_t)m->xsize;
    float *xt = malloc(sizeof(float) * per * (size_t)N);
    float *d = malloc(sizeof(float) * per * (size_t)N);
    if (!xt || !d) { free(xt); free(d); return we_err_set(WE_ENOMEM, "model: out of memory"); }
    we_status st = we_unet_loss_forward(m, s, x0, noise, t, label, va, va_null, heat, N, loss, xt, d, NULL);
    if (!st) {
        if (xt_out) memcpy(xt_out, xt, sizeof(float) * per * (size_t)N);
        if (backward) we_unet_backward(m, d);
    }
    free(xt);
    free(d);
    return st;
}

double we_unet_flops_per_sample(const we_unet *m)
{
    double f = 0;
    for (int i = 0; i < m->nops; i++) {
        const we_unet_op *o = &m->ops[i];
        if (o->type == OP_CONV) f += 2.0 * o->Cout * (o->C / o->groups) * o->k * o->k * o->H * o->W;
        else if (o->type == OP_LINEAR) f += 2.0 * o->C * o->Cout;
        else if (o->type == OP_ATTN) f += 2.0 * (4.0 * o->C * o->C * o->H + 2.0 * o->H * o->H * o->C);
    }
    return f;
}
