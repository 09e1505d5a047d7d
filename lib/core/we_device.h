/* we_device.h - where compute runs: the CPU or an NVIDIA GPU.
 *
 * Every operation with a CUDA twin takes a we_device. `auto` picks CUDA
 * when the library was built with it and a GPU is present, else the CPU.
 * The environment variable WE_DEVICE (cpu|cuda|auto) overrides the
 * default when the user gave no --device option.
 */
#ifndef WE_DEVICE_H
#define WE_DEVICE_H

#include "we_err.h"

#define WE_DEVICE_LIST(X) X(WE_DEV_AUTO, "auto") X(WE_DEV_CPU, "cpu") X(WE_DEV_CUDA, "cuda")

typedef enum {
#define WE_X_DEV(e, s) e,
    WE_DEVICE_LIST(WE_X_DEV)
#undef WE_X_DEV
    WE_DEV_COUNT
} we_device;

const char *we_device_name(we_device d);
we_status we_device_parse(const char *s, we_device *out);

/* 1 if the library has CUDA compiled in and a usable GPU is present. */
int we_cuda_available(void);
/* 1 if CUDA support was compiled in (regardless of a GPU). */
int we_cuda_compiled(void);
/* WE_OK if a GPU can be used, else WE_EDEVICE with a detail saying why
 * (no CUDA in this build, or no usable GPU). */
we_status we_cuda_require(void);

/* Turn a request (from --device, or NULL for none) into WE_DEV_CPU or
 * WE_DEV_CUDA, applying WE_DEVICE when request is NULL. Asking for cuda
 * where none is available is WE_EDEVICE with a detail saying why. */
we_status we_device_resolve(const char *request, we_device *out);

#endif
