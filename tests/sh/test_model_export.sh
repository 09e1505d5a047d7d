#!/bin/sh
# tests/sh/test_model_export.sh - wtrain --export (the shipped-model format)
# and the `conditions` metadata that tells wdenoise which targets a model
# was trained with.
. tests/sh/lib.sh
FX=tests/fixtures/model_train.wes
TINY="--nf 8 --mult 1,2 --num-res 1 --attn 1 -b 4 -T 1 --log-every 0"
. pipelines/ckpt_meta.sh

# the fixture has valence/arousal on every item
ok "train 3 steps (labels + va)" wtrain -m "$T/a.st" -n 3 -S 2 $TINY $FX
is "checkpoint conditions" "$(ckpt_meta "$T/a.st" conditions)" "label,va"
ok "train on the heatmap-conditioned config" wtrain -m "$T/h.st" -n 2 --heatmaps $TINY $FX
is "heatmap model conditions" "$(ckpt_meta "$T/h.st" conditions)" "label,va,heatmap"
ok "resume keeps conditions" wtrain -m "$T/a.st" --resume -n 4 $TINY $FX
is "conditions after resume" "$(ckpt_meta "$T/a.st" conditions)" "label,va"

ok "export f32" wtrain -m "$T/a.st" --export "$T/e.st"
ok "export f16" wtrain -m "$T/a.st" --export "$T/e16.st" --f16
is "export keeps the config" "$(ckpt_meta "$T/e.st" nf)/$(ckpt_meta "$T/e.st" S)/$(ckpt_meta "$T/e.st" wavelet)" "8/16/haar"
is "export records steps and EMA" "$(ckpt_meta "$T/e.st" trained_steps)/$(ckpt_meta "$T/e.st" weights)" "4/ema"
is "export conditions" "$(ckpt_meta "$T/e.st" conditions)" "label,va"
is "no optimizer state or ema.* copy in the export" "$(head -c 65536 "$T/e.st" | grep -ac 'adam_m\|"ema\.')" 0
a=$(wc -c < "$T/a.st"); e=$(wc -c < "$T/e.st"); h=$(wc -c < "$T/e16.st")
is "export about a quarter of the checkpoint" "$([ $((e * 4)) -le $((a + 65536)) ] && echo y)" y
is "f16 export about half of f32" "$([ $((h * 2)) -le $((e + 32768)) ] && echo y)" y
is "no temp file left" "$(ls "$T" | grep -c tmp)" 0

# the export edits exactly like the checkpoint it came from (EMA weights)
imgread_ok=0
if [ -f third_party/face-api/demo/sample1.jpg ]; then
    imgread -s 16 -c 1 third_party/face-api/demo/sample1.jpg | dwt -w haar > "$T/g.wes" && imgread_ok=1
fi
if [ $imgread_ok = 1 ]; then
    ok "edit with the checkpoint" sh -c "wdenoise -m $T/a.st -n 4 -e sad -V 0.2 -A 0.1 < $T/g.wes | iwt -t > $T/o1.wes"
    ok "edit with the export" sh -c "wdenoise -m $T/e.st -n 4 -e sad -V 0.2 -A 0.1 < $T/g.wes | iwt -t > $T/o2.wes"
    ok "same pixels" tscmp -q "$T/o2.wes" "$T/o1.wes"
    ok "f16 export: pixels within 1e-2" sh -c "wdenoise -m $T/e16.st -n 4 -e sad -V 0.2 -A 0.1 < $T/g.wes | iwt -t | tscmp -q -a 1e-2 - $T/o1.wes"
    # the model's recommended guidance (edit.guidance) is wdenoise's default
    ok "export with --edit-guidance 2" wtrain -m "$T/a.st" --export "$T/eg.st" --edit-guidance 2
    is "edit.guidance in the metadata" "$(ckpt_meta "$T/eg.st" edit.guidance)" 2
    ok "edit with the model's guidance" sh -c "wdenoise -m $T/eg.st -n 4 -e sad < $T/g.wes > $T/g2.wes"
    case "$(tsinfo "$T/g2.wes")" in *"edit.g_low=2 "*"edit.g_high=2 "*) r=0 ;; *) r=1 ;; esac
    is "defaults to g 2" "$r" 0
    ok "-g overrides it" sh -c "wdenoise -m $T/eg.st -n 4 -e sad -g 3 < $T/g.wes > $T/g3.wes"
    case "$(tsinfo "$T/g3.wes")" in *"edit.g_low=3 "*) r=0 ;; *) r=1 ;; esac
    is "g 3 when asked" "$r" 0
    case "$(wdenoise -m $T/e.st -n 4 -e sad < $T/g.wes | tsinfo)" in *"edit.g_low=4 "*) r=0 ;; *) r=1 ;; esac
    is "a model without edit.guidance: 4" "$r" 0
else
    echo "skip: export edits need third_party/face-api/demo (sh scripts/setup.sh)"
fi

fails 64 "--f16 without --export" wtrain -m "$T/a.st" --f16 $FX
fails 64 "--edit-guidance without --export" wtrain -m "$T/a.st" --edit-guidance 2 $FX
fails 64 "--edit-guidance 0" wtrain -m "$T/a.st" --export "$T/x.st" --edit-guidance 0
fails 64 "--export with a stream" wtrain -m "$T/a.st" --export "$T/x.st" $FX
fails 64 "--export with --resume" wtrain -m "$T/a.st" --export "$T/x.st" --resume
fails 66 "--export of a missing checkpoint" wtrain -m "$T/none.st" --export "$T/x.st"
fails 65 "--export of a non-checkpoint" wtrain -m $FX --export "$T/x.st"
is "nothing written on failure" "$(ls "$T" | grep -c '^x.st')" 0
summary
