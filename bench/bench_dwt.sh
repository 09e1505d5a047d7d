#!/bin/sh
# bench/bench_dwt.sh - throughput of `dwt | iwt -t` on a stream of
# N (default 10000) items of 3x128x128 f32 through a pipe, against
# PyWavelets dwt2+idwt2 (per item, all channels) on the same arrays in the
# same run; the CUDA kernels' bandwidth when a GPU is present.
# Run from the repo root after `make`. Not part of `make test`.
#   N=10000 WAVELETS="haar bior4.4" sh bench/bench_dwt.sh
# Wall-clock figures depend on how busy the machine is; the CPU-time
# figures (user+sys of every process of the pipeline, per item) much less.
cd "$(dirname "$0")/.." || exit 70
export PATH="$PWD/bin:$PATH" WE_PROGRESS=0
N=${N:-10000}
WAVELETS=${WAVELETS:-"haar bior4.4"}
PY=/usr/bin/python3
UNIQ=100 # distinct items, cycled: the generator is never the bottleneck
for t in bin/dwt bin/iwt build/tests/test_dwt; do
    [ -x "$t" ] || { echo "bench_dwt: build first (make)" >&2; exit 70; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$PY bench/bench_dwt_gen.py "$tmp/items.wes" $UNIQ 3 128 128 || exit 70
reps=$(( (N + UNIQ - 1) / UNIQ )); items=$((reps * UNIQ))
bytes=$(( 3 * 128 * 128 * 4 ))
cat "$tmp/items.wes" > /dev/null # into the page cache
# run "CMD": prints "wall_s cpu_s" of a pipeline fed with the items
run() {
    /usr/bin/time -f '%e %U %S' -o "$tmp/time" sh -c \
        "i=0; while [ \$i -lt $reps ]; do cat '$tmp/items.wes'; i=\$((i + 1)); done | $1 > /dev/null" || exit 70
    awk '{ print $1, $2 + $3 }' "$tmp/time"
}
echo "bench_dwt: $items items of 3x128x128 f32 ($(( items * bytes / 1000000 )) MB) through a pipe; $(nproc) cores"
echo "bench_dwt: load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
r=$(run cat)
awk -v n=$items -v b=$bytes -v r="$r" 'BEGIN { split(r, t, " ");
    printf "  %-8s %-20s %8.0f items/s %6.0f MB/s   CPU %6.1f us/item  (pipe floor)\n", "-", "cat | cat", n/t[1], n*b/t[1]/1e6, t[2]/n*1e6 }'
for w in $WAVELETS; do
    r=$(run "dwt -w $w | iwt -t")
    py=$($PY bench/bench_dwt_pywt.py "$tmp/items.wes" "$w" $(( items / 5 ))) || exit 70
    cpu=$(build/tests/test_dwt --bench "$w" $(( items / 2 ))) || exit 70
    awk -v w="$w" -v n=$items -v b=$bytes -v r="$r" -v py="$py" -v cpu="$cpu" 'BEGIN {
        split(r, t, " "); split(py, p, " "); split(cpu, c, " ");
        printf "  %-8s %-20s %8.0f items/s %6.0f MB/s   CPU %6.1f us/item  (all processes)\n", w, "dwt | iwt -t", n/t[1], n*b/t[1]/1e6, t[2]/n*1e6;
        printf "  %-8s %-20s %8.0f items/s %6.0f MB/s   CPU %6.1f us/item\n", w, "pywt dwt2+idwt2", p[1], p[1]*b/1e6, p[3]*1e6;
        printf "  %-8s %-20s %8.0f items/s %6.0f MB/s   (in-process, 1 thread, no I/O)\n", w, "we_dwt2 fwd+inv", c[1], c[1]*b/1e6;
        printf "  %-8s ratio vs pywt: pipe %.2fx wall, %.2fx CPU; compute only %.2fx  (target >= 10x)\n", w,
               (n/t[1]) / p[1], p[3] / (t[2]/n), c[1] / p[1] }'
done
echo "bench_dwt: load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -x build/tests/test_dwt_cuda ]; then
    build/tests/test_dwt_cuda --bench | sed 's/^/  /'
else
    echo "  skipped: no GPU (CUDA test binary not built)"
fi
