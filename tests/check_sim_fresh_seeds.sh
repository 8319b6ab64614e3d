#!/usr/bin/env bash
# Fault runs of the simulator on seeds drawn afresh for every run of this test, beside the fixed
# seeds of tests/sim/random_faults_test.cpp (which replay the same runs every time):
#
#   check_sim_fresh_seeds.sh ELECTOR_SIM [SEED...]
#
# Every seed is printed before it runs, with the command that replays it. Without SEED arguments
# the seeds come from ELECTOR_FRESH_SEEDS (space-separated) if set, else from /dev/urandom:
# ELECTOR_FRESH_SEED_COUNT (default 50) per cluster shape. Stops drawing after
# ELECTOR_FRESH_SEED_SECONDS (default 40) of wall time, so that a slow (sanitized) build stays
# within the test's time. Fails when a run reports a violation, exits non-zero, or prints no
# proper result line, and names the command that replays it.
set -uo pipefail
sim="$1"
shift
sim="$(cd "$(dirname "$sim")" && pwd)/$(basename "$sim")"
[ -x "$sim" ] || {
  echo "no elector-sim at $sim" >&2
  exit 2
}

# Cluster shapes, each with a majority quorum (and one with the priority strategy).
shapes=(
  "--nodes 3 --quorum-size 2"
  "--nodes 5 --quorum-size 3"
  "--nodes 7 --quorum-size 4"
  "--nodes 5 --quorum-size 3 --strategy priority"
)
count="${ELECTOR_FRESH_SEED_COUNT:-50}"
budget="${ELECTOR_FRESH_SEED_SECONDS:-40}"

given=("$@")
if [ ${#given[@]} -eq 0 ] && [ -n "${ELECTOR_FRESH_SEEDS:-}" ]; then
  read -r -a given <<<"$ELECTOR_FRESH_SEEDS"
fi
for s in "${given[@]}"; do
  [[ "$s" =~ ^[0-9]+$ ]] || {
    echo "not a seed: '$s'" >&2
    exit 2
  }
done

fresh_seed() {
  if [ -r /dev/urandom ]; then
    od -An -N8 -tu8 /dev/urandom | tr -d ' '
  else
    echo $(((RANDOM << 30) | (RANDOM << 15) | RANDOM))
  fi
}

# The runs: "shape index, seed" pairs; given seeds run on every shape.
runs=()
if [ ${#given[@]} -gt 0 ]; then
  for s in "${given[@]}"; do
    for i in "${!shapes[@]}"; do runs+=("$i $s"); done
  done
  budget=0
else
  for ((k = 0; k < count; k++)); do
    for i in "${!shapes[@]}"; do runs+=("$i $(fresh_seed)"); done
  done
fi

start=$SECONDS
ran=0
failed=()
for r in "${runs[@]}"; do
  read -r i seed <<<"$r"
  if [ "$budget" -gt 0 ] && [ $((SECONDS - start)) -ge "$budget" ]; then
    echo "time budget of ${budget} s used: ran $ran of ${#runs[@]} runs"
    break
  fi
  # shellcheck disable=SC2206 # the shape is a list of words
  cmd=("$sim" ${shapes[$i]} --seed "$seed" --faults)
  echo "seed $seed: ${cmd[*]}"
  rc=0
  out=$(timeout 120 "${cmd[@]}" 2>&1) || rc=$?
  ran=$((ran + 1))
  last=$(printf '%s\n' "$out" | tail -n 1)
  if [ "$rc" -ne 0 ] ||
    ! [[ "$last" =~ ^violations=0\ leader=box[0-9]+\ term=[0-9]+\ elections=[0-9]+\ messages=[0-9]+\ sim_ms=[0-9]+$ ]]; then
    printf '%s\n' "$out" | grep '^violation: ' | head -n 5 | sed 's/^/  /'
    echo "  FAILED (exit $rc): $last"
    failed+=("${cmd[*]}")
  fi
done

echo "$ran runs, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "replay (add -v to see the faults and leadership events):"
  for c in "${failed[@]}"; do echo "  $c"; done
  exit 1
fi
