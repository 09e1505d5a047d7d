/* we_pool.h - the library's one parallel-for: a call runs a function on
 * nt threads (the caller is thread 0) and returns when all are done.
 * Threads are started per call and joined before it returns (no global
 * state, nothing left running, safe to call from several threads at once).
 * The split of the work is the user's: each share gets its index t and
 * the count nt, and results that must not depend on nt (a fixed
 * summation order) are the user's to keep that way. */
#ifndef WE_POOL_H
#define WE_POOL_H

/* Most threads one call uses (larger nt counts as this). */
#define WE_POOL_MAX 64

/* One share of the work: t in 0..nt-1. */
typedef void (*we_pool_fn)(void *ctx, int t, int nt);

/* Run fn(ctx, t, nt) for every t in 0..nt-1 concurrently: t = 0 on the
 * calling thread, the others on threads started for this call. A thread
 * that cannot be started has its share run on the calling thread
 * afterwards, so every share runs exactly once in any case. nt < 1 counts
 * as 1, nt > WE_POOL_MAX as WE_POOL_MAX. Allocates nothing on the heap. */
void we_pool_run(int nt, we_pool_fn fn, void *ctx);

/* The contiguous block of items [*begin, *end) of share t when n items
 * are split in order over nt shares (begin = n*t/nt, sizes differ by at
 * most one). */
void we_pool_block(long n, int t, int nt, long *begin, long *end);

/* Online CPU cores, 1..WE_POOL_MAX. */
int we_pool_cores(void);

#endif
