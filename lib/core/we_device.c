/* we_device.c - device names and run-time selection. */
#include "we_device.h"
#include "we_names.h"

#include <stdlib.h>
#include <string.h>

#ifdef WE_HAVE_CUDA
/* kernels/we_cuda.cu */
int we_cuda_device_count(void);
#endif

static const char *const dev_names[] = {
#define WE_X_DEV(e, s) s,
    WE_DEVICE_LIST(WE_X_DEV)
#undef WE_X_DEV
};

const char *we_device_name(we_device d) { return (unsigned)d < WE_DEV_COUNT ? dev_names[d] : "?"; }

we_status we_device_parse(const char *s, we_device *out)
{
    int i = we_name_index(dev_names, WE_DEV_COUNT, s);
    if (i >= 0) { *out = (we_device)i; return WE_OK; }
    return we_err_set(WE_EUSAGE, "unknown device '%.32s' (want cpu, cuda or auto)", s);
}

int we_cuda_compiled(void)
{
#ifdef WE_HAVE_CUDA
    return 1;
#else
    return 0;
#endif
}

int we_cuda_available(void)
{
#ifdef WE_HAVE_CUDA
    static int cached = -1;
    if (cached < 0) cached = we_cuda_device_count() > 0;
    return cached;
#else
    return 0;
#endif
}

we_status we_cuda_require(void)
{
    if (we_cuda_available()) return WE_OK;
    return we_err_set(WE_EDEVICE, "device cuda requested but %s",
                      we_cuda_compiled() ? "no usable NVIDIA GPU was found"
                                         : "this build has no CUDA support (rebuild with nvcc present)");
}

we_status we_device_resolve(const char *request, we_device *out)
{
    we_device d = WE_DEV_AUTO;
    const char *env = getenv("WE_DEVICE");
    const char *r = request ? request : (env && *env ? env : "auto");
    we_status s = we_device_parse(r, &d);
    if (s) return s;
    if (d == WE_DEV_AUTO) {
        *out = we_cuda_available() ? WE_DEV_CUDA : WE_DEV_CPU;
        return WE_OK;
    }
    if (d == WE_DEV_CUDA && (s = we_cuda_require())) return s;
    *out = d;
    return WE_OK;
}
