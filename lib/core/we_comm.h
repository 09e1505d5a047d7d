/* we_comm.h - the processes of one job (data-parallel wtrain): who am I
 * (rank of size) and the collective operations training needs, each behind
 * one function so the transport can change (MPI today in
 * lib/core/we_comm_mpi.c; NCCL or a CUDA-aware MPI would plug in as
 * another set of ops) without touching the trainer.
 *
 * A communicator of size 1 (we_comm_single) makes every collective a no-op,
 * so code written for K processes runs unchanged in one.
 *
 * Determinism: we_comm_allreduce_sum_f32 must give every rank the same
 * bits, and the same bits on a rerun with the same K and the same inputs
 * (a fixed summation order, never "whichever message came first"). The MPI
 * ops use a ring: chunk j of the K chunks of the buffer is summed in the
 * fixed rank order j, j+1, ..., j+K-1 (mod K) as it travels round, then
 * copied to every rank. Each rank sends and receives 2 (K-1)/K of the
 * buffer per all-reduce, whatever K.
 */
#ifndef WE_COMM_H
#define WE_COMM_H

#include <stddef.h>
#include <stdint.h>

#include "we_err.h"

typedef enum { WE_COMM_SUM, WE_COMM_MAX } we_comm_op;

typedef struct we_comm we_comm;
struct we_comm {
    int rank, size;        /* this process, of size (size 1: alone) */
    const char *transport; /* "single", "mpi" */
    /* ops (NULL for size 1): in place over n elements on every rank */
    we_status (*allreduce_f32)(we_comm *c, float *buf, size_t n);
    we_status (*allreduce_i64)(we_comm *c, int64_t *buf, size_t n, we_comm_op op);
    void (*close)(we_comm *c);
    void *impl;
};

/* A communicator of one process (rank 0 of 1). */
void we_comm_single(we_comm *c);

/* Sum buf [n] over all ranks, in place; every rank gets the same bits, in
 * a fixed order (see above). WE_OK at once for size 1; WE_EIO when the
 * transport fails. */
we_status we_comm_allreduce_sum_f32(we_comm *c, float *buf, size_t n);

/* Sum or max of buf [n] over all ranks, in place (integers: exact, so the
 * order does not matter). WE_OK at once for size 1. */
we_status we_comm_allreduce_i64(we_comm *c, int64_t *buf, size_t n, we_comm_op op);

/* Leave the job (MPI_Finalize for MPI); c is a single communicator after. */
void we_comm_close(we_comm *c);

/* Join the job this process was started in. Built with MPI (the Makefile
 * compiles lib/core/we_comm_mpi.c with OpenMPI's flags when mpicc is
 * found): under an MPI launcher (mpirun/srun set OMPI_COMM_WORLD_SIZE,
 * PMIX_RANK or PMI_RANK) MPI is initialised and c spans MPI_COMM_WORLD;
 * otherwise c is single. Built without MPI: single, but WE_EUSAGE with a
 * detail when a launcher says the job has more than one process (each
 * would otherwise train alone). argc/argv as MPI_Init's (may be NULL). */
we_status we_comm_mpi_open(we_comm *c, int *argc, char ***argv);

/* 1 when this build has MPI (we_comm_mpi_open can join a job), else 0. */
int we_comm_mpi_built(void);

#endif
