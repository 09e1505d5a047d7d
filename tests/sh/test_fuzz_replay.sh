# test_fuzz_replay.sh - replay every fuzz seed and kept crasher through its
# harness (built without libFuzzer as build/tests/replay_fuzz_X).
. tests/sh/lib.sh
for h in build/tests/replay_fuzz_*; do
    [ -x "$h" ] || continue
    x=${h##*/replay_fuzz_}
    set -- $(ls -d tests/fuzz/seed/"$x"/* tests/fuzz/regress/"$x"/* 2>/dev/null)
    [ $# -gt 0 ] || { echo "skip $x: no seeds or regression inputs"; continue; }
    ok "fuzz replay: $x ($# inputs)" "$h" "$@"
done
summary
