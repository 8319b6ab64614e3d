#!/usr/bin/env bash
# king's demo under `priority` with 4 nodes: box1 leads; kill box1 -> box2 leads; start box1 ->
# box1 leads again.
source "$(dirname "$0")/lib.sh"
cluster_up 4 --strategy priority >/dev/null
cluster_wait --timeout 15000 --expect box1 || fail "box1 did not lead at start"
"$CTL" cluster kill box1 --dir "$DIR"
cluster_wait --timeout 5000 --expect box2 || fail "box2 did not take over"
"$CTL" cluster start box1 --dir "$DIR"
cluster_wait --timeout 15000 --expect box1 || fail "box1 did not take the leadership back"
"$CTL" cluster status --dir "$DIR"
echo "PASS"
