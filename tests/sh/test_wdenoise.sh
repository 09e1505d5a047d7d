# tests/sh/test_wdenoise.sh - wdenoise on a tiny random model written by
# build/tests/test_edit --write-model: output shapes and keys, determinism,
# pass-through, prompts, luminance model on RGB input, faces of 2x and 4x
# the model's S through the cascade, a detail net bundled by wtrain
# --export --detail, and invalid calls.
. tests/sh/lib.sh
needs_model_helper
ok "tiny luminance model" $helper --write-model "$T/m1.st" 1 0 0
ok "tiny RGB model with heatmaps and va" $helper --write-model "$T/m3.st" 3 2 1
imgread -s 16 -c 1 "$photo" | dwt -w haar > "$T/g.wes"
imgread -s 16 "$photo" | dwt -w haar > "$T/rgb.wes"
imgread -s 32 -c 1 "$photo" | dwt -w haar > "$T/big.wes"
imgread -s 16 -c 1 "$photo" | dwt -w bior4.4 > "$T/bior.wes"
imgread -s 24 -c 1 "$photo" | dwt -w haar > "$T/odd.wes"
W="wdenoise -m $T/m1.st -n 5"

ok "edit to sad" sh -c "$W -e sad < $T/g.wes > $T/o1.wes"
is "one wavelet frame 4x8x8" "$(tsinfo -k "$T/o1.wes" | cut -d' ' -f2-4)" "wavelet f32 4x8x8"
info=$(tsinfo "$T/o1.wes")
case "$info" in *" emotion=sad"*) r=0 ;; *) r=1 ;; esac
is "emotion key set to the target" "$r" 0
case "$info" in *"source_emotion=null"*"edit.model=m1.st"*"edit.t0=50"*"edit.steps=5"*) r=0 ;; *) r=1 ;; esac
is "source_emotion, edit.* keys" "$r" 0
case "$info" in *"id=sample1.jpg"*"wavelet=haar"*) r=0 ;; *) r=1 ;; esac
is "input keys kept" "$r" 0
ok "same call again" sh -c "$W -e sad < $T/g.wes > $T/o2.wes"
ok "deterministic: identical bytes" cmp -s "$T/o1.wes" "$T/o2.wes"
ok "another target" sh -c "$W -e happy < $T/g.wes > $T/o3.wes"
is "happy differs from sad" "$(cmp -s "$T/o1.wes" "$T/o3.wes"; echo $?)" 1
ok "eta 1 seed 3" sh -c "$W -e sad --eta 1 -S 3 < $T/g.wes > $T/e1.wes"
ok "eta 1 seed 3 again" sh -c "$W -e sad --eta 1 -S 3 < $T/g.wes > $T/e2.wes"
ok "eta 1: same seed, identical" cmp -s "$T/e1.wes" "$T/e2.wes"

# pass-through: an item without a wavelet frame stays as it is, in order
imgread -s 8 "$photo" > "$T/img.wes"
cat "$T/img.wes" "$T/g.wes" "$T/img.wes" "$T/g.wes" > "$T/mix.wes"
ok "mixed stream, batch 1" sh -c "$W -b 1 -e sad < $T/mix.wes > $T/mix1.wes"
ok "mixed stream, batch 4" sh -c "$W -b 4 -e sad < $T/mix.wes > $T/mix4.wes"
is "frames in order" "$(tsinfo -k "$T/mix4.wes" | cut -d' ' -f2 | tr '\n' ' ')" "image wavelet image wavelet "
n=$(wc -c < "$T/img.wes")
is "image frame passed through unchanged" "$(head -c "$n" "$T/mix4.wes" | cmp -s - "$T/img.wes"; echo $?)" 0
ok "batch size does not change the result" cmp -s "$T/mix1.wes" "$T/mix4.wes"

# -s: source emotion from the key or given
ok "source from -s" sh -c "$W -e sad -s happy < $T/g.wes > $T/s.wes"
case "$(tsinfo "$T/s.wes")" in *"source_emotion=happy"*) r=0 ;; *) r=1 ;; esac
is "source_emotion=happy" "$r" 0

if [ -f third_party/face-api/model/face_expression_model-weights_manifest.json ]; then
    ok "source from the expression net" sh -c "$W -e sad -s net < $T/rgb.wes > $T/sn.wes"
    case "$(tsinfo "$T/sn.wes")" in *"source_emotion=null"*|*"source_emotion= "*) r=1 ;; *"source_emotion="*) r=0 ;; *) r=1 ;; esac
    is "source_emotion estimated (not null)" "$r" 0
else
    echo "skip: -s net needs third_party/face-api/model (sh scripts/setup.sh)"
fi

# prompts
ok "prompt in Vietnamese" sh -c "$W -p 'cười tươi lên' < $T/g.wes > $T/p.wes"
case "$(tsinfo "$T/p.wes")" in *" emotion=happy"*"edit.intensity=0.85"*) r=0 ;; *) r=1 ;; esac
is "prompt -> happy, intensity 0.85" "$r" 0
ok "prompt command" sh -c "$W -p 'anything' --prompt-cmd 'echo fear 0.5' < $T/g.wes > $T/pc.wes"
case "$(tsinfo "$T/pc.wes")" in *" emotion=fear"*"edit.g_low=4 "*"edit.intensity=0.5"*) r=0 ;; *) r=1 ;; esac
is "prompt command -> fear 0.5, guidance unchanged" "$r" 0

# luminance model on an RGB stream keeps 12 channels
ok "RGB input, luminance model" sh -c "$W -e sad < $T/rgb.wes > $T/rgbo.wes"
is "12 channels out" "$(tsinfo -k "$T/rgbo.wes" | cut -d' ' -f4)" "12x8x8"
# RGB model with heatmaps missing: warns, NULL heatmaps; valence/arousal
ok "RGB model, valence/arousal target" sh -c "wdenoise -m $T/m3.st -n 3 -V 0.5 -A -0.2 < $T/rgb.wes > $T/va.wes"
case "$(tsinfo "$T/va.wes")" in *"valence=0.5"*"arousal=-0.2"*) r=0 ;; *) r=1 ;; esac
is "valence/arousal keys" "$r" 0

# invalid calls: exit code, empty stdout, a message
fails 64 "no target" sh -c "$W < $T/g.wes"
fails 64 "unknown emotion" sh -c "$W -e grumpy < $T/g.wes"
fails 64 "-e and -p together" sh -c "$W -e sad -p happy < $T/g.wes"
fails 64 "-V without -A" sh -c "$W -V 0.5 < $T/g.wes"
fails 64 "valence out of range" sh -c "$W -V 2 -A 0 < $T/g.wes"
fails 64 "-V/-A on a model trained without them" sh -c "$W -e sad -V 0.5 -A 0.5 < $T/g.wes"
fails 64 "prompt without an emotion" sh -c "$W -p 'make it a cat' < $T/g.wes"
fails 64 "--prompt-cmd without -p" sh -c "$W --prompt-cmd 'echo sad 1' -e sad < $T/g.wes"
fails 65 "prompt command with a bad answer" sh -c "$W -p x --prompt-cmd 'echo joy 2' < $T/g.wes"
fails 70 "prompt command that fails" sh -c "$W -p x --prompt-cmd false < $T/g.wes"
fails 66 "prompt command that does not exist" sh -c "$W -p x --prompt-cmd /nonexistent/llm < $T/g.wes"
# the prompt's checks hold with --prompt-cmd too, before the command runs
printf '#!/bin/sh\ntouch "%s/ran"; echo sad 0.5\n' "$T" > "$T/llm"; chmod +x "$T/llm"
nl='sad
happy'
fails 64 "a newline in -p is refused" $W -p "$nl" -i 0.5
grep -q 'line break' "$T/.err"; _report $? "... saying so"
fails 64 "... also with --prompt-cmd" $W -p "$nl" --prompt-cmd "$T/llm"
is "... before the command runs" "$(ls "$T" | grep -c '^ran$')" 0
long=$(head -c 5000 /dev/zero | tr '\0' a)
fails 64 "a prompt over 4096 bytes with --prompt-cmd" $W -p "$long" --prompt-cmd "$T/llm"
fails 65 "invalid UTF-8 with --prompt-cmd" $W -p "$(printf 'sad \377')" --prompt-cmd "$T/llm"
is "the command never ran" "$(ls "$T" | grep -c '^ran$')" 0
ok "a good prompt runs it" sh -c "$W -p 'a bit sad' --prompt-cmd '$T/llm' < $T/g.wes > $T/pc2.wes"
is "... which answered" "$(ls "$T" | grep -c '^ran$')" 1
fails 64 "steps above t0+1" sh -c "wdenoise -m $T/m1.st -e sad -n 80 < $T/g.wes"
fails 64 "-g with --g-low" sh -c "$W -e sad -g 3 --g-low 2 < $T/g.wes"
fails 64 "bad -s" sh -c "$W -e sad -s maybe < $T/g.wes"
fails 64 "stray argument" sh -c "$W -e sad file.wes < $T/g.wes"
fails 66 "missing -m file" sh -c "wdenoise -m $T/none.st -e sad < $T/g.wes"
# a copy of the tool with no models/ beside it and none in the current directory
mkdir -p "$T/inst/bin" && cp bin/wdenoise "$T/inst/bin/"
fails 66 "no default model beside the installation" sh -c "cd $T && WE_MODEL= $T/inst/bin/wdenoise -e sad < $T/g.wes"
grep -q "shipped default model is missing" "$T/.err"; is "message says the default model is missing" $? 0
grep -q "pipelines/train.mk" "$T/.err"; is "message says how to train one" $? 0
# the installed layout: PREFIX/bin/wdenoise finds PREFIX/share/waveemotion/models/default.safetensors
mkdir -p "$T/inst/share/waveemotion/models" && cp "$T/m1.st" "$T/inst/share/waveemotion/models/default.safetensors"
ok "installed default model found with no -m" sh -c "cd $T && WE_MODEL= $T/inst/bin/wdenoise -n 5 -e sad < $T/g.wes > $T/inst.wes"
case "$(tsinfo "$T/inst.wes")" in *"edit.model=default.safetensors"*) r=0 ;; *) r=1 ;; esac
is "edit.model names the installed default" "$r" 0
# the shipped model, found beside bin/, with its own guidance (edit.guidance)
if [ -f models/default.safetensors ]; then
    . pipelines/ckpt_meta.sh
    g=$(ckpt_meta models/default.safetensors edit.guidance)
    imgread -s 64 -c 1 "$photo" | dwt -w haar > "$T/g64.wes"
    ok "shipped default model" sh -c "cd $T && WE_MODEL= $PWD/bin/wdenoise -e sad -n 4 < $T/g64.wes > $T/d.wes"
    case "$(tsinfo "$T/d.wes")" in *"edit.model=default.safetensors"*"edit.g_low=$g "*) r=0 ;; *) r=1 ;; esac
    is "default model, guidance $g from its metadata" "$r" 0
fi
printf 'garbage' > "$T/bad.st"
fails 65 "not a checkpoint" sh -c "wdenoise -m $T/bad.st -e sad < $T/g.wes"
fails 65 "a face of neither S nor S*2^k px" sh -c "$W -e sad < $T/odd.wes"
grep -q 'edits 16 x 16 faces.*cascade.*facealign -s 32' "$T/.err"; is "message names the sizes and facealign -s" $? 0
fails 65 "another wavelet than the model's" sh -c "$W -e sad < $T/bior.wes"

# faces larger than the model's S (16 here) go through the cascade: the model
# edits the coarse face, the photo's own detail is rebuilt around the change
ok "2x face (32 px, haar J 1)" sh -c "$W -e sad < $T/big.wes > $T/c2.wes"
is "same layout out" "$(tsinfo -k "$T/c2.wes" | cut -d' ' -f2-4)" "wavelet f32 4x16x16"
case "$(tsinfo "$T/c2.wes")" in *" emotion=sad"*"edit.model=m1.st"*"edit.cascade=1 edit.detail=none"*) r=0 ;; *) r=1 ;; esac
is "keys: emotion, edit.*, edit.cascade=1, edit.detail=none" "$r" 0
ok "same call again" sh -c "$W -e sad < $T/big.wes > $T/c2b.wes"
ok "deterministic: identical bytes" cmp -s "$T/c2.wes" "$T/c2b.wes"
imgread -s 64 "$photo" | dwt -w haar > "$T/rgb64.wes"
ok "4x RGB face (64 px), luminance model" sh -c "$W -e sad < $T/rgb64.wes > $T/c4.wes"
is "12x32x32 out, edit.cascade=2" "$(tsinfo -k "$T/c4.wes" | cut -d' ' -f4) $(tsinfo "$T/c4.wes" | grep -o 'edit.cascade=[0-9]')" \
    "12x32x32 edit.cascade=2"
ok "the result inverts (iwt)" sh -c "iwt -t < $T/c4.wes > $T/c4i.wes"
is "64 x 64 RGB image" "$(tsinfo -k "$T/c4i.wes" | cut -d' ' -f2-4)" "image f32 3x64x64"
imgread -s 64 -c 1 "$photo" | dwt -w db2 -J 3 > "$T/db.wes"
ok "4x face as dwt -w db2 -J 3 wrote it" sh -c "$W -e sad < $T/db.wes > $T/cdb.wes"
is "64x8x8 out" "$(tsinfo -k "$T/cdb.wes" | cut -d' ' -f4)" "64x8x8"
cat "$T/g.wes" "$T/big.wes" "$T/rgb64.wes" > "$T/sizes.wes"
ok "16, 32 and 64 px faces in one batch" sh -c "$W -e sad -b 3 < $T/sizes.wes > $T/sizes3.wes"
ok "... one by one" sh -c "$W -e sad -b 1 < $T/sizes.wes > $T/sizes1.wes"
ok "batching does not change the result" tscmp -q -a 1e-5 "$T/sizes3.wes" "$T/sizes1.wes"
imgread -s 30 -c 1 "$photo" | dwt -w haar -J 2 > "$T/pad.wes"
fails 65 "a padded image (30 px at J 2)" sh -c "$W -e sad < $T/pad.wes"
grep -q 'unpadded square face' "$T/.err"; is "message says why" $? 0
# wtrain --export --detail bundles a wdtrain checkpoint's detail net
ok "a tiny detail net (wdtrain)" wdtrain -o "$T/dn.st" -n 2 -s 16 -J 2 --patch 4 --nf 4 --layers 2 -b 3 -T 1 \
    tests/fixtures/model_train.wes
ok "export with --detail" wtrain -m "$T/m1.st" --export "$T/md.st" --detail "$T/dn.st"
. pipelines/ckpt_meta.sh
is "detail.* and cascade.* in the metadata" "$(ckpt_meta "$T/md.st" detail.nf)/$(ckpt_meta "$T/md.st" cascade.mask_lo)" "4/0.03"
ok "cascade with the detail net" sh -c "wdenoise -m $T/md.st -n 5 -e sad < $T/big.wes > $T/cd.wes"
# cascade.recon is a weight in [0, 1]: a model file saying 3 is refused
LC_ALL=C sed 's/"cascade.recon":"1"/"cascade.recon":"3"/' "$T/md.st" > "$T/mr.st"
fails 65 "cascade.recon 3 in a model file" sh -c "wdenoise -m $T/mr.st -n 5 -e sad < $T/big.wes"
grep -q 'cascade.recon must be in \[0, 1\]' "$T/.err"; is "... and the message says the range" $? 0
case "$(tsinfo "$T/cd.wes")" in *"edit.cascade=1 edit.detail=net"*) r=0 ;; *) r=1 ;; esac
is "edit.detail=net" "$r" 0
ok "a 16 px face edits as without the net" sh -c "wdenoise -m $T/md.st -n 5 -e sad < $T/g.wes | tscmp -q - $T/o1.wes"
fails 64 "--detail without --export" wtrain -m "$T/m1.st" --detail "$T/dn.st" "$T/g.wes"
fails 66 "--detail of a missing file" wtrain -m "$T/m1.st" --export "$T/x.st" --detail "$T/none.st"
fails 65 "--detail of a file without a detail net" wtrain -m "$T/m1.st" --export "$T/x.st" --detail "$T/m1.st"

# The OpenBLAS kernel restart (we_cli_blas_kernels): where OpenBLAS fell
# back to pre-AVX2 kernels on an AVX2 CPU the tool sets OPENBLAS_CORETYPE
# and executes itself again; read the variable from /proc while it waits
# on its stdin, then check the restarted run edited the whole stream as a
# run started with that variable does, bit for bit.
mkfifo "$T/fifo"
env -u OPENBLAS_CORETYPE wdenoise -m "$T/m1.st" -n 5 -e sad < "$T/fifo" > "$T/bl.wes" 2> "$T/bl.err" &
pid=$!
exec 7> "$T/fifo"
# the restart may come a moment after the fifo opens (env, then the tool,
# then its exec): poll up to 5 s for the variable; without it by then the
# CPU needs no restart
kern="" i=0
while [ $i -lt 50 ]; do
    kern=$(tr '\0' '\n' < /proc/$pid/environ 2>/dev/null | sed -n 's/^OPENBLAS_CORETYPE=//p')
    [ -n "$kern" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = wdenoise ] && break
    sleep 0.1; i=$((i + 1))
done
is "after the kernel check: ps still names it wdenoise" "$(cat /proc/$pid/comm 2>/dev/null)" wdenoise
cat "$T/g.wes" >&7
exec 7>&-
wait $pid
is "after the kernel check: the whole stream edited (exit 0)" "$?" 0
if [ -n "$kern" ]; then
    echo "     OpenBLAS's own choice replaced by $kern"
    ok "restarted with $kern: the same edit as a run given it" sh -c \
        "OPENBLAS_CORETYPE=$kern wdenoise -m $T/m1.st -n 5 -e sad < $T/g.wes | tscmp -q - $T/bl.wes"
else
    echo "     OpenBLAS's choice kept (no restart on this CPU)"
    ok "no restart: the same edit as a run without the check" sh -c \
        "wdenoise -m $T/m1.st -n 5 -e sad < $T/g.wes | tscmp -q - $T/bl.wes"
fi

summary
