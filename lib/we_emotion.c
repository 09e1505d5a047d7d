/* we_emotion.c - the emotion vocabulary table. */
#include "we_emotion.h"

#include <string.h>

const char *const we_emotion_names[WE_EMOTION_COUNT] = {
    "neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt",
};

const char *we_emotion_name(int k)
{
    return k >= 0 && k < WE_EMOTION_COUNT ? we_emotion_names[k] : NULL;
}

int we_emotion_id(const char *name)
{
    for (int i = 0; i < WE_EMOTION_COUNT; i++)
        if (name && !strcmp(name, we_emotion_names[i])) return i;
    return -1;
}
