#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ and runs each for a while:
#   ./fuzz.sh [--time SECONDS] [target...]     targets: codec auth options http-request (default
#                                              all), each run SECONDS (default 60)
# Each target starts from its seeds in fuzz/corpus/<target>/ and keeps what it finds in
# build-fuzz/corpus/<target>/, so a later run goes on from there. A crash, leak, timeout or
# failed check stops that target, leaves the input in build-fuzz/artifacts/, and makes this
# script fail (after the other targets ran). FUZZ_BUILD_DIR puts the build elsewhere.
# docs/testing.md says how to reproduce a crash.
set -euo pipefail
cd "$(dirname "$0")"
all_targets=(codec auth options http-request)
seconds=60
targets=()
while (($#)); do
  case "$1" in
    --time)
      seconds="${2:?--time needs a number of seconds}"
      shift 2
      ;;
    --time=*)
      seconds="${1#--time=}"
      shift
      ;;
    -h | --help)
      sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      [[ " ${all_targets[*]} " == *" $1 "* ]] || {
        echo "fuzz.sh: unknown target \"$1\" (one of: ${all_targets[*]})" >&2
        exit 2
      }
      targets+=("$1")
      shift
      ;;
  esac
done
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || {
  echo "fuzz.sh: --time wants a positive number of seconds, not \"$seconds\"" >&2
  exit 2
}
((${#targets[@]})) || targets=("${all_targets[@]}")

./scripts/install-deps.sh
build="${FUZZ_BUILD_DIR:-$PWD/build-fuzz}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DELECTOR_FUZZ=ON -DELECTOR_WERROR=ON -DELECTOR_BUILD_TESTS=OFF -DELECTOR_BUILD_BENCH=OFF \
  >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/elector-fuzz-}"

mkdir -p "$build/artifacts"
summary="$build/summary.txt"
: >"$summary"
failed=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  log="$build/$t.log"
  mkdir -p "$corpus"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
    -artifact_prefix="$build/artifacts/$t-")
  [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
  echo "== fuzzing $t for $seconds s (log: $log)"
  # New inputs go to the first directory; the seeds in the repository are only read.
  if "$build/bin/elector-fuzz-$t" "${args[@]}" "$corpus" "fuzz/corpus/$t" >"$log" 2>&1; then
    result="ok"
  else
    result="FAILED"
    failed+=("$t")
    grep -E "ERROR|SUMMARY|Test unit written|deadly signal" "$log" | head -20 >&2 || true
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1)
  line="$t: $result, ${seconds}s, ${execs:-?} runs, ${rate:-?} exec/s, $cov, corpus $(find "$corpus" -type f | wc -l) files"
  echo "$line" | tee -a "$summary"
done

if ((${#failed[@]})); then
  echo "fuzz.sh: failed: ${failed[*]}; inputs in $build/artifacts/ (see docs/testing.md)" >&2
  exit 1
fi
