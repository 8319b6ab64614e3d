#!/usr/bin/env bash
# electorctl run on a 3-node cluster (priority: box1 leads): the command starts with box1's term;
# box1 frozen -> the runner kills the command on its own by the lease's deadline, and before a
# successor leads; box1 thawed takes the leadership back -> the command starts again with the new
# term; box1 drops the leadership -> stopped, and started again when it leads again; SIGTERM to
# the runner -> forwarded, and the runner exits with the command's status.
source "$(dirname "$0")/lib.sh"

# Bad usage exits 2 naming the flag.
rc=0
out=$("$CTL" run --grace -1 -- true 2>&1) || rc=$?
[ "$rc" -eq 2 ] && grep -q -- --grace <<<"$out" || fail "--grace -1: exit $rc, '$out'"
rc=0
out=$("$CTL" run --margin x -- true 2>&1) || rc=$?
[ "$rc" -eq 2 ] && grep -q -- --margin <<<"$out" || fail "--margin x: exit $rc, '$out'"
rc=0
out=$("$CTL" run 2>&1) || rc=$?
[ "$rc" -eq 2 ] || fail "run without a command: exit $rc, '$out'"

# T = 200 ms: box1's lease is 3.5T = 700 ms, and a successor leads no sooner than 4T after it.
cluster_up 3 --strategy priority --heartbeat-interval 200 >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "box1 did not lead at start"

TERMS="$DIR/terms"
RUNLOG="$DIR/run.log"
: >"$TERMS"
# Each start appends "TERM PID NODE" (sh execs sleep, so PID is the command's own).
"$CTL" --control "$(control 1)" run --grace 100 --margin 100 -- \
  sh -c 'echo "$ELECTOR_TERM $$ $ELECTOR_NODE" >>"$0"; exec sleep 1000' "$TERMS" 2>"$RUNLOG" &
RUNNER=$!

# Every command started (the last line is the one that may still run) dies by PID at exit, after
# its runner.
kill_commands() {
  local t p n
  [ -f "$TERMS" ] || return 0
  while read -r t p n; do kill -9 "$p" 2>/dev/null || true; done <"$TERMS"
}
trap 'kill -9 "$RUNNER" 2>/dev/null || true; kill_commands; cleanup' EXIT

last_term() { local t p n; read -r t p n < <(tail -n 1 "$TERMS") && echo "${t:-0}"; }
newer_than() { [ "$(last_term)" -gt "$1" ]; }
# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != Z ]
}
gone() { ! alive "$1"; }
# started_after TERM: waits until the command runs with a term newer than TERM; sets TERM_N and
# PID_N from the latest start. (A start repeated in the same term, after a late renewal, is
# allowed: the older one was gone first.)
started_after() {
  until_true 15000 newer_than "$1" || fail "the command did not start with a term newer than $1"
  local node
  read -r TERM_N PID_N node < <(tail -n 1 "$TERMS")
  [ "$node" = box1 ] || fail "term $TERM_N: ELECTOR_NODE is '$node', not box1"
}
leads_in() {  # TERM: box1 leads in TERM
  "$CTL" --control "$(control 1)" is-leader >/dev/null &&
    [ "$("$CTL" --control "$(control 1)" term)" = "$1" ]
}

started_after 0
term1=$TERM_N pid1=$PID_N
leads_in "$term1" || fail "the command started with term $term1, box1 does not lead in it"
alive "$pid1" || fail "the command (pid $pid1) is not running"

# Freeze box1: nothing renews the lease and the node answers nothing; the runner alone must stop
# the command, before box2 or box3 leads in a newer term.
box1=$(node_pid box1)
kill -STOP "$box1"
read -r _ pid1 _ < <(tail -n 1 "$TERMS")
t0=$(now_ms)
successor_seen=0
while :; do
  # A successor first, then the command: a command alive after a successor was seen ran too long.
  for k in 2 3; do
    out=$("$CTL" --control "$(control $k)" leader 2>/dev/null || true)
    t=$("$CTL" --control "$(control $k)" term 2>/dev/null || echo 0)
    if [ "$out" = box2 ] || [ "$out" = box3 ]; then
      [ "$t" -gt "$term1" ] && successor_seen=1
    fi
  done
  if gone "$pid1"; then break; fi
  [ "$successor_seen" -eq 0 ] || fail "the command (pid $pid1) still ran when a successor led"
  [ $(($(now_ms) - t0)) -lt 5000 ] || fail "the command (pid $pid1) still runs 5 s after the freeze"
  sleep 0.01
done
echo "the command was gone $(($(now_ms) - t0)) ms after box1 froze (lease 700 ms)"
grep -q "the lease was not renewed in time" "$RUNLOG" ||
  fail "the runner did not stop the command for its deadline: $(cat "$RUNLOG")"

successor_leads() {
  local k out
  for k in 2 3; do
    out=$("$CTL" --control "$(control $k)" leader 2>/dev/null) || continue
    if [ "$out" = box2 ] || [ "$out" = box3 ]; then
      [ "$("$CTL" --control "$(control $k)" term)" -gt "$term1" ] && return 0
    fi
  done
  return 1
}
# Frozen until a successor leads, so that box1's term is over for good.
until_true 10000 successor_leads || fail "no successor led while box1 was frozen"
kill -CONT "$box1"
# box1 takes the leadership back in a newer term: the command starts again with it.
started_after "$term1"
term2=$TERM_N pid2=$PID_N
until_true 5000 leads_in "$term2" || fail "the command runs with term $term2, box1 does not lead in it"
read -r _ pid2 _ < <(tail -n 1 "$TERMS")

# box1 drops the leadership (and wins it again when asked): the command stops, then starts with the new term.
"$CTL" --control "$(control 1)" clear-leader >/dev/null
until_true 5000 gone "$pid2" || fail "the command (pid $pid2) survived the loss of the leadership"
grep -q "the node no longer leads" "$RUNLOG" || fail "the runner did not stop for the loss: $(cat "$RUNLOG")"
# No election follows a clear by itself: ask for one; box1 (priority) wins it.
"$CTL" --control "$(control 1)" elect --sync --timeout 10000 >/dev/null || fail "no election after the clear"
started_after "$term2"
term3=$TERM_N
echo "terms: $term1 (frozen), $term2 (thawed), $term3 (after the clear)"

# SIGTERM to the runner: passed on; the runner exits with the command's status (sleep dies of it).
read -r _ pid3 _ < <(tail -n 1 "$TERMS")
kill -TERM "$RUNNER"
until_true 5000 gone "$RUNNER" || fail "the runner did not exit after SIGTERM"
rc=0
wait "$RUNNER" || rc=$?
[ "$rc" -eq 143 ] || fail "the runner exited $rc after SIGTERM, not 143"
gone "$pid3" || fail "the command (pid $pid3) outlived the runner"

# A command that exits by itself ends the run with its code.
rc=0
timeout 20 "$CTL" --control "$(control 1)" run -- sh -c 'exit 3' 2>>"$RUNLOG" || rc=$?
[ "$rc" -eq 3 ] || fail "run -- sh -c 'exit 3' exited $rc"

cat "$RUNLOG"
echo "PASS"
