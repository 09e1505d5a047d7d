#!/bin/sh
# bench/bench_ssd.sh - face detection time on a ~1 Mpx photo (1224x816,
# made from the demo sample1.jpg): face-api's SSD MobileNet v1 in C
# (prep / forward / NMS) against dlib's HOG. Builds bench_ssd against
# build/libwe.a (run `make` first). RUNS (default 5) runs, median.
# OPENBLAS_NUM_THREADS sets the BLAS threads (default: OpenBLAS's own).
# Not part of `make test`.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DLIB=$(pkg-config --libs dlib-1 2>/dev/null || echo -ldlib)
cc -O2 -march=x86-64-v2 -std=c11 -D_GNU_SOURCE $(find lib -type d -printf "-I%p ") -o "$tmp/bench_ssd" bench/bench_ssd.c build/libwe.a \
    -Wl,--as-needed -ljpeg -lpng -lopenblas $DLIB -lstdc++ -lm -lpthread
convert third_party/face-api/demo/sample1.jpg -resize 1224x816 -quality 92 "$tmp/photo_1mpx.jpg"
"$tmp/bench_ssd" "$RUNS" "$tmp/photo_1mpx.jpg"
