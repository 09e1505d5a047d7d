/* we_train_rng.h - the seeded random generator of training and sampling.
 *
 * xoshiro256** seeded through splitmix64; normals by Box-Muller (the
 * second value is cached). The whole state is 4 x u64 + the cache, so it
 * can be stored in a checkpoint and a resumed run draws exactly the same
 * numbers (prefix we_rng_).
 */
#ifndef WE_TRAIN_RNG_H
#define WE_TRAIN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
    int have_spare;
    double spare;
} we_rng;

/* Seed deterministically from a 64-bit value. */
void we_rng_seed(we_rng *r, uint64_t seed);
uint64_t we_rng_u64(we_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double we_rng_uniform(we_rng *r);
/* Uniform integer in [0, n), n >= 1 (unbiased). */
uint64_t we_rng_below(we_rng *r, uint64_t n);
/* Standard normal. */
double we_rng_normal(we_rng *r);
/* Fill n floats with standard normals. */
void we_rng_fill_normal(we_rng *r, float *x, size_t n);
/* State <-> 81 hex characters (4 words, the spare flag, the spare's bits);
 * buf holds 96 bytes. from_hex returns 0 on success, -1 on a
 * malformed string. */
void we_rng_to_hex(const we_rng *r, char buf[96]);
int we_rng_from_hex(we_rng *r, const char *hex);

#endif
