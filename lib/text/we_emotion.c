/* we_emotion.c - the emotion vocabulary table. */
#include "we_emotion.h"
#include "we_names.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

const char *const we_emotion_names[WE_EMOTION_COUNT] = {
    "neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt",
};

const char *we_emotion_name(int k)
{
    return k >= 0 && k < WE_EMOTION_COUNT ? we_emotion_names[k] : NULL;
}

int we_emotion_id(const char *name)
{
    return we_name_index(we_emotion_names, WE_EMOTION_COUNT, name);
}

int we_emotion_parse(const char *word)
{
    static const struct { const char *w; int id; } syn[] = {
        {"happiness", WE_EMO_HAPPY}, {"joy", WE_EMO_HAPPY}, {"sadness", WE_EMO_SAD},
        {"surprised", WE_EMO_SURPRISE}, {"fearful", WE_EMO_FEAR}, {"afraid", WE_EMO_FEAR},
        {"disgusted", WE_EMO_DISGUST}, {"angry", WE_EMO_ANGER}, {"calm", WE_EMO_NEUTRAL},
    };
    if (!word) return -1;
    while (isspace((unsigned char)*word)) word++;
    size_t n = strlen(word);
    while (n && isspace((unsigned char)word[n - 1])) n--;
    for (int i = 0; i < WE_EMOTION_COUNT; i++)
        if (strlen(we_emotion_names[i]) == n && !strncasecmp(word, we_emotion_names[i], n)) return i;
    for (size_t i = 0; i < sizeof syn / sizeof syn[0]; i++)
        if (strlen(syn[i].w) == n && !strncasecmp(word, syn[i].w, n)) return syn[i].id;
    return -1;
}

we_status we_emotion_label_parse(const char *s, int *out)
{
    int id = we_emotion_parse(s);
    if (id >= 0) { *out = id; return WE_OK; }
    if (!strcmp(s, "null") || !strcmp(s, "none")) { *out = WE_EMOTION_NULL; return WE_OK; }
    return we_err_set(WE_EUSAGE, "unknown emotion '%s' (neutral, happy, sad, surprise, fear, disgust, anger, contempt, null)", s);
}
