#!/bin/sh
# bench/run.sh - run every benchmark (bench/bench_*.sh) in turn. Benchmarks
# are never part of `make test`: they report figures and ratios against a
# named peer measured in the same run, with the machine stated.
cd "$(dirname "$0")/.." || exit 70
export PATH="$PWD/bin:$PATH"
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(free -g | awk '/^Mem/{print $2}') GiB"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# bench/report_*.sh are dataset reports that need ../shared/data: run them by hand.
if [ -n "${BENCH:-}" ]; then set -- bench/bench_$BENCH.sh; else set -- bench/bench_*.sh; fi
rc=0
for b in "$@"; do
    [ -f "$b" ] || continue
    echo "== $b"
    sh "$b" || { echo "bench: $b failed"; rc=1; }
done
exit $rc
