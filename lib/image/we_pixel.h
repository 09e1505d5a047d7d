/* we_pixel.h - the one pixel mapping: pixel values 0..255 <-> the model's
 * [-1, 1], and the rounding of 0..255 floats to u8.
 *
 *     v = p / 127.5 - 1        p = (v + 1) * 127.5
 *
 * Every place that maps pixels (image frames, the trainer's u8 input, the
 * aligned crop, face-api / SSD / Inception inputs, the aux classifier, the
 * paste) calls these, so the convention is written once. The functions are
 * static inline because they run once per pixel in inner loops across many
 * files; they are pure, allocate nothing and never fail.
 *
 * Bit-exactness: the expressions below are the ones the callers used, so
 * results are unchanged. Two spellings found in the code were proved equal
 * to these over every non-NaN float (an exhaustive check over all 2^32
 * patterns): 2 * (p / 255) - 1 == p / 127.5 - 1 (Inception's input), and
 * lrintf(clamp(p, 0, 255)) == we_pixel_round_u8(p). tests/unit/test_pixel.c
 * checks them over all 256 pixel values and a million random floats.
 *
 * CUDA: no kernel maps pixels today; a kernel that does should use these
 * expressions and name the function it mirrors in a comment.
 */
#ifndef WE_PIXEL_H
#define WE_PIXEL_H

#include <math.h>
#include <stdint.h>

/* Pixel value p (0..255; u8 or a resampled float) -> [-1, 1]: p/127.5 - 1.
 * Exact inverse of we_pixel_unit_to_u8 on the 256 u8 values. */
static inline float we_pixel_to_unit(float p) { return p / 127.5f - 1.0f; }

/* [-1, 1] -> pixel value 0..255 as a float: (v + 1) * 127.5, not clamped
 * and not rounded (NaN stays NaN). */
static inline float we_pixel_from_unit(float v) { return (v + 1.0f) * 127.5f; }

/* Gradient through we_pixel_from_unit: d(pixel)/dv = 127.5, so a gradient
 * with respect to pixels times 127.5 is the gradient with respect to v. */
static inline float we_pixel_from_unit_grad(float g) { return g * 127.5f; }

/* v clamped to [-1, 1]; NaN passes through unchanged. */
static inline float we_pixel_clamp_unit(float v) { return v < -1.0f ? -1.0f : v > 1.0f ? 1.0f : v; }

/* Float pixel value (0..255 scale) -> u8: clamped to [0, 255], rounded to
 * nearest, ties to even (lrintf in the default rounding mode); NaN -> 0.
 * The rounding used for image frames, resizing and the detector's gray. */
static inline uint8_t we_pixel_round_u8(float p)
{
    if (!(p > 0.0f)) return 0; /* NaN, negatives, zero */
    if (p >= 255.0f) return 255;
    return (uint8_t)lrintf(p);
}

/* Same, but ties round away from zero (roundf): facepaste(1) has always
 * written the pasted photo this way, and blended pixels do land on .5, so
 * it stays a separate, named variant to keep its output byte-identical.
 * NaN -> 0. */
static inline uint8_t we_pixel_round_u8_away(float p)
{
    float r = roundf(p);
    if (!(r > 0.0f)) return 0;
    if (r >= 255.0f) return 255;
    return (uint8_t)r;
}

/* [-1, 1] -> u8: round((v + 1) * 127.5), ties to even, clamped; NaN -> 0. */
static inline uint8_t we_pixel_unit_to_u8(float v) { return we_pixel_round_u8(we_pixel_from_unit(v)); }

/* 16-bit sample -> 8 bits: round(v / 257), exactly (integer arithmetic). */
static inline uint8_t we_pixel_u16_to_u8(uint16_t v) { return (uint8_t)((v * 255u + 32767u) / 65535u); }

#endif
