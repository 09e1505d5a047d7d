/* we_face_align.h - from a decoded photo to aligned face crops.
 *
 * Detection (dlib HOG, or face-api's SSD MobileNet v1 when params.ssd is
 * set: we_ssd.h) -> 68 landmarks (dlib shape predictor) ->
 * similarity fit to the canonical template (we_align.h) -> S x S crop by
 * bilinear warping with reflected borders (we_warp.h). Small images are
 * first enlarged by an integer factor so that their short side is at least
 * `work_min` pixels: the detector's window is 80 px and dlib rounds
 * landmarks to whole pixels, so a 48 x 48 face needs the zoom both to be
 * found and to be located to a fraction of a pixel.
 */
#ifndef WE_FACE_ALIGN_H
#define WE_FACE_ALIGN_H

#include "we_face.h"
#include "we_faceapi.h"
#include "we_ssd.h"
#include "we_tensor.h"

typedef struct {
    int size;          /* S, output crop is S x S (default 256) */
    int native;        /* 1: a face whose crop window spans fewer than S photo
                          pixels is cropped at its own scale: the side is the
                          largest 64*2^k <= that span (at least 64, at most S;
                          the face's image tensor says which) (0) */
    double margin;     /* template margin, fraction of the template per side (0.3) */
    int channels;      /* 1 or 3 (3) */
    int all;           /* 1: every face, 0: the largest only (0) */
    double min_face;   /* smallest detector box side to keep, photo pixels (32) */
    int upsample;      /* dlib pyramid-up steps for detection (0) */
    double threshold;  /* detector score threshold (0.25; dlib's default 0 lets logos in) */
    double rotate;     /* also detect on copies rotated by +-rotate degrees, for
                          tilted heads; 3x the detection time (0 = off) */
    int work_min;      /* enlarge images whose short side is below this (160) */
    int whole_frame;   /* 1: landmarks on the whole frame when nothing is detected,
                          2: always (skip the detector) (0) */
    double frame_inset[4]; /* whole-frame box insets, fractions of w/h: left, top, right, bottom */
    int refine;        /* whole frame: re-run the predictor this many times on the
                          detector-like box derived from its landmarks (2) */
    we_ssd_net *ssd;   /* detect with this SSD net instead of dlib's HOG (not
                          owned; NULL = HOG). upsample, threshold and rotate
                          are HOG-only; the SSD sees the photo itself */
    int ssd_hog;       /* with ssd: run dlib's HOG when the SSD finds no face (0) */
    double ssd_conf;   /* SSD minimum confidence (0.5, face-api's default) */
    double ssd_frame;  /* also run the SSD on the photo framed by this fraction
                          of its longer side of gray per side, for faces that
                          fill the photo (1.0; 0 = one pass only) */
    double ssd_box[4]; /* SSD box -> the HOG-like box the predictor expects:
                          centre moved by (ssd_box[0]*w, ssd_box[1]*h), size
                          scaled by ssd_box[2] (w) and ssd_box[3] (h); fitted
                          on faces both detectors find: (0, 0.05, 1.1, 0.9) */
    we_fa_net *verify;     /* face-api's landmark68 net (WE_FA_LANDMARK; not
                              owned; NULL = no check): the face check, below */
    we_fa_net *verify_rec; /* face-api's recognition net (WE_FA_RECOG; not owned) */
    double verify_max;     /* landmark disagreement above which a crop is
                              suspect (WE_FACE_VERIFY_MAX; < 0: no check) */
    double verify_desc;    /* descriptor distance below which a suspect crop
                              is not a face (WE_FACE_VERIFY_DESC) */
} we_face_align_params;

/* The face check of a detection's aligned crop (not of whole-frame faces,
 * -w/-W, which are taken on trust). dlib's predictor returns a face-shaped
 * set of points for anything; face-api's landmark68 net, run on the crop,
 * agrees with it on a face. A crop is suspect when the two sets of 68
 * points are on average further apart than WE_FACE_VERIFY_MAX of its side,
 * and not a face when, on top of that, the recognition net's descriptor of
 * the crop lies closer than WE_FACE_VERIFY_DESC to the mean descriptor of
 * faces (a non-face has a featureless descriptor; a profile or a tilted
 * head, suspect to the landmark net, has a face's). Measured with
 * bench/report_face_verify.sh on 212 detections in face photos (hires,
 * photos, facial_expressions) and 13 SSD detections in 278 photos without
 * a face (a cat, a raccoon, coffee, motorcycles, crops of them): the
 * landmarks alone lose 5 faces to drop all 13 at 0.05; the descriptor
 * alone keeps 1 false face at 0.485, losing none, but costs the
 * recognition net on every face; together 1 face lost (a head tilted far
 * back) and no false face kept, the 22 faces of the group photos kept;
 * the detector score, dlib's fit residual and HOG agreement (13 faces
 * lost: profiles) separate worse. */
#define WE_FACE_VERIFY_MAX 0.05
#define WE_FACE_VERIFY_DESC 0.52

/* Defaults as commented above. */
void we_face_align_params_init(we_face_align_params *p);
/* Load the face check's two nets into p->verify and p->verify_rec from
 * face-api's model folder dir (NULL = we_fa_model_dir()); the caller frees
 * them with we_face_check_free. Errors as we_fa_net_load. */
we_status we_face_check_load(we_face_align_params *p, const char *dir);
void we_face_check_free(we_face_align_params *p);

/* Which way a face was found. */
#define WE_FACE_METHOD_LIST(X) X(WE_FACE_HOG, "hog") X(WE_FACE_WHOLE, "whole") X(WE_FACE_SSD, "ssd")
typedef enum {
#define WE_X_FM(e, s) e,
    WE_FACE_METHOD_LIST(WE_X_FM)
#undef WE_X_FM
    WE_FACE_METHOD_COUNT
} we_face_method;
const char *we_face_method_name(we_face_method m);

typedef struct {
    we_face_method method;
    we_face_box box;            /* photo pixels (SSD: the HOG-like box given to
                                   the predictor; score = SSD confidence) */
    float photo_pts[2 * WE_FACE_NPTS]; /* landmarks in photo pixels */
    float crop_pts[2 * WE_FACE_NPTS];  /* landmarks in crop pixels */
    float affine[6];            /* crop pixel -> photo pixel */
    double residual;            /* we_align_residual of crop_pts */
    we_tensor image;            /* f32 C x S x S in [-1,1] (owned) */
} we_face_aligned;

/* Align the faces of img (u8 C x H x W, C = 1 or 3). *faces is a malloc'd
 * array of *n faces (largest detector box first; *n = 0 and *faces = NULL
 * when none), freed with we_face_aligned_free. With p->verify a detection
 * that fails the check is dropped (without p->all the next largest is
 * tried). If no face is detected and
 * p->whole_frame is set, the whole frame (inset by p->frame_inset) is taken
 * as the face box and the result has method WE_FACE_WHOLE; the box is then
 * refined p->refine times to where dlib's detector would have put it for
 * the landmarks found (the detector's box spans the landmarks' x range and
 * from 0.11 of their height above the brows to 0.05 above the chin,
 * measured on facial_expressions). */
we_status we_face_align_image(we_face_model *m, const we_tensor *img,
                              const we_face_align_params *p,
                              we_face_aligned **faces, int *n);
void we_face_aligned_free(we_face_aligned *faces, int n);

#endif
