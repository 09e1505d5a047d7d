#!/bin/sh
# bench/report_faceapi_baseline.sh - the expression classifier's accuracy
# against the datasets' own labels, per class ("emotion present" baseline).
#
#   sh bench/report_faceapi_baseline.sh [PER_CLASS]      (default 150 per class)
#
# Needs DATA (default ../shared/data beside the repository) with facial_expressions/ and
# fer2013/ (images/ + labels.csv). Faces are aligned by facealign (dlib
# detector + 68 landmarks, 128x128 RGB; with --whole-frame for files where
# no face is detected), labels are mapped onto the project vocabulary by facealign
# -e, then femo classifies each face. Takes the first PER_CLASS files of each
# label in labels.csv order. Prints one table per dataset: class, n, correct,
# accuracy, and the confusion of the top class.
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
DATA=${DATA:-$PWD/../shared/data}
PER=${1:-150}
OUT=${OUT:-build/bench_faceapi_baseline}
mkdir -p "$OUT"
for ds in facial_expressions fer2013; do
    d="$DATA/$ds"
    [ -f "$d/labels.csv" ] || { echo "report_faceapi_baseline: $d/labels.csv missing" >&2; exit 66; }
    awk -F, -v per="$PER" -v dir="$d/images" 'NR > 1 && n[$2]++ < per { print dir "/" $1 }' "$d/labels.csv" > "$OUT/$ds.list"
    # --whole-frame: a file where dlib finds no face (small pre-cropped
    # faces) is still used, with landmarks fitted to the whole frame
    wf="--whole-frame"
    t0=$(date +%s)
    facealign -q $wf -e "$d/labels.csv" -L "$OUT/$ds.list" -r "$OUT/$ds.report" -s 128 -t u8 \
        | femo > "$OUT/$ds.wes"
    t1=$(date +%s)
    tsinfo "$OUT/$ds.wes" | awk '
        / image / {
            e = ""; t = ""
            for (i = 1; i <= NF; i++) {
                if ($i ~ /^emotion=/) e = substr($i, 9)
                if ($i ~ /^expr\.top=/) t = substr($i, 10)
            }
            if (e == "" || t == "") next
            n[e]++; c[e] += (e == t); conf[e "," t]++
            if (e != "contempt") { N++; C += (e == t) }
        }
        END {
            printf "%-10s %5s %5s %7s   %s\n", "label", "n", "right", "acc", "top classes (count)"
            for (k in n) {
                s = ""
                for (q in conf) { split(q, a, ","); if (a[1] == k) s = s " " a[2] ":" conf[q] }
                printf "%-10s %5d %5d %7.3f  %s\n", k, n[k], c[k], c[k] / n[k], s
            }
            printf "%-10s %5d %5d %7.3f   (contempt excluded: not a class of the net)\n", "all", N, C, N ? C / N : 0
        }' > "$OUT/$ds.table"
    echo "== $ds: $(wc -l < "$OUT/$ds.list") files, $(tsinfo "$OUT/$ds.wes" | grep -c ' image ') faces, $((t1 - t0)) s"
    cat "$OUT/$ds.table"
done
