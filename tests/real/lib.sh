# Shared by the real-process tests: sourced with the binary directory and a base port.
#
# Every test works in its own temporary directory and port range, starts electord processes only
# on 127.0.0.1, and stops every process it started, by PID, whatever happens (trap on EXIT).
# Waits poll the nodes' control APIs with generous bounds; no assertion depends on the speed of
# the machine beyond them.
set -euo pipefail

BIN="$1"
BASE="$2"
CTL="$BIN/electorctl"
export ELECTORD="$BIN/electord"
DIR="$(mktemp -d "${TMPDIR:-/tmp}/elector-test.XXXXXX")"
EXTRA_PIDS=()

cleanup() {
  "$CTL" cluster down --dir "$DIR" >/dev/null 2>&1 || true
  # Belt and braces: whatever still runs from this test dies by PID.
  for f in "$DIR"/box*/pid; do
    [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
  done
  for p in "${EXTRA_PIDS[@]}"; do
    kill -CONT "$p" 2>/dev/null || true
    kill -9 "$p" 2>/dev/null || true
  done
  if [ "${KEEP_TEST_DIR:-}" = "" ]; then rm -rf "$DIR"; else echo "kept $DIR"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$DIR"/box*/electord.log "$DIR"/*.log; do
    [ -f "$f" ] || continue
    echo "--- $f (last lines)" >&2
    tail -n 15 "$f" >&2
  done
  exit 1
}

# skip_unless_root WHY: exits 77 (skipped) when not run as root. That is the only skip: as root,
# whatever else a test lacks fails it.
skip_unless_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root ($1)"
    exit 77
  fi
}

# require_tools TOOL...: fails the test naming the first TOOL that is not on PATH.
require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || fail "no $tool on PATH"
  done
}

# Control address of boxK in a cluster started with `cluster up --base-port $BASE`.
control() { echo "127.0.0.1:$((BASE + 10000 + $1))"; }
listen() { echo "127.0.0.1:$((BASE + $1))"; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# until_true LIMIT_MS CMD...: runs CMD every 20 ms until it succeeds; fails after LIMIT_MS.
until_true() {
  local limit="$1"
  shift
  local end=$(($(now_ms) + limit))
  while ! "$@" >/dev/null 2>&1; do
    if [ "$(now_ms)" -ge "$end" ]; then return 1; fi
    sleep 0.02
  done
}

cluster_up() { "$CTL" cluster up "$1" --dir "$DIR" --base-port "$BASE" "${@:2}"; }
cluster_wait() { "$CTL" cluster wait --dir "$DIR" "$@"; }

# PIDs of the nodes started by start_electord, by name.
declare -A NODE_PIDS=()

# Starts one electord outside the cluster tool; its PID is stopped at exit.
start_electord() {
  local log="$1"
  shift
  # Its own state directory (the default one would be shared with every other test); options
  # given later win.
  "$ELECTORD" --state-dir "$DIR/state" "$@" >"$log" 2>&1 &
  EXTRA_PIDS+=($!)
  local args=("$@") i
  for ((i = 0; i + 1 < ${#args[@]}; i++)); do
    [ "${args[$i]}" = --name ] && NODE_PIDS[${args[$((i + 1))]}]=$!
  done
  return 0
}

# The PID of node NAME: one started by start_electord, else boxK of the cluster.
node_pid() {
  if [ -n "${NODE_PIDS[$1]:-}" ]; then
    echo "${NODE_PIDS[$1]}"
  elif [ -f "$DIR/$1/pid" ]; then
    cat "$DIR/$1/pid"
  else
    return 1
  fi
}

# proc_runs PID: an electord process with this PID exists and is neither a zombie nor stopped.
proc_runs() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [ "$(cat "/proc/$1/comm" 2>/dev/null)" = electord ] || return 1
  stat="${stat##*) }"
  case "${stat%% *}" in
    R | S | D) return 0 ;;
    *) return 1 ;;
  esac
}

# assert_alive NAME ADDR: fails the test unless node NAME's process runs and its control API at
# ADDR answers `electorctl status` with NAME's own row answered (any status but dead, frozen,
# left, no-api or error). Checks that say "no leader" or "not admitted" call it first, so that a
# crashed node, whose requests fail, is never taken for one that answers no.
assert_alive() {
  local name="$1" addr="$2" pid out rc=0 state
  pid=$(node_pid "$name") || fail "no PID known for $name"
  proc_runs "$pid" || fail "$name (pid $pid) is not running (gone, a zombie or stopped)"
  out=$("$CTL" --control "$addr" status 2>&1) || rc=$?
  [ "$rc" -eq 0 ] || fail "$name (pid $pid) does not answer on $addr (exit $rc): $out"
  state=$(awk -v n="$name" '$1 == n { print $NF }' <<<"$out")
  case "$state" in
    ok | no-leader | no-quorum | disagree | mismatch) ;;
    *) fail "$name (pid $pid) is reported '${state:-missing}' by its own status on $addr: $out" ;;
  esac
}

# assert_boxes_alive K...: assert_alive for boxK of the cluster, on its control address.
assert_boxes_alive() {
  local k
  for k in "$@"; do assert_alive "box$k" "$(control "$k")"; done
}

# answers_no_leader ADDR: the node at ADDR answers `electorctl leader` with exactly `none` and
# exit 1; a connection error (also exit 1) is not that answer.
answers_no_leader() {
  local out rc=0
  out=$("$CTL" --control "$1" leader 2>&1) || rc=$?
  [ "$rc" -eq 1 ] && [ "$out" = none ]
}

# answers_not_leader ADDR: the node at ADDR answers `electorctl is-leader` with exactly `false`
# and exit 1.
answers_not_leader() {
  local out rc=0
  out=$("$CTL" --control "$1" is-leader 2>&1) || rc=$?
  [ "$rc" -eq 1 ] && [ "$out" = false ]
}

# members_of ADDR: the member table of the node at ADDR; fails the test when it does not answer.
members_of() {
  local out
  out=$("$CTL" --control "$1" members 2>&1) || fail "no member list from $1: $out"
  printf '%s\n' "$out"
}

secret_file() {
  local f="$DIR/$1.cookie"
  printf '%s' "$2" >"$f"
  chmod 600 "$f"
  echo "$f"
}
