#!/bin/sh
# tests/sh/test_wdtrain.sh - wdtrain on the 16 px fixture faces: refusals,
# a short run, exact resume, the checkpoint as a detail net, the demo frames.
. tests/sh/lib.sh
FX=tests/fixtures/model_train.wes
TINY="-s 16 -J 2 --patch 4 --nf 4 --layers 2 -b 3 -T 1"

ok "wdtrain --help" wdtrain --help
fails 64 "wdtrain without -o" wdtrain $FX
fails 64 "wdtrain bad --nf" wdtrain -o "$T/x.st" --nf 2 $FX
fails 64 "wdtrain patch larger than the coarse band" wdtrain -o "$T/x.st" -s 16 -J 2 --patch 8 $FX
fails 64 "wdtrain size not divisible by 2^J" wdtrain -o "$T/x.st" -s 20 -J 3 --patch 2 $FX
fails 65 "wdtrain faces of another size (message names facealign -s)" wdtrain -o "$T/x.st" $FX
grep -q 'facealign -s 256 -c 1' "$T/.err"; _report $? "size message names the facealign options"
fails 66 "wdtrain missing input" wdtrain -o "$T/x.st" $TINY "$T/none.wes"
fails 66 "wdtrain --resume without checkpoint" wdtrain -o "$T/none.st" --resume $FX
printf 'WES1 image f32 1 16\n\n' > "$T/bad.wes"
fails 65 "wdtrain truncated stream" wdtrain -o "$T/x.st" $TINY "$T/bad.wes"

ok "train 4 steps" wdtrain -o "$T/a.st" -n 4 --save-every 2 $TINY -S 3 --eval $FX --eval-every 2 $FX
is "eval lines at steps 1, 2, 4" "$(grep -c '^wdtrain: eval step' "$T/.err")" 3
ok "checkpoint written" test -s "$T/a.st"
is "no temp file left" "$(ls "$T" | grep -c tmp)" 0
fails 64 "a new run does not overwrite a checkpoint" wdtrain -o "$T/a.st" -n 4 $TINY $FX

# resume: 4 + 3 steps must equal 7 steps straight, byte for byte
ok "train 7 steps straight" wdtrain -o "$T/b.st" -n 7 $TINY -S 3 $FX
ok "resume to 7 steps" wdtrain -o "$T/a.st" --resume -n 7 $FX
ok "resumed checkpoint == straight run (cmp)" cmp "$T/a.st" "$T/b.st"
cp "$T/b.st" "$T/b7.st"
fails 64 "resume with another --batch is refused" wdtrain -o "$T/b7.st" --resume -n 8 -b 5 $FX
fails 64 "resume with another --nf is refused, even allowed" wdtrain -o "$T/b7.st" --resume -n 8 --nf 8 --allow-change $FX
cat $FX $FX > "$T/twice.wes"
fails 64 "resume on other faces is refused" wdtrain -o "$T/b7.st" --resume -n 8 "$T/twice.wes"
ok "--allow-change accepts another --lr" wdtrain -o "$T/b7.st" --resume -n 8 --lr 1e-4 --allow-change $FX
grep -q 'changed train.lr' "$T/.err"; _report $? "... and says so"
ok "--force replaces a checkpoint" wdtrain -o "$T/b7.st" -n 1 --force $TINY $FX
ok "--resume -n 0 with --eval only measures (held-out faces on stdin)" sh -c "wdtrain -o '$T/a.st' --resume -n 0 --eval - < $FX"
is "one eval line at step 7" "$(grep -c '^wdtrain: eval step 7 faces 8 ' "$T/.err")" 1
ok "... and leaves the checkpoint as it was" cmp "$T/a.st" "$T/b.st"

# demo: 5 panels per face, f32 1x16x16, keys id and panel
ok "demo of 2 faces" sh -c "wdtrain -o '$T/a.st' --demo 2 $FX > '$T/d.wes'"
is "10 image frames 1x16x16" "$(tsinfo -k "$T/d.wes" | sed 's/^[^ ]* //' | sort | uniq -c | tr -s ' ')" " 10 image f32 1x16x16"
is "panels in order" "$(tsinfo "$T/d.wes" | sed -n 's/.*panel=\([a-z]*\).*/\1/p' | head -n 5 | tr '\n' ' ')" "source target cascade smooth blurry "
ok "demo goes through wmontage" wmontage -k id -l panel -o "$T/d.png" "$T/d.wes"
fails 66 "demo without a checkpoint" wdtrain -o "$T/none.st" --demo 1 $FX
summary
