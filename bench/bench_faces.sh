#!/bin/sh
# bench/bench_faces.sh - facealign speed: a ~1 Mpx photo and a 350x350 crop.
# Builds bench_faces against build/libwe.a (run `make` first) and reports
# per-stage CPU times (median of RUNS, default 5). Not part of `make test`.
set -eu
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DLIB=$(pkg-config --libs dlib-1 2>/dev/null || echo -ldlib)
cc -O2 -march=x86-64-v2 -std=c11 -D_GNU_SOURCE $(find lib -type d -printf "-I%p ") -o "$tmp/bench_faces" bench/bench_faces.c build/libwe.a \
    -Wl,--as-needed -ljpeg -lpng $DLIB -lstdc++ -lm -lpthread
DEMO=third_party/face-api/demo
convert "$DEMO/sample1.jpg" -resize 1224x816 -quality 92 "$tmp/photo_1mpx.jpg"
crop=../shared/data/facial_expressions/images/Aaron_Peirsol_0001.jpg
[ -f "$crop" ] || { convert "$DEMO/sample2.jpg" -crop 350x350+1363+129 +repage "$tmp/crop350.jpg"; crop="$tmp/crop350.jpg"; }
"$tmp/bench_faces" "$RUNS" "$tmp/photo_1mpx.jpg" "$crop"
