# tests/sh/test_photo_paired.sh - pipelines/photo_paired.sh on two tiny
# hand-made photo-route folders: only the items both hold are compared,
# accuracies, discordant counts and the mean difference of p_target with
# its standard error are exact; bad arguments are refused.
. tests/sh/lib.sh
mkdir -p "$T/a" "$T/b" "$T/empty"
h='id,target,top,p_target,csim,psnr,ssim,nme,sharp,psnr_out,tone,seam'
printf '%s\n"f1.jpg#0",happy,happy,0.9,1,1,1,1,1,1,1,1\n"f2.jpg#0",happy,sad,0.3,1,1,1,1,1,1,1,1\n' "$h" > "$T/a/x-happy-items.csv"
printf '%s\n"f1.jpg#0",sad,sad,0.8,1,1,1,1,1,1,1,1\n"f2.jpg#0",sad,sad,0.6,1,1,1,1,1,1,1,1\n' "$h" > "$T/a/x-sad-items.csv"
printf '%s\n"f1.jpg#0",happy,happy,0.7,1,1,1,1,1,1,1,1\n"f2.jpg#0",happy,happy,0.6,1,1,1,1,1,1,1,1\n' "$h" > "$T/b/x-happy-items.csv"
printf '%s\n"f1.jpg#0",sad,happy,0.4,1,1,1,1,1,1,1,1\n"f2.jpg#0",sad,sad,0.6,1,1,1,1,1,1,1,1\n"f3.jpg#0",sad,sad,0.9,1,1,1,1,1,1,1,1\n' "$h" > "$T/b/x-sad-items.csv"
ok "two runs compared" sh pipelines/photo_paired.sh "$T/a" "$T/b"
# diffs 0.2, -0.3, 0.4, 0: mean 0.075, sd sqrt(0.0891667), se 0.1493; f3 is only in b
is "the numbers" "$(cat "$T/.out")" \
   "items 4: acc A 0.750, B 0.750; read only in A 1, only in B 1; p_target A - B +0.075 +- 0.149 (standard error)"
fails 64 "one folder is refused" sh pipelines/photo_paired.sh "$T/a"
fails 66 "a folder without items is refused" sh pipelines/photo_paired.sh "$T/a" "$T/empty"
summary
