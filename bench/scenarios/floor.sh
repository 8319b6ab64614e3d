# floor: the physical floor of a failover on this machine: the round-trip time of a small message
# between two processes over loopback TCP (TCP_NODELAY) and UDP, each one wake-up per direction.
# shellcheck shell=bash

scenario_floor() {
  local count="${BENCH_FLOOR_COUNT:-10000}" json
  log "floor: $count round trips of 64 bytes between two processes, TCP then UDP"
  json=$("$FLOOR" rtt --count "$count" --size 64)
  json=$(jq --argjson c "$count" '{round_trips: $c,
    measured: "ping-pong between a parent and a forked child over 127.0.0.1, CLOCK_MONOTONIC around each round trip, after a warm-up; tcp/udp as the scheduler places them, *_same_cpu both pinned to one CPU"} + .' <<<"$json")
  # A failover measured earlier in this same run, as a multiple of the floor.
  if [ "$BENCH_RESULTS/crash.json" -nt "$BENCH_WORK/started" ]; then
    json=$(jq --slurpfile c "$BENCH_RESULTS/crash.json" '. + {crash_p50_floor_multiple:
      (if $c[0].p50_ms then ($c[0].p50_ms * 1000 / .tcp.p50_us * 10 | round / 10) else null end)}' <<<"$json")
  fi
  write_result floor "$json"
  row floor "loopback TCP RTT p50 / p99" "$(jq -r '"\(.tcp.p50_us) / \(.tcp.p99_us) us"' <<<"$json")"
  row floor "loopback UDP RTT p50 / p99" "$(jq -r '"\(.udp.p50_us) / \(.udp.p99_us) us"' <<<"$json")"
  row floor "both pinned to one CPU: TCP / UDP RTT p50" "$(jq -r '"\(.tcp_same_cpu.p50_us // "-") / \(.udp_same_cpu.p50_us // "-") us"' <<<"$json")"
}
