#!/usr/bin/env bash
# Runs elector-sim with the given arguments and checks its last line: no violation, a leader.
set -euo pipefail
out=$("$@")
last=$(printf '%s\n' "$out" | tail -n 1)
echo "$last"
[[ "$last" =~ ^violations=0\ leader=box[0-9]+\ term=[0-9]+\ elections=[0-9]+\ messages=[0-9]+\ sim_ms=[0-9]+$ ]] || {
  echo "unexpected result line" >&2
  exit 1
}
