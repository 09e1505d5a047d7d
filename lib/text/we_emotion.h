/* we_emotion.h - the project's emotion vocabulary (doc/design/stream.md), in the
 * one order every module uses: the `emotion` key's values, the model's label
 * ids, the prompt lexicon's results. */
#ifndef WE_EMOTION_H
#define WE_EMOTION_H

#include "we_err.h"

#define WE_EMOTION_COUNT 8
/* The NULL label (no emotion condition): the model's label id 8, one past
 * the vocabulary (WE_UNET_NULL_LABEL in we_unet.h is the same number). */
#define WE_EMOTION_NULL WE_EMOTION_COUNT
enum { WE_EMO_NEUTRAL, WE_EMO_HAPPY, WE_EMO_SAD, WE_EMO_SURPRISE, WE_EMO_FEAR,
       WE_EMO_DISGUST, WE_EMO_ANGER, WE_EMO_CONTEMPT };

/* "neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt" */
extern const char *const we_emotion_names[WE_EMOTION_COUNT];

/* Name of id k, or NULL outside 0..WE_EMOTION_COUNT-1. */
const char *we_emotion_name(int k);
/* Id of a vocabulary name (exact, lower case), or -1. */
int we_emotion_id(const char *name);
/* Id of a word as data sets and users write it: any case, blanks around
 * it ignored, the vocabulary plus the usual synonyms (happiness, joy,
 * sadness, surprised, fearful, afraid, disgusted, angry, calm); -1 for
 * anything else. The one synonym list of the project (facealign's label
 * CSVs, wtrain's `emotion` keys, the -e options). */
int we_emotion_parse(const char *word);
/* A label as the tools' options and stream keys give it: any word
 * we_emotion_parse knows ("happy" -> 1, "Angry" -> 6), or "null"/"none" ->
 * WE_EMOTION_NULL (8), into *out. WE_EUSAGE with a detail listing the
 * vocabulary otherwise (*out untouched). */
we_status we_emotion_label_parse(const char *s, int *out);

#endif
