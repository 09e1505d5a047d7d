# test_tstools.sh - tsinfo, tscmp, tsconv: output, exit codes, bad input.
. tests/sh/lib.sh

# two frames of one item, built by hand
printf 'WES1 image u8 1 2 2\nid=a#0\nsrc=a.jpg\n\n\001\002\003\004WES1 landmarks f32 2\nid=a#0\n\n\0\0\200\077\0\0\0\100' >"$T/s.wes"

ok "tsinfo lists a stream" tsinfo "$T/s.wes"
is "tsinfo line 1" "$(sed -n 1p "$T/.out")" "$T/s.wes:0: image u8 1x2x2 id=a#0 src=a.jpg"
is "tsinfo line 2" "$(sed -n 2p "$T/.out")" "$T/s.wes:1: landmarks f32 2 id=a#0"
ok "tsinfo -c counts frames and items" tsinfo -c "$T/s.wes"
is "tsinfo -c output" "$(cat "$T/.out")" "$T/s.wes: 2 frames, 1 items"
ok "tsinfo -s -k adds stats" tsinfo -s -k "$T/s.wes"
is "tsinfo -s values" "$(sed -n 1p "$T/.out")" "$T/s.wes:0: image u8 1x2x2 min=1 max=4 mean=2.5 std=1.11803"
ok "tsinfo reads stdin" sh -c "tsinfo < '$T/s.wes'"
ok "tsinfo on an empty stream" sh -c "tsinfo -c < /dev/null"
is "empty stream has no frames" "$(cat "$T/.out")" "stdin: 0 frames, 0 items"
fails 66 "tsinfo on a missing file" tsinfo "$T/nope.wes"
fails 64 "tsinfo with a bad option" tsinfo --frobnicate
head -c 40 "$T/s.wes" >"$T/trunc.wes"
tsinfo "$T/trunc.wes" >/dev/null 2>"$T/err"; rc=$?
is "tsinfo on a truncated frame exits 65" "$rc" 65
ok "truncation message names the frame" grep -q "truncated frame 1 (image)" "$T/err"
printf 'WES1 x f32 1099511627776\n\n' >"$T/huge.wes"
tsinfo "$T/huge.wes" >/dev/null 2>"$T/err"; rc=$?
is "2^40-element header exits 65" "$rc" 65
ok "2^40-element message names the limit" grep -q "exceeds the limit" "$T/err"
head -c 3000 /dev/urandom | tr -d 'W' >"$T/garbage"
tsinfo "$T/garbage" >"$T/out" 2>"$T/err"; rc=$?
is "garbage exits 65" "$rc" 65
is "garbage prints nothing on stdout" "$(wc -c <"$T/out")" 0
ok "garbage message says bad magic" grep -q "bad magic" "$T/err"

# tscmp
ok "tscmp: a stream equals itself" tscmp "$T/s.wes" "$T/s.wes"
printf 'WES1 image u8 1 2 2\nid=a#0\nsrc=a.jpg\n\n\001\002\003\005WES1 landmarks f32 2\nid=a#0\n\n\0\0\200\077\0\0\0\100' >"$T/s2.wes"
tscmp "$T/s.wes" "$T/s2.wes" >"$T/out"; rc=$?
is "tscmp: one value off exits 1" "$rc" 1
ok "tscmp names the frame" grep -q "frame 0 (image a#0): 1 values differ" "$T/out"
ok "tscmp: within -a 1" tscmp -a 1 "$T/s.wes" "$T/s2.wes"
ok "tscmp: within -r 0.25" tscmp -r 0.25 "$T/s.wes" "$T/s2.wes"
tscmp -q "$T/s.wes" "$T/trunc.wes" >"$T/out" 2>/dev/null; rc=$?
is "tscmp on a truncated stream exits 65" "$rc" 65
head -c 42 "$T/s.wes" >"$T/one.wes"
tscmp -q "$T/s.wes" "$T/one.wes"; rc=$?
is "tscmp: fewer frames exits 1" "$rc" 1
fails 64 "tscmp with one file" tscmp "$T/s.wes"
fails 64 "tscmp with stdin twice" tscmp - -
fails 64 "tscmp with a bad tolerance" tscmp -a x "$T/s.wes" "$T/s.wes"
fails 66 "tscmp with a missing file" tscmp "$T/s.wes" "$T/nope"

# tsconv: npy out and back
ok "tsconv --to npy" tsconv --to npy -n landmarks -o "$T/l.npy" "$T/s.wes"
ok "npy magic" sh -c "head -c 6 '$T/l.npy' | grep -q NUMPY"
ok "tsconv --from npy" sh -c "tsconv --from npy -n landmarks -k id=a#0 '$T/l.npy' > '$T/l.wes'"
tail -c +43 "$T/s.wes" >"$T/lm.wes"
ok "npy round trip is exact" tscmp -k "$T/l.wes" "$T/lm.wes"
ok "tsconv --to npy of a u8 image" sh -c "tsconv --to npy < '$T/s.wes' > '$T/i.npy'"
ok "u8 npy round trip" sh -c "tsconv --from npy -n image '$T/i.npy' | tsinfo -k - | grep -q 'image u8 1x2x2'"
fails 65 "tsconv: no such frame index" tsconv --to npy -i 5 "$T/s.wes"
fails 65 "tsconv: not an npy file" tsconv --from npy "$T/s.wes"
fails 64 "tsconv: both directions" tsconv --to npy --from npy
fails 64 "tsconv: unknown format" tsconv --to csv "$T/s.wes"
fails 64 "tsconv: bad frame name" tsconv --from npy -n Bad "$T/i.npy"
fails 64 "tsconv: bad key" tsconv --from npy -k nokey "$T/i.npy"
fails 66 "tsconv: missing input" tsconv --from npy "$T/nope.npy"

# the 15-line Python reader shown in the README must read our streams
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
    sed -n '/^```python$/,/^```$/p' README.md | sed '1d;$d' >"$T/reader.py"
    ok "README reader runs" sh -c "/usr/bin/python3 '$T/reader.py' < '$T/s.wes'"
    is "README reader output" "$(cat "$T/.out" | tr '\n' '|')" "image a#0 (1, 2, 2) uint8|landmarks a#0 (2,) float32|"
else
    echo "skip README reader: /usr/bin/python3 has no numpy"
fi
summary
