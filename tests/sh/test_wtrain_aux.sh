#!/bin/sh
# tests/sh/test_wtrain_aux.sh - wtrain's auxiliary losses (--lambda-wav,
# --lambda-expr, --lambda-va): option checks, CSV columns, exact resume. The
# loss net of L_expr/L_VA is our classifier (fetrain makes a tiny one here).
. tests/sh/lib.sh
FX=tests/fixtures/model_train.wes
TINY="--nf 8 --mult 1,2 --num-res 1 --attn 1 -b 4 -T 1 --log-every 0 -S 5"

fails 64 "--lambda-expr -1" wtrain -m "$T/x.st" --lambda-expr -1 $FX
fails 64 "--lambda-wav x" wtrain -m "$T/x.st" --lambda-wav x $FX
fails 64 "--wav-weights x" wtrain -m "$T/x.st" --wav-weights x $FX
fails 64 "--wav-weights 1 (one value)" wtrain -m "$T/x.st" --wav-weights 1 $FX
fails 64 "--wav-weights 1,-2" wtrain -m "$T/x.st" --wav-weights 1,-2 $FX
fails 64 "--aux-tmax -3" wtrain -m "$T/x.st" --aux-tmax -3 $FX
fails 64 "aux options with --export" wtrain -m "$T/x.st" --export "$T/y.st" --lambda-wav 1
ok "--help lists --lambda-expr" sh -c 'wtrain --help | grep -q -- --lambda-expr'

# L_wav alone: extra CSV columns, resume exact (settings restored from the checkpoint)
ok "L_wav 3 steps" wtrain -m "$T/w.st" -n 3 --csv "$T/w.csv" --lambda-wav 1 --wav-weights 0.2,1 --aux-tmax 1000 $TINY $FX
is "csv header with aux columns" "$(head -n 1 "$T/w.csv")" "step,loss,grad_norm,lr,seconds,l_wav,l_expr"
is "l_wav > 0 in every row" "$(tail -n +2 "$T/w.csv" | awk -F, '$6 > 0' | wc -l | tr -d ' ')" 3
ok "L_wav resume to 5" wtrain -m "$T/w.st" --resume -n 5 --csv "$T/w.csv" $TINY $FX
ok "L_wav 5 steps straight" wtrain -m "$T/w5.st" -n 5 --lambda-wav 1 --wav-weights 0.2,1 --aux-tmax 1000 $TINY $FX
ok "L_wav: resumed == straight (cmp)" cmp "$T/w.st" "$T/w5.st"
is "csv rows after resume keep 7 columns" "$(awk -F, 'NF != 7' "$T/w.csv" | wc -l | tr -d ' ')" 0
ok "plain run (aux off)" wtrain -m "$T/p.st" -n 2 --csv "$T/p.csv" $TINY $FX
is "plain csv header unchanged" "$(head -n 1 "$T/p.csv")" "step,loss,grad_norm,lr,seconds"
ok "explicit lambdas 0" wtrain -m "$T/p0.st" -n 2 --lambda-wav 0 --lambda-expr 0 $TINY $FX
ok "explicit lambdas 0 == plain run (cmp)" cmp "$T/p.st" "$T/p0.st"

fails 66 "--lambda-expr without the classifier" env WE_FEXPR="$T/none.st" wtrain -m "$T/x.st" --lambda-expr 0.1 $TINY $FX
fails 66 "--lambda-va without the classifier" env WE_FEXPR="$T/none.st" wtrain -m "$T/x.st" --lambda-va 0.1 $TINY $FX
# the loss net: a classifier trained for 2 steps on the fixture (any weights do here)
ok "fetrain a loss net" sh -c "fetrain -o $T/fx.st -n 2 -b 4 --log-every 0 < $FX"
export WE_FEXPR="$T/fx.st"
fails 64 "--lambda-expr with a biorthogonal wavelet" wtrain -m "$T/x.st" --lambda-expr 0.1 -w bior4.4 $TINY $FX
ok "L_expr + L_wav 3 steps" wtrain -m "$T/e.st" -n 3 --csv "$T/e.csv" --lambda-expr 0.1 --lambda-wav 1 --aux-tmax 1000 $TINY $FX
is "l_expr > 0 in some row" "$(tail -n +2 "$T/e.csv" | awk -F, '$7 > 0' | wc -l | tr -d ' ' | sed 's/^[1-9][0-9]*$/yes/')" yes
ok "L_expr resume to 5" wtrain -m "$T/e.st" --resume -n 5 --csv "$T/e.csv" $TINY $FX
ok "L_expr 5 steps straight" wtrain -m "$T/e5.st" -n 5 --lambda-expr 0.1 --lambda-wav 1 --aux-tmax 1000 $TINY $FX
ok "L_expr: resumed == straight (cmp)" cmp "$T/e.st" "$T/e5.st"
is "csv has 5 steps" "$(tail -n +2 "$T/e.csv" | wc -l | tr -d ' ')" 5
# L_VA on the fixture's valence/arousal keys: an l_va column, exact resume
ok "L_VA 3 steps" wtrain -m "$T/v.st" -n 3 --csv "$T/v.csv" --lambda-va 1 --aux-tmax 1000 $TINY $FX
is "csv header with l_va" "$(head -n 1 "$T/v.csv")" "step,loss,grad_norm,lr,seconds,l_wav,l_expr,l_va"
is "l_va > 0 in some row" "$(tail -n +2 "$T/v.csv" | awk -F, '$8 > 0' | wc -l | tr -d ' ' | sed 's/^[1-9][0-9]*$/yes/')" yes
ok "L_VA resume to 5" wtrain -m "$T/v.st" --resume -n 5 --csv "$T/v.csv" $TINY $FX
ok "L_VA 5 steps straight" wtrain -m "$T/v5.st" -n 5 --lambda-va 1 --aux-tmax 1000 $TINY $FX
ok "L_VA: resumed == straight (cmp)" cmp "$T/v.st" "$T/v5.st"
summary
