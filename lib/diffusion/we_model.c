/* we_model.c - loading a model, the guidance rules and the generate / edit
 * / train entry points (see we_model.h). */
#include "we_model.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "we_dwt.h"
#include "we_emotion.h"
#include "we_faceapi.h"
#include "we_file.h"
#include "we_layout_image.h"
#include "we_layout_wavelet.h"
#include "we_layout_face.h"
#include "we_sampler.h"
#include "we_wavelet.h"

/* ---- path, load, free ------------------------------------------------- */

int we_model_path(char *buf, size_t cap, const char *request)
{
    return we_file_find_data(buf, cap, request, "WE_MODEL", WE_MODEL_INSTALLED, WE_MODEL_DEFAULT);
}

void we_model_free(we_model *m)
{
    if (m->train) {
        we_train_free(m->train);
        free(m->train);
    }
    if (m->resumed) we_st_free(&m->ck);
    if (m->gpu) {
        we_unet_cuda_free(m->gpu);
        free(m->gpu);
    }
    if (m->net) we_fa_net_free(m->net);
    if (m->detail) {
        we_detail_free(m->detail);
        free(m->detail);
    }
    we_cond_free(&m->cond);
    we_sched_free(&m->sch);
    we_unet_free(&m->m);
    free(m->x); free(m->heat); free(m->theat); free(m->va); free(m->keep); free(m->coef);
    free(m->xr); free(m->coefr);
    free(m->tgt); free(m->src); free(m->vk);
    memset(m, 0, sizeof *m);
}

/* The batch buffers for maxN items of the config m->cfg (keep: with the
 * CbCr buffer of the edit). */
static we_status alloc_batch(we_model *m, int maxN, int keep)
{
    m->maxN = maxN;
    m->h = we_unet_cfg_h(&m->cfg);
    m->per = (size_t)we_unet_cfg_xc(&m->cfg) * m->h * m->h;
    size_t hw = (size_t)m->h * m->h, N = (size_t)maxN;
    m->x = malloc(sizeof(float) * m->per * N);
    m->heat = m->cfg.K ? malloc(sizeof(float) * (size_t)m->cfg.K * hw * N) : NULL;
    m->theat = m->cfg.K ? malloc(sizeof(float) * (size_t)m->cfg.K * hw * N) : NULL;
    m->va = malloc(sizeof(float) * 2 * N);
    m->keep = keep ? malloc(sizeof(float) * 8 * hw * N) : NULL;
    m->coef = keep ? malloc(sizeof(float) * 12 * hw) : NULL;
    m->xr = keep ? malloc(sizeof(float) * m->per * N) : NULL;
    m->coefr = keep ? malloc(sizeof(float) * 12 * hw) : NULL;
    m->tgt = malloc(sizeof(int32_t) * N);
    m->src = malloc(sizeof(int32_t) * N);
    m->vk = calloc(N, sizeof(int32_t));
    if (!m->x || (m->cfg.K && (!m->heat || !m->theat)) || !m->va || (keep && (!m->keep || !m->coef || !m->xr || !m->coefr)) || !m->tgt || !m->src || !m->vk)
        return we_err_set(WE_ENOMEM, "out of memory for a batch of %d items", maxN);
    return WE_OK;
}

static we_status use_cuda(we_model *m)
{
    we_unet_cuda *g = calloc(1, sizeof *g);
    if (!g) return we_err_set(WE_ENOMEM, "out of memory");
    we_status s = we_unet_cuda_create(g, &m->m);
    if (s) {
        free(g);
        return s;
    }
    m->gpu = g;
    m->cond.gpu = g;
    return WE_OK;
}

const char *we_model_ema_warning(const we_model *m, char *buf, size_t cap)
{
    if (!(m->ema_init > 0.05)) return NULL;
    snprintf(buf, cap, "model %s: after %ld training steps its EMA weights still hold %.0f%% of the random "
             "initial ones, so its output is mostly noise: --no-ema uses the trained weights", m->name, m->ema_steps,
             100 * m->ema_init);
    return buf;
}

/* WE_EDATA "PATH: WHAT: <the current detail>" (the detail is copied first:
 * we_err_set writes the buffer we_err_detail returns). */
static we_status file_err(const char *path, const char *what)
{
    char d[512];
    snprintf(d, sizeof d, "%s", we_err_detail());
    return we_err_set(WE_EDATA, "%s%s: %s", path, what, d);
}

we_status we_model_open(we_model *m, const char *path, int maxN, int use_ema, we_device dev)
{
    memset(m, 0, sizeof *m);
    const char *b = strrchr(path, '/');
    snprintf(m->name, sizeof m->name, "%s", b ? b + 1 : path);
    we_st_file f;
    we_status s = we_st_read(&f, path);
    if (s == WE_ENOINPUT || s == WE_ENOMEM) return s;
    if (s) return file_err(path, " is not a safetensors checkpoint");
    s = we_unet_config_from_meta(&m->cfg, &f);
    if (!s) s = we_unet_config_validate(&m->cfg);
    if (s) {
        we_st_free(&f);
        return file_err(path, "");
    }
    m->has_va = we_st_meta_lists(&f, "conditions", "va");
    const char *gd = we_st_meta(&f, "edit.guidance");
    m->def_guidance = gd ? strtof(gd, NULL) : 0;
    if (!(m->def_guidance > 0 && m->def_guidance <= 100)) m->def_guidance = 0;
    if ((s = we_unet_create(&m->m, &m->cfg, maxN))) { we_st_free(&f); memset(m, 0, sizeof *m); return s; }
    const char *prefix = we_unet_weights_prefix(&f, use_ema);
    const char *ed = we_st_meta(&f, "train.ema"), *st = we_st_meta(&f, "train.step");
    if (*prefix && ed && st) { /* the EMA starts as the initial weights: d^n of them are left */
        double d = strtod(ed, NULL);
        m->ema_steps = strtol(st, NULL, 10);
        if (d > 0 && d < 1 && m->ema_steps >= 0) m->ema_init = pow(d, (double)m->ema_steps);
    }
    s = we_unet_load(&m->m, &f, prefix);
    if (!s) s = we_model_cascade_load(m, &f); /* the detail net and cascade.* settings */
    we_st_free(&f);
    if (s) {
        we_model_free(m);
        return file_err(path, "");
    }
    if ((s = we_sched_init(&m->sch, m->cfg.schedule, m->cfg.T)) || (s = we_cond_init(&m->cond, &m->m, maxN)) ||
        (s = alloc_batch(m, maxN, 1)) || (dev == WE_DEV_CUDA && (s = use_cuda(m)))) {
        we_model_free(m);
        return s;
    }
    return WE_OK;
}

/* ---- guidance --------------------------------------------------------- */

void we_guidance_init(we_guidance *g)
{
    g->g = g->g_low = g->g_high = NAN;
    for (int k = 0; k < WE_COND_COUNT; k++) g->g_cond[k] = NAN;
    g->intensity = NAN;
}

void we_guidance_intensity(double I, double *g, double *strength)
{
    if (!(I >= 0)) I = 0;
    if (I > 1) I = 1;
    if (g) *g = 1.0 + 2.0 * I * (*g - 1.0);
    if (strength) {
        double s = *strength * (0.5 + I);
        *strength = s > 1.0 ? 1.0 : s;
    }
}

/* The guidance rules of we_model.h on p, for a model whose default scale is
 * gdef (already checked). */
static void resolve_guidance(const we_guidance *g, double gdef, double intensity, we_edit_params *p)
{
    int have_g = !isnan(g->g), have_glow = !isnan(g->g_low), have_ghigh = !isnan(g->g_high);
    int have_gc = 0;
    for (int k = 0; k < WE_COND_COUNT; k++) have_gc |= !isnan(g->g_cond[k]) << k;
    if (!have_g && !have_glow && !have_ghigh) p->g_low = p->g_high = gdef;
    if (have_g) p->g_low = p->g_high = g->g;
    if (have_glow) p->g_low = g->g_low;
    if (have_ghigh) p->g_high = g->g_high;
    if (have_gc) {
        p->per_cond = 1;
        p->cond_scales[0] = (float)((have_gc & 1) ? g->g_cond[0] : (have_g ? g->g : gdef));
        p->cond_scales[1] = (float)((have_gc & 2) ? g->g_cond[1] : 0);
        p->cond_scales[2] = (float)((have_gc & 4) ? g->g_cond[2] : 0);
    }
    if (intensity >= 0) {
        double s;
        we_guidance_intensity(intensity, &p->g_low, p->t0 < 0 ? &p->strength : NULL);
        we_guidance_intensity(intensity, &p->g_high, NULL);
        for (int k = 0; k < WE_COND_COUNT; k++) {
            s = p->cond_scales[k];
            if (s != 0) we_guidance_intensity(intensity, &s, NULL);
            p->cond_scales[k] = (float)s;
        }
        if (p->t0 >= 0) p->t0 = (int)lround(p->t0 * (0.5 + intensity)); /* clipped to T-1 later */
    }
}

/* ---- edit ------------------------------------------------------------- */

void we_edit_request_init(we_edit_request *r)
{
    memset(r, 0, sizeof *r);
    we_edit_params_init(&r->p);
    r->target = WE_UNET_NULL_LABEL;
    r->source = WE_SOURCE_KEY;
    r->intensity = -1;
}

we_status we_edit_source_parse(const char *s, we_edit_request *r)
{
    if (!strcmp(s, "key")) r->source = WE_SOURCE_KEY;
    else if (!strcmp(s, "net")) r->source = WE_SOURCE_NET;
    else if (we_emotion_label_parse(s, &r->source_label))
        return we_err_set(WE_EUSAGE, "-s: '%s' is not key, net, null or an emotion name", s);
    else r->source = WE_SOURCE_FIXED;
    return WE_OK;
}

we_status we_model_edit_setup(const we_model *m, const we_guidance *g, we_edit_request *r)
{
    we_guidance none;
    if (!g) we_guidance_init(&none), g = &none;
    int band = !isnan(g->g_low) || !isnan(g->g_high), cond = 0;
    for (int k = 0; k < WE_COND_COUNT; k++) cond |= !isnan(g->g_cond[k]);
    if (!isnan(g->g) && band) return we_err_set(WE_EUSAGE, "-g sets both bands; give either -g or --g-low/--g-high");
    if (cond && band)
        return we_err_set(WE_EUSAGE, "per-condition scales (--g-label/--g-va/--g-heat) replace --g-low/--g-high");
    if (!isnan(g->g_cond[1]) && !r->have_va)
        return we_err_set(WE_EUSAGE, "--g-va needs a valence/arousal target (-V/-A)");
    if (r->have_va && !m->has_va)
        return we_err_set(WE_EUSAGE, "model %s was trained without valence/arousal (its metadata 'conditions' does "
                          "not list 'va'): -V/-A cannot be used with it", m->name);
    r->intensity = isnan(g->intensity) ? -1 : g->intensity;
    /* the model's own recommended guidance (metadata edit.guidance)
     * replaces the built-in 4 when no scale is given */
    resolve_guidance(g, m->def_guidance > 0 ? m->def_guidance : 4.0, r->intensity, &r->p);
    return we_edit_params_check(&r->p, m->cfg.T);
}

/* we_model_check_wavelet, giving the frame's layout L. The messages name
 * the model's wants (and how to get them) rather than the layout's. */
static we_status check_wavelet(const we_model *m, const we_frame *w, const char *id, we_wavelet_layout *L)
{
    const we_unet_config *cfg = &m->cfg;
    int h = m->h;
    if (we_layout_wavelet_read(w, 0, L)) {
        char d[256];
        snprintf(d, sizeof d, "%s", we_err_detail());
        return we_err_set(WE_EDATA, "item %s: %s", id, d);
    }
    int64_t sh[3];
    we_layout_wavelet_shape(L, sh);
    if (cfg->J != 1) { /* a J-level model: its own levels and channels, no colour conversion */
        if (L->levels != cfg->J || L->C != cfg->C || L->H != cfg->S || L->W != cfg->S || L->height != cfg->S ||
            L->width != cfg->S)
            return we_err_set(WE_EDATA, "item %s: wavelet frame of a %d x %d x %d face at %d levels; model %s takes %d "
                              "x %d x %d faces at %d levels (facealign -s %d -c %d | dwt -J %d)", id, L->C, L->height,
                              L->width, L->levels, m->name, cfg->C, cfg->S, cfg->S, cfg->J, cfg->S, cfg->C, cfg->J);
    } else if ((sh[0] != 4 && sh[0] != 12) || sh[1] != h || sh[2] != h)
        return we_err_set(WE_EDATA,
                          "item %s: wavelet frame is %lld x %lld x %lld; the model wants 4 or 12 x %d x %d "
                          "(one DWT level of a %d x %d face%s)", id, (long long)sh[0], (long long)sh[1],
                          (long long)sh[2], h, h, cfg->S, cfg->S, L->levels != 1 ? ": run dwt with -J 1" : "");
    if (L->levels != cfg->J)
        return we_err_set(WE_EDATA, "item %s: wavelet frame has %d levels; the model wants %d", id, L->levels, cfg->J);
    if (L->name && strcmp(L->name, cfg->wavelet))
        return we_err_set(WE_EDATA, "item %s: wavelet frame is %s but the model was trained on %s (use dwt -w %s)", id,
                          L->name, cfg->wavelet, cfg->wavelet);
    return WE_OK;
}

we_status we_model_check_wavelet(const we_model *m, const we_frame *w, const char *id)
{
    we_wavelet_layout L;
    return check_wavelet(m, w, id, &L);
}

we_status we_model_check_item(const we_model *m, const we_edit_request *r, we_item *it)
{
    we_frame *w = we_item_find(it, "wavelet");
    if (!w) return WE_OK;
    we_wavelet_layout L;
    int J;
    const char *id = we_item_id(it);
    we_status s = we_model_cascade_levels(m, w, id, &L, &J);
    if (!s && !J) s = check_wavelet(m, w, id, &L);
    for (int k = 0; k < 2 && !s; k++) {
        const char *name = k ? "target_heatmap" : "heatmap";
        we_frame *hf = r->no_heat || !m->cfg.K ? NULL : we_item_find(it, name);
        we_heatmap_layout H;
        if (hf && (we_layout_heatmap_read(hf, &H) || we_layout_heatmap_check(&H, m->cfg.K, m->h, m->h)))
            s = we_err_set(WE_EDATA, "item %s: %s frame must be f32 %d x %d x %d for this model (lmheat -s %d)", id,
                           name, m->cfg.K, m->h, m->h, m->h);
    }
    return s;
}

/* The source label of an item with wavelet frame w by the request's rule;
 * the net sees coef [4C, h, h] of wavelet wname (the frame's, or a cascade
 * item's coarse face). */
static we_status source_label(we_model *m, const we_edit_request *r, const we_frame *w, const float *coef, int C,
                              const char *wname, int *l)
{
    if (r->source == WE_SOURCE_FIXED) { *l = r->source_label; return WE_OK; }
    if (r->source == WE_SOURCE_KEY) {
        const char *e = we_frame_get(w, "emotion");
        if (!e || we_emotion_label_parse(e, l)) *l = WE_UNET_NULL_LABEL;
        return WE_OK;
    }
    we_status s;
    if (!m->net && (s = we_fa_net_load(&m->net, WE_FA_EXPR, NULL))) return s;
    return we_edit_source_net(m->net, coef, C, m->h, m->cfg.J, wname, l);
}

/* Batch slot k's heatmaps from the item: the `heatmap` frame (the face's
 * own landmarks; zeros without one) into m->heat, and the `target_heatmap`
 * frame (lmheat -t: where the target emotion puts them) into m->theat, else
 * a copy of the first. *got = 1 if it had a heatmap, *gott = 1 a target. */
static we_status item_heat(we_model *m, const we_edit_request *r, we_item *it, int k, int *got, int *gott)
{
    int K = m->cfg.K, h = m->h;
    size_t hw = (size_t)h * h;
    float *hp[2] = {m->heat + (size_t)k * K * hw, m->theat + (size_t)k * K * hw};
    for (int j = 0; j < 2; j++) {
        const char *name = j ? "target_heatmap" : "heatmap";
        we_frame *hf = r->no_heat ? NULL : we_item_find(it, name);
        *(j ? gott : got) = hf != NULL;
        we_heatmap_layout L;
        if (hf && (we_layout_heatmap_read(hf, &L) || we_layout_heatmap_check(&L, K, h, h)))
            return we_err_set(WE_EDATA, "item %s: %s frame must be f32 %d x %d x %d for this model (lmheat -s %d)",
                              we_item_id(it), name, K, h, h, h);
        if (hf) memcpy(hp[j], hf->t.data, sizeof(float) * K * hw);
        else if (j) memcpy(hp[1], hp[0], sizeof(float) * K * hw);
        else memset(hp[0], 0, sizeof(float) * K * hw);
    }
    return WE_OK;
}

/* The output keys of an edited wavelet frame with source label src. */
static we_status edit_keys(const we_model *m, const we_edit_request *r, we_frame *w, int src)
{
    const we_edit_params *p = &r->p;
    we_status s = WE_OK;
    if (r->target != WE_UNET_NULL_LABEL) s = we_frame_set(w, "emotion", we_emotion_names[r->target]);
    else we_frame_unset(w, "emotion");
    s = s ? s : we_frame_set(w, "source_emotion", src == WE_UNET_NULL_LABEL ? "null" : we_emotion_names[src]);
    if (r->have_va) {
        s = s ? s : we_frame_setf(w, "valence", "%.6g", r->va[0]);
        s = s ? s : we_frame_setf(w, "arousal", "%.6g", r->va[1]);
    }
    s = s ? s : we_frame_set(w, "edit.model", m->name);
    s = s ? s : we_frame_setf(w, "edit.t0", "%d", we_edit_t0(p, m->cfg.T));
    s = s ? s : we_frame_setf(w, "edit.steps", "%d", p->steps);
    if (p->per_cond)
        s = s ? s : we_frame_setf(w, "edit.g_cond", "%.6g,%.6g,%.6g", p->cond_scales[0], p->cond_scales[1],
                                  p->cond_scales[2]);
    else {
        s = s ? s : we_frame_setf(w, "edit.g_low", "%.6g", p->g_low);
        s = s ? s : we_frame_setf(w, "edit.g_high", "%.6g", p->g_high);
    }
    s = s ? s : we_frame_setf(w, "edit.eta", "%.6g", p->eta);
    if (p->eta > 0) s = s ? s : we_frame_setf(w, "edit.seed", "%llu", (unsigned long long)p->seed);
    s = s ? s : we_frame_setf(w, "edit.faithfulness", "%.6g", p->faith);
    if (r->intensity >= 0) s = s ? s : we_frame_setf(w, "edit.intensity", "%.6g", r->intensity);
    if (r->prompt) s = s ? s : we_frame_set(w, "edit.prompt", r->prompt);
    return s;
}

we_status we_model_edit(we_model *m, const we_edit_request *r, we_item *it, int n, int *noheat, we_rng *rng)
{
    const we_unet_config *cfg = &m->cfg;
    size_t hw = (size_t)m->h * m->h, per = m->per;
    int nb = 0, anyheat = 0, anytgt = 0, got, gott, J, anycas = 0;
    we_status s;
    if (noheat) *noheat = -1;
    for (int i = 0; i < n; i++) {
        we_frame *w = we_item_find(&it[i], "wavelet");
        if (!w) continue;
        if (nb == m->maxN) return we_err_set(WE_EUSAGE, "edit: more than %d wavelet items in a batch", m->maxN);
        we_wavelet_layout L;
        if ((s = we_model_cascade_levels(m, w, we_item_id(&it[i]), &L, &J))) return s;
        if (!J) { /* a face of the model's size */
            if ((s = check_wavelet(m, w, we_item_id(&it[i]), &L))) return s;
            we_edit_to_model(m->x + (size_t)nb * per, m->keep + (size_t)nb * 8 * hw, w->t.data,
                             we_unet_view_c(cfg, L.C), we_unet_cfg_c1(cfg), hw);
            s = source_label(m, r, w, w->t.data, L.C, L.name ? L.name : cfg->wavelet, &m->src[nb]);
        } else { /* a larger one: its coarse face joins the batch */
            anycas = 1;
            int Cc = we_model_cascade_channels(m, L.C);
            if ((s = we_model_cascade_coarse(m, w, &L, J, m->coef))) return s;
            we_edit_to_model(m->x + (size_t)nb * per, m->keep + (size_t)nb * 8 * hw, m->coef, Cc, cfg->C, hw);
            s = source_label(m, r, w, m->coef, Cc, cfg->wavelet, &m->src[nb]);
        }
        if (s) return s;
        if (cfg->K) {
            if ((s = item_heat(m, r, &it[i], nb, &got, &gott))) return s;
            anyheat |= got | gott;
            anytgt |= gott;
            if (!got && !r->no_heat && noheat && *noheat < 0) *noheat = i;
        }
        nb++;
    }
    if (!nb) return WE_OK;
    /* with a cascade item the batch is also reconstructed: the cascade
     * changes the photo by edit - reconstruction, not by edit - source
     * (unless cascade.recon is 0) */
    int recon = anycas && m->cas.recon > 0;
    s = we_model_edit_batch(m, &r->p, m->x, recon ? m->xr : NULL, m->src, r->target, r->have_va ? r->va : NULL,
                            (cfg->K && anyheat) ? (anytgt ? m->theat : m->heat) : NULL,
                            (cfg->K && anytgt) ? m->heat : NULL, nb, rng);
    if (s) return s;
    for (int i = 0, k = 0; i < n; i++) {
        we_frame *w = we_item_find(&it[i], "wavelet");
        if (!w) continue;
        we_wavelet_layout L;
        if ((s = we_model_cascade_levels(m, w, we_item_id(&it[i]), &L, &J))) return s; /* checked above */
        float *xk = m->x + (size_t)k * per, *kk = m->keep + (size_t)k * 8 * hw;
        if (!J) {
            we_edit_from_model(w->t.data, xk, kk, we_unet_view_c(cfg, L.C), we_unet_cfg_c1(cfg), hw);
        } else {
            int Cc = we_model_cascade_channels(m, L.C);
            we_edit_from_model(m->coef, xk, kk, Cc, cfg->C, hw);
            if (recon) we_edit_from_model(m->coefr, m->xr + (size_t)k * per, kk, Cc, cfg->C, hw);
            /* the item's landmarks, where it has good ones (cascade.region) */
            we_frame *lf = we_item_find(&it[i], "landmarks");
            const float *lm = lf && !we_layout_landmarks_check(lf) ? lf->t.data : NULL;
            if ((s = we_model_cascade_apply(m, w, &L, J, m->coef, recon ? m->coefr : NULL, lm))) return s;
        }
        /* Non-finite policy (wes(5)): coefficients far outside any dwt's
         * range (3e38) overflow the network; say which item, never write it. */
        if (we_tensor_nonfinite(&w->t) >= 0)
            return we_err_set(WE_EDATA, "item %s: the edit overflowed to NaN/Inf (wavelet coefficients far outside "
                              "the range dwt gives?)", we_item_id(&it[i]));
        if ((s = edit_keys(m, r, w, m->src[k]))) return s;
        if (J && ((s = we_frame_setf(w, "edit.cascade", "%d", J)) ||
                  (s = we_frame_set(w, "edit.detail", m->detail ? "net" : "none"))))
            return s;
        k++;
    }
    return WE_OK;
}

/* ---- generate --------------------------------------------------------- */

void we_gen_params_init(we_gen_params *p)
{
    memset(p, 0, sizeof *p);
    p->label = WE_UNET_NULL_LABEL;
    p->steps = -1;
    p->g_low = p->g_high = 1;
    p->clip = 1;
    p->seed = 1;
}

we_status we_model_generate_setup(const we_model *m, we_gen_params *p)
{
    if (p->ddpm && p->eta != 0) return we_err_set(WE_EUSAGE, "--eta applies to --sampler ddim only");
    if (p->steps <= 0) p->steps = p->ddpm ? m->cfg.T : 50;
    if (p->steps > m->cfg.T) return we_err_set(WE_EUSAGE, "--steps %d above the model's T = %d", p->steps, m->cfg.T);
    if (m->cfg.region != WE_REGION_ALL && (!p->given || p->n_given < 1))
        return we_err_set(WE_EUSAGE, "model %s diffuses only the %s bands; it samples the others from real faces "
                          "(wsample --given STREAM: `wavelet` frames of its size), not from noise",
                          m->name, we_region_name(m->cfg.region));
    if (p->have_va && !m->has_va)
        return we_err_set(WE_EUSAGE, "model %s was trained without valence/arousal (its metadata 'conditions' does "
                          "not list 'va'): --valence/--arousal cannot be used with it", m->name);
    return WE_OK;
}

/* One generated item (diffusion-space coefficients xs, scaled back here)
 * as a frame with its keys. */
static we_status gen_frame(const we_model *m, const we_gen_params *p, const we_wavelet *wl, float *xs, int idx,
                           we_frame *fr)
{
    const we_unet_config *cfg = &m->cfg;
    size_t per = m->per;
    we_status s;
    for (size_t i = 0; i < per; i++) xs[i] /= we_unet_cfg_scale(cfg);
    we_frame_init(fr);
    we_wavelet_layout L;
    if (p->wavelet_out) {
        if ((s = we_layout_wavelet_make(&L, wl, cfg->wavelet, cfg->J, cfg->C, cfg->S, cfg->S, -1)) ||
            (s = we_layout_wavelet_new(fr, &L)))
            return s;
        memcpy(fr->t.data, xs, sizeof(float) * per);
    } else {
        we_tensor pix;
        if ((s = we_tensor_alloc3(&pix, WE_F32, cfg->C, cfg->S, cfg->S))) return s;
        float *px = pix.data;
        if (!(s = we_dwt2_inverse(px, NULL, xs, cfg->C, cfg->S, cfg->S, wl, cfg->J, 1))) {
            for (size_t i = 0; i < per; i++) px[i] = px[i] < -1 ? -1 : px[i] > 1 ? 1 : px[i];
            s = we_layout_image_new(fr, &pix);
        }
        if (s) {
            we_tensor_free(&pix);
            return s;
        }
    }
    s = s ? s : we_frame_setf(fr, "id", "sample%06d", idx);
    if (p->label != WE_UNET_NULL_LABEL) s = s ? s : we_frame_set(fr, "emotion", we_emotion_names[p->label]);
    if (p->have_va) {
        s = s ? s : we_frame_setf(fr, "valence", "%.6g", p->va[0]);
        s = s ? s : we_frame_setf(fr, "arousal", "%.6g", p->va[1]);
    }
    if (p->wavelet_out) {
        s = s ? s : we_layout_wavelet_set_keys(fr, &L); /* wavelet, levels, mode */
    }
    s = s ? s : we_frame_setf(fr, "sampler", "%s", p->ddpm ? "ddpm" : "ddim");
    s = s ? s : we_frame_setf(fr, "steps", "%d", p->steps);
    s = s ? s : we_frame_setf(fr, "seed", "%ld", p->seed);
    if (p->g_low != 1 || p->g_high != 1) {
        s = s ? s : we_frame_setf(fr, "g_low", "%.6g", p->g_low);
        s = s ? s : we_frame_setf(fr, "g_high", "%.6g", p->g_high);
    }
    return s;
}

we_status we_model_generate(we_model *m, const we_gen_params *p, int first, int N, we_frame *out, we_rng *rng)
{
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "generate: batch %d not in 1..%d", N, m->maxN);
    const we_wavelet *wl;
    we_status s = we_wavelet_parse(m->cfg.wavelet, &wl);
    if (s) return s;
    for (int b = 0; b < N; b++) {
        m->tgt[b] = p->label;
        m->vk[b] = p->have_va;
        m->va[2 * b] = p->have_va ? (float)p->va[0] : 0;
        m->va[2 * b + 1] = p->have_va ? (float)p->va[1] : 0;
    }
    we_cond *c = &m->cond;
    c->tgt_label = c->src_label = m->tgt;
    c->tgt_va = c->src_va = m->va;
    c->tgt_va_known = c->src_va_known = m->vk;
    c->heat = NULL;
    we_sampler sp;
    we_sampler_init(&sp);
    sp.fn = we_cond_eps, sp.ctx = c, sp.sched = &m->sch;
    sp.N = N, sp.C = we_unet_cfg_c1(&m->cfg), sp.h = m->h;
    sp.s_low = (float)p->g_low, sp.s_high = (float)p->g_high, sp.eta = (float)p->eta, sp.clip = (float)p->clip;
    float *fixed = NULL;
    if (m->cfg.region != WE_REGION_ALL) { /* the clean bands of given faces (we_model_generate_setup) */
        if (!(fixed = malloc(sizeof(float) * (size_t)N * m->per))) return we_err_set(WE_ENOMEM, "out of memory");
        for (int b = 0; b < N; b++)
            memcpy(fixed + (size_t)b * m->per, p->given + (size_t)((first + b) % p->n_given) * m->per,
                   sizeof(float) * m->per);
        sp.region = m->cfg.region, sp.fixed = fixed;
    }
    s = we_sampler_generate(&sp, m->x, p->steps, p->ddpm, rng);
    free(fixed);
    if (s) return s;
    for (int b = 0; b < N; b++)
        if ((s = gen_frame(m, p, wl, m->x + (size_t)b * m->per, first + b, &out[b]))) return s;
    return WE_OK;
}

we_status we_model_given_read(const we_model *m, we_reader *r, int max, float **x, int *n)
{
    size_t hw = (size_t)m->h * m->h, per = m->per, cap = 0;
    float *keep = malloc(sizeof(float) * 8 * hw), *buf = NULL;
    we_item it;
    we_item_init(&it);
    we_status s = keep ? WE_OK : we_err_set(WE_ENOMEM, "out of memory");
    int k = 0;
    while (!s && k < max && (s = we_reader_item(r, &it)) == WE_OK) {
        we_frame *w = we_item_find(&it, "wavelet");
        we_wavelet_layout L;
        if (!w) continue;
        if ((s = check_wavelet(m, w, we_item_id(&it), &L))) break;
        if ((size_t)k == cap) {
            float *nb = realloc(buf, sizeof(float) * per * (cap = cap ? 2 * cap : 64));
            if (!nb) { s = we_err_set(WE_ENOMEM, "out of memory"); break; }
            buf = nb;
        }
        we_edit_to_model(buf + (size_t)k * per, keep, w->t.data, we_unet_view_c(&m->cfg, L.C), we_unet_cfg_c1(&m->cfg),
                         hw);
        for (size_t i = 0; i < per; i++) buf[(size_t)k * per + i] *= we_unet_cfg_scale(&m->cfg);
        k++;
    }
    we_item_free(&it);
    free(keep);
    /* the loop ends with WE_OK only once max faces are read */
    if (!s || s == WE_EOF) s = k ? WE_OK : we_err_set(WE_EDATA, "no `wavelet` frame among the given faces (run dwt first)");
    if (s) { free(buf); return s; }
    *x = buf, *n = k;
    return WE_OK;
}

/* ---- train ------------------------------------------------------------ */

we_status we_model_train_prepare(we_model *m, we_unet_config *cfg, const char *resume_path)
{
    memset(m, 0, sizeof *m);
    if (!resume_path) return WE_OK;
    const char *b = strrchr(resume_path, '/');
    snprintf(m->name, sizeof m->name, "%s", b ? b + 1 : resume_path);
    we_status s = we_st_read(&m->ck, resume_path);
    if (s) return s;
    m->resumed = 1;
    if ((s = we_unet_config_from_meta(cfg, &m->ck))) return s;
    return WE_OK;
}

we_status we_model_train_reconcile(we_model *m, we_train_params *hp, we_train_run *run, unsigned given, int allow,
                                   char *note, size_t cap)
{
    if (note && cap) note[0] = 0;
    if (!m->resumed) return WE_OK;
    we_runset set[WE_TRAIN_NSET];
    int n = we_train_settings(hp, run, given, set);
    return we_runset_resume(&m->ck, set, n, allow, note, cap);
}

we_status we_model_train_start(we_model *m, const we_unet_config *cfg, const we_train_data *ds,
                               const we_train_run *run, const we_train_params *hp, unsigned given, we_device dev)
{
    we_status s;
    int maxN = run->batch;
    uint64_t seed = (uint64_t)run->seed;
    m->cfg = *cfg;
    if (m->resumed) {
        if (ds->S != cfg->S || ds->C != cfg->C || ds->K != cfg->K || ds->J != cfg->J)
            return we_err_set(WE_EDATA, "data (S %d, C %d, K %d, levels %d) does not fit the checkpoint's model (S %d, "
                              "C %d, K %d, levels %d)", ds->S, ds->C, ds->K, ds->J, cfg->S, cfg->C, cfg->K, cfg->J);
    } else {
        m->cfg.S = ds->S, m->cfg.C = ds->C, m->cfg.K = ds->K, m->cfg.J = ds->J ? ds->J : 1;
    }
    if ((s = we_unet_config_validate(&m->cfg))) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", we_err_detail());
        return we_err_set(WE_EUSAGE, "%s", msg);
    }
    if ((s = we_unet_create(&m->m, &m->cfg, maxN))) return s;
    if ((s = alloc_batch(m, maxN, 0))) return s;
    we_train *tr = m->train = calloc(1, sizeof *tr);
    if (!tr) return we_err_set(WE_ENOMEM, "out of memory");
    we_rng initr;
    we_rng_seed(&initr, seed * 2654435761u + 17);
    if (!m->resumed) we_unet_init_params(&m->m, &initr);
    if ((s = we_train_init(tr, &m->m, hp, seed))) {
        free(tr);
        m->train = NULL;
        return s;
    }
    tr->run = *run;
    if (m->resumed) {
        if ((s = we_train_load(tr, &m->ck))) return s;
        we_st_free(&m->ck);
        m->resumed = 0;
        /* the checkpoint's auxiliary settings, unless given again */
        if (given & WE_AUX_LAMBDA_WAV) tr->hp.lambda_wav = hp->lambda_wav;
        if (given & WE_AUX_WAV_WEIGHTS) tr->hp.wav_w_low = hp->wav_w_low, tr->hp.wav_w_high = hp->wav_w_high;
        if (given & WE_AUX_LAMBDA_EXPR) tr->hp.lambda_expr = hp->lambda_expr;
        if (given & WE_AUX_TMAX) tr->hp.aux_tmax = hp->aux_tmax;
        if (given & WE_AUX_LAMBDA_VA) tr->hp.lambda_va = hp->lambda_va;
        if (given & WE_AUX_LAMBDA_LM) tr->hp.lambda_lm = hp->lambda_lm;
        if (given & WE_AUX_LAMBDA_ID) tr->hp.lambda_id = hp->lambda_id;
        if (given & WE_AUX_LAMBDA_BG) tr->hp.lambda_bg = hp->lambda_bg;
        if (given & WE_AUX_ITEMS) tr->hp.aux_items = hp->aux_items;
        if ((s = we_train_aux_setup(tr))) return s;
    }
    int any_lm = 0;
    for (int i = 0; i < ds->n && !any_lm; i++) any_lm = ds->lm_known[i];
    if (tr->hp.lambda_bg > 0 && ds->n && !any_lm)
        return we_err_set(WE_EDATA, "L_bg needs items with a `landmarks` frame (facealign writes them); "
                                    "this data has none");
    /* on the GPU after the resume: the restored state goes up with the model */
    if (dev == WE_DEV_CUDA && (s = we_train_use_cuda(tr))) return s;
    /* conditions the data carries, kept across resumed runs */
    if (ds->any_va) tr->has_va = 1;
    return WE_OK;
}

we_status we_model_train_step(we_model *m, const we_train_data *ds, int N, float *loss, float *gnorm)
{
    we_train *tr = m->train;
    if (!tr) return we_err_set(WE_EUSAGE, "train step: no training run (we_model_train_start)");
    if (N < 1 || N > m->maxN) return we_err_set(WE_EUSAGE, "train step: batch %d not in 1..%d", N, m->maxN);
    size_t xs = (size_t)ds->xsize, hsz = (size_t)ds->K * (ds->S >> ds->J) * (ds->S >> ds->J);
    /* batch: uniform sampling with the training RNG (saved state) */
    for (int b = 0; b < N; b++) {
        int i = (int)we_rng_below(&tr->rng, (uint64_t)ds->n);
        memcpy(m->x + (size_t)b * xs, ds->x + (size_t)i * xs, sizeof(float) * xs);
        if (ds->K) memcpy(m->heat + b * hsz, ds->heat + i * hsz, sizeof(float) * hsz);
        m->tgt[b] = ds->label[i];
        m->vk[b] = ds->va_known[i];
        m->va[2 * b] = ds->va[2 * i], m->va[2 * b + 1] = ds->va[2 * i + 1];
        tr->lm_known[b] = ds->lm && ds->lm_known[i];
        if (tr->lm_known[b]) memcpy(tr->lm + (size_t)b * 136, ds->lm + (size_t)i * 136, sizeof(float) * 136);
    }
    return we_train_step(tr, m->x, m->tgt, m->va, m->vk, m->heat, N, loss, gnorm);
}
