/* we_limits.h - the memory budget every tool works within.
 *
 * Two limits, both from the environment and validated the same way (a
 * decimal count, optionally with a k/M/G suffix of powers of 1024; anything
 * else is a usage error, never silently ignored):
 *   WE_MAX_BYTES   largest stream frame payload (default 4 GiB, WE_DEFAULT_MAX_BYTES)
 *   WE_MAX_PIXELS  largest image any step may hold, in RGB pixels (default
 *                  WE_DEFAULT_MAX_PIXELS): decoded photos, and every image
 *                  derived from one (detector pyramids and padded frames,
 *                  resize buffers, heatmaps, montage canvases). An image
 *                  of C channels may hold 3 * WE_MAX_PIXELS / C positions,
 *                  so the budget bounds memory, not just the photo's size.
 * Every check happens before the allocation it guards; a refusal is
 * WE_ELIMIT (exit 65) with a detail naming the image, its size, the limit
 * and the variable that raises it.
 */
#ifndef WE_LIMITS_H
#define WE_LIMITS_H

#include <stdint.h>

#include "we_err.h"

#define WE_DEFAULT_MAX_BYTES (4ull << 30)  /* stream frame payload, 4 GiB */
#define WE_DEFAULT_MAX_PIXELS (1ull << 24) /* 16.7 Mpx: a 4096 x 4096 or 16 Mpx camera photo */
#define WE_LIMIT_MAX (1ull << 50)          /* largest value either variable may take */

/* Parse a limit value: decimal digits with an optional k, M or G suffix
 * (x1024, x1024^2, x1024^3), 1..WE_LIMIT_MAX. WE_EUSAGE with a detail
 * naming var otherwise. */
we_status we_limit_parse(const char *var, const char *s, uint64_t *out);

/* Check WE_MAX_BYTES and WE_MAX_PIXELS (unset or empty: the defaults).
 * we_cli_init calls this, so every tool refuses a bad value at start. */
we_status we_limits_check_env(void);

/* The limits in force (an invalid variable counts as unset; tools have
 * refused it already). */
uint64_t we_limit_bytes(void);
uint64_t we_limit_pixels(void);

/* An image of c channels, h x w, called what ("decoded photo", "detector
 * frame"): WE_OK, or WE_ELIMIT "what 3x60001x90000 is above the memory
 * budget of WE_MAX_PIXELS=16777216 RGB pixels (raise WE_MAX_PIXELS to allow
 * it)". c < 1 counts as 3. */
we_status we_limit_image(uint64_t c, uint64_t h, uint64_t w, const char *what);

#endif
