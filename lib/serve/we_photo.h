/* we_photo.h - one photo edited in one process: what the pipeline
 *
 *   facealign -a -s 256 | dwt -w W | wdenoise -e E | iwt -t | facepaste PHOTO
 *
 * does, and femo / fid's judge of the result, as function calls (the
 * engine of weserve(1); pipelines/demo.sh runs the same steps as tools).
 *
 * An engine holds what is loaded once: dlib's detector and predictor (and
 * face-api's SSD when its weights are there: facealign's "auto"), the
 * diffusion model, face-api's expression and recognition nets. A photo is
 * decoded and its faces aligned once (we_photo_load); each edit then runs
 * on a chosen subset of its faces. Faces are aligned at `size` px (256, a
 * cascade size of the 64 px model: the model edits the coarse face and the
 * photo's own detail is kept, we_model.h) and pasted back with the pyramid
 * blend (we_face_paste.h).
 *
 * Threads: we_photo_load may run on any thread (the face model is behind
 * the engine's lock); we_photo_edit and we_photo_judge use the model and
 * the nets, so one thread at a time runs them (weserve's worker).
 */
#ifndef WE_PHOTO_H
#define WE_PHOTO_H

#include <pthread.h>
#include <stdint.h>

#include "we_face.h"
#include "we_face_align.h"
#include "we_faceapi.h"
#include "we_image.h"
#include "we_model.h"
#include "we_ssd.h"

typedef struct {
    const char *model;      /* checkpoint (NULL: we_model_path's default) */
    const char *predictor;  /* dlib predictor (NULL: we_face_default_predictor) */
    const char *faceapi;    /* face-api model folder (NULL: we_fa_model_dir) */
    int size;               /* aligned face side, px (256) */
    int max_faces;          /* faces kept per photo, largest first (16) */
    int batch;              /* faces per network batch (4) */
} we_photo_engine_params;

void we_photo_engine_params_init(we_photo_engine_params *p);

typedef struct {
    we_face_model *face;    /* dlib detector + predictor (under lock) */
    we_ssd_net *ssd;        /* face-api's SSD, NULL without its weights (then HOG alone) */
    pthread_mutex_t lock;
    we_model model;         /* the diffusion model; its tick is the caller's */
    const we_wavelet *wavelet;
    we_fa_net *expr, *rec;  /* judge: expression and recognition nets */
    we_fa_net *check_lm, *check_rec; /* the face check's own nets (we_face_align.h) */
    we_photo_engine_params p;
    char model_path[4096];
} we_photo_engine;

/* Load everything (a few seconds: the predictor is ~95 MB). WE_ENOINPUT
 * names the missing file (model, predictor or face-api weights), WE_EDATA
 * a bad one. e is zeroed on failure. Free with we_photo_engine_free. */
we_status we_photo_engine_open(we_photo_engine *e, const we_photo_engine_params *p);
void we_photo_engine_free(we_photo_engine *e);

/* A decoded photo and its aligned faces (largest first). */
typedef struct {
    we_tensor img;          /* u8 C x H x W, C = 1 or 3 */
    we_image_format fmt;    /* the upload's format: the download keeps it */
    int nfaces;
    we_face_aligned *faces; /* [nfaces]; image f32 C x size x size in [-1,1] */
} we_photo;

/* Decode buf[0..n) (PNG or JPEG, at most max_pixels pixels, checked before
 * anything is allocated: we_image_decode_max) and align its faces. A photo
 * without a face is not an error (nfaces = 0). WE_EUNSUPP / WE_EDATA /
 * WE_ETRUNC / WE_ELIMIT from the decoder (detail says which). ph is zeroed
 * on failure; free with we_photo_free. */
we_status we_photo_load(we_photo_engine *e, const uint8_t *buf, size_t n, uint64_t max_pixels, we_photo *ph);
void we_photo_free(we_photo *ph);

/* What an edit asks for; NAN / -1 = the model's or wdenoise's default. */
typedef struct {
    int target;             /* 0..7, we_emotion_names order */
    double intensity;       /* [0, 1], NAN = none */
    double g_low, g_high;   /* guidance per band, NAN = the model's */
    double strength;        /* (0, 1], NAN = 0.5 */
    int steps;              /* DDIM steps, <= 0: 40 */
    long seed;              /* noise seed (1) */
    double faith;           /* faithfulness [0, 1] (0) */
    double eta;             /* DDIM eta (0; the seed matters only above 0) */
} we_photo_edit_params;

void we_photo_edit_params_init(we_photo_edit_params *p);

/* What the judge saw on one face (the aligned crops, femo's whole crop). */
typedef struct {
    float before[WE_FA_NCLASS];  /* expression probabilities, face-api order */
    float after[WE_FA_NCLASS];
    double identity;             /* cosine of the recognition descriptors, source vs edit */
} we_photo_judgement;

/* Resolve p against the model (we_model_edit_setup) into r, and the number
 * of network evaluations an edit of nfaces faces makes (for progress;
 * what e->model.tick counts, summed over the batches). WE_EUSAGE for
 * settings out of range (detail says which). */
we_status we_photo_edit_plan(we_photo_engine *e, const we_photo_edit_params *p, int nfaces, we_edit_request *r,
                             long *calls);

/* Edit the faces idx[0..n) of ph toward p->target. out (may be NULL): a
 * new u8 photo with the edited faces pasted in. crops (may be NULL): n new
 * u8 C x size x size tensors, the edited aligned faces. judge (may be
 * NULL): n judgements. WE_EUSAGE for a bad index or settings; a status
 * returned by e->model.tick stops the edit and is returned. */
we_status we_photo_edit(we_photo_engine *e, const we_photo *ph, const int *idx, int n, const we_photo_edit_params *p,
                        we_tensor *out, we_tensor *crops, we_photo_judgement *judge);

/* Encode a u8 photo as the upload's format (JPEG quality 92, else PNG)
 * into a malloc'd buffer; *mime gets "image/jpeg" or "image/png". */
we_status we_photo_encode(const we_tensor *img, we_image_format fmt, uint8_t **buf, size_t *n, const char **mime);

#endif
