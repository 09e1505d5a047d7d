#!/bin/sh
# pipelines/exp_gen.sh - the sample metrics of one model (pipelines/experiments.mk):
#   exp_gen.sh MODEL REF OUTCSV
# wsample writes GEN_N faces, an equal share per emotion of EMOTIONS (DDIM,
# GEN_STEPS steps, guidance GEN_G on all bands, seed SEED), kept beside
# OUTCSV as samples.wes; fid compares their face-api identity descriptors
# (femo -i) with those of the real held-out faces REF (computed once, REF.id)
# and OUTCSV gets one header and one row: gen_n,fid,kid.
# Environment: BIN EMOTIONS GEN_N GEN_STEPS GEN_G SEED THREADS DEVICE NO_EMA.
set -u
model=$1 ref=$2 outcsv=$3
dir=$(dirname "$outcsv")
ne=$(echo $EMOTIONS | wc -w)
per=$(( (GEN_N + ne - 1) / ne ))
if [ ! -s "$ref.id" ] || [ "$ref" -nt "$ref.id" ]; then
    "$BIN/femo" -i -E -d "$DEVICE" < "$ref" > "$ref.id.$$" && mv "$ref.id.$$" "$ref.id" \
      || { echo "exp_gen: femo -i failed on $ref" >&2; rm -f "$ref.id.$$"; exit 70; }
fi
# A model that diffuses only some bands (region high or low) cannot
# sample from noise: it keeps the other bands of the real faces REF
# (wsample --given), so its FID measures the bands it generates.
. pipelines/ckpt_meta.sh
given=""
if [ "$(ckpt_meta "$model" noise_region)" != all ]; then
    "$BIN/dwt" -w "$(ckpt_meta "$model" wavelet)" -T 1 < "$ref" > "$dir/given.wes" \
      || { echo "exp_gen: dwt failed on $ref" >&2; exit 70; }
    given="--given $dir/given.wes"
fi
: > "$dir/samples.wes.tmp"
for e in $EMOTIONS; do
    # shellcheck disable=SC2086
    "$BIN/wsample" -m "$model" ${NO_EMA:-} $given -n "$per" -e "$e" --steps "$GEN_STEPS" --g-low "$GEN_G" --g-high "$GEN_G" \
        -S "$SEED" -T "$THREADS" -d "$DEVICE" >> "$dir/samples.wes.tmp" \
      || { echo "exp_gen: wsample failed on $model ($e)" >&2; exit 70; }
done
mv "$dir/samples.wes.tmp" "$dir/samples.wes"
"$BIN/femo" -i -E -d "$DEVICE" < "$dir/samples.wes" > "$dir/samples.id" \
  || { echo "exp_gen: femo -i failed on $dir/samples.wes" >&2; exit 70; }
"$BIN/fid" -f frame:identity "$dir/samples.id" "$ref.id" > "$dir/fid.txt" \
  || { echo "exp_gen: fid failed on $dir/samples.id" >&2; exit 70; }
awk -v n="$((per * ne))" '$1 == "fid" { f = $2 } $1 == "kid" { k = $2 }
    END { print "gen_n,fid,kid"; printf "%d,%s,%s\n", n, f, k }' "$dir/fid.txt" > "$outcsv.tmp" && mv "$outcsv.tmp" "$outcsv"
