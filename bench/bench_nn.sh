#!/bin/sh
# bench_nn.sh - conv2d 3x3 (64 ch, 32x32, batch 32) forward and backward:
# lib/nn/we_nn.h (OpenBLAS im2col+GEMM) against torch.nn.functional.conv2d on
# the CPU with the same thread count (OPENBLAS_NUM_THREADS / torch.set_num_threads),
# in the same run. The two alternate for ROUNDS rounds and the best time of
# each is kept, so load from other processes hits both alike. Prints the
# times and the ratio torch_ms / our_ms (>= 1 means we are at least as fast).
#   sh bench/bench_nn.sh [threads] [batch] [channels] [size] [reps] [rounds]
# Needs a built library (make) and Debian's /usr/bin/python3 with torch.
#
# OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its AVX-512 "Cooperlake" kernels on
# AMD Zen 4; on the dev machine its AVX2 "Haswell" kernels run the conv
# GEMMs ~25% faster. Compare with:  OPENBLAS_CORETYPE=Haswell sh bench/bench_nn.sh
cd "$(dirname "$0")/.." || exit 70
T=${1:-2} N=${2:-32} C=${3:-64} S=${4:-32} R=${5:-3} ROUNDS=${6:-3}
[ -f build/libwe.a ] || { echo "bench_nn: build/libwe.a missing (run make)" >&2; exit 66; }
mkdir -p build/bench
cc -O2 -march=x86-64-v2 -mtune=native -std=c11 -D_GNU_SOURCE $(find lib -type d -printf "-I%p ") -o build/bench/bench_nn \
    bench/bench_nn.c build/libwe.a -lopenblas -lm -lpthread || exit 70
cat > build/bench/bench_nn_torch.py <<'PY'
import sys, time, torch
import torch.nn.functional as F
T, N, C, S, R = map(int, sys.argv[1:])
torch.set_num_threads(T)
torch.manual_seed(1)
x = torch.rand(N, C, S, S) - 0.5
w = (torch.rand(C, C, 3, 3) - 0.5).requires_grad_(True)
b = torch.zeros(C, requires_grad=True)
xg = x.clone().requires_grad_(True)
dy = torch.rand(N, C, S, S) - 0.5
bf = bb = cf = cb = 1e9
for r in range(R + 1):
    t0, c0 = time.perf_counter(), time.process_time()
    with torch.no_grad():
        F.conv2d(x, w, b, padding=1)
    t1, c1 = time.perf_counter(), time.process_time()
    y = F.conv2d(xg, w, b, padding=1)
    t2, c2 = time.perf_counter(), time.process_time()
    y.backward(dy)
    t3, c3 = time.perf_counter(), time.process_time()
    if r:
        bf = min(bf, t1 - t0); bb = min(bb, t3 - t2)
        cf = min(cf, c1 - c0); cb = min(cb, c3 - c2)
print("torch_conv3x3_forward %.3f ms" % (bf * 1e3))
print("torch_conv3x3_backward %.3f ms" % (bb * 1e3))
print("torch_conv3x3_forward_cpu %.3f ms" % (cf * 1e3))
print("torch_conv3x3_backward_cpu %.3f ms" % (cb * 1e3))
PY
all=""
i=0
while [ $i -lt "$ROUNDS" ]; do
    o=$(OPENBLAS_NUM_THREADS=$T build/bench/bench_nn "$T" "$N" "$C" "$S" "$R") || exit 70
    p=$(/usr/bin/python3 build/bench/bench_nn_torch.py "$T" "$N" "$C" "$S" "$R") || exit 70
    all="$all
$o
$p"
    i=$((i + 1))
done
echo "conv3x3 ${C}ch ${S}x${S} batch $N, $T thread(s), best of $ROUNDS rounds x $R reps ($(uname -m), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
echo "$all" | awk '$1 == "openblas_core" { print "OpenBLAS kernels: " $2 " (set OPENBLAS_CORETYPE to change)"; exit }'
echo "$all" | awk '
  NF >= 3 { k = $1; if (!(k in best) || $2 < best[k]) best[k] = $2 }
  END {
    printf "ours  forward %8.2f ms   backward %8.2f ms\n", best["we_conv3x3_forward"], best["we_conv3x3_backward"]
    printf "torch forward %8.2f ms   backward %8.2f ms\n", best["torch_conv3x3_forward"], best["torch_conv3x3_backward"]
    printf "ratio forward  torch/ours = %.2f\n", best["torch_conv3x3_forward"] / best["we_conv3x3_forward"]
    printf "ratio backward torch/ours = %.2f\n", best["torch_conv3x3_backward"] / best["we_conv3x3_backward"]
    printf "process CPU time (less sensitive to other load): ours %.2f / %.2f ms, torch %.2f / %.2f ms (fwd / bwd)\n", best["we_conv3x3_forward_cpu"], best["we_conv3x3_backward_cpu"], best["torch_conv3x3_forward_cpu"], best["torch_conv3x3_backward_cpu"]
    printf "ratio CPU time forward  torch/ours = %.2f\n", best["torch_conv3x3_forward_cpu"] / best["we_conv3x3_forward_cpu"]
    printf "ratio CPU time backward torch/ours = %.2f\n", best["torch_conv3x3_backward_cpu"] / best["we_conv3x3_backward_cpu"]
  }'
