# pipelines/blas.mk - included by every pipeline makefile: the OpenBLAS
# kernels of their processes. OPENBLAS_CORETYPE from the environment or
# the command line wins; otherwise pipelines/blas_coretype.sh picks
# (Haswell on AVX-512 CPUs, where it is faster for our small GEMMs; empty
# elsewhere). Different kernels round differently: a run resumed under
# other kernels continues fine but is not bit-identical to an
# uninterrupted one.
ifeq ($(origin OPENBLAS_CORETYPE),undefined)
OPENBLAS_CORETYPE := $(shell sh $(dir $(lastword $(MAKEFILE_LIST)))blas_coretype.sh)
endif
ifneq ($(OPENBLAS_CORETYPE),)
export OPENBLAS_CORETYPE
endif
