# test_imgread.sh - imgread: frames written, options, batch errors, exit codes.
. tests/sh/lib.sh
F=tests/fixtures/images

hdr() { head -c 100 "$1" | head -n 1; } # first header line of a stream file
nframes() { grep -ao 'WES1 image' "$1" | wc -l | tr -d ' '; }

ok "one PNG" sh -c "imgread $F/rgb.png > '$T/a.wes'"
is "default: f32 3x12x16" "$(hdr "$T/a.wes")" "WES1 image f32 3 12 16"
is "keys id and src" "$(head -c 100 "$T/a.wes" | sed -n '2,3p' | tr '\n' ' ')" "id=rgb.png src=$F/rgb.png "
h="WES1 image f32 3 12 16
id=rgb.png
src=$F/rgb.png

"
is "frame size: header + 3*12*16 floats" "$(wc -c <"$T/a.wes" | tr -d ' ')" "$((${#h} + 3 * 12 * 16 * 4))"
ok "-t u8" sh -c "imgread -t u8 $F/rgb.png > '$T/b.wes'"
is "u8 header" "$(hdr "$T/b.wes")" "WES1 image u8 3 12 16"
# first pixel of the pattern is R=8 G=10 B=... : byte after the header
is "u8 first pixel value" "$(tail -c $((3 * 12 * 16)) "$T/b.wes" | head -c 1 | od -An -tu1 | tr -d ' ')" "8"
ok "gray PNG keeps 1 channel" sh -c "imgread -t u8 $F/gray.png > '$T/g.wes'"
is "gray header" "$(hdr "$T/g.wes")" "WES1 image u8 1 12 16"
ok "-c 3 on gray" sh -c "imgread -c 3 $F/gray.png > '$T/g3.wes'"
is "-c 3 header" "$(hdr "$T/g3.wes")" "WES1 image f32 3 12 16"
ok "-c 1 on RGB" sh -c "imgread -c 1 $F/rgb.jpg > '$T/c1.wes'"
is "-c 1 header" "$(hdr "$T/c1.wes")" "WES1 image f32 1 12 16"
ok "-s 8 crops and resizes" sh -c "imgread -s 8 $F/rgb.png > '$T/s.wes'"
is "-s 8 shape" "$(hdr "$T/s.wes")" "WES1 image f32 3 8 8"
ok "-s 40 enlarges" sh -c "imgread -t u8 -s 40 $F/orient6.jpg > '$T/s40.wes'"
is "-s 40 shape" "$(hdr "$T/s40.wes")" "WES1 image u8 3 40 40"
ok "EXIF orientation 6 is applied" sh -c "imgread -t u8 $F/orient6.jpg > '$T/o6.wes'"
is "orientation 6 shape stays 12x16" "$(hdr "$T/o6.wes")" "WES1 image u8 3 12 16"
ok "image from stdin" sh -c "imgread -t u8 < $F/rgb.jpg > '$T/in.wes'"
is "stdin id" "$(head -c 100 "$T/in.wes" | sed -n 2p)" "id=stdin"
is "stdin and file give the same bytes" "$(tail -c 576 "$T/in.wes" | od -An -tx1 | md5sum)" \
    "$(imgread -t u8 $F/rgb.jpg | tail -c 576 | od -An -tx1 | md5sum)"

# several files, one bad: frames for the good ones, a warning, a summary
imgread -t u8 $F/rgb.png $F/rgb.webp $F/gray.jpg $F/nope.png >"$T/m.wes" 2>"$T/m.err"
is "mixed batch exits 65 (bad items skipped: see stream.md)" "$?" 65
is "mixed batch: 2 frames" "$(nframes "$T/m.wes")" 2
is "webp warning" "$(grep -c "^imgread: skipped $F/rgb.webp: WebP images are not supported" "$T/m.err")" 1
is "missing file warning" "$(grep -c "^imgread: skipped $F/nope.png: cannot open" "$T/m.err")" 1
is "summary line" "$(tail -n 1 "$T/m.err")" "imgread: 2 images written, 2 rejected"

fails 66 "missing file" imgread "$T/nope.png"
fails 66 "every input missing" imgread "$T/nope.png" "$T/nope2.jpg"
fails 65 "webp" imgread $F/rgb.webp
fails 65 "truncated JPEG" imgread $F/truncated.jpg
fails 65 "missing and corrupt mixed" imgread "$T/nope.png" $F/truncated.png
fails 65 "empty stdin" sh -c "imgread < /dev/null"
ok "truncated message is one line" sh -c "imgread $F/truncated.jpg 2>&1 >/dev/null | wc -l | grep -qx 1"

# list mode
printf '%s\n' $F/rgb.png $F/gray.png '' $F/rgb.gif $F/orient3.jpg >"$T/list"
printf '%s\r\n' $F/rgb.png >"$T/crlf"
imgread -t u8 -l "$T/list" > "$T/l.wes" 2>"$T/l.err"
is "list file with a GIF: exit 65" $? 65
is "list: 3 frames" "$(nframes "$T/l.wes")" 3
is "list summary" "$(tail -n 1 "$T/l.err")" "imgread: 3 images written, 1 rejected"
imgread -l - < "$T/list" > "$T/l2.wes" 2>/dev/null
is "list on stdin: exit 65" $? 65
is "stdin list: 3 frames" "$(nframes "$T/l2.wes")" 3
ok "list with CRLF line ends" sh -c "imgread -l '$T/crlf' > '$T/l3.wes'"
is "CRLF list: 1 frame" "$(nframes "$T/l3.wes")" 1
ok "empty list writes nothing" sh -c "imgread -l /dev/null > '$T/e.wes'"
is "empty list output" "$(wc -c <"$T/e.wes" | tr -d ' ')" 0
fails 66 "missing list file" imgread -l "$T/nolist"

# usage errors: exit 64, nothing on stdout
fails 64 "bad -t" imgread -t f16 $F/rgb.png
fails 64 "bad -c" imgread -c 2 $F/rgb.png
fails 64 "bad -s" imgread -s 0 $F/rgb.png
fails 64 "non-numeric -s" imgread -s big $F/rgb.png
fails 64 "unknown option" imgread --frobnicate $F/rgb.png
ok "--help" sh -c "imgread --help > '$T/help'"
ok "--help goes to stdout" grep -q "^Usage: imgread" "$T/help"
if command -v script >/dev/null 2>&1; then
    script -qec "imgread $F/rgb.png" /dev/null >"$T/tty.out" 2>&1
    ok "refuses to write to a terminal" grep -q "refusing to write" "$T/tty.out"
fi
summary
