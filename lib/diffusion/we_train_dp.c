/* we_train_dp.c - data-parallel training over shards (see we_train_dp.h). */
#include "we_train_dp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int we_train_shard_rank(int j, int size) { return size > 0 ? j % size : 0; }

void we_train_shards_free(we_train_shards *p)
{
    free(p->start);
    free(p->local);
    free(p->mine);
    free(p->lab);
    memset(p, 0, sizeof *p);
}

/* Read shard path (its items append to ds). */
static we_status read_one(we_train_data *ds, const char *path, const we_wavelet *wl, float scale,
                          const we_face_labels *labels, int want_heat)
{
    int is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) return we_err_set(WE_ENOINPUT, "cannot open %s", path);
    we_status s = we_train_data_append(ds, f, is_stdin ? "stdin" : path, wl, scale, labels, want_heat);
    if (!is_stdin) fclose(f);
    return s;
}

we_status we_train_shards_read(we_train_shards *p, we_train_data *ds, we_comm *c, const char *const *paths, int n,
                               int maxN, const we_wavelet *wl, float scale, const we_face_labels *labels,
                               int want_heat)
{
    memset(p, 0, sizeof *p);
    memset(ds, 0, sizeof *ds);
    int rank = c ? c->rank : 0, size = c ? c->size : 1;
    p->nshards = n, p->maxN = maxN;
    p->start = calloc((size_t)n + 1, sizeof *p->start);
    p->local = malloc((size_t)n * sizeof *p->local);
    p->mine = calloc((size_t)maxN, 1);
    p->lab = calloc(2 * (size_t)maxN, sizeof *p->lab);
    int64_t *cnt = calloc((size_t)n + 1, sizeof *cnt); /* per shard, then items without emotion */
    if (!p->start || !p->local || !p->mine || !p->lab || !cnt) {
        free(cnt);
        return we_err_set(WE_ENOMEM, "out of memory");
    }
    we_status s = WE_OK;
    for (int j = 0; j < n && !s; j++) {
        p->local[j] = -1;
        if (we_train_shard_rank(j, size) != rank) continue;
        p->local[j] = ds->n;
        s = read_one(ds, paths[j], wl, scale, labels, want_heat);
        cnt[j] = ds->n - p->local[j];
    }
    cnt[n] = ds->unknown_emotion;
    /* shape: the max of S, C, K, va, J and of -S, -C, -K, -J over ranks with items
     * (min = max means every rank agrees) */
    int has = ds->n > 0;
    int64_t sh[9] = {ds->S, ds->C, ds->K, ds->any_va, has ? -ds->S : INT64_MIN, has ? -ds->C : INT64_MIN,
                     has ? -ds->K : INT64_MIN, ds->J, has ? -ds->J : INT64_MIN};
    s = s ? s : we_comm_allreduce_i64(c, sh, 9, WE_COMM_MAX);
    s = s ? s : we_comm_allreduce_i64(c, cnt, (size_t)n + 1, WE_COMM_SUM);
    if (!s && (sh[0] != -sh[4] || sh[1] != -sh[5] || sh[2] != -sh[6] || sh[7] != -sh[8]))
        s = we_err_set(WE_EDATA, "shards differ in shape: S %lld..%lld, C %lld..%lld, K %lld..%lld, levels %lld..%lld",
                       (long long)-sh[4], (long long)sh[0], (long long)-sh[5], (long long)sh[1], (long long)-sh[6],
                       (long long)sh[2], (long long)-sh[8], (long long)sh[7]);
    if (!s) {
        for (int j = 0; j < n; j++) p->start[j + 1] = p->start[j] + cnt[j];
        p->n = p->start[n];
        p->unknown_emotion = (long)cnt[n];
        if (p->n == 0) s = we_err_set(WE_EDATA, "no image or wavelet frames in the input");
        else if (p->n > 0x7fffffff) s = we_err_set(WE_ELIMIT, "%lld items: too many", (long long)p->n);
    }
    if (!s && !has) { /* the shape from the others */
        ds->S = (int)sh[0], ds->C = (int)sh[1], ds->K = (int)sh[2], ds->J = (int)sh[7];
        ds->xsize = ds->C * ds->S * ds->S;
    }
    if (!s) ds->any_va = (int)sh[3];
    free(cnt);
    return s;
}

we_status we_model_train_step_shards(we_model *m, const we_train_data *ds, we_train_shards *p, int N, float *loss,
                                     float *gnorm)
{
    we_train *tr = m->train;
    if (!tr) return we_err_set(WE_EUSAGE, "train step: no training run (we_model_train_start)");
    if (N < 1 || N > m->maxN || N > p->maxN)
        return we_err_set(WE_EUSAGE, "train step: batch %d not in 1..%d", N, m->maxN < p->maxN ? m->maxN : p->maxN);
    we_comm *c = tr->comm;
    int K = c ? c->size : 1, r = c ? c->rank : 0;
    size_t xs = (size_t)ds->xsize, hsz = (size_t)ds->K * (ds->S >> ds->J) * (ds->S >> ds->J);
    /* the batch as one process would draw it (uniform over all items, the
     * trainer's RNG); each slot filled by the rank holding its item, zeros
     * elsewhere */
    for (int b = 0; b < N; b++) {
        int64_t i = (int64_t)we_rng_below(&tr->rng, (uint64_t)p->n);
        int lo = 0, hi = p->nshards - 1; /* the last shard starting at or before i (not empty) */
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (p->start[mid] <= i) lo = mid;
            else hi = mid - 1;
        }
        float *x = m->x + (size_t)b * xs, *h = ds->K ? m->heat + (size_t)b * hsz : NULL;
        if (p->local[lo] < 0) {
            memset(x, 0, sizeof(float) * xs);
            if (h) memset(h, 0, sizeof(float) * hsz);
            m->va[2 * b] = m->va[2 * b + 1] = 0;
            p->lab[2 * b] = p->lab[2 * b + 1] = 0;
            tr->lm_known[b] = 0; /* the face terms run in one process only (we_train_step_part) */
            continue;
        }
        size_t li = (size_t)(p->local[lo] + (i - p->start[lo]));
        memcpy(x, ds->x + li * xs, sizeof(float) * xs);
        if (h) memcpy(h, ds->heat + li * hsz, sizeof(float) * hsz);
        m->va[2 * b] = ds->va[2 * li], m->va[2 * b + 1] = ds->va[2 * li + 1];
        p->lab[2 * b] = ds->label[li], p->lab[2 * b + 1] = ds->va_known[li];
        tr->lm_known[b] = ds->lm && ds->lm_known[li];
        if (tr->lm_known[b]) memcpy(tr->lm + (size_t)b * 136, ds->lm + li * 136, sizeof(float) * 136);
    }
    /* every rank gets the whole batch: a sum where each value has one
     * non-zero term is exact; then rank r computes slots [N r/K, N (r+1)/K) */
    we_status s = WE_OK;
    if (K > 1) {
        s = we_comm_allreduce_sum_f32(c, m->x, (size_t)N * xs);
        if (!s && ds->K) s = we_comm_allreduce_sum_f32(c, m->heat, (size_t)N * hsz);
        s = s ? s : we_comm_allreduce_sum_f32(c, m->va, 2 * (size_t)N);
        s = s ? s : we_comm_allreduce_i64(c, p->lab, 2 * (size_t)N, WE_COMM_SUM);
        if (s) return s;
    }
    for (int b = 0; b < N; b++) m->tgt[b] = (int32_t)p->lab[2 * b], m->vk[b] = (int32_t)p->lab[2 * b + 1];
    int b0 = (int)((int64_t)N * r / K), b1 = (int)((int64_t)N * (r + 1) / K);
    for (int b = 0; b < N; b++) p->mine[b] = b >= b0 && b < b1;
    return we_train_step_part(tr, m->x + (size_t)b0 * xs, m->tgt + b0, m->va + 2 * b0, m->vk + b0,
                              ds->K ? m->heat + (size_t)b0 * hsz : NULL, N, p->mine, loss, gnorm);
}
