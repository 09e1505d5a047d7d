#!/bin/sh
# bench/bench_unet.sh - our CPU UNet against the PyTorch reference, same
# weights, same inputs, same thread count, same run: forward and
# forward+backward of the default 64x64 config (C=3, nf=64, mult 1,2,2,2,
# 2 res blocks, attention at S/8) at batch 32, and one 40-step guided DDIM
# edit of one face (t0 = 500, g_low 1 / g_high 3), each after one untimed
# warm-up pass. Prints the ratios and the numerical agreement, plus our
# model FLOP rate. Not part of `make test`.
#
#   sh bench/bench_unet.sh [batch] [reps] [threads]
#   env: BENCH_C (3), BENCH_NF (64)
set -eu
cd "$(dirname "$0")/.."
B=${1:-32} REPS=${2:-3} TH=${3:-$(nproc)}
C=${BENCH_C:-3} NF=${BENCH_NF:-64}
PY=/usr/bin/python3
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
[ -f build/libwe.a ] || { echo "bench_unet: build first (make)" >&2; exit 70; }
cc $(find lib -type d -printf "-I%p ") -D_GNU_SOURCE -O2 -march=x86-64-v2 -mtune=native -std=c11 -pthread -o "$D/bench_unet" \
    bench/bench_unet.c build/libwe.a -ljpeg -lpng -lopenblas -lm -lpthread -lstdc++ \
    $( [ -d /usr/local/cuda/lib64 ] && echo "-L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 -lcublas -lcudart" ) \
    $(pkg-config --libs dlib-1 2>/dev/null || echo -ldlib)
echo "bench_unet: $(uname -m), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), threads $TH, batch $B, reps $REPS (median)"
OPENBLAS_NUM_THREADS=$TH "$D/bench_unet" "$D" "$B" "$REPS" "$C" "$NF" | tee "$D/ours.txt"
OMP_NUM_THREADS=$TH $PY bench/bench_unet_torch.py "$D" "$TH" "$REPS" | tee "$D/torch.txt"
get() { grep "^$1 " "$2" | tr ' ' '\n' | grep "^$3=" | cut -d= -f2; }
for k in forward_s fwd_bwd_s edit40_s; do
    o=$(get ours "$D/ours.txt" $k); t=$(get torch "$D/torch.txt" $k)
    echo "$k ours=$o torch=$t speedup(torch/ours)=$(echo "$t $o" | awk '{printf "%.2f", $1/$2}')"
done
