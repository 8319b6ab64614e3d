#!/usr/bin/env bash
# Hooks: pre and post hooks run with ELECTOR_* in their environment; local runs them only on the
# node that runs the election, global on every node; a hanging hook is killed after
# --hook-timeout and the next hook still runs.
source "$(dirname "$0")/lib.sh"
rec='echo "$ELECTOR_EVENT node=$ELECTOR_NODE role=$ELECTOR_ROLE leader=$ELECTOR_LEADER term=$ELECTOR_TERM" >> '

# local: a hanging pre hook (killed after 300 ms), then a recording one; a recording post hook.
cluster_up 3 --strategy priority --hooks-execution local --hook-timeout 300 \
  --pre-election-hook 'sleep 37' --pre-election-hook "$rec$DIR/hooks.local.\$ELECTOR_NODE" \
  --post-election-hook "$rec$DIR/hooks.local.\$ELECTOR_NODE" >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "no leader (local)"
post_seen() { grep -q "post_election node=box1 role=leader leader=box1 term=[1-9]" "$DIR/hooks.local.box1"; }
until_true 10000 post_seen || fail "box1's post hook did not record the election"
grep -q "pre_election node=box1" "$DIR/hooks.local.box1" || fail "box1's pre hook did not run after the hanging one"
# box3 ranks last: under local it runs hooks only for an election it started itself, which
# happens only when the machine is so slow that a lease runs out (its event log then says so).
started_one() { jq -e 'select(.event == "election_started" and .initiator == true)' \
  "$DIR/box3/events.jsonl" >/dev/null; }
if [ -f "$DIR/hooks.local.box3" ] && ! started_one; then
  fail "box3 ran hooks under hooks_execution=local for an election it did not start"
fi
grep -qi "killed\|timed out\|timeout" "$DIR/box1/electord.log" || fail "the hung hook's kill was not logged"
pgrep -f "^sleep 37$" >/dev/null && fail "a hung hook is still running"
echo "local:"; cat "$DIR/hooks.local.box1"
"$CTL" cluster down --dir "$DIR" >/dev/null

# global: every node runs the hooks for the election it sees.
rm -rf "$DIR"/box*
cluster_up 3 --strategy priority --hooks-execution global \
  --post-election-hook "$rec$DIR/hooks.global.\$ELECTOR_NODE" >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "no leader (global)"
all_seen() {
  grep -q "role=leader leader=box1" "$DIR/hooks.global.box1" &&
    grep -q "role=follower leader=box1" "$DIR/hooks.global.box2" &&
    grep -q "role=follower leader=box1" "$DIR/hooks.global.box3"
}
until_true 10000 all_seen || fail "not every node ran its post hook under hooks_execution=global"
echo "global:"; cat "$DIR"/hooks.global.*
echo "PASS"
