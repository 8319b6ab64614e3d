# Cost versus N, from bench/plot.sh: outfile, machine, simdat (N, messages per election, idle
# messages per node per s, wall s, RSS MB), realdat (N, idle CPU %, RSS MB, Pss MB, follower
# ms/s), real (0/1).
set terminal pngcairo size 1500,500 font "sans,10"
set output outfile
set multiplot layout 1, (real ? 3 : 2) title "Cost versus N   {/*0.8 (".machine.")}"
set logscale xy 10
set format x "%g"
set format y "%g"
set grid xtics ytics
set key top left box opaque
set xlabel "nodes N"

stats simdat using 1:2 nooutput
n0 = STATS_min_x
m0 = STATS_min_y
set title "simulator: messages"
set ylabel "messages"
plot simdat using 1:2 with linespoints lw 2 pt 7 title "per election (pre-vote + vote + answers)", \
     m0 * x / n0 with lines dt 2 lc rgb "gray50" title "∝ N", \
     simdat using 1:3 with linespoints lw 2 pt 5 title "idle, per node per second"

set title "simulator: cost of a run (10 s simulated)"
set ylabel "wall seconds / MB"
plot simdat using 1:4 with linespoints lw 2 pt 7 title "wall time (s)", \
     simdat using 1:5 with linespoints lw 2 pt 5 title "peak RSS (MB)"

if (real) {
  set title "real electord processes, idle (x: nodes N)"
  unset xlabel
  set ylabel "% of one core / MB"
  set xrange [100:3000]
  set yrange [0.5:300]
  set key below maxrows 3 box
  plot realdat using 1:2 with linespoints lw 2 pt 7 title "CPU of all nodes (% of one core)", \
       realdat using 1:3 with linespoints lw 2 pt 5 title "RSS per node, median (MB)", \
       realdat using 1:4 with linespoints lw 2 pt 9 title "Pss per node, median (MB)", \
       10 with lines dt 2 lc rgb "red" title "target: 10 % of one core", \
       8 with lines dt 3 lc rgb "dark-red" title "target: 8 MB RSS"
}
unset multiplot
