# run: `electorctl run` next to each of 3 electord processes; the leader's electord frozen
# (SIGSTOP), repeated: how soon the leader's runner stops its command on its own deadline, and
# whether the command is gone before a successor leads. Sourced by ./bench.sh.
#
# The command records "TERM PID NODE" in DIR/startsK (K = the box its runner watches) and execs
# sleep, so PID is the process to watch. elector-bench-floor kill-watch reads CLOCK_MONOTONIC,
# freezes the leader and wakes on the command's pidfd; the successor's leadership_acquired is the
# event log's t_mono_ns, on CLOCK_MONOTONIC as well.
# shellcheck shell=bash

# run_runners_up DIR N SIGTERM_HANDLING [RUN_OPTIONS...]: one `electorctl run` per box; pid files
# DIR/runK.pid (stopped by bench_cluster_down or run_runners_down). `ignore` makes the command
# ignore SIGTERM, so that only the runner's SIGKILL at its deadline stops it.
run_runners_up() {
  local dir="$1" n="$2" term="$3" k base trap_term=''
  shift 3
  base=$(jq -r .base_port "$dir/cluster.json")
  [ "$term" = ignore ] && trap_term="trap '' TERM; "
  for ((k = 1; k <= n; k++)); do
    : >"$dir/starts$k"
    # sleep 300: a command orphaned by a runner killed outright ends by itself.
    # shellcheck disable=SC2016 # expanded by the command's shell
    "$CTL" --control "127.0.0.1:$((base + 10000 + k))" run "$@" -- \
      sh -c "${trap_term}"'echo "$ELECTOR_TERM $$ $ELECTOR_NODE" >>"$0"; exec sleep 300' \
      "$dir/starts$k" </dev/null >/dev/null 2>"$dir/run$k.log" &
    echo $! >"$dir/run$k.pid"
  done
}

# run_runners_down DIR: SIGTERM to the runners (each passes it on to its command and exits), up
# to 3 s, then SIGKILL.
run_runners_down() {
  local dir="$1" f pid i
  bench_dir_signal "$dir" TERM "$dir"/run*.pid
  for f in "$dir"/run*.pid; do
    read -r pid <"$f"
    for ((i = 0; i < 150; i++)); do
      grep -qa -- "$dir/" "/proc/$pid/cmdline" 2>/dev/null || break
      sleep 0.02
    done
  done
  bench_dir_signal "$dir" KILL "$dir"/run*.pid
  rm -f "$dir"/run*.pid
}

# run_idle_check DIR N LEADER SECONDS: runners with electorctl run's default --grace and
# --margin for SECONDS without any fault; prints {window_s, command_starts, deadline_stops} of
# LEADER's runner (one start and no stop: the command ran throughout).
run_idle_check() {
  local dir="$1" n="$2" lk="${3#box}" secs="$4" starts stops
  run_runners_up "$dir" "$n" term
  sleep "$secs"
  run_runners_down "$dir"
  starts=$(grep -c "started the command" "$dir/run$lk.log" || true)
  stops=$(grep -c "stopping the command .*: the lease was not renewed in time" "$dir/run$lk.log" || true)
  jq -nc --argjson s "$secs" --argjson starts "$starts" --argjson stops "$stops" \
    '{window_s: $s, grace_ms: 50, margin_ms: 30, command_starts: $starts, deadline_stops: $stops}'
}

# run_alive PID: the process exists and is not a zombie.
run_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}

# run_command_of DIR K TERM: prints the pid of the command box K's runner started in TERM, if it
# still runs.
run_command_of() {
  local t p pid=''
  while read -r t p _; do [ "$t" = "$3" ] && pid=$p; done <"$1/starts$2"
  [ -n "$pid" ] && run_alive "$pid" && echo "$pid"
}

# run_wait_command DIR N LEADER TIMEOUT_MS: waits until LEADER's runner runs the command in
# LEADER's current term and no other runner runs one; prints "TERM PID".
run_wait_command() {
  local dir="$1" n="$2" lk="${3#box}" timeout="$4" base t0 term pid k p other
  base=$(jq -r .base_port "$dir/cluster.json")
  t0=$(date +%s%N)
  while (($(date +%s%N) - t0 < timeout * 1000000)); do
    term=$("$CTL" --control "127.0.0.1:$((base + 10000 + lk))" term 2>/dev/null) || term=''
    if [ -n "$term" ] && pid=$(run_command_of "$dir" "$lk" "$term"); then
      other=0
      for ((k = 1; k <= n; k++)); do
        [ "$k" = "$lk" ] && continue
        while read -r _ p _; do run_alive "$p" && other=1; done <"$dir/starts$k"
      done
      if ((other == 0)); then
        echo "$term $pid"
        return 0
      fi
    fi
    sleep 0.02
  done
  return 1
}

# run_first_acquired SINCE LOG...: the earliest leadership_acquired at or after SINCE in the
# logs, as "T_MONO_NS NODE TERM" (nothing if none).
run_first_acquired() {
  local since="$1"
  shift
  jq -r --argjson t "$since" \
    'select(.event == "leadership_acquired" and .t_mono_ns >= $t) | "\(.t_mono_ns) \(.node) \(.term)"' \
    "$@" 2>/dev/null | sort -n | head -n1
}

# run_series DIR N REPS OUT: REPS rounds; one JSON line per round into OUT.
run_series() {
  local dir="$1" n="$2" reps="$3" out="$4"
  local rep leader lk k logs term cmd epid res t agree acq lost said rc t0 t1 newleader retries=0
  leader=$(wait_leader "$dir" 60000 box1 2>/dev/null) || leader=$(wait_leader "$dir" 60000) ||
    die "run: no leader agreed in $dir"
  for ((rep = 1; rep <= reps; rep++)); do
    lk="${leader#box}"
    if ! read -r term cmd < <(run_wait_command "$dir" "$n" "$leader" 30000); then
      warn "run: round $rep: $leader's runner did not run the command alone within 30 s; stopping"
      return 0
    fi
    # Let the runner renew the lease a while (every 60-90 ms at T = 100 ms).
    sleep "${BENCH_RUN_SETTLE:-1}"
    if ! run_alive "$cmd"; then
      ((++retries <= 10)) || die "run: the command keeps stopping before the freeze ($dir/run$lk.log)"
      warn "run: round $rep: the command $cmd stopped before the freeze; trying again"
      rep=$((rep - 1))
      continue
    fi
    logs=()
    for ((k = 1; k <= n; k++)); do
      [ "$k" = "$lk" ] || logs+=("$(box_log "$dir" "$k")")
    done
    epid=$(box_pid "$dir" "$lk")
    rc=0
    res=$("$FLOOR" kill-watch --timeout-ms 10000 STOP "$epid" "$cmd") || rc=$?
    if ((rc == 3)); then
      ((++retries <= 10)) || die "run: the command keeps stopping before the freeze ($dir/run$lk.log)"
      warn "run: round $rep: the command $cmd ended just before the freeze; trying again"
      rep=$((rep - 1))
      continue
    fi
    [ -n "$res" ] || die "run: elector-bench-floor kill-watch failed (exit $rc)"
    t=$(jq .fault_ns <<<"$res")
    agree=$("$FLOOR" agree --since "$t" --exclude "$leader" --timeout-ms 10000 --poll-ms 20 "${logs[@]}") ||
      true
    acq=$(run_first_acquired "$t" "${logs[@]}")
    t0=$(mono_ns)
    newleader=$(restore "$dir" "$leader" thaw 60000) || newleader=''
    t1=$(mono_ns)
    # Written when the frozen node runs again: the end of its lease, on CLOCK_MONOTONIC.
    lost=$(jq -r --argjson t "$t" \
      'select(.event == "leadership_lost" and .t_mono_ns >= $t) | .effective_mono_ns' \
      "$(box_log "$dir" "$lk")" 2>/dev/null | head -n1)
    said=$({ grep -F "(pid $cmd)" "$dir/run$lk.log" || true; } | sed 's/^electorctl run: //' |
      jq -R . | jq -sc .)
    # shellcheck disable=SC2086 # acq is "T NODE TERM" or empty
    res=$(jq -c --argjson rep "$rep" --arg leader "$leader" --argjson term "$term" \
      --argjson cmd "$cmd" --argjson agree "${agree:-null}" --arg acq "$acq" \
      --argjson lost "${lost:-null}" --argjson said "$said" \
      --argjson restore_ms "$(((t1 - t0) / 1000000))" --arg restored "${newleader:+true}" '
      def ms: (. / 1000 | round) / 1000;
      ($acq | split(" ")) as $a
      | {round: $rep, leader: $leader, term: $term, command_pid: $cmd, fault_ns: .fault_ns,
         stopped: .gone, stopped_ns: .gone_ns,
         freeze_to_stopped_ms: (if .gone then ((.gone_ns - .fault_ns) | ms) else null end)}
      + (if ($a | length) == 3 then
           {successor: $a[1], successor_term: ($a[2] | tonumber),
            successor_acquired_ns: ($a[0] | tonumber),
            freeze_to_successor_ms: ((($a[0] | tonumber) - .fault_ns) | ms)}
         else {successor: null} end)
      | . + {stopped_before_successor: (if .successor == null then null
               else (.stopped and .stopped_ns < .successor_acquired_ns) end),
             margin_ms: (if .successor != null and .stopped
               then ((.successor_acquired_ns - .stopped_ns) | ms) else null end),
             lease_end_ns: $lost,
             stopped_before_lease_end_ms: (if $lost != null and .stopped
               then (($lost - .stopped_ns) | ms) else null end),
             agreed_on: (if $agree != null and $agree.agreed then $agree.leader else null end),
             runner_said: $said, restored: ($restored == "true"), restore_ms: $restore_ms}' \
      <<<"$res")
    echo "$res" >>"$out"
    log "  round $rep/$reps: $(jq -r '"\(.leader) frozen: command gone after \(.freeze_to_stopped_ms // "NEVER (10 s)") ms, \(.successor // "no successor") acquired after \(.freeze_to_successor_ms // "-") ms, margin \(.margin_ms // "-") ms"' <<<"$res")"
    if [ "$(jq .stopped_before_successor <<<"$res")" = false ]; then
      warn "run: round $rep: THE COMMAND WAS NOT GONE BEFORE THE SUCCESSOR LED: $res"
    fi
    [ -n "$newleader" ] || {
      warn "run: the cluster did not recover after round $rep; stopping this series"
      return 0
    }
    leader="$newleader"
  done
}

# run_series_json FILE REPS SIGTERM_HANDLING: the statistics of a series file.
run_series_json() {
  local file="$1" stopped successor margin
  stopped=$(jq -r 'select(.stopped) | .freeze_to_stopped_ms' "$file" | stats_json)
  successor=$(jq -r 'select(.successor != null) | .freeze_to_successor_ms' "$file" | stats_json)
  margin=$(jq -r 'select(.margin_ms != null) | .margin_ms' "$file" | stats_json)
  jq -s --argjson reps "$2" --arg term "$3" --argjson stopped "$stopped" \
    --argjson successor "$successor" --argjson margin "$margin" '
    {command: (if $term == "ignore" then "ignores SIGTERM: stopped by the runner'"'"'s SIGKILL"
               else "leaves on SIGTERM" end),
     repetitions: $reps, rounds: length,
     freeze_to_stopped: $stopped, freeze_to_successor: $successor,
     stopped_to_successor_margin: $margin,
     exceptions: map(select(.stopped_before_successor == false)) | length,
     not_stopped: map(select(.stopped | not)) | length,
     no_successor: map(select(.successor == null)) | length,
     stopped_before_lease_end_min_ms: ([.[] | .stopped_before_lease_end_ms // empty] | min),
     samples_freeze_to_stopped_ms: map(.freeze_to_stopped_ms),
     rounds_detail: .}' "$file"
}

scenario_run() {
  local reps="${BENCH_RUN_REPS:-30}" n=3 how label kinds base=15400 dir series runs=() json
  local grace="${BENCH_RUN_GRACE:-50}" margin="${BENCH_RUN_MARGIN:-30}" idle_s=10 idle=null leader
  kinds="${BENCH_RUN_COMMANDS:-term ignore}"
  if [ "$BENCH_SMOKE" = 1 ]; then
    reps="${BENCH_RUN_REPS:-3}"
    kinds="${BENCH_RUN_COMMANDS:-term}"
    idle_s=2
  fi
  for how in $kinds; do
    case "$how" in
      term) label="obeys TERM" ;;
      ignore) label="ignores TERM" ;;
      *) die "BENCH_RUN_COMMANDS: \"$how\" is neither term nor ignore" ;;
    esac
    # shellcheck disable=SC2086 # BENCH_ELECTORD_OPTS is a list of options
    dir=$(bench_cluster_up "run-$how" "$n" "$base" ${BENCH_ELECTORD_OPTS:-})
    base=$((base + 10))
    if [ "$idle" = null ]; then
      leader=$(wait_leader "$dir" 60000 box1 2>/dev/null) || die "run: box1 did not lead in $dir"
      log "run: $n nodes, electorctl run's defaults (--grace 50 --margin 30), $idle_s s without a fault"
      idle=$(run_idle_check "$dir" "$n" "$leader" "$idle_s")
      row run "defaults 50/30, no fault: starts in $idle_s s" \
        "$(jq -r '"\(.command_starts) (\(.deadline_stops) stopped for the deadline)"' <<<"$idle")" "1"
    fi
    log "run: $n nodes, electorctl run --grace $grace --margin $margin each (command $label), $reps freezes of the leader"
    run_runners_up "$dir" "$n" "$how" --grace "$grace" --margin "$margin"
    series="$BENCH_WORK/run-$how.series.jsonl"
    : >"$series"
    run_series "$dir" "$n" "$reps" "$series"
    bench_cluster_down "$dir"
    runs+=("$(run_series_json "$series" "$reps" "$how" | jq -c .)")
    json="${runs[-1]}"
    row run "$label: freeze to gone p50 / p99 / max" \
      "$(jq -r '.freeze_to_stopped | "\(.p50_ms) / \(.p99_ms) / \(.max_ms) ms"' <<<"$json")"
    row run "$label: freeze to successor p50 / min" \
      "$(jq -r '.freeze_to_successor | "\(.p50_ms) / \(.min_ms) ms"' <<<"$json")"
    row run "$label: gone to successor, min margin" \
      "$(jq -r '"\(.stopped_to_successor_margin.min_ms // "-") ms"' <<<"$json")" "> 0"
    row run "$label: exceptions (not gone first)" \
      "$(jq -r '"\(.exceptions) of \(.rounds) (not stopped \(.not_stopped), no successor \(.no_successor))"' <<<"$json")" "0"
  done
  json=$(printf '%s\n' "${runs[@]}" | jq -s --argjson n "$n" --arg opts "${BENCH_ELECTORD_OPTS:-}" \
    --argjson grace "$grace" --argjson margin "$margin" --argjson idle "$idle" '
    {nodes: $n, fault: "SIGSTOP of the leader'"'"'s electord (its runner keeps running; thawed after the round)",
     settings: {strategy: "priority", heartbeat_interval_ms: 100, lease_ms: 350,
                follower_promise_ms: 400, election_delay_ms: 1000, quorum: "majority (2 of 3)",
                run_grace_ms: $grace, run_margin_ms: $margin, extra_electord_options: $opts},
     measured: "freeze (CLOCK_MONOTONIC right before kill(2)) to the command'"'"'s exit (its pidfd woke) and to the first leadership_acquired of another node (event log t_mono_ns, CLOCK_MONOTONIC); margin = successor acquired - command gone",
     exceptions: (map(.exceptions) | add), run_defaults_without_fault: $idle, runs: .}')
  write_result run "$json"
  if [ "$(jq .exceptions <<<"$json")" != 0 ]; then
    warn "run: $(jq .exceptions <<<"$json") ROUND(S) WHERE THE COMMAND OUTLIVED THE SUCCESSOR'S ACQUISITION: see $BENCH_RESULTS/run.json"
  fi
}
