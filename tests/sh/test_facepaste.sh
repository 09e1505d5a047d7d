#!/bin/sh
# facepaste: the identity loop facealign | facepaste (and through dwt | iwt -t
# when those tools are built), formats, invalid calls.
. tests/sh/lib.sh
DEMO=third_party/face-api/demo

ok "--help exits 0" facepaste --help
fails 64 "no photo" facepaste
fails 64 "too many arguments" facepaste a b c
fails 64 "bad format" facepaste -f gif x.jpg
fails 64 "bad quality" facepaste -q 0 x.jpg
fails 64 "bad blend" facepaste -b alpha x.jpg
fails 64 "bad levels" facepaste -l 0 x.jpg
fails 64 "photo and stream both stdin" facepaste - -
fails 66 "missing photo" facepaste "$T/nope.jpg" /dev/null
convert -size 40x30 xc:gray50 "$T/flat.png" 2>/dev/null
{ printf 'WES1 image u8 1 8 8\nid=a#0\n\n'; head -c 64 /dev/zero; } > "$T/noaff.wes"
facepaste -f png "$T/flat.png" "$T/noaff.wes" > /dev/null 2> "$T/na.err"
is "image without affine: skipped, exit 65" "$?:$(grep -c 'skipped a#0: image without an affine frame' "$T/na.err")" 65:1
printf 'WES1 image u8 1 8 8\nid=a#0\n\n' > "$T/trunc.wes"
fails 65 "truncated stream" facepaste "$T/flat.png" "$T/trunc.wes"
facepaste -f png "$T/flat.png" /dev/null > "$T/.out" 2> "$T/.err"
is "empty stream: nothing edited, exit 65" $? 65
grep -q 'nothing edited' "$T/.err"; _report $? "... saying so"
imgread -t u8 "$T/.out" > "$T/a.wes" 2>/dev/null; imgread -t u8 "$T/flat.png" > "$T/b.wes" 2>/dev/null
tscmp -q "$T/a.wes" "$T/b.wes"; is "unchanged photo" $? 0

if [ ! -f "$DEMO/sample1.jpg" ]; then
    echo "skip: demo photos missing (run scripts/setup.sh)"; summary; exit $?
fi
P="$DEMO/sample1.jpg"
facealign -a -q "$P" > "$T/faces.wes" 2>/dev/null
ok "paste the unedited faces back (PNG)" facepaste -f png "$P" "$T/faces.wes"
cp "$T/.out" "$T/loop.png"
imgread -t u8 "$P" > "$T/orig.wes" 2>/dev/null
imgread -t u8 "$T/loop.png" > "$T/loop.wes" 2>/dev/null
tsinfo "$T/loop.wes" | grep -q ' image u8 3x1280x1920 '; is "same size and channels" $? 0
# Inside the faces the crop is a resampled copy (detail lost at 128 px);
# outside them the photo is exact: the in-process check is in
# test_face_paste. Here: no pixel is far off, and most are exact.
tscmp -q -a 80 "$T/loop.wes" "$T/orig.wes"; is "loop within 80 gray levels everywhere" $? 0
n=$(tscmp -a 1 "$T/loop.wes" "$T/orig.wes" | grep -o '[0-9]* values differ' | cut -d' ' -f1)
[ "${n:-0}" -lt 200000 ] && r=0 || r=1; is "fewer than 3% of values differ by more than 1 ($n)" $r 0
# The feather blend (the earlier default) is kept under -b feather.
ok "--blend feather" facepaste -b feather -f png "$P" "$T/faces.wes"
imgread -t u8 "$T/.out" > "$T/feather.wes" 2>/dev/null
tscmp -q -a 80 "$T/feather.wes" "$T/orig.wes"; is "feather loop within 80 gray levels everywhere" $? 0
tscmp -q "$T/feather.wes" "$T/loop.wes"; is "feather and pyramid blends differ" $? 1
# Default output format follows the photo (JPEG); -o picks by extension.
facepaste "$P" "$T/faces.wes" > "$T/out.jpg" 2>/dev/null
head -c 3 "$T/out.jpg" | od -An -tx1 | grep -q 'ff d8 ff'; is "JPEG photo -> JPEG output" $? 0
ok "-o FILE.png" facepaste -o "$T/o.png" "$P" "$T/faces.wes"
head -c 4 "$T/o.png" | od -An -c | grep -q 'P   N   G'; is "-o .png writes PNG" $? 0
# Gray crops on a colour photo (luma paste) still give a colour photo.
facealign -q -c 1 "$DEMO/sample2.jpg" | facepaste -f png "$DEMO/sample2.jpg" > "$T/g.png" 2>/dev/null
imgread -t u8 "$T/g.png" | tsinfo | grep -q ' image u8 3x'; is "gray face on a colour photo" $? 0
facepaste -f png "$DEMO/sample2.jpg" "$T/faces.wes" > /dev/null 2> "$T/ap.err"
is "faces of another photo refused (skipped), exit 65" "$?:$(grep -c 'skipped .*aligned from a' "$T/ap.err")" \
   "65:$(tsinfo "$T/faces.wes" | grep -c ' image ')"
if command -v dwt >/dev/null 2>&1 && command -v iwt >/dev/null 2>&1; then
    dwt < "$T/faces.wes" | iwt -t | facepaste -f png "$P" > "$T/w.png" 2>/dev/null
    imgread -t u8 "$T/w.png" > "$T/w.wes" 2>/dev/null
    tscmp -q -a 1 "$T/w.wes" "$T/loop.wes"; is "facealign | dwt | iwt -t | facepaste = direct loop (1 level)" $? 0
else
    echo "skip: dwt/iwt not built"
fi
summary
