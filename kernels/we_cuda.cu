// we_cuda.cu - CUDA runtime glue shared by all kernels: device discovery.
#include <cuda_runtime.h>

extern "C" int we_cuda_device_count(void)
{
    int n = 0;
    // No driver, no device, or a broken install all mean "no GPU": the
    // caller falls back to the CPU path.
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return n;
}
