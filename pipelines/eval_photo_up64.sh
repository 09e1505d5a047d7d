#!/bin/sh
# pipelines/eval_photo_up64.sh - the baseline EDIT of pipelines/eval.mk's
# photo route: "today's upscaled 64 px edit". Reads the source stream (the
# photo route's aligned PHOTO_S px faces, whose `src` keys name their
# photos) on stdin and writes, for target emotion E, the model's S px edit
# of the same faces (same ids): the photos aligned again at the model's
# size, exactly as the crop route and `make demo` do,
#   facealign -s S | lmheat | dwt -w W | wdenoise -e E | iwt -t
# femetrics --photo then scales each edit up to the source's size (the
# mapping between two facealign crops of one face) and pastes it.
# Environment (from eval.mk / eval_photo.sh): E, BIN, MODEL, PHOTO_LABELS
# (labels.csv of the set or empty), PHOTO_FACEALIGN_FLAGS, WDENOISE_FLAGS,
# PHOTO_CACHE (a path prefix: the aligned faces are kept there between
# emotions).
set -u
. pipelines/ckpt_meta.sh
W=$(ckpt_meta "$MODEL" wavelet) S=$(ckpt_meta "$MODEL" S) C=$(ckpt_meta "$MODEL" C)
[ -n "$W" ] && [ -n "$S" ] || { echo "eval_photo_up64: $MODEL has no wavelet/S metadata" >&2; exit 65; }
tmp=$(mktemp -d) || exit 73
trap 'rm -rf "$tmp"' EXIT
# the photos, in stream order, from the image frames' src keys
"$BIN/tsinfo" - | awk '$2 == "image" { for (i = 5; i <= NF; i++) if ($i ~ /^src=/) print substr($i, 5) }' \
    > "$tmp/list" || exit 70
echo "$MODEL $W $S ${C:-1} ${PHOTO_LABELS:-} ${PHOTO_FACEALIGN_FLAGS:-}" >> "$tmp/list"
lab=""
[ -n "${PHOTO_LABELS:-}" ] && lab="-e $PHOTO_LABELS"
# the aligned S px faces, kept in PHOTO_CACHE.wes (when set) for the next emotion;
# the key PHOTO_CACHE.list: the photos and the settings (last line)
c=${PHOTO_CACHE:-$tmp/faces}
if ! cmp -s "$tmp/list" "$c.list" || [ ! -s "$c.wes" ]; then
    # shellcheck disable=SC2086
    sed '$d' "$tmp/list" | "$BIN/facealign" -q -s "$S" -c "${C:-1}" $lab ${PHOTO_FACEALIGN_FLAGS:-} -L - 2> "$tmp/log" \
        | "$BIN/lmheat" | "$BIN/dwt" -w "$W" > "$c.wes.tmp" && mv "$c.wes.tmp" "$c.wes" && cp "$tmp/list" "$c.list" \
        || { echo "eval_photo_up64: facealign -s $S failed: $(tail -n 2 "$tmp/log")" >&2; exit 70; }
fi
# shellcheck disable=SC2086
"$BIN/wdenoise" -m "$MODEL" -e "$E" ${WDENOISE_FLAGS:-} < "$c.wes" | "$BIN/iwt" -t -u \
    || { echo "eval_photo_up64: editing to $E failed" >&2; exit 70; }
