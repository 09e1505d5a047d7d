# tests/sh/test_lmcond.sh - pipelines/lmcond.mk end to end on a tiny set:
# 16 px models trained 2 steps (one with heatmaps, one without) edit two
# held-out faces to sad in every row; the table has the four rows with one
# tnme0 (the unedited faces against the same target), the sheet is written,
# and the target heatmaps change the edit. Nothing from ../shared is read.
. tests/sh/lib.sh
labelled_face_set 8 "neutral sad happy surprise"
ok "shards" make -s -f pipelines/dataset.mk SRC="$T/data/a" OUT="$T/w/a" S=16 C=1 SHARDS=1 TEST_PCT=40 \
   FACEALIGN_FLAGS="--whole-frame -D hog"
ok "target-landmark estimate" lmtarget -o "$T/lmt.safetensors" "$T/w/a/train-00.wes"
train() { # checkpoint [wtrain option]...
    _m=$1; shift
    sh -c "wtrain -m '$_m' --nf 8 --mult 1,2 --attn 1 --num-res 1 -b 4 -n 2 -S 1 -T 1 -d cpu $* < '$T/w/a/train-00.wes'"
}
ok "heatmap model (2 steps)" train "$T/lm.safetensors" --heatmaps
ok "base model (2 steps)" train "$T/base.safetensors"
cond() {
    make -s -f pipelines/lmcond.mk WORK="$T/w" SETS=a S=16 LMT="$T/lmt.safetensors" BASE_MODEL="$T/base.safetensors" \
        EVAL_N=2 SHEET_N=1 EMOTIONS=sad SHEET_EMOTIONS=sad EDIT_STEPS=2 G=2 OUT="$T/out" "$@"
}
fails 2 "a model without heatmaps is refused (make: 2)" cond LM_MODEL="$T/base.safetensors" check
grep -q "not trained with heatmaps" "$T/.err"; _report $? "... and said why"
fails 2 "no LM_MODEL is refused" cond check
ok "all four rows and the sheet" cond LM_MODEL="$T/lm.safetensors"
is "table: four rows" "$(grep -c '^| \(target\|own\|none\|base\) |' "$T/out/table.md")" 4
is "one tnme0 for every row" "$(awk -F, 'FNR == 2 { print $9 }' "$T/out"/target.csv "$T/out"/own.csv "$T/out"/none.csv \
   "$T/out"/base.csv | sort -u | wc -l | tr -d ' ')" 1
is "two edits per row" "$(awk -F, 'FNR == 2 { print $1 }' "$T/out"/target.csv "$T/out"/base.csv | sort -u)" 2
[ -s "$T/out/sheet-sad.png" ]; _report $? "the sheet is written"
# (n: the edits asked to move; a face already sad is asked nothing)
is "moved, cos per row" "$(head -n 1 "$T/out/target-moved.csv") $(awk -F, 'NR == 2 { print ($1 >= 1 && $1 <= 2) }' \
   "$T/out/base-moved.csv")" "n,moved,cos 1"
grep -q '^| target | .* | [-0-9.]* | [-0-9.]* |$' "$T/out/table.md"; _report $? "table.md: moved and cos in the row"
cmp -s "$T/out/target/sad.wes" "$T/out/none/sad.wes"; [ $? -eq 1 ]; _report $? "the target heatmaps change the edit"
summary
