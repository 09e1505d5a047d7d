# tests/sh/test_pipelines.sh - the demo and evaluation pipelines on tiny pieces:
# make demo's honesty without a model and its full loop with a tiny random
# model, eval.mk's table on a fake held-out set, and the clear failures of
# train.mk / eval.mk when a piece is missing. (Training itself is not run.)
. tests/sh/lib.sh
needs_model_helper
ok "tiny model" $helper --write-model "$T/tiny.st" 1 0 0

# demo without a model: says so, does the model-free part, exits 69
WE_MODEL="$T/none.st" DEMO_OUT="$T/d0" sh pipelines/demo.sh > "$T/.out" 2> "$T/.err"
is "demo without a model exits 69" $? 69
grep -q "no model at $T/none.st" "$T/.err"; is "demo names the missing model" $? 0
[ -s "$T/d0/faces.png" ] && [ ! -e "$T/d0/sad.jpg" ]; is "demo writes only the aligned faces" $? 0
[ -s "$T/.out" ]; is "demo writes nothing on stdout" $? 1

# demo with a (tiny, random) model: the full loop
ok "demo with a model" env WE_MODEL="$T/tiny.st" DEMO_OUT="$T/d1" DEMO_EMOTIONS="sad happy" sh pipelines/demo.sh
[ -s "$T/d1/sad.jpg" ] && [ -s "$T/d1/happy.jpg" ] && [ -s "$T/d1/sheet.png" ]; is "edited photos and contact sheet" $? 0
is "edited photo is the photo's size" "$(imgread -t u8 "$T/d1/sad.jpg" | tsinfo -k | cut -d' ' -f4)" \
   "$(imgread -t u8 "$photo" | tsinfo -k | cut -d' ' -f4)"
# sheet: 3 faces (rows) x 3 columns (source, sad, happy) of 256 px tiles (the
# faces are aligned at 256, the tiny 16 px model edits them through the cascade) + labels
is "contact sheet 3 rows x 3 columns" "$(imgread -t u8 "$T/d1/sheet.png" | tsinfo -k | cut -d' ' -f4)" "3x887x776"

# eval.mk table on a fake held-out set
mkdir -p "$T/w/a"
facealign -a -s 16 -q "$photo" > "$T/w/a/test-00.wes"
ok "eval.mk table" make -s -f pipelines/eval.mk table MODEL="$T/tiny.st" WORK="$T/w" SETS=a EMOTIONS="sad happy" \
   STEPS=3 OUT="$T/ev"
is "table rows: header, 2 emotions, all" "$(cut -d, -f1,2,3 "$T/ev/table.csv" | tr '\n' ' ')" \
   "set,emotion,n a,sad,3 a,happy,3 all,all,6 "
# missing pieces are named
fails 2 "eval.mk without a model" make -s -f pipelines/eval.mk MODEL="$T/none.st" WORK="$T/w" SETS=a OUT="$T/ev2"
grep -q "no model at $T/none.st" "$T/.err"; is "eval.mk names the missing model" $? 0
fails 2 "eval.mk without held-out shards" make -s -f pipelines/eval.mk MODEL="$T/tiny.st" WORK="$T/none" SETS=a OUT="$T/ev2"
grep -q "held-out faces" "$T/.err"; is "eval.mk names the missing shards" $? 0
fails 2 "train.mk without data" make -s -f pipelines/train.mk DATA="$T/nodata" WORK="$T/tw"
grep -q "$T/nodata/facial_expressions needs images/ and labels.csv" "$T/.err"; is "train.mk names the missing folder" $? 0
summary
