# pipelines/eval_plot.gp - curves of pipelines/eval.mk. Variables: dat, out, title.
# dat: blocks (separated by two blank lines) "guidance|strength value acc csim psnr".
set terminal pngcairo size 1500,480 font ",10"
set output out
set multiplot layout 1,3 title title
set grid
set key bottom left
set xlabel "identity cosine (CSIM)"
set ylabel "expression accuracy"
set title "accuracy vs identity"
plot dat index 0 using 4:3 with linespoints pt 7 title "guidance", \
     '' index 0 using 4:3:(sprintf("g %g", $2)) with labels offset 1,0.7 notitle, \
     '' index 1 using 4:3 with linespoints pt 5 title "strength", \
     '' index 1 using 4:3:(sprintf("t %g", $2)) with labels offset 1,-0.7 notitle
set xlabel "guidance scale"
set ylabel ""
set title "over guidance"
plot dat index 0 using 2:3 with linespoints pt 7 title "accuracy", '' index 0 using 2:4 with linespoints pt 5 title "CSIM"
set xlabel "strength (t0 / T)"
set title "over strength"
plot dat index 1 using 2:3 with linespoints pt 7 title "accuracy", '' index 1 using 2:4 with linespoints pt 5 title "CSIM"
unset multiplot
