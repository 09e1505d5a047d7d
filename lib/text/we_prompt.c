/* we_prompt.c - UTF-8 normalisation, the English/Vietnamese lexicon and the
 * prompt -> (emotion, intensity) rules of we_prompt.h. */
#include "we_prompt.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "we_prompt_priv.h"

int we_prompt_emotion_id(const char *name) { return we_emotion_id(name); }

/* ---- UTF-8 ---------------------------------------------------------------- */

/* Decode one code point at s[*i] (n bytes left); strict: no overlong forms,
 * no surrogates, <= U+10FFFF. Returns the code point or -1. */
static long utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    size_t k = *i;
    unsigned c = s[k];
    long cp;
    int len;
    if (c < 0x80) { *i = k + 1; return c; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else return -1;
    if (k + (size_t)len > n) return -1;
    for (int j = 1; j < len; j++) {
        unsigned d = s[k + j];
        if ((d & 0xC0) != 0x80) return -1;
        cp = (cp << 6) | (d & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *i = k + (size_t)len;
    return cp;
}

static size_t utf8_put(char *o, long cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static const we_prompt_decomp *decomp_find(long cp)
{
    int lo = 0, hi = we_prompt_decomp_count - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        long c = we_prompt_decomp_table[mid].cp;
        if (c == cp) return &we_prompt_decomp_table[mid];
        if (c < cp) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}

static int is_mark(long cp) { return cp >= 0x300 && cp <= 0x36F; }
static int ccc(long cp) { return is_mark(cp) ? we_prompt_ccc_table[cp - 0x300] : 0; }

/* Emit pending marks in canonical order (stable insertion sort by class). */
static size_t flush_marks(char *o, long *marks, int *nm)
{
    size_t k = 0;
    for (int a = 1; a < *nm; a++) {
        long m = marks[a];
        int b = a - 1;
        while (b >= 0 && ccc(marks[b]) > ccc(m)) { marks[b + 1] = marks[b]; b--; }
        marks[b + 1] = m;
    }
    for (int a = 0; a < *nm; a++) k += utf8_put(o + k, marks[a]);
    *nm = 0;
    return k;
}

we_status we_prompt_normalize(const char *in, int fold, char **out)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t n = strlen(in);
    /* every input code point becomes at most 3 output ones of <= 3 bytes */
    char *o = malloc(n * 3 + 16);
    if (!o) return we_err_set(WE_ENOMEM, "out of memory normalising a prompt");
    size_t i = 0, k = 0;
    long marks[16];
    int nm = 0;
    while (i < n) {
        size_t at = i;
        long cp = utf8_next(s, n, &i);
        if (cp < 0) {
            free(o);
            return we_err_set(WE_EDATA, "prompt is not valid UTF-8 (byte %zu)", at);
        }
        if (is_mark(cp)) {
            if (!fold && nm < 16) marks[nm++] = cp;
            continue;
        }
        k += flush_marks(o + k, marks, &nm);
        const we_prompt_decomp *d;
        if (cp < 0x80) {
            o[k++] = (char)tolower((int)cp);
        } else if ((d = decomp_find(cp)) != NULL) {
            o[k++] = d->base;
            if (!fold)
                for (int j = 0; j < 2 && d->marks[j]; j++)
                    if (nm < 16) marks[nm++] = d->marks[j];
        } else if (cp == 0x110 || cp == 0x111) {           /* Đ đ */
            k += fold ? utf8_put(o + k, 'd') : utf8_put(o + k, 0x111);
        } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x2BC) { /* curly apostrophes */
            o[k++] = '\'';
        } else {
            k += utf8_put(o + k, cp);
        }
    }
    k += flush_marks(o + k, marks, &nm);
    o[k] = 0;
    *out = o;
    return WE_OK;
}

/* ---- tokens --------------------------------------------------------------- */

#define MAX_TOK 1024

typedef struct {
    char norm[96];    /* lower case, decomposed */
    char fold[96];    /* marks dropped, đ -> d */
    int marked;       /* norm differs from fold: typed with diacritics */
    int clause;
    double num;       /* >= 0 when the token is an intensity number */
} token;

/* Word characters: ASCII letters and digits, marks, and every code point
 * >= 0x80 that is not punctuation or a symbol we know of. */
static int word_cp(long cp)
{
    if (cp < 0x80) return isalnum((int)cp) || cp == '\'';
    if (cp >= 0xA0 && cp <= 0xBF) return 0;         /* Latin-1 punctuation, symbols */
    if (cp == 0xD7 || cp == 0xF7) return 0;
    if (cp >= 0x2000 && cp <= 0x2BFF) return 0;     /* general punctuation .. arrows */
    if (cp >= 0x3000 && cp <= 0x303F) return 0;     /* CJK punctuation */
    if (cp >= 0xFE30 && cp <= 0xFE4F) return 0;
    if (cp >= 0xFF00 && cp <= 0xFF0F) return 0;
    return 1;
}

static int clause_cp(long cp)
{
    return cp == ',' || cp == '.' || cp == ';' || cp == ':' || cp == '!' || cp == '?' ||
           cp == 0x3001 || cp == 0x3002 || cp == 0x2026 || cp == 0xFF0C;
}

/* Intensity number: "30%" (0..100) or a decimal in [0, 1] ("0.3", ".3"). */
static double token_number(const char *w, int pct)
{
    char *end;
    if (!*w || (!isdigit((unsigned char)w[0]) && w[0] != '.')) return -1;
    double v = strtod(w, &end);
    if (*end) return -1;
    if (pct) return v >= 0 && v <= 100 ? v / 100.0 : -1;
    return (strchr(w, '.') && v >= 0 && v <= 1) ? v : -1;
}

static void fold_word(const char *norm, char *fold, size_t cap)
{
    const unsigned char *s = (const unsigned char *)norm;
    size_t n = strlen(norm), i = 0, k = 0;
    while (i < n && k + 5 < cap) {
        long cp = utf8_next(s, n, &i);
        if (cp < 0) break;
        if (is_mark(cp)) continue;
        if (cp == 0x111) cp = 'd';
        k += utf8_put(fold + k, cp);
    }
    fold[k] = 0;
}

/* Split normalised text into tokens. Numbers keep '.' and a trailing '%'. */
static int tokenize(const char *norm, token *tok, int max)
{
    const unsigned char *s = (const unsigned char *)norm;
    size_t n = strlen(norm), i = 0;
    int nt = 0, clause = 0;
    while (i < n && nt < max) {
        size_t at = i;
        long cp = utf8_next(s, n, &i);
        if (cp < 0) break;
        if (clause_cp(cp) && !(cp == '.' && i < n && isdigit(s[i]))) { clause++; continue; }
        if (!word_cp(cp) && !(cp == '.' && i < n && isdigit(s[i]))) continue;
        /* a word: run of word characters (and '.' between digits) */
        size_t st = at, en = i;
        int digits = isdigit((int)cp) || cp == '.';
        while (en < n) {
            size_t j = en;
            long c2 = utf8_next(s, n, &j);
            if (c2 < 0) break;
            if (word_cp(c2) || (c2 == '.' && digits && j < n && isdigit(s[j]))) { en = j; continue; }
            break;
        }
        int pct = 0;
        if (en < n && s[en] == '%') pct = 1;
        token *t = &tok[nt];
        size_t len = en - st;
        if (len >= sizeof t->norm) len = sizeof t->norm - 1;
        memcpy(t->norm, norm + st, len);
        t->norm[len] = 0;
        /* trim apostrophes at the ends ('sad' -> sad) */
        while (t->norm[0] == '\'') memmove(t->norm, t->norm + 1, strlen(t->norm));
        size_t L = strlen(t->norm);
        while (L && t->norm[L - 1] == '\'') t->norm[--L] = 0;
        i = en + (size_t)pct;
        if (!L) continue;
        fold_word(t->norm, t->fold, sizeof t->fold);
        t->marked = strcmp(t->norm, t->fold) != 0;
        t->num = token_number(t->norm, pct);
        t->clause = clause;
        nt++;
    }
    return nt;
}

/* ---- the lexicon ---------------------------------------------------------- */

enum { K_EMO, K_MOD, K_NEG, K_BREAK, K_FILL };
enum { F_NOFOLD = 1, F_PRE = 2, F_POST = 4, F_BOTH = F_PRE | F_POST };

typedef struct {
    const char *phrase;   /* NFC, lower case, words separated by one space */
    int kind;
    int emotion;          /* K_EMO */
    double value;         /* K_EMO: intensity; K_MOD: factor */
    int flags;
} lex_entry;

#define E(p, e, v) {p, K_EMO, WE_EMO_##e, v, 0}
#define EN(p, e, v) {p, K_EMO, WE_EMO_##e, v, F_NOFOLD}
#define M(p, f, w) {p, K_MOD, 0, f, w}
#define MN(p, f, w) {p, K_MOD, 0, f, (w) | F_NOFOLD}
#define N(p) {p, K_NEG, 0, 0, F_PRE}
#define B(p) {p, K_BREAK, 0, 0, 0}
#define BN(p) {p, K_BREAK, 0, 0, F_NOFOLD}
#define FILL(p) {p, K_FILL, 0, 0, 0}

#define LOW 0.5
#define HIGH 1.5
#define EXTREME 2.0

static const lex_entry lexicon[] = {
    /* ---- English: emotions ---- */
    E("neutral", NEUTRAL, 0.5), E("neutrally", NEUTRAL, 0.5), E("calm", NEUTRAL, 0.5),
    E("calmer", NEUTRAL, 0.5), E("expressionless", NEUTRAL, 0.6), E("blank", NEUTRAL, 0.5),
    E("poker face", NEUTRAL, 0.6), E("straight face", NEUTRAL, 0.6), E("serious", NEUTRAL, 0.5),
    E("relaxed", NEUTRAL, 0.4), E("normal", NEUTRAL, 0.5), E("no expression", NEUTRAL, 0.6),
    E("no emotion", NEUTRAL, 0.6), E("stoic", NEUTRAL, 0.6), E("impassive", NEUTRAL, 0.6),
    E("happy", HAPPY, 0.5), E("happier", HAPPY, 0.5), E("happiest", HAPPY, 0.9),
    E("happiness", HAPPY, 0.5), E("joy", HAPPY, 0.6), E("joyful", HAPPY, 0.6),
    E("glad", HAPPY, 0.4), E("cheerful", HAPPY, 0.6), E("cheer up", HAPPY, 0.5),
    E("smile", HAPPY, 0.5), E("smiles", HAPPY, 0.5), E("smiling", HAPPY, 0.5),
    E("smiley", HAPPY, 0.5), E("grin", HAPPY, 0.8), E("grinning", HAPPY, 0.8),
    E("big smile", HAPPY, 0.85), E("broad smile", HAPPY, 0.85), E("laugh", HAPPY, 0.85),
    E("laughing", HAPPY, 0.85), E("delighted", HAPPY, 0.75), E("ecstatic", HAPPY, 1.0),
    E("thrilled", HAPPY, 0.85), E("pleased", HAPPY, 0.35), E("content", HAPPY, 0.3),
    E("unhappy", SAD, 0.5), E("sad", SAD, 0.5), E("sadder", SAD, 0.5), E("saddest", SAD, 0.9),
    E("sadness", SAD, 0.5), E("sadly", SAD, 0.5), E("sorrow", SAD, 0.6), E("sorrowful", SAD, 0.7),
    E("gloomy", SAD, 0.5), E("depressed", SAD, 0.85), E("upset", SAD, 0.5), E("cry", SAD, 0.85),
    E("crying", SAD, 0.85), E("tearful", SAD, 0.75), E("in tears", SAD, 0.85),
    E("miserable", SAD, 0.85), E("melancholy", SAD, 0.5), E("heartbroken", SAD, 1.0),
    E("down", SAD, 0.35), E("disappointed", SAD, 0.4), E("grief", SAD, 0.9), E("mournful", SAD, 0.75),
    E("surprise", SURPRISE, 0.5), E("surprised", SURPRISE, 0.5), E("surprising", SURPRISE, 0.5),
    E("astonished", SURPRISE, 0.8), E("astonishment", SURPRISE, 0.8), E("amazed", SURPRISE, 0.7),
    E("amazement", SURPRISE, 0.7), E("shocked", SURPRISE, 0.85), E("shock", SURPRISE, 0.8),
    E("startled", SURPRISE, 0.6), E("stunned", SURPRISE, 0.8), E("wow", SURPRISE, 0.6),
    E("in awe", SURPRISE, 0.6), E("flabbergasted", SURPRISE, 1.0),
    E("fear", FEAR, 0.5), E("fearful", FEAR, 0.6), E("afraid", FEAR, 0.5), E("scared", FEAR, 0.6),
    E("frightened", FEAR, 0.7), E("terrified", FEAR, 1.0), E("terror", FEAR, 0.9),
    E("horrified", FEAR, 0.9), E("anxious", FEAR, 0.3), E("nervous", FEAR, 0.3),
    E("worried", FEAR, 0.3), E("panic", FEAR, 0.85), E("panicked", FEAR, 0.85), E("fright", FEAR, 0.7),
    E("disgust", DISGUST, 0.5), E("disgusted", DISGUST, 0.5), E("disgusting", DISGUST, 0.5),
    E("grossed out", DISGUST, 0.6), E("revolted", DISGUST, 0.8), E("repulsed", DISGUST, 0.7),
    E("nauseated", DISGUST, 0.7), E("yuck", DISGUST, 0.6), E("eww", DISGUST, 0.6),
    E("repelled", DISGUST, 0.6), E("revulsion", DISGUST, 0.8),
    E("anger", ANGER, 0.5), E("angry", ANGER, 0.5), E("angrier", ANGER, 0.5), E("angrily", ANGER, 0.5),
    E("mad", ANGER, 0.55), E("furious", ANGER, 0.9), E("fury", ANGER, 0.9), E("rage", ANGER, 0.9),
    E("enraged", ANGER, 1.0), E("livid", ANGER, 0.9), E("annoyed", ANGER, 0.3),
    E("irritated", ANGER, 0.3), E("cross", ANGER, 0.4), E("grumpy", ANGER, 0.4),
    E("frown", ANGER, 0.4), E("frowning", ANGER, 0.4), E("scowl", ANGER, 0.6),
    E("scowling", ANGER, 0.6), E("hostile", ANGER, 0.6), E("irate", ANGER, 0.8),
    E("contempt", CONTEMPT, 0.5), E("contemptuous", CONTEMPT, 0.6), E("scorn", CONTEMPT, 0.6),
    E("scornful", CONTEMPT, 0.6), E("disdain", CONTEMPT, 0.5), E("disdainful", CONTEMPT, 0.5),
    E("smirk", CONTEMPT, 0.5), E("smirking", CONTEMPT, 0.5), E("sneer", CONTEMPT, 0.7),
    E("sneering", CONTEMPT, 0.7), E("condescending", CONTEMPT, 0.5), E("dismissive", CONTEMPT, 0.4),
    /* ---- English: modifiers, negations, clause breaks ---- */
    M("a bit", LOW, F_PRE), M("a little", LOW, F_PRE), M("a little bit", LOW, F_PRE),
    M("a tad", LOW, F_PRE), M("slightly", LOW, F_PRE), M("somewhat", LOW, F_PRE),
    M("mildly", LOW, F_PRE), M("kind of", LOW, F_PRE), M("kinda", LOW, F_PRE),
    M("sort of", LOW, F_PRE), M("faintly", LOW, F_PRE), M("less", LOW, F_PRE),
    M("barely", LOW, F_PRE), M("subtly", LOW, F_PRE), M("subtle", LOW, F_PRE),
    M("a touch", LOW, F_PRE), M("gently", LOW, F_PRE), M("lightly", LOW, F_PRE),
    M("a bit more", LOW, F_PRE),
    M("very", HIGH, F_PRE), M("really", HIGH, F_PRE), M("so", HIGH, F_PRE), M("quite", HIGH, F_PRE),
    M("super", HIGH, F_PRE), M("truly", HIGH, F_PRE), M("deeply", HIGH, F_PRE),
    M("highly", HIGH, F_PRE), M("strongly", HIGH, F_PRE), M("much", HIGH, F_BOTH),
    M("more", HIGH, F_PRE), M("too", HIGH, F_PRE), M("totally", HIGH, F_PRE),
    M("very much", HIGH, F_BOTH), M("a lot", HIGH, F_BOTH), M("big", HIGH, F_PRE),
    M("extremely", EXTREME, F_PRE), M("incredibly", EXTREME, F_PRE), M("utterly", EXTREME, F_PRE),
    M("completely", EXTREME, F_PRE), M("absolutely", EXTREME, F_PRE), M("insanely", EXTREME, F_PRE),
    M("super duper", EXTREME, F_PRE), M("as much as possible", EXTREME, F_POST),
    N("not"), N("no"), N("don't"), N("dont"), N("doesn't"), N("doesnt"), N("isn't"), N("isnt"),
    N("aren't"), N("never"), N("stop"), N("without"), N("no longer"), N("no more"),
    N("less of"), N("remove"), N("nor"), N("neither"), N("won't"), N("shouldn't"),
    B("but"), B("however"), B("then"), B("instead"),
    /* ---- Vietnamese: emotions ---- */
    E("bình thường", NEUTRAL, 0.5), E("trung tính", NEUTRAL, 0.5), E("trung lập", NEUTRAL, 0.5),
    E("bình tĩnh", NEUTRAL, 0.5), E("điềm tĩnh", NEUTRAL, 0.5), E("vô cảm", NEUTRAL, 0.6),
    E("không cảm xúc", NEUTRAL, 0.6), E("không biểu cảm", NEUTRAL, 0.6),
    E("nghiêm túc", NEUTRAL, 0.5), E("nghiêm", NEUTRAL, 0.5), E("tự nhiên", NEUTRAL, 0.4),
    E("thản nhiên", NEUTRAL, 0.5), E("lạnh lùng", NEUTRAL, 0.6),
    E("vui", HAPPY, 0.5), E("vui vẻ", HAPPY, 0.6), E("vui mừng", HAPPY, 0.7),
    E("vui tươi", HAPPY, 0.6), E("hạnh phúc", HAPPY, 0.6), E("cười", HAPPY, 0.5),
    E("mỉm cười", HAPPY, 0.45), E("cười mỉm", HAPPY, 0.4), E("cười tươi", HAPPY, 0.85),
    E("tươi cười", HAPPY, 0.75), E("tươi tắn", HAPPY, 0.6), E("cười toe toét", HAPPY, 1.0),
    E("cười lớn", HAPPY, 0.9), E("cười to", HAPPY, 0.9), E("cười rạng rỡ", HAPPY, 0.9),
    E("rạng rỡ", HAPPY, 0.75), E("hân hoan", HAPPY, 0.8), E("phấn khởi", HAPPY, 0.7),
    E("sung sướng", HAPPY, 0.8), E("hớn hở", HAPPY, 0.8), E("mừng", HAPPY, 0.5),
    E("buồn", SAD, 0.5), E("buồn bã", SAD, 0.6), E("buồn rầu", SAD, 0.6), E("đau buồn", SAD, 0.85),
    E("đau khổ", SAD, 0.85), E("khóc", SAD, 0.85), E("u sầu", SAD, 0.6), EN("sầu", SAD, 0.6),
    E("thất vọng", SAD, 0.45), E("chán nản", SAD, 0.5), E("ủ rũ", SAD, 0.6), E("rầu rĩ", SAD, 0.6),
    E("ngạc nhiên", SURPRISE, 0.5), E("bất ngờ", SURPRISE, 0.5), E("kinh ngạc", SURPRISE, 0.8),
    E("sửng sốt", SURPRISE, 0.8), E("ngỡ ngàng", SURPRISE, 0.7), E("choáng", SURPRISE, 0.7),
    E("há hốc", SURPRISE, 0.8), E("ngạc nhiên quá", SURPRISE, 0.75),
    EN("sợ", FEAR, 0.5), E("sợ hãi", FEAR, 0.6), E("hoảng sợ", FEAR, 0.85), E("khiếp sợ", FEAR, 0.95),
    E("lo sợ", FEAR, 0.5), E("lo lắng", FEAR, 0.3), E("kinh hãi", FEAR, 1.0),
    E("hoảng hốt", FEAR, 0.8), E("khiếp đảm", FEAR, 1.0), E("run sợ", FEAR, 0.8),
    E("ghê tởm", DISGUST, 0.6), E("kinh tởm", DISGUST, 0.7), E("ghê", DISGUST, 0.5),
    EN("tởm", DISGUST, 0.6), E("gớm", DISGUST, 0.5), E("ghê gớm", DISGUST, 0.6),
    E("buồn nôn", DISGUST, 0.6), E("ghét", DISGUST, 0.4),
    E("giận", ANGER, 0.5), E("giận dữ", ANGER, 0.6), E("tức giận", ANGER, 0.6), E("tức", ANGER, 0.5),
    E("cáu", ANGER, 0.45), E("cáu kỉnh", ANGER, 0.5), E("bực", ANGER, 0.4), E("bực bội", ANGER, 0.45),
    E("bực mình", ANGER, 0.45), E("phẫn nộ", ANGER, 0.95), E("nổi giận", ANGER, 0.8),
    E("điên tiết", ANGER, 1.0), E("cau có", ANGER, 0.5), E("nổi điên", ANGER, 0.9),
    E("khinh bỉ", CONTEMPT, 0.6), E("khinh", CONTEMPT, 0.5), E("khinh thường", CONTEMPT, 0.5),
    E("khinh miệt", CONTEMPT, 0.6), E("coi thường", CONTEMPT, 0.45), E("nhếch mép", CONTEMPT, 0.5),
    E("khinh khỉnh", CONTEMPT, 0.6), E("xem thường", CONTEMPT, 0.45),
    /* ---- Vietnamese: modifiers, negations, clause breaks ---- */
    M("hơi", LOW, F_PRE), M("một chút", LOW, F_BOTH), M("chút", LOW, F_BOTH),
    M("một chút xíu", LOW, F_BOTH), M("chút xíu", LOW, F_BOTH), M("một tí", LOW, F_BOTH),
    M("tí", LOW, F_POST), M("một ít", LOW, F_BOTH), M("nhẹ", LOW, F_BOTH), M("nhẹ nhàng", LOW, F_BOTH),
    M("khẽ", LOW, F_PRE), M("hơi hơi", LOW, F_PRE), M("thoáng", LOW, F_PRE),
    M("rất", HIGH, F_PRE), MN("lắm", HIGH, F_POST), M("quá", HIGH, F_BOTH), MN("thật", HIGH, F_PRE),
    M("thật sự", HIGH, F_PRE), M("thực sự", HIGH, F_PRE), M("thật là", HIGH, F_PRE),
    M("nhiều", HIGH, F_POST), MN("hẳn", HIGH, F_POST), M("siêu", HIGH, F_PRE), M("rõ", HIGH, F_POST),
    M("cực", EXTREME, F_PRE), M("cực kỳ", EXTREME, F_PRE), M("cực kì", EXTREME, F_PRE),
    M("vô cùng", EXTREME, F_BOTH), M("hết sức", EXTREME, F_PRE), M("cực độ", EXTREME, F_POST),
    M("tột độ", EXTREME, F_POST), M("hết cỡ", EXTREME, F_POST),
    N("không"), N("chẳng"), N("chả"), N("đừng"), N("hết"), N("không còn"), {"bớt", K_NEG, 0, 0, F_PRE | F_NOFOLD},
    N("thôi"), N("chưa"), N("không hề"), N("đừng có"),
    B("nhưng"), B("nhưng mà"), BN("mà"), B("thay vào đó"),
    /* "nó" (him/her/it) typed without diacritics is the English "no" */
    FILL("cho nó"), FILL("làm nó"), FILL("khiến nó"), FILL("để nó"), FILL("mặt nó"),
};
#define NLEX ((int)(sizeof lexicon / sizeof lexicon[0]))

#define MAX_PW 6
typedef struct {
    int n;
    char norm[MAX_PW][48];
    char fold[MAX_PW][48];
} lex_words;

/* Normalise one lexicon phrase into words. */
static int lex_prepare(const lex_entry *e, lex_words *w)
{
    char *nrm;
    if (we_prompt_normalize(e->phrase, 0, &nrm)) return -1;
    w->n = 0;
    char *save = NULL;
    for (char *p = strtok_r(nrm, " ", &save); p && w->n < MAX_PW; p = strtok_r(NULL, " ", &save)) {
        snprintf(w->norm[w->n], sizeof w->norm[0], "%s", p);
        fold_word(p, w->fold[w->n], sizeof w->fold[0]);
        w->n++;
    }
    free(nrm);
    return 0;
}

static int word_match(const token *t, const lex_words *w, int j, int nofold)
{
    if (!strcmp(t->norm, w->norm[j])) return 1;
    return !t->marked && !nofold && !strcmp(t->fold, w->fold[j]);
}

typedef struct {
    int kind, lex, start, end; /* tokens [start, end) */
} match;

we_status we_prompt_check(const char *prompt)
{
    size_t n = strlen(prompt);
    if (n > WE_PROMPT_MAX_BYTES) return we_err_set(WE_EUSAGE, "prompt is longer than %d bytes", WE_PROMPT_MAX_BYTES);
    const unsigned char *u = (const unsigned char *)prompt;
    for (size_t i = 0; i < n;) {
        size_t at = i;
        long cp = utf8_next(u, n, &i);
        if (cp < 0) return we_err_set(WE_EDATA, "prompt is not valid UTF-8 (byte %zu)", at);
        if (cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029)
            return we_err_set(WE_EUSAGE, "prompt has a line break (byte %zu): give it on one line", at);
        if ((cp < 0x20 && cp != '\t') || cp == 0x7f)
            return we_err_set(WE_EUSAGE, "prompt has a control character (byte %zu)", at);
    }
    return WE_OK;
}

we_status we_prompt_parse(const char *prompt, we_prompt_result *r)
{
    memset(r, 0, sizeof *r);
    we_status s = we_prompt_check(prompt);
    if (s) return s;
    char *norm;
    s = we_prompt_normalize(prompt, 0, &norm);
    if (s) return s;
    token *tok = malloc(MAX_TOK * sizeof *tok);
    lex_words *lw = malloc(NLEX * sizeof *lw);
    match *m = malloc(MAX_TOK * sizeof *m);
    if (!tok || !lw || !m) {
        free(norm); free(tok); free(lw); free(m);
        return we_err_set(WE_ENOMEM, "out of memory parsing a prompt");
    }
    int nt = tokenize(norm, tok, MAX_TOK);
    free(norm);
    for (int e = 0; e < NLEX; e++)
        if (lex_prepare(&lexicon[e], &lw[e])) lw[e].n = 0;

    /* longest match from left to right; the first entry wins a tie */
    int nm = 0;
    for (int i = 0; i < nt;) {
        int best = -1, blen = 0;
        for (int e = 0; e < NLEX; e++) {
            int n = lw[e].n;
            if (n <= blen || i + n > nt) continue;
            int ok = 1;
            for (int j = 0; j < n && ok; j++)
                ok = tok[i + j].clause == tok[i].clause &&
                     word_match(&tok[i + j], &lw[e], j, lexicon[e].flags & F_NOFOLD);
            if (ok) { best = e; blen = n; }
        }
        if (best >= 0) {
            m[nm++] = (match){lexicon[best].kind, best, i, i + blen};
            i += blen;
        } else {
            if (tok[i].num >= 0) m[nm++] = (match){-1, -1, i, i + 1}; /* a number */
            i++;
        }
    }
    /* clause breaks by word: shift the clause of every later token */
    for (int a = 0; a < nm; a++)
        if (m[a].kind == K_BREAK)
            for (int k = m[a].start; k < nt; k++) tok[k].clause++;

    int win = -1;
    double win_int = 0;
    int win_neg = 1;
    for (int a = 0; a < nm; a++) {
        if (m[a].kind != K_EMO) continue;
        const lex_entry *e = &lexicon[m[a].lex];
        double I = e->value, num = -1;
        int neg = 0, cl = tok[m[a].start].clause;
        /* before: walk back while within 3 words, same clause, no emotion */
        for (int b = a - 1; b >= 0; b--) {
            if (m[b].kind == K_EMO || m[b].kind == K_BREAK) break;
            if (m[a].start - m[b].end > 3 || tok[m[b].start].clause != cl) break;
            if (m[b].kind == K_NEG) neg = 1;
            else if (m[b].kind == K_MOD && (lexicon[m[b].lex].flags & F_PRE)) I *= lexicon[m[b].lex].value;
            else if (m[b].kind == -1) num = tok[m[b].start].num;
        }
        for (int b = a + 1; b < nm; b++) {
            if (m[b].kind == K_EMO || m[b].kind == K_BREAK || m[b].kind == K_NEG) break;
            if (m[b].kind == K_FILL) continue;
            if (m[b].start - m[a].end > 3 || tok[m[b].start].clause != cl) break;
            if (m[b].kind == K_MOD && (lexicon[m[b].lex].flags & F_POST)) I *= lexicon[m[b].lex].value;
            else if (m[b].kind == -1) num = tok[m[b].start].num;
        }
        if (num >= 0) I = num;
        if (I > 1) I = 1;
        if (I < 0) I = 0;
        /* non-negated beats negated, then higher intensity, then earlier */
        if (win < 0 || (win_neg && !neg) || (win_neg == neg && I > win_int)) {
            win = a;
            win_int = I;
            win_neg = neg;
        }
    }
    if (win < 0) {
        free(tok); free(lw); free(m);
        return we_err_set(WE_EUSAGE,
                          "no emotion word found in the prompt (try e.g. 'a bit sad', 'very happy', "
                          "'rất vui', 'buồn một chút', or -e EMOTION)");
    }
    const lex_entry *e = &lexicon[m[win].lex];
    r->emotion = win_neg ? WE_EMO_NEUTRAL : e->emotion;
    r->intensity = win_int;
    r->negated = win_neg;
    snprintf(r->phrase, sizeof r->phrase, "%s", e->phrase);
    free(tok); free(lw); free(m);
    return WE_OK;
}
