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

# Starts one electord outside the cluster tool; its PID is stopped at exit.
start_electord() {
  local log="$1"
  shift
  "$ELECTORD" "$@" >"$log" 2>&1 &
  EXTRA_PIDS+=($!)
}

secret_file() {
  local f="$DIR/$1.cookie"
  printf '%s' "$2" >"$f"
  chmod 600 "$f"
  echo "$f"
}
