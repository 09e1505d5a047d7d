#!/bin/sh
# tests/sh/test_face_check.sh - facealign's face check (issue 17 point 11):
# the SSD takes a crop of a raccoon's head for a face (score 0.51); the
# check (face-api's landmark net against dlib's points, then the
# recognition descriptor) drops it, while the faces of a group photo stay.
# The raccoon is python3-scipy's sample photo (scipy/misc/face.dat,
# installed by scripts/setup.sh), cropped here as
# bench/report_face_verify.sh crops its hard negatives.
. tests/sh/lib.sh
DAT=/usr/lib/python3/dist-packages/scipy/misc/face.dat
DEMO=third_party/face-api/demo
PRED=${WE_DLIB_PREDICTOR:-/usr/share/dlib/shape_predictor_68_face_landmarks.dat}
if [ ! -f "$DAT" ] || [ ! -f "$PRED" ] || [ ! -f third_party/face-api/model/face_landmark_68_model.bin ]; then
    echo "skip: needs $DAT (python3-scipy), the predictor and face-api's weights (sh scripts/setup.sh)"
    summary; exit $?
fi
# the 537 x 537 crop at x 397, y 0 of the 1024 x 768 RGB raccoon, as PNG
python3 - "$DAT" "$T/raccoon.png" <<'PY'
import bz2, struct, sys, zlib
d = bz2.decompress(open(sys.argv[1], 'rb').read())
W, s, x0 = 1024, 537, 397
rows = b''.join(b'\0' + d[(y * W + x0) * 3:(y * W + x0 + s) * 3] for y in range(s))
chunk = lambda t, b: struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b) & 0xffffffff)
open(sys.argv[2], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', s, s, 8, 2, 0, 0, 0)) +
                              chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
PY
is "the raccoon crop is written" "$(imgread "$T/raccoon.png" 2>/dev/null | tsinfo -k | cut -d' ' -f2-4)" "image f32 3x537x537"
facealign -q -K -s 64 "$T/raccoon.png" > "$T/k.wes" 2>/dev/null
is "without the check (-K) the SSD finds a 'face' in it" "$?:$(tsinfo "$T/k.wes" | grep ' image ' | grep -c 'detector=ssd')" 0:1
facealign -q -s 64 "$T/raccoon.png" > "$T/c.wes" 2> "$T/c.err"
is "with the check: no face, exit 65" "$?:$(wc -c < "$T/c.wes" | tr -d ' ')" 65:0
grep -q 'skipped .*raccoon.png: no face found' "$T/c.err"; is "... and the photo is named as skipped" $? 0
facealign -q -a -s 64 -r "$T/rep.tsv" "$DEMO/sample2.jpg" "$DEMO/sample4.jpg" > /dev/null 2>&1
is "the faces of two group photos all pass (3 and 4; a profile among them)" "$(cut -f3 "$T/rep.tsv" | tr '\n' ' ')" "3 4 "
summary
