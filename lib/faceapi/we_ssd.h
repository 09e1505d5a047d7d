/* we_ssd.h - face-api's SSD MobileNet v1 face detector in C (CPU).
 *
 * A port of @vladmandic/face-api 1.7.15's ssdMobilenetv1 (written from its
 * TypeScript, see tests/ref/ssd/gen_golden.js for the golden check):
 *   input: the RGB photo padded with zeros at the bottom or right to a
 *     square, TF legacy bilinear resize to 512 x 512, v/127.5 - 1;
 *   MobileNet v1 (conv 3x3/2, 13 depthwise-separable pairs, BN + ReLU6),
 *     six SSD feature maps (32, 16, 8, 4, 2, 1 cells) -> 5118 anchors;
 *   boxes decoded against the anchors (variances 10, 10, 5, 5), face score
 *     = sigmoid of class 1; greedy NMS (IoU 0.5) above min confidence.
 * Weights: ssd_mobilenetv1_model in the face-api model folder, read with
 * we_fa_weights_load (we_faceapi.h). Planar C x H x W throughout; pointwise
 * and 3x3 convs go through OpenBLAS (we_faceapi_ops.c).
 *
 * Modules: we_ssd.c (net, forward), we_ssd_post.c (prep, decode, NMS, detect).
 */
#ifndef WE_SSD_H
#define WE_SSD_H

#include <stdint.h>

#include "we_err.h"

#define WE_SSD_SIZE 512       /* network input side */
#define WE_SSD_ANCHORS 5118   /* boxes per image */

typedef struct we_ssd_net we_ssd_net;

/* A detection in input-image pixels (x, y top-left corner; face-api's
 * FaceDetection.box) and its score in (0, 1). */
typedef struct {
    float x, y, w, h;
    float score;
} we_ssd_det;

/* Load the net from the model folder (NULL = we_fa_model_dir()). *net is
 * freed with we_ssd_free. WE_ENOINPUT (with a setup hint) when the files
 * are missing, WE_EDATA for a wrong manifest, WE_ENOMEM. */
we_status we_ssd_load(we_ssd_net **net, const char *dir);
void we_ssd_free(we_ssd_net *net);

/* Prepared input of a u8 image (C = 1 or 3 planes of H x W; gray is
 * replicated): out 3 x 512 x 512 = pad-to-square (bottom/right) + legacy
 * bilinear + v/127.5 - 1. */
void we_ssd_prep_forward(float *out, const uint8_t *img, int C, int H, int W);

/* Forward on a prepared input (3 x 512 x 512). boxes: WE_SSD_ANCHORS x 4
 * decoded [ymin, xmin, ymax, xmax] as fractions of the padded square;
 * scores: WE_SSD_ANCHORS face probabilities. The net keeps its activations
 * (not thread safe). */
we_status we_ssd_forward(we_ssd_net *net, float *boxes, float *scores, const float *inp);

/* face-api's greedy NMS: candidates with score > min_conf by decreasing
 * score; one is kept unless its IoU with a kept box exceeds iou. Writes at
 * most max_out anchor indices to keep (size >= max_out) and returns how many. */
int we_ssd_nms(int *keep, const float *boxes, const float *scores, int n, int max_out, float iou,
               float min_conf);

/* Whole pipeline on a u8 image (C x H x W): prep, forward, NMS (IoU 0.5),
 * boxes clipped to the padded square's image part and scaled to image
 * pixels as face-api's locateFaces. *dets is malloc'd (NULL when *n = 0),
 * by decreasing score; the caller frees it. min_conf in (0, 1) (face-api's
 * default 0.5); max_results >= 1 (face-api's default 100). */
we_status we_ssd_detect(we_ssd_net *net, const uint8_t *img, int C, int H, int W, float min_conf,
                        int max_results, we_ssd_det **dets, int *n);

/* we_ssd_detect on the image centred on a gray (128) frame `border` times
 * its longer side wide on every side (0..4), boxes shifted back to the
 * image's pixels (they may extend past it). The detector misses faces
 * that fill the whole picture (tight face crops): framed, it finds them. */
we_status we_ssd_detect_framed(we_ssd_net *net, const uint8_t *img, int C, int H, int W, double border,
                               float min_conf, int max_results, we_ssd_det **dets, int *n);

#endif
