# tests/sh/test_fid.sh - fid on streams, folders and feature frames; invalid calls.
. tests/sh/lib.sh
G=tests/golden/faceapi
cat $G/crop_0.wes $G/crop_1.wes $G/crop_2.wes > $T/a.wes
cat $G/crop_3.wes $G/crop_4.wes $G/crop_5.wes > $T/b.wes
fails 64 "one set only" fid $T/a.wes
fails 64 "both sets on stdin" fid - -
fails 64 "bad --features" fid -f inception3 $T/a.wes $T/b.wes
fails 64 "bad --knn" fid -k 0 $T/a.wes $T/b.wes
fails 66 "missing set" fid $T/nope.wes $T/b.wes
fails 64 "inception without weights file" fid -f inception $T/a.wes $T/b.wes
fails 64 "--inception without --features=inception" fid -w $T/x.safetensors $T/a.wes $T/b.wes
fails 66 "missing inception weights" fid -f inception -w $T/nope.safetensors $T/a.wes $T/b.wes
if [ ! -f third_party/face-api/model/face_recognition_model.bin ]; then
    echo "skip: third_party/face-api missing (run sh scripts/setup.sh)"
    fails 66 "missing weights: exit 66" env WE_FACEAPI_DIR=$T/none fid $T/a.wes $T/b.wes
    summary; exit
fi
ok "fid of a set against itself" fid $T/a.wes $T/a.wes
is "is 0" "$(grep '^fid ' $T/.out)" "fid 0.000000"
ok "fid between two sets" fid -p -k 1 $T/a.wes $T/b.wes
grep '^fid ' $T/.out | awk '{ exit !($2 > 0) }'; is "is positive" $? 0
grep -q '^precision ' $T/.out; is "precision printed with -p" $? 0
fid $T/b.wes $T/a.wes > $T/ba
is "symmetric" "$(grep '^fid ' $T/ba)" "$(grep '^fid ' $T/.out)"
# the same numbers from the femo identity frames
femo -E -i < $T/a.wes > $T/ia.wes; femo -E -i < $T/b.wes > $T/ib.wes
ok "features from identity frames" fid -f frame:identity $T/ia.wes $T/ib.wes
is "same fid as from images" "$(grep '^fid ' $T/.out)" "$(grep '^fid ' $T/ba)"
ok "stdin as one set" sh -c "fid - $T/b.wes < $T/a.wes"
is "same fid via stdin" "$(grep '^fid ' $T/.out)" "$(grep '^fid ' $T/ba)"
# a folder of images (PNG written by iwt if available, else skip)
mkdir -p $T/dir
if command -v iwt >/dev/null 2>&1 && command -v dwt >/dev/null 2>&1; then
    for c in 0 1 2; do dwt < $G/crop_$c.wes 2>/dev/null | iwt -o "$T/dir/c$c-%d.png" 2>/dev/null || true; done
    if [ "$(ls $T/dir | wc -l)" = 3 ]; then
        ok "a folder of PNG files" fid $T/dir $T/a.wes
        is "folder == stream of the same pixels" "$(grep '^fid ' $T/.out)" "fid 0.000000"
    else
        echo "skip: iwt could not write PNG files"
    fi
fi
fails 65 "a set with one item" fid $G/crop_0.wes $T/b.wes
fails 65 "no frames of that name" fid -f frame:heatmap $T/a.wes $T/b.wes
fails 66 "missing weights: exit 66" fid -m $T/none $T/a.wes $T/b.wes
summary
