# test_dwt.sh - dwt and iwt: frames, keys, pass-through, round trips,
# image output, invalid calls and bad data (exit codes, empty stdout).
. tests/sh/lib.sh
export LC_ALL=C

# frame NAME DTYPE "D0 D1 ..." NBYTES [KEY=VAL...] : a frame with a
# deterministic byte pattern as payload
frame() {
    name=$1 dt=$2 dims=$3 nb=$4; shift 4
    printf 'WES1 %s %s %s\n' "$name" "$dt" "$dims"
    for kv in "$@"; do printf '%s\n' "$kv"; done
    printf '\n'
    awk -v n="$nb" 'BEGIN { for (i = 0; i < n; i++) printf "%c", (i * 37 + 11 + int(i / 97)) % 256 }'
}
hdr() { head -c 200 "$1" | head -n 1; }
sz() { wc -c <"$1" | tr -d ' '; }

frame image u8 "3 32 48" 4608 id=pic/one.jpg src=somewhere >"$T/u8.wes"
frame image u8 "1 16 16" 256 "id=two two" >"$T/g8.wes"
frame landmarks f32 "2 2" 16 id=pic/one.jpg >"$T/lm.wes"

# ---- dwt ------------------------------------------------------------------
ok "dwt < /dev/null: exit 0" sh -c "dwt < /dev/null > '$T/e.out'"
is "dwt < /dev/null: empty output" "$(sz "$T/e.out")" 0
ok "iwt -t < /dev/null: exit 0" sh -c "iwt -t < /dev/null > '$T/e2.out'"
is "iwt -t < /dev/null: empty output" "$(sz "$T/e2.out")" 0
ok "dwt --help" sh -c "dwt --help > '$T/h.out'"
is "--help lists the wavelets" "$(grep -c 'bior4.4' "$T/h.out")" 1
ok "iwt --help" iwt --help

ok "dwt u8 image" sh -c "dwt < '$T/u8.wes' > '$T/w.wes'"
is "J=1 shape 12x16x24" "$(hdr "$T/w.wes")" "WES1 wavelet f32 12 16 24"
is "keys: item keys, then wavelet, levels, mode, image.dtype" \
    "$(head -c 300 "$T/w.wes" | sed -n '2,7p' | tr '\n' ' ')" \
    "id=pic/one.jpg src=somewhere wavelet=haar levels=1 mode=periodization image.dtype=u8 "
ok "dwt -w bior4.4 -J 2" sh -c "dwt -w bior4.4 -J 2 < '$T/u8.wes' > '$T/w2.wes'"
is "J=2 shape 48x8x12" "$(hdr "$T/w2.wes")" "WES1 wavelet f32 48 8 12"
ok "dwt --levels=3 --wavelet=db2" sh -c "dwt --levels=3 --wavelet=db2 < '$T/u8.wes' > '$T/w3.wes'"
is "J=3 shape 192x4x6" "$(hdr "$T/w3.wes")" "WES1 wavelet f32 192 4 6"

# foreign frames pass through unchanged and in order
cat "$T/lm.wes" "$T/u8.wes" "$T/lm.wes" >"$T/mix.wes"
ok "dwt on a mixed stream" sh -c "dwt < '$T/mix.wes' > '$T/mix.out'"
is "leading landmarks frame unchanged" "$(head -c "$(sz "$T/lm.wes")" "$T/mix.out" | cksum)" "$(cksum <"$T/lm.wes")"
is "trailing landmarks frame unchanged" "$(tail -c "$(sz "$T/lm.wes")" "$T/mix.out" | cksum)" "$(cksum <"$T/lm.wes")"
is "frames in order" "$(tsinfo -k "$T/mix.out" | cut -d' ' -f2 | tr '\n' ' ')" "landmarks wavelet landmarks "

# round trips
ok "u8 stream: dwt | iwt -t restores the stream byte for byte" \
    sh -c "dwt -w bior4.4 -J 2 < '$T/u8.wes' | iwt -t | cmp - '$T/u8.wes'"
ok "mixed stream: dwt | iwt -t is the identity" sh -c "dwt -w db4 < '$T/mix.wes' | iwt -t | cmp - '$T/mix.wes'"
imgread_ok=0
command -v imgread >/dev/null && imgread_ok=1
# f32 input: convert u8 -> f32 through iwt -t -F of a haar transform
ok "f32 image stream" sh -c "dwt < '$T/u8.wes' | iwt -t -F > '$T/f32.wes'"
is "f32 image header" "$(hdr "$T/f32.wes")" "WES1 image f32 3 32 48"
for w in haar db2 bior1.5 bior4.4 sym4 coif1; do
    ok "f32 round trip $w J=2 within 1e-5" sh -c "dwt -w $w -J 2 < '$T/f32.wes' | iwt -t | tscmp -q -a 1e-5 - '$T/f32.wes'"
done
ok "iwt -t -u writes u8" sh -c "dwt < '$T/f32.wes' | iwt -t -u | cmp - '$T/u8.wes'"
ok "-T 1 and -T 2 give identical bytes" sh -c \
    "dwt -T 1 -w bior4.4 < '$T/f32.wes' > '$T/t1' && dwt -T 2 -w bior4.4 < '$T/f32.wes' > '$T/t2' && cmp '$T/t1' '$T/t2'"

# ---- dwt: bad calls and bad data ----------------------------------------------
fails 64 "unknown wavelet" dwt -w nosuch
fails 64 "-J 0" dwt -J 0
fails 64 "-J x" dwt -J x
fails 64 "unknown option" dwt --frobnicate
fails 64 "unknown device" dwt --device tpu
fails 64 "stray argument" dwt file.wes
head -c 1000 "$T/u8.wes" >"$T/trunc.wes"
fails 65 "truncated frame" sh -c "dwt < '$T/trunc.wes'"
is "truncated: message says so" "$(grep -c 'truncated' "$T/.err")" 1
printf 'WES1 image f32 1 1048576 1048576\n\n' >"$T/huge.wes"
fails 65 "2^40-element header" sh -c "dwt < '$T/huge.wes'"
# ---- odd sizes: periodization repeats the last row/column (as pywt does for
# J = 1), dwt records image.height/width, iwt crops back ----------------------
for w in haar bior4.4; do
    ok "odd 3x7x9, $w: equals pywt.dwt2" sh -c "dwt -w $w < tests/golden/dwt/odd_in.wes | tscmp -a 1e-5 - tests/golden/dwt/odd_$w.wes"
    ok "odd 3x7x9, $w: round trip within 1e-5" sh -c "dwt -w $w -J 2 < tests/golden/dwt/odd_in.wes | iwt -t | tscmp -a 1e-5 - tests/golden/dwt/odd_in.wes"
done
ok "odd size records the original size" sh -c "dwt < tests/golden/dwt/odd_in.wes | tsinfo | grep -q 'image.height=7 image.width=9'"
ok "iwt drops the size keys" sh -c "dwt < tests/golden/dwt/odd_in.wes | iwt -t | tsinfo | grep -vq 'image.height'"
frame image u8 "1 6 10" 60 >"$T/odd.wes" # u8: 240 arbitrary bytes as f32 hold NaNs, refused (wes(5))
ok "6x10 with -J 2 pads to 8x12" sh -c "dwt -J 2 < '$T/odd.wes' | tsinfo -k | grep -q 'wavelet f32 16x2x3'"
printf 'WES1 wavelet f32 4 2 2\nwavelet=haar\nlevels=1\nimage.height=9\nimage.width=2\n\n' >"$T/badkeys.wes"
head -c 64 /dev/zero >>"$T/badkeys.wes"
fails 65 "image.height beyond the padded size" sh -c "iwt -t < '$T/badkeys.wes'"
frame image i32 "1 8 8" 256 >"$T/i32.wes"
fails 65 "image dtype i32" sh -c "dwt < '$T/i32.wes'"
frame image f32 "64" 256 >"$T/r1.wes"
fails 65 "image of rank 1" sh -c "dwt < '$T/r1.wes'"
printf 'hello, this is not a tensor stream\n\000\001\002' >"$T/garbage"
fails 65 "garbage bytes" sh -c "dwt < '$T/garbage'"
dwt --device cuda <"$T/u8.wes" >"$T/cuda.out" 2>"$T/cuda.err"
rc=$?
if [ $rc -eq 0 ]; then
    ok "--device cuda (GPU present): same result as cpu" sh -c "dwt --device cpu < '$T/u8.wes' | cmp - '$T/cuda.out'"
else
    is "--device cuda without GPU: exit 69, empty stdout" "$rc $(sz "$T/cuda.out")" "69 0"
fi
echo "skip terminal refusal (needs a tty; covered by we_cli_refuse_tty)"

# ---- iwt: images -------------------------------------------------------------
ok "iwt: one image -> PNG on stdout" sh -c "dwt -w bior4.4 < '$T/u8.wes' | iwt > '$T/one.png'"
is "PNG signature" "$(head -c 8 "$T/one.png" | od -An -tx1 | tr -d ' ')" "89504e470d0a1a0a"
if [ $imgread_ok -eq 1 ]; then
    ok "PNG reproduces the 8-bit input exactly" sh -c "imgread -t u8 '$T/one.png' | tscmp -q - '$T/u8.wes'"
    ok "image -> PNG -> imgread -> dwt -> iwt -> PNG is exact" sh -c \
        "imgread '$T/one.png' | dwt -w bior4.4 -J 2 | iwt > '$T/two.png' && imgread -t u8 '$T/two.png' | tscmp -q - '$T/u8.wes'"
fi
ok "iwt -f jpeg -q 95" sh -c "dwt < '$T/u8.wes' | iwt -f jpeg -q 95 > '$T/one.jpg'"
is "JPEG signature" "$(head -c 3 "$T/one.jpg" | od -An -tx1 | tr -d ' ')" "ffd8ff"
[ $imgread_ok -eq 1 ] && is "JPEG decodes to 3x32x48" "$(imgread -t u8 "$T/one.jpg" | head -n 1)" "WES1 image u8 3 32 48"
cat "$T/u8.wes" "$T/lm.wes" "$T/g8.wes" >"$T/two.wes"
mkdir -p "$T/out"
ok "iwt -o pattern: one file per item" sh -c "dwt < '$T/two.wes' | iwt -o '$T/out/%s-%03d.png'"
is "files named from id (safe) and index" "$(ls "$T/out" | tr '\n' ' ')" "pic_one.jpg-000.png two_two-001.png "
is "no temporary files left" "$(ls -a "$T/out" | wc -l | tr -d ' ')" 4
[ $imgread_ok -eq 1 ] && ok "pattern file 1 is exact" sh -c "imgread -t u8 '$T/out/pic_one.jpg-000.png' | tscmp -q - '$T/u8.wes'"
[ $imgread_ok -eq 1 ] && ok "pattern file 2 is exact (gray)" sh -c "imgread -t u8 '$T/out/two_two-001.png' | tscmp -q - '$T/g8.wes'"
ok "iwt -o with .jpg pattern writes JPEG" sh -c "dwt < '$T/two.wes' | iwt -o '$T/out/%d.jpg'"
is "JPEG from pattern" "$(head -c 3 "$T/out/1.jpg" | od -An -tx1 | tr -d ' ')" "ffd8ff"

# ---- iwt: bad calls and bad data ---------------------------------------------
fails 64 "two images without -o" sh -c "dwt < '$T/two.wes' | iwt"
fails 65 "no wavelet frame" sh -c "iwt < '$T/lm.wes'"
fails 64 "-t with -o" iwt -t -o 'x%d.png'
fails 64 "-u without -t" iwt -u
fails 64 "-o without a conversion" iwt -o out.png
fails 64 "-o with %x" iwt -o 'out%x.png'
fails 64 "-q out of range" iwt -f jpeg -q 101
fails 64 "-f gif" iwt -f gif
frame wavelet f32 "12 4 4" 768 levels=1 >"$T/nokey.wes"
fails 65 "wavelet frame without 'wavelet' key" sh -c "iwt -t < '$T/nokey.wes'"
frame wavelet f32 "12 4 4" 768 wavelet=db99 levels=1 >"$T/unk.wes"
fails 65 "unknown wavelet in the frame" sh -c "iwt -t < '$T/unk.wes'"
frame wavelet f32 "12 4 4" 768 wavelet=haar >"$T/nolev.wes"
fails 65 "missing levels" sh -c "iwt -t < '$T/nolev.wes'"
frame wavelet f32 "12 4 4" 768 wavelet=haar levels=2 >"$T/badc.wes"
fails 65 "channels not a multiple of 4^J" sh -c "iwt -t < '$T/badc.wes'"
frame wavelet f32 "12 4 4" 768 wavelet=haar levels=1 mode=symmetric >"$T/mode.wes"
fails 65 "mode other than periodization" sh -c "iwt -t < '$T/mode.wes'"
frame wavelet f32 "8 4 4" 512 wavelet=haar levels=1 >"$T/c2.wes"
fails 65 "2 channels cannot be a PNG" sh -c "iwt < '$T/c2.wes'"
ok "... but -t can write them" sh -c "iwt -t < '$T/c2.wes' > /dev/null"
head -c 700 "$T/w.wes" >"$T/wtrunc.wes"
fails 65 "iwt: truncated frame" sh -c "iwt -t < '$T/wtrunc.wes'"
fails 65 "iwt: garbage bytes" sh -c "iwt -t < '$T/garbage'"
summary
