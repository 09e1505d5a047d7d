#!/bin/sh
# pipelines/dataset_sum.sh LIST SUM - the content of one shard's files, for
# pipelines/dataset.mk: SUM gets one md5sum line per file of LIST (a file
# that cannot be read has no line), rewritten only when it changes. The
# shard depends on SUM, not on the files' times, so a copy or a share that
# only touches the files re-aligns nothing; a file whose bytes change
# re-aligns its shard.
set -u
LIST=$1 SUM=$2
tr '\n' '\0' < "$LIST" | xargs -0 -r md5sum 2> /dev/null > "$SUM.tmp"
if cmp -s "$SUM.tmp" "$SUM"; then rm -f "$SUM.tmp"; else mv "$SUM.tmp" "$SUM"; fi
