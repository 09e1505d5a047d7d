#!/bin/sh
# pipelines/exp_train.sh - one row of pipelines/experiments.mk:
#   exp_train.sh DIR "ROW FLAGS" "NET FLAGS" SHARD...
# trains DIR/run.safetensors on the concatenated shards to STEPS, resuming
# when the checkpoint exists (a killed run loses at most SAVE_EVERY steps;
# wtrain refuses a resume on other data or settings), with the loss per
# step in DIR/loss.csv and wtrain's log in DIR/train.log. Every row gets
# the same shards, STEPS, BATCH, LR and SEED; only ROW FLAGS differ, and
# a row conditioned on valence/arousal (exp_cond of DIR's name, in
# pipelines/exp_edit.sh) reads the stream through feclass --va (valence and
# arousal keys: our classifier's probabilities times the circumplex table;
# deterministic, so a resume sees the same data).
# Environment: BIN STEPS BATCH LR SEED SAVE_EVERY THREADS DEVICE.
set -u
dir=$1 row=$2 net=$3
shift 3
ckpt=$dir/run.safetensors
common="-n $STEPS -b $BATCH --lr $LR -S $SEED --save-every $SAVE_EVERY --csv $dir/loss.csv --log-every 50 -T $THREADS -d $DEVICE"
if [ -f "$ckpt" ]; then
    echo "exp_train: resuming $ckpt ($row)" >&2
    args="--resume"
else
    echo "exp_train: new run $ckpt ($row, $STEPS steps)" >&2
    args="$net $row"
fi
. pipelines/exp_edit.sh
filter=cat
case " $(exp_cond "$(basename "$dir")") " in *" va "*) filter="$BIN/feclass --va -T 1" ;; esac
# shellcheck disable=SC2086
cat "$@" | $filter | "$BIN/wtrain" -m "$ckpt" $args $common 2>> "$dir/train.log"
rc=$?
[ $rc -eq 0 ] || { echo "exp_train: wtrain failed ($rc) on $dir: $(tail -n 1 "$dir/train.log")" >&2; exit $rc; }
