/* we_lmtarget.c - per-emotion landmark displacement (see we_lmtarget.h). */
#include "we_lmtarget.h"

#include <math.h>
#include <string.h>

#include "we_safetensors.h"

void we_lmtarget_init(we_lmtarget *t) { memset(t, 0, sizeof *t); }

we_status we_lmtarget_add(we_lmtarget *t, const float *lm, int S, int emotion)
{
    if (emotion < 0 || emotion >= WE_EMOTION_COUNT) return we_err_set(WE_EDATA, "emotion %d out of range", emotion);
    if (S < 1) return we_err_set(WE_EDATA, "crop size %d", S);
    for (int i = 0; i < 2 * WE_FACE_NPTS; i++)
        if (!isfinite(lm[i])) return we_err_set(WE_EDATA, "landmark %d is not finite", i / 2);
    for (int i = 0; i < 2 * WE_FACE_NPTS; i++) t->sum[emotion][i] += (double)lm[i] / S;
    t->count[emotion]++;
    return WE_OK;
}

we_status we_lmtarget_finish(we_lmtarget *t)
{
    int others = 0;
    for (int e = 0; e < WE_EMOTION_COUNT; e++) {
        if (e != 0 && t->count[e] > 0) others++;
        for (int i = 0; i < 2 * WE_FACE_NPTS; i++)
            t->mean[e][i] = t->count[e] > 0 ? (float)(t->sum[e][i] / (double)t->count[e]) : 0.0f;
    }
    if (t->count[0] == 0) return we_err_set(WE_EDATA, "no neutral face: the displacements need it as reference");
    if (!others) return we_err_set(WE_EDATA, "no face of any emotion but neutral");
    return WE_OK;
}

we_status we_lmtarget_apply(const we_lmtarget *t, float *lm, int S, int src, int dst, float intensity)
{
    if (src < 0 || src >= WE_EMOTION_COUNT || dst < 0 || dst >= WE_EMOTION_COUNT)
        return we_err_set(WE_EUSAGE, "emotion out of range (%d -> %d)", src, dst);
    if (!t->count[dst]) return we_err_set(WE_EUSAGE, "the estimate has no %s faces", we_emotion_name(dst));
    if (!t->count[src]) src = 0; /* an unknown source is taken as neutral, like an unlabelled face */
    if (!t->count[src]) return we_err_set(WE_EUSAGE, "the estimate has no neutral faces");
    for (int i = 0; i < 2 * WE_FACE_NPTS; i++) lm[i] += (float)S * intensity * (t->mean[dst][i] - t->mean[src][i]);
    return WE_OK;
}

we_status we_lmtarget_save(const we_lmtarget *t, const char *path)
{
    int32_t cnt[WE_EMOTION_COUNT];
    for (int e = 0; e < WE_EMOTION_COUNT; e++) cnt[e] = t->count[e] > INT32_MAX ? INT32_MAX : (int32_t)t->count[e];
    int64_t shm[3] = {WE_EMOTION_COUNT, WE_FACE_NPTS, 2}, shc[1] = {WE_EMOTION_COUNT};
    we_st_writer w;
    we_st_writer_init(&w);
    we_status s = we_st_writer_add(&w, "lmtarget.mean", WE_ST_F32, 3, shm, t->mean);
    s = s ? s : we_st_writer_add(&w, "lmtarget.count", WE_ST_I32, 1, shc, cnt);
    s = s ? s : we_st_writer_meta(&w, "format", "waveemotion-lmtarget");
    s = s ? s : we_st_writer_save(&w, path);
    we_st_writer_free(&w);
    return s;
}

we_status we_lmtarget_load(we_lmtarget *t, const char *path)
{
    we_st_file f;
    we_status s = we_st_read(&f, path);
    if (s) return s;
    we_lmtarget_init(t);
    const char *fmt = we_st_meta(&f, "format");
    int32_t cnt[WE_EMOTION_COUNT];
    int64_t shm[3] = {WE_EMOTION_COUNT, WE_FACE_NPTS, 2};
    if (!fmt || strcmp(fmt, "waveemotion-lmtarget") != 0)
        s = we_err_set(WE_EDATA, "%s: not a landmark-target file (format=%s)", path, fmt ? fmt : "none");
    s = s ? s : we_st_get_f32(&f, "lmtarget.mean", &t->mean[0][0], (size_t)WE_EMOTION_COUNT * 2 * WE_FACE_NPTS, 3, shm);
    s = s ? s : we_st_get_i32(&f, "lmtarget.count", cnt, WE_EMOTION_COUNT);
    for (int e = 0; !s && e < WE_EMOTION_COUNT; e++) {
        if (cnt[e] < 0) s = we_err_set(WE_EDATA, "%s: negative count", path);
        t->count[e] = cnt[e];
    }
    we_st_free(&f);
    return s;
}
