#!/usr/bin/env bash
# A node with the wrong secret is not admitted; the others are unaffected; both sides log why.
# "Not admitted" is only believed from nodes that run and answer: a crashed node fails the test.
source "$(dirname "$0")/lib.sh"
cluster_up 3 --strategy priority >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "no initial leader"
term=$("$CTL" --control "$(control 1)" term)
bad=$(secret_file bad "not-the-cluster-secret")
start_electord "$DIR/intruder.log" --name intruder --listen "$(listen 9)" --control "$(control 9)" \
  --cookie-file "$bad" --priority 0 --strategy priority --seeds "$(listen 1),$(listen 2)"
seen_in_logs() {
  grep -qi "authentication" "$DIR/intruder.log" && grep -qi "authentication" "$DIR"/box1/electord.log
}
until_true 15000 seen_in_logs || fail "the refusal was not logged on both sides"
for k in 1 2 3; do
  assert_boxes_alive "$k"
  members=$(members_of "$(control "$k")") || exit 1
  grep -q "^box$k " <<<"$members" || fail "box$k does not list itself: $members"
  grep -q intruder <<<"$members" && fail "box$k admitted the intruder"
  [ "$("$CTL" --control "$(control "$k")" leader)" = box1 ] || fail "box$k lost its leader"
done
[ "$("$CTL" --control "$(control 1)" term)" = "$term" ] || fail "the term moved: an election ran"
assert_alive intruder "$(control 9)"
members=$(members_of "$(control 9)") || exit 1
grep -q "^intruder " <<<"$members" || fail "the intruder does not list itself: $members"
grep -q box <<<"$members" && fail "the intruder sees the members: $members"
assert_alive intruder "$(control 9)"
grep -i "authentication" "$DIR/intruder.log" | head -2
grep -i "authentication" "$DIR/box1/electord.log" | head -2
echo "PASS"
