# tests/sh/test_femetrics.sh - femetrics on a small edited/source pair
# (tests/fixtures/metrics_edited.wes = crops 0 and 5 with noise and targets).
. tests/sh/lib.sh
G=tests/golden/faceapi
E=tests/fixtures/metrics_edited.wes
cat $G/crop_0.wes $G/crop_5.wes > $T/src.wes
fails 64 "one argument" femetrics $E
fails 64 "both on stdin" femetrics - -
fails 66 "missing source" femetrics $E $T/nope.wes
if [ ! -f third_party/face-api/model/face_recognition_model.bin ]; then
    echo "skip: third_party/face-api missing (run sh scripts/setup.sh)"
    summary; exit
fi
ok "femetrics table" femetrics -o $T/t.csv -I $T/items.csv $E $T/src.wes
cp $T/.out $T/table
is "header" "$(head -n 1 $T/table | tr -s ' ')" "emotion n acc csim psnr ssim nme"
is "one row per target + all" "$(awk '{print $1}' $T/table | tr '\n' ' ')" "emotion neutral happy all fid "
# crop 5 is neutral (face-api 0.75), target neutral; crop 0 (surprise 0.62 vs
# neutral 0.35 clean) reads neutral after the noise, target happy
is "accuracy 1/2" "$(awk '$1 == "all" {print $3}' $T/table)" "0.500"
awk '$1 == "all" { exit !($4 > 0.98 && $5 > 35 && $5 < 40 && $6 > 0.8 && $7 < 0.05) }' $T/table
is "csim, psnr, ssim, nme in range for +-6 noise" $? 0
is "csv header" "$(head -n 1 $T/t.csv)" "emotion,n,acc,csim,psnr,ssim,nme,fid"
is "csv rows" "$(wc -l < $T/t.csv | tr -d ' ')" 4
is "per-item csv" "$(cut -d, -f1-3 $T/items.csv | tr '\n' ' ')" 'id,target,top "crop_0",happy,neutral "crop_5",neutral,neutral '
ok "source against itself" femetrics $T/src.wes $T/src.wes
is "no target: (other) row" "$(awk '$1 == "(other)" {print $2}' $T/.out)" 2
is "psnr capped at 100 dB for identical images" "$(awk '$1 == "all" {print $5}' $T/.out)" "100.00"
ok "stdin as EDITED" sh -c "femetrics - $T/src.wes < $E"
is "same table via stdin" "$(cat $T/.out)" "$(cat $T/table)"
fails 65 "no item matches" femetrics $E $G/crop_1.wes
cat $G/crop_0.wes > $T/s0.wes
printf 'WES1 image u8 3 16 16\nid=crop_0\nemotion=sad\n\n' > $T/small.wes; head -c 768 /dev/zero >> $T/small.wes
fails 65 "image sizes differ" femetrics $T/small.wes $T/s0.wes
fails 66 "missing weights: exit 66" femetrics -m $T/none $E $T/src.wes

# --photo (the photo route) on fixtures made here from crop 0 (112 px, RGB,
# no landmarks frame: the hull comes from face-api's landmark net).
# frame HDR FILE: one frame with header HDR and the payload of FILE's one
# u8 3x112x112 (or 3x56x56) image frame, i.e. its last bytes.
frame() { printf "$1"; tail -c "$3" "$2"; }
fails 64 "--photo=bad" femetrics --photo=bad $E $T/src.wes
ok "--photo: the source against itself" femetrics --photo -o $T/p.csv -I $T/pi.csv $T/s0.wes $T/s0.wes
is "photo header" "$(head -n 1 $T/.out | tr -s ' ')" "emotion n acc csim psnr ssim nme sharp psnr_out tone seam"
is "identical: sharp 1, psnr_out 100 (cap), tone 0, seam 1" \
   "$(awk '$1 == "all" {print $8, $9, $10, $11}' $T/.out)" "1.0000 100.00 0.000 1.0000"
is "photo csv header" "$(head -n 1 $T/p.csv)" "emotion,n,acc,csim,psnr,ssim,nme,fid,sharp,psnr_out,tone,seam"
is "photo items header" "$(head -n 1 $T/pi.csv)" "id,target,top,p_target,csim,psnr,ssim,nme,sharp,psnr_out,tone,seam"
# a 56 px copy (the "upscaled small edit"): scaled back up to 112 by --photo
dwt < $T/s0.wes | iwt -o "$T/%s.png" && imgread -t u8 -s 56 $T/crop_0.png > $T/half.wes
frame 'WES1 image u8 3 56 56\nid=crop_0\nemotion=happy\n\n' $T/half.wes 9408 > $T/small.wes
ok "--photo: a half-size edit" femetrics --photo $T/small.wes $T/s0.wes
awk '$1 == "all" { exit !($8 > 0.05 && $8 < 0.6 && $9 > 25 && $9 < 45 && $10 < 1) }' $T/.out
is "half-size: sharp well below 1, psnr_out finite, tone kept" $? 0
ok "--photo=none: judged as is" femetrics --photo=none $T/small.wes $T/s0.wes
awk '$1 == "all" { exit !($9 < 35) }' $T/.out
is "as is: the blur outside the face counts too" $? 0
# +3 gray levels on every channel (clamped at 255)
tail -c 37632 $T/s0.wes | od -An -v -tu1 \
  | LC_ALL=C awk '{ for (i = 1; i <= NF; i++) { v = $i + 3; if (v > 255) v = 255; printf "%c", v } }' > $T/plus3.pix
{ printf 'WES1 image u8 3 112 112\nid=crop_0\nemotion=happy\n\n'; cat $T/plus3.pix; } > $T/plus3.wes
ok "--photo: +3 gray levels" femetrics --photo=none $T/plus3.wes $T/s0.wes
awk '$1 == "all" { exit !($10 > 2.9 && $10 <= 3.0 && $8 > 0.99 && $8 < 1.01 && $9 > 38 && $9 < 39) }' $T/.out
is "+3: tone 3, sharp 1, psnr_out 38.6 dB" $? 0
imgread -t u8 -c 1 $T/crop_0.png | tail -c 12544 > $T/g.pix
{ printf 'WES1 image u8 1 112 112\nid=crop_0\n\n'; cat $T/g.pix; } > $T/gray.wes
fails 65 "--photo: gray edit of a colour face" femetrics --photo $T/gray.wes $T/s0.wes

# eval.mk's photo route end to end on a fake set (the demo photo's largest
# face at 32 px) with a tiny random model and the default EDIT (the model's
# 16 px edit, scaled up by femetrics)
helper=build/tests/test_edit
photo=third_party/face-api/demo/sample1.jpg
if [ -x "$helper" ] && [ -f "$photo" ]; then
    $helper --write-model "$T/tiny.st" 1 0 0 > /dev/null
    mkdir -p "$T/data/a/images" && cp "$photo" "$T/data/a/images/" && printf 'image,emotion\nsample1.jpg,neutral\n' > "$T/data/a/labels.csv"
    ok "eval.mk photo" make -s -f pipelines/eval.mk photo MODEL="$T/tiny.st" DATA="$T/data" PHOTO_SETS=a PHOTO_S=32 \
       EMOTIONS="sad happy" WDENOISE_FLAGS="-n 3" OUT="$T/ev"
    is "photo rows: header, 2 emotions, all" "$(cut -d, -f1,2,3 "$T/ev/photo/table.csv" | tr '\n' ' ')" \
       "set,emotion,n a,sad,1 a,happy,1 all,all,2 "
    awk -F, '$1 == "all" { exit !($10 > 0 && $10 < 1.5 && $11 > 0 && $12 >= 0) }' "$T/ev/photo/table.csv"
    is "photo table: sharp, psnr_out, tone" $? 0
    fails 2 "eval.mk photo without data" make -s -f pipelines/eval.mk photo MODEL="$T/tiny.st" DATA="$T/none" OUT="$T/ev"
    grep -q "no $T/none/facial_expressions" "$T/.err"; is "eval.mk photo names the missing set" $? 0
fi
summary
