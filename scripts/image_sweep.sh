#!/bin/sh
# scripts/image_sweep.sh - decode every file under a folder with imgread and
# report how many decoded, how many were rejected, and the reasons grouped.
#
#   scripts/image_sweep.sh FOLDER [IMGREAD]
#
# IMGREAD defaults to bin/imgread of this checkout. Frames go to /dev/null;
# nothing is written anywhere. Exit status: 0 when imgread finished (whatever
# it rejected), 70 when it crashed (the files that crash it are then named,
# found by running it once per file), 64 bad usage.
set -u
[ $# -ge 1 ] && [ $# -le 2 ] && [ -d "$1" ] || { echo "usage: $0 FOLDER [IMGREAD]" >&2; exit 64; }
dir=$1
here=$(cd "$(dirname "$0")/.." && pwd)
imgread=${2:-$here/bin/imgread}
[ -x "$imgread" ] || { echo "$0: $imgread not built (run make)" >&2; exit 64; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

find "$dir" -type f | LC_ALL=C sort >"$tmp/list"
total=$(wc -l <"$tmp/list" | tr -d ' ')
start=$(date +%s)
WE_PROGRESS=0 "$imgread" -t u8 -l "$tmp/list" >/dev/null 2>"$tmp/err"
rc=$?
secs=$(($(date +%s) - start))
if [ $rc -ge 128 ]; then
    echo "CRASH: imgread died with status $rc (signal $((rc - 128))); looking for the culprit" >&2
    while IFS= read -r f; do
        WE_PROGRESS=0 "$imgread" -t u8 "$f" >/dev/null 2>/dev/null
        r=$?
        [ $r -ge 128 ] && echo "CRASH: $f (status $r)"
    done <"$tmp/list"
    exit 70
fi
# lines "imgread: PATH: reason" (the last line is the summary)
grep -v ' images written, ' "$tmp/err" | awk -v d="$(basename "$imgread"): " '
    index($0, d) == 1 { s = substr($0, length(d) + 1); i = index(s, ": "); if (i) s = substr(s, i + 2); print s; next }
    { print "(other) " $0 }' >"$tmp/reasons"
rejected=$(wc -l <"$tmp/reasons" | tr -d ' ')
summary=$(grep ' images written, ' "$tmp/err" | tail -n 1)
echo "folder:   $dir"
echo "files:    $total"
echo "decoded:  $((total - rejected))"
echo "rejected: $rejected"
echo "time:     ${secs} s (imgread exit $rc${summary:+; $summary})"
if [ "$rejected" -gt 0 ]; then
    echo "reasons:"
    LC_ALL=C sort "$tmp/reasons" | uniq -c | sort -rn | sed 's/^ */    /'
    echo "examples:"
    grep -v ' images written, ' "$tmp/err" | head -n 10 | sed 's/^/    /'
fi
exit 0
