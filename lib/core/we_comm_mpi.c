/* we_comm_mpi.c - we_comm over MPI (see we_comm.h). Compiled with OpenMPI's
 * flags and -DWE_HAVE_MPI when the Makefile finds mpicc; without them
 * only the refusal to run as one of several processes is left. Only wtrain
 * calls we_comm_mpi_open, so only wtrain links libmpi. */
#include "we_comm.h"

#include <stdlib.h>
#include <string.h>

/* The process count a launcher announces (0 when not started by one). */
static long launcher_size(void)
{
    static const char *const keys[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *v = getenv(keys[i]);
        if (v && *v) return strtol(v, NULL, 10);
    }
    return getenv("PMIX_RANK") || getenv("PMI_RANK") ? 1 : 0;
}

#ifdef WE_HAVE_MPI
#include <limits.h>
#include <mpi.h>
#include <stdio.h>

typedef struct {
    float *tmp; /* receive buffer, cap floats */
    size_t cap;
} mpi_state;

static we_status mpi_fail(int rc, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS) snprintf(msg, sizeof msg, "error %d", rc);
    return we_err_set(WE_EIO, "mpi: %s: %s", what, msg);
}

/* Chunk j of n split in K: [*off, *off + *len). */
static void chunk(size_t n, int K, int j, size_t *off, size_t *len)
{
    size_t a = n / (size_t)K * (size_t)j + (n % (size_t)K < (size_t)j ? n % (size_t)K : (size_t)j);
    *off = a;
    *len = n / (size_t)K + ((size_t)j < n % (size_t)K);
}

/* Ring all-reduce: K-1 steps of reduce-scatter (chunk j starts at rank j
 * and gains one rank's values per hop, acc + own, so its order is fixed),
 * then K-1 steps passing the finished chunks round. */
static we_status mpi_allreduce_f32(we_comm *c, float *buf, size_t n)
{
    mpi_state *st = c->impl;
    int K = c->size, r = c->rank, next = (r + 1) % K, prev = (r + K - 1) % K;
    size_t maxlen = n / (size_t)K + 1;
    if (maxlen > INT_MAX) return we_err_set(WE_ELIMIT, "mpi: all-reduce chunk of %zu floats too large", maxlen);
    if (maxlen > st->cap) {
        float *t = realloc(st->tmp, maxlen * sizeof(float));
        if (!t) return we_err_set(WE_ENOMEM, "mpi: out of memory");
        st->tmp = t, st->cap = maxlen;
    }
    for (int s = 0; s < K - 1; s++) {
        size_t so, sl, ro, rl;
        chunk(n, K, (r - s + K) % K, &so, &sl);
        chunk(n, K, (r - s - 1 + 2 * K) % K, &ro, &rl);
        int rc = MPI_Sendrecv(buf + so, (int)sl, MPI_FLOAT, next, 1, st->tmp, (int)rl, MPI_FLOAT, prev, 1,
                              MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "all-reduce");
        float *d = buf + ro;
        for (size_t i = 0; i < rl; i++) d[i] = st->tmp[i] + d[i];
    }
    for (int s = 0; s < K - 1; s++) {
        size_t so, sl, ro, rl;
        chunk(n, K, (r + 1 - s + K) % K, &so, &sl);
        chunk(n, K, (r - s + K) % K, &ro, &rl);
        int rc = MPI_Sendrecv(buf + so, (int)sl, MPI_FLOAT, next, 2, buf + ro, (int)rl, MPI_FLOAT, prev, 2,
                              MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS) return mpi_fail(rc, "all-gather");
    }
    return WE_OK;
}

static we_status mpi_allreduce_i64(we_comm *c, int64_t *buf, size_t n, we_comm_op op)
{
    (void)c;
    if (n > INT_MAX) return we_err_set(WE_ELIMIT, "mpi: %zu integers too many", n);
    int rc = MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_INT64_T, op == WE_COMM_MAX ? MPI_MAX : MPI_SUM,
                           MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? WE_OK : mpi_fail(rc, "all-reduce");
}

static void mpi_close(we_comm *c)
{
    mpi_state *st = c->impl;
    if (st) free(st->tmp);
    free(st);
    c->impl = NULL;
    MPI_Finalize();
}

int we_comm_mpi_built(void) { return 1; }

we_status we_comm_mpi_open(we_comm *c, int *argc, char ***argv)
{
    we_comm_single(c);
    if (!launcher_size()) return WE_OK; /* started alone: no MPI at all */
    mpi_state *st = calloc(1, sizeof *st);
    if (!st) return we_err_set(WE_ENOMEM, "mpi: out of memory");
    int rc = MPI_Init(argc, argv);
    if (rc != MPI_SUCCESS) {
        free(st);
        return we_err_set(WE_EIO, "mpi: MPI_Init failed (%d)", rc);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    c->transport = "mpi";
    c->allreduce_f32 = mpi_allreduce_f32;
    c->allreduce_i64 = mpi_allreduce_i64;
    c->close = mpi_close;
    c->impl = st;
    return WE_OK;
}

#else /* built without MPI */

int we_comm_mpi_built(void) { return 0; }

we_status we_comm_mpi_open(we_comm *c, int *argc, char ***argv)
{
    (void)argc, (void)argv;
    we_comm_single(c);
    long k = launcher_size();
    if (k > 1)
        return we_err_set(WE_EUSAGE, "started as one of %ld processes, but built without MPI (install libopenmpi-dev "
                          "and rebuild: sh scripts/setup.sh && make)", k);
    return WE_OK;
}

#endif
