/* we_face_labels.h - a labels CSV (image,emotion) joined by file name, and
 * the mapping of the sources' label words onto the emotion vocabulary.
 */
#ifndef WE_FACE_LABELS_H
#define WE_FACE_LABELS_H

#include "we_emotion.h"
#include "we_err.h"

/* The standard vocabulary is we_emotion.h's. */

/* Map a source's word onto the vocabulary (case-insensitive, surrounding
 * blanks ignored): anger/angry -> anger, happiness/happy -> happy,
 * sadness/sad -> sad, surprise/surprised, fear/fearful/afraid,
 * disgust/disgusted, contempt, neutral/calm. Returns the standard name or
 * NULL for an unknown word. */
const char *we_face_emotion_map(const char *word);

typedef struct we_face_labels we_face_labels;

/* Load a CSV of file name and label. A first line whose columns include
 * image/file/filename/path and emotion/label/expression is a header naming
 * the columns; otherwise column 1 is the file, column 2 the label. Only the
 * file's base name is kept. Quoted fields ("a,b") are understood. *out is
 * freed with we_face_labels_free. WE_ENOINPUT if the file cannot be opened,
 * WE_EDATA (with the line number) for a line without enough columns. */
we_status we_face_labels_load(const char *path, we_face_labels **out);
void we_face_labels_free(we_face_labels *l);
/* Number of rows. */
int we_face_labels_count(const we_face_labels *l);
/* The raw label word for the base name of path, or NULL if absent. */
const char *we_face_labels_find(const we_face_labels *l, const char *path);
/* The raw label word for a stream key (an item id or src key such as
 * "dir/a.jpg#2"): its base name up to the first '#'; NULL if absent or key
 * is NULL. */
const char *we_face_labels_find_key(const we_face_labels *l, const char *key);

#endif
