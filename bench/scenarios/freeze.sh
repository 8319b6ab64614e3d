# freeze: SIGSTOP of the leader of 5 electord processes, repeated, at the default T = 100 ms and
# at a small T; failover until every survivor's event log names the same new leader.
# shellcheck shell=bash

scenario_freeze() {
  local reps="${BENCH_FREEZE_REPS:-20}" n=5 t base dir series runs=() json floor
  [ "$BENCH_SMOKE" = 1 ] && reps="${BENCH_FREEZE_REPS:-2}"
  floor=$(floor_json 2000)
  for t in ${BENCH_FREEZE_T:-100 20}; do
    base=$((15100 + t))
    log "freeze: $n nodes, T = $t ms, $reps repetitions of SIGSTOP of the leader"
    # shellcheck disable=SC2086 # BENCH_ELECTORD_OPTS is a list of options
    dir=$(bench_cluster_up "freeze-t$t" "$n" "$base" --heartbeat-interval "$t" ${BENCH_ELECTORD_OPTS:-})
    series="$BENCH_WORK/freeze-t$t.series.jsonl"
    : >"$series"
    failover_series "$dir" "$n" STOP "$reps" $((20 * t + 10000)) "$series"
    bench_cluster_down "$dir"
    runs+=("$(series_json "$series" | jq -c --argjson t "$t" --argjson reps "$reps" '
      {heartbeat_interval_ms: $t, repetitions: $reps} + .
      + {p50_in_T: (if .p50_ms then (.p50_ms / $t * 100 | round / 100) else null end),
         gap_old_lease_end_to_new_leader_min_ms:
           ([.repetitions_detail[] | .old_lease_end_to_new_leader_ms // empty] | min),
         target: {p99_ms: (4 * $t + 200)}}')")
    json="${runs[-1]}"
    row freeze "T=$t ms: failover p50 / p99 / max ($(jq .count <<<"$json") of $reps)" \
      "$(jq -r '"\(.p50_ms) / \(.p99_ms) / \(.max_ms) ms"' <<<"$json")" "p99 ≤ 4T+200 = $((4 * t + 200)) ms"
    row freeze "T=$t ms: p50 in units of T" "$(jq -r '"\(.p50_in_T) T"' <<<"$json")"
    row freeze "T=$t ms: old lease end to new leader, min" \
      "$(jq -r '"\(.gap_old_lease_end_to_new_leader_min_ms // "-") ms"' <<<"$json")" "> 0 (no overlap)"
  done
  json=$(printf '%s\n' "${runs[@]}" | jq -s --argjson n "$n" --argjson floor "$floor" \
    --arg opts "${BENCH_ELECTORD_OPTS:-}" '
    {nodes: $n, fault: "SIGSTOP of the leader (thawed after the measurement)",
     settings: {strategy: "priority", election_delay_ms: 1000, quorum_size: "majority (the default)",
                extra_electord_options: $opts},
     measured: "fault (CLOCK_MONOTONIC right before kill(2)) to the last survivor'"'"'s leader_changed naming the agreed new leader (event log t_mono_ns)",
     floor_tcp_rtt_p50_us: $floor.tcp.p50_us, runs: .}')
  write_result freeze "$json"
}
