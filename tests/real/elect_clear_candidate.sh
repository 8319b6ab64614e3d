#!/usr/bin/env bash
# `elect --sync` prints the leader; `clear-leader` clears it on every node; a node started with
# `--candidate false` never leads, even with the best priority. "No leader" and "not leader" are
# only believed from nodes that run and answer: a crashed node fails the test.
source "$(dirname "$0")/lib.sh"
cluster_up 3 --strategy priority >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "no initial leader"
start_electord "$DIR/box0.log" --name box0 --listen "$(listen 9)" --control "$(control 9)" \
  --cookie-file "$DIR/cookie" --strategy priority --priority 0 --candidate false \
  --seeds "$(listen 1)"
joined() { "$CTL" --control "$(control 1)" members | grep -q "box0.*alive"; }
until_true 15000 joined || fail "box0 did not join"
out=$("$CTL" --control "$(control 2)" elect --sync --timeout 5000) || fail "elect --sync failed: $out"
[ "$out" = box1 ] || fail "elect --sync printed '$out', expected box1"
echo "elect --sync: $out"

all_alive() {
  assert_boxes_alive 1 2 3
  assert_alive box0 "$(control 9)"
}
all_alive
"$CTL" --control "$(control 3)" clear-leader
cleared() {
  for k in 1 2 3 9; do
    answers_no_leader "$(control "$k")" || return 1
  done
}
until_true 5000 cleared || {
  all_alive
  fail "clear-leader did not clear the leader everywhere"
}
all_alive
echo "cleared on every node"

out=$("$CTL" --control "$(control 9)" elect --sync --timeout 5000) || fail "elect after clear failed"
[ "$out" = box1 ] || fail "the non-candidate's elect gave '$out'"
cluster_wait --timeout 5000 --expect box1 || fail "no agreement after elect"
assert_alive box0 "$(control 9)"
answers_not_leader "$(control 9)" || fail "the non-candidate box0 does not answer is-leader with false"
"$CTL" cluster kill box1 --dir "$DIR"
cluster_wait --timeout 5000 --expect box2 || fail "box2 did not take over"
assert_alive box0 "$(control 9)"
answers_not_leader "$(control 9)" || fail "the non-candidate box0 does not answer is-leader with false"
[ "$("$CTL" --control "$(control 9)" leader)" = box2 ] || fail "box0 does not follow box2"
echo "PASS"
