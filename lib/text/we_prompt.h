/* we_prompt.h - a free-text editing prompt ("make her a bit sad", "rất vui",
 * "cười tươi lên") -> target emotion and intensity in [0, 1].
 *
 * The lexicon (we_prompt.c) knows English and Vietnamese, typed with or
 * without diacritics: a prompt word written without any diacritic matches
 * the lexicon word with its diacritics stripped ("buon mot chut" = "buồn một
 * chút"), a word written with diacritics must match them exactly (so "sợ",
 * fear, is not the English "so"; a few such short words never match
 * without their diacritics). Text is lower-cased and decomposed (NFD, marks
 * in canonical order) first, so NFC and NFD input are the same.
 *
 * Rules (man/man1/wdenoise.1, PROMPTS, documents them for users):
 *  - every emotion phrase found is a candidate with its own intensity
 *    (0.5 for a plain word such as "sad"; some words carry more or less:
 *    "furious" 0.9, "cười tươi" 0.85, "annoyed" 0.3);
 *  - modifiers within 3 words before it (or after it, for the ones that
 *    follow their word: "buồn một chút", "vui lắm") in the same clause
 *    multiply that intensity: low ("a bit", "slightly", "hơi", "một chút")
 *    x0.5, high ("very", "really", "rất", "lắm") x1.5, extreme ("extremely",
 *    "cực kỳ", "vô cùng") x2; a number ("30%", "0.3") sets it;
 *  - a negation within 3 words before ("not", "don't", "không", "đừng",
 *    "hết") turns the candidate into neutral with that intensity;
 *  - the winner: a non-negated candidate before a negated one, then the
 *    highest intensity, then the first in the text.
 * Clauses end at , . ; : ! ? and at "but" / "nhưng".
 *
 * Intensity scales the sampler (we_guidance_intensity in we_model.h, with
 * the other guidance rules):
 *     g' = 1 + 2 I (g - 1)          for each guidance scale g
 *     strength' = min(1, strength (0.5 + I))
 * so I = 0.5 keeps the given (or default) settings.
 *
 * An external command (e.g. an LLM wrapper) may replace the lexicon:
 * we_prompt_run_command runs it without a shell, gives the prompt on its
 * stdin and accepts exactly one line "EMOTION INTENSITY" on its stdout.
 */
#ifndef WE_PROMPT_H
#define WE_PROMPT_H

#include <stddef.h>

#include "we_emotion.h"
#include "we_err.h"

/* Emotion ids are those of we_emotion.h (WE_EMO_*, we_emotion_names). */

/* Emotion id of a vocabulary name (exact, lower case), or -1. */
int we_prompt_emotion_id(const char *name);

#define WE_PROMPT_MAX_BYTES 4096 /* longest prompt accepted (bytes) */
#define WE_PROMPT_DEFAULT_INTENSITY 0.5

typedef struct {
    int emotion;          /* 0..7, index into we_emotion_names */
    double intensity;     /* in [0, 1] */
    int negated;          /* 1 if the deciding phrase was negated (emotion is then neutral) */
    char phrase[128];     /* the deciding lexicon phrase ("" from a command), for messages */
} we_prompt_result;

/* Lower-case and decompose UTF-8 text; with fold != 0 also drop every
 * combining mark and map đ to d ("Cười TƯƠI" -> "cuoi tuoi"). Letters
 * other than Latin ones are kept as they are. *out is malloc'd (caller
 * frees). WE_EDATA for invalid UTF-8 (detail: byte offset), WE_ENOMEM. */
we_status we_prompt_normalize(const char *in, int fold, char **out);

/* The checks every prompt passes before the lexicon or a command sees it:
 * at most WE_PROMPT_MAX_BYTES, valid UTF-8 (else WE_EDATA, detail: byte
 * offset), one line without control characters (a newline, CR, U+0085,
 * U+2028/9 or a C0/DEL control other than tab: WE_EUSAGE, detail: byte
 * offset). */
we_status we_prompt_check(const char *prompt);
/* Map a prompt to emotion and intensity with the built-in lexicon.
 * WE_EUSAGE with a detail when no emotion phrase is found, the prompt is
 * empty, or it fails we_prompt_check (WE_EDATA for invalid UTF-8). */
we_status we_prompt_parse(const char *prompt, we_prompt_result *r);

/* Validate an answer of an external command: exactly one line (an ending
 * newline allowed) "EMOTION INTENSITY", EMOTION one of the vocabulary
 * (case-insensitive), INTENSITY a number in [0, 1]. WE_EDATA otherwise
 * (detail quotes the offending text, truncated). */
we_status we_prompt_parse_answer(const char *out, size_t n, we_prompt_result *r);

/* Split a command line into argv without a shell: words separated by
 * blanks, '...' taken literally, "..." with \" and \\ escapes, a backslash
 * outside quotes escapes the next character; no expansion of any kind.
 * *argv is a NULL-terminated malloc'd array (free with we_prompt_argv_free).
 * WE_EUSAGE for an empty command or an unterminated quote. */
we_status we_prompt_split_command(const char *cmd, char ***argv, int *argc);
void we_prompt_argv_free(char **argv);

/* Run cmd (split as above, found on PATH, no shell) with the prompt, first
 * checked with we_prompt_check (its status; the command is not run then),
 * as one line on its stdin (a temporary file, so it need not read it) and its stderr
 * inherited; read at most 4096 bytes of stdout and validate them with
 * we_prompt_parse_answer. The command runs in its own process group, which
 * is killed when timeout_s (> 0) passes. Returns WE_ENOINPUT if it cannot
 * be started, WE_EINTERNAL if it times out, dies or exits non-zero,
 * WE_EDATA for a bad answer; the detail says which. */
we_status we_prompt_run_command(const char *cmd, const char *prompt, double timeout_s,
                                we_prompt_result *r);

#endif
