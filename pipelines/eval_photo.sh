#!/bin/sh
# pipelines/eval_photo.sh - the photo route of pipelines/eval.mk (issue 12,
# point 6): held-out faces aligned at PHOTO_S px, edited by the command
# EDIT to each target emotion, judged at full resolution as pasted by
# femetrics --photo (sharp, psnr_out, tone, seam, plus acc, csim, psnr, ssim,
# nme at PHOTO_S px).
#   eval_photo.sh OUTCSV
# Faces, per set of PHOTO_SETS (folders under DATA, images/ + labels.csv,
# or the images and labels.csv in the folder itself as hires/ has them):
#   facial_expressions  the held-out files of shard EVAL_SHARD, by the same
#                       name hash as pipelines/dataset.mk (never trained on),
#                       whose short side is at least PHOTO_S (the 350 px faces)
#   hires (and others)  every file (hires/ is not trained on; CC BY 4.0,
#                       credit as DATA/hires/NOTICE.txt asks)
# the first PHOTO_N of them (in name order), aligned by
#   facealign -s PHOTO_S -c 1 -t u8 PHOTO_FACEALIGN_FLAGS -e labels.csv
# EDIT is a shell command: the source stream (image, landmarks, affine per
# face; `src` = the photo) on stdin, environment E (target emotion), BIN,
# MODEL, PHOTO_LABELS, PHOTO_FACEALIGN_FLAGS, WDENOISE_FLAGS, PHOTO_CACHE (a
# path prefix the command may keep files under between emotions); it writes
# `image` frames of the same ids with an `emotion` key, at any size
# (femetrics scales them to the source's). Writes OUTCSV:
#   set,emotion,n,acc,csim,psnr,ssim,nme,fid,sharp,psnr_out,tone,seam
# plus all,all,... with n-weighted means; edits are kept beside it and
# reused while newer than MODEL and made by the same EDIT.
set -u
outcsv=$1
dir=${outcsv%.csv}
mkdir -p "$dir" || exit 73
rows="$dir/rows.csv"
: > "$rows"
printf '%s\n' "$EDIT" > "$dir/edit.tmp"
cmp -s "$dir/edit.tmp" "$dir/edit.txt" && rm -f "$dir/edit.tmp" || mv "$dir/edit.tmp" "$dir/edit.txt"
for set in $PHOTO_SETS; do
    base="$DATA/$set"
    img="$base/images"; [ -d "$img" ] || img="$base"
    labels="$base/labels.csv"; [ -f "$labels" ] || labels=""
    [ -d "$img" ] || { echo "eval photo: no images at $img (DATA=$DATA)" >&2; exit 66; }
    ls -1 "$img" | LC_ALL=C sort | grep -Ei '\.(jpe?g|png)$' > "$dir/$set-names.txt"
    if [ "$set" = facial_expressions ]; then
        # pipelines/dataset.mk's split: test when h2 % 100 < TEST_PCT, shard h1 % SHARDS
        LC_ALL=C awk -v pct="${TEST_PCT:-10}" -v shards="${SHARDS:-16}" -v want="$EVAL_SHARD" '
          BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
          { h1 = 0; h2 = 7; n = length($0)
            for (i = 1; i <= n; i++) { c = ord[substr($0, i, 1)]; h1 = (h1 * 31 + c) % 2147483647; h2 = (h2 * 131 + c) % 2147483629 }
            if (h2 % 100 < pct && sprintf("test-%02d", h1 % shards) == want) print }' "$dir/$set-names.txt" > "$dir/$set-names.tmp"
        mv "$dir/$set-names.tmp" "$dir/$set-names.txt"
    fi
    # at least PHOTO_S px on the short side (smaller ones would be enlarged)
    sed "s|^|$img/|" "$dir/$set-names.txt" | "$BIN/imgread" -t u8 -c 1 -l - 2> /dev/null | "$BIN/tsinfo" - \
      | awk -v s="$PHOTO_S" -v n="$PHOTO_N" '{ split($4, d, "x"); if (d[2] >= s && d[3] >= s && k < n) {
          for (i = 5; i <= NF; i++) if ($i ~ /^src=/) { print substr($i, 5); k++ } } }' > "$dir/$set-list.new"
    src="$dir/$set-source.wes"
    if ! cmp -s "$dir/$set-list.new" "$dir/$set-list.txt" || [ ! -s "$src" ]; then
        mv "$dir/$set-list.new" "$dir/$set-list.txt"
        lab=""; [ -n "$labels" ] && lab="-e $labels"
        # shellcheck disable=SC2086
        # exit 65 with faces written: some photos were skipped (no face), as facealign(1) says
        rc=0
        "$BIN/facealign" -q -F -s "$PHOTO_S" -c 1 -t u8 $lab $PHOTO_FACEALIGN_FLAGS -L "$dir/$set-list.txt" \
            > "$src.tmp" || rc=$?
        { [ $rc = 0 ] || { [ $rc = 65 ] && [ -s "$src.tmp" ]; }; } && mv "$src.tmp" "$src" ||
            { echo "eval photo: facealign failed on $set ($rc)" >&2; exit 70; }
    fi
    rm -f "$dir/$set-list.new"
    echo "eval photo: $set: $("$BIN/tsinfo" - < "$src" | grep -c ' image ') faces at $PHOTO_S px" >&2
    for e in $EMOTIONS; do
        ed="$dir/$set-$e.wes"
        if [ ! -s "$ed" ] || [ "$MODEL" -nt "$ed" ] || [ "$src" -nt "$ed" ] || [ "$dir/edit.txt" -nt "$ed" ]; then
            echo "eval photo: $set -> $e" >&2
            E=$e PHOTO_LABELS=$labels PHOTO_CACHE="$dir/$set-cache" sh -c "$EDIT" < "$src" > "$ed.tmp" && mv "$ed.tmp" "$ed" \
                || { echo "eval photo: EDIT failed on $set -> $e" >&2; rm -f "$ed.tmp"; exit 70; }
        fi
        "$BIN/femetrics" --photo -o "$dir/$set-$e.csv" -I "$dir/$set-$e-items.csv" "$ed" "$src" > /dev/null \
            || { echo "eval photo: femetrics failed on $ed" >&2; exit 70; }
        awk -F, -v s="$set" -v e="$e" 'NR > 1 && $1 == e { print s "," $0 }' "$dir/$set-$e.csv" >> "$rows"
    done
done
{
    echo "set,emotion,n,acc,csim,psnr,ssim,nme,fid,sharp,psnr_out,tone,seam"
    cat "$rows"
    awk -F, '{ n += $3; for (k = 4; k <= 12; k++) if (k != 9) s[k] += $3 * $k
               if ($13 != "nan" && $13 != "") { ns += $3; ss += $3 * $13 } }
             END { if (n) printf "all,all,%d,%.4f,%.4f,%.3f,%.4f,%.5f,,%.4f,%.3f,%.3f,%s\n", n, s[4]/n, s[5]/n,
                   s[6]/n, s[7]/n, s[8]/n, s[10]/n, s[11]/n, s[12]/n, ns ? sprintf("%.4f", ss/ns) : "nan" }' "$rows"
} > "$outcsv.tmp" && mv "$outcsv.tmp" "$outcsv"
rm -f "$rows"
