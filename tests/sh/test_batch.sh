#!/bin/sh
# tests/sh/test_batch.sh - the two rules of doc/design/stream.md for runs
# over many items: (1) a bad item is skipped with one line naming it, the
# run goes on, and the exit status is 65; (2) a stream tool that fails
# midway ends its stream with the abort marker, so every reader downstream
# fails too (no pipefail needed) and no output passes for a whole stream.
. tests/sh/lib.sh
I=tests/fixtures/images
# frame NAME DTYPE DIMS ID BYTES: a frame of BYTES zero bytes
frame() { printf 'WES1 %s %s %s\nid=%s\n\n' "$1" "$2" "$3" "$4"; head -c "$5" /dev/zero; }
# skipped ID: the run's stderr has exactly one line naming ID as skipped
skipped() { is "$1: one 'skipped' line" "$(grep -c "skipped $1" "$T/.err")" 1; }
run() { "$@" > "$T/.out" 2> "$T/.err"; echo $?; }
items() { tsinfo -c "$1" 2>/dev/null | sed 's/.*frames, //'; }

imgread -t u8 "$I/rgb.png" > "$T/good.wes"
{ cat "$T/good.wes"; head -c 100 "$T/good.wes"; } > "$T/short.wes"

# --- the abort marker
is "dwt < short | iwt -t > out: the pipeline fails" "$(dwt < "$T/short.wes" 2>/dev/null | iwt -t > "$T/o.wes" 2>"$T/o.err"; echo $?)" 65
grep -q 'dwt failed upstream' "$T/o.err"; is "iwt names the tool that failed upstream" $? 0
is "the good frame came through" "$(head -n 1 "$T/o.wes")" "WES1 image u8 3 12 16"
tsinfo "$T/o.wes" > /dev/null 2>&1; is "out is not a whole stream (tsinfo: 65)" $? 65
dwt < "$T/short.wes" > "$T/d.wes" 2>/dev/null
grep -aq 'WES1 !abort$' "$T/d.wes"; is "a file with frames ends with the marker" $? 0
grep -aq '^tool=dwt$' "$T/d.wes"; is "... naming the tool" $? 0
head -c 100 "$T/good.wes" | dwt > "$T/e.wes" 2>/dev/null
is "failing before the first frame leaves a file empty" "$(wc -c < "$T/e.wes" | tr -d ' ')" 0
is "to a pipe the marker goes even then" "$(head -c 100 "$T/good.wes" | dwt 2>/dev/null | tsinfo -c 2>/dev/null; echo $?)" \
   "stdin: 0 frames, 0 items
65"
is "a usage error into a pipe: the reader fails" "$(dwt -w nope < "$T/good.wes" 2>/dev/null | iwt -t > "$T/u.wes" 2>/dev/null; \
   echo $?; wc -c < "$T/u.wes" | tr -d ' ')" "65
0"
dwt < "$T/short.wes" 2>/dev/null | iwt -t 2>/dev/null | dwt 2>/dev/null | tsinfo > /dev/null 2>"$T/c.err"
is "through three tools the first cause is named once" "$(grep -o 'dwt failed upstream' "$T/c.err" | wc -l | tr -d ' ')" 1
dwt < "$T/good.wes" | iwt -t > "$T/w.wes"
is "a whole stream has no marker and reads" "$(tsinfo -c "$T/w.wes"; grep -ac 'abort' "$T/w.wes")" \
   "$T/w.wes: 1 frames, 1 items
0"
{ cat "$T/good.wes"; printf 'WES1 !abort\nstatus=65\ntool=x\nmessage=disk on fire\n\n'; cat "$T/good.wes"; } > "$T/m.wes"
is "a reader stops at the marker (tsinfo: 65)" "$(run tsinfo "$T/m.wes")" 65
grep -q 'x failed upstream after frame 1 (exit 65): disk on fire' "$T/.err"; is "... with the upstream message" $? 0
is "... and nothing after it is read" "$(grep -c ':1: image' "$T/.out")" 0

# --- bad items: skipped, named, counted, exit 65
{ sed 's/^id=rgb.png$/id=a/' "$T/good.wes"; frame image i32 '1 4 4' b 64; sed 's/^id=rgb.png$/id=c/' "$T/good.wes"; } > "$T/mix.wes"
is "dwt: a bad item among good ones: exit 65" "$(run dwt < "$T/mix.wes")" 65
skipped b
is "dwt: the two good items are written" "$(items "$T/.out")" "2 items"
grep -q '1 of 3 items skipped' "$T/.err"; is "dwt: the summary counts it" $? 0
dwt < "$T/mix.wes" 2>/dev/null > "$T/mixw.wes"
{ cat "$T/mixw.wes"; frame wavelet f32 '4 6 8' d 768; } > "$T/mixw2.wes"
is "iwt -t: wavelet frame without keys: exit 65" "$(run iwt -t < "$T/mixw2.wes")" 65
skipped d
is "iwt -t: the good items are written" "$(items "$T/.out")" "2 items"
mkdir -p "$T/png"
is "iwt -o: exit 65 (it used to stop at the bad item)" "$(run iwt -o "$T/png/%s.png" < "$T/mixw2.wes")" 65
is "iwt -o: both good files written" "$(ls "$T/png" | tr '\n' ' ')" "a.png c.png "
is "iwt (one image): a bad item still ends the run" "$(run iwt < "$T/mixw2.wes")" 64
{ printf 'WES1 landmarks f32 68 2\nid=a\nsize=64\n\n'; head -c 544 /dev/zero; frame landmarks f32 '3 2' b 24
  printf 'WES1 landmarks f32 68 2\nid=c\nsize=64\n\n'; head -c 544 /dev/zero; } > "$T/lm.wes"
is "lmheat: bad landmarks among good: exit 65" "$(run lmheat < "$T/lm.wes")" 65
skipped b
is "lmheat: two items written" "$(items "$T/.out")" "2 items"
printf '%s\n' "$I/rgb.png" "$T/nope.png" "$I/gray.png" > "$T/list"
is "imgread: a missing file in a list: exit 65 (was 0)" "$(run imgread -l "$T/list")" 65
skipped "$T/nope.png"
is "imgread: the two images written" "$(items "$T/.out")" "2 items"
is "tsinfo: a missing file among two: exit 65" "$(run tsinfo "$T/nope.wes" "$T/good.wes")" 65
grep -q 'good.wes:0: image' "$T/.out"; is "tsinfo: the good file is still listed" $? 0
is "fid: features of another length: exit 65" "$(run fid --no-kid -f frame:image "$T/mix.wes" "$T/mix.wes")" 65
is "fid: one line per skipped item (one per set)" "$(grep -c 'skipped .*item b' "$T/.err")" 2
grep -q '^fid 0.000000$' "$T/.out"; is "fid: computed on the good items" $? 0
is "wmontage: a 2-channel image: exit 65" "$(run wmontage -o "$T/mont.png" "$T/mix.wes")" 65
skipped b
[ -s "$T/mont.png" ]; is "wmontage: the sheet is written" $? 0
convert -size 40x30 xc:gray50 "$T/flat.png" 2>/dev/null || cp "$I/rgb.png" "$T/flat.png"

# the tools with models: only when the models are there
helper=build/tests/test_edit
if [ -x "$helper" ] && $helper --write-model "$T/m1.st" 1 0 0 > /dev/null 2>&1; then
    imgread -s 16 -c 1 "$I/rgb.png" | dwt > "$T/g16.wes"
    imgread -s 8 -c 1 "$I/rgb.png" | dwt | sed 's/^id=rgb.png$/id=small/' > "$T/g8.wes"
    cat "$T/g16.wes" "$T/g8.wes" "$T/g16.wes" | sed '0,/^id=rgb.png$/s//id=first/' > "$T/wd.wes"
    is "wdenoise: a face of the wrong size among good: exit 65 (was: the run aborted)" \
       "$(run wdenoise -m "$T/m1.st" -n 2 -e happy < "$T/wd.wes")" 65
    skipped small
    is "wdenoise: the two good faces are edited and written" "$(items "$T/.out")" "2 items"
else
    echo "skip: wdenoise (needs $helper)"
fi
if [ -f third_party/face-api/model/face_expression_model.bin ]; then
    G=tests/golden/faceapi
    { cat $G/crop_1.wes; frame image u8 '2 8 8' bad 128; cat $G/crop_4.wes; } > "$T/fa.wes"
    is "femo: a 2-channel image among crops: exit 65" "$(run femo < "$T/fa.wes")" 65
    skipped bad
    is "femo: the two crops analysed and written" "$(grep -c 'expr.top' "$T/.out")" 2
    { cat $G/crop_1.wes; sed 's/^id=crop_4$/id=stranger/' $G/crop_4.wes; } > "$T/ed.wes"
    is "femetrics: an edited item without source: exit 65" "$(run femetrics "$T/ed.wes" $G/crop_1.wes)" 65
    skipped stranger
    grep -q '^all ' "$T/.out"; is "femetrics: the table of the matched item" $? 0
else
    echo "skip: femo, femetrics (third_party/face-api missing)"
fi
DEMO=third_party/face-api/demo
if [ -f "$DEMO/sample1.jpg" ] && [ -f "${WE_DLIB_PREDICTOR:-/usr/share/dlib/shape_predictor_68_face_landmarks.dat}" ]; then
    is "facealign: a photo without a face among two: exit 65 (was 0)" \
       "$(run facealign -q -s 64 -D hog "$DEMO/sample1.jpg" "$T/flat.png")" 65
    skipped "$T/flat.png"
    grep -aq '^WES1 image' "$T/.out"; is "facealign: the face of the other photo written" $? 0
    facealign -q -s 64 -D hog "$DEMO/sample1.jpg" > "$T/f1.wes" 2>/dev/null
    { cat "$T/f1.wes"; frame image u8 '1 8 8' noaff 64; } > "$T/fp.wes"
    is "facepaste: a face without affine among good: exit 65" "$(run facepaste -f png "$DEMO/sample1.jpg" "$T/fp.wes")" 65
    skipped noaff
    [ -s "$T/.out" ]; is "facepaste: the photo with the good face is written" $? 0
else
    echo "skip: facealign, facepaste (demo photos or predictor missing)"
fi
summary
