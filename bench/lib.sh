# Shared by ./bench.sh and bench/scenarios/*.sh (sourced, bash).
#
# Every cluster is started by `electorctl cluster up` under $BENCH_WORK on 127.0.0.1, registered
# with bench_cluster_up, and stopped at exit whatever happens (trap in ./bench.sh): `cluster down`,
# then SIGKILL by the PIDs of its pid files. Times of faults and of agreement are CLOCK_MONOTONIC
# nanoseconds: the fault's from elector-bench-floor (stamped right before the signal), the
# agreement's from the nodes' event logs (t_mono_ns); the 20 ms polls only decide when to look.
# shellcheck shell=bash

BENCH_ROOT="${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
BENCH_BUILD="${BENCH_BUILD:-$BENCH_ROOT/build-bench}"
CTL="$BENCH_BUILD/bin/electorctl"
FLOOR="$BENCH_BUILD/bin/elector-bench-floor"
export SIM="$BENCH_BUILD/bin/elector-sim"
export ELECTORD="$BENCH_BUILD/bin/electord"
BENCH_RESULTS="${BENCH_RESULTS:-$BENCH_ROOT/bench/results}"
BENCH_WORK="${BENCH_WORK:-}"
BENCH_SMOKE="${BENCH_SMOKE:-0}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
warn() { printf '[bench %s] warning: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  printf '[bench] error: %s\n' "$*" >&2
  exit 1
}

mono_ns() { "$FLOOR" now; }

# The machine, for every result file.
machine_json() {
  local model mem_kb build_type
  # What the build directory was configured as (BENCH_BUILD may be another build than build-bench/).
  build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BENCH_BUILD/CMakeCache.txt" 2>/dev/null || true)
  model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
  mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
  jq -n --arg model "${model:-unknown}" --arg kernel "$(uname -sr)" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg host "$(uname -m)" \
    --argjson nproc "$(nproc)" --argjson mem_kb "${mem_kb:-0}" --arg build_type "${build_type:-unknown}" \
    --arg commit "$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --arg dirty "$(git -C "$BENCH_ROOT" status --porcelain --untracked-files=no -- . ':!bench/results' \
      ':!docs/bench-*.png' 2>/dev/null | head -c1)" \
    '{nproc: $nproc, model_name: $model, arch: $host, kernel: $kernel, date: $date,
      mem_total_mb: ($mem_kb / 1024 | floor), commit: $commit, dirty_tree: ($dirty != ""),
      build_type: $build_type}'
}

# stats_json: numbers on stdin (one per line, in ms) -> {count, min_ms, p50_ms, p90_ms, p99_ms,
# max_ms, mean_ms}. Percentiles are nearest-rank: p99 of 30 samples is the largest.
stats_json() {
  jq -s '
    def r3: (. * 1000 | round) / 1000;
    map(select(type == "number")) | sort as $s | ($s | length) as $n
    | def pct(p): $s[([((p * $n) | ceil) - 1, 0] | max)];
      if $n == 0 then {count: 0}
      else {count: $n, min_ms: ($s[0] | r3), p50_ms: (pct(0.5) | r3), p90_ms: (pct(0.9) | r3),
            p99_ms: (pct(0.99) | r3), max_ms: ($s[$n - 1] | r3),
            mean_ms: (($s | add) / $n | r3)} end'
}

# write_result NAME JSON: validates and writes $BENCH_RESULTS/NAME.json, with the machine added.
write_result() {
  local name="$1" json="$2" file="$BENCH_RESULTS/$1.json"
  mkdir -p "$BENCH_RESULTS"
  jq -e --argjson machine "$(machine_json)" --arg scenario "$name" \
    '{scenario: $scenario} + . + {machine: $machine}' <<<"$json" >"$file.tmp" ||
    die "$name: the result is not valid JSON"
  mv "$file.tmp" "$file"
  log "$name: wrote ${file#"$BENCH_ROOT"/}"
}

# Rows of the final table: row SCENARIO WHAT VALUE [TARGET]
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" | tee -a "$BENCH_WORK/rows.tsv" >/dev/null; }

print_rows() {
  [ -s "$BENCH_WORK/rows.tsv" ] || return 0
  printf '\n%-10s  %-52s  %-34s  %s\n' SCENARIO WHAT MEASURED TARGET
  printf '%-10s  %-52s  %-34s  %s\n' ---------- ---- -------- ------
  while IFS=$'\t' read -r s w v t; do
    printf '%-10s  %-52s  %-34s  %s\n' "$s" "$w" "$v" "$t"
  done <"$BENCH_WORK/rows.tsv"
}

# fmt_ms X: "12.3 ms" (or "-" for null)
fmt_ms() { jq -rn --argjson v "${1:-null}" 'if $v == null then "-" else "\($v * 10 | round / 10) ms" end'; }

# ---------------------------------------------------------------------------------------------
# Clusters

# bench_cluster_up NAME N BASE [electord options...]: a fresh cluster in $BENCH_WORK/NAME; prints
# its directory. Always --strategy priority (box1 leads, as in king's demo).
bench_cluster_up() {
  local name="$1" n="$2" base="$3"
  shift 3
  local dir="$BENCH_WORK/$name"
  mkdir -p "$dir"
  "$CTL" cluster up "$n" --dir "$dir" --base-port "$base" --strategy priority "$@" >"$dir.up.log" 2>&1 || {
    cat "$dir.up.log" >&2
    return 1
  }
  echo "$dir"
}

bench_cluster_down() {
  local dir="$1" f pid
  # Processes a scenario started next to the cluster (DIR/run*.pid: `electorctl run`, whose
  # command line names DIR): SIGTERM first, which each passes on to its command.
  bench_dir_signal "$dir" TERM "$dir"/run*.pid
  if [ -f "$dir/cluster.json" ]; then "$CTL" cluster down --dir "$dir" >/dev/null 2>&1 || true; fi
  bench_dir_signal "$dir" KILL "$dir"/run*.pid
  for f in "$dir"/box*/pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    [ -n "$pid" ] || continue
    # Only our own box: the pid must still be an electord of this directory.
    if grep -qa -- "$dir/" "/proc/$pid/cmdline" 2>/dev/null; then
      kill -CONT "$pid" 2>/dev/null || true
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

# bench_dir_signal DIR SIGNAL PIDFILE...: SIGNAL to each pid file's process whose command line
# still names DIR.
bench_dir_signal() {
  local dir="$1" sig="$2" f pid
  shift 2
  for f in "$@"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    [ -n "$pid" ] || continue
    if grep -qa -- "$dir/" "/proc/$pid/cmdline" 2>/dev/null; then kill "-$sig" "$pid" 2>/dev/null || true; fi
  done
  return 0
}

# Every cluster ever started under $BENCH_WORK (bench_cluster_up often runs in a subshell, so
# the directories are found again rather than remembered).
bench_cleanup() {
  local f ns
  [ -n "$BENCH_WORK" ] && [ -d "$BENCH_WORK" ] || return 0
  for f in "$BENCH_WORK"/*/cluster.json; do
    [ -f "$f" ] && bench_cluster_down "$(dirname "$f")"
  done
  # The network namespaces a scenario made (stability), once their processes are gone.
  if [ -f "$BENCH_WORK/netns.list" ]; then
    while read -r ns; do ip netns del "$ns" 2>/dev/null || true; done <"$BENCH_WORK/netns.list"
  fi
  return 0
}

box_pid() {
  local pid
  read -r pid <"$1/box$2/pid"
  echo "$pid"
}
box_log() { echo "$1/box$2/events.jsonl"; }

# pids_of DIR: the running boxes' pids, one per line. No process per box: with a thousand boxes
# on a saturated machine every fork counts.
pids_of() {
  local f pid
  for f in "$1"/box*/pid; do
    [ -f "$f" ] || continue
    read -r pid <"$f" || continue
    [ -d "/proc/$pid" ] && echo "$pid"
  done
  return 0
}

# wait_leader DIR TIMEOUT_MS [NAME]: `cluster wait`; prints the agreed leader's name.
wait_leader() {
  local dir="$1" timeout="$2" out
  if [ -n "${3:-}" ]; then
    out=$("$CTL" cluster wait --dir "$dir" --timeout "$timeout" --expect "$3" 2>&1) || {
      echo "$out" >&2
      return 1
    }
  else
    out=$("$CTL" cluster wait --dir "$dir" --timeout "$timeout" 2>&1) || {
      echo "$out" >&2
      return 1
    }
  fi
  awk '/^leader / {print $2; exit}' <<<"$out"
}

# restore DIR NAME start|thaw [TIMEOUT_MS]: brings NAME back (starts it again after a kill, thaws
# it after a freeze) and waits until every box names box1 again, as before the fault (priority:
# box1 takes the leadership back). Prints the leader.
restore() {
  local dir="$1" name="$2" how="$3" timeout="${4:-30000}" leader
  if [ "$how" = thaw ]; then
    "$CTL" cluster thaw "$name" --dir "$dir" >/dev/null
  else
    "$CTL" cluster start "$name" --dir "$dir" >/dev/null
  fi
  if ! leader=$(wait_leader "$dir" "$timeout" box1 2>/dev/null); then
    warn "box1 did not take the leadership back within $timeout ms; going on with whoever leads"
    leader=$(wait_leader "$dir" "$timeout") || return 1
  fi
  echo "$leader"
}

# fault_once DIR N SIGNAL LEADER TIMEOUT_MS: sends SIGNAL (KILL or STOP) to LEADER's process,
# stamped on CLOCK_MONOTONIC, and follows the survivors' event logs until they all name one new
# leader. Prints elector-bench-floor agree's JSON, plus "fault_ns" and "faulted".
fault_once() {
  local dir="$1" n="$2" sig="$3" leader="$4" timeout="$5" k logs=() pid t out rc=0
  local lk="${leader#box}"
  for ((k = 1; k <= n; k++)); do
    [ "$k" = "$lk" ] || logs+=("$(box_log "$dir" "$k")")
  done
  pid=$(box_pid "$dir" "$lk")
  t=$("$FLOOR" kill "$sig" "$pid")
  out=$("$FLOOR" agree --since "$t" --exclude "$leader" --timeout-ms "$timeout" --poll-ms 20 "${logs[@]}") || rc=$?
  [ -n "$out" ] || out='{"agreed":false}'
  jq -c --argjson t "$t" --arg who "$leader" '. + {fault_ns: $t, faulted: $who}' <<<"$out"
  return "$rc"
}

# The loopback floor, measured in the same run: elector-bench-floor rtt's JSON.
floor_json() { "$FLOOR" rtt --count "${1:-2000}"; }

# Process figures of a set of pids -----------------------------------------------------------

# cpu_ns PID...: nanoseconds on CPU of every thread of the processes together (schedstat).
cpu_ns() {
  local p files=()
  for p in "$@"; do files+=("/proc/$p/task/"*/schedstat); done
  # getline, not file arguments: a thread or process that ended meanwhile is skipped, not fatal.
  awk 'BEGIN {
    for (i = 1; i < ARGC; i++) while ((getline line < ARGV[i]) > 0) {split(line, f, " "); s += f[1]}
    printf "%.0f\n", s}' "${files[@]}"
}

# mem_json PID...: {rss_mb: stats, pss_mb: stats, threads: stats} over the processes.
mem_json() {
  local p files=()
  for p in "$@"; do files+=("/proc/$p/status" "/proc/$p/smaps_rollup"); done
  # One awk over every file; a process that ended meanwhile is skipped.
  awk 'BEGIN {
    for (i = 1; i < ARGC; i++) {
      split(ARGV[i], part, "/"); pid = part[3]
      while ((getline line < ARGV[i]) > 0) {
        split(line, f, " ")
        if (f[1] == "VmRSS:") rss[pid] = f[2]
        else if (f[1] == "Threads:") thr[pid] = f[2]
        else if (f[1] == "Pss:") pss[pid] = f[2]
      }
    }
    for (p in rss) printf "{\"rss_kb\":%d,\"pss_kb\":%d,\"threads\":%d}\n", rss[p], pss[p] + 0, thr[p] + 0
  }' "${files[@]}" | jq -s '
    def r2: (. * 100 | round) / 100;
    def st(f): map(f) | sort as $s | ($s | length) as $n
      | {median: $s[(($n - 1) / 2 | floor)], max: $s[$n - 1], min: $s[0]};
    {processes: length,
     rss_mb: (st(.rss_kb / 1024) | map_values(r2)),
     pss_mb: (st(.pss_kb / 1024) | map_values(r2)),
     threads: st(.threads)}'
}

# foreign_electord: electord processes that are not ours (another run, the tests).
foreign_electord() {
  local p
  for p in $(pgrep -x electord 2>/dev/null || true); do
    grep -qa -- "$BENCH_WORK/" "/proc/$p/cmdline" 2>/dev/null || echo "$p"
  done
}

# ---------------------------------------------------------------------------------------------
# Failover series (crash, freeze, scale)

# failover_series DIR N SIGNAL REPS TIMEOUT_MS OUT: REPS times, faults whoever leads now (KILL or
# STOP), measures until every survivor's event log names one new leader, then restores the box
# (start again / thaw) and waits for box1 to lead again. One JSON line per repetition into OUT:
# agree's fields (latency_ms = last survivor's leader_changed - fault) plus, for a freeze, the
# gap between the old leader's effective loss of leadership and the new one's acquisition.
failover_series() {
  local dir="$1" n="$2" sig="$3" reps="$4" timeout="$5" out="$6"
  local rep leader newleader res how=start t0 t1 lost acq newk lk
  [ "$sig" = STOP ] && how=thaw
  if ! leader=$(wait_leader "$dir" 60000 box1 2>/dev/null) && ! leader=$(wait_leader "$dir" 60000); then
    # A cluster that lost its agreement is a figure (no failover measured), not a broken run.
    warn "no leader agreed before the first fault in $dir; no failover measured"
    echo '{"agreed":false,"rep":0,"restored":false,"reason":"no leader agreed before the first fault"}' >>"$out"
    return 0
  fi
  for ((rep = 1; rep <= reps; rep++)); do
    # Let the cluster idle a moment: every follower has the leader's connection and heartbeats.
    sleep "${BENCH_SETTLE:-0.5}"
    res=$(fault_once "$dir" "$n" "$sig" "$leader" "$timeout") || true
    lk="${leader#box}"
    t0=$(mono_ns)
    if ! newleader=$(restore "$dir" "$leader" "$how" "$((timeout * 3 + 30000))"); then
      echo "$res" | jq -c --arg rep "$rep" '. + {rep: ($rep | tonumber), restored: false}' >>"$out"
      warn "the cluster did not recover after repetition $rep; stopping this series"
      return 0
    fi
    t1=$(mono_ns)
    lost=null acq=null
    if [ "$sig" = STOP ] && [ "$(jq -r .agreed <<<"$res")" = true ]; then
      newk=$(jq -r '.leader | ltrimstr("box")' <<<"$res")
      lost=$(jq -r --argjson t "$(jq .fault_ns <<<"$res")" \
        'select(.event == "leadership_lost" and .t_mono_ns >= $t) | .effective_mono_ns' \
        "$(box_log "$dir" "$lk")" 2>/dev/null | head -n1)
      acq=$(jq -r --argjson t "$(jq .fault_ns <<<"$res")" \
        'select(.event == "leadership_acquired" and .t_mono_ns >= $t) | .t_mono_ns' \
        "$(box_log "$dir" "$newk")" 2>/dev/null | head -n1)
    fi
    res=$(jq -c --arg rep "$rep" --argjson restore_ms "$(((t1 - t0) / 1000000))" \
      --argjson lost "${lost:-null}" --argjson acq "${acq:-null}" \
      '. + {rep: ($rep | tonumber), restored: true, restore_ms: $restore_ms}
       + (if $lost != null and $acq != null then {old_lease_end_to_new_leader_ms:
          ((($acq - $lost) / 1000) | round / 1000)} else {} end)' <<<"$res")
    echo "$res" >>"$out"
    log "  rep $rep/$reps: $leader ${sig} -> $(jq -r 'if .agreed then "\(.leader) agreed by \(.agreed_by) after \(.latency_ms * 1000 | round / 1000) ms" else "NO agreement within \(.waited_ms | round) ms: \(.views)" end' <<<"$res")"
    leader="$newleader"
  done
}

# series_json FILE: the statistics of a failover series file (see failover_series).
series_json() {
  local file="$1" stats
  stats=$(jq -r 'select(.agreed) | .latency_ms' "$file" | stats_json)
  jq -s --argjson stats "$stats" '
    def r3: (. * 1000 | round) / 1000;
    $stats + {
      samples_ms: [.[] | select(.agreed) | .latency_ms | r3],
      first_reaction_p50_ms: ([.[] | select(.agreed) | .first_change_latency_ms] | sort
        | if length > 0 then .[((length - 1) / 2 | floor)] | r3 else null end),
      timeouts: ([.[] | select(.agreed | not)] | length),
      new_leaders: (map(select(.agreed) | .leader) | group_by(.) | map({(.[0]): length}) | add // {}),
      repetitions_detail: map(del(.since_ns))
    }' "$file"
}
