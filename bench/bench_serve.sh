#!/bin/sh
# bench/bench_serve.sh - weserve under load on loopback: BENCH_CLIENTS
# clients (4) editing one face each in turn for BENCH_SECONDS (60) with
# BENCH_STEPS DDIM steps (4): edits/s, p50/p95 latency, refusals on
# purpose, failures, and the server's memory over the run
# (bench/bench_serve.py). Needs the face-api demo photo (scripts/setup.sh).
cd "$(dirname "$0")/.." || exit 70
export PATH="$PWD/bin:$PATH" WE_PROGRESS=0
photo=third_party/face-api/demo/sample1.jpg
[ -f "$photo" ] || { echo "bench_serve: $photo missing (sh scripts/setup.sh)"; exit 0; }
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
tmp=$(mktemp -d)
weserve -p 0 --port-file "$tmp/port" -q 4 --max-steps 100 -D '' 2>"$tmp/err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/port" ] || { cat "$tmp/err"; exit 1; }
"$py" bench/bench_serve.py "http://127.0.0.1:$(cat "$tmp/port")" "$photo" $pid \
    "${BENCH_CLIENTS:-4}" "${BENCH_SECONDS:-60}" "${BENCH_STEPS:-4}"
