#!/bin/sh
# pipelines/dataset_stats.sh OUT SRC S C SHARD... - the report of a face set
# made by pipelines/dataset.mk or workflows/dataset.smk, on stdout: faces
# per split and label, files by outcome and the reasons for rejections,
# from OUT/reports/SHARD.tsv (facealign --report) of the shards named and
# OUT/rejected-names.txt.
set -u
OUT=$1 SRC=$2 S=$3 C=$4
shift 4
reports=""
for n in "$@"; do reports="$reports $OUT/reports/$n.tsv"; done
cat $reports /dev/null | LC_ALL=C awk -F '\t' \
    -v rej="$(wc -l < "$OUT/rejected-names.txt")" -v src="$SRC" -v s="$S" -v c="$C" '
  { split_ = $1; sub(/.*\//, "", split_); files++; st[$2]++;
    sp = FILENAME; }
  $2 == "ok" { faces += $3; det[$4] += $3; lab[$5] += $3 }
  $2 != "ok" { r = $6; gsub(/[0-9]+x[0-9]+/, "WxH", r); sub(/^.*: /, "", r); why[$2 ": " r]++ }
  $2 == "ok" && $5 == "-" { nolab[$6]++ }
  END { printf "dataset %s (S=%d, C=%d)\n", src, s, c;
    printf "files: %d read, %d with faces, %d rejected, %d names skipped\n", files, st["ok"], files - st["ok"], rej;
    printf "faces: %d (detector hog %d, whole-frame landmarks %d)\n", faces, det["hog"], det["whole"];
    printf "faces per label:"; for (l in lab) printf " %s=%d", l, lab[l]; printf "\n";
    for (w in nolab) printf "  faces without a label: %d (%s)\n", nolab[w], w;
    printf "files rejected, by reason:\n"; for (w in why) printf "  %6d  %s\n", why[w], w }' || exit 70
for sp in train test; do
    n=$(ls "$OUT"/reports/$sp-*.tsv 2>/dev/null | wc -l); [ "$n" -gt 0 ] || continue
    cat "$OUT"/reports/$sp-*.tsv | awk -F '\t' -v sp=$sp '$2 == "ok" { f += $3; l[$5] += $3; n++ }
      END { printf "%s: %d files, %d faces:", sp, n, f; for (k in l) printf " %s=%d", k, l[k]; printf "\n" }'
done
