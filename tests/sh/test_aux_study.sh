# tests/sh/test_aux_study.sh - pipelines/aux_study.mk end to end on a tiny
# set: a 16 px model trained 2 steps is the checkpoint; the runs none, bg and
# the joined run expr+bg fine-tune 1 step each from it and are judged on the
# held-out shard; the table has one row per run with its flags. Nothing from
# ../shared is read.
. tests/sh/lib.sh
# the set: the demo photo's faces as 48 px PNGs under eight names, cycling labels
labelled_face_set 8 "happy sad surprise anger"
ok "shards" make -s -f pipelines/dataset.mk SRC="$T/data/a" OUT="$T/w/a" S=16 C=1 SHARDS=1 TEST_PCT=40 \
   FACEALIGN_FLAGS="--whole-frame -D hog"
ok "the checkpoint (2 steps)" sh -c "cat '$T/w/a/train-00.wes' | wtrain -m '$T/init.safetensors' --nf 8 --mult 1,2 --attn 1 \
   --num-res 1 -b 4 -n 2 -S 1 -T 1 -d cpu"
study() {
    make -s -f pipelines/aux_study.mk INIT="$T/init.safetensors" WORK="$T/w" SETS=a OUT="$T/out" STEPS=1 \
        EMOTIONS=sad EVAL_STEPS=2 G=2 "$@"
}
fails 2 "an unknown term is refused (make: 2)" study RUNS="expr+smile" check
grep -q "unknown term 'smile' in run 'expr+smile'" "$T/.err"; _report $? "... and named"
ok "none, bg and expr+bg" study RUNS="none bg expr+bg"
. pipelines/ckpt_meta.sh
for r in none bg expr+bg; do
    is "$r: one step more" "$(ckpt_meta "$T/out/$r/ckpt.safetensors" train.step)" 3
done
# lambda_expr, lambda_bg of a run's checkpoint, as numbers
lambdas() { awk -v e="$(ckpt_meta "$T/out/$1/ckpt.safetensors" train.lambda_expr)" \
                -v b="$(ckpt_meta "$T/out/$1/ckpt.safetensors" train.lambda_bg)" 'BEGIN { printf "%g,%g", e, b }'; }
is "bg trained with L_bg only" "$(lambdas bg)" 0,0.5
is "expr+bg trained with both" "$(lambdas expr+bg)" 0.0001,0.5
is "table.csv: header + 3 runs" "$(wc -l < "$T/out/table.csv" | tr -d ' ')" 4
grep -q "^expr+bg,--lambda-expr 1e-4 --lambda-bg 0.5," "$T/out/table.csv"; _report $? "the joined run's flags in the table"
grep -q "^| bg | --lambda-bg 0.5 | " "$T/out/table.md"; _report $? "table.md has the bg row"
summary
