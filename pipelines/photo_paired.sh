#!/bin/sh
# pipelines/photo_paired.sh A B - two photo-route runs of `make -f
# pipelines/eval.mk photo` compared item by item: A and B are their
# OUT/photo/table folders (the *-items.csv that femetrics -I wrote). On the
# items both hold (same face, same target): each run's accuracy, how many
# items the judge reads in only one of them, and the mean difference of
# the judge's probability of the target (A - B) with its standard error.
# Why: on 114 items one standard error of an accuracy is about 0.046, so two
# routes' accuracies are compared on the same items, not as two means.
[ $# = 2 ] && [ -d "$1" ] && [ -d "$2" ] || { echo "usage: photo_paired.sh A/photo/table B/photo/table" >&2; exit 64; }
for d in "$1" "$2"; do
    ls "$d"/*-items.csv > /dev/null 2>&1 || { echo "photo_paired.sh: no *-items.csv in $d (run eval.mk photo first)" >&2; exit 66; }
done
for d in "$1" "$2"; do
    for f in "$d"/*-items.csv; do
        # id,target,top,p_target,...: one line per item, tagged by run
        awk -F, -v run="$d" 'FNR > 1 { gsub(/"/, "", $1); print run "," $1 "," $2 "," ($3 == $2) "," $4 }' "$f"
    done
done | awk -F, -v A="$1" -v B="$2" '
    { k = $2 SUBSEP $3; if ($1 == A) { ha[k] = $4; pa[k] = $5 } else { hb[k] = $4; pb[k] = $5 } }
    END {
        for (k in ha) if (k in hb) {
            n++; ca += ha[k]; cb += hb[k]; oa += ha[k] && !hb[k]; ob += hb[k] && !ha[k]
            d = pa[k] - pb[k]; s += d; ss += d * d
        }
        if (n < 2) { print "photo_paired.sh: fewer than 2 items in common" > "/dev/stderr"; exit 65 }
        m = s / n; v = (ss - n * m * m) / (n - 1); if (v < 0) v = 0
        printf "items %d: acc A %.3f, B %.3f; read only in A %d, only in B %d; p_target A - B %+.3f +- %.3f (standard error)\n",
            n, ca / n, cb / n, oa, ob, m, sqrt(v / n)
    }'
