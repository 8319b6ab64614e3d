#!/usr/bin/env bash
# Metrics: the /metrics page of running nodes passes `promtool check metrics` (Prometheus'
# naming and format rules), holds every metric docs/metrics.md lists, counts a hook run and an
# election's duration, counts no dropped packet in a healthy cluster, and a follower measures how
# long it took to notice a crashed leader.
source "$(dirname "$0")/lib.sh"
require_tools promtool curl
DOCS="$(dirname "$0")/../../docs/metrics.md"
# documented_metrics FILE: NAME:TYPE for each row of docs/metrics.md's table of metrics.
documented_metrics() {
  sed -n 's/^| `\(\(elector\|process\)_[a-z_]*\)` | \(counter\|gauge\|histogram\) |.*/\1:\3/p' "$1"
}
[ "$(documented_metrics "$DOCS" | wc -l)" -ge 20 ] || fail "cannot read the metrics table of $DOCS"

cluster_up 3 --strategy priority --hooks-execution global --post-election-hook true >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "no leader"

page() { curl -sf --max-time 5 "http://$(control "$1")/metrics"; }
# value K SAMPLE: the value of the sample named exactly SAMPLE on boxK (empty when absent).
value() { page "$1" | awk -v s="$2" '$1 == s { print $2 }'; }
positive() { [ "$(value "$1" "$2")" != "" ] && awk -v v="$(value "$1" "$2")" 'BEGIN { exit !(v > 0) }'; }

for k in 1 2 3; do
  until_true 10000 positive "$k" 'elector_hook_runs_total{hook="post",outcome="ok"}' ||
    fail "box$k counted no successful post-election hook"
  until_true 10000 positive "$k" 'elector_election_duration_seconds_count' ||
    fail "box$k counted no election duration"
  page "$k" >"$DIR/metrics.box$k" || fail "box$k: GET /metrics failed"
  # promtool exits non-zero on a format error and prints a line per naming problem.
  if ! promtool check metrics <"$DIR/metrics.box$k" >"$DIR/promtool.box$k" 2>&1 ||
    [ -s "$DIR/promtool.box$k" ]; then
    cat "$DIR/promtool.box$k" >&2
    fail "promtool check metrics complains about box$k's page"
  fi
  # The page's families are those the docs list, with the types they say.
  grep '^# TYPE ' "$DIR/metrics.box$k" | cut -d' ' -f3,4 | sort >"$DIR/types.box$k"
  documented_metrics "$DOCS" | tr : ' ' | sort >"$DIR/types.docs"
  diff "$DIR/types.docs" "$DIR/types.box$k" >&2 || fail "box$k's metrics differ from docs/metrics.md's table (< docs, > page)"
  grep -q '^elector_build_info{version="[^"]\+"} 1$' "$DIR/metrics.box$k" || fail "box$k: no elector_build_info"
  # A healthy loopback cluster drops nothing, but messages to members still starting
  # (unreachable), and refuses no connection.
  if grep -E '^elector_(packets_dropped|peer_connections_refused)_total' "$DIR/metrics.box$k" |
    grep -v 'reason="unreachable"'; then
    fail "box$k dropped packets or refused connections in a healthy cluster"
  fi
done
echo "box1's page:"
grep -v '^#' "$DIR/metrics.box1"

# box1 crashes: the followers give it up and say how long after its last heartbeat.
kill -9 "$(cat "$DIR/box1/pid")"
detected() { positive 2 elector_leader_loss_detection_seconds_count || positive 3 elector_leader_loss_detection_seconds_count; }
until_true 15000 detected || fail "no follower measured the crashed leader's loss"
echo "PASS"
