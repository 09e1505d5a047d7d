# tests/sh/test_install.sh - `make install PREFIX=<scratch>`, then the
# installed tools edit a photo from a folder outside the repository with
# WE_MODEL unset (wdenoise finds the installed default model), man finds the
# installed pages, and `make uninstall` removes what install put there.
. tests/sh/lib.sh
repo=$PWD
d=$T/prefix
photo=$repo/tests/fixtures/images/rgb.png
model=share/waveemotion/models/default.safetensors
# The suite runs after `make` (make test depends on all): nothing to build.
ok "make install PREFIX=scratch" make -s -C "$repo" install PREFIX="$d"
for f in imgread dwt wdenoise iwt tsinfo; do
    [ -x "$d/bin/$f" ]; _report $? "bin/$f installed"
done
ok "default model installed" cmp -s "$repo/models/default.safetensors" "$d/$model"
[ -f "$d/share/man/man1/wdenoise.1" ] && [ ! -L "$d/share/man/man1/wdenoise.1" ]
_report $? "man page installed as a file"
[ -f "$d/share/man/man5/wes.5" ]; _report $? "wes.5 installed"
[ -f "$d/share/waveemotion/web/index.html" ] && [ -f "$d/share/waveemotion/web/app.js" ]; _report $? "weserve's page installed (share/waveemotion/web)"
if command -v man >/dev/null 2>&1; then
    is "man -M finds wdenoise(1)" "$(man -M "$d/share/man" -w wdenoise 2>/dev/null)" "$d/share/man/man1/wdenoise.1"
    is "man -M finds wes(5)" "$(man -M "$d/share/man" -w 5 wes 2>/dev/null)" "$d/share/man/man5/wes.5"
else
    echo "skip: no man(1) here"
fi

# the installed pipeline, from outside the repository, no WE_MODEL
mkdir -p "$T/elsewhere"
ok "installed pipeline edits a 64x64 photo" env -u WE_MODEL -u WE_DEVICE sh -c \
    "cd '$T/elsewhere' && '$d/bin/imgread' -s 64 '$photo' | '$d/bin/dwt' -w haar |
     '$d/bin/wdenoise' -e happy --steps 2 -T 1 | tee e.wes | '$d/bin/iwt' > out.png"
case "$("$d/bin/tsinfo" "$T/elsewhere/e.wes" 2>/dev/null)" in
    *" emotion=happy"*"edit.model=default.safetensors"*"edit.steps=2"*) r=0 ;; *) r=1 ;; esac
is "edited with the installed default model" "$r" 0
is "a PNG came out" "$(head -c 8 "$T/elsewhere/out.png" | od -An -c | tr -d ' ')" '211PNG\r\n032\n'
is "it reads back as a 64x64 image" \
    "$("$d/bin/imgread" "$T/elsewhere/out.png" 2>/dev/null | "$d/bin/tsinfo" -k 2>/dev/null | cut -d' ' -f2,4)" "image 3x64x64"
(cd "$T/elsewhere" && env -u WE_MODEL "$d/bin/tsinfo" /dev/null >/dev/null 2>&1)
fails 66 "no model anywhere: a message, no output" env -u WE_MODEL sh -c \
    "mv '$d/$model' '$T/m.st'; cd '$T/elsewhere' && '$d/bin/imgread' -s 64 '$photo' | '$d/bin/dwt' -w haar | '$d/bin/wdenoise' -e happy --steps 2"
mv "$T/m.st" "$d/$model"

ok "make uninstall" make -s -C "$repo" uninstall PREFIX="$d"
is "nothing left but empty folders" "$(find "$d" -type f -o -type l | wc -l | tr -d ' ')" 0
summary
