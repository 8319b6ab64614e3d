#!/usr/bin/env bash
# Runs test_cluster.py against a three-node electord cluster on 127.0.0.1 and a one-node one on a
# unix socket, which this script starts and stops (tests/real/lib.sh: every process by PID). Usage: cluster.sh BIN_DIR BASE_PORT PYTHON
source "$(dirname "$0")/../../../tests/real/lib.sh"
PYTHON="$3"
cluster_up 3 --strategy priority >/dev/null || fail "cluster up"
cluster_wait --timeout 20000 --expect box1 >/dev/null || fail "no leader box1"
# And a node alone, whose control API is a unix socket.
start_electord "$DIR/solo.log" --name solo --listen "127.0.0.1:$((BASE + 50))" \
  --control "unix:$DIR/solo.sock" --insecure
ELECTOR_TEST_BASE="$BASE" ELECTOR_TEST_DIR="$DIR" ELECTOR_TEST_CTL="$CTL" \
  ELECTOR_TEST_SOCKET="$DIR/solo.sock" "$PYTHON" "$(dirname "$0")/test_cluster.py" ||
  fail "the client's tests against the cluster failed"
