#!/bin/sh
# pipelines/exp_eval.sh - the edit metrics of one model (pipelines/experiments.mk):
#   exp_eval.sh MODEL HELDOUT OUTCSV [WDENOISE OPTION]...
# edits the faces of HELDOUT (image frames) to every emotion of EMOTIONS
# (exp_edit: the target landmarks, the row's conditions COND, dwt with the
# model's wavelet | wdenoise -t STRENGTH -n EDIT_STEPS OPTIONS | iwt -t),
# scores each emotion with femetrics against the unedited faces (through
# the same dwt | iwt), measures how close the edit's landmarks (face-api's,
# femo -l) came to the target landmarks on the points an expression moves
# (lmnme, nme_expr), and writes OUTCSV: one header and one row
#   n,acc,csim,psnr,ssim,nme,edit_ms,tnme,tnme0
# (n-weighted means over the emotions; edit_ms = wall time of the edit
# pipelines / edits; tnme = the edits' landmarks to the target, tnme0 = the
# unedited faces' to the same target). Edits and per-emotion tables are
# kept in OUTCSV's folder, named after it.
# The row (MODEL's folder name) gives the conditions the edit uses (exp_cond),
# unless EXP_COND is set (then it is that word list, possibly empty).
# Environment: BIN EMOTIONS STRENGTH EDIT_STEPS THREADS DEVICE LMT [EXP_COND].
set -u
model=$1 src=$2 outcsv=$3
shift 3
dir=${outcsv%.csv}
mkdir -p "$dir" || exit 73
. pipelines/ckpt_meta.sh
. pipelines/exp_edit.sh
if [ -n "${EXP_COND+set}" ]; then cond=$EXP_COND
else cond=$(exp_cond "$(basename "$(dirname "$model")")"); fi
w=$(ckpt_meta "$model" wavelet)
[ -n "$w" ] || { echo "exp_eval: $model has no wavelet metadata" >&2; exit 65; }
"$BIN/dwt" -w "$w" -T 1 < "$src" | "$BIN/iwt" -t -T 1 > "$dir/source.wes" \
  || { echo "exp_eval: dwt | iwt failed on $src" >&2; exit 70; }
: > "$dir/rows.csv"
ms_total=0
for e in $EMOTIONS; do
    t0=$(date +%s%N)
    exp_edit "$model" "$cond" "$e" "$@" < "$src" > "$dir/$e.wes" \
      || { echo "exp_eval: editing $src to $e with $model failed" >&2; exit 70; }
    t1=$(date +%s%N)
    ms_total=$((ms_total + (t1 - t0) / 1000000))
    "$BIN/femetrics" -o "$dir/$e.csv" "$dir/$e.wes" "$dir/source.wes" > /dev/null \
      || { echo "exp_eval: femetrics failed on $dir/$e.wes" >&2; exit 70; }
    "$BIN/femo" -l -E < "$dir/$e.wes" | "$BIN/lmnme" -o "$dir/$e-tnme.csv" > /dev/null \
      || { echo "exp_eval: lmnme failed on $dir/$e.wes" >&2; exit 70; }
    "$BIN/lmtarget" -m "$LMT" -k -e "$e" < "$dir/source.wes" | "$BIN/femo" -l -E \
      | "$BIN/lmnme" -o "$dir/$e-tnme0.csv" > /dev/null || { echo "exp_eval: lmnme failed on the sources" >&2; exit 70; }
    nm1=$(awk -F, '$1 == "all" { print $4 }' "$dir/$e-tnme.csv") nm0=$(awk -F, '$1 == "all" { print $4 }' "$dir/$e-tnme0.csv")
    awk -F, -v e="$e" -v a="$nm1" -v b="$nm0" 'NR > 1 && $1 == e { print $0 "," a "," b }' "$dir/$e.csv" >> "$dir/rows.csv"
done
# femetrics rows: emotion,n,acc,csim,psnr,ssim,nme,fid + tnme,tnme0
awk -F, -v ms="$ms_total" 'BEGIN { print "n,acc,csim,psnr,ssim,nme,edit_ms,tnme,tnme0" }
    { n += $2; for (k = 3; k <= 7; k++) s[k] += $2 * $k; t1 += $2 * $9; t0 += $2 * $10 }
    END { if (!n) exit 1
          printf "%d,%.4f,%.4f,%.3f,%.4f,%.5f,%.1f,%.5f,%.5f\n", n, s[3]/n, s[4]/n, s[5]/n, s[6]/n, s[7]/n, ms / n,
                 t1 / n, t0 / n }' \
    "$dir/rows.csv" > "$outcsv.tmp" || { echo "exp_eval: no femetrics rows for $model" >&2; rm -f "$outcsv.tmp"; exit 65; }
mv "$outcsv.tmp" "$outcsv"
