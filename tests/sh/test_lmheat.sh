#!/bin/sh
# lmheat: heatmap frames from landmarks, sizes, mask channel, pass-through,
# invalid calls and streams.
. tests/sh/lib.sh
DEMO=third_party/face-api/demo

ok "--help exits 0" lmheat --help
fails 64 "unknown option" lmheat --bogus
fails 64 "sigma out of range" lmheat -g 0
fails 64 "two input files" lmheat a.wes b.wes
fails 66 "missing input" lmheat "$T/nope.wes"
printf 'WES1 landmarks f32 68 2\nid=x#0\n\n' > "$T/trunc.wes"
fails 65 "truncated stream" lmheat "$T/trunc.wes"
{ printf 'WES1 landmarks f32 3 2\nid=x#0\nsize=64\n\n'; head -c 24 /dev/zero; } > "$T/bad.wes"
fails 65 "landmarks not 68x2" lmheat "$T/bad.wes"
{ printf 'WES1 landmarks f32 68 2\nid=x#0\n\n'; head -c 544 /dev/zero; } > "$T/nosize.wes"
fails 65 "no image and no size key" lmheat "$T/nosize.wes"
# Frames without landmarks pass through untouched.
{ printf 'WES1 other u8 2\nid=y#0\n\n'; printf 'ab'; } > "$T/other.wes"
ok "items without landmarks pass through" lmheat "$T/other.wes"
cmp -s "$T/.out" "$T/other.wes"; is "pass-through is byte-identical" $? 0
# A zero landmark set with a size key: K x S/2 x S/2, values in [0,1].
{ printf 'WES1 landmarks f32 68 2\nid=z#0\nsize=64\n\n'; head -c 544 /dev/zero; } > "$T/zero.wes"
ok "landmarks with size key" lmheat -m "$T/zero.wes"
tsinfo -s "$T/.out" > "$T/zi"
grep -q ' heatmap f32 9x32x32 ' "$T/zi"; is "9 x 32 x 32 with --mask at S=64" $? 0
grep ' heatmap ' "$T/zi" | grep -o 'max=[0-9.]*' | awk -F= '{ exit !($2 > 0.9 && $2 <= 1) }'
is "peak near 1 at the landmarks" $? 0

if [ ! -f "$DEMO/sample2.jpg" ]; then
    echo "skip: demo photos missing (run scripts/setup.sh)"; summary; exit $?
fi
facealign -q -s 128 "$DEMO/sample2.jpg" > "$T/face.wes" 2>/dev/null
ok "heatmaps of a real face" lmheat "$T/face.wes"
cp "$T/.out" "$T/hm.wes"
tsinfo -s "$T/hm.wes" > "$T/info"
is "four frames, heatmap last" "$(cut -d' ' -f2 "$T/info" | tr '\n' ' ')" "image landmarks affine heatmap "
grep ' heatmap ' "$T/info" | grep -q ' f32 8x64x64 '; is "8 x S/2 x S/2 by default" $? 0
grep ' heatmap ' "$T/info" | grep -q 'regions=jaw,brow_l,brow_r,nose,eye_l,eye_r,lips_outer,lips_inner'; is "regions key" $? 0
grep ' heatmap ' "$T/info" | grep -q 'id=sample2.jpg#0'; is "item id copied" $? 0
grep ' heatmap ' "$T/info" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(min|max)=/) { split($i, a, "="); if (a[2] < 0 || a[2] > 1) bad = 1 } } END { exit bad }'
is "heatmap values in [0,1]" $? 0
# The three facealign frames are unchanged.
head -c "$(wc -c < "$T/face.wes")" "$T/hm.wes" | cmp -s - "$T/face.wes"; is "other frames byte-identical" $? 0
ok "size and sigma options" lmheat -s 32 -g 0.8 -m "$T/face.wes"
tsinfo "$T/.out" | grep ' heatmap ' | grep -q ' f32 9x32x32 .*sigma=0.8'; is "9 x 32 x 32, sigma key" $? 0
ok "existing heatmap replaced" lmheat -s 16 "$T/hm.wes"
tsinfo "$T/.out" > "$T/info3"
is "still one heatmap, now 16x16" "$(grep -c ' heatmap f32 8x16x16 ' "$T/info3")/$(grep -c ' heatmap ' "$T/info3")" "1/1"
summary
