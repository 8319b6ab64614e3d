# stability: does the leadership stay put while its leader lives? Leader changes and `leader_lost`
# elections counted from the event logs over a quiet window, under random packet loss (iptables'
# statistic match on the loopback of a network namespace made for the run), in the simulator with
# a jittery RTT and loss, and with every core saturated by a CPU hog; failovers measured under
# loss; and cold starts of growing clusters with every setting at its default, which should change
# each node's leader once (the first agreement). Needs root for the namespace.
# shellcheck shell=bash

# stab_window_s: the quiet window of each profile (s).
stab_window_s() {
  if [ "$BENCH_SMOKE" = 1 ]; then echo "${BENCH_STABILITY_S:-60}"; else echo "${BENCH_STABILITY_S:-600}"; fi
}

# stab_netns LOSS: creates a network namespace with its loopback up, dropping LOSS (a probability,
# 0 for none) of the packets it receives; prints its name. Deleted by bench_cleanup.
stab_netns() {
  local loss="$1" ns="elector-bench-$$-$RANDOM"
  ip netns add "$ns" || return 1
  echo "$ns" >>"$BENCH_WORK/netns.list"
  ip netns exec "$ns" ip link set lo up
  if [ "$loss" != 0 ]; then
    ip netns exec "$ns" iptables -A INPUT -m statistic --mode random --probability "$loss" -j DROP
  fi
  echo "$ns"
}

# stab_ctl NS: a wrapper of electorctl that runs it in NS (the boxes it starts live there too);
# prints its path.
stab_ctl() {
  local f="$BENCH_WORK/electorctl-$1"
  printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$1" "$BENCH_BUILD/bin/electorctl" >"$f"
  chmod +x "$f"
  echo "$f"
}

# stab_count FROM_NS TO_NS LOG...: what the event logs say happened in [FROM, TO): leader changes
# (to a leader or to none), elections by reason, leaderships lost; as JSON.
stab_count() {
  local from="$1" to="$2"
  shift 2
  jq -n --argjson from "$from" --argjson to "$to" '
    [inputs | select(.t_mono_ns >= $from and .t_mono_ns < $to)] as $e
    | {leader_changes: ($e | map(select(.event == "leader_changed")) | length),
       leader_changes_to_none: ($e | map(select(.event == "leader_changed" and .leader == null)) | length),
       leader_lost_elections: ($e | map(select(.event == "election_started" and .reason == "leader_lost")) | length),
       elections_by_reason: ($e | map(select(.event == "election_started") | .reason)
         | group_by(.) | map({(.[0]): length}) | add // {}),
       leaderships_lost: ($e | map(select(.event == "leadership_lost")) | length),
       nodes_with_changes: ($e | map(select(.event == "leader_changed") | .node) | unique)}' "$@"
}

# stab_quiet DIR N SECONDS: waits SECONDS and counts what happened meanwhile (stab_count).
stab_quiet() {
  local dir="$1" n="$2" s="$3" k logs=() t0 t1
  for ((k = 1; k <= n; k++)); do logs+=("$(box_log "$dir" "$k")"); done
  t0=$(mono_ns)
  sleep "$s"
  t1=$(mono_ns)
  stab_count "$t0" "$t1" "${logs[@]}" | jq -c --argjson s "$s" '{window_s: $s} + .'
}

# stab_loss NAME LOSS: 5 boxes in a namespace that drops LOSS of its packets: a quiet window, then
# kill -9 and SIGSTOP failovers of the leader under the same loss.
stab_loss() {
  local name="$1" loss="$2" n=5 ns dir quiet reps="${BENCH_STABILITY_FAULTS:-10}" kill_s freeze_s
  [ "$BENCH_SMOKE" = 1 ] && reps="${BENCH_STABILITY_FAULTS:-2}"
  local CTL
  ns=$(stab_netns "$loss") || die "stability: cannot create a network namespace (needs root)"
  CTL=$(stab_ctl "$ns")
  log "stability $name: $n nodes, ${loss} random loss, $(stab_window_s) s quiet, $reps kills and $reps freezes"
  # shellcheck disable=SC2086 # BENCH_ELECTORD_OPTS is a list of options
  dir=$(bench_cluster_up "stab-$name" "$n" 15400 ${BENCH_ELECTORD_OPTS:-}) || die "stability $name: no cluster"
  wait_leader "$dir" 60000 box1 >/dev/null || warn "stability $name: box1 did not lead before the window"
  quiet=$(stab_quiet "$dir" "$n" "$(stab_window_s)")
  log "  quiet: $(jq -r '"\(.leader_changes) leader changes, \(.leader_lost_elections) leader_lost elections"' <<<"$quiet")"
  kill_s="$BENCH_WORK/stab-$name-kill.series.jsonl"
  freeze_s="$BENCH_WORK/stab-$name-freeze.series.jsonl"
  : >"$kill_s"
  : >"$freeze_s"
  failover_series "$dir" "$n" KILL "$reps" 10000 "$kill_s"
  failover_series "$dir" "$n" STOP "$reps" 12000 "$freeze_s"
  bench_cluster_down "$dir"
  jq -n --arg name "$name" --argjson loss "$loss" --argjson quiet "$quiet" \
    --argjson kill "$(series_json "$kill_s")" --argjson freeze "$(series_json "$freeze_s")" '
    {profile: $name, nodes: 5, random_loss: $loss, strategy: "priority", quiet: $quiet,
     kill: ($kill | del(.repetitions_detail)), freeze: ($freeze | del(.repetitions_detail)),
     target: {leader_changes: 0, leader_lost_elections: 0}}'
}

# stab_sim: the simulator with a one-way latency of 5-15 ms (an RTT of 20 ms +- 10 ms) and 5 %
# loss of every packet (a stream's lost segment retransmitted after 200 ms, doubling, as over TCP),
# 5 nodes, a majority quorum: changes after the first agreement.
stab_sim() {
  local s out="$BENCH_WORK/stab-sim.txt" rc=0 seed="${BENCH_SIM_SEED:-1}"
  s=$(stab_window_s)
  log "stability sim: 5 nodes, latency 5-15 ms, 5 % loss, $s s simulated"
  "$SIM" --nodes 5 --seed "$seed" --quorum-size 0 --loss 0.05 --latency-ms 5 15 --tcp \
    --duration-ms $((s * 1000 + 5000)) --trace >"$out" 2>&1 || rc=$?
  # event t=1234ms box2#1 leader_changed leader=box1 term=1; the window begins 5 s in, after the
  # first agreement.
  awk -v rc="$rc" -v seed="$seed" -v s="$s" '
    /^event / {
      t = substr($2, 3) + 0
      if (t < 5000) next
      if ($4 == "leader_changed") { changes++; if ($5 == "leader=none") none++ }
      if ($4 == "election_started") for (i = 5; i <= NF; i++) if ($i == "reason=leader_lost") lost++
      if ($4 == "leadership_lost") llost++
    }
    /^violations=/ { split($1, v, "="); viol = v[2] }
    END {
      printf "{\"profile\":\"sim\",\"nodes\":5,\"seed\":%s,\"one_way_latency_ms\":[5,15],\"loss\":0.05,\"tcp_retransmission_ms\":200,\"quorum\":\"majority\",", seed
      printf "\"exit_code\":%d,\"violations\":%s,\"quiet\":{\"window_s\":%s,\"leader_changes\":%d,\"leader_changes_to_none\":%d,\"leader_lost_elections\":%d,\"leaderships_lost\":%d},", rc, (viol == "" ? "null" : viol), s, changes, none, lost, llost
      printf "\"target\":{\"leader_changes\":0,\"leader_lost_elections\":0}}\n"
    }' "$out"
}

# stab_hog N: N boxes, then a busy loop per core at normal priority for the quiet window.
stab_hog() {
  local n="$1" dir quiet hogs=() k cores
  cores=$(nproc)
  log "stability hog: $n nodes, $cores busy loops, $(stab_window_s) s quiet"
  # shellcheck disable=SC2086 # BENCH_ELECTORD_OPTS is a list of options
  dir=$(bench_cluster_up "stab-hog" "$n" 15000 ${BENCH_ELECTORD_OPTS:-}) || die "stability hog: no cluster"
  wait_leader "$dir" 120000 >/dev/null || warn "stability hog: no agreement before the window"
  sleep "${BENCH_SCALE_SETTLE_S:-10}"
  for ((k = 0; k < cores; k++)); do
    bash -c 'while :; do :; done' &
    hogs+=($!)
  done
  quiet=$(stab_quiet "$dir" "$n" "$(stab_window_s)")
  kill "${hogs[@]}" 2>/dev/null || true
  wait "${hogs[@]}" 2>/dev/null || true
  bench_cluster_down "$dir"
  log "  quiet: $(jq -r '"\(.leader_changes) leader changes, \(.leader_lost_elections) leader_lost elections"' <<<"$quiet")"
  jq -n --argjson n "$n" --argjson hogs "$cores" --argjson quiet "$quiet" '
    {profile: "cpu_hog", nodes: $n, busy_loops: $hogs, strategy: "priority", quiet: $quiet,
     target: {leader_changes: 0, leader_lost_elections: 0}}'
}

# stab_cold_once N REP: N boxes launched together with every setting at its default; each node's
# leader changes from the launch until a settle window after agreement.
stab_cold_once() {
  local n="$1" rep="$2" dir t0 k logs=() res counts settle="${BENCH_STABILITY_COLD_SETTLE_S:-20}"
  dir="$BENCH_WORK/stab-cold-$n-$rep"
  mkdir -p "$dir"
  t0=$(mono_ns)
  if ! "$CTL" cluster up "$n" --dir "$dir" --base-port 15000 >"$dir.up.log" 2>&1; then
    bench_cluster_down "$dir"
    jq -n --argjson rep "$rep" '{rep: $rep, started: false}'
    return 0
  fi
  for ((k = 1; k <= n; k++)); do logs+=("$(box_log "$dir" "$k")"); done
  res=$("$FLOOR" agree --since "$t0" --timeout-ms 120000 --poll-ms 50 "${logs[@]}") || true
  [ -n "$res" ] || res='{"agreed":false}'
  sleep "$settle"
  # Up to now: the boxes' own leader_changed to none when they stop comes after.
  counts=$(jq -n --argjson from "$t0" --argjson to "$(mono_ns)" '
    [inputs | select(.t_mono_ns >= $from and .t_mono_ns < $to and .event == "leader_changed"
                     and .leader != null)]
    | group_by(.node) | map({node: .[0].node, changes: length, leaders: (map(.leader) | unique)})
    | {nodes_seen: length,
       nodes_with_more_than_one: map(select(.changes > 1)) | length,
       extra_changes: (map(.changes - 1) | add // 0),
       leaders_named: (map(.leaders[]) | unique)}' "${logs[@]}")
  bench_cluster_down "$dir"
  log "  $n nodes, rep $rep: $(jq -r '"\(.nodes_with_more_than_one) nodes changed leader more than once (\(.extra_changes) extra changes); leaders named: \(.leaders_named | join(" "))"' <<<"$counts")"
  jq -n --argjson rep "$rep" --argjson res "$res" --argjson counts "$counts" --argjson t0 "$t0" '
    {rep: $rep, started: true, agreed: $res.agreed, leader: $res.leader,
     agreement_after_launch_ms: (if $res.agreed then (($res.last_ns - $t0) / 1e6 | round) else null end)}
    + $counts'
}

# stab_cold N: stab_cold_once, repeated (BENCH_STABILITY_COLD_REPS: 3 up to 100 nodes, else 1).
stab_cold() {
  local n="$1" reps rep runs=()
  reps="${BENCH_STABILITY_COLD_REPS:-$((n <= 100 ? 3 : 1))}"
  log "stability cold start: $n nodes, default settings, $reps launches"
  for ((rep = 1; rep <= reps; rep++)); do runs+=("$(stab_cold_once "$n" "$rep")"); done
  printf '%s\n' "${runs[@]}" | jq -s --argjson n "$n" \
    --argjson settle "${BENCH_STABILITY_COLD_SETTLE_S:-20}" '
    {nodes: $n, launches: length, strategy: "uptime_high (default)",
     settle_after_agreement_s: $settle,
     agreed: (map(select(.agreed)) | length),
     extra_changes: (map(.extra_changes // 0) | add),
     launches_with_extra_changes: (map(select((.extra_changes // 0) > 0)) | length),
     agreement_after_launch_ms: map(.agreement_after_launch_ms),
     runs: ., target: {extra_changes: 0}}'
}

scenario_stability() {
  local profiles=() sizes hog_n json
  [ "$(id -u)" = 0 ] || die "stability needs root (network namespaces, iptables)"
  if [ "$BENCH_SMOKE" = 1 ]; then
    sizes="${BENCH_STABILITY_COLD:-5 100}"
    hog_n="${BENCH_STABILITY_HOG_NODES:-50}"
  else
    sizes="${BENCH_STABILITY_COLD:-5 100 450 1000}"
    hog_n="${BENCH_STABILITY_HOG_NODES:-450}"
  fi
  local only=" ${BENCH_STABILITY_PROFILES:-loss1 loss5 sim hog cold} "
  [[ "$only" != *" loss1 "* ]] || profiles+=("$(stab_loss loss1 0.01)")
  [[ "$only" != *" loss5 "* ]] || profiles+=("$(stab_loss loss5 0.05)")
  [[ "$only" != *" sim "* ]] || profiles+=("$(stab_sim)")
  [[ "$only" != *" hog "* ]] || profiles+=("$(stab_hog "$hog_n")")
  local cold=() n
  [[ "$only" == *" cold "* ]] || sizes=""
  for n in $sizes; do cold+=("$(stab_cold "$n")"); done
  json=$(jq -n --argjson window "$(stab_window_s)" --arg opts "${BENCH_ELECTORD_OPTS:-}" \
    --argjson profiles "$(printf '%s\n' "${profiles[@]+"${profiles[@]}"}" | jq -s .)" \
    --argjson cold "$(printf '%s\n' "${cold[@]+"${cold[@]}"}" | jq -s .)" '
    {window_s: $window, extra_electord_options: $opts,
     settings: "electord defaults (T = 100 ms, a majority quorum) except the strategy: priority in the loss and hog profiles, so that failovers are measured as in crash and freeze; the cold starts use every default",
     measured: "leader_changed and election_started events in the nodes event logs (t_mono_ns) within the quiet window; loss by iptables -m statistic --mode random on the loopback of a network namespace",
     profiles: $profiles, cold_starts: $cold}')
  # Each profile says when and on which commit it ran; profiles not run this time are kept from
  # the previous result file, so that a long profile can be run again alone.
  local at prev="$BENCH_WORK/previous-stability.json"
  at=$(machine_json | jq -c '{commit, date, dirty_tree}')
  json=$(jq --argjson at "$at" '.profiles |= map(. + {run: $at}) | .cold_starts |= map(. + {run: $at})' <<<"$json")
  if [ -f "$prev" ] && jq -e .profiles "$prev" >/dev/null 2>&1; then
    json=$(jq --slurpfile p "$prev" '
      ($p[0].machine | {commit, date, dirty_tree}) as $when
      | ($p[0] | [(.profiles // [] | map({run: $when} + .)), (.cold_starts // [] | map({run: $when} + .))])
        as [$old_profiles, $old_cold]
      | ([.profiles[].profile]) as $ran | ([.cold_starts[].nodes]) as $ran_cold
      | .profiles = ([$old_profiles[] | select(.profile as $x | $ran | index($x) | not)] + .profiles)
      | .cold_starts = ([$old_cold[] | select(.nodes as $x | $ran_cold | index($x) | not)]
                        + .cold_starts | sort_by(.nodes))' <<<"$json")
  fi
  write_result stability "$json"
  local p
  for p in $(jq -r '.profiles[].profile' <<<"$json"); do
    row stability "$p: leader changes / leader_lost elections in the quiet window" \
      "$(jq -r --arg p "$p" '.profiles[] | select(.profile == $p) | "\(.quiet.leader_changes) / \(.quiet.leader_lost_elections) in \(.quiet.window_s) s"' <<<"$json")" "0 / 0"
  done
  for p in $(jq -r '.profiles[] | select(.kill) | .profile' <<<"$json"); do
    row stability "$p: kill -9 / SIGSTOP failover p50, p99" \
      "$(jq -r --arg p "$p" '.profiles[] | select(.profile == $p) | "\(.kill.p50_ms), \(.kill.p99_ms) / \(.freeze.p50_ms), \(.freeze.p99_ms) ms"' <<<"$json")"
  done
  for n in $(jq -r '.cold_starts[].nodes' <<<"$json"); do
    row stability "cold start of $n: extra leader changes" \
      "$(jq -r --argjson n "$n" '.cold_starts[] | select(.nodes == $n) | "\(.extra_changes) in \(.launches) launches (\(.agreed) agreed)"' <<<"$json")" "0"
  done
}
