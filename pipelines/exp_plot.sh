#!/bin/sh
# pipelines/exp_plot.sh - the plots of pipelines/experiments.mk, from
# OUT/table.csv, OUT/guidance.csv and EXP/<row>/loss.csv (gnuplot, PNG):
#   OUT/loss-<factor>.png      the DDPM loss per step of the factor's rows
#                              (running mean over 5% of the steps)
#   OUT/tradeoff-<factor>.png  expression accuracy against identity cosine
#   OUT/guidance.png           acc, csim and SSIM over the (g_low, g_high) grid
# Environment: EXP OUT.
set -u
tab=$OUT/table.csv
pd=$OUT/plotdata
mkdir -p "$pd" || exit 73
factors=$(awk -F, 'NR > 1 && $2 != "-" && !seen[$1]++ { print $1 }' "$tab")
for f in $factors; do
    plot="" tplot="" i=0
    : > "$pd/tradeoff-$f.dat"
    for r in $(awk -F, -v f="$f" 'NR > 1 && $1 == f && $2 != "-" { print $2 }' "$tab"); do
        i=$((i + 1))
        name=$(awk -F, -v f="$f" -v r="$r" '$1 == f && $2 == r { print $3 }' "$tab")
        # running mean of the loss over 5% of the rows
        awk -F, 'NR > 1 { s[NR] = $2; n = NR } END { w = int(n / 20); if (w < 1) w = 1;
            for (i = 2; i <= n; i++) { t += s[i]; if (i - w >= 2) t -= s[i - w]; k = (i - 1 < w) ? i - 1 : w;
              print i - 1, t / k } }' "$EXP/$r/loss.csv" > "$pd/loss-$f-$r.dat"
        plot="$plot${plot:+, }'$pd/loss-$f-$r.dat' using 1:2 with lines lw 2 title '$name'"
        awk -F, -v f="$f" -v r="$r" '$1 == f && $2 == r && $8 != "" { printf "%s %s \"%s\"\n", $9, $8, $3 }' "$tab" \
            >> "$pd/tradeoff-$f.dat"
    done
    gnuplot 2> "$pd/gnuplot.log" <<GP || { echo "exp_plot: gnuplot failed on $f: $(tail -n 1 "$pd/gnuplot.log")" >&2; exit 70; }
set terminal pngcairo noenhanced size 800,500
set output '$OUT/loss-$f.png'
set title 'DDPM loss, factor $f'
set xlabel 'step'; set ylabel 'loss (running mean)'; set logscale y; set grid
plot $plot
set output '$OUT/tradeoff-$f.png'
unset logscale y
set title 'expression accuracy against identity, factor $f'
set xlabel 'identity cosine (csim)'; set ylabel 'expression accuracy (face-api)'
set offsets graph 0.15, graph 0.15, graph 0.15, graph 0.15
plot '$pd/tradeoff-$f.dat' using 1:2 with points pt 7 ps 2 notitle, \
     '' using 1:2:3 with labels offset 0,1.2 notitle
GP
done
g=$OUT/guidance.csv
if [ "$(wc -l < "$g")" -gt 1 ]; then
    awk -F, 'NR > 1 { print $1, $2, $5, $6, $8 }' "$g" > "$pd/guidance.dat"
    gnuplot 2> "$pd/gnuplot.log" <<GP || { echo "exp_plot: gnuplot failed on the guidance map: $(tail -n 1 "$pd/gnuplot.log")" >&2; exit 70; }
set terminal pngcairo noenhanced size 1200,420
set output '$OUT/guidance.png'
set multiplot layout 1,3 title 'guidance on the base model: g_low (LL) x g_high (LH HL HH); the diagonal is one shared scale'
set logscale xy 2; set xlabel 'g_low'; set ylabel 'g_high'; set size square
set offsets graph 0.1, graph 0.1, graph 0.1, graph 0.1
set palette rgbformulae 33,13,10; set grid
set title 'expression accuracy'
plot '$pd/guidance.dat' using 1:2:3 with points pt 5 ps 6 palette notitle, '' using 1:2:(sprintf('%.2f', \$3)) with labels notitle
set title 'identity cosine'
plot '$pd/guidance.dat' using 1:2:4 with points pt 5 ps 6 palette notitle, '' using 1:2:(sprintf('%.3f', \$4)) with labels notitle
set title 'SSIM (detail kept)'
plot '$pd/guidance.dat' using 1:2:5 with points pt 5 ps 6 palette notitle, '' using 1:2:(sprintf('%.3f', \$5)) with labels notitle
unset multiplot
GP
fi
echo "exp_plot: wrote $(ls "$OUT"/*.png | tr '\n' ' ')" >&2
