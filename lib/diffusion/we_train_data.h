/* we_train_data.h - the training set of wtrain: every item of a WES1
 * stream with a `wavelet` frame (4^J C x h x h, J levels, h = S/2^J; the
 * J of the first item for all) or an `image`
 * frame (C x S x S, f32 or u8, transformed here with the model's wavelet),
 * scaled to diffusion space (one level's scale / 2^(J-1): we_unet_cfg_scale),
 * its optional `heatmap` and `landmarks` frames (the latter for the face
 * auxiliary losses; not part of the fingerprint) and the keys emotion /
 * valence / arousal
 * (looked up on every frame of the item; emotion from a labels CSV by file
 * name when the stream has none), held in diffusion space in memory.
 */
#ifndef WE_TRAIN_DATA_H
#define WE_TRAIN_DATA_H

#include <stdint.h>
#include <stdio.h>

#include "we_err.h"
#include "we_face_labels.h"
#include "we_wavelet.h"

typedef struct {
    int n, cap;
    int S, C, K;            /* face size, channels, heatmap channels (0 = none) */
    int J;                  /* wavelet levels of the frames (1 for image frames) */
    int xsize;              /* 4^J C (S/2^J)^2 = C S^2 floats per item */
    float *x;               /* [n, xsize] coefficients times data_scale */
    float *heat;            /* [n, K, S/2^J, S/2^J] or NULL */
    int32_t *label;         /* [n] 0..7, 8 = NULL (no emotion) */
    float *va;              /* [n, 2] valence, arousal (0 where unknown) */
    int32_t *va_known;      /* [n] 1 where both were given */
    float *lm;              /* [n, 68, 2] landmarks (x,y pixels of the S x S face; 0 where unknown) */
    int32_t *lm_known;      /* [n] 1 where the item has a `landmarks` frame */
    long unknown_emotion;   /* items trained with the NULL label */
    int any_va;             /* some item has valence/arousal */
} we_train_data;

/* Read every item of in (label names it in messages) into ds: wl is the
 * wavelet for image frames, scale the model's data_scale, labels (may be
 * NULL) the CSV for items without an emotion key (by the base name of the
 * frame's src key, else of the item id, up to a '#'), want_heat: every item
 * must carry a heatmap frame (f32 K x h x h, one K for all). A
 * `landmarks` frame (f32 68 x 2) is kept where present. Items with
 * neither a wavelet nor an image frame are skipped. WE_EDATA (with the item
 * number) for a bad frame or an unknown emotion, the reader's status for a
 * broken stream, WE_ENOMEM. ds is freed with we_train_data_free (also
 * after a failure). */
we_status we_train_data_read(we_train_data *ds, FILE *in, const char *label, const we_wavelet *wl, float scale,
                             const we_face_labels *labels, int want_heat);
/* Read the items of in after those already in ds (the next shard of a
 * set; ds zeroed or filled by we_train_data_read / _append before): the
 * same checks, every item the size of the first. */
we_status we_train_data_append(we_train_data *ds, FILE *in, const char *label, const we_wavelet *wl, float scale,
                               const we_face_labels *labels, int want_heat);
void we_train_data_free(we_train_data *ds);

/* The fingerprint of the training set (train.data of a checkpoint): 16 hex
 * digits of FNV-1a 64 over the sizes and every item's coefficients,
 * heatmaps, label and valence/arousal, in stream order (the order the
 * batches index), into hex[17]. */
void we_train_data_hash(const we_train_data *ds, char hex[17]);

#endif
