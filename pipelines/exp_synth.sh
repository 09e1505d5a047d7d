#!/bin/sh
# pipelines/exp_synth.sh - the synthetic-to-real gap (pipelines/experiments.mk synth):
#   exp_synth.sh MODEL "TRAIN SHARDS" OUTTXT
# wsample writes SYNTH_N faces of each emotion of SYNTH_CLASSES with MODEL
# (DDIM GEN_STEPS steps, guidance GEN_G, seed SEED): EXP/synth/synthetic.wes.
# exprclf (softmax on pooled pixels) is trained on them alone, and on the
# first SYNTH_N real training faces of each class; both are scored on the
# real held-out faces EXP/heldout/ref.wes of those classes. OUTTXT: the two
# accuracies and the gap (real-trained minus synthetic-trained).
# Environment: BIN EXP SYNTH_N SYNTH_CLASSES GEN_STEPS GEN_G SEED THREADS DEVICE.
set -u
model=$1 shards=$2 out=$3
d=$EXP/synth
mkdir -p "$d" || exit 73
if [ ! -s "$d/synthetic.wes" ] || [ "$model" -nt "$d/synthetic.wes" ]; then
    : > "$d/synthetic.wes.tmp"
    for e in $SYNTH_CLASSES; do
        "$BIN/wsample" -m "$model" -n "$SYNTH_N" -e "$e" --steps "$GEN_STEPS" --g-low "$GEN_G" --g-high "$GEN_G" \
            -S "$SEED" -T "$THREADS" -d "$DEVICE" >> "$d/synthetic.wes.tmp" \
          || { echo "exp_synth: wsample failed ($e)" >&2; exit 70; }
    done
    mv "$d/synthetic.wes.tmp" "$d/synthetic.wes"
fi
classes=$(echo $SYNTH_CLASSES | tr ' ' ,)
test=$EXP/heldout/ref.wes
syn=$("$BIN/exprclf" -c "$classes" -t "$d/synthetic.wes" "$test") || exit $?
# shellcheck disable=SC2086
real=$(cat $shards | "$BIN/exprclf" -c "$classes" -n "$SYNTH_N" -t - "$test") || exit $?
a_s=$(echo "$syn" | cut -d' ' -f2) a_r=$(echo "$real" | cut -d' ' -f2)
{
    echo "classifier: exprclf (softmax on 16x16 pooled pixels), $SYNTH_N faces per class of $SYNTH_CLASSES"
    echo "tested on the real held-out faces of those classes ($test)"
    echo "trained on synthetic faces (wsample, $model): $syn"
    echo "trained on real faces (training shards):      $real"
    echo "synthetic-to-real gap (real minus synthetic accuracy): $(awk -v r="$a_r" -v s="$a_s" 'BEGIN { printf "%.4f", r - s }')"
} > "$out.tmp" && mv "$out.tmp" "$out"
