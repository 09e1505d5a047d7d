#!/bin/sh
# pipelines/dataset.mk: shards, held-out split by file, stats, incremental
# rebuilds, on a tiny labelled folder made from the demo photos.
. tests/sh/lib.sh
DEMO=third_party/face-api/demo
if [ ! -f "$DEMO/sample2.jpg" ]; then
    echo "skip: demo photos missing (run scripts/setup.sh)"; summary; exit $?
fi
D="$T/set"
mkdir -p "$D/images"
convert "$DEMO/sample2.jpg" -crop 300x300+1388+154 +repage "$D/images/a.jpg" 2>/dev/null
convert "$DEMO/sample3.jpg" -crop 300x300+525+334 +repage -colorspace Gray "$D/images/b.png" 2>/dev/null
convert "$DEMO/sample6.jpg" -crop 300x300+1109+334 +repage "$D/images/c.jpg" 2>/dev/null
printf 'not an image' > "$D/images/d.jpg"
printf 'image,emotion\na.jpg,happiness\nb.png,neutral\nc.jpg,Surprise\nd.jpg,sad\n' > "$D/labels.csv"
MK="make -s -f pipelines/dataset.mk SRC=$D OUT=$T/out S=64 C=1 SHARDS=1 TEST_PCT=50 BIN=bin"

ok "dataset builds" $MK -j2
cat "$T/out/stats.txt"
ls "$T/out"/*.wes | sed 's#.*/##' > "$T/shards"
is "a train and a test shard" "$(tr '\n' ' ' < "$T/shards")" "test-00.wes train-00.wes "
grep -q 'files: 4 read, 3 with faces, 1 rejected' "$T/out/stats.txt"; is "stats: files" $? 0
grep -q 'faces: 3 ' "$T/out/stats.txt"; is "stats: faces" $? 0
grep 'faces per label' "$T/out/stats.txt" | grep -q 'happy=1' && grep 'faces per label' "$T/out/stats.txt" | grep -q 'surprise=1'
is "stats: per-label counts, words mapped" $? 0
grep -q 'unsupported' "$T/out/stats.txt"; is "stats: rejection reason" $? 0
cat "$T/out"/*.wes | tsinfo > "$T/info"
is "image + landmarks + affine + heatmap per face" "$(cut -d' ' -f2 "$T/info" | sort | uniq -c | awk '{ printf "%s %s ", $1, $2 }')" \
   "3 affine 3 heatmap 3 image 3 landmarks "
grep ' image ' "$T/info" | grep -q ' f32 1x64x64 '; is "chosen S and C" $? 0
# Split by file: no file on both sides.
both=$(cut -f1 "$T/out/reports/train-00.tsv" | grep -F -x -f - "$T/out/reports/test-00.tsv" 2>/dev/null | wc -l)
is "held-out split by file" "$both" 0
# Incremental: nothing to do; touching a file (a copy, a re-provisioned
# share) rebuilds nothing; changing its bytes rebuilds only its shard.
$MK -j2 > "$T/again" 2>&1
is "up to date: no shard rebuilt" "$(grep -c 'dataset: t' "$T/again")" 0
f=$(head -n 1 "$T/out/lists/test-00.txt")
sleep 1; touch "$D"/images/*
$MK -j2 > "$T/again1" 2>&1
is "every file touched: no shard rebuilt" "$(grep -c 'dataset: t' "$T/again1")" 0
printf ' ' >> "$f"
$MK -j2 > "$T/again2" 2>&1
is "one file changed: its shard only" "$(grep 'dataset: t' "$T/again2" | tr '\n' ' ')" "dataset: test-00 "
# The labels count by content: touched, nothing; changed, every shard.
sleep 1; touch "$D/labels.csv"
$MK -j2 > "$T/again3" 2>&1
is "labels touched: no shard rebuilt" "$(grep -c 'dataset: t' "$T/again3")" 0
echo 'zz.jpg,anger' >> "$D/labels.csv"
$MK -j2 > "$T/again4" 2>&1
is "labels changed: every shard rebuilt" "$(grep -c 'dataset: t' "$T/again4")" 2
fails 2 "SRC is required" make -s -f pipelines/dataset.mk OUT="$T/x"
summary
