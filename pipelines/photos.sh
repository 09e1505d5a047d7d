#!/bin/sh
# pipelines/photos.sh - batch editing of a folder of photos to a set of
# emotions, one step per call, for pipelines/photos.mk and workflows/edit.smk
# alike (the same commands, so both give the same files):
#
#   photos.sh lists   OUT DIR SHARDS  OUT/lists/part-NN.txt: the JPEG/PNG files of DIR by
#                                     a hash of their name (pipelines/dataset_lists.sh's h1)
#   photos.sh align   OUT SHARD       OUT/faces/SHARD.wes: every face of the shard's photos,
#                                     facealign -a -s $S -c $C $FACEALIGN_FLAGS (report .tsv)
#   photos.sh edit    OUT SHARD E     OUT/edits/E/SHARD.wes: dwt | wdenoise -e E | iwt -t, then
#                                     each photo with faces pasted (facepaste) as
#                                     OUT/photos/E/NAME, listed in OUT/photos/E/SHARD.txt
#   photos.sh metrics OUT SHARD E     OUT/metrics/E/SHARD.csv: femetrics --photo of the edits
#   photos.sh table   OUT CSV...      OUT/table.csv: per emotion and all, n-weighted means
#
# Environment: BIN (tools, default bin), MODEL (checkpoint; its wavelet is
# read from it), S (face size, default 256), C (channels, default 3),
# FACEALIGN_FLAGS, WDENOISE_FLAGS. A list file is only rewritten when its
# contents change; every output is written under a temporary name first.
set -u
BIN=${BIN:-bin}
step=$1 OUT=$2
die() { echo "photos: $*" >&2; exit 70; }
commit() { mv "$1.tmp" "$1" || die "cannot write $1"; }
case $step in
lists)
    DIR=$3 SHARDS=$4
    mkdir -p "$OUT/lists" || exit 73
    rm -f "$OUT"/lists/*.tmp
    ls -1 "$DIR" | LC_ALL=C sort | grep -Ei '\.(jpe?g|png)$' | LC_ALL=C awk -v dir="$DIR" -v out="$OUT" -v shards="$SHARDS" '
      BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
      { h1 = 0; n = length($0)
        for (i = 1; i <= n; i++) h1 = (h1 * 31 + ord[substr($0, i, 1)]) % 2147483647
        print dir "/" $0 > sprintf("%s/lists/part-%02d.txt.tmp", out, h1 % shards) }' || die "listing $DIR failed"
    for t in "$OUT"/lists/*.txt; do [ -f "$t" ] && [ ! -f "$t.tmp" ] && rm -f "$t"; done
    for t in "$OUT"/lists/*.tmp; do
        [ -f "$t" ] || continue
        if cmp -s "$t" "${t%.tmp}"; then rm -f "$t"; else mv "$t" "${t%.tmp}"; fi
    done
    ;;
align)
    SHARD=$3
    mkdir -p "$OUT/faces" "$OUT/logs" || exit 73
    f=$OUT/faces/$SHARD.wes
    "$BIN/facealign" -a -s "${S:-256}" -c "${C:-3}" ${FACEALIGN_FLAGS:-} -L "$OUT/lists/$SHARD.txt" \
        -r "$OUT/faces/$SHARD.tsv" > "$f.tmp" 2> "$OUT/logs/align-$SHARD.log"
    rc=$?
    # 65: no photo of the shard had a face (an empty stream, still a shard)
    [ $rc -eq 0 ] || [ $rc -eq 65 ] || { rm -f "$f.tmp"; die "facealign failed ($rc) on $SHARD: $(tail -n 1 "$OUT/logs/align-$SHARD.log")"; }
    commit "$f"
    ;;
edit)
    SHARD=$3 E=$4
    [ -f "${MODEL:-}" ] || die "no model (MODEL=${MODEL:-})"
    . "$(dirname "$0")/ckpt_meta.sh"
    W=$(ckpt_meta "$MODEL" wavelet)
    [ -n "$W" ] || die "$MODEL has no wavelet metadata: not a WaveEmotion model"
    mkdir -p "$OUT/edits/$E" "$OUT/photos/$E" || exit 73
    ed=$OUT/edits/$E/$SHARD.wes
    if [ -s "$OUT/faces/$SHARD.wes" ]; then
        "$BIN/dwt" -w "$W" < "$OUT/faces/$SHARD.wes" | "$BIN/wdenoise" -m "$MODEL" -e "$E" ${WDENOISE_FLAGS:-} \
            | "$BIN/iwt" -t > "$ed.tmp" || { rm -f "$ed.tmp"; die "edit of $SHARD to $E failed"; }
    else
        : > "$ed.tmp"
    fi
    commit "$ed"
    # one stream per photo (by src), each pasted into its photo
    split=$(mktemp -d) || die "mktemp failed"
    "$BIN/tssplit" -q -k src -d "$split" "$ed" || { rm -rf "$split"; die "tssplit failed on $ed"; }
    : > "$OUT/photos/$E/$SHARD.txt.tmp"
    while IFS= read -r p; do
        n=$(basename "$p")
        [ -f "$split/$n.wes" ] || continue
        "$BIN/facepaste" -o "$OUT/photos/$E/$n" "$p" "$split/$n.wes" || { rm -rf "$split"; die "facepaste failed on $p"; }
        echo "$n" >> "$OUT/photos/$E/$SHARD.txt.tmp"
    done < "$OUT/lists/$SHARD.txt"
    rm -rf "$split"
    commit "$OUT/photos/$E/$SHARD.txt"
    ;;
metrics)
    SHARD=$3 E=$4
    mkdir -p "$OUT/metrics/$E" || exit 73
    m=$OUT/metrics/$E/$SHARD.csv
    if [ -s "$OUT/edits/$E/$SHARD.wes" ]; then
        "$BIN/femetrics" --photo -o "$m.tmp" "$OUT/edits/$E/$SHARD.wes" "$OUT/faces/$SHARD.wes" > /dev/null \
            2> "$OUT/logs/metrics-$E-$SHARD.log" || { rm -f "$m.tmp"; die "femetrics failed on $SHARD, $E: $(tail -n 1 "$OUT/logs/metrics-$E-$SHARD.log")"; }
    else
        echo "emotion,n,acc,csim,psnr,ssim,nme,fid,sharp,psnr_out,tone,seam" > "$m.tmp"
    fi
    commit "$m"
    ;;
table)
    shift 2
    # rows "E,n,acc,csim,psnr,ssim,nme,fid,sharp,psnr_out,tone,seam" of every
    # shard (not their "all" rows), n-weighted; fid is left out (it does not
    # average over shards), seam over the rows that have one
    for f in "$@"; do awk -F, 'NR > 1 && $1 != "all"' "$f"; done | LC_ALL=C sort -t, -k1,1 -s | awk -F, '
      function row(name, n, s, ns, ss) {
        printf "%s,%d,%.4f,%.4f,%.3f,%.4f,%.5f,%.4f,%.3f,%.3f,%s\n", name, n, s[3]/n, s[4]/n, s[5]/n, s[6]/n,
               s[7]/n, s[9]/n, s[10]/n, s[11]/n, ns ? sprintf("%.4f", ss/ns) : "nan" }
      BEGIN { print "emotion,n,acc,csim,psnr,ssim,nme,sharp,psnr_out,tone,seam" }
      $1 != e && n { row(e, n, s, ns, ss); n = ns = ss = 0; split("", s) }
      { e = $1; n += $2; N += $2; for (k = 3; k <= 11; k++) if (k != 8) { s[k] += $2 * $k; S[k] += $2 * $k }
        if ($12 != "nan" && $12 != "") { ns += $2; ss += $2 * $12; NS += $2; SS += $2 * $12 } }
      END { if (n) row(e, n, s, ns, ss); if (N) row("all", N, S, NS, SS) }' > "$OUT/table.csv.tmp" || die "table failed"
    commit "$OUT/table.csv"
    ;;
*)
    echo "usage: photos.sh lists|align|edit|metrics|table OUT ..." >&2; exit 64 ;;
esac
