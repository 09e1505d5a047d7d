/* we_unet_plan.c - the UNet's tape (op plan), built once from the config:
 * the parameter table (state_dict names), one we_unet_op per layer call and
 * the activation arena's layout. Mirrors tests/ref/model.py line by line;
 * we_unet_loop.c runs it. See we_unet_priv.h. */
#include "we_unet_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RS2 0.70710678118654752f

static int groups_for(int c)
{
    int g = c / 4;
    if (g > 32) g = 32;
    return g < 1 ? 1 : g;
}

typedef struct {
    we_unet *m;
    we_status err;
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
    int nf = c->nf, E = 4 * nf, L = c->nlevels, xc = we_unet_cfg_xc(c);
    int ch[WE_UNET_MAX_LEVELS];
    for (int l = 0; l < L; l++) ch[l] = nf * c->mult[l];
    int H = we_unet_cfg_h(c);
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

we_status we_unet_plan_build(we_unet *m)
{
    builder b = {m, WE_OK};
    build(&b);
    return b.err;
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
