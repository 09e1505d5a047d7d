/* we_dwt_device.c - run the DWT on the CPU or, when built with CUDA and
 * asked for, on the GPU (see we_dwt_cuda.h). */
#include "we_dwt_cuda.h"

we_status we_dwt2_run(we_device d, int inverse, float *out, float *work, const float *in, int C, int H,
                      int W, const we_wavelet *w, int J, int nthreads)
{
    if (d == WE_DEV_CUDA) {
#ifdef WE_HAVE_CUDA
        return inverse ? we_dwt2_inverse_cuda_host(out, NULL, in, C, H, W, w, J, nthreads)
                       : we_dwt2_forward_cuda_host(out, NULL, in, C, H, W, w, J, nthreads);
#else
        return we_err_set(WE_EDEVICE, "dwt: this build has no CUDA support");
#endif
    }
    return inverse ? we_dwt2_inverse(out, work, in, C, H, W, w, J, nthreads)
                   : we_dwt2_forward(out, work, in, C, H, W, w, J, nthreads);
}
