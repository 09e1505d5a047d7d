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
fails 64 "learn and move at once" lmtarget -o "$T/x.st" -m "$T/lmt.st" -e happy "$T/faces.wes"
fails 64 "-m without -e" lmtarget -m "$T/lmt.st" "$T/faces.wes"
fails 64 "unknown emotion" lmtarget -m "$T/lmt.st" -e grumpy "$T/faces.wes"
fails 64 "emotion without faces in the estimate" lmtarget -m "$T/lmt.st" -e anger "$T/faces.wes"
fails 65 "not an estimate" lmtarget -m models/fexpr.safetensors -e happy "$T/faces.wes"
printf 'image,emotion\nsample2.jpg,happy\n' > "$T/l2.csv"
facealign -q -a -s 64 -c 1 -e "$T/l2.csv" "$DEMO/sample2.jpg" > "$T/happy.wes" 2>/dev/null
fails 65 "no neutral face to learn from" lmtarget -o "$T/y.st" "$T/happy.wes"
summary
