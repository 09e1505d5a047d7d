/* we_npy.h - numpy .npy files <-> tensors (format versions 1.0, 2.0, 3.0).
 *
 * Accepted dtypes: |u1 <u2 <i4 <f2 <f4 map one to one; <f8 is converted to
 * f32 and <i8/<i2/|i1 to i32 (refused if a value does not fit). Fortran
 * order and big-endian data are refused with a clear message. A 0-d array
 * becomes shape (1).
 */
#ifndef WE_NPY_H
#define WE_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "we_tensor.h"

/* Parse a whole .npy file held in memory into a new tensor. The payload
 * size is checked against max_bytes before allocating. */
we_status we_npy_parse(const uint8_t *buf, size_t n, uint64_t max_bytes, we_tensor *out);

/* Encode a tensor as a version 1.0 .npy file into a malloc'd buffer. */
we_status we_npy_encode(const we_tensor *t, uint8_t **buf, size_t *n);

#endif
