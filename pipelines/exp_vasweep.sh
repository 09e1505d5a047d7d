#!/bin/sh
# pipelines/exp_vasweep.sh - does -V/-A move the edit where it is asked to?
#   exp_vasweep.sh MODEL          (the Expr+VA row of pipelines/experiments.mk)
# edits the held-out faces (EXP/heldout/edit.wes) with valence/arousal alone
# (no label: wdenoise -V v -A a): valence v over VA_LIST at arousal 0, then
# arousal a over VA_LIST at valence 0; face-api's expression net judges each
# edit (femo: expr.valence / expr.arousal = its probabilities times the
# circumplex table of feclass --table; no loss ever saw that net). Writes
#   OUT/va-sweep.csv  sweep,requested,n,judged_valence,judged_arousal (means)
#   OUT/va-sweep.txt  per sweep: Pearson r of the judged value of the swept
#                     axis against the requested one over every edit, and
#                     the judged range (mean at the largest request minus
#                     the mean at the smallest)
#   OUT/sheet-valence.png, OUT/sheet-arousal.png  the SHEET_N sheet faces:
#                     the source, then the edit at each request of the sweep
# Environment: BIN EXP OUT VA_LIST STRENGTH EDIT_STEPS G THREADS DEVICE NO_EMA.
set -u
model=$1
d=$EXP/vasweep
mkdir -p "$d" || exit 73
. pipelines/ckpt_meta.sh
w=$(ckpt_meta "$model" wavelet)
[ -n "$w" ] || { echo "exp_vasweep: $model has no wavelet metadata" >&2; exit 65; }
# va=V,A edits of one stream: edit IN OUT V A
edit() {
    "$BIN/dwt" -w "$w" -T 1 < "$1" \
      | "$BIN/wdenoise" -m "$model" ${NO_EMA:-} -V "$3" -A "$4" -t "$STRENGTH" -n "$EDIT_STEPS" -g "$G" -T "$THREADS" -d "$DEVICE" \
      | "$BIN/iwt" -t -T 1 > "$2.tmp" && mv "$2.tmp" "$2"
}
# requested,judged valence,judged arousal per image frame of a femo stream
judged() {
    "$BIN/femo" < "$1" | "$BIN/tsinfo" | awk -v r="$2" '$2 == "image" {
        v = a = ""; for (i = 3; i <= NF; i++) { if ($i ~ /^expr\.valence=/) v = substr($i, 14);
                                                 if ($i ~ /^expr\.arousal=/) a = substr($i, 14) }
        if (v != "") print r "," v "," a }'
}
echo "sweep,requested,n,judged_valence,judged_arousal" > "$d/sweep.csv"
: > "$d/items.csv"
"$BIN/dwt" -w "$w" -T 1 < "$EXP/heldout/sheet.wes" | "$BIN/iwt" -t -T 1 > "$d/sheet-source.wes" || exit 70
for axis in valence arousal; do
    sheet_files=""
    for x in $VA_LIST; do
        if [ $axis = valence ]; then V=$x A=0; else V=0 A=$x; fi
        f=$d/$axis$x.wes
        [ -s "$f" ] && [ "$f" -nt "$model" ] || edit "$EXP/heldout/edit.wes" "$f" "$V" "$A" \
          || { echo "exp_vasweep: editing with -V $V -A $A failed" >&2; exit 70; }
        judged "$f" "$x" > "$d/$axis$x.csv" || exit 70
        awk -F, -v ax=$axis '{ print ax "," $0 }' "$d/$axis$x.csv" >> "$d/items.csv"
        awk -F, -v ax=$axis -v x="$x" '{ n++; v += $2; a += $3 }
            END { if (n) printf "%s,%s,%d,%.4f,%.4f\n", ax, x, n, v / n, a / n }' "$d/$axis$x.csv" >> "$d/sweep.csv"
        s=$d/sheet-$axis$x.wes
        [ -s "$s" ] && [ "$s" -nt "$model" ] || edit "$EXP/heldout/sheet.wes" "$s" "$V" "$A" || exit 70
        sheet_files="$sheet_files $s"
    done
    # shellcheck disable=SC2086
    cat "$d/sheet-source.wes" $sheet_files | "$BIN/wmontage" -k id -l $axis -t 96 -o "$OUT/sheet-$axis.png" \
      || { echo "exp_vasweep: wmontage failed" >&2; exit 70; }
done
# Pearson r of judged (column 3 for valence, 4 for arousal) against requested
awk -F, '{ k = ($1 == "valence") ? 3 : 4; n[$1]++; x = $2; y = $k
           sx[$1] += x; sy[$1] += y; sxx[$1] += x * x; syy[$1] += y * y; sxy[$1] += x * y }
     END { for (ax in n) { N = n[ax]; cv = sxy[ax] - sx[ax] * sy[ax] / N
             vx = sxx[ax] - sx[ax] ^ 2 / N; vy = syy[ax] - sy[ax] ^ 2 / N
             printf "%s sweep: r = %.3f over %d edits (judged %s against requested)\n", ax, \
                    (vx > 0 && vy > 0) ? cv / sqrt(vx * vy) : 0, N, ax } }' "$d/items.csv" | sort > "$d/r.txt"
awk -F, 'NR > 1 { k = ($1 == "valence") ? $4 : $5; if (!($1 in lo)) lo[$1] = k; hi[$1] = k }
     END { for (ax in lo) printf "%s sweep: judged %s moves by %+.3f from the smallest request to the largest\n", ax, ax, hi[ax] - lo[ax] }' \
    "$d/sweep.csv" | sort >> "$d/r.txt"
cp "$d/sweep.csv" "$OUT/va-sweep.csv.tmp" && cp "$d/r.txt" "$OUT/va-sweep.txt" && mv "$OUT/va-sweep.csv.tmp" "$OUT/va-sweep.csv" || exit 73
cat "$OUT/va-sweep.txt"
