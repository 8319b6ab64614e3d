#!/usr/bin/env bash
# `electorctl cluster up 50` forms one cluster with one leader.
source "$(dirname "$0")/lib.sh"
cluster_up 50 --strategy priority
cluster_wait --timeout 60000 --expect box1 || fail "50 nodes did not agree on box1"
members=$("$CTL" --control "$(control 50)" members | grep -c alive)
[ "$members" -eq 50 ] || fail "box50 sees $members alive members, expected 50"
"$CTL" cluster status --dir "$DIR" | tail -1
"$CTL" cluster status --dir "$DIR" | tail -1 | grep -q "50 ok" || fail "not every box is ok"
echo "PASS"
