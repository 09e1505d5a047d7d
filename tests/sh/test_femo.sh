# tests/sh/test_femo.sh - femo on face-api's golden crops: keys, extra
# frames, pass-through, invalid calls, missing weights.
. tests/sh/lib.sh
G=tests/golden/faceapi
if [ ! -f third_party/face-api/model/face_expression_model.bin ]; then
    echo "skip: third_party/face-api missing (run sh scripts/setup.sh)"
    fails 66 "missing weights: exit 66 with a hint" env WE_FACEAPI_DIR=$T/none femo < $G/crop_1.wes
    grep -q "scripts/setup.sh" "$T/.err"; is "the hint names scripts/setup.sh" $? 0
    summary; exit
fi
cat $G/crop_1.wes $G/crop_4.wes > $T/in.wes
ok "femo classifies two crops" femo < $T/in.wes
cp $T/.out $T/e.wes
tsinfo $T/e.wes > $T/info 2>&1
is "two frames out" "$(grep -c ' image ' $T/info)" 2
is "crop 1: top class neutral (face-api: neutral 0.546)" "$(grep 'id=crop_1' $T/info | tr ' ' '\n' | grep '^expr.top=')" "expr.top=neutral"
v=$(grep 'id=crop_1' $T/info | tr ' ' '\n' | grep '^expr.valence=' | cut -d= -f2)
a=$(grep 'id=crop_1' $T/info | tr ' ' '\n' | grep '^expr.arousal=' | cut -d= -f2)
awk -v v="$v" -v a="$a" 'BEGIN { exit !(v != "" && a != "" && v >= -1 && v <= 1 && a >= -1 && a <= 1) }'
is "crop 1: expr.valence, expr.arousal in [-1,1] ($v, $a)" $? 0
is "crop 4: top class happy (face-api: happy 0.896)" "$(grep 'id=crop_4' $T/info | tr ' ' '\n' | grep '^expr.happy=')" "expr.happy=0.896324"
is "vocabulary: anger, not angry" "$(grep -c 'expr.anger=' $T/info)" 2
is "source keys kept" "$(grep -c 'src=gen_golden.js' $T/info)" 2
ok "femo --landmarks --identity" femo -l -i < $T/in.wes
tsinfo $T/.out > $T/info2
is "image, landmarks, identity per item" "$(awk '{print $2}' $T/info2 | tr '\n' ' ')" "image landmarks identity image landmarks identity "
is "landmarks are f32 68x2" "$(grep -c 'landmarks f32 68x2' $T/info2)" 2
is "identity is f32 128" "$(grep -c 'identity f32 128 ' $T/info2)" 2
ok "femo -E -i writes only the identity" femo -E -i < $T/in.wes
is "no expression keys with -E" "$(tsinfo $T/.out | grep -c expr.)" 0
# pass-through of other frames, in order
femo -E -i < $T/in.wes > $T/ids.wes
ok "frames femo does not own pass through" femo < $T/ids.wes
is "identity frames survive, in order" "$(tsinfo $T/.out | awk '{print $2}' | tr '\n' ' ')" "image identity image identity "
ok "align mode" femo -c align < $G/crop_2.wes
ok "empty stream is fine" femo < /dev/null
is "empty in, empty out" "$(wc -c < $T/.out)" 0
fails 64 "unknown option" femo --bogus < $T/in.wes
fails 64 "bad --crop" femo --crop=face < $T/in.wes
fails 64 "nothing to do" femo -E < $T/in.wes
fails 64 "stray argument" femo $T/in.wes
fails 66 "missing weights: exit 66" femo -m $T/none < $T/in.wes
grep -q "scripts/setup.sh" "$T/.err"; is "the hint names scripts/setup.sh" $? 0
printf 'WES1 image f32 2 8 8\n\n' > $T/bad.wes; head -c 512 /dev/zero >> $T/bad.wes
fails 65 "2-channel image refused" femo < $T/bad.wes
printf 'WES1 image f32 3 8 8\n\n' > $T/tr.wes; head -c 100 /dev/zero >> $T/tr.wes
fails 65 "truncated frame refused" femo < $T/tr.wes
fails 69 "cuda without a GPU" env WE_DEVICE=cuda femo < $T/in.wes
summary
