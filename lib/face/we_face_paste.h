/* we_face_paste.h - put an aligned (edited) face back into its photo. */
#ifndef WE_FACE_PASTE_H
#define WE_FACE_PASTE_H

#include "we_err.h"

/* How the face meets the photo: a feathered alpha blend (the face's pixels
 * faded in over `feather` crop pixels inside the hull), or a multi-band
 * pyramid blend (we_pyrblend.h: fine detail switches over at the hull,
 * low frequencies over a wide band inside it; no seam, nothing outside the
 * hull changes). */
#define WE_PASTE_BLEND_LIST(X) X(WE_PASTE_FEATHER, "feather") X(WE_PASTE_PYRAMID, "pyramid")
typedef enum {
#define WE_X_PB(e, s) e,
    WE_PASTE_BLEND_LIST(WE_X_PB)
#undef WE_X_PB
    WE_PASTE_BLEND_COUNT
} we_paste_blend;

/* "feather", "pyramid"; we_paste_blend_parse: -1 for an unknown name. */
const char *we_paste_blend_name(we_paste_blend b);
int we_paste_blend_parse(const char *name);

typedef struct {
    we_paste_blend blend; /* (WE_PASTE_PYRAMID) */
    double feather;       /* feather blend: width in face pixels, < 0: S/16 (-1) */
    int levels;           /* pyramid blend: reductions, <= 0: from the hull's size (0) */
} we_face_paste_params;

/* Defaults as commented above. */
void we_face_paste_params_init(we_face_paste_params *p);

/* Paste one face into a photo, in place.
 *   photo: Cp x H x W floats (0..255), Cp = 1 or 3
 *   face:  Cf x S x S floats (0..255), Cf = 1 or 3
 *   crop_to_photo: the item's affine (face pixels -> photo pixels)
 *   pts, npts: the face's landmarks in face pixels (x,y pairs); the blend
 *          mask is their convex hull feathered inwards by `feather` face
 *          pixels (< 0: S/16). npts = 0: the whole face square.
 * A gray face on a colour photo is pasted into the photo's BT.601 luma and
 * the change is added to every channel (the photo's colour is kept); a
 * colour face on a gray photo is converted to gray. Photo pixels where the
 * mask is 0 are left bit-identical. This is the feather blend (facepaste
 * -b feather); see we_face_paste_blend for the pyramid blend. Allocates scratch (mask, luma).
 * Returns WE_EUSAGE for bad channel counts, WE_EDATA for a singular
 * affine, WE_ENOMEM. */
we_status we_face_paste(float *photo, int Cp, int H, int W, const float *face, int Cf, int S,
                        const float crop_to_photo[6], const float *pts, int npts, double feather);

/* Same, with the blend of p (NULL: defaults, the pyramid blend). With the
 * pyramid blend the region is the hull (npts = 0: the face square) clipped
 * to the crop, unfeathered: photo pixels outside it are left bit-identical,
 * and those deeper inside than we_pyrblend_reach(levels) photo pixels take
 * the face (or its luma change) whole. Errors as we_face_paste. */
we_status we_face_paste_blend(float *photo, int Cp, int H, int W, const float *face, int Cf, int S,
                              const float crop_to_photo[6], const float *pts, int npts,
                              const we_face_paste_params *p);

/* The affine and landmarks of an item whose image is S x S while they were
 * made for a crop of `size` pixels (the affine's `size` key; the image was
 * resized since): crop pixel x of S <-> (x + 0.5) * size / S - 0.5.
 * Rewrites A (face pixels -> photo pixels) and the npts points (x,y pairs,
 * npts may be 0) in place for the S x S image; nothing changes when
 * size <= 0 or (int)size == S. */
void we_face_paste_rescale(float A[6], float *pts, int npts, double size, int S);

#endif
