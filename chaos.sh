#!/usr/bin/env bash
# Chaos run of real electord processes, then the overlap checker:
#
#   ./chaos.sh --nodes 5 --duration 60 --seed S [--bin DIR] [--dir DIR] [...]
#
# Without --bin it installs what is missing and builds into build/ first (as ./test.sh does).
# Partitions need network namespaces (root, iproute2, iptables): without them the run fails,
# unless --no-partitions asks for a run without partitions.
# Other options go to elector-chaos (see `build/bin/elector-chaos --help`). Prints the checker's
# summary and the command that replays the run; exits non-zero on any violation.
# See docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")"

args=("$@")
bin=""
dir=""
seed=""
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --bin) bin="${args[$((i + 1))]:-}" ;;
    --bin=*) bin="${args[$i]#--bin=}" ;;
    --dir) dir="${args[$((i + 1))]:-}" ;;
    --dir=*) dir="${args[$i]#--dir=}" ;;
    --seed) seed="${args[$((i + 1))]:-}" ;;
    --seed=*) seed="${args[$i]#--seed=}" ;;
  esac
done
if [ -z "$seed" ]; then
  # No seed given: draw one, and say it, so that the run can be replayed.
  seed=$((RANDOM * 32768 + RANDOM))
  args+=(--seed "$seed")
fi
if [ -z "$bin" ]; then
  ./scripts/install-deps.sh
  ./scripts/build.sh
  bin=build/bin
  args+=(--bin "$bin")
fi
if [ -z "$dir" ]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/elector-chaos.XXXXXX")"
  args+=(--dir "$dir")
fi

harness=""
# Whatever happens: stop the harness (it stops its processes), then make sure by PID that no
# electord it started runs and that none of its network namespaces is left.
cleanup() {
  if [ -n "$harness" ] && kill -0 "$harness" 2>/dev/null; then
    kill -TERM "$harness" 2>/dev/null || true
    wait "$harness" 2>/dev/null || true
  fi
  if [ -f "$dir/faults.jsonl" ] && command -v jq >/dev/null; then
    for pid in $(jq -r 'select(.fault == "start") | .pid' "$dir/faults.jsonl" 2>/dev/null); do
      if grep -qa electord "/proc/$pid/cmdline" 2>/dev/null; then
        kill -CONT "$pid" 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
  fi
  if [ -n "$harness" ] && command -v ip >/dev/null; then
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^ech${harness}(s|n[0-9]+)$" || true); do
      ip netns del "$ns" 2>/dev/null || true
    done
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "chaos: seed $seed, output in $dir"
"$bin/elector-chaos" "${args[@]}" &
harness=$!
harness_rc=0
wait "$harness" || harness_rc=$?

if ! grep -q '"run_start"' "$dir/faults.jsonl" 2>/dev/null; then
  # Nothing ran (e.g. no network namespaces for the partitions): nothing for the checker.
  echo "chaos: the harness did not start a run (exit $harness_rc); see above and $dir/harness.log" >&2
  exit 1
fi
check_rc=0
"$bin/elector-chaos-check" "$dir/faults.jsonl" --json "$dir/report.json" || check_rc=$?

replay=(./chaos.sh "$@")
[[ " $* " == *" --seed"* ]] || replay+=(--seed "$seed")
echo "replay: ${replay[*]}"
if [ "$harness_rc" -ne 0 ]; then
  echo "chaos: the harness failed (exit $harness_rc); see $dir/harness.log" >&2
  exit 1
fi
exit "$check_rc"
