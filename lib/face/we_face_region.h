/* we_face_region.h - where an expression may change a face: the landmark
 * regions of issue 12 point 2 (brows and eyes; nose, mouth and the folds
 * around it), as a soft mask on a pixel grid.
 *
 * Why: the cascade (lib/diffusion/we_cascade.h) lets the photo change
 * where the model's coarse edit changed it; a model that also repaints
 * the shading of a cheek or a jaw line leaves smears there that no
 * expression makes. Limiting the change to the regions around the
 * features an expression moves keeps those parts of the face the
 * photo's own.
 *
 * Prefix: we_face_region_.
 */
#ifndef WE_FACE_REGION_H
#define WE_FACE_REGION_H

#include "we_err.h"

/* mask [n, n] in [0, 1]: 1 within `grow` inter-ocular distances (the outer
 * eye corners 36 and 45) of the convex hull of the brows and eyes (points
 * 17-26, 36-47) or of the nose and mouth (27-35, 48-67), falling to 0 over
 * a further 0.1 inter-ocular distances (at least one pixel). lm: the 68
 * landmarks (x, y pairs) in the pixels of a face of n * scale px; pixel
 * (x, y) of the grid is the face point ((x + 0.5) scale - 0.5, (y + 0.5)
 * scale - 0.5) (a 2^J box mean's centre for scale = 2^J). side scales
 * the reach and the fall sideways (the x axis of the aligned face: its eye
 * line is level): 1 = the same all round, 0.5 = half as far to the left and
 * right as up and down (expressions move brows and lips mostly up and down;
 * sideways the regions soon reach the temples, hair and jaw). WE_EDATA for
 * non-finite landmarks or coinciding eye corners, WE_EUSAGE for n < 1,
 * scale <= 0, grow < 0 or side outside (0, 100]. */
we_status we_face_region_mask(float *mask, int n, double scale, const float *lm, double grow, double side);

/* The expression area of issue 12's points 2 and 6 (mouth, eyes, brows,
 * cheeks), one definition for the edit that keeps the rest of the face and
 * for the measure that checks it (femetrics' change region, lib/eval/
 * we_metrics_photo.h): the convex hull of points 17..67 and of the cheeks
 * (the midpoints of each jaw point 0..16 and the nose tip 30), grown by
 * WE_FACE_REGION_EXPR_GROW about the centroid of those 68 points. */
#define WE_FACE_REGION_EXPR_GROW 1.1

/* The 68 points of that area (x, y pairs, already grown) from the 68
 * landmarks, in the landmarks' coordinates; p must not alias lm. */
void we_face_region_expr_points(float *p, const float *lm);

/* Scale n points (x, y pairs) by f about their centroid, in place. */
void we_face_region_grow(float *p, int n, double f);

/* mask [n, n] in [0, 1]: 0 on and outside the expression area's edge,
 * rising (smoothstep) to 1 at `fall` inter-ocular distances inside it (at
 * least one pixel), so that what the mask lets change stays inside the
 * area. Grid and landmarks as we_face_region_mask. WE_EDATA for non-finite
 * landmarks or coinciding eye corners, WE_EUSAGE for n < 1, scale <= 0 or
 * fall < 0. */
we_status we_face_region_expr_mask(float *mask, int n, double scale, const float *lm, double fall);

#endif
