#!/bin/sh
# pipelines/exp_heldout.sh - the held-out faces of pipelines/experiments.mk:
#   exp_heldout.sh WORK "SETS" DIR EVAL_N REF_N SHEET_N
# From each set's held-out files (WORK/<set>/lists/test-*.txt, written by
# pipelines/dataset.mk), shuffled with a fixed seed (SEED), the first
# ceil(N / number of sets) files are aligned again exactly as dataset.mk
# aligned them (facealign -F -s S -c C FACEALIGN_FLAGS, labels from the
# set's labels.csv beside its images/, then lmheat): DIR/edit.wes (EVAL_N,
# the faces every row edits), DIR/ref.wes (REF_N, the real faces of FID/KID),
# DIR/sheet.wes (SHEET_N, the first files of edit.wes: the contact sheets).
# Environment: BIN S C SEED FACEALIGN_FLAGS.
set -u
work=$1 sets=$2 dir=$3
nsets=$(echo $sets | wc -w)
yes "experiments seed ${SEED:-1}" | head -c 1048576 > "$dir/seed.bin"
# edit.wes last: it is the make target
for part in ref:$5 sheet:$6 edit:$4; do
    name=${part%%:*} n=${part#*:}
    per=$(( (n + nsets - 1) / nsets ))
    : > "$dir/$name.wes.tmp"
    for set in $sets; do
        ls "$work/$set"/lists/test-*.txt > /dev/null 2>&1 || {
            echo "exp_heldout: no held-out lists under $work/$set/lists (pipelines/dataset.mk writes them)" >&2; exit 66; }
        # sheet = the first files of edit's selection: same shuffle, fewer
        cat "$work/$set"/lists/test-*.txt | LC_ALL=C sort | shuf --random-source="$dir/seed.bin" \
          | head -n "$per" > "$dir/$name-$set.txt"
        first=$(head -n 1 "$dir/$name-$set.txt")
        labels=$(dirname "$(dirname "$first")")/labels.csv
        [ -f "$labels" ] || { echo "exp_heldout: no $labels for the held-out files of $set" >&2; exit 66; }
        # shellcheck disable=SC2086
        "$BIN/facealign" -F -s "$S" -c "$C" $FACEALIGN_FLAGS -e "$labels" -L "$dir/$name-$set.txt" 2> "$dir/$name-$set.log" \
          | "$BIN/lmheat" >> "$dir/$name.wes.tmp"
        [ $? -eq 0 ] || { echo "exp_heldout: aligning the held-out files of $set failed: $(tail -n 1 "$dir/$name-$set.log")" >&2; exit 70; }
    done
    mv "$dir/$name.wes.tmp" "$dir/$name.wes"
    echo "exp_heldout: $name: $("$BIN/tsinfo" -c "$dir/$name.wes" | tail -n 1)" >&2
done
