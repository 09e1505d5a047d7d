#!/bin/sh
# tests/sh/test_jlevel.sh - pipelines/jlevel.mk end to end on tiny pieces:
# a J = 2 model trained for 2 steps on one 32 px face, a tiny one-level
# model through the cascade, both judged on the photo route, one table.
. tests/sh/lib.sh
needs_model_helper
ok "tiny one-level model (16 px)" $helper --write-model "$T/tiny.st" 1 0 0
mkdir -p "$T/data/a/images" "$T/faces" && cp "$photo" "$T/data/a/images/"
printf 'image,emotion\nsample1.jpg,neutral\n' > "$T/data/a/labels.csv"
ok "one aligned 32 px face as the training shard" sh -c \
   "facealign -q -s 32 -c 1 -t u8 -e '$T/data/a/labels.csv' $photo > '$T/faces/train-00.wes'"
J="ALIGN=0 FACES=$T/faces S=32 J=2 NF=8 MULT=1,2 ATTN=1 STEPS=2 BATCH=2 SAVE_EVERY=1 CASCADE_MODEL=$T/tiny.st"
J="$J DATA=$T/data PHOTO_SETS=a PHOTO_N=1 EMOTIONS=sad WDENOISE_FLAGS=--no-ema WORK=$T/run OUT=$T/out"
# shellcheck disable=SC2086
ok "jlevel.mk end to end" make -s -f pipelines/jlevel.mk $J
. pipelines/ckpt_meta.sh
is "the J-level model: 2 steps at J = 2" "$(ckpt_meta "$T/run/run.safetensors" train.step) $(ckpt_meta "$T/run/run.safetensors" J)" "2 2"
is "table: header, rule, two routes" "$(cut -d'|' -f2 "$T/out/table.md" | tr -d ' ' | tr '\n' ' ')" \
   "route(32px,2steps) --- jlevel cascade "
grep -q 'dwt -w haar -J 2' "$T/out/jlevel/photo/table.txt"; _report $? "the J-level route's edit runs dwt -J 2"
grep -q 'EDIT: $BIN/dwt -w haar -J 2 | $BIN/wdenoise $WDENOISE_FLAGS -m $MODEL -e $E' "$T/out/jlevel/photo/table.txt"
_report $? "the table names the EDIT command as given (variables unexpanded)"
cp "$T/run/run.safetensors" "$T/run.before"
# shellcheck disable=SC2086
ok "a second run redoes nothing" make -s -f pipelines/jlevel.mk $J
cmp -s "$T/run/run.safetensors" "$T/run.before"; _report $? "... the finished model is kept as it was"
# shellcheck disable=SC2086
fails 2 "without the cascade model" make -s -f pipelines/jlevel.mk $J CASCADE_MODEL="$T/none.st"
grep -q "no cascade model" "$T/.err"; _report $? "... names it"
# shellcheck disable=SC2086
fails 2 "ALIGN=0 without shards" make -s -f pipelines/jlevel.mk $J FACES="$T/nofaces"
grep -q "no $T/nofaces/train" "$T/.err"; _report $? "... names them"
summary
