/* we_face.h - face detection and 68-point landmarks (dlib behind a C API).
 *
 * The C++ of dlib lives in we_face_dlib.cc only; everything else in the
 * project talks to it through these functions. A model holds dlib's frontal
 * HOG face detector and the 68-point shape predictor (iBUG 300-W scheme,
 * Debian's libdlib-data). Loading the predictor (~95 MB) takes about a
 * second: load one model per process and reuse it. A model is not thread
 * safe; use one per thread.
 *
 * Coordinates are photo pixels with integer values at pixel centres (dlib's
 * convention): pixel (x, y) covers [x-0.5, x+0.5] x [y-0.5, y+0.5].
 */
#ifndef WE_FACE_H
#define WE_FACE_H

#include <stdint.h>

#include "we_err.h"

#define WE_FACE_NPTS 68
#define WE_FACE_PREDICTOR_DEFAULT "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

typedef struct we_face_model we_face_model;

/* A detection: box corners in photo pixels (x0,y0 inclusive, x1,y1
 * exclusive, so width = x1-x0) and the detector's score (higher = surer;
 * dlib's threshold is 0). */
typedef struct {
    double x0, y0, x1, y1;
    double score;
} we_face_box;

/* The predictor path to use: $WE_DLIB_PREDICTOR if set and non-empty, else
 * WE_FACE_PREDICTOR_DEFAULT. Returns a static or environment string. */
const char *we_face_default_predictor(void);

/* Load the detector and the shape predictor at path (NULL = default).
 * *out is a new model the caller frees with we_face_model_free. Returns
 * WE_ENOINPUT if the file is missing (the detail says when a .bz2 of it
 * exists and must be decompressed first), WE_EDATA if it is not a dlib
 * shape predictor with 68 parts, WE_ENOMEM. */
we_status we_face_model_load(const char *path, we_face_model **out);
void we_face_model_free(we_face_model *m);

/* Detect faces in a gray image (h x w bytes, row-major). upsample: number
 * of 2x pyramid-up steps before detection (0 finds faces >= ~80 px, 1 >=
 * ~40 px, at 4x the cost each). Detections scoring below threshold are
 * dropped (dlib's own default is 0; negative values find more). *boxes is malloc'd (caller frees; NULL
 * when *n == 0), sorted by decreasing area, in original image pixels. */
we_status we_face_detect(we_face_model *m, const uint8_t *gray, int h, int w,
                         int upsample, double threshold, we_face_box **boxes, int *n);

/* 68 landmarks (x, y pairs, photo pixels) of the face in box, written to
 * pts[0..135]. The box may extend past the image. */
we_status we_face_landmarks(we_face_model *m, const uint8_t *gray, int h, int w,
                            const we_face_box *box, float pts[2 * WE_FACE_NPTS]);

#endif
