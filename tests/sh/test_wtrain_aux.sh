#!/bin/sh
# tests/sh/test_wtrain_aux.sh - wtrain's auxiliary losses (--lambda-wav,
# --lambda-expr, --lambda-va, --lambda-lm, --lambda-id, --lambda-bg): option checks, CSV columns, exact resume. The
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

# The face terms L_lm, L_id, L_bg (lib/diffusion/we_aux_face.h) need `landmarks`
# frames: the fixture with one made up per item (an arc for the jaw, the rest
# inside the face), written after each item's frames.
python3 - tests/fixtures/model_train.wes "$T/lm.wes" <<'PY'
import math, struct, sys
src, out = open(sys.argv[1], 'rb').read(), open(sys.argv[2], 'wb')
pos, last = 0, None
def lm(k):
    p = []
    for i in range(68):
        if i < 17: p += [16 * (0.2 + 0.6 * i / 16), 16 * (0.45 + 0.35 * math.sin(math.pi * i / 16))]
        else: p += [16 * (0.3 + 0.4 * ((i * 7 + k) % 17) / 16), 16 * (0.25 + 0.45 * ((i * 5) % 13) / 12)]
    return struct.pack('<136f', *p)
while pos < len(src):
    end = src.index(b'\n\n', pos) + 2
    head = src[pos:end].decode().split('\n')
    shape = [int(v) for v in head[0].split()[3:]]
    n = 4 * math.prod(shape)
    ident = [l for l in head[1:] if l.startswith('id=')][0]
    if last and ident != last[0]: out.write(last[1])
    out.write(src[pos:end + n])
    last = (ident, ('WES1 landmarks f32 68 2\n%s\n\n' % ident).encode() + lm(len(ident)))
    pos = end + n
out.write(last[1])
PY
is "landmarks fixture: 8 landmarks frames" "$(tsinfo "$T/lm.wes" | grep -c ' landmarks f32 68x2')" 8
fails 64 "--lambda-lm -1" wtrain -m "$T/x.st" --lambda-lm -1 $FX
fails 64 "--aux-items 1.5" wtrain -m "$T/x.st" --aux-items 1.5 $FX
fails 65 "--lambda-bg without landmarks frames" wtrain -m "$T/x.st" --lambda-bg 1 $TINY $FX
ok "plain run on the landmarks data" wtrain -m "$T/q.st" -n 2 $TINY "$T/lm.wes"
ok "face lambdas 0" wtrain -m "$T/q0.st" -n 2 --lambda-lm 0 --lambda-id 0 --lambda-bg 0 $TINY "$T/lm.wes"
ok "face lambdas 0 == plain run (cmp)" cmp "$T/q.st" "$T/q0.st"
ok "L_bg 3 steps" wtrain -m "$T/b.st" -n 3 --csv "$T/b.csv" --lambda-bg 1 --aux-tmax 1000 $TINY "$T/lm.wes"
is "csv header with l_lm,l_id,l_bg" "$(head -n 1 "$T/b.csv")" "step,loss,grad_norm,lr,seconds,l_lm,l_id,l_bg"
is "l_bg > 0 in every row" "$(tail -n +2 "$T/b.csv" | awk -F, '$8 > 0' | wc -l | tr -d ' ')" 3
fails 64 "resume with another --lambda-bg is refused" wtrain -m "$T/b.st" --resume -n 4 --lambda-bg 2 $TINY "$T/lm.wes"
fails 66 "--lambda-id without face-api weights" env WE_FACEAPI_DIR="$T/none" wtrain -m "$T/x.st" --lambda-id 1 $TINY "$T/lm.wes"
grep -q "scripts/setup.sh" "$T/.err"; is "the hint names scripts/setup.sh" $? 0
if [ ! -f third_party/face-api/model/face_recognition_model.bin ]; then
    echo "skip: third_party/face-api missing (run sh scripts/setup.sh): L_lm, L_id runs"
    summary; exit
fi
FACE="--lambda-lm 0.5 --lambda-id 1 --lambda-bg 1 --aux-items 2 --aux-tmax 1000"
ok "L_lm + L_id + L_bg 3 steps" wtrain -m "$T/f.st" -n 3 --csv "$T/f.csv" $FACE $TINY "$T/lm.wes"
is "l_lm, l_id > 0 in every row" "$(tail -n +2 "$T/f.csv" | awk -F, '$6 > 0 && $7 > 0' | wc -l | tr -d ' ')" 3
ok "face terms resume to 5 (settings from the checkpoint)" wtrain -m "$T/f.st" --resume -n 5 --csv "$T/f.csv" $TINY "$T/lm.wes"
ok "face terms 5 steps straight" wtrain -m "$T/f5.st" -n 5 $FACE $TINY "$T/lm.wes"
ok "face terms: resumed == straight (cmp)" cmp "$T/f.st" "$T/f5.st"
summary
