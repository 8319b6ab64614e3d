#!/usr/bin/env bash
# kill -9 of the leader: every survivor agrees on a new leader, within a generous 3 s.
source "$(dirname "$0")/lib.sh"
cluster_up 5 >/dev/null
cluster_wait --timeout 15000 || fail "no initial leader"
old=$("$CTL" --control "$(control 1)" leader)
t0=$(now_ms)
"$CTL" cluster kill "$old" --dir "$DIR"
out=$(cluster_wait --timeout 3000) || fail "no new leader agreed within 3 s: $out"
t1=$(now_ms)
echo "$out"
new=$(echo "$out" | awk '{print $2}')
[ "$new" != "$old" ] || fail "the killed $old is still the leader"
echo "crash failover: $old killed, $new agreed by every survivor after $((t1 - t0)) ms (measured from the shell, including electorctl start-up)"
echo "PASS"
