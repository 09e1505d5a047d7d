/* we_train_priv.h - the device half of training, shared by we_train.c and
 * we_train_cuda.c. Not a public header. Every function is a no-op / WE_OK
 * when tr->gpu is NULL. */
#ifndef WE_TRAIN_PRIV_H
#define WE_TRAIN_PRIV_H

#include "we_train.h"

/* Upload the host weights (m->params), moments and EMA to the device. */
we_status we_train_cuda_upload(we_train *tr);
/* The optimizer on the device over the device gradients: clipping by
 * global norm (or just the norm when hp.clip is 0) into *gnorm, AdamW step
 * tr->step (already incremented), EMA. The kernels are queued, not waited
 * for: the host prepares the next batch meanwhile, and the next step's
 * transfers (or we_train_sync_host) report any failure. */
we_status we_train_cuda_optim(we_train *tr, const we_adamw_params *ap, float *gnorm);
/* Sum the device gradients over tr->comm through the host: download into
 * tr->m->grads, we_comm_allreduce_sum_f32, upload. */
we_status we_train_cuda_allreduce(we_train *tr);
/* Free the device state and tr->gpu (tr->gpu NULL afterwards). */
void we_train_cuda_release(we_train *tr);

#endif
