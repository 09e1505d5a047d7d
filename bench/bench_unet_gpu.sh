#!/bin/sh
# bench/bench_unet_gpu.sh - our CUDA UNet against PyTorch eager on the same
# GPU, same weights, same inputs, same run: forward and forward+backward of
# the default 64x64 config (C=3, nf=64) at batch 32 and one 40-step guided
# DDIM edit, in strict FP32 and with TF32 tensor cores allowed (both sides),
# with the numerical agreement and the model FLOP utilisation (MFU: model
# FLOPs per second over the card's peak: FP32 peak for the strict runs, dense
# TF32 tensor peak for the TF32 runs; $BENCH_PEAK_FP32/$BENCH_PEAK_TF32 in
# TFLOPS override the table). Skips (exit 0) without a GPU. Not part of
# `make test`.
#
#   sh bench/bench_unet_gpu.sh [batch] [reps]
#   env: BENCH_C (3), BENCH_NF (64), BENCH_PY (python3 with CUDA torch),
#        BENCH_EMU=1: link against the CUDA emulator (build/emu, `make emu`)
#        to check this script and the numbers on a machine without a GPU
#        (timings then mean nothing; torch runs on the CPU for the agreement)
set -eu
cd "$(dirname "$0")/.."
B=${1:-32} REPS=${2:-5}
C=${BENCH_C:-3} NF=${BENCH_NF:-64}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
CFLAGS="$(find lib -type d -printf "-I%p ") -D_GNU_SOURCE -O2 -march=x86-64-v2 -std=c11 -pthread"
LIBS="-ljpeg -lpng -lopenblas -lm -lpthread -lstdc++ $(pkg-config --libs dlib-1 2>/dev/null || echo -ldlib)"
if [ "${BENCH_EMU:-0}" = 1 ]; then
    [ -f build/emu/libwe_emu.a ] || { echo "bench_unet_gpu: make emu first" >&2; exit 70; }
    cc $CFLAGS -DWE_HAVE_CUDA -Itests/cudaemu/include -o "$D/bench_unet" bench/bench_unet.c build/emu/libwe_emu.a $LIBS
    GPU="cudaemu (the CPU emulator: timings are not GPU timings)"
else
    [ -f build/libwe.a ] || { echo "bench_unet_gpu: build first (make)" >&2; exit 70; }
    if ! nm build/libwe.a 2>/dev/null | grep -q ' T we_nn_cuda_sync'; then
        echo "bench_unet_gpu: skipped: this build has no CUDA (nvcc not found at build time)"; exit 0
    fi
    GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || true)
    [ -n "$GPU" ] || { echo "bench_unet_gpu: skipped: no NVIDIA GPU (nvidia-smi finds none)"; exit 0; }
    cc $CFLAGS -DWE_HAVE_CUDA -o "$D/bench_unet" bench/bench_unet.c build/libwe.a $LIBS \
        -L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 -lcublas -lcudart
fi
# dense peaks in TFLOPS (vendor data sheets): FP32 (CUDA cores), TF32 tensor
case "$GPU" in
*H100*PCIe*) P32=51.2 PTF=378 ;;
*H100*|*H200*) P32=66.9 PTF=494.7 ;;
*A100*) P32=19.5 PTF=156 ;;
*L40S*) P32=91.6 PTF=183 ;;
*) P32=0 PTF=0 ;;
esac
P32=${BENCH_PEAK_FP32:-$P32} PTF=${BENCH_PEAK_TF32:-$PTF}
# a python whose torch sees the GPU; else the agreement runs on the CPU
PY=${BENCH_PY:-}
TDEV=cuda
if [ -z "$PY" ]; then
    for p in python3 /usr/bin/python3; do
        if "$p" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then PY=$p; break; fi
    done
fi
if [ -z "$PY" ]; then PY=/usr/bin/python3 TDEV=cpu; fi
echo "bench_unet_gpu: $GPU; peaks FP32 $P32 / TF32 $PTF TFLOPS; batch $B, reps $REPS (median); torch on $TDEV ($PY)"
get() { grep "^$1 " "$2" | tr ' ' '\n' | grep "^$3=" | cut -d= -f2; }
for mode in fp32 tf32; do
    tf=0; [ $mode = tf32 ] && tf=1
    echo "-- $mode"
    BENCH_TF32=$tf "$D/bench_unet" "$D" "$B" "$REPS" "$C" "$NF" cuda | tee "$D/ours.txt"
    BENCH_TF32=$tf "$PY" bench/bench_unet_torch.py "$D" "$(nproc)" "$REPS" "$TDEV" | tee "$D/torch.txt" || true
    peak=$P32; [ $mode = tf32 ] && peak=$PTF
    fw=$(get ours "$D/ours.txt" fwd_gflops) fb=$(get ours "$D/ours.txt" fwd_bwd_gflops)
    echo "mfu ours forward=$(echo "$fw $peak" | awk '{ if ($2 > 0) printf "%.1f%%", 100 * $1 / ($2 * 1000); else print "n/a" }')" \
         "fwd_bwd=$(echo "$fb $peak" | awk '{ if ($2 > 0) printf "%.1f%%", 100 * $1 / ($2 * 1000); else print "n/a" }') (peak $peak TFLOPS)"
    if [ "$TDEV" = cuda ]; then
        for k in forward_s fwd_bwd_s edit40_s; do
            o=$(get ours "$D/ours.txt" $k); t=$(get torch "$D/torch.txt" $k)
            echo "$k ours=$o torch=$t speedup(torch/ours)=$(echo "$t $o" | awk '{printf "%.2f", $1/$2}')"
        done
    else
        echo "(no CUDA torch here: no GPU ratio; the agree lines compare our CUDA path with torch on the CPU)"
    fi
done
