# start: 5 electord processes launched together; time until every event log names the same leader.
# Twice: at the default election_delay (1000 ms), and with --election-delay 0, where only the
# start itself is measured (no quiet period on a first start).
# shellcheck shell=bash

# start_reps SERIES NAME [electord options...]: the repetitions of one case, one JSON line each.
start_reps() {
  local series="$1" name="$2" reps="${BENCH_START_REPS:-5}" n=5 rep dir t0 res starts first last k
  local logs
  shift 2
  [ "$BENCH_SMOKE" = 1 ] && reps="${BENCH_START_REPS:-1}"
  : >"$series"
  for ((rep = 1; rep <= reps; rep++)); do
    t0=$(mono_ns)
    # shellcheck disable=SC2086 # BENCH_ELECTORD_OPTS is a list of options
    dir=$(bench_cluster_up "$name-$rep" "$n" 15300 "$@" ${BENCH_ELECTORD_OPTS:-})
    logs=()
    for ((k = 1; k <= n; k++)); do logs+=("$(box_log "$dir" "$k")"); done
    res=$("$FLOOR" agree --since "$t0" --timeout-ms 15000 "${logs[@]}") || true
    # shellcheck disable=SC2046 # one pid per word
    starts=$("$FLOOR" starttime $(pids_of "$dir")) || starts="null null"
    read -r first last <<<"$starts"
    bench_cluster_down "$dir"
    res=$(jq -c --argjson rep "$rep" --argjson t0 "$t0" --argjson first "$first" --argjson last "$last" '
      {rep: $rep, agreed, leader, agreed_by,
       from_launch_ms: (if .agreed then (.last_ns - $t0) / 1e6 else null end),
       from_last_start_ms: (if .agreed and $last != null then (.last_ns - $last) / 1e6 else null end),
       starts_spread_ms: (if $last != null then ($last - $first) / 1e6 else null end)}' <<<"$res")
    echo "$res" >>"$series"
    log "  $name rep $rep/$reps: $(jq -r 'if .agreed then "\(.leader) agreed by \(.agreed_by), \(.from_launch_ms | round) ms after the launch, \((.from_last_start_ms // -1) | round) ms after the last start" else "NO agreement" end' <<<"$res")"
    sleep 0.2
  done
}

scenario_start() {
  local n=5 reps="${BENCH_START_REPS:-5}" series="$BENCH_WORK/start.series.jsonl"
  local series0="$BENCH_WORK/start-delay0.series.jsonl"
  [ "$BENCH_SMOKE" = 1 ] && reps="${BENCH_START_REPS:-1}"
  start_reps "$series" start
  start_reps "$series0" start-delay0 --election-delay 0
  local json
  json=$(jq -s --argjson n "$n" --argjson reps "$reps" \
    --argjson launch "$(jq -r 'select(.agreed) | .from_launch_ms' "$series" | stats_json)" \
    --argjson last "$(jq -r 'select(.agreed) | .from_last_start_ms // empty' "$series" | stats_json)" \
    --arg opts "${BENCH_ELECTORD_OPTS:-}" '
    {nodes: $n, repetitions: $reps,
     settings: {strategy: "priority", election_delay_ms: 1000, heartbeat_interval_ms: 100,
                extra_electord_options: $opts},
     measured: "from the launch (CLOCK_MONOTONIC before electorctl cluster up) and from the last process start (/proc/PID/stat starttime, 10 ms resolution) to the last leader_changed naming the agreed leader",
     from_launch: $launch, from_last_start: $last,
     timeouts: map(select(.agreed | not)) | length,
     target: {from_launch_ms: 1100},
     repetitions_detail: .}' "$series")
  json=$(jq --argjson d "$(jq -s \
    --argjson launch "$(jq -r 'select(.agreed) | .from_launch_ms' "$series0" | stats_json)" \
    --argjson last "$(jq -r 'select(.agreed) | .from_last_start_ms // empty' "$series0" | stats_json)" '
    {settings: {election_delay_ms: 0}, from_launch: $launch, from_last_start: $last,
     timeouts: map(select(.agreed | not)) | length, target: {from_last_start_ms: 50},
     repetitions_detail: .}' "$series0")" '. + {election_delay_0: $d}' <<<"$json")
  write_result start "$json"
  row start "launch to agreement p50 / max ($(jq .from_launch.count <<<"$json") of $reps)" \
    "$(jq -r '"\(.from_launch.p50_ms) / \(.from_launch.max_ms) ms"' <<<"$json")" "≤ election_delay + 100 = 1100 ms"
  row start "last process start to agreement p50" "$(jq -r '"\(.from_last_start.p50_ms) ms"' <<<"$json")"
  row start "--election-delay 0: last start to agreement p50 / max" \
    "$(jq -r '.election_delay_0.from_last_start | "\(.p50_ms) / \(.max_ms) ms"' <<<"$json")" "≤ 50 ms"
}
