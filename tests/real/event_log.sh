#!/usr/bin/env bash
# Event logs are JSON lines with the documented events; a frozen leader's leadership_lost carries
# the end of its lease (before it was thawed) as effective_mono_ns.
source "$(dirname "$0")/lib.sh"
cluster_up 3 --strategy priority >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "no initial leader"
"$CTL" cluster freeze box1 --dir "$DIR"
cluster_wait --timeout 5000 --expect box2 || fail "box2 did not take over from the frozen box1"
sleep 0.5  # box1 stays frozen well past its lease, so that the lease end and the thaw differ
"$CTL" cluster thaw box1 --dir "$DIR"
lost() { grep -q '"event":"leadership_lost"' "$DIR/box1/events.jsonl"; }
until_true 5000 lost || fail "the thawed box1 logged no leadership_lost"
"$CTL" cluster kill box3 --dir "$DIR"
down() { grep -q '"event":"member_down"' "$DIR/box2/events.jsonl"; }
until_true 10000 down || fail "box2 logged no member_down for the killed box3"

for f in "$DIR"/box*/events.jsonl; do
  jq -e . "$f" >/dev/null || fail "$f is not JSON lines"
  jq -s -e 'all(.[]; (.t_mono_ns|type) == "number" and (.node|type) == "string" and (.event|type) == "string")' \
    "$f" >/dev/null || fail "$f has a line without t_mono_ns, node or event"
done
has() { cat "$DIR"/box*/events.jsonl | jq -s -e "any(.[]; $1)" >/dev/null; }
for e in leader_changed leadership_acquired leadership_lost election_started election_finished member_up member_down; do
  has ".event == \"$e\"" || fail "no $e event in the logs"
done
has '.event == "leader_changed" and .leader == null' || fail "no leader_changed with leader null"
line=$(jq -c 'select(.event == "leadership_lost")' "$DIR/box1/events.jsonl" | tail -1)
echo "box1: $line"
echo "$line" | jq -e '.reason == "lease_expired" and (.term|type) == "number"' >/dev/null ||
  fail "the frozen leader's loss is not lease_expired"
# The lease ended while box1 was frozen: at least 400 ms before box1 noticed and wrote the line.
echo "$line" | jq -e '.effective_mono_ns < .t_mono_ns - 400000000' >/dev/null ||
  fail "effective_mono_ns is not the lease end"
acq=$(jq -c 'select(.event == "leadership_acquired")' "$DIR/box2/events.jsonl" | tail -1)
echo "box2: $acq"
# No overlap: box2 became leader after box1's lease ended (same host, same monotonic clock).
[ "$(echo "$line" | jq .effective_mono_ns)" -le "$(echo "$acq" | jq .t_mono_ns)" ] ||
  fail "box2 acquired the leadership before box1's lease ended"
echo "PASS"
