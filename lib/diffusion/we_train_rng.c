/* we_train_rng.c - xoshiro256** + Box-Muller (see we_train_rng.h). */
#include "we_train_rng.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void we_rng_seed(we_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    r->have_spare = 0;
    r->spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t we_rng_u64(we_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

double we_rng_uniform(we_rng *r)
{
    return (double)(we_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t we_rng_below(we_rng *r, uint64_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do v = we_rng_u64(r);
    while (v >= lim);
    return v % n;
}

double we_rng_normal(we_rng *r)
{
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    double u1, u2;
    do u1 = we_rng_uniform(r);
    while (u1 <= 0);
    u2 = we_rng_uniform(r);
    double m = sqrt(-2.0 * log(u1));
    r->spare = m * sin(2 * M_PI * u2);
    r->have_spare = 1;
    return m * cos(2 * M_PI * u2);
}

void we_rng_fill_normal(we_rng *r, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)we_rng_normal(r);
}

void we_rng_to_hex(const we_rng *r, char buf[96])
{
    uint64_t sp;
    memcpy(&sp, &r->spare, 8);
    snprintf(buf, 96, "%016llx%016llx%016llx%016llx%d%016llx", (unsigned long long)r->s[0],
             (unsigned long long)r->s[1], (unsigned long long)r->s[2], (unsigned long long)r->s[3],
             r->have_spare ? 1 : 0, (unsigned long long)sp);
}

int we_rng_from_hex(we_rng *r, const char *hex)
{
    if (strlen(hex) != 81) return -1;
    unsigned long long v[5];
    char tmp[17];
    for (int i = 0; i < 4; i++) {
        memcpy(tmp, hex + 16 * i, 16);
        tmp[16] = 0;
        if (sscanf(tmp, "%16llx", &v[i]) != 1) return -1;
    }
    if (hex[64] != '0' && hex[64] != '1') return -1;
    if (sscanf(hex + 65, "%16llx", &v[4]) != 1) return -1;
    for (int i = 0; i < 4; i++) r->s[i] = v[i];
    r->have_spare = hex[64] == '1';
    uint64_t sp = v[4];
    memcpy(&r->spare, &sp, 8);
    return 0;
}
