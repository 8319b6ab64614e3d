#!/usr/bin/env bash
# Plots the results of ./bench.sh with gnuplot:
#   bench/plot.sh [RESULTS_DIR [OUT_DIR]]   (default bench/results and docs)
# OUT_DIR/bench-failover.png: distribution (CDF) of the failover latency, crash and freeze;
# OUT_DIR/bench-cost.png: cost versus N (simulator messages and wall time, real processes).
# A plot whose results are missing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
res="${1:-bench/results}"
out="${2:-docs}"
command -v gnuplot >/dev/null || {
  echo "plot.sh: gnuplot is not installed (scripts/install-deps.sh installs gnuplot-nox)" >&2
  exit 1
}
data="$(mktemp -d "${TMPDIR:-/tmp}/elector-plot.XXXXXX")"
trap 'rm -rf "$data"' EXIT
mkdir -p "$out"
machine=""
for f in "$res"/*.json; do
  [ -f "$f" ] || continue
  machine=$(jq -r '.machine | "\(.nproc) CPU \(.model_name), \(.kernel), \(.date[0:10])"' "$f")
  break
done

# cdf FILE < numbers: "value fraction" lines, sorted.
cdf() { sort -g | awk '{v[NR] = $1} END {for (i = 1; i <= NR; i++) print v[i], i / NR}' >"$1"; }

plots=0
series=()
if [ -f "$res/crash.json" ]; then
  jq -r '.samples_ms[]' "$res/crash.json" | cdf "$data/crash.dat"
  series+=("'$data/crash.dat' using 1:2 with steps lw 2 title 'kill -9, 5 nodes ($(jq .count "$res/crash.json") runs)'")
  floor_ms=$(jq '.floor_tcp_rtt_p50_us / 1000' "$res/crash.json")
fi
if [ -f "$res/freeze.json" ]; then
  for t in $(jq -r '.runs[].heartbeat_interval_ms' "$res/freeze.json"); do
    jq -r --argjson t "$t" '.runs[] | select(.heartbeat_interval_ms == $t) | .samples_ms[]' "$res/freeze.json" |
      cdf "$data/freeze-$t.dat"
    series+=("'$data/freeze-$t.dat' using 1:2 with steps lw 2 title 'SIGSTOP, 5 nodes, T = $t ms'")
  done
fi
if [ -f "$res/scale.json" ]; then
  for n in $(jq -r '.runs[] | select(.crash_failover.samples_ms // [] | length > 0) | .nodes' "$res/scale.json"); do
    jq -r --argjson n "$n" '.runs[] | select(.nodes == $n) | .crash_failover.samples_ms[]' "$res/scale.json" |
      cdf "$data/scale-$n.dat"
    series+=("'$data/scale-$n.dat' using 1:2 with linespoints lw 2 pt 7 title 'kill -9, $n nodes'")
  done
fi
if ((${#series[@]})); then
  plot_cmd=$(
    IFS=,
    echo "${series[*]}"
  )
  gnuplot -e "outfile='$out/bench-failover.png'; machine='$machine'; floor_ms=${floor_ms:-0}" \
    -e "plot_cmd=\"$plot_cmd\"" bench/failover.gp
  echo "plot.sh: wrote $out/bench-failover.png"
  plots=$((plots + 1))
fi

if [ -f "$res/sim.json" ]; then
  jq -r '.runs[] | select(.completed) | [.nodes, .messages_per_election, .idle_messages_per_node_per_s, .wall_s, .max_rss_mb] | @tsv' \
    "$res/sim.json" >"$data/sim.dat"
  real=0
  if [ -f "$res/scale.json" ]; then
    jq -r '.runs[] | select(.idle_cpu != null) | [.nodes, .idle_cpu.all_nodes_pct_of_one_core, .memory.rss_mb.median, .memory.pss_mb.median, (.idle_cpu.per_follower_ms_per_s)] | @tsv' \
      "$res/scale.json" >"$data/real.dat"
    [ -s "$data/real.dat" ] && real=1
  fi
  gnuplot -e "outfile='$out/bench-cost.png'; machine='$machine'; simdat='$data/sim.dat'; realdat='$data/real.dat'; real=$real" \
    bench/cost.gp
  echo "plot.sh: wrote $out/bench-cost.png"
  plots=$((plots + 1))
fi
((plots > 0)) || echo "plot.sh: no results to plot in $res" >&2
