# tests/sh/test_experiments.sh - pipelines/experiments.mk end to end on a
# tiny grid: four rows (base, pixel, Expr+VA, Expr+VA+Landmarks) of a 16 px
# model trained 3 steps on a generated set (the faces of a face-api demo
# photo, labelled), two guidance points, then the table, plots, sheets and
# the valence/arousal sweep; a second make does nothing, a killed run
# resumes. Nothing from ../shared is read.
. tests/sh/lib.sh
# the set: the demo photo's faces as 48 px PNGs under ten names
# (face0..face9: at TEST_PCT=40 four are held out) with cycling labels
labelled_face_set 10 "happy sad surprise anger neutral"
exp() {
    make -s -f pipelines/experiments.mk DATA="$T/data" SETS=a WORK="$T/w" EXP="$T/exp" OUT="$T/out" S=16 NF=8 MULT=1,2 \
        ATTN=1 NUM_RES=1 BATCH=4 SAVE_EVERY=2 EVAL_N=2 REF_N=4 SHEET_N=1 GEN_N=2 GEN_STEPS=2 EDIT_STEPS=2 \
        EMOTIONS="sad happy" G_LOW_LIST="1 2" G_HIGH_LIST=2 ROWS="base pixel va valm" VA_LIST="-0.8 0.8" TEST_PCT=40 \
        SYNTH_N=2 SYNTH_CLASSES="sad happy" SYNTH_CLF_STEPS=3 "$@"
}
# a run killed after its checkpoint at step 2: the checkpoint stays, no done
ok "train the pixel row to step 2" exp STEPS=2 train ROWS=pixel
ok "... its checkpoint" test -s "$T/exp/pixel/run.safetensors"
rm -f "$T/exp/pixel/done"
ok "the whole tiny grid" exp STEPS=3
grep -q "exp_train: resuming $T/exp/pixel/run.safetensors" "$T/.err"; _report $? "the killed row resumed"
. pipelines/ckpt_meta.sh
is "... to step 3" "$(ckpt_meta "$T/exp/pixel/run.safetensors" train.step)" 3
is "pixel row's wavelet is lazy" "$(ckpt_meta "$T/exp/pixel/run.safetensors" wavelet)" lazy
is "table.csv: header + 5 rows of base/pixel + va, valm (lm is not in ROWS)" "$(wc -l < "$T/out/table.csv" | tr -d ' ')" 9

is "the Expr+VA row was trained with valence/arousal" "$(ckpt_meta "$T/exp/va/run.safetensors" conditions | grep -c va)" 1
is "... the Expr+VA+Landmarks row with heatmaps too" "$(ckpt_meta "$T/exp/valm/run.safetensors" conditions | tr -d ' ')" \
   "$(ckpt_meta "$T/exp/valm/run.safetensors" conditions | tr -d ' ' | grep heat | grep va)"
tsinfo "$T/exp/va/eval/sad.wes" | grep -q "valence=-0.725"; _report $? "Expr+VA edits ask for the target's valence (sad: -0.725)"
tsinfo "$T/exp/valm/eval/happy.wes" | grep -q "^[^ ]* target_heatmap"; _report $? "Expr+Landmarks edits carry target heatmaps"
tsinfo "$T/exp/base/eval/happy.wes" | grep -q "^[^ ]* target_landmarks .*lmtarget=happy"; _report $? "every edit has its target landmarks"
is "va-sweep.csv: header + 2 valence + 2 arousal" "$(wc -l < "$T/out/va-sweep.csv" | tr -d ' ')" 5
grep -q "^valence sweep: r = -\{0,1\}[0-9.]* over 4 edits" "$T/out/va-sweep.txt"; _report $? "va-sweep.txt: the valence correlation"
is "sheet-valence.png is a PNG" "$(head -c 4 "$T/out/sheet-valence.png" | tail -c 3)" PNG
p1=$(awk -F, '$2 == "base" { print $4; exit }' "$T/out/table.csv")
p2=$(awk -F, '$2 == "pixel" { print $4; exit }' "$T/out/table.csv")
[ -n "$p1" ] && [ "$p1" -gt 0 ]; _report $? "parameter count in the table ($p1)"
is "pixel and wavelet rows: the same parameter count" "$p2" "$p1"
# every trained row has every metric: n acc csim psnr ssim nme edit_ms fid kid
is "no empty metric in a trained row" \
   "$(awk -F, 'NR > 1 && $2 != "-" { for (i = 4; i <= 17; i++) if ($i == "") print $2, i }' "$T/out/table.csv")" ""
awk -F, 'NR > 1 && $2 != "-" && !($8 >= 0 && $8 <= 1 && $9 >= -1 && $9 <= 1 && $11 <= 1 && $13 > 0 && $5 >= 0) { bad = 1 }
    END { exit bad }' "$T/out/table.csv"; _report $? "metrics in range (acc, csim, ssim), times positive"
is "guidance.csv: 2 grid points, the diagonal marked shared" "$(cut -d, -f1-3 "$T/out/guidance.csv" | tr '\n' ' ')" \
   "g_low,g_high,shared 1,2,no 2,2,yes "
grep -q "^| conditions | Expr+VA+Landmarks | [0-9]" "$T/out/table.md"; _report $? "table.md has the conditions rows"
grep -q "unedited faces' acc against the same targets" "$T/out/table.md" && grep -q '^(the share judged as the target without any edit) is 0\.[0-9]*\.$' "$T/out/table.md"
_report $? "table.md states the accuracy of no edit"
grep -q "raw weights (WEIGHTS=raw)" "$T/out/table.md"; _report $? "table.md says which weights (raw at SCALE=cpu)"
for f in loss-architecture tradeoff-architecture guidance sheet-architecture sheet-conditions; do
    is "$f.png is a PNG" "$(head -c 4 "$T/out/$f.png" | tail -c 3)" PNG
done
# sheet: 1 face x (source + 2 rows) of 128 px tiles, 2 px gaps and borders
is "architecture sheet: source + 2 rows" "$(imgread -t u8 "$T/out/sheet-architecture.png" | tsinfo -k | cut -d' ' -f4 | cut -dx -f3)" 392
# a second make: nothing is trained or evaluated again
cp "$T/out/table.md" "$T/table1.md"
ok "make again" exp STEPS=3
grep -q "exp_train\|exp_eval\|exp_gen" "$T/.err"; is "... trains and evaluates nothing" $? 1
ok "... same table" cmp "$T/out/table.md" "$T/table1.md"
ok "status" exp STEPS=3 status
grep -q "^pixel    trained, eval, gen" "$T/.out"; _report $? "status lists the rows"
# synth: the synthetic-to-real gap with the base model
ok "synth" exp STEPS=3 synth
grep -q "^synthetic-to-real gap (real minus synthetic accuracy): -\{0,1\}[0-9]" "$T/out/synth.txt"; _report $? "synth.txt: the gap"
grep -q "^  synthetic-to-real gap (real minus synthetic accuracy): -\{0,1\}[0-9]" "$T/out/synth.txt"
_report $? "synth.txt: the gap of our classifier"
nfx=$(ckpt_meta "$T/exp/synth/fexpr-real.safetensors" fexpr.faces)
[ "$nfx" -ge 2 ] && [ "$nfx" -le 4 ]; _report $? "our classifier: at most 2 real faces per class of 2 classes ($nfx)"
is "... and the 4 synthetic faces" "$(ckpt_meta "$T/exp/synth/fexpr-syn.safetensors" fexpr.faces)" 4
is "synthetic training set: 2 per class" "$(tsinfo -c "$T/exp/synth/synthetic.wes" | cut -d' ' -f4)" 4
fails 64 "exprclf without -t" exprclf "$T/exp/synth/synthetic.wes"
fails 64 "exprclf unknown class" exprclf -c happy,glad -t "$T/exp/synth/synthetic.wes" "$T/exp/synth/synthetic.wes"
is "exprclf on its own training set" "$(exprclf -t "$T/exp/synth/synthetic.wes" "$T/exp/synth/synthetic.wes" | cut -d' ' -f3-)" \
   "n 4 train 4"
fails 2 "SCALE=other is refused" make -s -f pipelines/experiments.mk SCALE=tpu status
summary
