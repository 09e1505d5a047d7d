#!/bin/sh
# test_lmtarget.sh - lmtarget end to end on faces of face-api's demo photos
# (labelled by a CSV made here): learn, move at intensity 0 (unchanged) and
# 1 (changed, keyed), usage errors, a file that is not an estimate.
. tests/sh/lib.sh
export WE_PROGRESS=0
DEMO=third_party/face-api/demo
if [ ! -f "$DEMO/sample1.jpg" ] || [ ! -f "$DEMO/sample2.jpg" ]; then
    echo "skip: face-api demo photos missing (run scripts/setup.sh)"
    summary; exit $?
fi
printf 'image,emotion\nsample1.jpg,neutral\nsample2.jpg,happy\n' > "$T/labels.csv"
facealign -q -a -s 64 -c 1 -e "$T/labels.csv" "$DEMO/sample1.jpg" "$DEMO/sample2.jpg" > "$T/faces.wes" 2>/dev/null
ok "learn" lmtarget -o "$T/lmt.st" "$T/faces.wes"
grep -q 'neutral [1-9].*happy [1-9]' "$T/.err"; is "counts per emotion reported" $? 0
lmtarget -m "$T/lmt.st" -e happy -i 0 "$T/faces.wes" > "$T/same.wes"
tscmp -q "$T/faces.wes" "$T/same.wes"; is "intensity 0: landmarks unchanged" $? 0
lmtarget -m "$T/lmt.st" -e happy "$T/faces.wes" > "$T/moved.wes"
tscmp -q "$T/faces.wes" "$T/moved.wes" 2>/dev/null; is "intensity 1: landmarks moved" $? 1
is "moved frames keyed lmtarget=happy" "$(tsinfo "$T/moved.wes" | grep ' landmarks ' | grep -c 'lmtarget=happy')" \
   "$(tsinfo "$T/faces.wes" | grep -c ' landmarks ')"
lmtarget -m "$T/lmt.st" -e happy "$T/faces.wes" | lmheat | tsinfo - | grep -q ' heatmap '; is "into lmheat" $? 0
# -k: the item's landmarks stay, the moved ones become target_landmarks;
# lmheat -t makes their target_heatmap, the own heatmap stays
lmtarget -m "$T/lmt.st" -k -e happy "$T/faces.wes" | lmheat | lmheat -t > "$T/kept.wes"
tsinfo -k "$T/kept.wes" > "$T/kept.txt"
n=$(grep -c ' landmarks ' "$T/kept.txt")
is "-k: the landmarks frames stay" "$(grep -c ' landmarks f32' "$T/kept.txt")" "$n"
is "-k: one target_landmarks per item" "$(grep -c ' target_landmarks f32 68x2' "$T/kept.txt")" "$n"
is "lmheat -t: one target_heatmap per item, the heatmap kept" \
   "$(grep -c ' target_heatmap f32 8x32x32' "$T/kept.txt") $(grep -c ' heatmap f32 8x32x32' "$T/kept.txt")" "$n $n"
tsinfo "$T/kept.wes" | grep ' landmarks ' | grep -q lmtarget=; is "-k: the kept landmarks are not keyed" $? 1
lmtarget -m "$T/lmt.st" -k -e happy "$T/faces.wes" | lmtarget -m "$T/lmt.st" -k -e happy > "$T/twice.wes"
is "-k twice: still one target_landmarks per item" "$(tsinfo "$T/twice.wes" | grep -c ' target_landmarks ')" "$n"
# lmnme: the moved landmarks against the kept ones, and against themselves
lmnme -a landmarks -b target_landmarks -o "$T/nme.csv" "$T/kept.wes" > "$T/nme.txt"
is "lmnme: a row per target emotion and one for all" "$(cut -d, -f1 "$T/nme.csv" | tr '\n' ' ')" "emotion neutral happy all "
awk -F, '$1 == "neutral" && $3 > 0 && $4 > 0 { ok = 1 } END { exit !ok }' "$T/nme.csv"
is "lmnme: the neutral faces' landmarks moved to happy differ" $? 0
is "lmnme: the happy faces' did not move (happy -> happy)" "$(awk -F, '$1 == "happy" { print $3, $4 }' "$T/nme.csv")" "0.00000 0.00000"
is "lmnme: a frame against itself is 0" "$(lmnme -b landmarks "$T/kept.wes" | awk '$1 == "all" { print $3 }')" "0.00000"
fails 65 "lmnme: no target_landmarks" lmnme "$T/faces.wes"
# lmnme -s: the unedited faces (landmarks + target) against themselves moved
# nothing (the happy face was asked nothing: not counted)
ok "lmnme -s" lmnme -s "$T/kept.wes" -o "$T/mv.csv" "$T/kept.wes"
is "lmnme -s: moved and cos columns" "$(head -n 1 "$T/mv.csv")" "emotion,n,nme,nme_expr,moved,cos,n_moved"
is "lmnme -s: no edit moved 0" "$(awk -F, '$1 == "all" { print $5 }' "$T/mv.csv")" "0.0000"
fails 65 "lmnme -s: a source without targets" lmnme -s "$T/faces.wes" "$T/kept.wes"
fails 66 "lmnme -s: a missing source" lmnme -s "$T/nope.wes" "$T/kept.wes"
fails 64 "learn and move at once" lmtarget -o "$T/x.st" -m "$T/lmt.st" -e happy "$T/faces.wes"
fails 64 "-m without -e" lmtarget -m "$T/lmt.st" "$T/faces.wes"
fails 64 "unknown emotion" lmtarget -m "$T/lmt.st" -e grumpy "$T/faces.wes"
fails 64 "emotion without faces in the estimate" lmtarget -m "$T/lmt.st" -e anger "$T/faces.wes"
fails 65 "not an estimate" lmtarget -m models/fexpr.safetensors -e happy "$T/faces.wes"
printf 'image,emotion\nsample2.jpg,happy\n' > "$T/l2.csv"
facealign -q -a -s 64 -c 1 -e "$T/l2.csv" "$DEMO/sample2.jpg" > "$T/happy.wes" 2>/dev/null
fails 65 "no neutral face to learn from" lmtarget -o "$T/y.st" "$T/happy.wes"
summary
