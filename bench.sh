#!/usr/bin/env bash
# Benchmarks of real electord processes on 127.0.0.1 and of the simulator.
#
#   ./bench.sh [--smoke] [--no-build] [--no-plot] [--allow-dirty] [scenario...]
#
# Scenarios: crash freeze run start scale sim floor stability (default: all but stability, in
# that order except that floor runs first; stability takes about 50 min and runs when named).
# Installs missing packages, builds Release into build-bench/, runs the scenarios, writes
# bench/results/<scenario>.json and prints a table; plots docs/bench-*.png with gnuplot.
# --smoke: crash with 3 repetitions, run with 3 freezes, sim at N = 100 and floor, in about 30 s,
# results in bench/results/smoke/; exits non-zero only when the machinery breaks (no result, bad
# JSON). A figure must come from committed code: with uncommitted changes outside bench/results/
# and the plots, bench.sh refuses to run (exit 2) unless --allow-dirty (or --smoke) is given;
# every result file records the commit and whether the tree was dirty. Benchmarks are not
# pass/fail: a missed target is a figure in the table, not an exit code. docs/benchmarks.md
# describes every scenario and field.
set -euo pipefail
cd "$(dirname "$0")"
ROOT="$(pwd)"

all=(floor crash freeze run start sim scale)
smoke=0 build=1 plot=1 allow_dirty=0 scenarios=()
for arg in "$@"; do
  case "$arg" in
    --smoke) smoke=1 ;;
    --no-build) build=0 ;;
    --no-plot) plot=0 ;;
    --allow-dirty) allow_dirty=1 ;;
    -h | --help)
      sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    crash | freeze | run | start | scale | sim | floor | stability) scenarios+=("$arg") ;;
    *)
      echo "bench.sh: unknown scenario or option \"$arg\" (scenarios: ${all[*]} stability; options: --smoke --no-build --no-plot --allow-dirty)" >&2
      exit 2
      ;;
  esac
done
if ((${#scenarios[@]} == 0)); then
  if ((smoke)); then scenarios=(floor crash run sim); else scenarios=("${all[@]}"); fi
fi

# The results and plots a run writes are not changes to the code measured.
if ((!allow_dirty && !smoke)); then
  changed=$(git status --porcelain --untracked-files=no -- . ':!bench/results' ':!docs/bench-*.png' \
    2>/dev/null || true)
  if [ -n "$changed" ]; then
    echo "bench.sh: the work tree has uncommitted changes; figures must come from committed code." >&2
    echo "Commit them, or pass --allow-dirty for a trial run (its results say \"dirty_tree\": true):" >&2
    echo "$changed" >&2
    exit 2
  fi
fi

export BENCH_ROOT="$ROOT" BENCH_SMOKE="$smoke"
export BENCH_BUILD="${BENCH_BUILD:-$ROOT/build-bench}"
if ((smoke)); then
  export BENCH_RESULTS="${BENCH_RESULTS:-$ROOT/bench/results/smoke}"
else
  export BENCH_RESULTS="${BENCH_RESULTS:-$ROOT/bench/results}"
fi

if ((build)); then
  ./scripts/install-deps.sh
  cmake -S . -B "$BENCH_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DELECTOR_WERROR=ON \
    -DELECTOR_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BENCH_BUILD" -j"$(nproc)" --target electord electorctl elector-sim elector-bench-floor
fi

BENCH_WORK="$(mktemp -d "${TMPDIR:-/tmp}/elector-bench.XXXXXX")"
export BENCH_WORK
# shellcheck source=bench/lib.sh
source bench/lib.sh
for s in "${all[@]}" stability; do
  # shellcheck source=/dev/null
  source "bench/scenarios/$s.sh"
done
for bin in "$CTL" "$ELECTORD" "$SIM" "$FLOOR"; do
  [ -x "$bin" ] || die "$bin is missing (run without --no-build)"
done

finish() {
  local rc=$?
  trap - EXIT INT TERM
  bench_cleanup
  if [ -n "${KEEP_BENCH_DIR:-}" ]; then log "kept $BENCH_WORK"; else rm -rf "$BENCH_WORK"; fi
  exit "$rc"
}
trap finish EXIT
trap 'echo "bench.sh: interrupted" >&2; exit 130' INT TERM
# If this script is killed outright (SIGKILL runs no trap), a watcher in its own session stops the
# clusters it started, and the runners of `run` with their commands, once its PID is gone: the same
# cleanup as finish, by pid files.
# shellcheck disable=SC2016 # expanded by the watcher
setsid bash -c '
  while kill -0 "$1" 2>/dev/null; do sleep 2; done
  for f in "$2"/*/cluster.json; do
    [ -f "$f" ] || continue
    d=$(dirname "$f")
    # The runners first, by SIGTERM, which each passes on to its command.
    for p in "$d"/run*.pid; do
      read -r pid <"$p" 2>/dev/null || continue
      grep -qa -- "$d/" "/proc/$pid/cmdline" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
    done
    "$3" cluster down --dir "$d" >/dev/null 2>&1 || true
    for p in "$d"/run*.pid "$d"/box*/pid; do
      read -r pid <"$p" 2>/dev/null || continue
      grep -qa -- "$d/" "/proc/$pid/cmdline" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    done
  done
  [ -n "$4" ] || rm -rf "$2"' elector-bench-watcher "$$" "$BENCH_WORK" "$CTL" "${KEEP_BENCH_DIR:-}" \
  </dev/null >/dev/null 2>&1 &

mkdir -p "$BENCH_RESULTS"
touch "$BENCH_WORK/started"
: >"$BENCH_WORK/rows.tsv"
log "results in ${BENCH_RESULTS#"$ROOT"/}, work directory $BENCH_WORK, scenarios: ${scenarios[*]}"
t_start=$(date +%s)
for s in "${scenarios[@]}"; do
  # Set aside, not deleted: a scenario run in part (stability) keeps what it did not run again.
  if [ -f "$BENCH_RESULTS/$s.json" ]; then mv -f "$BENCH_RESULTS/$s.json" "$BENCH_WORK/previous-$s.json"; fi
  "scenario_$s"
  # The machinery's check: a result, valid JSON, with numbers in it.
  [ -s "$BENCH_RESULTS/$s.json" ] || die "$s: no result written"
  jq -e 'type == "object" and ([.. | numbers] | length) > 0' "$BENCH_RESULTS/$s.json" >/dev/null ||
    die "$s: $BENCH_RESULTS/$s.json is not a JSON object with figures"
done
print_rows
log "done in $(($(date +%s) - t_start)) s"

if ((plot && !smoke)); then
  if command -v gnuplot >/dev/null; then
    bench/plot.sh "$BENCH_RESULTS" docs || warn "plotting failed"
  else
    warn "gnuplot is not installed: no plots"
  fi
fi
