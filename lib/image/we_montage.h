/* we_montage.h - a contact sheet: images laid out in rows and columns,
 * with optional text labels in a built-in 5x7 bitmap font.
 *
 * Rows are either groups (every image added with the same row key joins
 * the row of that key, rows in order of first appearance, columns in the
 * order added: "rows = faces, columns = source + each emotion") or runs of
 * per_row images. Every tile is centre-cropped to a square and resized to
 * tile x tile pixels. A label (e.g. the emotion) is written under its tile,
 * a row label (e.g. the id) left of its row; labels are cut to fit, and
 * characters outside printable ASCII are drawn as '?'.
 */
#ifndef WE_MONTAGE_H
#define WE_MONTAGE_H

#include <stdint.h>

#include "we_err.h"
#include "we_tensor.h"

extern const unsigned char we_montage_font[95][7];

typedef struct {
    int tile;      /* tile side in pixels; 0 = the first image's height (default 0) */
    int gap;       /* pixels between tiles and around the sheet (default 2) */
    int per_row;   /* images per row when no row key is given; 0 = one row (default 0) */
    int scale;     /* font scale (pixels per font dot); 0 = auto: tile/64, at least 1 */
    uint8_t bg;    /* background grey level (default 255, white) */
    uint8_t fg;    /* text grey level (default 0, black) */
} we_montage_params;

/* The defaults above. */
void we_montage_params_init(we_montage_params *p);

typedef struct {
    we_montage_params p;
    int n, cap;
    we_tensor *tile;     /* u8 C x tile x tile */
    char **label;        /* per image, may be NULL */
    int *row, *col;
    int nrows, rowcap;
    char **rowkey;       /* per row (NULL without keys) */
    char **rowlabel;     /* per row, may be NULL */
    int *rowlen;
} we_montage;

void we_montage_init(we_montage *m, const we_montage_params *p);
void we_montage_free(we_montage *m);

/* Add an image (u8 or f32 [-1,1], C x H x W with C = 1 or 3; copied).
 * row_key: the row to join (NULL: rows of p.per_row); label and row_label
 * may be NULL (row_label is kept from the row's first image that has one).
 * WE_EDATA for a bad image, WE_ENOMEM, WE_ELIMIT when the sheet would pass
 * the memory budget (WE_MAX_PIXELS, we_limits.h). */
we_status we_montage_add(we_montage *m, const we_tensor *img, const char *row_key, const char *label,
                         const char *row_label);

/* Render the sheet into a new u8 tensor C x H x W (C = 3 if any image is
 * RGB, else 1). WE_EDATA if no image was added. */
we_status we_montage_render(const we_montage *m, we_tensor *out);

/* Draw text at (x, y) (top-left) with scale s, clipped to the image and to
 * x + maxw; every channel of a u8 C x H x W image is set to v. Returns the
 * width drawn in pixels. */
int we_montage_text(we_tensor *img, int x, int y, int s, int maxw, const char *text, uint8_t v);

#endif
