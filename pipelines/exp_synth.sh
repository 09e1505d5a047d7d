#!/bin/sh
# pipelines/exp_synth.sh - the synthetic-to-real gap (pipelines/experiments.mk synth):
#   exp_synth.sh MODEL "TRAIN SHARDS" OUTTXT
# wsample writes SYNTH_N faces of each emotion of SYNTH_CLASSES with MODEL
# (DDIM GEN_STEPS steps, guidance GEN_G, seed SEED): EXP/synth/synthetic.wes.
# Two classifiers are each trained on them alone, and on the first SYNTH_N
# real training faces of each class, and scored on the real held-out faces
# EXP/heldout/ref.wes of those classes: our expression classifier
# (fetrain, SYNTH_CLF_STEPS steps, its augmentation; scored by feclass as
# the most probable of SYNTH_CLASSES) and exprclf (a deterministic softmax
# on pooled pixels: a yardstick). OUTTXT: the accuracies and the gaps
# (real-trained minus synthetic-trained).
# Environment: BIN EXP SYNTH_N SYNTH_CLASSES SYNTH_CLF_STEPS GEN_STEPS GEN_G SEED THREADS DEVICE NO_EMA.
set -u
model=$1 shards=$2 out=$3
d=$EXP/synth
mkdir -p "$d" || exit 73
if [ ! -s "$d/synthetic.wes" ] || [ "$model" -nt "$d/synthetic.wes" ]; then
    : > "$d/synthetic.wes.tmp"
    for e in $SYNTH_CLASSES; do
        "$BIN/wsample" -m "$model" ${NO_EMA:-} -n "$SYNTH_N" -e "$e" --steps "$GEN_STEPS" --g-low "$GEN_G" --g-high "$GEN_G" \
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
# our classifier: trained on each set, scored on the held-out faces of the classes
fx_train() { # OUT < faces
    "$BIN/fetrain" -o "$1" -n "$SYNTH_CLF_STEPS" --classes "$classes" --per-class "$SYNTH_N" -S "$SEED" -T "$THREADS" \
      2> "$1.log" || { echo "exp_synth: fetrain failed: $(tail -n 1 "$1.log")" >&2; return 70; }
}
fx_acc() { # accuracy of weights $1 on $test: argmax over SYNTH_CLASSES of fexpr.<class>
    "$BIN/feclass" -m "$1" -T "$THREADS" < "$test" | "$BIN/tsinfo" | awk -v cls="$SYNTH_CLASSES" '
        BEGIN { nc = split(cls, c, " ") }
        $2 == "image" { e = ""; delete p
            for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "emotion") e = kv[2]
                                        if (kv[1] ~ /^fexpr\./) p[substr(kv[1], 7)] = kv[2] }
            keep = 0; for (k = 1; k <= nc; k++) if (c[k] == e) keep = 1
            if (!keep) next
            best = c[1]; for (k = 2; k <= nc; k++) if (p[c[k]] + 0 > p[best] + 0) best = c[k]
            n++; ok += (best == e) }
        END { if (!n) exit 1; printf "acc %.4f n %d\n", ok / n, n }'
}
fx_train "$d/fexpr-syn.safetensors" < "$d/synthetic.wes" || exit 70
# shellcheck disable=SC2086
cat $shards | fx_train "$d/fexpr-real.safetensors" || exit 70
f_s=$(fx_acc "$d/fexpr-syn.safetensors") || { echo "exp_synth: scoring the synthetic-trained classifier failed" >&2; exit 70; }
f_r=$(fx_acc "$d/fexpr-real.safetensors") || { echo "exp_synth: scoring the real-trained classifier failed" >&2; exit 70; }
gap() { awk -v r="$(echo "$1" | cut -d' ' -f2)" -v s="$(echo "$2" | cut -d' ' -f2)" 'BEGIN { printf "%.4f", r - s }'; }
{
    echo "$SYNTH_N faces per class of $SYNTH_CLASSES; tested on the real held-out faces of those classes ($test)"
    echo "our expression classifier (fetrain, $SYNTH_CLF_STEPS steps, augmented):"
    echo "  trained on synthetic faces (wsample, $model): $f_s"
    echo "  trained on real faces (training shards):      $f_r"
    echo "  synthetic-to-real gap (real minus synthetic accuracy): $(gap "$f_r" "$f_s")"
    echo "exprclf (softmax on 16x16 pooled pixels, a yardstick):"
    echo "  trained on synthetic faces: $syn"
    echo "  trained on real faces:      $real"
    echo "synthetic-to-real gap (real minus synthetic accuracy): $(gap "$real" "$syn") (exprclf)"
} > "$out.tmp" && mv "$out.tmp" "$out"
