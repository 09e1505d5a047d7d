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
summary
