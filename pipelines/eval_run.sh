#!/bin/sh
# pipelines/eval_run.sh - one evaluation setting of pipelines/eval.mk:
#   eval_run.sh OUTCSV G STRENGTH
# edits the held-out faces of every set (WORK/<set>/<shard>.wes for each
# shard named in EVAL_SHARD) to
# every target emotion with wdenoise -g G -t STRENGTH (G = model: no -g,
# the model's own default guidance), scores each
# (set, emotion) with femetrics against the unedited faces, and writes
# OUTCSV: set,emotion,n,acc,csim,psnr,ssim,nme,fid, plus a row
# all,all,... with the n-weighted means. Edited streams are kept beside it
# (and reused while newer than the model). Variables come from eval.mk's
# environment: BIN MODEL WORK SETS EVAL_SHARD EMOTIONS STEPS WDENOISE_FLAGS.
set -u
outcsv=$1 g=$2 st=$3
dir=${outcsv%.csv}
mkdir -p "$dir" || exit 73
. pipelines/ckpt_meta.sh
meta() { ckpt_meta "$MODEL" "$1"; }
W=$(meta wavelet)
[ -n "$W" ] || { echo "eval: $MODEL has no wavelet metadata: not a WaveEmotion checkpoint" >&2; exit 65; }
gopt="-g $g"
[ "$g" = model ] && gopt=""
rows="$dir/rows.csv"
: > "$rows"
for set in $SETS; do
    # EVAL_SHARD may name several shards: they are concatenated
    src="$dir/$set-input.wes"
    files=""
    for sh_ in $EVAL_SHARD; do files="$files $WORK/$set/$sh_.wes"; done
    # shellcheck disable=SC2086
    cat $files > "$src.tmp" || { echo "eval: cannot read$files" >&2; exit 66; }
    if cmp -s "$src.tmp" "$src"; then rm -f "$src.tmp"; else mv "$src.tmp" "$src"; fi
    ref="$dir/$set-source.wes"
    if [ ! -s "$ref" ] || [ "$src" -nt "$ref" ]; then
        "$BIN/dwt" -w "$W" < "$src" | "$BIN/iwt" -t > "$ref.tmp" && mv "$ref.tmp" "$ref" \
            || { echo "eval: dwt | iwt failed on $src" >&2; exit 70; }
    fi
    for e in $EMOTIONS; do
        ed="$dir/$set-$e.wes"
        if [ ! -s "$ed" ] || [ "$MODEL" -nt "$ed" ] || [ "$src" -nt "$ed" ]; then
            echo "eval: $set -> $e (g $g, strength $st)" >&2
            # shellcheck disable=SC2086
            "$BIN/dwt" -w "$W" < "$src" \
              | "$BIN/wdenoise" -m "$MODEL" -e "$e" $gopt -t "$st" -n "$STEPS" $WDENOISE_FLAGS \
              | "$BIN/iwt" -t > "$ed.tmp" && mv "$ed.tmp" "$ed" \
              || { echo "eval: editing $src to $e failed" >&2; rm -f "$ed.tmp"; exit 70; }
        fi
        "$BIN/femetrics" -o "$dir/$set-$e.csv" "$ed" "$ref" > /dev/null \
            || { echo "eval: femetrics failed on $ed" >&2; exit 70; }
        # the per-emotion row of femetrics (not its 'all' row)
        awk -F, -v s="$set" -v e="$e" 'NR > 1 && $1 == e { print s "," $0 }' "$dir/$set-$e.csv" >> "$rows"
    done
done
{
    echo "set,emotion,n,acc,csim,psnr,ssim,nme,fid"
    cat "$rows"
    awk -F, '{ n += $3; for (k = 4; k <= 8; k++) s[k] += $3 * $k }
             END { if (n) printf "all,all,%d,%.4f,%.4f,%.3f,%.4f,%.5f,\n", n, s[4]/n, s[5]/n, s[6]/n, s[7]/n, s[8]/n }' "$rows"
} > "$outcsv.tmp" && mv "$outcsv.tmp" "$outcsv"
rm -f "$rows"
