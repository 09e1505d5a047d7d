#!/bin/sh
# pipelines/generate.sh - synthetic face sets with wsample, one step per
# call, for pipelines/generate.mk and workflows/generate.smk alike:
#
#   generate.sh shard OUT E I K   OUT/E-KK.wes: N faces of emotion E (the I-th of the
#                                 emotions), seed SEED + 1000 I + K, so every shard
#                                 has its own noise and a rerun the same faces
#   generate.sh summary OUT WES...  OUT/summary.txt: faces per file and in all
#
# Environment: BIN (default bin), MODEL, N (faces per shard, default 64),
# BATCH (default 16), STEPS (sampler steps, default 50), SEED (default 1),
# WSAMPLE_FLAGS (e.g. --sampler ddpm, --g-high 4).
set -u
BIN=${BIN:-bin}
step=$1 OUT=$2
mkdir -p "$OUT" || exit 73
case $step in
shard)
    E=$3 I=$4 K=$5
    f=$(printf '%s/%s-%02d.wes' "$OUT" "$E" "$K")
    "$BIN/wsample" -m "$MODEL" -n "${N:-64}" -b "${BATCH:-16}" --steps "${STEPS:-50}" -e "$E" \
        -S $((${SEED:-1} + 1000 * I + K)) ${WSAMPLE_FLAGS:-} > "$f.tmp" \
        || { rm -f "$f.tmp"; echo "generate: wsample failed for $E, shard $K" >&2; exit 70; }
    mv "$f.tmp" "$f"
    ;;
summary)
    shift 2
    "$BIN/tsinfo" -c "$@" | sed 's#^.*/##' | awk '{ n += $(NF - 1); print } END { print "all: " n " faces" }' > "$OUT/summary.txt.tmp" \
        && mv "$OUT/summary.txt.tmp" "$OUT/summary.txt"
    ;;
*)
    echo "usage: generate.sh shard|summary OUT ..." >&2; exit 64 ;;
esac
