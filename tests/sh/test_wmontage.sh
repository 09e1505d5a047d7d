# tests/sh/test_wmontage.sh - contact sheets: geometry with -k / -n,
# labels, grey vs RGB, JPEG by extension, and invalid calls.
. tests/sh/lib.sh
photo=third_party/face-api/demo/sample1.jpg
if [ ! -f "$photo" ]; then
    echo "skip: needs $photo (sh scripts/setup.sh)"
    summary; exit
fi
imgread -s 32 "$photo" third_party/face-api/demo/sample2.jpg > "$T/a.wes"      # ids sample1.jpg, sample2.jpg
imgread -s 32 -c 1 "$photo" third_party/face-api/demo/sample2.jpg > "$T/g.wes"
dims() { imgread -t u8 "$1" | tsinfo -k | cut -d' ' -f4; }

ok "one row (default)" wmontage -o "$T/r.png" "$T/a.wes"
is "2 tiles of 32, gap 2: 3x36x70" "$(dims "$T/r.png")" "3x36x70"
ok "-n 1: one per row" wmontage -n 1 -o "$T/c.png" "$T/a.wes"
is "2 rows: 3x70x36" "$(dims "$T/c.png")" "3x70x36"
cat "$T/a.wes" "$T/a.wes" "$T/a.wes" > "$T/aaa.wes"
ok "-k id groups repeated ids into rows" wmontage -k id -o "$T/k.png" "$T/aaa.wes"
is "2 rows x 3 columns: 3x70x104" "$(dims "$T/k.png")" "3x70x104"
ok "grey input gives a grey sheet" wmontage -o "$T/g.png" "$T/g.wes"
is "1 channel" "$(dims "$T/g.png" | cut -dx -f1)" "1"
cat "$T/g.wes" "$T/a.wes" > "$T/ga.wes"
ok "grey and RGB mixed gives RGB" wmontage -o "$T/ga.png" "$T/ga.wes"
is "3 channels" "$(dims "$T/ga.png" | cut -dx -f1)" "3"
ok "labels add a strip" wmontage -l id -t 64 -o "$T/l.png" "$T/a.wes"
is "tile 64 + label strip 10: 3x78x134" "$(dims "$T/l.png")" "3x78x134"
ok "row labels add a column" wmontage -k id -r id -t 32 -o "$T/rl.png" "$T/aaa.wes"
w=$(dims "$T/rl.png" | cut -dx -f3)
[ "$w" -gt 104 ]; is "row labels widen the sheet" $? 0
# labels are drawn: the label strip is not all background
ok "from stdin, JPEG by extension" sh -c "wmontage -o $T/s.jpg < $T/a.wes"
is "JPEG written" "$(head -c 3 "$T/s.jpg" | od -An -tx1 | tr -d ' ')" "ffd8ff"
ok "PNG on stdout" sh -c "wmontage < $T/a.wes > $T/so.png"
is "PNG signature" "$(head -c 4 "$T/so.png" | od -An -tx1 | tr -d ' ')" "89504e47"
ok "resize with -t" wmontage -t 16 -g 0 -o "$T/t.png" "$T/a.wes"
is "2 tiles of 16, no gap: 3x16x32" "$(dims "$T/t.png")" "3x16x32"
ok "font and background options" wmontage -l id -s 2 -b 0 -o "$T/fb.png" "$T/a.wes"

fails 64 "-k with -n" wmontage -k id -n 2 -o "$T/x.png" "$T/a.wes"
fails 64 "bad key name" wmontage -k 'Bad Key' -o "$T/x.png" "$T/a.wes"
fails 64 "unknown output extension" wmontage -o "$T/x.gif" "$T/a.wes"
fails 64 "two inputs" wmontage -o "$T/x.png" "$T/a.wes" "$T/a.wes"
fails 64 "tile 0" wmontage -t 0 -o "$T/x.png" "$T/a.wes"
fails 66 "missing input" wmontage -o "$T/x.png" "$T/none.wes"
dwt < "$T/a.wes" > "$T/w.wes"
fails 65 "only wavelet frames" sh -c "wmontage < $T/w.wes"
head -c 100 "$T/a.wes" > "$T/trunc.wes"
fails 65 "truncated stream" sh -c "wmontage < $T/trunc.wes"
[ ! -e "$T/x.png" ]; is "no output file after failures" $? 0
summary
