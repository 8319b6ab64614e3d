# scale: 450 (king's demo) and 1,000 electord processes on this machine: agreement after the last
# start, idle CPU of all nodes together, memory per node, crash failover of the leader. A size
# that does not converge is recorded as such (how many agreed on what), not treated as an error.
# shellcheck shell=bash

# scale_watchdog DIR BUDGET_S OWNER_PID: run in the background while a size is measured; SIGKILLs its boxes
# (and writes DIR.aborted) when the machine runs short of memory (MemAvailable < 10% of MemTotal)
# or the size has used up its time budget, so that a size this machine cannot hold ends instead of
# dragging the whole machine (and the OOM killer) along. Forks nothing while it watches; ends
# quietly when OWNER_PID is gone.
scale_watchdog() {
  local dir="$1" end=$((SECONDS + $2)) owner="$3" key value _ total=0 avail f pid why=""
  while :; do
    kill -0 "$owner" 2>/dev/null || return 0
    avail=0
    while read -r key value _; do
      case "$key" in
        MemTotal:) total="$value" ;;
        MemAvailable:) avail="$value" ;;
      esac
    done </proc/meminfo
    if ((avail * 10 < total)); then
      why="memory: MemAvailable $((avail / 1024)) MB of $((total / 1024)) MB"
    elif ((SECONDS >= end)); then
      why="time budget of $2 s used up"
    fi
    [ -z "$why" ] || break
    sleep 1
  done
  echo "$why" >"$dir.aborted"
  for f in "$dir"/box*/pid; do
    read -r pid <"$f" 2>/dev/null || continue
    kill -CONT "$pid" 2>/dev/null || true
    kill -9 "$pid" 2>/dev/null || true
  done
}

scale_one() {
  local n="$1" reps="$2" idle_s="$3" dir t0 t_up res starts first last k logs=() pids
  local cpu0 cpu1 lcpu0 lcpu1 w0 w1 leader_pid mem series cpu_json='null' fail_json='null'
  log "scale: $n nodes (cluster up, agreement, $idle_s s idle, $reps crash failovers)"
  # The kernel's complaints while this size runs (a full mesh of N processes is N(N-1) sockets).
  local tcp_oom0
  tcp_oom0=$(dmesg 2>/dev/null | grep -c 'TCP: out of memory' || true)
  scale_watchdog "$BENCH_WORK/scale-$n" "${BENCH_SCALE_BUDGET_S:-600}" "$BASHPID" >/dev/null 2>&1 &
  local watchdog=$!
  t0=$(mono_ns)
  # shellcheck disable=SC2086 # BENCH_ELECTORD_OPTS is a list of options
  if ! dir=$(bench_cluster_up "scale-$n" "$n" 15000 ${BENCH_ELECTORD_OPTS:-}); then
    bench_cluster_down "$BENCH_WORK/scale-$n"
    echo "{\"nodes\":$n,\"started\":false}"
    return 0
  fi
  t_up=$(mono_ns)
  for ((k = 1; k <= n; k++)); do logs+=("$(box_log "$dir" "$k")"); done
  mapfile -t pids < <(pids_of "$dir")
  starts=$("$FLOOR" starttime "${pids[@]}") || starts="null null"
  read -r first last <<<"$starts"
  res=$("$FLOOR" agree --since "$t0" --timeout-ms 60000 --poll-ms 50 "${logs[@]}") || true
  res=$(jq -c --argjson t0 "$t0" --argjson t_up "$t_up" --argjson first "$first" --argjson last "$last" \
    --argjson running "${#pids[@]}" '
    def r1: (. * 10 | round) / 10;
    {started: true, running_after_up: $running,
     cluster_up_s: (($t_up - $t0) / 1e7 | round / 100),
     starts_spread_s: (if $last != null then (($last - $first) / 1e7 | round / 100) else null end),
     agreed, leader, agreed_by, views, most_seen,
     agreement_after_last_start_ms: (if .agreed and $last != null then ((.last_ns - $last) / 1e6 | r1) else null end),
     agreement_after_launch_ms: (if .agreed then ((.last_ns - $t0) / 1e6 | r1) else null end),
     waited_ms}' <<<"$res")
  log "  $(jq -r 'if .agreed then "\(.leader) agreed by \(.agreed_by) of '"$n"', \(.agreement_after_last_start_ms) ms after the last start (all started in \(.starts_spread_s) s)" else "NO agreement within 60 s: \(.views)" end' <<<"$res")"
  # What electorctl sees through the control APIs, for the record.
  local waited
  waited=$("$CTL" cluster wait --dir "$dir" --timeout 30000 2>&1 | head -n 3 | tr '\n' ' ') || true
  res=$(jq -c --arg w "$waited" '. + {cluster_wait: $w}' <<<"$res")

  # Idle: CPU of every thread of every electord over idle_s seconds (schedstat), then memory.
  mapfile -t pids < <(pids_of "$dir")
  if ((${#pids[@]} > 0)); then
    # Joins are still being gossiped for a while after agreement: let them settle.
    sleep "${BENCH_SCALE_SETTLE_S:-10}"
    mapfile -t pids < <(pids_of "$dir")
    leader_pid=""
    if [ "$(jq -r .agreed <<<"$res")" = true ]; then
      leader_pid=$(box_pid "$dir" "$(jq -r '.leader | ltrimstr("box")' <<<"$res")")
    fi
    w0=$(mono_ns)
    cpu0=$(cpu_ns "${pids[@]}")
    lcpu0=0 lcpu1=0
    [ -n "$leader_pid" ] && lcpu0=$(cpu_ns "$leader_pid")
    sleep "$idle_s"
    cpu1=$(cpu_ns "${pids[@]}")
    [ -n "$leader_pid" ] && lcpu1=$(cpu_ns "$leader_pid")
    w1=$(mono_ns)
    cpu_json=$(jq -n --argjson c0 "$cpu0" --argjson c1 "$cpu1" --argjson l0 "$lcpu0" --argjson l1 "$lcpu1" \
      --argjson w0 "$w0" --argjson w1 "$w1" --argjson p "${#pids[@]}" '
      def r2: (. * 100 | round) / 100;
      {window_s: (($w1 - $w0) / 1e9 | r2), processes: $p,
       all_nodes_pct_of_one_core: (($c1 - $c0) / ($w1 - $w0) * 100 | r2),
       leader_pct_of_one_core: (($l1 - $l0) / ($w1 - $w0) * 100 | r2),
       per_follower_ms_per_s: ((($c1 - $c0) - ($l1 - $l0)) / ([$p - 1, 1] | max) / ($w1 - $w0) * 1000 | r2),
       target_all_nodes_pct: 10}')
    mem=$(mem_json "${pids[@]}")
    log "  idle CPU $(jq -r .all_nodes_pct_of_one_core <<<"$cpu_json")% of one core; RSS median $(jq -r .rss_mb.median <<<"$mem") MB, max $(jq -r .rss_mb.max <<<"$mem") MB"
  else
    mem='null'
  fi

  if [ "$(jq -r .agreed <<<"$res")" = true ] && ((reps > 0)) && [ ! -f "$dir.aborted" ]; then
    series="$BENCH_WORK/scale-$n.series.jsonl"
    : >"$series"
    # Each kill hits an established leader: 6 s after a restored box1 took the leadership back is
    # two far-heartbeat rounds at 450 (3 s each), so it has heard from every member.
    BENCH_SETTLE="${BENCH_SCALE_KILL_SETTLE_S:-6}" failover_series "$dir" "$n" KILL "$reps" 30000 "$series"
    fail_json=$(series_json "$series" | jq -c '. + {target: {p99_ms: 300}}')
  fi
  # Ask the cluster to stop while it is still measured: the time down takes is recorded too.
  w0=$(mono_ns)
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  bench_cluster_down "$dir"
  w1=$(mono_ns)
  local aborted=""
  [ -f "$dir.aborted" ] && aborted=$(<"$dir.aborted")
  [ -z "$aborted" ] || warn "scale: $n nodes aborted by the watchdog: $aborted"
  jq -n --argjson n "$n" --argjson res "$res" --argjson cpu "$cpu_json" --argjson mem "$mem" \
    --argjson fail "$fail_json" --argjson down "$(((w1 - w0) / 1000000))" --arg aborted "$aborted" \
    --argjson tcp_oom "$(($(dmesg 2>/dev/null | grep -c 'TCP: out of memory' || true) - ${tcp_oom0:-0}))" '
    {nodes: $n} + $res + {idle_cpu: $cpu, memory: $mem, crash_failover: $fail, cluster_down_ms: $down,
     aborted: (if $aborted == "" then null else $aborted end),
     kernel_tcp_out_of_memory_messages: $tcp_oom}'
}

scenario_scale() {
  local sizes="${BENCH_SCALE_SIZES:-450 1000}" n reps idle="${BENCH_SCALE_IDLE_S:-30}" runs=() foreign i
  for ((i = 0; i < 60; i++)); do
    foreign=$(foreign_electord | wc -l)
    [ "$foreign" = 0 ] && break
    ((i == 0)) && warn "scale: $foreign electord processes of someone else are running; waiting (up to 10 min) for them to go away"
    sleep 10
  done
  foreign=$(foreign_electord | wc -l)
  ((foreign == 0)) || warn "scale: running next to $foreign foreign electord processes"
  local opts="${BENCH_ELECTORD_OPTS:-}" placeholder
  scale_write() {
    printf '%s\n' "${runs[@]}" | jq -s --argjson f "$foreign" --arg opts "$opts" '
    {settings: {strategy: "priority", heartbeat_interval_ms: 100, election_delay_ms: 1000,
                quorum_size: "majority (the default)", extra_electord_options: $opts},
     foreign_electord_processes: $f,
     measured: "agreement: last process start (/proc starttime) to the last leader_changed naming the agreed leader; idle CPU: schedstat of every thread of every electord over the window; RSS: VmRSS, Pss: smaps_rollup; failover: as in crash",
     runs: .}'
  }
  for n in $sizes; do
    reps="${BENCH_SCALE_REPS:-3}"
    ((n >= 1000)) && reps="${BENCH_SCALE_REPS:-2}"
    # A placeholder first: if this run is killed outright while a size melts the machine down,
    # scale.json still says which size was running.
    placeholder="{\"nodes\":$n,\"completed\":false,\"note\":\"bench.sh was stopped while this size ran (started $(date -u +%H:%M:%SZ))\"}"
    runs+=("$placeholder")
    write_result scale "$(scale_write)" 2>/dev/null
    unset 'runs[-1]'
    runs+=("$(scale_one "$n" "$reps" "$idle" | jq -c '{completed: true} + .')")
    local r="${runs[-1]}"
    if [ "$(jq -r .agreed <<<"$r")" = true ]; then
      row scale "$n nodes: agreement after the last start" "$(jq -r '"\(.agreement_after_last_start_ms) ms (\(.leader) by \(.agreed_by))"' <<<"$r")" "≤ 5 s"
    else
      row scale "$n nodes: agreement" "$(jq -r '"none within 60 s: most agree on \(.most_seen) (\(.agreed_by))"' <<<"$r")" "one leader"
    fi
    row scale "$n nodes: idle CPU, all nodes together" "$(jq -r '"\(.idle_cpu.all_nodes_pct_of_one_core // "-")% of one core"' <<<"$r")" "≤ 10 %"
    row scale "$n nodes: RSS per node median / max" "$(jq -r '"\(.memory.rss_mb.median // "-") / \(.memory.rss_mb.max // "-") MB (Pss \(.memory.pss_mb.median // "-"))"' <<<"$r")" "≤ 8 MB"
    row scale "$n nodes: crash failover p50 / max" "$(jq -r 'if .crash_failover then "\(.crash_failover.p50_ms) / \(.crash_failover.max_ms) ms (\(.crash_failover.count) reps)" else "-" end' <<<"$r")" "p99 ≤ 300 ms"
    [ "$(jq -r '.aborted // ""' <<<"$r")" = "" ] || row scale "$n nodes: aborted" "$(jq -r .aborted <<<"$r")"
    # Written after every size, so that a later one that goes wrong loses nothing.
    write_result scale "$(scale_write)"
  done
}
