#!/bin/sh
# pipelines/dataset_lists.sh OUT IMAGES SHARDS TEST_PCT - the shard lists of
# a face set, for pipelines/dataset.mk and workflows/dataset.smk alike.
#
# Each file of IMAGES goes to shard h1 % SHARDS of a hash of its name and to
# the held-out split (test-NN, else train-NN) when a second hash of its
# name falls below TEST_PCT percent, so the split is by file. Writes
# OUT/lists/<split>-NN.txt (IMAGES/name per line, in name order), rewritten
# only when its contents change so untouched shards stay up to date; a
# shard without files has no list. Names a makefile cannot express (blanks,
# : # $ % \ ' " * ?) go to OUT/rejected-names.txt instead.
set -u
OUT=$1 IMAGES=$2 SHARDS=$3 PCT=$4
mkdir -p "$OUT/lists" || exit 73
ls -1 "$IMAGES" | LC_ALL=C sort | LC_ALL=C awk -v dir="$IMAGES" -v out="$OUT" \
    -v shards="$SHARDS" -v pct="$PCT" '
  BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
  { if ($0 ~ /[][ \t:#$%\\'"'"'"*?]/) { print $0 > (out "/rejected-names.txt.tmp"); next }
    h1 = 0; h2 = 7; n = length($0);
    for (i = 1; i <= n; i++) { c = ord[substr($0, i, 1)];
      h1 = (h1 * 31 + c) % 2147483647; h2 = (h2 * 131 + c) % 2147483629 }
    split_ = (h2 % 100 < pct) ? "test" : "train";
    name = sprintf("%s-%02d", split_, h1 % shards);
    print dir "/" $0 > (out "/lists/" name ".txt.tmp"); names[name] = 1 }
  END { for (s = 0; s < shards; s++) { names[sprintf("train-%02d", s)] = 1; names[sprintf("test-%02d", s)] = 1 }
    for (nm in names) print nm }' > "$OUT/shardnames.tmp" || exit 70
touch "$OUT/rejected-names.txt.tmp"
for n in $(cat "$OUT/shardnames.tmp"); do
    t=$OUT/lists/$n.txt
    if [ ! -s "$t.tmp" ]; then rm -f "$t.tmp" "$t"; continue; fi
    if cmp -s "$t.tmp" "$t"; then rm -f "$t.tmp"; else mv "$t.tmp" "$t"; fi
done
cmp -s "$OUT/rejected-names.txt.tmp" "$OUT/rejected-names.txt" && rm -f "$OUT/rejected-names.txt.tmp" \
    || mv "$OUT/rejected-names.txt.tmp" "$OUT/rejected-names.txt"
rm -f "$OUT/shardnames.tmp"
