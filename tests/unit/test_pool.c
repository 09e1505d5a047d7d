/* test_pool.c - lib/core/we_pool.h: every share runs exactly once with its own
 * index and the count, on as many threads as asked (clamped to
 * 1..WE_POOL_MAX); we_pool_block splits n items into contiguous blocks in
 * order. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "we_pool.h"

typedef struct {
    int runs[WE_POOL_MAX + 8], seen_nt[WE_POOL_MAX + 8];
    pthread_t who[WE_POOL_MAX + 8];
    long sum[WE_POOL_MAX + 8];
    long n;
} ctx;

static void share(void *arg, int t, int nt)
{
    ctx *c = arg;
    c->runs[t]++;
    c->seen_nt[t] = nt;
    c->who[t] = pthread_self();
    long b, e;
    we_pool_block(c->n, t, nt, &b, &e);
    for (long i = b; i < e; i++) c->sum[t] += i;
}

static void run_case(int ask, int want)
{
    ctx c;
    memset(&c, 0, sizeof c);
    c.n = 1000;
    we_pool_run(ask, share, &c);
    int once = 1, distinct = 1;
    long total = 0;
    for (int t = 0; t < WE_POOL_MAX + 8; t++) {
        if ((t < want) != (c.runs[t] == 1) || c.runs[t] > 1) once = 0;
        if (t < want && c.seen_nt[t] != want) once = 0;
        total += c.sum[t];
        for (int u = 0; u < t && u < want && t < want; u++)
            if (pthread_equal(c.who[t], c.who[u])) distinct = 0;
    }
    char what[128];
    snprintf(what, sizeof what, "nt %d: shares 0..%d run once each, told nt = %d", ask, want - 1, want);
    CHECK(once, what);
    snprintf(what, sizeof what, "nt %d: every share on its own thread, share 0 on the caller", ask);
    CHECK(distinct && pthread_equal(c.who[0], pthread_self()), what);
    snprintf(what, sizeof what, "nt %d: the blocks cover 0..999 once", ask);
    CHECK(total == 999L * 1000 / 2, what);
}

int main(void)
{
    run_case(1, 1);
    run_case(2, 2);
    run_case(3, 3);
    run_case(8, 8);
    run_case(0, 1);
    run_case(-5, 1);
    run_case(WE_POOL_MAX + 5, WE_POOL_MAX);
    /* blocks: contiguous, in order, sizes within one */
    int ok = 1;
    for (long n = 0; n < 40; n++)
        for (int nt = 1; nt <= 9; nt++) {
            long prev = 0, lo = n, hi = 0;
            for (int t = 0; t < nt; t++) {
                long b, e;
                we_pool_block(n, t, nt, &b, &e);
                if (b != prev || e < b) ok = 0;
                prev = e;
                lo = e - b < lo ? e - b : lo;
                hi = e - b > hi ? e - b : hi;
            }
            if (prev != n || hi - lo > 1) ok = 0;
        }
    CHECK(ok, "we_pool_block: contiguous blocks in order, covering 0..n-1, sizes within one");
    long b, e;
    we_pool_block(10, 1, 3, &b, &e);
    CHECK(b == 3 && e == 6, "we_pool_block(10, 1, 3) = [3, 6) (begin = n*t/nt)");
    int cores = we_pool_cores();
    CHECK(cores >= 1 && cores <= WE_POOL_MAX, "we_pool_cores in 1..WE_POOL_MAX");
    return check_summary();
}
