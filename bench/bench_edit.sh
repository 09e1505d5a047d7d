#!/bin/sh
# bench/bench_edit.sh - latency of one 64x64 emotion edit with wdenoise at
# the default settings (40 DDIM inversion steps + 40 guided steps, i.e. 120
# UNet passes) on a randomly initialised model of the design's default size
# (nf 64, mult 1,2,2,2, written by build/tests/test_edit --write-model ...
# full). The weights do not change the cost, so this is the cost of the
# shipped model's edit as well. Reports wall and CPU seconds per edit for
# C = 1 (luminance) and C = 3 (RGB), and per-item time in a batch of 8.
# Then the shipped models/default.safetensors (when present) on the
# demo photo's faces, and one 256 px face through the cascade against the
# same face at 64 px (ratio, 1 thread). BENCH_THREADS (default 0 = BLAS default) sets wdenoise -T; BENCH_EDIT_QUICK=1
# times a single C = 1 edit only.
cd "$(dirname "$0")/.." || exit 70
export PATH="$PWD/bin:$PATH"
helper=build/tests/test_edit
photo=third_party/face-api/demo/sample1.jpg
[ -x "$helper" ] && [ -x bin/wdenoise ] || { echo "bench_edit: run make first"; exit 1; }
[ -f "$photo" ] || { echo "bench_edit: $photo missing (sh scripts/setup.sh)"; exit 1; }
th=${BENCH_THREADS:-0}
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
Cs="1 3"; whats="one eight"
[ -n "${BENCH_EDIT_QUICK:-}" ] && Cs=1 whats=one   # one C=1 edit only
for C in $Cs; do
    $helper --write-model "$tmp/m$C.st" $C 0 0 full || exit 1
    imgread -s 64 -c $C "$photo" | dwt -w haar > "$tmp/one$C.wes"
    for i in 1 2 3 4 5 6 7 8; do cat "$tmp/one$C.wes"; done > "$tmp/eight$C.wes"
    for what in $whats; do
        n=1; [ $what = eight ] && n=8
        t0=$(now)
        /usr/bin/time -f "%U %S" -o "$tmp/t" wdenoise -m "$tmp/m$C.st" -e sad -T "$th" -b 8 \
            < "$tmp/$what$C.wes" > "$tmp/out.wes" || exit 1
        t1=$(now)
        awk -v a="$t0" -v b="$t1" -v n=$n -v C=$C -v th="$th" '{ printf "edit C=%d batch %d: %.2f s wall, %.2f s CPU per face (threads %s)\n", C, n, (b - a) / n, ($1 + $2) / n, th }' "$tmp/t"
    done
done
# the shipped model (nf 32, C = 1) on the demo photo's aligned faces, one
# network batch per face (-b 1) and all faces in one batch
if [ -f models/default.safetensors ]; then
    facealign -a -s 64 -c 1 "$photo" 2>/dev/null | dwt -w haar > "$tmp/faces.wes"
    n=$(tsinfo -c "$tmp/faces.wes" | sed -n 's/.* \([0-9]*\) items.*/\1/p')
    for b in 1 "$n"; do
        t0=$(now)
        /usr/bin/time -f "%U %S" -o "$tmp/t" wdenoise -m models/default.safetensors -e sad -T "$th" -b "$b" \
            < "$tmp/faces.wes" > /dev/null || exit 1
        t1=$(now)
        awk -v a="$t0" -v b="$t1" -v n="$n" -v bb="$b" -v th="$th" '{ printf "shipped model (nf 32, C=1), %d faces, batch %d: %.2f s wall, %.2f s CPU per face (threads %s)\n", n, bb, (b - a) / n, ($1 + $2) / n, th }' "$tmp/t"
    done
fi
# one 256 px face through the cascade (issue 12) against the same face at
# 64 px, the model's own size, in this run, one thread each (-T 1): the
# shipped model when present, else the random full-size model above (C = 1)
cm=models/default.safetensors
[ -f "$cm" ] || cm="$tmp/m1.st"
facealign -q -s 64 "$photo" 2>/dev/null | dwt -w haar > "$tmp/f64.wes"
facealign -q -s 256 "$photo" 2>/dev/null | dwt -w haar > "$tmp/f256.wes"
for S in 64 256; do
    t0=$(now)
    wdenoise -m "$cm" -e sad -T 1 -b 1 < "$tmp/f$S.wes" > /dev/null || exit 1
    t1=$(now)
    echo "$t0 $t1" > "$tmp/w$S"
done
awk -v m="$cm" '{ w[NR] = $2 - $1 } END { printf "cascade: %s, one face, 1 thread: 64 px %.2f s, 256 px (cascade) %.2f s: ratio %.2f (target <= 2)\n", m, w[1], w[2], w[2] / w[1] }' "$tmp/w64" "$tmp/w256"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
