#!/bin/sh
# bench/report_face_verify.sh - is each detection a face? Measures the
# signals facealign could verify a detection with (detector score, landmark
# fit, dlib vs face-api landmarks, HOG agreement, recognition descriptor)
# on both sides of the trade: detections on face photos that a rule would
# drop (faces lost) against detections on photos without a face that it
# would keep (false faces). A dataset report (needs ../shared/data): run it
# by hand, `nice sh bench/report_face_verify.sh [WORKDIR]`.
#
# Face side: /work/shared/data hires/ (50 portraits), photos/ (6 group
# photos, 22 faces) and every 30th image of facial_expressions/.
# Other side: the photos without people that Debian's python3-skimage ships
# (skimage/data: a cat, coffee, a rocket, motorcycles, ...) and python3-scipy's
# raccoon (scipy/misc/face.dat), each also mirrored and cropped at 3 scales
# around 4 points (hard negatives: a crop of the cat's head is the worst).
# python3-skimage is read from its .deb (apt-get download) when it is not
# installed, so the report does not install it.
set -u
cd "$(dirname "$0")/.." || exit 70
BIN=$PWD/bin
DATA=${WE_DATA:-../shared/data}
[ -d "$DATA/hires" ] || DATA=/work/shared/data
W=${1:-${TMPDIR:-/tmp}/face_verify}
PY=/usr/bin/python3
mkdir -p "$W/pos" "$W/neg/img" || exit 73
export WE_PROGRESS=0

# --- the photos without a face
SK=/usr/lib/python3/dist-packages/skimage/data
if [ ! -f "$SK/chelsea.png" ]; then
    (cd "$W" && apt-get download python3-skimage >/dev/null 2>&1 && dpkg -x python3-skimage_*.deb sk) ||
        { echo "report_face_verify: python3-skimage is neither installed nor downloadable" >&2; exit 69; }
    SK=$W/sk/usr/lib/python3/dist-packages/skimage/data
fi
if [ ! -s "$W/neg/list" ]; then
    set --
    for f in chelsea coffee rocket motorcycle_left motorcycle_right hubble_deep_field retina brick grass gravel \
             moon coins page ihc color logo clock_motion horse cell text; do
        for e in png jpg; do [ -f "$SK/$f.$e" ] && set -- "$@" "$SK/$f.$e"; done
    done
    "$BIN/imgread" -t u8 "$@" > "$W/neg/src.wes" 2>/dev/null
    "$PY" - "$W/neg/raccoon.png" <<'EOF'
import bz2, sys, numpy as np
sys.path.insert(0, 'bench')
from report_face_verify import write_png
d = bz2.decompress(open('/usr/lib/python3/dist-packages/scipy/misc/face.dat', 'rb').read())
write_png(sys.argv[1], np.frombuffer(d, np.uint8).reshape(768, 1024, 3).transpose(2, 0, 1))
EOF
    "$BIN/imgread" -t u8 "$W/neg/raccoon.png" > "$W/neg/raccoon.wes"
    "$PY" bench/report_face_verify.py negatives "$W/neg/src.wes" "$W/neg/raccoon.wes" "$W/neg/img" || exit 70
    ls "$W/neg/img"/*.png > "$W/neg/list"
fi

# --- the face photos
if [ ! -s "$W/pos/list" ]; then
    { ls "$DATA"/hires/*.jpg "$DATA"/photos/*.jpg
      awk -F, -v d="$DATA/facial_expressions/images" 'NR > 1 && NR % 30 == 0 { print d "/" $1 }' \
          "$DATA/facial_expressions/labels.csv"; } > "$W/pos/list"
fi

for side in pos neg; do
    d=$W/$side
    [ -s "$d/auto.wes" ] || "$BIN/facealign" -q -a -K -s 128 -L "$d/list" -r "$d/auto.tsv" > "$d/auto.wes" 2>/dev/null
    [ -s "$d/hog.wes" ] || "$BIN/facealign" -q -a -s 64 -D hog -L "$d/list" > "$d/hog.wes" 2>/dev/null
    [ -s "$d/femo.wes" ] || "$BIN/femo" -E -l -i < "$d/auto.wes" > "$d/femo.wes"
    echo "$side: $(wc -l < "$d/list") photos, $(grep -c '	ok	' "$d/auto.tsv") with a detection" >&2
done
echo "photos/ group photos: $(awk -F'\t' '$1 ~ /photos\// { n += $3 } END { print n + 0 }' "$W/pos/auto.tsv") faces found"
"$PY" bench/report_face_verify.py measure "$W/pos" "$W/neg"
