#!/bin/sh
# tests/sh/test_wtrain.sh - wtrain and wsample on a tiny model and fixture.
. tests/sh/lib.sh
FX=tests/fixtures/model_train.wes
TINY="--nf 8 --mult 1,2 --num-res 1 --attn 1 -b 4 -T 1 --log-every 0"

ok "wtrain --help" wtrain --help
ok "wsample --help" wsample --help
fails 64 "wtrain without --model" wtrain $FX
fails 64 "wtrain bad --mult" wtrain -m "$T/x.st" --mult 1,x $FX
fails 64 "wtrain bad --region" wtrain -m "$T/x.st" --region middle $FX
fails 64 "wtrain bad --schedule" wtrain -m "$T/x.st" --schedule square $FX
fails 64 "wtrain size not divisible" wtrain -m "$T/x.st" --mult 1,2,2,2 $FX
fails 66 "wtrain missing input" wtrain -m "$T/x.st" $T/none.wes
fails 66 "wtrain --resume without checkpoint" wtrain -m "$T/none.st" --resume $FX
printf 'WES1 image f32 1 16\n\n' > "$T/bad.wes"
fails 65 "wtrain truncated stream" wtrain -m "$T/x.st" $TINY "$T/bad.wes"

ok "train 3 steps" wtrain -m "$T/a.st" -n 3 --csv "$T/a.csv" $TINY -S 3 $FX
is "csv has a header and 3 steps" "$(wc -l < "$T/a.csv" | tr -d ' ')" 4
is "csv header" "$(head -n 1 "$T/a.csv")" "step,loss,grad_norm,lr,seconds"
ok "checkpoint written" test -s "$T/a.st"
is "no temp file left" "$(ls "$T" | grep -c tmp)" 0

# resume: 3 + 2 steps must equal 5 steps straight, byte for byte
ok "train 5 steps straight" wtrain -m "$T/b.st" -n 5 $TINY -S 3 $FX
ok "resume to 5 steps" wtrain -m "$T/a.st" --resume -n 5 --csv "$T/a.csv" $TINY $FX
ok "resumed checkpoint == straight run (cmp)" cmp "$T/a.st" "$T/b.st"
is "csv appended on resume" "$(wc -l < "$T/a.csv" | tr -d ' ')" 6

ok "train with heatmaps (K=2)" wtrain -m "$T/h.st" -n 2 --heatmaps $TINY $FX
ok "train region high, cosine" wtrain -m "$T/r.st" -n 2 --region high --schedule cosine $TINY $FX

# sampling
ok "wsample 3 faces" sh -c "wsample -m '$T/a.st' -n 3 -b 2 --steps 4 -e happy > '$T/s.wes'"
is "3 image frames 1x16x16" "$(tsinfo -k "$T/s.wes" | sed 's/^[^ ]* //' | sort | uniq -c | tr -s ' ')" " 3 image f32 1x16x16"
is "emotion key on samples" "$(tsinfo "$T/s.wes" | grep -c 'emotion=happy')" 3
ok "wsample ddpm + guidance + va" sh -c "wsample -m '$T/a.st' -n 2 --sampler ddpm --steps 5 --g-low 2 --g-high 4 --valence 0.5 --arousal -0.2 -e sad > '$T/s2.wes'"
is "guidance keys" "$(tsinfo "$T/s2.wes" | grep -c 'g_high=4')" 2
ok "wsample wavelet out" sh -c "wsample -m '$T/a.st' -n 1 --steps 3 --wavelet-out --eta 0.5 > '$T/w.wes'"
is "wavelet frame 4x8x8" "$(tsinfo -k "$T/w.wes" | sed 's/^[^ ]* //')" "wavelet f32 4x8x8"
ok "same seed, same samples" sh -c "wsample -m '$T/a.st' -n 3 -b 2 --steps 4 -e happy | cmp - '$T/s.wes'"
ok "wsample with a heatmap model" sh -c "wsample -m '$T/h.st' -n 1 --steps 2 > '$T/hs.wes'"
fails 64 "wsample unknown emotion" wsample -m "$T/a.st" -e grumpy
fails 64 "wsample valence without arousal" wsample -m "$T/a.st" --valence 0.1
fails 64 "wsample bad sampler" wsample -m "$T/a.st" --sampler euler
fails 64 "wsample eta with ddpm" wsample -m "$T/a.st" --sampler ddpm --eta 1
fails 66 "wsample missing model" wsample -m "$T/none.st"
fails 65 "wsample not a checkpoint" wsample -m $FX
fails 64 "wsample region-high model cannot generate" wsample -m "$T/r.st" -n 1
summary
