# sim: the simulator (whole clusters in one process, simulated time) at growing N: wall time, the
# messages of the election at start, and the idle messages per node per simulated second.
# shellcheck shell=bash

# sim_run N DURATION_MS OUT_PREFIX: one elector-sim run; OUT_PREFIX.txt its output,
# OUT_PREFIX.time.json wall time and memory. Prints a JSON summary of the run.
# The simulator's memory grows with N squared (every node holds every member): a run is limited
# to BENCH_SIM_MEM_MB of address space (default 60% of the memory available when it starts),
# so that a size the machine cannot hold fails alone instead of waking the OOM killer.
sim_run() {
  local n="$1" d="$2" out="$3" rc=0 limit_mb
  limit_mb="${BENCH_SIM_MEM_MB:-$(awk '/^MemAvailable:/ {printf "%d", $2 * 0.6 / 1024}' /proc/meminfo)}"
  (
    ulimit -v $((limit_mb * 1024))
    exec "$FLOOR" run "$out.time.json" "$SIM" --nodes "$n" --seed "${BENCH_SIM_SEED:-1}" --stats \
      --duration-ms "$d"
  ) >"$out.txt" 2>&1 || rc=$?
  [ -s "$out.time.json" ] || echo '{"wall_s":0,"max_rss_kb":0}' >"$out.time.json"
  # messages KIND=COUNT lines, then the last line violations=... messages=M sim_ms=X
  awk -v rc="$rc" '
    /^messages / {split($2, kv, "="); kinds = kinds sprintf("%s\"%s\":%s", (kinds == "" ? "" : ","), kv[1], kv[2])}
    /^violations=/ {for (i = 1; i <= NF; i++) {split($i, kv, "="); last[kv[1]] = kv[2]}}
    END {
      if (!("messages" in last)) {printf "{\"ok\":false,\"exit_code\":%d}\n", rc; exit}
      printf "{\"ok\":true,\"exit_code\":%d,\"violations\":%s,\"leader\":\"%s\",\"term\":%s,\"elections\":%s,\"messages\":%s,\"sim_ms\":%s,\"by_kind\":{%s}}\n",
        rc, last["violations"], last["leader"], last["term"], last["elections"], last["messages"], last["sim_ms"], kinds
    }' "$out.txt" | jq -c --slurpfile t "$out.time.json" --argjson limit "$limit_mb" \
    '. + {wall_s: ($t[0].wall_s * 100 | round / 100), max_rss_mb: ($t[0].max_rss_kb / 1024 | round),
          memory_limit_mb: $limit}'
}

scenario_sim() {
  local sizes="${BENCH_SIM_SIZES:-100 1000 3000 10000}" d1="${BENCH_SIM_DURATION_MS:-10000}"
  local extra="${BENCH_SIM_IDLE_MS:-5000}" n a b runs=() r
  [ "$BENCH_SMOKE" = 1 ] && sizes="${BENCH_SIM_SIZES:-100}"
  for n in $sizes; do
    log "sim: $n nodes, $d1 ms and $((d1 + extra)) ms simulated"
    a=$(sim_run "$n" "$d1" "$BENCH_WORK/sim-$n-a")
    if ! jq -e .ok <<<"$a" >/dev/null; then
      r=$(jq -c --argjson n "$n" --arg tail "$(tail -c 300 "$BENCH_WORK/sim-$n-a.txt")" '
        {nodes: $n, completed: false, exit_code, wall_s, max_rss_mb, memory_limit_mb,
         reason: (if .exit_code == 134 or .exit_code == 137 or ($tail | test("bad_alloc|memory"))
                  then "out of memory (limit \(.memory_limit_mb) MB)" else "no result line" end),
         output_tail: $tail}' <<<"$a")
      runs+=("$r")
      warn "sim: $n nodes did not complete: $(jq -r '"\(.reason) after \(.wall_s) s"' <<<"$r")"
      row sim "N=$n: $((d1 / 1000)) s simulated" "$(jq -r '"not completed: \(.reason), \(.wall_s) s"' <<<"$r")"
      continue
    fi
    b=$(sim_run "$n" "$((d1 + extra))" "$BENCH_WORK/sim-$n-b")
    jq -e .ok <<<"$b" >/dev/null || die "sim: the second run at $n nodes failed (see $BENCH_WORK/sim-$n-b.txt)"
    r=$(jq -cn --argjson n "$n" --argjson a "$a" --argjson b "$b" --argjson w "$extra" '
      def r2: (. * 100 | round) / 100;
      def k(x; name): (x.by_kind[name] // 0);
      ($a.by_kind | to_entries | map(.key)) as $kinds
      | (k($a; "pre_vote") + k($a; "vote") + k($a; "vote_resp")) as $elect
      | {nodes: $n, completed: true, duration_ms: $a.sim_ms, wall_s: $a.wall_s, max_rss_mb: $a.max_rss_mb,
         violations: ($a.violations + $b.violations), leader: $a.leader, elections: $a.elections,
         messages: $a.messages,
         election_messages: $elect,
         messages_per_election: (if $a.elections > 0 then ($elect / $a.elections) else null end),
         messages_per_election_per_node: (if $a.elections > 0 then ($elect / $a.elections / $n | r2) else null end),
         idle_window_ms: $w, wall_s_long_run: $b.wall_s,
         idle_messages_per_node_per_s: (($b.messages - $a.messages) / $n / ($w / 1000) | r2),
         idle_messages_per_s: (($b.messages - $a.messages) / ($w / 1000) | round),
         idle_by_kind_per_node_per_s: (($b.by_kind | keys) | map({(.): ((k($b; .) - k($a; .)) / $n / ($w / 1000) | r2)}) | add),
         by_kind: $a.by_kind}')
    runs+=("$r")
    log "  $(jq -r '"\(.wall_s) s wall, \(.messages_per_election) messages per election, \(.idle_messages_per_node_per_s) idle messages per node per s, violations \(.violations)"' <<<"$r")"
    row sim "N=$n: wall time for $((d1 / 1000)) s simulated" "$(jq -r '"\(.wall_s) s (RSS \(.max_rss_mb) MB)"' <<<"$r")"
    row sim "N=$n: messages per election (per node)" "$(jq -r '"\(.messages_per_election) (\(.messages_per_election_per_node))"' <<<"$r")" "grows linearly with N"
    row sim "N=$n: idle messages per node per second" "$(jq -r '.idle_messages_per_node_per_s' <<<"$r")" "does not grow with N"
  done
  printf '%s\n' "${runs[@]}" | jq -se 'any(.completed)' >/dev/null || die "sim: no size completed"
  write_result sim "$(printf '%s\n' "${runs[@]}" | jq -s --arg seed "${BENCH_SIM_SEED:-1}" '
    {settings: {strategy: "uptime_high (elector-sim default)", heartbeat_interval_ms: 100,
                election_delay_ms: 1000, quorum_size: 1, seed: ($seed | tonumber), faults: false,
                start_stagger: "elector-sim default: 2 s / N between node starts, within 50 us..1 ms"},
     measured: "elector-sim --stats: wall time of a run of duration_ms simulated; election messages = pre_vote + vote + vote_resp (pre-vote and vote answers) of that run over its elections; idle = difference between that run and one idle_window_ms longer",
     runs: .}')"
}
