/* we_comm.c - the transport-independent half of we_comm.h. */
#include "we_comm.h"

#include <string.h>

void we_comm_single(we_comm *c)
{
    memset(c, 0, sizeof *c);
    c->rank = 0, c->size = 1, c->transport = "single";
}

we_status we_comm_allreduce_sum_f32(we_comm *c, float *buf, size_t n)
{
    if (!c || c->size <= 1 || n == 0) return WE_OK;
    if (!c->allreduce_f32) return we_err_set(WE_EINTERNAL, "comm: %s has no all-reduce", c->transport);
    return c->allreduce_f32(c, buf, n);
}

we_status we_comm_allreduce_i64(we_comm *c, int64_t *buf, size_t n, we_comm_op op)
{
    if (!c || c->size <= 1 || n == 0) return WE_OK;
    if (!c->allreduce_i64) return we_err_set(WE_EINTERNAL, "comm: %s has no all-reduce", c->transport);
    return c->allreduce_i64(c, buf, n, op);
}

void we_comm_close(we_comm *c)
{
    if (c->close) c->close(c);
    we_comm_single(c);
}
