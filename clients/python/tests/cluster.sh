#!/usr/bin/env bash
# Runs test_cluster.py against a three-node electord cluster on 127.0.0.1 that this script starts
# and stops (tests/real/lib.sh: every process by PID). Usage: cluster.sh BIN_DIR BASE_PORT PYTHON
source "$(dirname "$0")/../../../tests/real/lib.sh"
PYTHON="$3"
cluster_up 3 --strategy priority >/dev/null || fail "cluster up"
cluster_wait --timeout 20000 --expect box1 >/dev/null || fail "no leader box1"
ELECTOR_TEST_BASE="$BASE" ELECTOR_TEST_DIR="$DIR" ELECTOR_TEST_CTL="$CTL" \
  ELECTOR_TEST_ELECTORD="$ELECTORD" "$PYTHON" "$(dirname "$0")/test_cluster.py" ||
  fail "the client's tests against the cluster failed"
