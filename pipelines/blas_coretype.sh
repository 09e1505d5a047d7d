#!/bin/sh
# pipelines/blas_coretype.sh - the OpenBLAS kernels the pipelines ask for
# (pipelines/blas.mk): prints Haswell on an x86 CPU with AVX-512, where
# OpenBLAS 0.3.21 (Debian 12, DYNAMIC_ARCH) picks its AVX-512 kernels
# (SkylakeX, Cooperlake) and its AVX2 Haswell kernels run our GEMMs faster
# (a 64 px training step takes 33% less CPU on the Xeon of the dev
# machine, conv GEMMs ~25% on a Zen 4; README, Benchmarks); prints nothing
# elsewhere, so OpenBLAS chooses.
grep -q -w avx512f /proc/cpuinfo 2> /dev/null && grep -q -w avx2 /proc/cpuinfo 2> /dev/null && echo Haswell
exit 0
