#!/bin/sh
# tests/run.sh - run every unit test binary and every shell test, add up
# their "N passed, N failed" lines, and print the total as the last line.
# A test that dies without its summary line counts as one failure.
cd "$(dirname "$0")/.." || exit 70
export PATH="$PWD/bin:$PATH" WE_PROGRESS=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
pass=0 fail=0
run_one() {
    name=$1; shift
    out="$log/$(echo "$name" | tr '/' '_').log"
    start=$(date +%s)
    "$@" >"$out" 2>&1
    rc=$?
    sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    if [ -z "$sum" ]; then
        p=0 f=1
        echo "FAIL $name: exited $rc without a summary line"
        tail -n 20 "$out" | sed 's/^/    /'
    else
        p=${sum%% passed*}
        f=${sum#*passed, }; f=${f%% failed*}
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        grep -E '^FAIL' "$out" | sed "s#^#    $name: #"
        [ "$f" -ne 0 ] && tail -n 30 "$out" | grep -v '^ok ' | sed 's/^/    /'
    fi
    echo "$(printf '%-28s' "$name") $p passed, $f failed ($(($(date +%s) - start)) s)"
    pass=$((pass + p)); fail=$((fail + f))
}
for t in build/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "unit/$(basename "$t")" "$t"
done
# The CUDA path under the CPU emulator (tests/cudaemu; `make emu`), in
# both thread orders: a result that depends on the order is a race.
for t in build/emu/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "emu/$(basename "$t")" "$t"
    run_one "emu/$(basename "$t") reverse" env CUDAEMU_ORDER=reverse "$t"
done
for t in tests/sh/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "sh/$(basename "$t" .sh)" sh "$t"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
