# pipelines/exp_edit.sh - sourced by the experiments scripts: one edit of a
# row's model, with the conditions the row was trained on.
#   exp_edit MODEL COND EMOTION [WDENOISE OPTION]... < faces.wes > edited.wes
# faces: image frames with landmarks (and heatmap) frames. Every edit first
# gets the target landmarks of EMOTION (lmtarget -k with the estimate LMT:
# the `target_landmarks` frame that lmnme later compares the edit with);
# COND (a word list) adds what the row's model is conditioned on:
#   va  -V/-A = EMOTION's circumplex coordinates (feclass --table)
#   lm  lmheat -t: the target heatmaps wdenoise denoises under (it inverts
#       under the face's own `heatmap`)
# then dwt (the model's wavelet) | wdenoise -e EMOTION -t STRENGTH -n
# EDIT_STEPS | iwt -t.
# Environment: BIN LMT STRENGTH EDIT_STEPS THREADS DEVICE NO_EMA; ckpt_meta
# (pipelines/ckpt_meta.sh) sourced.

# The conditions of a row of pipelines/experiments.mk beyond the label
# (the one place that says it): exp_cond ROW.
exp_cond() {
    case $1 in va) echo va ;; lm) echo lm ;; valm) echo va lm ;; *) echo ;; esac
}
exp_edit() {
    _m=$1 _c=$2 _e=$3
    shift 3
    _w=$(ckpt_meta "$_m" wavelet)
    [ -n "$_w" ] || { echo "exp_edit: $_m has no wavelet metadata" >&2; return 65; }
    _va="" _lmh=cat
    case " $_c " in *" va "*)
        _va=$("$BIN/feclass" --table | awk -v e="$_e" '$1 == e { print "-V", $2, "-A", $3 }')
        [ -n "$_va" ] || { echo "exp_edit: no circumplex coordinates for '$_e'" >&2; return 64; } ;;
    esac
    case " $_c " in *" lm "*) _lmh="$BIN/lmheat -t" ;; esac
    # shellcheck disable=SC2086
    "$BIN/lmtarget" -m "$LMT" -k -e "$_e" | $_lmh | "$BIN/dwt" -w "$_w" -T 1 \
      | "$BIN/wdenoise" -m "$_m" ${NO_EMA:-} -e "$_e" $_va -t "$STRENGTH" -n "$EDIT_STEPS" -T "$THREADS" -d "$DEVICE" "$@" \
      | "$BIN/iwt" -t -T 1
}
