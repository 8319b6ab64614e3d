#!/usr/bin/env bash
# junk: what peers without the cluster secret cost one electord, and whether the cluster still
# fails over meanwhile (docs/security.md, "Cost before authentication"). Not one of ./bench.sh's
# scenarios: it floods the machine on purpose. Run it on its own:
#
#   bench/scenarios/junk.sh [--build DIR] [--kills N] [--flood N] [--idle N] [--seconds S]
#
# DIR (default build-bench, as ./bench.sh builds it) must hold bin/electord, bin/electorctl and
# bin/elector-bench-floor. A 3-node cluster with a cookie (`electorctl cluster up 3 --strategy
# priority`: box1 leads, box2 is next) on 127.0.0.1:17001-17003. The junk goes to box2, the node
# that must take over when box1 is killed:
#   1. flood: --flood (30) connections, each declaring a 16 MiB frame and writing its body until
#      box2 closes it, reconnecting at once, for --seconds (10). box2's VmRSS and VmHWM (its peak
#      since it started) from /proc/PID/status before and after, and its VmRSS sampled meanwhile.
#   2. failover without junk: --kills (10) times kill -9 of box1, until box2 and box3 agree on box2
#      (CLOCK_MONOTONIC before kill(2) to the event logs' t_mono_ns), box1 restarted in between.
#   3. --idle (3,000) connections to box2 opened at once and held, sending nothing, until box2
#      has closed them all.
#   4. the same, the client reconnecting every connection box2 closes (a churn of connections
#      that never authenticate), during the failover series of 2.
# box2's open descriptors (/proc/PID/fd) are sampled throughout. Prints a JSON summary.
# Every process it starts (the boxes, the junk clients) is stopped by PID at exit.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$ROOT/build-bench" kills=10 flood=30 idle=3000 seconds=10
while (($#)); do
  case "$1" in
    --build) build="$(cd "$2" && pwd)" && shift ;;
    --kills) kills="$2" && shift ;;
    --flood) flood="$2" && shift ;;
    --idle) idle="$2" && shift ;;
    --seconds) seconds="$2" && shift ;;
    -h | --help)
      sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "junk.sh: unknown option \"$1\"" >&2
      exit 2
      ;;
  esac
  shift
done

export BENCH_ROOT="$ROOT" BENCH_BUILD="$build"
BENCH_WORK="$(mktemp -d "${TMPDIR:-/tmp}/elector-junk.XXXXXX")"
export BENCH_WORK
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
for bin in "$CTL" "$ELECTORD" "$FLOOR"; do [ -x "$bin" ] || die "$bin is missing"; done
command -v python3 >/dev/null || die "python3 is missing"

junk_pids=()
sampler_pid=""
finish() {
  local rc=$? p
  trap - EXIT INT TERM
  for p in "${junk_pids[@]}" $sampler_pid; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  bench_cleanup
  if [ -n "${KEEP_BENCH_DIR:-}" ]; then log "kept $BENCH_WORK"; else rm -rf "$BENCH_WORK"; fi
  exit "$rc"
}
trap finish EXIT
trap 'echo "junk.sh: interrupted" >&2; exit 130' INT TERM

# The junk clients: `flood PORT N SECONDS` and `idle PORT N SECONDS REOPEN [READY_FILE]`. Each
# prints one JSON line when its time is up (or at SIGTERM); the idle one creates READY_FILE once
# all N connections have been up, and without REOPEN ends once the server has closed them all.
cat >"$BENCH_WORK/junk.py" <<'EOF'
import json, resource, selectors, signal, socket, sys, time

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
mode, port, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
reopen = mode == "flood" or (len(sys.argv) > 5 and sys.argv[5] == "1")
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)

sel = selectors.DefaultSelector()
stats = {"mode": mode, "target_port": port, "connections": n, "opened": 0, "closed_by_peer": 0,
         "connect_failed": 0, "bytes_written": 0, "max_written_one": 0, "open_at_end": 0}
HEADER = (16 << 20).to_bytes(4, "little")  # a 16 MiB frame
CHUNK = b"\xa5" * 65536

connected = 0
ready_file = sys.argv[6] if len(sys.argv) > 6 else ""

def open_one():
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    # Writable once connected: a flood then writes, an idle connection only counts itself.
    st = {"sock": s, "written": 0, "out": HEADER if mode == "flood" else b"", "up": False}
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
    stats["opened"] += 1

def drop(st, by_peer):
    sel.unregister(st["sock"])
    st["sock"].close()
    stats["max_written_one"] = max(stats["max_written_one"], st["written"])
    if by_peer:
        stats["closed_by_peer"] += 1
    if reopen and not stop:
        open_one()

for _ in range(n):
    try:
        open_one()
    except OSError:
        stats["connect_failed"] += 1
t0 = time.monotonic()
end = t0 + seconds
while not stop and time.monotonic() < end:
    if not reopen and connected == n and not sel.get_map():
        stats["all_closed_after_s"] = round(time.monotonic() - t0, 3)
        break
    for key, ev in sel.select(timeout=0.05):
        st = key.data
        s = st["sock"]
        if ev & selectors.EVENT_WRITE and not st["up"]:
            st["up"] = True
            connected += 1
            if connected == n and ready_file:
                open(ready_file, "w").close()  # every connection has been up once
        if ev & selectors.EVENT_READ:
            try:
                if s.recv(65536) == b"":
                    drop(st, True)
                    continue
            except OSError:
                drop(st, True)
                continue
        if ev & selectors.EVENT_WRITE and mode != "flood":
            sel.modify(s, selectors.EVENT_READ, st)
            continue
        if ev & selectors.EVENT_WRITE:
            if not st["out"]:
                st["out"] = CHUNK if st["written"] < (16 << 20) else b""
            if not st["out"]:
                sel.modify(s, selectors.EVENT_READ, st)
                continue
            try:
                k = s.send(st["out"])
                st["out"] = st["out"][k:]
                st["written"] += k
                stats["bytes_written"] += k
            except BlockingIOError:
                pass
            except OSError:
                drop(st, True)
stats["open_at_end"] = len(sel.get_map())
for key in list(sel.get_map().values()):
    stats["max_written_one"] = max(stats["max_written_one"], key.data["written"])
    key.data["sock"].close()
print(json.dumps(stats), flush=True)
EOF

status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
metrics() { curl -s "http://127.0.0.1:$1/metrics" | grep -E '^elector_(peer_connections_refused|packets_dropped)_total|^elector_connections ' || true; }
# refused PORT REASON: elector_peer_connections_refused_total{reason=REASON} (0 when absent)
refused() {
  curl -s "http://127.0.0.1:$1/metrics" |
    awk -v r="elector_peer_connections_refused_total{reason=\"$2\"}" '$1 == r {v = $2} END {print v + 0}'
}
# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds; false after SECONDS.
wait_for() {
  local until=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < until)) || return 1
    sleep 0.05
  done
}

# sample PID FILE: every 50 ms, "rss_kb fds" of PID into FILE, until killed.
sample() {
  while [ -d "/proc/$1" ]; do
    echo "$(status_kb "$1" VmRSS) $(fds "$1")" >>"$2"
    sleep 0.05
  done
}
# max_col FILE COL
max_col() { awk -v c="$2" 'BEGIN {m = 0} $c > m {m = $c} END {print m}' "$1"; }

junk() {  # junk ARGS...: starts a junk client in the background; its JSON goes to $BENCH_WORK/junk.N
  python3 "$BENCH_WORK/junk.py" "$@" >"$BENCH_WORK/junk.${#junk_pids[@]}" &
  junk_pids+=("$!")
}
# stop_junk: stops the last junk client (not from a subshell: only this shell can wait for it);
# its JSON is then in last_junk.
stop_junk() {
  local i=$((${#junk_pids[@]} - 1))
  kill "${junk_pids[$i]}" 2>/dev/null || true
  wait "${junk_pids[$i]}" 2>/dev/null || true
  last_junk=$(cat "$BENCH_WORK/junk.$i")
}

base=17000
dir=$(bench_cluster_up junk 3 "$base") || die "cluster up failed"
leader=$(wait_leader "$dir" 30000 box1) || die "no leader"
victim_pid=$(box_pid "$dir" 2)
victim_control=$((base + 10000 + 2))
log "junk: cluster of 3 up, $leader leads; the junk goes to box2 (pid $victim_pid, port $((base + 2)))"

# 1. flood --------------------------------------------------------------------------------------
rss0=$(status_kb "$victim_pid" VmRSS) hwm0=$(status_kb "$victim_pid" VmHWM) fds0=$(fds "$victim_pid")
: >"$BENCH_WORK/flood.samples"
sample "$victim_pid" "$BENCH_WORK/flood.samples" &
sampler_pid=$!
log "flood: $flood connections declaring 16 MiB frames, reconnecting, for $seconds s"
junk flood $((base + 2)) "$flood" "$seconds"
wait "${junk_pids[-1]}" || true
flood_json=$(cat "$BENCH_WORK/junk.$((${#junk_pids[@]} - 1))")
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
rss1=$(status_kb "$victim_pid" VmRSS) hwm1=$(status_kb "$victim_pid" VmHWM) fds1=$(fds "$victim_pid")
flood_metrics=$(metrics "$victim_control")
log "flood: RSS $rss0 -> $rss1 kB (max sampled $(max_col "$BENCH_WORK/flood.samples" 1) kB, peak VmHWM $hwm0 -> $hwm1 kB)"

# 2-4. idle connections; failover without and with junk ------------------------------------------
series() {  # series NAME: kills box1 $kills times; prints series_json
  local out="$BENCH_WORK/$1.series.jsonl"
  : >"$out"
  failover_series "$dir" 3 KILL "$kills" 10000 "$out"
  series_json "$out"
}
log "failover without junk: $kills kills of box1"
base_json=$(series base)

# given_up: the connections box2 closed before they authenticated, to make room or out of time.
given_up() {
  echo $(($(refused "$victim_control" unauthenticated_limit) + $(refused "$victim_control" auth_timeout)))
}
# accepted_all BEFORE: box2 has given up at least $idle - 64 connections since given_up was BEFORE.
accepted_all() { (($(given_up) - $1 >= idle - 64)); }

# run_idle NAME REOPEN KILLS: $idle idle connections to box2, and a failover series of KILLS kills
# meanwhile (with REOPEN, the client reconnects every connection box2 closes; without, it ends
# once box2 has closed them all). The result into $BENCH_WORK/NAME.json (not printed: a command
# substitution's subshell would keep the junk client's PID from finish).
run_idle() {
  local name="$1" reopen="$2" n_kills="$3" s='{}' before
  : >"$BENCH_WORK/$name.samples"
  sample "$victim_pid" "$BENCH_WORK/$name.samples" &
  sampler_pid=$!
  before=$(given_up)
  junk idle $((base + 2)) "$idle" 60 "$reopen" "$BENCH_WORK/$name.ready"
  # Every connection has been up, and box2 has accepted them all (and given up all but the
  # newest max_unauthenticated (64)).
  wait_for 60 test -e "$BENCH_WORK/$name.ready" || die "$name: the connections did not come up"
  wait_for 60 accepted_all "$before" || die "$name: box2 did not accept the connections"
  log "$name: $idle idle connections to box2 (reconnecting: $reopen); box2 holds $(fds "$victim_pid") descriptors"
  if ((n_kills > 0)); then
    s=$(kills="$n_kills" series "$name")
    stop_junk
  else
    wait "${junk_pids[-1]}" || true
    last_junk=$(cat "$BENCH_WORK/junk.$((${#junk_pids[@]} - 1))")
  fi
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  jq -n --argjson failover "$s" --argjson client "$last_junk" >"$BENCH_WORK/$name.json" \
    --argjson fds_max "$(max_col "$BENCH_WORK/$name.samples" 2)" \
    --argjson rss_max_kb "$(max_col "$BENCH_WORK/$name.samples" 1)" \
    '{client: $client, victim_fds_max: $fds_max, victim_rss_max_kb: $rss_max_kb,
      failover: ($failover | del(.repetitions_detail))}'
}
run_idle idle 0 0
run_idle churn 1 "$kills"
victim_pid_now=$(box_pid "$dir" 2)
end_metrics=$(metrics "$victim_control")

jq -n --argjson machine "$(machine_json | jq --arg b "$build" '.build_type = "Release" | .build_dir = $b')" --argjson flood "$flood_json" \
  --argjson rss0 "$rss0" --argjson rss1 "$rss1" --argjson hwm0 "$hwm0" --argjson hwm1 "$hwm1" \
  --argjson fds0 "$fds0" --argjson fds1 "$fds1" \
  --argjson rss_max "$(max_col "$BENCH_WORK/flood.samples" 1)" \
  --argjson fds_max "$(max_col "$BENCH_WORK/flood.samples" 2)" \
  --arg flood_metrics "$flood_metrics" --arg end_metrics "$end_metrics" \
  --argjson base "$base_json" --slurpfile idle "$BENCH_WORK/idle.json" \
  --slurpfile churn "$BENCH_WORK/churn.json" \
  --arg same_pid "$([ "$victim_pid" = "$victim_pid_now" ] && echo yes || echo no)" '
  {scenario: "junk", machine: $machine,
   flood: {client: $flood, victim_rss_kb: {before: $rss0, after: $rss1, max_sampled: $rss_max},
           victim_vmhwm_kb: {before: $hwm0, after: $hwm1}, victim_fds: {before: $fds0,
           after: $fds1, max_sampled: $fds_max}, metrics: ($flood_metrics | split("\n"))},
   failover_without_junk: ($base | del(.repetitions_detail)),
   idle_held: $idle[0], idle_reconnecting: $churn[0],
   victim_never_restarted: ($same_pid == "yes"), metrics_at_end: ($end_metrics | split("\n"))}'
