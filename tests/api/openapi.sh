#!/usr/bin/env bash
# docs/openapi.yaml against a real three-node cluster on 127.0.0.1 (check_openapi.py says what is
# checked). Usage: openapi.sh BIN_DIR BASE_PORT PYTHON, PYTHON being Debian's interpreter, which
# sees python3-jsonschema and python3-yaml.
source "$(dirname "$0")/../real/lib.sh"
PYTHON="$3"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cluster_up 3 --strategy priority >/dev/null || fail "cluster up"
cluster_wait --timeout 20000 --expect box1 >/dev/null || fail "no leader box1"
"$PYTHON" "$root/tests/api/check_openapi.py" "$root/docs/openapi.yaml" \
  "$root/src/daemon/control_server.cpp" "$CTL" "$DIR" "$BASE" ||
  fail "the description and the server disagree"
