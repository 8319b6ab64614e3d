#!/usr/bin/env bash
# --quorum-size 3 of 5: stop three -> no leader, and `electorctl elect` exits 1 saying the quorum
# is not met; start them again -> a leader again. "No leader" is only believed from a node that
# runs and answers: a crashed box1 or box2 fails the test.
source "$(dirname "$0")/lib.sh"
cluster_up 5 --quorum-size 3 --strategy priority >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "no initial leader"
for b in box3 box4 box5; do "$CTL" cluster kill "$b" --dir "$DIR"; done
assert_boxes_alive 1 2
no_leader() { answers_no_leader "$(control 1)" && answers_no_leader "$(control 2)"; }
until_true 15000 no_leader || {
  assert_boxes_alive 1 2
  fail "a leader remains with 2 of 5 nodes and quorum 3"
}
assert_boxes_alive 1 2
elect_refused() {
  local err rc=0
  err=$("$CTL" --control "$(control 1)" elect 2>&1) || rc=$?
  [ "$rc" -eq 1 ] && [ "$err" = "quorum not met" ]
}
until_true 15000 elect_refused || {
  assert_boxes_alive 1
  fail "electorctl elect did not exit 1 with 'quorum not met'"
}
assert_boxes_alive 1
"$CTL" --control "$(control 1)" elect 2>&1 | sed 's/^/elect: /' || true
for b in box3 box4 box5; do "$CTL" cluster start "$b" --dir "$DIR"; done
cluster_wait --timeout 15000 --expect box1 || fail "no leader after the quorum came back"
echo "PASS"
