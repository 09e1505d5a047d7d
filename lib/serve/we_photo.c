/* we_photo.c - facealign | dwt | wdenoise | iwt | facepaste and the judge
 * (femo, fid) on one photo held in memory (we_photo.h). */
#include "we_photo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "we_dwt.h"
#include "we_face_paste.h"
#include "we_layout_wavelet.h"
#include "we_pixel.h"

void we_photo_engine_params_init(we_photo_engine_params *p)
{
    memset(p, 0, sizeof *p);
    p->size = 256;
    p->max_faces = 16;
    p->batch = 4;
}

void we_photo_engine_free(we_photo_engine *e)
{
    if (e->face) {
        we_face_model_free(e->face);
        pthread_mutex_destroy(&e->lock);
    }
    we_ssd_free(e->ssd);
    we_model_free(&e->model);
    we_fa_net_free(e->expr);
    we_fa_net_free(e->rec);
    we_fa_net_free(e->check_lm);
    we_fa_net_free(e->check_rec);
    memset(e, 0, sizeof *e);
}

we_status we_photo_engine_open(we_photo_engine *e, const we_photo_engine_params *p)
{
    memset(e, 0, sizeof *e);
    e->p = *p;
    if (e->p.size < 64 || e->p.size > 1024 || e->p.batch < 1 || e->p.max_faces < 1)
        return we_err_set(WE_EUSAGE, "photo engine: size %d, batch %d, max_faces %d out of range", e->p.size,
                          e->p.batch, e->p.max_faces);
    we_model_path(e->model_path, sizeof e->model_path, p->model);
    we_status s = we_model_open(&e->model, e->model_path, e->p.batch, 1, WE_DEV_CPU);
    if (s) {
        const char *d = we_err_detail();
        return we_err_set(s, "model %s: %s", e->model_path, *d ? d : we_err_str(s));
    }
    if ((s = we_wavelet_parse(e->model.cfg.wavelet, &e->wavelet))) goto fail;
    if ((s = we_face_model_load(p->predictor, &e->face))) goto fail;
    pthread_mutex_init(&e->lock, NULL);
    /* facealign's "auto": the SSD when face-api's weights are there, with
     * HOG for the photos it finds nothing in; the judge needs them too */
    if ((s = we_ssd_load(&e->ssd, p->faceapi)) || (s = we_fa_net_load(&e->expr, WE_FA_EXPR, p->faceapi)) ||
        (s = we_fa_net_load(&e->rec, WE_FA_RECOG, p->faceapi)) ||
        (s = we_fa_net_load(&e->check_lm, WE_FA_LANDMARK, p->faceapi)) ||
        (s = we_fa_net_load(&e->check_rec, WE_FA_RECOG, p->faceapi)))
        goto fail;
    return WE_OK;
fail:
    {
        char d[512];
        snprintf(d, sizeof d, "%s", we_err_detail());
        we_photo_engine_free(e);
        return we_err_set(s, "%s", *d ? d : we_err_str(s));
    }
}

void we_photo_free(we_photo *ph)
{
    we_tensor_free(&ph->img);
    we_face_aligned_free(ph->faces, ph->nfaces);
    memset(ph, 0, sizeof *ph);
}

we_status we_photo_load(we_photo_engine *e, const uint8_t *buf, size_t n, uint64_t max_pixels, we_photo *ph)
{
    memset(ph, 0, sizeof *ph);
    ph->fmt = we_image_sniff(buf, n);
    we_status s = we_image_decode_max(buf, n, max_pixels, &ph->img);
    if (s) {
        memset(ph, 0, sizeof *ph);
        return s;
    }
    we_face_align_params ap;
    we_face_align_params_init(&ap);
    ap.size = e->p.size;
    ap.all = 1;
    ap.ssd = e->ssd;
    ap.ssd_hog = 1;
    ap.verify = e->check_lm; /* facealign's face check: a cat is not edited as a face */
    ap.verify_rec = e->check_rec;
    pthread_mutex_lock(&e->lock);
    s = we_face_align_image(e->face, &ph->img, &ap, &ph->faces, &ph->nfaces);
    pthread_mutex_unlock(&e->lock);
    if (s) {
        we_tensor_free(&ph->img);
        memset(ph, 0, sizeof *ph);
        return s;
    }
    if (ph->nfaces > e->p.max_faces) { /* largest first: drop the smallest */
        we_face_aligned_free(ph->faces + e->p.max_faces, ph->nfaces - e->p.max_faces);
        ph->nfaces = e->p.max_faces;
    }
    return WE_OK;
}

void we_photo_edit_params_init(we_photo_edit_params *p)
{
    p->target = 0;
    p->intensity = p->g_low = p->g_high = p->strength = NAN;
    p->steps = 0;
    p->seed = 1;
    p->faith = 0;
    p->eta = 0;
}

we_status we_photo_edit_plan(we_photo_engine *e, const we_photo_edit_params *p, int nfaces, we_edit_request *r,
                             long *calls)
{
    if (p->target < 0 || p->target >= WE_UNET_NULL_LABEL)
        return we_err_set(WE_EUSAGE, "target emotion %d not in 0..%d", p->target, WE_UNET_NULL_LABEL - 1);
    we_edit_request_init(r);
    r->target = p->target;
    r->p.seed = (uint64_t)p->seed;
    r->p.faith = p->faith;
    r->p.eta = p->eta;
    if (p->steps > 0) r->p.steps = p->steps;
    if (!isnan(p->strength)) r->p.strength = p->strength;
    we_guidance g;
    we_guidance_init(&g);
    g.g_low = p->g_low;
    g.g_high = p->g_high;
    g.intensity = p->intensity;
    we_status s = we_model_edit_setup(&e->model, &g, r);
    if (s) return s;
    int cascade = e->p.size != e->model.cfg.S;
    long batches = (nfaces + e->p.batch - 1) / e->p.batch;
    *calls = batches * we_model_edit_calls(&r->p, cascade);
    return WE_OK;
}

/* The data levels of a face of S px: the model's J at its own size (a
 * J-level model), one level for the cascade. */
static int face_levels(const we_photo_engine *e, int S) { return S == e->model.cfg.S ? e->model.cfg.J : 1; }

/* The `wavelet` frame (the model's wavelet and levels) of an aligned face. */
static we_status face_frame(we_photo_engine *e, const we_tensor *img, int i, float *work, we_frame *fr)
{
    int C = (int)img->shape[0], S = (int)img->shape[1], J = face_levels(e, S);
    we_wavelet_layout L;
    we_status s = we_layout_wavelet_make(&L, e->wavelet, e->model.cfg.wavelet, J, C, S, S, WE_F32);
    if (!s) s = we_layout_wavelet_new(fr, &L);
    if (!s) s = we_dwt2_forward(fr->t.data, work, img->data, C, S, S, e->wavelet, J, 1);
    if (!s) s = we_layout_wavelet_set_keys(fr, &L);
    if (!s) s = we_frame_setf(fr, "id", "face%d", i);
    return s;
}

static double cosine(const float *a, const float *b, int n)
{
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) ab += (double)a[i] * b[i], aa += (double)a[i] * a[i], bb += (double)b[i] * b[i];
    return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : NAN;
}

/* The judge on one face: expression and identity of src and edit (C x S x S, 0..255). */
static we_status judge_face(we_photo_engine *e, const float *src, const float *edit, int C, int S, we_photo_judgement *j)
{
    we_fa_result a, b;
    we_status s = we_fa_analyse(e->expr, NULL, e->rec, WE_FA_CROP_WHOLE, src, C, S, S, &a);
    if (!s) s = we_fa_analyse(e->expr, NULL, e->rec, WE_FA_CROP_WHOLE, edit, C, S, S, &b);
    if (s) return s;
    memcpy(j->before, a.expr, sizeof j->before);
    memcpy(j->after, b.expr, sizeof j->after);
    j->identity = cosine(a.id, b.id, 128);
    return WE_OK;
}

/* The caller's tick, counted over the whole edit (the model counts per batch). */
typedef struct {
    we_status (*tick)(void *, long);
    void *ctx;
    long base;
} tick_sum;

static we_status photo_tick(void *ctx, long calls)
{
    tick_sum *t = ctx;
    return t->tick(t->ctx, t->base + calls);
}

we_status we_photo_edit(we_photo_engine *e, const we_photo *ph, const int *idx, int n, const we_photo_edit_params *p,
                        we_tensor *out, we_tensor *crops, we_photo_judgement *judge)
{
    we_edit_request r;
    long calls;
    we_status s = we_photo_edit_plan(e, p, n, &r, &calls);
    if (s) return s;
    if (n < 1) return we_err_set(WE_EUSAGE, "no face chosen");
    for (int k = 0; k < n; k++)
        if (idx[k] < 0 || idx[k] >= ph->nfaces)
            return we_err_set(WE_EUSAGE, "face %d not in 0..%d", idx[k], ph->nfaces - 1);
    int Cp = (int)ph->img.shape[0], H = (int)ph->img.shape[1], W = (int)ph->img.shape[2];
    int C = (int)ph->faces[0].image.shape[0], S = (int)ph->faces[0].image.shape[1];
    size_t plane = (size_t)H * W, fsz = (size_t)C * S * S;
    float *photo = out ? malloc(sizeof(float) * Cp * plane) : NULL;
    float *work = malloc(sizeof(float) * we_dwt2_work_floats(C, S, S, e->wavelet, face_levels(e, S), 1));
    float *face = malloc(sizeof(float) * fsz), *src = malloc(sizeof(float) * fsz);
    we_item *it = calloc((size_t)e->p.batch, sizeof *it);
    if ((out && !photo) || !work || !face || !src || !it) {
        s = we_err_set(WE_ENOMEM, "out of memory (%dx%d photo)", W, H);
        goto done;
    }
    for (size_t i = 0; photo && i < (size_t)Cp * plane; i++) photo[i] = ((const uint8_t *)ph->img.data)[i];
    if (crops) memset(crops, 0, sizeof *crops * (size_t)n);
    we_rng rng;
    we_rng_seed(&rng, r.p.seed);
    tick_sum ts = {e->model.tick, e->model.tick_ctx, 0};
    if (ts.tick) e->model.tick = photo_tick, e->model.tick_ctx = &ts;
    for (int b0 = 0; b0 < n && !s; b0 += e->p.batch) {
        int nb = n - b0 < e->p.batch ? n - b0 : e->p.batch;
        for (int k = 0; k < nb && !s; k++) {
            we_frame fr;
            we_frame_init(&fr);
            we_item_init(&it[k]);
            s = face_frame(e, &ph->faces[idx[b0 + k]].image, idx[b0 + k], work, &fr);
            if (!s) s = we_item_push(&it[k], &fr);
            we_frame_free(&fr);
        }
        if (!s) s = we_model_edit(&e->model, &r, it, nb, NULL, &rng);
        ts.base += we_model_edit_calls(&r.p, S != e->model.cfg.S);
        for (int k = 0; k < nb && !s; k++) {
            const we_face_aligned *a = &ph->faces[idx[b0 + k]];
            we_frame *w = we_item_find(&it[k], "wavelet");
            if (!w) { s = we_err_set(WE_EINTERNAL, "edit lost face %d", idx[b0 + k]); break; }
            if ((s = we_dwt2_inverse(face, work, w->t.data, C, S, S, e->wavelet, face_levels(e, S), 1))) break;
            for (size_t i = 0; i < fsz; i++) {
                face[i] = we_pixel_from_unit(face[i]);
                src[i] = we_pixel_from_unit(((const float *)a->image.data)[i]);
            }
            if (crops) {
                if ((s = we_tensor_alloc3(&crops[b0 + k], WE_U8, C, S, S))) break;
                uint8_t *c8 = crops[b0 + k].data;
                for (size_t i = 0; i < fsz; i++) c8[i] = we_pixel_round_u8_away(face[i]);
            }
            if (judge && (s = judge_face(e, src, face, C, S, &judge[b0 + k]))) break;
            if (photo)
                s = we_face_paste_blend(photo, Cp, H, W, face, C, S, a->affine, a->crop_pts, WE_FACE_NPTS, NULL);
        }
        for (int k = 0; k < nb; k++) we_item_free(&it[k]);
    }
    if (ts.tick) e->model.tick = ts.tick, e->model.tick_ctx = ts.ctx;
    if (!s && out && !(s = we_tensor_alloc3(out, WE_U8, Cp, H, W))) {
        uint8_t *o8 = out->data;
        for (size_t i = 0; i < (size_t)Cp * plane; i++) o8[i] = we_pixel_round_u8_away(photo[i]);
    }
    if (s && crops)
        for (int k = 0; k < n; k++) we_tensor_free(&crops[k]);
done:
    free(photo), free(work), free(face), free(src), free(it);
    return s;
}

we_status we_photo_encode(const we_tensor *img, we_image_format fmt, uint8_t **buf, size_t *n, const char **mime)
{
    int jpeg = fmt == WE_IMG_JPEG;
    *mime = jpeg ? "image/jpeg" : "image/png";
    return we_image_encode(img, jpeg ? WE_IMG_JPEG : WE_IMG_PNG, 92, buf, n);
}
