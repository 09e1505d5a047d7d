#!/bin/sh
# pipelines/exp_sheets.sh - a contact sheet per factor (pipelines/experiments.mk):
#   exp_sheets.sh "ROWS"
# the SHEET_N faces of EXP/heldout/sheet.wes edited to SHEET_EMOTION by every
# row's model (same faces, same deterministic DDIM: eta 0), one face per
# line: the source, then each row of the factor that is in ROWS, the row's name under each
# tile: OUT/sheet-<factor>.png. The edits are kept in EXP/sheets/<row>.wes
# (redone when the model is newer).
# Each row edits with its conditions (exp_edit, pipelines/exp_edit.sh).
# Environment: BIN EXP OUT SHEET_EMOTION STRENGTH EDIT_STEPS G THREADS DEVICE LMT.
set -u
rows=$1
d=$EXP/sheets
mkdir -p "$d" || exit 73
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
bin=$(abs "$BIN")
. pipelines/ckpt_meta.sh
. pipelines/exp_edit.sh
lmt=$(abs "$LMT")
"$bin/dwt" -T 1 < "$EXP/heldout/sheet.wes" | "$bin/iwt" -t -T 1 > "$d/source.wes" || exit 70
for r in $rows; do
    m=$EXP/$r/run.safetensors
    [ -s "$d/$r.wes" ] && [ "$d/$r.wes" -nt "$m" ] && continue
    # run from EXP/sheets with -m <row> (a link) so that edit.model, the
    # tile's label, is the row's name; the sheet faces themselves (with
    # their landmarks and heatmaps), the source tiles their dwt | iwt
    ln -sf "../$r/run.safetensors" "$d/$r"
    sheet=$(abs "$EXP/heldout/sheet.wes")
    (cd "$d" && BIN=$bin LMT=$lmt exp_edit "$r" "$(exp_cond "$r")" "$SHEET_EMOTION" -g "$G" < "$sheet" \
       > "$r.wes.tmp" && mv "$r.wes.tmp" "$r.wes") \
      || { echo "exp_sheets: editing the sheet faces with $m failed" >&2; exit 70; }
done
for f in architecture:"pixel base" wavelet:"base bior15 bior44" region:"high low base" schedule:"base cosine" \
         conditions:"base va lm valm"; do
    name=${f%%:*} members=${f#*:}
    files=""
    for r in $members; do case " $rows " in *" $r "*) files="$files $d/$r.wes" ;; esac; done
    [ -n "$files" ] || continue
    files="$d/source.wes$files"
    # shellcheck disable=SC2086
    cat $files | "$bin/wmontage" -k id -l edit.model -t 128 -o "$OUT/sheet-$name.png" \
      || { echo "exp_sheets: wmontage failed on $name" >&2; exit 70; }
done
echo "exp_sheets: wrote $(ls "$OUT"/sheet-*.png | tr '\n' ' ')(source, then the rows; target $SHEET_EMOTION)" >&2
