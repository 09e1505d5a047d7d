/* we_lmtarget.h - where an emotion puts the landmarks: a target-landmark
 * estimate for editing (issue 13, point 3).
 *
 * Why: an "Expr+Landmarks" edit needs the landmarks of the face it should
 * become, which nobody has for a new photo. The aligned training faces
 * give, per emotion e, the mean of their 68 landmarks in crop units
 * (landmarks / S, so every crop size counts alike); the target of a face
 * with source emotion a and target b moves its own landmarks by the
 * per-emotion displacement d_b - d_a, scaled by an intensity:
 *     target = lm + S * intensity * (mean_b - mean_a).
 * The face keeps its own shape and pose; only what the emotions change on
 * average (mouth corners, brows, eye opening) moves.
 *
 * Prefix: we_lmtarget_.
 */
#ifndef WE_LMTARGET_H
#define WE_LMTARGET_H

#include <stdint.h>

#include "we_emotion.h"
#include "we_err.h"
#include "we_face.h"

typedef struct {
    double sum[WE_EMOTION_COUNT][2 * WE_FACE_NPTS]; /* fitting: sums of landmarks / S */
    long count[WE_EMOTION_COUNT];                    /* faces per emotion */
    float mean[WE_EMOTION_COUNT][2 * WE_FACE_NPTS];  /* after we_lmtarget_finish (or load) */
} we_lmtarget;

/* Empty estimate (all counts 0). */
void we_lmtarget_init(we_lmtarget *t);

/* Add one face: lm [68 x 2] crop pixels of an S px crop, emotion 0..7.
 * WE_EDATA for a non-finite point, S < 1 or an emotion out of range. */
we_status we_lmtarget_add(we_lmtarget *t, const float *lm, int S, int emotion);

/* The means from the sums. WE_EDATA unless neutral (the reference) and at
 * least one other emotion have faces. */
we_status we_lmtarget_finish(we_lmtarget *t);

/* Move lm [68 x 2] of an S px crop from emotion src to dst (0..7) by
 * intensity (0 = unchanged, 1 = the mean displacement): lm += S *
 * intensity * (mean[dst] - mean[src]). A source emotion the estimate has
 * no faces of counts as neutral (as a face without a label does);
 * WE_EUSAGE for a target it has no faces of (the message names it). */
we_status we_lmtarget_apply(const we_lmtarget *t, float *lm, int S, int src, int dst, float intensity);

/* Save the means and counts (tensors lmtarget.mean [8, 68, 2] f32 and
 * lmtarget.count [8] i32, metadata format=waveemotion-lmtarget) to path,
 * atomically; load them back. WE_EIO, WE_EDATA. */
we_status we_lmtarget_save(const we_lmtarget *t, const char *path);
we_status we_lmtarget_load(we_lmtarget *t, const char *path);

#endif
