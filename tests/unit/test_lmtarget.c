/* test_lmtarget.c - the per-emotion landmark displacement: means in crop
 * units whatever the crop size, the move from one emotion to another by
 * the difference of means (scaled by the intensity), save/load round
 * trip, and the refusals (no neutral, unknown emotion, NaN). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "we_lmtarget.h"

int main(void)
{
    we_lmtarget t;
    we_lmtarget_init(&t);
    float lm[2 * WE_FACE_NPTS], base[2 * WE_FACE_NPTS];
    for (int i = 0; i < 2 * WE_FACE_NPTS; i++) base[i] = 0.2f + 0.6f * (float)i / (2 * WE_FACE_NPTS);
    /* neutral faces at 64 and 256 px: the same shape in crop units */
    for (int k = 0; k < 3; k++) {
        int S = k ? 256 : 64;
        for (int i = 0; i < 2 * WE_FACE_NPTS; i++) lm[i] = base[i] * (float)S;
        CHECK(we_lmtarget_add(&t, lm, S, 0) == WE_OK, "add neutral");
    }
    CHECK(we_lmtarget_finish(&t) == WE_EDATA, "neutral alone: refused");
    /* happy: mouth corners (points 48, 54) 0.03 of the crop out and up */
    for (int k = 0; k < 2; k++) {
        int S = 128;
        for (int i = 0; i < 2 * WE_FACE_NPTS; i++) lm[i] = base[i] * (float)S;
        lm[2 * 48] -= 0.03f * S, lm[2 * 48 + 1] -= 0.03f * S;
        lm[2 * 54] += 0.03f * S, lm[2 * 54 + 1] -= 0.03f * S;
        CHECK(we_lmtarget_add(&t, lm, S, 1) == WE_OK, "add happy");
    }
    CHECK(we_lmtarget_finish(&t) == WE_OK, "finish");
    CHECK(t.count[0] == 3 && t.count[1] == 2, "counts");
    /* move a neutral 256 px face to happy: corners by 0.03 * 256 = 7.68 px */
    for (int i = 0; i < 2 * WE_FACE_NPTS; i++) lm[i] = base[i] * 256;
    CHECK(we_lmtarget_apply(&t, lm, 256, 0, 1, 1.0f) == WE_OK, "apply neutral -> happy");
    CHECK_CLOSE(lm[2 * 48] - base[2 * 48] * 256, -7.68, 1e-3, "corner 48 moves out by 0.03 S");
    CHECK_CLOSE(lm[2 * 54 + 1] - base[2 * 54 + 1] * 256, -7.68, 1e-3, "corner 54 moves up by 0.03 S");
    CHECK_CLOSE(lm[2 * 30] - base[2 * 30] * 256, 0, 1e-3, "the nose stays");
    CHECK(we_lmtarget_apply(&t, lm, 256, 1, 0, 0.5f) == WE_OK, "half way back");
    CHECK_CLOSE(lm[2 * 48] - base[2 * 48] * 256, -3.84, 1e-3, "intensity scales the move");
    CHECK(we_lmtarget_apply(&t, lm, 256, 0, 6, 1.0f) == WE_EUSAGE, "a target emotion without faces is refused");
    float l2[2 * WE_FACE_NPTS], l3[2 * WE_FACE_NPTS];
    memcpy(l2, lm, sizeof l2), memcpy(l3, lm, sizeof l3);
    CHECK(we_lmtarget_apply(&t, l2, 256, 6, 1, 1.0f) == WE_OK && we_lmtarget_apply(&t, l3, 256, 0, 1, 1.0f) == WE_OK &&
              !memcmp(l2, l3, sizeof l2), "a source emotion without faces moves as neutral does");
    lm[3] = NAN;
    CHECK(we_lmtarget_add(&t, lm, 64, 1) == WE_EDATA, "NaN landmark refused");
    CHECK(we_lmtarget_add(&t, base, 64, 9) == WE_EDATA, "emotion out of range refused");

    char path[] = "/tmp/test_lmtarget_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    we_lmtarget u;
    CHECK(we_lmtarget_save(&t, path) == WE_OK && we_lmtarget_load(&u, path) == WE_OK, "save and load");
    CHECK(!memcmp(u.mean, t.mean, sizeof t.mean) && u.count[0] == 3 && u.count[1] == 2, "round trip exact");
    unlink(path);
    CHECK(we_lmtarget_load(&u, "/nonexistent/lmt.st") != WE_OK, "missing file refused");
    return check_summary();
}
