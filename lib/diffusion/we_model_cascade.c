/* we_model_cascade.c - faces larger than the model's S through the cascade
 * (issue 12; the design is lib/diffusion/we_cascade.h): the sizes accepted,
 * the coarse face the model edits, the photo's own detail put back around
 * the edit, the detail net and cascade settings of a model file (see
 * we_model.h, "cascade"). */
#include "we_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_color.h"
#include "we_dwt.h"
#include "we_face_region.h"
#include "we_layout_wavelet.h"

/* ---- the model file's detail net and settings ------------------------- */

/* The cascade.* metadata keys, in the order they are written. */
#define NKEYS 13
static const char *const key_name[NKEYS] = {"cascade.mask_sigma", "cascade.mask_lo",   "cascade.mask_hi",
                                            "cascade.mask_dilate", "cascade.mask_feather",
                                            "cascade.tone_sigma", "cascade.tone_mean", "cascade.flow_alpha",
                                            "cascade.detail_fade", "cascade.region", "cascade.recon",
                                            "cascade.region_side", "cascade.region_clip"};

static void key_ptrs(we_cascade_params *p, float *f[NKEYS], int *i[NKEYS])
{
    memset(f, 0, sizeof(float *) * NKEYS);
    memset(i, 0, sizeof(int *) * NKEYS);
    f[0] = &p->mask_sigma, f[1] = &p->mask_lo, f[2] = &p->mask_hi, i[3] = &p->mask_dilate;
    f[4] = &p->mask_feather, f[5] = &p->tone_sigma, i[6] = &p->tone_mean, f[7] = &p->flow_alpha, f[8] = &p->detail_fade;
    f[9] = &p->region, f[10] = &p->recon, f[11] = &p->region_side;
    f[12] = &p->region_clip;
}

we_status we_model_cascade_load(we_model *m, const we_st_file *f)
{
    we_cascade_params_init(&m->cas);
    float *fp[NKEYS];
    int *ip[NKEYS];
    key_ptrs(&m->cas, fp, ip);
    for (int k = 0; k < NKEYS; k++) {
        const char *v = we_st_meta(f, key_name[k]);
        if (!v) continue;
        char *end;
        double x = strtod(v, &end);
        if (end == v || *end || !(x >= 0 && x <= 1000) || (ip[k] && x != floor(x)))
            return we_err_set(WE_EDATA, "metadata %s = '%s' is not a number in 0..1000", key_name[k], v);
        if (fp[k]) *fp[k] = (float)x;
        else *ip[k] = (int)x;
    }
    if (!(m->cas.mask_lo < m->cas.mask_hi))
        return we_err_set(WE_EDATA, "metadata cascade.mask_lo must be below cascade.mask_hi");
    if (!(m->cas.recon >= 0 && m->cas.recon <= 1))
        return we_err_set(WE_EDATA, "metadata cascade.recon must be in [0, 1]");
    if (!(m->cas.region_side > 0 && m->cas.region_side <= 100))
        return we_err_set(WE_EDATA, "metadata cascade.region_side must be in (0, 100]");
    if (!we_st_meta(f, "detail.format")) return WE_OK; /* no detail net: D = NULL */
    we_detail *d = calloc(1, sizeof *d);
    if (!d) return we_err_set(WE_ENOMEM, "out of memory");
    we_status s = we_detail_load(d, f);
    if (s) {
        free(d);
        return s;
    }
    m->detail = d;
    return WE_OK;
}

we_status we_model_add_detail(const char *model_path, const char *detail_path, const we_cascade_params *p)
{
    we_cascade_params defaults;
    if (!p) we_cascade_params_init(&defaults), p = &defaults;
    we_st_file f, fd;
    we_detail d;
    we_status s = we_st_read(&f, model_path);
    if (s) return s;
    if ((s = we_st_read(&fd, detail_path))) {
        we_st_free(&f);
        return s;
    }
    s = we_detail_load(&d, &fd);
    we_st_free(&fd);
    if (s) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", we_err_detail());
        we_st_free(&f);
        return we_err_set(WE_EDATA, "%s: %s", detail_path, msg);
    }
    /* everything of the model file but an earlier detail net or settings */
    we_st_writer w;
    we_st_writer_init(&w);
    for (int i = 0; i < f.n && !s; i++) {
        const we_st_entry *e = &f.e[i];
        if (!strncmp(e->name, "detail.", 7)) continue;
        s = we_st_writer_add(&w, e->name, e->dtype, e->rank, e->shape, we_st_data(&f, e));
    }
    for (int i = 0; i < f.nmeta && !s; i++)
        if (strncmp(f.meta_key[i], "detail.", 7) && strncmp(f.meta_key[i], "cascade.", 8))
            s = we_st_writer_meta(&w, f.meta_key[i], f.meta_val[i]);
    s = s ? s : we_detail_add_to_writer(&d, d.params, &w);
    we_cascade_params q = *p;
    float *fp[NKEYS];
    int *ip[NKEYS];
    key_ptrs(&q, fp, ip);
    for (int k = 0; k < NKEYS && !s; k++)
        s = fp[k] ? we_st_writer_metaf(&w, key_name[k], "%.6g", *fp[k]) : we_st_writer_metaf(&w, key_name[k], "%d", *ip[k]);
    s = s ? s : we_st_writer_save(&w, model_path);
    we_st_writer_free(&w);
    we_detail_free(&d);
    we_st_free(&f);
    return s;
}

/* ---- sizes ------------------------------------------------------------ */

int we_model_cascade_channels(const we_model *m, int C) { return m->cfg.C == 1 ? 1 : C; }

we_status we_model_cascade_levels(const we_model *m, const we_frame *w, const char *id, we_wavelet_layout *L, int *J)
{
    int S = m->cfg.S;
    *J = 0;
    if (we_layout_wavelet_read(w, 0, L)) {
        char d[256];
        snprintf(d, sizeof d, "%s", we_err_detail());
        return we_err_set(WE_EDATA, "item %s: %s", id, d);
    }
    if (L->H == S && L->W == S) return WE_OK; /* the model's own size: we_model_check_wavelet */
    if (m->cfg.J != 1)
        return we_err_set(WE_EDATA, "item %s: wavelet frame of a %d x %d face; model %s (J = %d data levels) edits %d x "
                          "%d faces only, not through the cascade: align faces with facealign -s %d", id, L->H, L->W,
                          m->name, m->cfg.J, S, S, S);
    int k = 0;
    while (k <= WE_CASCADE_MAX_J && (S << k) < L->H) k++;
    if (L->H != L->W || k < 1 || k > WE_CASCADE_MAX_J || (S << k) != L->H) {
        int near = S, sz = L->H > L->W ? L->H : L->W;
        for (int j = 1; j <= WE_CASCADE_MAX_J; j++)
            if (abs((S << j) - sz) <= abs(near - sz)) near = S << j;
        return we_err_set(WE_EDATA,
                          "item %s: wavelet frame of a %d x %d face; model %s edits %d x %d faces, and square "
                          "faces of %d, %d, %d ... px through the cascade: align faces with facealign -s %d",
                          id, L->H, L->W, m->name, S, S, S * 2, S * 4, S * 8, near);
    }
    if (L->height != L->H || L->width != L->W)
        return we_err_set(WE_EDATA, "item %s: wavelet frame of a padded %d x %d image (%d x %d); the cascade wants an "
                          "unpadded square face (facealign -s %d)", id, L->height, L->width, L->H, L->W, L->H);
    if (L->C != 1 && L->C != 3)
        return we_err_set(WE_EDATA, "item %s: wavelet frame of %d image channels; the model edits 1 or 3", id, L->C);
    if (!L->wavelet)
        return we_err_set(WE_EDATA, "item %s: wavelet frame has no 'wavelet' key; a %d px face goes through the "
                          "cascade, which inverts it (dwt writes the key)", id, L->H);
    *J = k;
    return WE_OK;
}

/* ---- the two halves of a cascade item's edit -------------------------- */

/* The face of w (layout L) as planes: img [C, S, S]; for a luminance model
 * (Cc = 1) plane 0 becomes Y (and 1, 2 Cb, Cr of an RGB face), for an RGB
 * model the planes stay as they are. Returns a malloc'ed block or NULL. */
static float *face_planes(const we_model *m, const we_frame *w, const we_wavelet_layout *L, we_status *s)
{
    size_t P = (size_t)L->H * (size_t)L->W;
    float *img = malloc(sizeof(float) * (size_t)L->C * P);
    if (!img) {
        *s = we_err_set(WE_ENOMEM, "cascade: out of memory for a %d px face", L->H);
        return NULL;
    }
    if ((*s = we_dwt2_inverse(img, NULL, w->t.data, L->C, L->H, L->W, L->wavelet, L->levels, 1))) {
        free(img);
        return NULL;
    }
    if (L->C == 3 && m->cfg.C == 1) we_color_rgb_to_ycbcr(img, img, P);
    return img;
}

we_status we_model_cascade_coarse(const we_model *m, const we_frame *w, const we_wavelet_layout *L, int J, float *coef)
{
    int S = L->H, n = S >> J, Cc = we_model_cascade_channels(m, L->C);
    size_t P = (size_t)S * S, n2 = (size_t)n * n;
    const we_wavelet *wl;
    we_status s = we_wavelet_parse(m->cfg.wavelet, &wl);
    if (s) return s;
    float *img = face_planes(m, w, L, &s), *co = img ? malloc(sizeof(float) * (size_t)Cc * n2) : NULL;
    if (img && !co) s = we_err_set(WE_ENOMEM, "cascade: out of memory");
    for (int c = 0; c < Cc && !s; c++) s = we_cascade_coarse(co + c * n2, img + c * P, S, J);
    if (!s) s = we_dwt2_forward(coef, NULL, co, Cc, n, n, wl, 1, 1);
    free(co);
    free(img);
    return s;
}

we_status we_model_cascade_apply(we_model *m, we_frame *w, const we_wavelet_layout *L, int J, const float *coef,
                                 const float *recon, const float *lm)
{
    int S = L->H, n = S >> J, Cc = we_model_cascade_channels(m, L->C), C = L->C;
    size_t P = (size_t)S * S, n2 = (size_t)n * n;
    const we_wavelet *wl;
    we_status s = we_wavelet_parse(m->cfg.wavelet, &wl);
    if (s) return s;
    /* cascade.region: the change stays in the landmark regions of this face */
    we_cascade_params cp = m->cas;
    float *allow = NULL;
    if ((cp.region > 0 || cp.region_clip > 0) && lm) {
        if (!(allow = malloc(sizeof(float) * n2 * 2))) return we_err_set(WE_ENOMEM, "cascade: out of memory");
        float *clip = allow + n2;
        for (size_t i = 0; i < n2; i++) allow[i] = 1;
        if (cp.region > 0) s = we_face_region_mask(allow, n, ldexp(1.0, J), lm, cp.region, cp.region_side);
        if (!s && cp.region_clip > 0) s = we_face_region_expr_mask(clip, n, ldexp(1.0, J), lm, cp.region_clip);
        for (size_t i = 0; !s && cp.region_clip > 0 && i < n2; i++) allow[i] *= clip[i];
        if (s) { free(allow); return s; }
        cp.allow = allow;
    }
    float *img = face_planes(m, w, L, &s);
    float *ec = img ? malloc(sizeof(float) * (size_t)Cc * n2 * (recon ? 3 : 1)) : NULL;
    float *d = ec ? malloc(sizeof(float) * (size_t)C * P * 2) : NULL;
    if (img && !d) s = we_err_set(WE_ENOMEM, "cascade: out of memory for a %d px face", S);
    /* the edited coarse face, in YCbCr for an RGB model (the cascade runs
     * on Y with the detail net, on Cb, Cr without) */
    if (!s) s = we_dwt2_inverse(ec, NULL, coef, Cc, n, n, wl, 1, 1);
    float *rc = recon && ec ? ec + (size_t)Cc * n2 : NULL, *sc = rc ? rc + (size_t)Cc * n2 : NULL;
    if (!s && rc) s = we_dwt2_inverse(rc, NULL, recon, Cc, n, n, wl, 1, 1);
    if (!s && Cc == 3) {
        we_color_rgb_to_ycbcr(ec, ec, n2);
        if (rc) we_color_rgb_to_ycbcr(rc, rc, n2);
        we_color_rgb_to_ycbcr(img, img, P);
    }
    /* with a reconstruction the cascade gets source + (edit - ref), ref =
     * w recon + (1 - w) source (w = cascade.recon; 1: ref is recon exactly) */
    const float wr = cp.recon, ws = 1.0f - cp.recon;
    for (int c = 0; c < Cc && !s && rc; c++) {
        s = we_cascade_coarse(sc + c * n2, img + c * P, S, J);
        for (size_t i = 0; !s && i < n2; i++) {
            float ref = wr * rc[c * n2 + i] + ws * sc[c * n2 + i];
            ec[c * n2 + i] = sc[c * n2 + i] + (ec[c * n2 + i] - ref);
        }
    }
    /* d = the change of each plane: exactly 0 where the cascade's mask is */
    for (int c = 0; c < Cc && !s; c++) {
        float *dc = d + c * P, *src = img + c * P;
        s = we_cascade_edit(dc, NULL, src, ec + c * n2, NULL, S, J, c == 0 ? m->detail : NULL, &cp);
        for (size_t i = 0; !s && i < P; i++) dc[i] = dc[i] != src[i] ? dc[i] - src[i] : 0.0f;
    }
    if (!s && C == 3 && Cc == 1) { /* a luminance change: R, G and B move by dY, CbCr stay */
        memcpy(d + P, d, sizeof(float) * P);
        memcpy(d + 2 * P, d, sizeof(float) * P);
    } else if (!s && Cc == 3) {
        we_color_ycbcr_to_rgb(d, d, P); /* linear, no offsets: the change in RGB */
    }
    /* into the frame's own wavelet and levels; coefficients whose support
     * the change does not reach get + 0, i.e. stay the source's */
    float *dc = d ? d + (size_t)C * P : NULL;
    if (!s) s = we_dwt2_forward(dc, NULL, d, C, S, S, L->wavelet, L->levels, 1);
    float *x = w->t.data;
    for (size_t i = 0; !s && i < (size_t)C * P; i++)
        if (dc[i] != 0) x[i] += dc[i];
    free(d);
    free(ec);
    free(img);
    free(allow);
    return s;
}

we_status we_model_export(const char *ckpt, const char *out, int f16, float edit_guidance, const char *detail)
{
    we_st_file ck;
    we_status s = we_st_read(&ck, ckpt);
    if (s) return s;
    s = we_train_export(&ck, out, f16, edit_guidance);
    we_st_free(&ck);
    if (!s && detail) s = we_model_add_detail(out, detail, NULL);
    return s;
}
