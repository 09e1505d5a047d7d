/* we_train_data.c - reading wtrain's data set (see we_train_data.h). */
#include "we_train_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_dwt.h"
#include "we_layout_image.h"
#include "we_layout_wavelet.h"
#include "we_layout_face.h"
#include "we_pixel.h"
#include "we_runset.h"
#include "we_stream.h"
#include "we_unet.h"

void we_train_data_free(we_train_data *ds)
{
    free(ds->x); free(ds->heat); free(ds->label); free(ds->va); free(ds->va_known); free(ds->lm); free(ds->lm_known);
    memset(ds, 0, sizeof *ds);
}

/* Check an item's data frame f (wavelet when fw, else image) through its
 * layout and find its C and S. */
static we_status frame_shape(const we_frame *f, int fw, int item, int *C, int *S, int *J)
{
    char d[256];
    *J = 1;
    if (fw) {
        we_wavelet_layout L;
        if (we_layout_wavelet_read(f, 0, &L)) goto bad;
        if (L.levels < 1 || L.levels > 4)
            return we_err_set(WE_EDATA, "item %d: wavelet frame has levels=%d; a model takes 1..4 (dwt -J)", item, L.levels);
        if (L.H != L.W || L.height != L.H || L.width != L.W)
            return we_err_set(WE_EDATA, "item %d: wavelet frame must be of an unpadded square face (4^J C x h x h)", item);
        *C = L.C;
        *S = L.H;
        *J = L.levels;
    } else {
        we_image_layout L;
        if (we_layout_image_read(f, &L)) goto bad;
        *C = L.C;
        *S = L.H;
        if (L.H != L.W || *S % 2) return we_err_set(WE_EDATA, "item %d: image must be square with even size", item);
    }
    return WE_OK;
bad:
    snprintf(d, sizeof d, "%s", we_err_detail());
    return we_err_set(WE_EDATA, "item %d: %s", item, d);
}

static we_status grow(we_train_data *ds)
{
    int nc = ds->cap ? 2 * ds->cap : 1024;
    size_t hw = (size_t)(ds->S >> ds->J) * (ds->S >> ds->J);
    float *x = realloc(ds->x, sizeof(float) * (size_t)nc * (size_t)ds->xsize);
    if (x) ds->x = x;
    int32_t *l = realloc(ds->label, sizeof(int32_t) * (size_t)nc);
    if (l) ds->label = l;
    float *va = realloc(ds->va, sizeof(float) * 2 * (size_t)nc);
    if (va) ds->va = va;
    int32_t *vk = realloc(ds->va_known, sizeof(int32_t) * (size_t)nc);
    if (vk) ds->va_known = vk;
    float *lm = realloc(ds->lm, sizeof(float) * 136 * (size_t)nc);
    if (lm) ds->lm = lm;
    int32_t *lk = realloc(ds->lm_known, sizeof(int32_t) * (size_t)nc);
    if (lk) ds->lm_known = lk;
    float *h = ds->K ? realloc(ds->heat, sizeof(float) * (size_t)nc * (size_t)ds->K * hw) : NULL;
    if (h) ds->heat = h;
    if (!x || !l || !va || !vk || !lm || !lk || (ds->K && !h))
        return we_err_set(WE_ENOMEM, "out of memory reading item %d", ds->n + 1);
    ds->cap = nc;
    return WE_OK;
}

/* The item's keys: emotion (else from labels), valence, arousal. */
static we_status item_keys(we_train_data *ds, const we_item *it, const we_frame *f, const we_face_labels *labels)
{
    const char *emo = NULL;
    double v = NAN, a = NAN;
    for (int k = 0; k < it->n; k++) {
        if (!emo) emo = we_frame_get(&it->f[k], "emotion");
        double tmp;
        if (isnan(v) && !we_frame_get_double(&it->f[k], "valence", &tmp)) v = tmp;
        if (isnan(a) && !we_frame_get_double(&it->f[k], "arousal", &tmp)) a = tmp;
    }
    if (!emo && labels) {
        emo = we_face_labels_find_key(labels, we_frame_get(f, "src"));
        if (!emo) emo = we_face_labels_find_key(labels, we_item_id(it));
    }
    int l = WE_UNET_NULL_LABEL;
    if (emo && we_emotion_label_parse(emo, &l)) return we_err_set(WE_EDATA, "item %d: unknown emotion '%s'", ds->n + 1, emo);
    if (!emo) ds->unknown_emotion++;
    ds->label[ds->n] = l;
    int known = !isnan(v) && !isnan(a);
    ds->va_known[ds->n] = known;
    ds->va[2 * ds->n] = known ? (float)v : 0;
    ds->va[2 * ds->n + 1] = known ? (float)a : 0;
    ds->any_va |= known;
    return WE_OK;
}

/* Append one item with data frame f (fw: a wavelet frame) and heatmap fh. */
static we_status add_item(we_train_data *ds, we_item *it, const we_frame *f, int fw, const we_frame *fh,
                          const we_wavelet *wl, float scale, const we_face_labels *labels, float *work)
{
    we_status s;
    if (ds->n == ds->cap && (s = grow(ds))) return s;
    const we_tensor *t = &f->t;
    float *dst = ds->x + (size_t)ds->n * ds->xsize;
    size_t cnt = (size_t)ds->xsize, hsz = (size_t)ds->K * (ds->S >> ds->J) * (ds->S >> ds->J);
    if (fw) {
        memcpy(dst, t->data, cnt * sizeof(float));
    } else {
        if (t->dtype == WE_U8) {
            const uint8_t *u = t->data;
            for (size_t i = 0; i < cnt; i++) work[i] = we_pixel_to_unit(u[i]);
        } else {
            memcpy(work, t->data, cnt * sizeof(float));
        }
        if ((s = we_dwt2_forward(dst, NULL, work, ds->C, ds->S, ds->S, wl, 1, 1))) return s;
    }
    scale = we_unet_data_scale(scale, ds->J); /* the model's we_unet_cfg_scale */
    for (size_t i = 0; i < cnt; i++) dst[i] *= scale;
    if (ds->K) memcpy(ds->heat + (size_t)ds->n * hsz, fh->t.data, sizeof(float) * hsz);
    const we_frame *fl = we_item_find(it, "landmarks");
    if (fl && we_layout_landmarks_check(fl))
        return we_err_set(WE_EDATA, "item %d: landmarks must be f32 68x2 with finite values", ds->n + 1);
    ds->lm_known[ds->n] = fl != NULL;
    if (fl) memcpy(ds->lm + (size_t)ds->n * 136, fl->t.data, sizeof(float) * 136);
    else memset(ds->lm + (size_t)ds->n * 136, 0, sizeof(float) * 136);
    if ((s = item_keys(ds, it, f, labels))) return s;
    ds->n++;
    return WE_OK;
}

we_status we_train_data_read(we_train_data *ds, FILE *in, const char *label, const we_wavelet *wl, float scale,
                             const we_face_labels *labels, int want_heat)
{
    memset(ds, 0, sizeof *ds);
    return we_train_data_append(ds, in, label, wl, scale, labels, want_heat);
}

we_status we_train_data_append(we_train_data *ds, FILE *in, const char *label, const we_wavelet *wl, float scale,
                               const we_face_labels *labels, int want_heat)
{
    we_reader r;
    we_reader_init(&r, in, label);
    we_item it;
    we_item_init(&it);
    we_status s;
    float *work = NULL;
    while ((s = we_reader_item(&r, &it)) == WE_OK) {
        we_frame *fw = we_item_find(&it, "wavelet");
        we_frame *fi = fw ? NULL : we_item_find(&it, "image");
        if (!fw && !fi) continue; /* nothing to learn from */
        we_frame *f = fw ? fw : fi;
        int C = 0, S = 0, J = 1, item = ds->n + 1;
        if ((s = frame_shape(f, fw != NULL, item, &C, &S, &J))) break;
        if (ds->n == 0) {
            ds->S = S, ds->C = C, ds->J = J, ds->xsize = C * S * S; /* 4^J C (S/2^J)^2 */
        } else if (S != ds->S || C != ds->C || J != ds->J) {
            s = we_err_set(WE_EDATA, "item %d: size %dx%d, C %d, levels %d differs from the first item's %dx%d, C %d, "
                           "levels %d", item, S, S, C, J, ds->S, ds->S, ds->C, ds->J);
            break;
        }
        if (!work && !(work = malloc(sizeof(float) * (size_t)ds->xsize * 2))) {
            s = we_err_set(WE_ENOMEM, "out of memory");
            break;
        }
        we_frame *fh = want_heat ? we_item_find(&it, "heatmap") : NULL;
        if (want_heat) {
            if (!fh) { s = we_err_set(WE_EDATA, "item %d has no heatmap frame (--heatmaps)", item); break; }
            we_heatmap_layout hl;
            if (we_layout_heatmap_read(fh, &hl) || we_layout_heatmap_check(&hl, 0, S >> J, S >> J)) {
                s = we_err_set(WE_EDATA, "item %d: heatmap must be f32 K x %d x %d", item, S >> J, S >> J);
                break;
            }
            if (ds->n == 0) ds->K = hl.K;
            else if (hl.K != ds->K) { s = we_err_set(WE_EDATA, "item %d: heatmap K differs", item); break; }
        }
        if ((s = add_item(ds, &it, f, fw != NULL, fh, wl, scale, labels, work))) break;
    }
    free(work);
    we_item_free(&it);
    we_reader_free(&r);
    return s == WE_EOF ? WE_OK : s;
}

void we_train_data_hash(const we_train_data *ds, char hex[17])
{
    int dims[5] = {ds->n, ds->S, ds->C, ds->K, ds->xsize};
    size_t n = (size_t)ds->n, hs = (size_t)ds->K * (size_t)(ds->S >> ds->J) * (size_t)(ds->S >> ds->J);
    unsigned long long h = we_runset_hash(WE_RUNSET_HASH0, dims, sizeof dims);
    if (n) {
        h = we_runset_hash(h, ds->x, sizeof(float) * n * (size_t)ds->xsize);
        if (ds->heat) h = we_runset_hash(h, ds->heat, sizeof(float) * n * hs);
        h = we_runset_hash(h, ds->label, sizeof(int32_t) * n);
        h = we_runset_hash(h, ds->va, sizeof(float) * 2 * n);
        h = we_runset_hash(h, ds->va_known, sizeof(int32_t) * n);
    }
    snprintf(hex, 17, "%016llx", h);
}
