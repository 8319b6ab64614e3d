#!/usr/bin/env bash
# Installs what is missing, builds electord and electorctl, and shows a real 5-process cluster on
# 127.0.0.1 electing its leader, losing it (kill -9), electing a new one, and taking box1 back when
# it returns (king's demo, priority strategy). Every process it starts is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ms() { echo $(($(date +%s%N) / 1000000)); }

# Only what the demo runs is built: electord and electorctl, into build/ (as scripts/build.sh
# configures it, so ./test.sh later builds on it). The tools' output goes to a log, shown only
# when a step fails.
mkdir -p build
log=build/demo-build.log
: >"$log"
quietly() {
  "$@" >>"$log" 2>&1 || {
    tail -n 60 "$log"
    echo "demo.sh: failed: $* (the whole log: $log)" >&2
    exit 1
  }
}
step "Checking the Debian packages the build needs (scripts/install-deps.sh)"
quietly ./scripts/install-deps.sh
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
step "Building electord and electorctl into build/bin (from scratch: minutes; log: $log)"
t0=$(ms)
quietly cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DELECTOR_WERROR=ON "${launcher[@]}"
quietly cmake --build build -j"$(nproc)" --target electord electorctl
echo "built in $((($(ms) - t0) / 1000)) s"

ctl=./build/bin/electorctl
dir="$(mktemp -d "${TMPDIR:-/tmp}/elector-demo.XXXXXX")"
base="${ELECTOR_DEMO_BASE_PORT:-7400}"
trap '"$ctl" cluster down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT

step "Start 5 electord processes box1..box5 (priority: box1 is the best), state in $dir"
"$ctl" cluster up 5 --dir "$dir" --base-port "$base" --strategy priority
"$ctl" cluster wait --dir "$dir" --expect box1 --timeout 15000
"$ctl" cluster ps --dir "$dir"
"$ctl" cluster status --dir "$dir"

step "kill -9 the leader box1: the survivors see its connections close and elect at once"
t0=$(ms)
"$ctl" cluster kill box1 --dir "$dir"
"$ctl" cluster wait --dir "$dir" --expect box2 --timeout 5000
echo "(about $(($(ms) - t0)) ms from the kill to agreement, as seen from this script)"
"$ctl" cluster status --dir "$dir"

step "Freeze the leader box2 (SIGSTOP): its lease runs out, box3 takes over after about 4T"
t0=$(ms)
"$ctl" cluster freeze box2 --dir "$dir"
"$ctl" cluster wait --dir "$dir" --expect box3 --timeout 5000
echo "(about $(($(ms) - t0)) ms from the freeze to agreement)"
"$ctl" cluster thaw box2 --dir "$dir"

step "box1 comes back: as in king's demo, it takes the leadership back by handover"
"$ctl" cluster start box1 --dir "$dir"
"$ctl" cluster wait --dir "$dir" --expect box1 --timeout 15000
"$ctl" cluster status --dir "$dir"

step "What box3 saw (its event log, one JSON object per line)"
grep -E '"leader_changed"|"leadership_' "$dir/box3/events.jsonl" | tail -n 6

step "Stop every box (SIGTERM: the leader hands over before it exits)"
"$ctl" cluster down --dir "$dir"
