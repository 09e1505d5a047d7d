#!/bin/sh
# tests/sh/test_cuda_tools.sh - wtrain -d cuda and wdenoise --device cuda
# against the CPU. The GPU runs are the emulator's tools (build/emu/bin,
# `make emu`: the CUDA path run on the CPU) or, on a machine with a GPU, the
# normal ones; the CPU runs are the normal tools. Without a GPU the normal
# tools must refuse cuda with exit 69 and empty stdout.
. tests/sh/lib.sh
FX=tests/fixtures/model_train.wes
TINY="--nf 8 --mult 1,2 --num-res 1 --attn 1 -b 4 -T 1 --log-every 0"
cmpst=build/tests/test_train_cuda # --compare A B ABS REL: every tensor of two checkpoints
helper=build/tests/test_edit      # --write-model: a tiny random model for wdenoise

# 1. the normal build: is there a GPU? (test_train_cuda says skip without one)
if [ ! -x "$cmpst" ] || [ ! -x "$helper" ]; then
    echo "ok - skip: needs $cmpst and $helper (make)"
    summary; exit
fi
ok "tiny RGB model with heatmaps and va" $helper --write-model "$T/m3.st" 3 2 1
ok "tiny luminance model with heatmaps and va" $helper --write-model "$T/m1.st" 1 2 1
dwt -w haar < $FX > "$T/in.wes"
if "$cmpst" | grep -q '^skip:'; then
    fails 69 "wtrain -d cuda without a GPU" wtrain -d cuda -m "$T/none.st" -n 1 $TINY $FX
    case "$(cat "$T/.err")" in *cuda*"no usable NVIDIA GPU"*|*cuda*"no CUDA support"*) r=0 ;; *) r=1 ;; esac
    is "wtrain: the message names cuda and why" "$r" 0
    ok "wtrain wrote no checkpoint" test ! -e "$T/none.st"
    fails 69 "wdenoise --device cuda without a GPU" sh -c "wdenoise --device cuda -m '$T/m1.st' -n 3 -e sad < '$T/in.wes'"
    case "$(cat "$T/.err")" in *cuda*"no usable NVIDIA GPU"*|*cuda*"no CUDA support"*) r=0 ;; *) r=1 ;; esac
    is "wdenoise: the message names cuda and why" "$r" 0
    fails 69 "WE_DEVICE=cuda without a GPU" sh -c "WE_DEVICE=cuda wdenoise -m '$T/m1.st' -n 3 -e sad < '$T/in.wes'"
    ok "wtrain --export needs no device" wtrain -d cuda -m "$T/m3.st" --export "$T/x.st"
    # the GPU tools to test are the emulator's
    if [ ! -f build/emu/READY ] || [ ! -x build/emu/bin/wtrain ] || [ ! -x build/emu/bin/wdenoise ]; then
        echo "ok - skip: no GPU and no CUDA emulator (make emu builds build/emu/bin)"
        summary; exit
    fi
    G=build/emu/bin
else
    G=bin
fi
echo "     GPU tools: $G"

# 2. wtrain: cuda vs cpu, heatmaps, va and L_wav (every part of a step)
ARGS="$TINY -S 7 --heatmaps --lambda-wav 0.5 --aux-tmax 1000"
ok "wtrain -d cuda, 2 steps" $G/wtrain -d cuda -m "$T/g.st" -n 2 $ARGS --csv "$T/g.csv" $FX
case "$(cat "$T/.err")" in *", on cuda"*) r=0 ;; *) r=1 ;; esac
is "start line says cuda" "$r" 0
ok "wtrain -d cpu, the same run" wtrain -d cpu -m "$T/c.st" -n 2 $ARGS --csv "$T/c.csv" $FX
case "$(cat "$T/.err")" in *", on cpu"*) r=0 ;; *) r=1 ;; esac
is "start line says cpu" "$r" 0
# weights move ~2e-4 a step (lr): agreement to 2e-6 + 1e-4 relative is float rounding
ok "checkpoints agree (weights, EMA, AdamW moments)" $cmpst --compare "$T/g.st" "$T/c.st" 2e-6 1e-4
echo "     $(tail -n 1 "$T/.out")"
is "same csv steps" "$(cut -d, -f1 "$T/g.csv" | tr '\n' ' ')" "$(cut -d, -f1 "$T/c.csv" | tr '\n' ' ')"
# per-step loss and grad norm (columns 2, 3) within 1e-4 relative
r=$(paste -d, "$T/g.csv" "$T/c.csv" | awk -F, 'NR > 1 { h = NF / 2; for (k = 2; k <= 3; k++) {
        a = $k; b = $(k + h); d = a - b; if (d < 0) d = -d; if (b < 0) b = -b; if (d > 1e-4 * b + 1e-6) bad++ } }
    END { print bad + 0 }')
is "per-step loss and grad norm agree (csv)" "$r" 0
# resume on the GPU: 1 + 1 steps == 2 steps, byte for byte (the first part on auto)
ok "wtrain (auto device), 1 step" $G/wtrain -m "$T/r.st" -n 1 $ARGS $FX
case "$(cat "$T/.err")" in *", on cuda"*) r=0 ;; *) r=1 ;; esac
is "auto picks cuda where there is one" "$r" 0
ok "wtrain -d cuda --resume to 2" $G/wtrain -d cuda -m "$T/r.st" --resume -n 2 $TINY $FX
if [ "$G" = build/emu/bin ]; then
    ok "resumed GPU checkpoint == straight GPU run (cmp)" cmp "$T/r.st" "$T/g.st"
else # a real GPU: float atomics (GroupNorm, embedding gradients) make the bits order-dependent
    ok "resumed GPU checkpoint == straight GPU run (to rounding)" $cmpst --compare "$T/r.st" "$T/g.st" 2e-6 1e-4
fi
fails 64 "a GPU run resumed on the CPU is refused without --allow-change" wtrain -d cpu -m "$T/r.st" --resume -n 4 $TINY $FX
ok "a GPU checkpoint resumes on the CPU with --allow-change" wtrain -d cpu --allow-change -m "$T/r.st" --resume -n 3 $TINY $FX
ok "export of a GPU checkpoint" wtrain -m "$T/g.st" --export "$T/gx.st"

# 3. wdenoise: cuda vs cpu
E="-n 2 -t 0.3"
dn() { # id "what" wdenoise-args... : the same edit on cuda and cpu -> $T/<id>.g.wes, $T/<id>.c.wes
    n=$1 desc=$2; shift 2
    ok "wdenoise --device cuda: $desc" sh -c "$G/wdenoise --device cuda $* < '$T/in.wes' > '$T/$n.g.wes'"
    ok "wdenoise --device cpu:  $desc" sh -c "wdenoise --device cpu $* < '$T/in.wes' > '$T/$n.c.wes'"
    ok "cuda == cpu (1e-4 + 1e-3 rel, same keys): $desc" tscmp -k -a 1e-4 -r 1e-3 "$T/$n.g.wes" "$T/$n.c.wes"
}
dn rgb "RGB model on grey items, heatmaps, faithfulness, eta + seed" -m "$T/m3.st" $E -e sad -F 0.5 --eta 0.7 -S 5
dn va "luminance model, va, per-condition guidance, batch 3" -m "$T/m1.st" $E -e happy -V 0.5 -A -0.3 \
    --g-label 3 --g-va 2 --g-heat 1 -b 3
if [ -f third_party/face-api/model/face_expression_model-weights_manifest.json ]; then
    dn net "no heatmaps, source from the expression net" -m "$T/m1.st" $E -e surprise --no-heat -s net
else
    dn net "no heatmaps, source given" -m "$T/m1.st" $E -e surprise --no-heat -s happy
fi
is "frames in order, heatmaps passed through" "$(tsinfo -k "$T/rgb.g.wes" | cut -d' ' -f2 | tr '\n' ' ')" \
    "$(tsinfo -k "$T/in.wes" | cut -d' ' -f2 | tr '\n' ' ')"
ok "a batch of 64 by default on cuda" sh -c "$G/wdenoise --help | grep -q 'default 64 on cuda'"
summary
