#!/bin/sh
# facealign: faces on the demo photos, crops of the requested size and type,
# whole-frame landmarks on a pre-cropped face, labels, invalid calls.
# The shape predictor loads in ~1 s per call: few calls, one batch run.
. tests/sh/lib.sh
DEMO=third_party/face-api/demo
PRED=${WE_DLIB_PREDICTOR:-/usr/share/dlib/shape_predictor_68_face_landmarks.dat}

ok "--help exits 0" facealign --help
grep -q -- '--whole-frame' "$T/.out"; is "--help lists --whole-frame" $? 0
fails 64 "unknown option" facealign --bogus x.jpg
fails 64 "--size out of range" facealign -s 4 x.jpg
fails 64 "--channels 2" facealign -c 2 x.jpg
fails 64 "--dtype bad" facealign -t f64 x.jpg
fails 64 "--detector bad" facealign -D cnn x.jpg
fails 64 "--confidence 1" facealign -C 1 x.jpg
fails 64 "--confidence 0" facealign -C 0 x.jpg
fails 64 "stdin twice" facealign - -L -
fails 66 "missing predictor" facealign -p /nonexistent/sp.dat x.jpg
fails 66 "missing labels" facealign -e /nonexistent/labels.csv x.jpg

if [ ! -f "$DEMO/sample1.jpg" ] || [ ! -f "$PRED" ]; then
    echo "skip: demo photos or shape predictor missing (run scripts/setup.sh)"
    summary; exit $?
fi

# One batch over the six demo photos, every face, with a report (HOG).
ok "six demo photos, all faces" facealign -s 128 -D hog -a -r "$T/rep.tsv" "$DEMO"/sample1.jpg "$DEMO"/sample2.jpg \
    "$DEMO"/sample3.jpg "$DEMO"/sample4.jpg "$DEMO"/sample5.jpg "$DEMO"/sample6.jpg
cp "$T/.out" "$T/all.wes"
is "faces per photo (report)" "$(cut -f3 "$T/rep.tsv" | tr '\n' ' ')" "3 1 3 3 5 4 "
is "three frames per face" "$(tsinfo -c "$T/all.wes" | grep -o '[0-9]* frames')" "57 frames"
tsinfo "$T/all.wes" > "$T/info"
is "image frames 3x128x128 f32" "$(grep -c ' image f32 3x128x128 ' "$T/info")" 19
is "landmarks 68x2" "$(grep -c ' landmarks f32 68x2 ' "$T/info")" 19
is "affine 2x3" "$(grep -c ' affine f32 2x3 ' "$T/info")" 19
is "ids file#index" "$(grep ' image ' "$T/info" | grep -o 'id=[^ ]*' | sed -n '1p;4p;19p' | tr '\n' ' ')" \
   "id=sample1.jpg#0 id=sample2.jpg#0 id=sample6.jpg#3 "
grep -q "src=$DEMO/sample5.jpg" "$T/info"; is "src key" $? 0
grep -q 'detector=hog' "$T/info"; is "detector key" $? 0
tsinfo -s "$T/all.wes" | awk '/ image /{ for (i = 1; i <= NF; i++) if ($i ~ /^(min|max)=/) { split($i, a, "="); if (a[2] < -1 || a[2] > 1) bad = 1 } } END { exit bad }'
is "pixels in [-1,1]" $? 0
# The SSD detector (and auto, the default) also finds the head tilted by ~15
# degrees in sample4 and the turned and down-looking faces in sample2.
ok "six demo photos, ssd" facealign -s 128 -D ssd -a -q -r "$T/rep_ssd.tsv" "$DEMO"/sample1.jpg "$DEMO"/sample2.jpg \
    "$DEMO"/sample3.jpg "$DEMO"/sample4.jpg "$DEMO"/sample5.jpg "$DEMO"/sample6.jpg
is "ssd: faces per photo" "$(cut -f3 "$T/rep_ssd.tsv" | tr '\n' ' ')" "3 3 3 4 5 4 "
tsinfo "$T/.out" > "$T/info_ssd"
is "ssd: detector key on all 66 frames" "$(grep -c 'detector=ssd' "$T/info_ssd")" 66
grep ' image ' "$T/info_ssd" | grep 'id=sample4.jpg#' | grep -o 'box=[0-9.]*' | cut -d= -f2 |
    awk '{ if ($1 < 400) n++ } END { exit n != 1 }'
is "ssd: the tilted head at the left of sample4 (box x0 < 400)" $? 0
ok "default (auto) on sample2" facealign -a -q -r "$T/rep_auto.tsv" "$DEMO"/sample2.jpg
is "auto: three faces in sample2" "$(cut -f3,4 "$T/rep_auto.tsv")" "$(printf '3\tssd')"
is "default size 256, native: each face at 64*2^k <= 256 of its own span" \
   "$(tsinfo "$T/.out" | grep ' image ' | grep -cE ' f32 3x(64x64|128x128|256x256) ')" 3
facealign -a -q -F "$DEMO"/sample2.jpg > "$T/fixed.wes"
is "-F: every face at 256 (wdenoise's cascade with the 64 px model)" "$(tsinfo "$T/fixed.wes" | grep -c ' image f32 3x256x256 ')" 3
# Without face-api's weights: -D ssd fails (66, empty stdout), auto warns and uses hog.
fails 66 "ssd: missing weights" env WE_FACEAPI_DIR=/nonexistent facealign -D ssd "$DEMO"/sample2.jpg
WE_FACEAPI_DIR=/nonexistent facealign -q "$DEMO"/sample2.jpg 2> "$T/noweights.err" | tsinfo > "$T/info_nw"
grep -q 'detector=hog' "$T/info_nw" && grep -q 'using hog' "$T/noweights.err"
is "auto without weights: hog, with a warning" $? 0
# A tight face crop (face filling the picture): found by the framed pass.
convert "$DEMO/sample2.jpg" -crop 190x190+1448+190 +repage "$T/tight.jpg" 2>/dev/null
ok "ssd: tight face crop" facealign -s 128 -D ssd -q "$T/tight.jpg"
is "ssd: one face" "$(tsinfo "$T/.out" | grep -c ' image f32 3x128x128 ')" 1
# A photo on stdin: the largest face, id stdin#0.
facealign -q < "$DEMO"/sample3.jpg > "$T/s3.wes" 2>/dev/null
is "stdin: largest face only, id and src" "$(tsinfo "$T/s3.wes" | grep ' image ' | grep -o 'id=[^ ]* src=[^ ]*')" \
   "id=stdin#0 src=stdin"

# Small gray u8 crops, a pre-cropped tiny face, labels, no face, corrupt file.
convert "$DEMO/sample2.jpg" -crop 180x180+1448+214 +repage -resize 48x48 -colorspace Gray "$T/tiny.png" 2>/dev/null
convert -size 96x96 xc:gray50 "$T/flat.png" 2>/dev/null
head -c 3000 "$DEMO/sample2.jpg" > "$T/corrupt.jpg"
printf 'not an image at all' > "$T/text.jpg"
printf 'image,emotion\nsample2.jpg,Happiness\ntiny.png,angry\nflat.png,sadness\n' > "$T/labels.csv"
facealign -s 64 -c 1 -t u8 -W -e "$T/labels.csv" -r "$T/rep2.tsv" "$DEMO/sample2.jpg" "$T/tiny.png" \
    "$T/flat.png" "$T/corrupt.jpg" "$T/text.jpg" "$T/missing.jpg" > "$T/small.wes" 2> "$T/small.err"
is "batch with failures exits 65 (files skipped: see BAD ITEMS)" $? 65
tsinfo "$T/small.wes" > "$T/info2"
is "u8 1x64x64 crops" "$(grep -c ' image u8 1x64x64 ' "$T/info2")" 3
grep ' image ' "$T/info2" | grep 'id=sample2.jpg#0' | grep -q 'emotion=happy'; is "label word mapped (Happiness -> happy)" $? 0
grep ' image ' "$T/info2" | grep 'id=tiny.png#0' | grep -q 'emotion=anger'; is "label angry -> anger" $? 0
grep -q 'detector=whole' "$T/info2"; is "whole-frame landmarks say so" $? 0
is "report statuses" "$(cut -f2 "$T/rep2.tsv" | tr '\n' ' ')" "ok ok ok corrupt unsupported missing "
grep -q 'facealign: 6 files: 3 faces written' "$T/small.err"; is "summary line counts" $? 0
is "one warning per bad file" "$(grep -c -e corrupt.jpg -e text.jpg -e missing.jpg "$T/small.err")" 3

# A head tilted by 65 degrees: beyond the detector, found with --rotate.
convert "$DEMO/sample2.jpg" -crop 500x500+1288+54 +repage -background gray -rotate 65 -resize 400x400 "$T/tilt.jpg" 2>/dev/null
fails 65 "65-degree tilt: not found upright" facealign -D hog "$T/tilt.jpg"
ok "65-degree tilt: found with --rotate 45" facealign -s 128 -D hog -R 45 "$T/tilt.jpg"
is "one upright face" "$(tsinfo "$T/.out" | grep -c ' image f32 3x128x128 ')" 1

# --native: a face smaller than S is cropped at its own scale (the largest
# 64*2^k within its crop window's span in photo pixels), never upsampled.
# Fixture: the head of sample2 at three sizes (crop spans ~290, ~145, ~70 px).
convert "$DEMO/sample2.jpg" -crop 500x500+1288+54 +repage "$T/head.png" 2>/dev/null
for r in 600 300 150; do convert "$T/head.png" -resize ${r}x${r} "$T/head$r.png" 2>/dev/null; done
facealign -q -N -s 256 -t u8 "$T/head600.png" "$T/head300.png" "$T/head150.png" > "$T/nat.wes" 2>/dev/null
is "native: 256 / 128 / 64 px crops" "$(tsinfo "$T/nat.wes" | grep ' image ' | grep -o 'u8 [0-9x]*' | tr '\n' ' ')" \
   "u8 3x256x256 u8 3x128x128 u8 3x64x64 "
is "native: size keys follow" "$(tsinfo "$T/nat.wes" | grep ' affine ' | grep -o 'size=[0-9]*' | tr '\n' ' ')" \
   "size=256 size=128 size=64 "
facealign -q -s 256 -t u8 "$T/head600.png" > "$T/big.wes" 2>/dev/null
facealign -q -N -s 256 -t u8 "$T/head600.png" > "$T/big_n.wes" 2>/dev/null
cmp -s "$T/big.wes" "$T/big_n.wes"; is "native: a face larger than S is cropped as without -N (same bytes)" $? 0
facealign -q -s 256 -t u8 "$T/head300.png" | tsinfo | grep -q ' image u8 3x128x128 '; is "native is the default" $? 0
facealign -q -F -s 256 -t u8 "$T/head300.png" | tsinfo | grep -q ' image u8 3x256x256 '; is "-F: enlarged to S" $? 0
facealign -q -N -s 64 -t u8 "$T/head600.png" | tsinfo | grep -q ' image u8 3x64x64 '; is "native: never above S" $? 0
# The native crop pastes back into its photo (facepaste reads the size key).
facealign -q -N -s 256 -t u8 "$T/head300.png" | facepaste -f png "$T/head300.png" > "$T/nat_loop.png" 2>/dev/null
imgread -t u8 "$T/nat_loop.png" > "$T/nl.wes" 2>/dev/null; imgread -t u8 "$T/head300.png" > "$T/h3.wes" 2>/dev/null
tscmp -q -a 40 "$T/nl.wes" "$T/h3.wes"; is "native: 128 px crop pasted back into the 300 px photo (within 40 everywhere)" $? 0

# Without -W the flat image has no face: exit 65, nothing written.
fails 65 "no face anywhere: exit 65, empty stdout" facealign "$T/flat.png"
grep -q 'try -w' "$T/.err"; is "a small squarish image without a face: -w suggested" $? 0
convert -size 900x300 xc:gray50 "$T/wide.png" 2>/dev/null
fails 65 "no face in a large wide photo" facealign "$T/wide.png"
grep -q 'try -w' "$T/.err"; is "... no -w hint there" $? 1
fails 66 "missing only: exit 66" facealign "$T/missing.jpg"
summary
