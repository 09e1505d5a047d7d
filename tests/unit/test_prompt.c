/* test_prompt.c - prompt lexicon (English, Vietnamese with and without
 * diacritics, NFC and NFD), modifiers, negations, numbers, the answer
 * validator, command splitting and the external command runner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "we_model.h"
#include "we_prompt.h"

/* prompt -> emotion with intensity in [lo, hi] */
static void expect(const char *prompt, const char *emo, double lo, double hi)
{
    we_prompt_result r;
    we_status s = we_prompt_parse(prompt, &r);
    char what[256];
    int ok = s == WE_OK && !strcmp(we_emotion_names[r.emotion], emo) && r.intensity >= lo &&
             r.intensity <= hi;
    snprintf(what, sizeof what, "'%s' -> %s [%.2f, %.2f]", prompt, emo, lo, hi);
    if (!ok) {
        if (s) printf("     status %d: %s\n", s, we_err_detail());
        else printf("     got %s %.3f (phrase '%s', negated %d)\n", we_emotion_names[r.emotion],
                    r.intensity, r.phrase, r.negated);
    }
    CHECK(ok, what);
}

static void expect_fail(const char *prompt, we_status want)
{
    we_prompt_result r;
    char what[256];
    we_err_clear();
    we_status s = we_prompt_parse(prompt, &r);
    snprintf(what, sizeof what, "'%.60s' is refused (status %d, detail '%s')", prompt, s, we_err_detail());
    CHECK(s == want && *we_err_detail(), what);
}

static void test_normalize(void)
{
    char *o;
    CHECK(we_prompt_normalize("Cười TƯƠI Lên", 1, &o) == WE_OK && !strcmp(o, "cuoi tuoi len"), "fold: Cười TƯƠI Lên");
    free(o);
    CHECK(we_prompt_normalize("ĐỪNG Buồn", 1, &o) == WE_OK && !strcmp(o, "dung buon"), "fold: đ -> d, upper case");
    free(o);
    /* NFC and NFD give the same decomposed text */
    char *a, *b;
    CHECK(we_prompt_normalize("ngạc nhiên ệ", 0, &a) == WE_OK, "normalize NFC");
    CHECK(we_prompt_normalize("nga\xcc\xa3" "c nhie\xcc\x82n e\xcc\x82\xcc\xa3", 0, &b) == WE_OK, "normalize NFD");
    CHECK(!strcmp(a, b), "NFC == NFD after normalisation (marks in canonical order)");
    free(a); free(b);
    CHECK(we_prompt_normalize("ÀÉÎÕÜ ĂÂÊÔƠƯ", 0, &a) == WE_OK && we_prompt_normalize("àéîõü ăâêôơư", 0, &b) == WE_OK &&
          !strcmp(a, b), "Vietnamese/Latin-1 capitals lower-cased");
    free(a); free(b);
    CHECK(we_prompt_normalize("Привет 日本", 0, &o) == WE_OK && !strcmp(o, "Привет 日本"), "other scripts kept");
    free(o);
    CHECK(we_prompt_normalize("bad \xc3\x28 utf8", 0, &o) == WE_EDATA, "invalid UTF-8 refused");
    CHECK(we_prompt_normalize("\xc0\xaf", 0, &o) == WE_EDATA, "overlong UTF-8 refused");
    CHECK(we_prompt_normalize("\xed\xa0\x80", 0, &o) == WE_EDATA, "UTF-8 surrogate refused");
    CHECK(we_prompt_normalize("\xf4\x90\x80\x80", 0, &o) == WE_EDATA, "code point above U+10FFFF refused");
}

static void test_english(void)
{
    expect("make her a bit sad", "sad", 0.2, 0.3);
    expect("very happy", "happy", 0.7, 0.8);
    expect("happy", "happy", 0.5, 0.5);
    expect("Make him SMILE!", "happy", 0.45, 0.55);
    expect("slightly surprised", "surprise", 0.2, 0.3);
    expect("look surprised", "surprise", 0.5, 0.5);
    expect("extremely angry", "anger", 1.0, 1.0);
    expect("furious", "anger", 0.85, 0.95);
    expect("a little scared", "fear", 0.25, 0.35);
    expect("terrified", "fear", 0.95, 1.0);
    expect("disgusted", "disgust", 0.5, 0.5);
    expect("grossed out", "disgust", 0.55, 0.65);
    expect("contempt", "contempt", 0.5, 0.5);
    expect("a smirk", "contempt", 0.45, 0.55);
    expect("neutral expression please", "neutral", 0.5, 0.5);
    expect("poker face", "neutral", 0.55, 0.65);
    expect("really really sad", "sad", 1.0, 1.0);
    expect("sad 30%", "sad", 0.3, 0.3);
    expect("happy, intensity 0.8", "happy", 0.5, 0.5); /* number in another clause is ignored */
    expect("happy 0.8", "happy", 0.8, 0.8);
    expect("give her a big smile", "happy", 0.85, 0.85);
    expect("she should look kind of annoyed", "anger", 0.1, 0.2);
    expect("make the person in the photo look sad", "sad", 0.5, 0.5);
    expect("I want him to be very very happy", "happy", 1.0, 1.0);
    expect("it\xe2\x80\x99s a sad day", "sad", 0.5, 0.5); /* curly apostrophe */
    expect("please make him look terrified", "fear", 1.0, 1.0);
    expect("a little bit disgusted", "disgust", 0.25, 0.25);
    expect("super happy!!!", "happy", 0.75, 0.75);
    expect("calm", "neutral", 0.5, 0.5);
}

static void test_negation(void)
{
    expect("not sad", "neutral", 0.5, 0.5);
    expect("don't look angry", "neutral", 0.5, 0.5);
    expect("not sad but happy", "happy", 0.5, 0.5);
    expect("happy, not sad", "happy", 0.5, 0.5);
    expect("stop frowning", "neutral", 0.35, 0.45);
    expect("no longer afraid", "neutral", 0.5, 0.5);
    expect("unhappy", "sad", 0.5, 0.5);
    expect("không buồn", "neutral", 0.5, 0.5);
    expect("đừng giận nữa", "neutral", 0.5, 0.5);
    expect("hết buồn rồi", "neutral", 0.5, 0.5);
    expect("không còn sợ hãi", "neutral", 0.6, 0.6);
    expect("khong buon", "neutral", 0.5, 0.5);
    expect("không buồn mà vui", "happy", 0.5, 0.5);
}

static void test_vietnamese(void)
{
    expect("cười tươi lên", "happy", 0.8, 0.9);
    expect("cuoi tuoi len", "happy", 0.8, 0.9);
    expect("trông ngạc nhiên", "surprise", 0.5, 0.5);
    expect("trong ngac nhien", "surprise", 0.5, 0.5);
    expect("buồn một chút", "sad", 0.2, 0.3);
    expect("buon mot chut", "sad", 0.2, 0.3);
    expect("hơi buồn", "sad", 0.2, 0.3);
    expect("giận dữ", "anger", 0.6, 0.6);
    expect("gian du", "anger", 0.6, 0.6);
    expect("sợ hãi", "fear", 0.6, 0.6);
    expect("so hai", "fear", 0.6, 0.6);
    expect("ghê tởm", "disgust", 0.6, 0.6);
    expect("ghe tom", "disgust", 0.6, 0.6);
    expect("khinh bỉ", "contempt", 0.6, 0.6);
    expect("khinh bi", "contempt", 0.6, 0.6);
    expect("bình thường", "neutral", 0.5, 0.5);
    expect("trung tính", "neutral", 0.5, 0.5);
    expect("trung tinh", "neutral", 0.5, 0.5);
    expect("rất vui", "happy", 0.75, 0.75);
    expect("rat vui", "happy", 0.75, 0.75);
    expect("vui lắm", "happy", 0.75, 0.75);
    expect("buồn quá", "sad", 0.75, 0.75);
    expect("cực kỳ tức giận", "anger", 1.0, 1.0);
    expect("làm cho cô ấy buồn một chút", "sad", 0.2, 0.3);
    expect("lam cho no buon", "sad", 0.5, 0.5);   /* "no" = nó here, not a negation */
    expect("CƯỜI TƯƠI LÊN", "happy", 0.8, 0.9);
    /* NFD input */
    expect("ngạc nhiên", "surprise", 0.5, 0.5);
    expect("nga\xcc\xa3" "c nhie\xcc\x82n", "surprise", 0.5, 0.5);
    expect("hoảng sợ", "fear", 0.85, 0.85);
    expect("sợ", "fear", 0.5, 0.5);
    expect("buồn nôn", "disgust", 0.6, 0.6);
    expect("mỉm cười nhẹ", "happy", 0.2, 0.25);
    expect("không cảm xúc", "neutral", 0.6, 0.6);
    expect("hơi hơi buồn", "sad", 0.25, 0.25);
    expect("cực kì vui", "happy", 1.0, 1.0);
    expect("trông buồn quá", "sad", 0.75, 0.75);
    expect("giận dữ lắm", "anger", 0.89, 0.91);
    expect("hãy làm cho anh ấy trông sợ hãi một chút", "fear", 0.3, 0.3);
    expect("khinh bỉ ra mặt", "contempt", 0.6, 0.6);
}

static void test_ambiguity(void)
{
    /* English "so" is a modifier, not "sợ" typed without its marks */
    expect("so happy", "happy", 0.75, 0.75);
    /* "that" is not "thật" */
    expect("make that face sad", "sad", 0.5, 0.5);
    /* two emotions: the stronger one wins, then the first */
    expect("a bit happy and very sad", "sad", 0.75, 0.75);
    expect("sad or happy", "sad", 0.5, 0.5);
    /* a modifier does not reach across a clause */
    expect("very much, sad", "sad", 0.5, 0.5);
}

static void test_refusals(void)
{
    expect_fail("", WE_EUSAGE);
    expect_fail("make it a cat", WE_EUSAGE);
    expect_fail("bad \xff utf8 sad", WE_EDATA);
    char *big = malloc(WE_PROMPT_MAX_BYTES + 10);
    memset(big, 'a', WE_PROMPT_MAX_BYTES + 5);
    memcpy(big, "sad ", 4);
    big[WE_PROMPT_MAX_BYTES + 5] = 0;
    expect_fail(big, WE_EUSAGE);
    free(big);
}

static void test_answer(void)
{
    we_prompt_result r;
    CHECK(we_prompt_parse_answer("sad 0.3\n", 8, &r) == WE_OK && r.emotion == WE_EMO_SAD &&
          r.intensity == 0.3, "answer 'sad 0.3\\n'");
    CHECK(we_prompt_parse_answer("HAPPY 1", 7, &r) == WE_OK && r.emotion == WE_EMO_HAPPY, "answer upper case");
    CHECK(we_prompt_parse_answer("contempt 0\r\n", 12, &r) == WE_OK && r.intensity == 0, "answer CRLF");
    const char *bad[] = {"", "\n", "sad", "sad 1.5", "sad -0.1", "sad nan", "sad inf", "sad 0.3 extra",
                         "joyful 0.5", "sad 0.3\nhappy 0.2\n", "sad 0.3x", "0.3 sad"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char what[96];
        snprintf(what, sizeof what, "answer #%zu refused", i);
        CHECK(we_prompt_parse_answer(bad[i], strlen(bad[i]), &r) == WE_EDATA, what);
    }
    CHECK(we_prompt_parse_answer("sad\0 0.3", 8, &r) == WE_EDATA, "answer with NUL refused");
}

static void test_split(void)
{
    char **v;
    int n;
    CHECK(we_prompt_split_command("llm --model 'my model' \"a \\\"b\\\"\" c\\ d", &v, &n) == WE_OK && n == 5 &&
          !strcmp(v[0], "llm") && !strcmp(v[2], "my model") && !strcmp(v[3], "a \"b\"") && !strcmp(v[4], "c d") &&
          v[5] == NULL, "split with quotes and escapes");
    we_prompt_argv_free(v);
    CHECK(we_prompt_split_command("echo $HOME;rm -rf x", &v, &n) == WE_OK && n == 4 && !strcmp(v[1], "$HOME;rm"),
          "no shell expansion or separators");
    we_prompt_argv_free(v);
    CHECK(we_prompt_split_command("   ", &v, &n) == WE_EUSAGE, "empty command refused");
    CHECK(we_prompt_split_command("a 'b", &v, &n) == WE_EUSAGE, "unterminated quote refused");
}

static void test_command(void)
{
    we_prompt_result r;
    char cmd[512];
    /* the prompt reaches stdin intact; the answer is parsed */
    CHECK(we_prompt_run_command("sh -c 'read p; [ \"$p\" = \"rất buồn\" ] && echo \"sad 0.9\"'", "rất buồn", 5, &r) ==
              WE_OK && r.emotion == WE_EMO_SAD && r.intensity == 0.9, "command answer 'sad 0.9'");
    CHECK(we_prompt_run_command("echo fear 0.25", "whatever", 5, &r) == WE_OK && r.emotion == WE_EMO_FEAR &&
          r.intensity == 0.25, "command that ignores stdin");
    CHECK(we_prompt_run_command("echo joy 0.5", "x", 5, &r) == WE_EDATA, "bad answer -> WE_EDATA");
    CHECK(we_prompt_run_command("false", "x", 5, &r) == WE_EINTERNAL, "non-zero exit -> WE_EINTERNAL");
    CHECK(we_prompt_run_command("/nonexistent/llm-wrapper", "x", 5, &r) == WE_ENOINPUT,
          "missing command -> WE_ENOINPUT");
    double t0 = 0;
    {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        we_status s = we_prompt_run_command("sh -c 'sleep 5 & sleep 6; echo sad 0.5'", "x", 0.3, &r);
        clock_gettime(CLOCK_MONOTONIC, &b);
        t0 = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
        CHECK(s == WE_EINTERNAL && strstr(we_err_detail(), "did not finish"), "timeout -> WE_EINTERNAL");
        CHECK(t0 < 2.0, "timeout kills the command's process group promptly");
    }
    snprintf(cmd, sizeof cmd, "head -c 10000 /dev/zero");
    CHECK(we_prompt_run_command(cmd, "x", 5, &r) == WE_EDATA, "over-long answer refused");
    CHECK(we_prompt_run_command("sh -c 'kill -9 $$'", "x", 5, &r) == WE_EINTERNAL, "killed command refused");
}

static void test_intensity_map(void)
{
    double g = 4, st = 0.5;
    we_guidance_intensity(0.5, &g, &st);
    CHECK_CLOSE(g, 4, 1e-12, "I=0.5 keeps g");
    CHECK_CLOSE(st, 0.5, 1e-12, "I=0.5 keeps strength");
    g = 4; st = 0.5;
    we_guidance_intensity(1, &g, &st);
    CHECK_CLOSE(g, 7, 1e-12, "I=1: g = 2g-1");
    CHECK_CLOSE(st, 0.75, 1e-12, "I=1: strength x1.5");
    g = 4; st = 0.8;
    we_guidance_intensity(0, &g, &st);
    CHECK_CLOSE(g, 1, 1e-12, "I=0: g = 1 (conditional only)");
    CHECK_CLOSE(st, 0.4, 1e-12, "I=0: strength x0.5");
    st = 0.9;
    we_guidance_intensity(1, NULL, &st);
    CHECK_CLOSE(st, 1.0, 1e-12, "strength capped at 1");
}

int main(void)
{
    test_normalize();
    test_english();
    test_negation();
    test_vietnamese();
    test_ambiguity();
    test_refusals();
    test_answer();
    test_split();
    test_command();
    test_intensity_map();
    CHECK(we_prompt_emotion_id("surprise") == WE_EMO_SURPRISE && we_prompt_emotion_id("joy") == -1, "emotion ids");
    return check_summary();
}
