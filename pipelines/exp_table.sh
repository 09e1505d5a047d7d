#!/bin/sh
# pipelines/exp_table.sh - the table of pipelines/experiments.mk:
#   exp_table.sh "GRID"     (GRID: the g_low_g_high names of the guidance runs)
# reads EXP/<row>/{train.log,loss.csv,eval.csv,gen.csv} and EXP/base/guid/*.csv
# and writes OUT/table.csv (one line per factor and row; rows that cannot
# run yet have a note instead of numbers), OUT/guidance.csv and OUT/table.md.
# Rows not in ROWS are left out. Environment: ROWS EXP OUT SCALE STEPS BATCH SEED EMOTIONS STRENGTH G EDIT_STEPS GEN_N GEN_STEPS GEN_G.
set -u
grid=$1
# factor|row|setting|note
layout() {
    cat <<ROWS
architecture|pixel|pixel space (lazy wavelet: same UNet)|
architecture|base|wavelet (haar)|
wavelet|base|haar|
wavelet|bior15|bior1.5|
wavelet|bior44|bior4.4|
region|high|high only (LH HL HH; LL clean)|
region|low|LL only|
region|base|all four|
schedule|base|linear|
schedule|cosine|cosine|
conditions|base|Expr|
conditions|va|Expr+VA|
conditions|lm|Expr+Landmarks|
conditions|valm|Expr+VA+Landmarks|
ROWS
}
# one row's numbers: params,train_s,loss,n,acc,csim,psnr,ssim,nme,edit_ms,tnme,tnme0,fid,kid
numbers() {
    d=$EXP/$1
    p=$(grep -o '[0-9]* params' "$d/train.log" 2> /dev/null | tail -n 1 | cut -d' ' -f1)
    tl=$(awk -F, 'NR > 1 { if ($5 + 0 < prev) tot += prev; prev = $5 + 0; l[NR] = $2; n = NR }
        END { tot += prev; k = int((n - 1) / 10); if (k < 1) k = 1; for (i = n - k + 1; i <= n; i++) s += l[i];
              printf "%.1f,%.5f", tot, s / k }' "$d/loss.csv" 2> /dev/null)
    ev=$(sed -n 2p "$d/eval.csv" 2> /dev/null | cut -d, -f1-9)
    ge=$(sed -n 2p "$d/gen.csv" 2> /dev/null | cut -d, -f2,3)
    echo "${p:-},${tl:-,},${ev:-,,,,,,,,},${ge:-,}"
}
hdr="factor,row,setting,params,train_s,loss,n,acc,csim,psnr,ssim,nme,edit_ms,tnme,tnme0,fid,kid,note"
{
    echo "$hdr"
    layout | while IFS='|' read -r f r s note; do
        case " $ROWS - " in *" $r "*) ;; *) continue ;; esac
        if [ "$r" = - ]; then echo "experiments: $f $s: missing: $note" >&2; echo "$f,-,$s,,,,,,,,,,,,,,,$note"; else echo "$f,$r,$s,$(numbers "$r"),"; fi
    done
} > "$OUT/table.csv.tmp" && mv "$OUT/table.csv.tmp" "$OUT/table.csv"
{
    echo "g_low,g_high,shared,n,acc,csim,psnr,ssim,nme,edit_ms,tnme,tnme0"
    for g in $grid; do
        gl=${g%_*} gh=${g#*_}
        sh_=no; [ "$gl" = "$gh" ] && sh_=yes
        echo "$gl,$gh,$sh_,$(sed -n 2p "$EXP/base/guid/$g.csv")"
    done
} > "$OUT/guidance.csv.tmp" && mv "$OUT/guidance.csv.tmp" "$OUT/guidance.csv"
# the accuracy of no edit at all: the unedited held-out faces (as the
# rows see them, through dwt | iwt) judged against every target
acc0=$("$BIN/femo" < "$EXP/base/eval/source.wes" 2> /dev/null | "$BIN/tsinfo" \
    | sed -n 's/.* expr\.top=\([a-z]*\).*/\1/p' | awk -v e="$EMOTIONS" '
      BEGIN { ne = split(e, a, " "); for (i = 1; i <= ne; i++) t[a[i]] = 1 }
      { n++; if ($1 in t) k++ } END { if (n) printf "%.4f", k / (n * ne); else print "unknown" }')
{
    echo "# Experiments (pipelines/experiments.mk, SCALE=$SCALE)"
    echo
    echo "Every row: $STEPS steps at batch $BATCH, seed $SEED, the same training shards. Edits: the held-out"
    echo "faces to each of $EMOTIONS, strength $STRENGTH, $EDIT_STEPS DDIM steps, guidance $G;"
    echo "acc = face-api's expression net (no loss uses it), csim = identity cosine, nme = landmark NME (femetrics)."
    echo "FID/KID: $GEN_N wsample faces ($GEN_STEPS DDIM steps, guidance $GEN_G) against real held-out faces,"
    echo "face-api identity features (small sets: FID is biased upwards, compare rows, not papers); the high and"
    echo "low rows cannot sample from noise: they keep the other bands of the real faces (wsample --given)."
    if [ -n "${NO_EMA:-}" ]; then
        echo "Weights: every edit and sample uses the raw weights (WEIGHTS=raw): after $STEPS steps the EMA still"
        echo "holds much of the random initial weights."
    else
        echo "Weights: the EMA copy (WEIGHTS=ema)."
    fi
    echo "train s = wtrain's wall time; loss = mean DDPM loss over the last 10% of steps; edit ms = wall time per edit."
    echo "tgt NME = the edit's landmarks (face-api) against the target landmarks of lmtarget's estimate, brows and"
    echo "mouth, over the inter-ocular distance (lower = closer to where the emotion puts them); the unedited faces"
    echo "score $(awk -F, 'NR > 1 && $15 != "" { print $15; exit }' "$OUT/table.csv") against the same targets. The unedited faces' acc against the same targets"
    echo "(the share judged as the target without any edit) is $acc0."
    echo
    echo "| factor | setting | params | train s | loss | n | acc | csim | PSNR | SSIM | NME | tgt NME | edit ms | FID | KID |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    tail -n +2 "$OUT/table.csv" | while IFS=, read -r f r s p ts l n a cs ps ss nm ms tn tn0 fi ki note; do
        if [ "$r" = - ]; then echo "| $f | $s | missing: $note ||||||||||||"
        else echo "| $f | $s | $p | $ts | $l | $n | $a | $cs | $ps | $ss | $nm | $tn | $ms | $fi | $ki |"; fi
    done
    echo
    echo "Guidance on the base model: one shared scale (g_low = g_high) against separate low/high scales."
    echo
    echo "| g_low | g_high | shared | n | acc | csim | PSNR | SSIM | NME | edit ms | tgt NME | (unedited) |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    awk -F, 'NR > 1 { for (i = 1; i <= NF; i++) printf "| %s ", $i; print "|" }' "$OUT/guidance.csv"
} > "$OUT/table.md.tmp" && mv "$OUT/table.md.tmp" "$OUT/table.md"
