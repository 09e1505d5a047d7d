/* we_tensor.h - a dense tensor: dtype, outermost-first shape, owned data.
 *
 * Shapes are C order (last dim fastest), the same as numpy and PyTorch.
 * The data buffer is owned by the tensor and freed by we_tensor_free.
 */
#ifndef WE_TENSOR_H
#define WE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "we_err.h"

#define WE_MAX_RANK 8

#define WE_DTYPE_LIST(X)      \
    X(WE_U8,  "u8",  1)       \
    X(WE_U16, "u16", 2)       \
    X(WE_I32, "i32", 4)       \
    X(WE_F16, "f16", 2)       \
    X(WE_F32, "f32", 4)

typedef enum {
#define WE_X_DT(e, s, n) e,
    WE_DTYPE_LIST(WE_X_DT)
#undef WE_X_DT
    WE_DTYPE_COUNT
} we_dtype;

typedef struct {
    we_dtype dtype;
    int rank;                      /* 1..WE_MAX_RANK */
    int64_t shape[WE_MAX_RANK];    /* outermost first, each >= 1 */
    void *data;                    /* owned; we_tensor_nbytes() long */
} we_tensor;

const char *we_dtype_name(we_dtype d);
size_t we_dtype_size(we_dtype d);
/* Parse "f32" etc.; returns WE_EDATA for an unknown name. */
we_status we_dtype_parse(const char *s, we_dtype *out);

/* Element count and byte size. Valid only for a tensor whose shape passed
 * we_shape_bytes (they do not re-check overflow). */
size_t we_tensor_count(const we_tensor *t);
size_t we_tensor_nbytes(const we_tensor *t);

/* Bytes a tensor of this dtype/shape needs, with overflow checking:
 * returns WE_ELIMIT (with detail) if the product overflows or exceeds
 * max_bytes, WE_EDATA if rank or a dim is out of range. */
we_status we_shape_bytes(we_dtype d, int rank, const int64_t *shape,
                         uint64_t max_bytes, uint64_t *out_bytes);

/* Allocate a zeroed tensor. t is overwritten (not freed first). */
we_status we_tensor_alloc(we_tensor *t, we_dtype d, int rank, const int64_t *shape);
/* Like we_tensor_alloc but the data is left uninitialised: for outputs
 * that every element of is written (saves a memset per frame). */
we_status we_tensor_alloc_uninit(we_tensor *t, we_dtype d, int rank, const int64_t *shape);
/* Shorthand for rank 3 (C,H,W), the common image/wavelet case. */
we_status we_tensor_alloc3(we_tensor *t, we_dtype d, int64_t c, int64_t h, int64_t w);
void we_tensor_free(we_tensor *t);
/* Deep copy; dst is overwritten. */
we_status we_tensor_copy(we_tensor *dst, const we_tensor *src);

/* Convert any dtype to a newly allocated f32 tensor with the same shape
 * (values as they are: u8 200 -> 200.0f). */
we_status we_tensor_to_f32(const we_tensor *src, we_tensor *dst);

/* The non-finite policy (wes(5), doc/design/stream.md): NaN and Inf never
 * cross a tool boundary. we_nonfinite_f32 is the one check behind it: the
 * index of the first NaN or Inf among n floats, or -1. */
int64_t we_nonfinite_f32(const float *p, size_t n);
/* Same for a tensor (f32 and f16; integer dtypes hold none: -1). */
int64_t we_tensor_nonfinite(const we_tensor *t);
/* WE_OK, or WE_EDATA "<what>: non-finite value (nan) at element i of n"
 * for the first NaN/Inf of t. */
we_status we_tensor_check_finite(const we_tensor *t, const char *what);

/* IEEE half <-> float, round-to-nearest-even. */
float we_f16_to_f32(uint16_t h);
uint16_t we_f32_to_f16(float f);

#endif
