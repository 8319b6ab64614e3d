# Failover latency distribution (CDF), from bench/plot.sh: outfile, machine, floor_ms, plot_cmd.
set terminal pngcairo size 1000,600 font "sans,11"
set output outfile
set title "Failover: fault until every survivor's event log names the new leader\n{/*0.8 ".machine."}"
set xlabel "failover latency (ms, log scale)"
set ylabel "fraction of repetitions"
set logscale x 10
set format x "%g"
set yrange [0:1.02]
set xrange [(floor_ms > 0 ? floor_ms / 2 : 0.5):*]
set grid xtics ytics mxtics
set key bottom right box opaque
if (floor_ms > 0) {
  set arrow from floor_ms, graph 0 to floor_ms, graph 1 nohead dt 2 lc rgb "gray40"
  set label sprintf("loopback TCP RTT %.3f ms", floor_ms) at floor_ms, graph 0.93 left offset 0.5,0 tc rgb "gray30"
}
eval("plot ".plot_cmd)
