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

# resume: 3 + 2 steps must equal 5 steps straight, byte for byte, also
# without -b / -T / --seed (the run's settings come from the checkpoint)
NET="--nf 8 --mult 1,2 --num-res 1 --attn 1 --log-every 0"
ok "train 5 steps straight" wtrain -m "$T/b.st" -n 5 $TINY -S 3 $FX
cp "$T/a.st" "$T/a3.st"; cp "$T/a.st" "$T/three.st"
ok "resume to 5 steps (no -b)" wtrain -m "$T/a.st" --resume -n 5 --csv "$T/a.csv" $NET $FX
ok "resumed checkpoint == straight run (cmp)" cmp "$T/a.st" "$T/b.st"
is "csv appended on resume" "$(wc -l < "$T/a.csv" | tr -d ' ')" 6
ok "resume with the same settings given again" wtrain -m "$T/a3.st" --resume -n 4 $TINY -S 3 $FX
fails 64 "resume with another batch is refused" wtrain -m "$T/a3.st" --resume -n 5 $NET -b 8 $FX
grep -q -- '--batch 8: the checkpoint.s run has 4' "$T/.err"; _report $? "the refusal names the option and both values"
fails 64 "resume with another --lr is refused" wtrain -m "$T/a3.st" --resume -n 5 $NET --lr 1e-3 $FX
fails 64 "resume with another --seed is refused" wtrain -m "$T/a3.st" --resume -n 5 $NET -S 4 $FX
cat $FX $FX > "$T/twice.wes"
fails 64 "resume on other training data is refused" wtrain -m "$T/a3.st" --resume -n 5 $NET "$T/twice.wes"
grep -q 'training data' "$T/.err"; _report $? "... naming the training data"
ok "--allow-change accepts another batch" wtrain -m "$T/a3.st" --resume -n 4 $NET -b 8 --allow-change $FX
grep -q 'changed train.batch' "$T/.err"; _report $? "... and says so"
fails 64 "--allow-change without --resume" wtrain -m "$T/n.st" --allow-change $TINY $FX
# -T does not change the result (so it is free on resume)
ok "3 steps on 2 threads" wtrain -m "$T/t2.st" -n 3 --nf 8 --mult 1,2 --num-res 1 --attn 1 -b 4 -T 2 --log-every 0 -S 3 $FX
ok "... same tensors as on 1 thread (0 differences)" build/tests/test_train_cuda --compare "$T/t2.st" "$T/three.st" 0 0

# a new run does not replace a checkpoint unless --force
fails 64 "a new run on an existing checkpoint is refused" wtrain -m "$T/b.st" -n 1 $TINY $FX
grep -q -- '--force' "$T/.err"; _report $? "... and names --force"
ok "--force starts over" wtrain -m "$T/b2.st" -n 1 $TINY -S 3 $FX
ok "--force replaces it" wtrain -m "$T/b2.st" -n 5 --force $TINY -S 3 $FX
ok "... with the new run (cmp)" cmp "$T/b2.st" "$T/b.st"

# the loss CSV has each step once after a resume from an older checkpoint
# (a run killed after logging steps it had not saved yet)
ok "5 steps with csv" wtrain -m "$T/c.st" -n 3 --csv "$T/c.csv" $TINY -S 3 $FX
cp "$T/c.st" "$T/c3.st"
ok "to 5" wtrain -m "$T/c.st" --resume -n 5 --csv "$T/c.csv" $NET $FX
printf '6,0.1' >> "$T/c.csv" # a row cut short by the kill
cp "$T/c3.st" "$T/c.st"
ok "resume from step 3 again" wtrain -m "$T/c.st" --resume -n 5 --csv "$T/c.csv" $NET $FX
is "csv steps once each" "$(cut -d, -f1 "$T/c.csv" | tr '\n' ' ')" "step 1 2 3 4 5 "
ok "and the weights of the straight run" cmp "$T/c.st" "$T/b.st"

# temp files of dead writers are removed by the next save; live ones kept
sh -c 'exit 0' & dead=$!; wait $dead
sleep 30 & live=$!
: > "$T/c.st.tmp.$dead"; : > "$T/c.st.tmp.$live"; : > "$T/c.st.tmp.x1"
ok "a save" wtrain -m "$T/c.st" --resume -n 6 $NET $FX
is "the dead writer's temp file is gone" "$(ls "$T" | grep -c "c.st.tmp.$dead\$")" 0
is "a live writer's and another name kept" "$(ls "$T" | grep -c "c.st.tmp.\($live\|x1\)\$")" 2
kill $live

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
wsample -m "$T/a.st" -n 1 --steps 2 2> "$T/ema.err" > /dev/null
is "a short run's EMA: wsample warns, naming --no-ema" "$(grep -c 'EMA weights still hold .*--no-ema' "$T/ema.err")" 1
wsample -m "$T/a.st" -n 1 --steps 2 --no-ema 2> "$T/ema.err" > /dev/null
is "--no-ema: no warning" "$(grep -c 'EMA' "$T/ema.err")" 0
ok "same seed, same samples" sh -c "wsample -m '$T/a.st' -n 3 -b 2 --steps 4 -e happy | cmp - '$T/s.wes'"
ok "wsample with a heatmap model" sh -c "wsample -m '$T/h.st' -n 1 --steps 2 > '$T/hs.wes'"
fails 64 "wsample unknown emotion" wsample -m "$T/a.st" -e grumpy
fails 64 "wsample valence without arousal" wsample -m "$T/a.st" --valence 0.1
fails 64 "wsample bad sampler" wsample -m "$T/a.st" --sampler euler
fails 64 "wsample eta with ddpm" wsample -m "$T/a.st" --sampler ddpm --eta 1
fails 66 "wsample missing model" wsample -m "$T/none.st"
fails 65 "wsample not a checkpoint" wsample -m $FX
fails 64 "wsample region-high model cannot generate from noise alone" wsample -m "$T/r.st" -n 1
# ... but from the LL of real faces (--given): sample i keeps face i mod n's LL bit for bit
dwt -w haar < $FX > "$T/given.wes"
ok "wsample region high --given" sh -c "wsample -m '$T/r.st' -n 10 -b 4 --steps 3 --wavelet-out --given '$T/given.wes' > '$T/gs.wes'"
is "10 samples" "$(tsinfo -c "$T/gs.wes" | sed 's/.*: //')" "10 frames, 10 items"
ll() { # ll STREAM INDEX: the 64 LL values of frame INDEX (4x8x8 f32), as text
    tsconv --to npy -i "$2" "$1" | python3 -c 'import sys, array
b = sys.stdin.buffer.read(); n = int.from_bytes(b[8:10], "little"); a = array.array("f"); a.frombytes(b[10 + n:])
print(" ".join("%r" % v for v in a[:64]))'
}
r=0
for i in 0 1 7 8 9; do # (the given stream: wavelet + heatmap frame per face)
    [ "$(ll "$T/gs.wes" $i)" = "$(ll "$T/given.wes" $((2 * (i % 8))))" ] || r=1; done
is "the given faces' LL kept exactly (sample i: face i mod 8)" "$r" 0
[ "$(ll "$T/gs.wes" 0)" != "$(ll "$T/gs.wes" 1)" ]; is "different faces, different LL" $? 0
fails 65 "--given without wavelet frames" wsample -m "$T/r.st" -n 1 --given $FX
convert -size 32x32 xc:gray "$T/g32.png" && imgread -s 32 -c 1 "$T/g32.png" | dwt -w haar > "$T/big.wes"
is "a 32 px face (4x16x16 wavelet frame)" "$(tsinfo -k "$T/big.wes" | sed 's/^[^ ]* //')" "wavelet f32 4x16x16"
fails 65 "--given faces of another size" wsample -m "$T/r.st" -n 1 --given "$T/big.wes"
fails 66 "--given a missing file" wsample -m "$T/r.st" -n 1 --given "$T/nothing.wes"
# only the faces the samples need are read: a bad face after them goes unread
cat "$T/given.wes" "$T/big.wes" > "$T/given2.wes"
ok "--given reads no more faces than samples (a bad 9th face, 2 samples)" sh -c "wsample -m '$T/r.st' -n 2 --steps 2 --given '$T/given2.wes' > /dev/null"
fails 65 "... but 10 samples reach it" wsample -m "$T/r.st" -n 10 --steps 2 --given "$T/given2.wes"
# a J-level model (model.md section 1): the 2-level packet of 16 px faces,
# the network at 4 x 4 on 16 channels, end to end
dwt -w haar -J 2 < $FX > "$T/j2.wes"
ok "train a J = 2 model on dwt -J 2 frames" wtrain -m "$T/j.st" -n 3 $TINY -S 3 "$T/j2.wes"
grep -q 'C=1 J=2 K=0' "$T/.err"; _report $? "... the banner says J=2"
head -c 4096 "$T/j.st" | grep -aq '"J":"2"'; _report $? "... J is in the model config"
head -c 4096 "$T/a.st" | grep -aq '"J":'; is "a one-level model's file has no J key (files as before)" $? 1
ok "wsample from the J = 2 model" sh -c "wsample -m '$T/j.st' --no-ema -n 2 -e happy --steps 3 > '$T/js.wes'"
is "... writes 16 px faces" "$(tsinfo -k "$T/js.wes" | sed 's/^[^ ]* //' | sort -u)" "image f32 1x16x16"
ok "wsample --wavelet-out from the J = 2 model" sh -c "wsample -m '$T/j.st' --no-ema -n 1 --steps 3 --wavelet-out > '$T/jw.wes'"
grep -q 'levels=2' "$T/jw.wes"; _report $? "... as 2-level frames"
ok "wdenoise with the J = 2 model" sh -c "wdenoise -m '$T/j.st' --no-ema -e sad --steps 3 < '$T/j2.wes' > '$T/jd.wes'"
is "... edits every face, 2-level frames back" "$(tsinfo "$T/jd.wes" | grep -c 'wavelet f32 16x4x4 .*levels=2 .*edit.model=j.st')" 8
ok "... which iwt turns into 16 px faces" sh -c "iwt -t < '$T/jd.wes' | tsinfo - | grep -c 'image f32 1x16x16' | grep -qx 8"
fails 65 "wdenoise: one-level frames to the J = 2 model" sh -c "dwt -w haar < $FX | wdenoise -m '$T/j.st' -e sad --steps 3"
grep -q 'dwt -J 2' "$T/.err"; _report $? "... the message names dwt -J 2"
fails 64 "resume the J = 2 model on one-level frames" sh -c "dwt -w haar < $FX | wtrain -m '$T/j.st' --resume -n 4 $NET -"
fails 64 "auxiliary losses on a J = 2 model" wtrain -m "$T/jx.st" -n 1 $TINY --lambda-expr 1e-4 "$T/j2.wes"
grep -q 'one-level model' "$T/.err"; _report $? "... says they need J = 1"
dwt -w haar -J 3 < $FX > "$T/j3.wes"
fails 64 "J = 3 on 16 px faces: S must be a multiple of 2^(levels+J)" wtrain -m "$T/j3.st" -n 1 $TINY "$T/j3.wes"
summary
