#!/bin/sh
# pipelines/dataset_shard.sh BIN S C LABELS LIST WES REPORT LOG - one shard
# of a face set, for pipelines/dataset.mk and workflows/dataset.smk alike:
#   facealign -s S -c C $FACEALIGN_FLAGS -e LABELS -L LIST -r REPORT | lmheat $LMHEAT_FLAGS > WES
# facealign's messages go to LOG. Its exit 65 (no file of the shard had a
# face) still gives a (possibly empty) shard; WES is written under a
# temporary name and renamed when complete.
set -u
BIN=$1 S=$2 C=$3 LABELS=$4 LIST=$5 WES=$6 REPORT=$7 LOG=$8
name=$(basename "$WES" .wes)
echo "dataset: $name"
{ "$BIN/facealign" -F -s "$S" -c "$C" ${FACEALIGN_FLAGS:-} -e "$LABELS" -L "$LIST" -r "$REPORT" 2> "$LOG"
  echo $? > "$WES.rc"; } | "$BIN/lmheat" ${LMHEAT_FLAGS:-} > "$WES.tmp"
rc=$(cat "$WES.rc"); rm -f "$WES.rc"
if [ "$rc" != 0 ] && [ "$rc" != 65 ]; then
    echo "dataset: facealign failed ($rc) on $name: $(tail -n 1 "$LOG")" >&2
    rm -f "$WES.tmp"; exit 1
fi
mv "$WES.tmp" "$WES"
