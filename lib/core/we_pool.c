/* we_pool.c - parallel-for over pthreads (see we_pool.h). */
#include "we_pool.h"

#include <pthread.h>
#include <unistd.h>

typedef struct {
    we_pool_fn fn;
    void *ctx;
    int t, nt;
} share;

static void *share_main(void *arg)
{
    const share *s = arg;
    s->fn(s->ctx, s->t, s->nt);
    return NULL;
}

void we_pool_run(int nt, we_pool_fn fn, void *ctx)
{
    share sh[WE_POOL_MAX];
    pthread_t tid[WE_POOL_MAX];
    int started[WE_POOL_MAX];
    if (nt < 1) nt = 1;
    if (nt > WE_POOL_MAX) nt = WE_POOL_MAX;
    for (int t = 0; t < nt; t++) sh[t] = (share){fn, ctx, t, nt};
    for (int t = 1; t < nt; t++) started[t] = pthread_create(&tid[t], NULL, share_main, &sh[t]) == 0;
    fn(ctx, 0, nt);
    for (int t = 1; t < nt; t++) {
        if (started[t])
            pthread_join(tid[t], NULL);
        else /* could not start a thread: do its share here */
            fn(ctx, t, nt);
    }
}

void we_pool_block(long n, int t, int nt, long *begin, long *end)
{
    *begin = n * t / nt;
    *end = n * (t + 1) / nt;
}

int we_pool_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (n > WE_POOL_MAX ? WE_POOL_MAX : (int)n) : 1;
}
