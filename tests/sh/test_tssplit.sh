#!/bin/sh
# tests/sh/test_tssplit.sh - tssplit: one stream per key value, in order.
. tests/sh/lib.sh
FX=tests/fixtures/model_train.wes   # 8 items item0..item7, image + heatmap
ok "tssplit --help" tssplit --help
fails 64 "no -k" tssplit -d "$T" $FX
fails 64 "no -d" tssplit -k id $FX
fails 66 "missing input" tssplit -k id -d "$T" "$T/none.wes"
fails 65 "an item without the key" tssplit -k nosuchkey -d "$T" $FX
mkdir -p "$T/a"
ok "split by id" tssplit -k id -d "$T/a" $FX
is "8 files" "$(ls "$T/a" | wc -l | tr -d ' ')" 8
is "one item (2 frames) each" "$(tsinfo -c "$T/a/item3.wes" | sed 's/.*: //')" "2 frames, 1 items"
ok "their concatenation is the input" sh -c "cat $(for i in 0 1 2 3 4 5 6 7; do printf '%s ' "$T/a/item$i.wes"; done) | cmp - $FX"
is "no temp file left" "$(ls "$T/a" | grep -c tmp)" 0
# split by a key with few values: emotion (a value seen again appends)
mkdir -p "$T/b"
ok "split by emotion" tssplit -q -k emotion -d "$T/b" $FX
n=$(for f in "$T"/b/*.wes; do tsinfo -c "$f"; done | awk '{ s += $(NF - 1) } END { print s }')
is "every item once" "$n" 8
for f in "$T"/b/*.wes; do
    e=$(basename "$f" .wes)
    is "$e: only $e items" "$(tsinfo "$f" | grep ' image ' | grep -vc "emotion=$e\b")" 0
done
summary
