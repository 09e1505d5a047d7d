/* we_align.h - similarity alignment of 68 landmarks to a canonical face.
 *
 * Affines are 2x3 row-major floats A = {a, b, c, d, e, f} mapping a point
 * (x, y) to (a*x + b*y + c, d*x + e*y + f). Pixel coordinates have integer
 * values at pixel centres, as in dlib.
 *
 * The canonical template is dlib's mean face shape (the one
 * get_face_chip_details uses) for iBUG points 17..67, in unit coordinates
 * where the brows/eyes/nose/mouth span x in [0,1] and y in [0.02,0.91],
 * shifted right by 0.0099 so that its axis of symmetry is x = 0.5. A
 * crop of S x S pixels with margin m shows the unit square enlarged by m on
 * every side: template point u maps to crop pixel ((m + u) / (1 + 2m)) * S
 * - 0.5. The jaw (0..16) has no template point. The fit is weighted
 * towards the eyes (weight 1 each), with the nose (0.05 each) and the
 * mouth corners (0.3 each) steadying rotation and scale; brows, jaw and
 * lips follow the face but do not pull the alignment (see
 * we_align_fit_weight), so the eyes land on the template's eyes.
 */
#ifndef WE_ALIGN_H
#define WE_ALIGN_H

#include "we_err.h"

#define WE_ALIGN_NPTS 68

/* Template point i (0..67) in crop pixels for an S x S crop with margin m:
 * writes (x, y) and returns 1, or returns 0 for jaw points (no template). */
int we_align_template_point(int i, int size, double margin, double *x, double *y);

/* Fit weights used by we_align_fit for point i (0 = not used). */
double we_align_fit_weight(int i);

/* Weighted least-squares similarity (scale, rotation, translation; no
 * reflection) taking src[i] to dst[i], i < n, weights w (NULL = all 1):
 * the 2-D closed form of Umeyama (1991). Writes the 2x3 affine src->dst.
 * Returns WE_EDATA if the weighted points are degenerate (all equal). */
we_status we_align_similarity(float A[6], const float *src, const float *dst,
                              const double *w, int n);

/* Alignment of a face: from its 68 photo landmarks (x,y pairs) to the
 * template of an S x S crop with margin m. Writes crop_to_photo (the affine
 * taking crop pixels to photo pixels, what the `affine` frame holds) and,
 * if crop_pts is not NULL, the 68 landmarks mapped into crop pixels. */
we_status we_align_face(float crop_to_photo[6], float *crop_pts, const float *photo_pts,
                        int size, double margin);

/* Root-mean-square distance, in crop pixels divided by S, between the fit
 * points of 68 crop landmarks (e.g. we_align_face's crop_pts) and the
 * template: small (~0.01-0.03) for a face, large for a false detection. */
double we_align_residual(const float *crop_pts, int size, double margin);

/* Eye centres (mean of points 36..41 and 42..47) of 68 landmarks: writes
 * (xr, yr, xl, yl) - the subject's right eye first (image left). */
void we_align_eye_centres(const float *pts, double out[4]);

#endif
