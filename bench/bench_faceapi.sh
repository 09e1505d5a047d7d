#!/bin/sh
# bench/bench_faceapi.sh - throughput (faces/s) of the three face-api nets:
# the C forward (and forward + input gradient) on prepared inputs, then the
# femo tool end to end on 200 face crops of 128x128 (decode + prepare + net).
#   sh bench/bench_faceapi.sh [SECONDS_PER_NET]     (default 3)
set -eu
cd "$(dirname "$0")/.."
make -s build/libwe.a bin/femo bin/tsinfo >/dev/null
mkdir -p build/bench
LIBS="-lopenblas -lm -lpthread"
# an archive built with nvcc holds the CUDA twins: link their runtime too
if nm build/libwe.a 2>/dev/null | grep -q ' T we_fa_cuda_alloc'; then
    LIBS="$LIBS -L${CUDA_HOME:-/usr/local/cuda}/lib64 -Wl,-rpath,${CUDA_HOME:-/usr/local/cuda}/lib64 -lcublas -lcudart -lstdc++"
fi
cc -O2 $(find lib -type d -printf "-I%p ") -o build/bench/bench_faceapi bench/bench_faceapi.c build/libwe.a $LIBS
echo "== CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-default}"
build/bench/bench_faceapi "${1:-3}"
f=build/bench/faces200.wes
: > $f
i=0
while [ $i -lt 200 ]; do cat tests/golden/faceapi/crop_1.wes >> $f; i=$((i + 1)); done
for mode in "" "-E -l" "-E -i"; do
    t0=$(date +%s.%N)
    bin/femo $mode < $f > /dev/null
    t1=$(date +%s.%N)
    echo "femo ${mode:-(expression)}: $(echo "200 / ($t1 - $t0)" | bc -l | cut -c1-6) faces/s (200 crops of 128x128)"
done
