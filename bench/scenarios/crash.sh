# crash: kill -9 of the leader of 5 electord processes, repeated; failover until every survivor's
# event log names the same new leader. Sourced by ./bench.sh.
# shellcheck shell=bash

scenario_crash() {
  local reps="${BENCH_CRASH_REPS:-30}" n=5 dir series floor
  [ "$BENCH_SMOKE" = 1 ] && reps="${BENCH_CRASH_REPS:-3}"
  log "crash: $n nodes, $reps repetitions of kill -9 of the leader"
  floor=$(floor_json 2000)
  # shellcheck disable=SC2086 # BENCH_ELECTORD_OPTS is a list of options
  dir=$(bench_cluster_up crash "$n" 15000 ${BENCH_ELECTORD_OPTS:-})
  series="$BENCH_WORK/crash.series.jsonl"
  : >"$series"
  failover_series "$dir" "$n" KILL "$reps" 10000 "$series"
  bench_cluster_down "$dir"

  local json
  json=$(series_json "$series" | jq --argjson floor "$floor" --argjson n "$n" --argjson reps "$reps" \
    --arg opts "${BENCH_ELECTORD_OPTS:-}" '
    def r1: (. * 10 | round) / 10;
    {nodes: $n, repetitions: $reps, fault: "SIGKILL of the leader",
     settings: {strategy: "priority", heartbeat_interval_ms: 100, election_delay_ms: 1000,
                quorum_size: "majority (the default)", extra_electord_options: $opts},
     measured: "fault (CLOCK_MONOTONIC right before kill(2)) to the last survivor'"'"'s leader_changed naming the agreed new leader (event log t_mono_ns)"}
    + .
    + {floor_tcp_rtt_p50_us: $floor.tcp.p50_us, floor_udp_rtt_p50_us: $floor.udp.p50_us,
       floor_tcp_rtt_same_cpu_p50_us: $floor.tcp_same_cpu.p50_us,
       p50_floor_multiple: (if .p50_ms then (.p50_ms * 1000 / $floor.tcp.p50_us | r1) else null end),
       p99_floor_multiple: (if .p99_ms then (.p99_ms * 1000 / $floor.tcp.p50_us | r1) else null end),
       target: {p50_ms: 20, p99_ms: 100}}')
  write_result crash "$json"
  row crash "failover p50 / p99 / max ($(jq .count <<<"$json") of $reps)" \
    "$(jq -r '"\(.p50_ms) / \(.p99_ms) / \(.max_ms) ms"' <<<"$json")" "p50 ≤ 20 ms, p99 ≤ 100 ms"
  row crash "failover p50 as a multiple of the TCP RTT floor" \
    "$(jq -r '"\(.p50_floor_multiple)x (floor \(.floor_tcp_rtt_p50_us) us)"' <<<"$json")"
  [ "$(jq .timeouts <<<"$json")" = 0 ] || row crash "repetitions without agreement" "$(jq .timeouts <<<"$json")"
}
