/* we_train_dp.h - data-parallel training over sharded streams (wtrain
 * under mpirun).
 *
 * The training set is the items of shards 0..n-1 in order, as one process
 * reading them all (or `cat`) sees them. Rank r of K reads only the shards
 * j with j % K == r; the ranks then agree on each shard's item count, so
 * every rank knows where global item i lives. Each step every rank draws
 * the same batch of global indices with the trainer's RNG (its state is the
 * same everywhere); the ranks holding the items share them (a sum over the
 * ranks of the batch with zeros in the slots a rank does not hold: exact,
 * N items' floats, small next to the gradients), rank r computes the
 * contiguous slots [N r/K, N (r+1)/K) (we_train_step_part: the same work
 * on every rank) and the gradients are summed (lib/core/we_comm.h). With
 * one process this is exactly we_model_train_step over the concatenated
 * shards, bit for bit.
 */
#ifndef WE_TRAIN_DP_H
#define WE_TRAIN_DP_H

#include <stdint.h>

#include "we_comm.h"
#include "we_model.h"
#include "we_train_data.h"

typedef struct {
    int nshards, maxN;
    int64_t n;           /* items in all shards */
    int64_t *start;      /* [nshards + 1] global index of shard j's first item */
    int64_t *local;      /* [nshards] index in this rank's data of that item, -1: another rank's */
    unsigned char *mine; /* [maxN] the last batch's slots computed here */
    int64_t *lab;        /* [maxN, 2] label and va_known of the batch's items, for the exchange */
    long unknown_emotion; /* items without an emotion, all shards */
} we_train_shards;

/* The rank that reads shard j of a job of size processes. */
int we_train_shard_rank(int j, int size);

/* Read this rank's shards of paths[0..n) ("-" = stdin) into ds (zeroed
 * here; wl, scale, labels, want_heat as we_train_data_read), then agree
 * with the other ranks of c (NULL = alone) on every shard's item count and
 * on the data's shape (S, C, K, valence/arousal): a rank that holds no item
 * takes them from the others, so all can build the same model. maxN is the
 * largest batch. WE_ENOINPUT naming a shard that cannot be opened,
 * WE_EDATA when ranks' shards differ in shape or no shard has an item,
 * the reader's status otherwise. p and ds are freed with
 * we_train_shards_free and we_train_data_free (also after a failure). */
we_status we_train_shards_read(we_train_shards *p, we_train_data *ds, we_comm *c, const char *const *paths, int n,
                               int maxN, const we_wavelet *wl, float scale, const we_face_labels *labels,
                               int want_heat);
void we_train_shards_free(we_train_shards *p);

/* One training step of m (we_model_train_start done, m->train->comm the c
 * of we_train_shards_read) on a batch of N global items drawn with the
 * trainer's RNG, shared by the ranks holding them, this rank's slice of
 * the batch computed here. Loss and gradient norm as we_train_step, the
 * same on every rank. */
we_status we_model_train_step_shards(we_model *m, const we_train_data *ds, we_train_shards *p, int N, float *loss,
                                     float *gnorm);

#endif
