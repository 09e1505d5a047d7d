#!/bin/sh
# pipelines/demo.sh - `make demo`: edit the faces of a real photo to several
# emotions and write the edited photos and one contact sheet under out/demo/:
#
#   facealign -a < photo | dwt -w W | wdenoise -e EMOTION | iwt -t | facepaste photo
#
# photo: the first demo photo of @vladmandic/face-api (npm), fetched by
# scripts/setup.sh; DEMO_PHOTO=... picks another, DEMO_EMOTIONS="..." the
# targets, WE_MODEL=... the checkpoint (default models/default.safetensors),
# DEMO_OUT=... the output folder (default out/demo).
#
# Without the model file (a tree without models/default.safetensors, or a
# WE_MODEL that does not exist) it says so, writes only the aligned faces'
# contact sheet (what works without a model) and exits 69.
cd "$(dirname "$0")/.." || exit 70
export PATH="$PWD/bin:$PATH"
say() { echo "demo: $*" >&2; }
die() { code=$1; shift; say "$*"; exit "$code"; }

photo=${DEMO_PHOTO:-third_party/face-api/demo/sample1.jpg}
emotions=${DEMO_EMOTIONS:-"happy sad surprise anger fear disgust"}
model=${WE_MODEL:-models/default.safetensors}
S=${DEMO_SIZE:-}
out=${DEMO_OUT:-out/demo}

# 1. what is missing: packages and the face-api download, then the build
if [ ! -f "$photo" ] || [ ! -d third_party/face-api/model ]; then
    say "fetching what is missing (scripts/setup.sh)"
    sh scripts/setup.sh --check || die 69 "scripts/setup.sh failed: see above"
fi
[ -f "$photo" ] || die 66 "$photo is missing (scripts/setup.sh did not fetch it)"
for t in facealign lmheat dwt iwt facepaste wmontage wdenoise; do
    [ -x bin/$t ] || { say "building (bin/$t is missing)"; make -j2 >&2 || die 70 "make failed"; break; }
done
for t in facealign lmheat dwt iwt facepaste wmontage wdenoise; do
    [ -x bin/$t ] || die 69 "bin/$t is still missing after make: that part of the project is not written yet"
done
mkdir -p "$out" || die 73 "cannot create $out"
tmp=$(mktemp -d) || die 70 "mktemp failed"
trap 'rm -rf "$tmp"' EXIT

# 2. the model: its size and wavelet come from the checkpoint's metadata
. pipelines/ckpt_meta.sh
meta() { ckpt_meta "$model" "$1"; }
if [ ! -f "$model" ]; then
    say "no model at $model (the shipped default is models/default.safetensors),"
    say "so the emotion edit cannot run. Train one with 'make -f pipelines/train.mk'"
    say "(see wdenoise(1), TRAINING) or point WE_MODEL at a checkpoint."
    say "Doing what works without a model: aligning the faces of $photo."
    facealign -a -s "${S:-128}" "$photo" > "$tmp/faces.wes" || die 65 "facealign failed on $photo"
    wmontage -n 8 -l id -o "$out/faces.png" "$tmp/faces.wes" || die 70 "wmontage failed"
    say "wrote $out/faces.png (the aligned faces; no emotion was edited)"
    exit 69
fi
MS=$(meta S)
W=$(meta wavelet)
[ -n "$MS" ] && [ -n "$W" ] || die 65 "$model has no S/wavelet metadata: not a WaveEmotion checkpoint"
# faces at facealign's default 256 px: the model edits their coarse
# ${MS} px band and the cascade keeps the photo's own detail (wdenoise(1))
S=${S:-256}
say "model $model: ${MS}x${MS}, wavelet $W; faces at ${S}x${S}"

# 3. the full loop, once per target emotion
facealign -a -s "$S" "$photo" > "$tmp/faces.wes" || die 65 "facealign failed on $photo"
n=$(tsinfo -c "$tmp/faces.wes" | sed -n 's/.* \([0-9]*\) items.*/\1/p')
say "$photo: ${n:-?} faces"
dwt -w "$W" < "$tmp/faces.wes" > "$tmp/src.wes" || die 70 "dwt failed"
iwt -t < "$tmp/src.wes" > "$tmp/sheet-00.wes" || die 70 "iwt failed"
i=1
for e in $emotions; do
    start=$(date +%s)
    wdenoise -e "$e" < "$tmp/src.wes" | iwt -t > "$tmp/$e.wes" || die 70 "wdenoise -e $e failed"
    facepaste -o "$out/$e.jpg" "$photo" "$tmp/$e.wes" || die 70 "facepaste failed for $e"
    say "wrote $out/$e.jpg ($(($(date +%s) - start)) s)"
    cp "$tmp/$e.wes" "$tmp/sheet-$(printf %02d $i).wes"
    i=$((i + 1))
done
# rows = faces, columns = source + each emotion
cat "$tmp"/sheet-*.wes | wmontage -k id -l emotion -t "$S" -o "$out/sheet.png" || die 70 "wmontage failed"
say "wrote $out/sheet.png (rows = faces; columns = source, $emotions)"
