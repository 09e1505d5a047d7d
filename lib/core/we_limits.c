/* we_limits.c - WE_MAX_BYTES and WE_MAX_PIXELS (see we_limits.h). */
#include "we_limits.h"

#include <stdlib.h>

we_status we_limit_parse(const char *var, const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > WE_LIMIT_MAX) break;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    int digits = p > s;
    uint64_t mul = 1;
    if (*p == 'k' || *p == 'K') mul = 1ull << 10, p++;
    else if (*p == 'm' || *p == 'M') mul = 1ull << 20, p++;
    else if (*p == 'g' || *p == 'G') mul = 1ull << 30, p++;
    if (!digits || *p || v == 0 || v > WE_LIMIT_MAX / mul)
        return we_err_set(WE_EUSAGE, "%s='%.32s' is not a count in 1..%llu (digits, optional k/M/G suffix)", var, s,
                          (unsigned long long)WE_LIMIT_MAX);
    *out = v * mul;
    return WE_OK;
}

static uint64_t env_limit(const char *var, uint64_t def, we_status *st)
{
    const char *e = getenv(var);
    uint64_t v = def;
    we_status s = e && *e ? we_limit_parse(var, e, &v) : WE_OK;
    if (st) *st = s;
    return s ? def : v;
}

we_status we_limits_check_env(void)
{
    we_status s;
    env_limit("WE_MAX_BYTES", WE_DEFAULT_MAX_BYTES, &s);
    if (!s) env_limit("WE_MAX_PIXELS", WE_DEFAULT_MAX_PIXELS, &s);
    return s;
}

uint64_t we_limit_bytes(void) { return env_limit("WE_MAX_BYTES", WE_DEFAULT_MAX_BYTES, NULL); }

uint64_t we_limit_pixels(void) { return env_limit("WE_MAX_PIXELS", WE_DEFAULT_MAX_PIXELS, NULL); }

we_status we_limit_image(uint64_t c, uint64_t h, uint64_t w, const char *what)
{
    uint64_t max = we_limit_pixels();
    if (c < 1) c = 3;
    /* c * h * w <= 3 * max, without overflow (h, w, c each < 2^63). */
    int over = h && w > UINT64_MAX / h;
    uint64_t hw = over ? 0 : h * w;
    if (!over) over = c && hw > (3 * max) / c;
    if (!over) return WE_OK;
    return we_err_set(WE_ELIMIT,
                      "%s %llux%llux%llu is above the memory budget of WE_MAX_PIXELS=%llu RGB pixels "
                      "(raise WE_MAX_PIXELS to allow it)",
                      what, (unsigned long long)c, (unsigned long long)h, (unsigned long long)w,
                      (unsigned long long)max);
}
