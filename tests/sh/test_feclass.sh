#!/bin/sh
# tests/sh/test_feclass.sh - fetrain and feclass, the project's expression
# classifier (lib/face/we_fexpr.h): option checks, a short training run on
# the fixture, the keys feclass adds, --va, and the shipped weights.
. tests/sh/lib.sh
FX=tests/fixtures/model_train.wes

fails 64 "fetrain without -o" fetrain -n 1
fails 64 "fetrain with an argument" fetrain -o "$T/x.st" $FX
fails 64 "fetrain --steps 0" fetrain -o "$T/x.st" -n 0
fails 65 "fetrain on a stream without labels" sh -c "tsconv -k emotion= < $FX 2>/dev/null | fetrain -o $T/x.st --log-every 0 || exit \$?"
fails 66 "fetrain --init missing" fetrain -o "$T/x.st" --init "$T/none.st"
ok "fetrain 3 steps" sh -c "fetrain -o $T/f.st -n 3 -b 4 --log-every 0 < $FX"
ok "fetrain --init continues" sh -c "fetrain -o $T/g.st --init $T/f.st -n 2 -b 4 --log-every 0 < $FX"
ok "fetrain logs a line per --log-every" sh -c "WE_PROGRESS=1 fetrain -o $T/h.st -n 2 -b 4 --log-every 1 < $FX 2> $T/log; grep -q 'step 2 loss' $T/log"

fails 66 "feclass without weights" env WE_FEXPR="$T/none.st" feclass < $FX
fails 64 "feclass with an argument" feclass -m "$T/f.st" $FX
ok "feclass" sh -c "feclass -m $T/f.st < $FX > $T/o.wes"
n_img=$(tsinfo < $FX | grep -c ': image ')
is "one fexpr.top per image" "$(tsinfo < "$T/o.wes" | grep ': image ' | grep -c 'fexpr.top=')" "$n_img"
is "other frames pass through" "$(tsinfo < "$T/o.wes" | wc -l | tr -d ' ')" "$(tsinfo < $FX | wc -l | tr -d ' ')"
is "probabilities sum to 1" "$(tsinfo < "$T/o.wes" | grep ': image ' | head -n 1 | tr ' ' '\n' \
    | awk -F= '$1 ~ /^fexpr\.(neutral|happy|sad|surprise|fear|disgust|anger|contempt)$/ { s += $2 } END { printf "%.3f", s }')" 1.000
is "valence in [-1,1]" "$(tsinfo < "$T/o.wes" | grep ': image ' | tr ' ' '\n' | awk -F= '$1 == "fexpr.valence" && ($2 < -1 || $2 > 1)' | wc -l | tr -d ' ')" 0
ok "feclass --va" sh -c "feclass --va -m $T/f.st < $FX > $T/v.wes"
is "--va: valence= on every image, equal to fexpr.valence" "$(tsinfo < "$T/v.wes" | grep ': image ' \
    | awk '{ f = v = ""; for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "fexpr.valence") f = kv[2]; \
        if (kv[1] == "valence") v = kv[2] } n += v != ""; bad += v != f } END { print n + 0, bad + 0 }')" "$n_img 0"
is "--va: heatmap frames carry it too" "$(tsinfo < "$T/v.wes" | grep ': heatmap ' | grep -vc 'valence=')" 0

# pipelines/classifier.mk on a fake set: the eval table (ours beside face-api) and the va shards
mkdir -p "$T/w/a" && cp $FX "$T/w/a/test-00.wes" && cp $FX "$T/w/a/train-00.wes"
if [ -f third_party/face-api/model/face_expression_model-weights_manifest.json ]; then
    ok "classifier.mk eval" make -s -f pipelines/classifier.mk eval MODEL="$T/f.st" WORK="$T/w" SETS=a OUT="$T/ev"
    is "eval.tsv header" "$(head -n 1 "$T/ev/eval.tsv")" "$(printf 'set\temotion\tn\tours\tface-api')"
    is "eval.tsv counts every labelled face once" "$(awk -F '\t' 'NR > 1 && $2 !~ / / { n += $3 } END { print n }' "$T/ev/eval.tsv")" "$n_img"
else
    echo "skip: classifier.mk eval needs the face-api models (sh scripts/setup.sh)"
fi
ok "classifier.mk va" make -s -f pipelines/classifier.mk va MODEL="$T/f.st" WORK="$T/w" SETS=a
is "va shard: valence on every image" "$(tsinfo < "$T/w/a-va/train-00.wes" | grep ': image ' | grep -c ' valence=')" "$n_img"

# the shipped weights: load, classify, small enough
if [ -f models/fexpr.safetensors ]; then
    is "models/fexpr.safetensors <= 4 MiB" "$(test "$(wc -c < models/fexpr.safetensors)" -le 4194304 && echo yes)" yes
    ok "feclass with the shipped weights" sh -c "feclass -m models/fexpr.safetensors < $FX > $T/s.wes"
else
    echo "skip: models/fexpr.safetensors not present (pipelines/classifier.mk makes it)"
fi
is "--table: 8 classes" "$(feclass --table | wc -l | tr -d ' ')" 8
is "--table: happy's coordinates (Warriner et al. 2013)" "$(feclass --table | grep '^happy ')" "happy 0.8675 0.2625"
summary
