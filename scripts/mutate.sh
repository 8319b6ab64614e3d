#!/usr/bin/env bash
# Mutation testing of the safety rules (docs/testing.md, "Mutation testing of the safety rules").
#
#   scripts/mutate.sh [--suite quick|full] [--only NAME[,NAME...]] [--list] [--with FILE[,FILE...]]
#                     [--tests GTEST_FILTER]
#
# Each line of scripts/mutants.txt breaks one safety rule of the core with a one-line change. For
# each, this script applies it to a copy of the tree, builds there, runs the suite, and reports
# KILLED (some test failed, the suite hung, or a static_assert refused the build) or SURVIVED,
# then restores the file byte for byte. A suite that passes with a rule broken does not defend
# that rule.
#
# The work tree is only read (others may be building from it): the mutants are made in a copy of
# HEAD (git archive) in $ELECTOR_MUTATE_DIR (default /tmp/elector-mutate-$UID), with its own build
# directory, kept between runs so that ccache and ninja redo only what a mutant changes. --with
# adds the work tree's version of each FILE (a test not committed yet); other uncommitted files
# are left out, as they may need changes elsewhere that are still in progress. An interrupted run
# (Ctrl-C) restores the mutated file before it exits. ELECTOR_MUTATE_JOBS: build jobs (2).
#
# Suites:
#   quick  elector-tests, without the randomized fault runs but for one of their four tests
#          (RandomFaults.ThreeNodesMajorityQuorum200Seeds), stopping at the first failure;
#   full   all of elector-tests, then elector-sim --faults on seeds 1..100 of 3, 5 and 7 nodes
#          with a majority quorum (300 runs).
# --tests runs only the elector-tests that GTEST_FILTER selects (say, to see whether one test
# kills a mutant on its own).
#
# Exit status: 0 when every mutant was killed or is marked `survives` in the list (a documented
# harmless mutant), 1 when one survived unexpectedly, 2 on bad usage or a broken list (a "find"
# text that is not in its file exactly once: the code moved and the list must follow), 3 when the
# unmutated copy fails to build or fails its own suite.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
list="$repo/scripts/mutants.txt"
work="${ELECTOR_MUTATE_DIR:-/tmp/elector-mutate-$(id -u)}"
jobs="${ELECTOR_MUTATE_JOBS:-2}"
suite=quick
only=""
do_list=0
with=""
tests=""

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --list)
      do_list=1
      shift
      ;;
    -h | --help) usage ;;
    --suite | --only | --tests | --with)
      [ $# -ge 2 ] || {
        echo "mutate.sh: $1 needs a value" >&2
        exit 2
      }
      case "$1" in
        --suite) suite="$2" ;;
        --only) only="$2" ;;
        --tests) tests="$2" ;;
        --with) with="${with:+$with,}$2" ;;
      esac
      shift 2
      ;;
    *)
      echo "mutate.sh: unknown option '$1'" >&2
      exit 2
      ;;
  esac
done
case "$suite" in quick | full) ;; *)
  echo "mutate.sh: --suite is quick or full, not '$suite'" >&2
  exit 2
  ;;
esac

# ---------------------------------------------------------------- the list

# Fields separated by " ||| " (no C++ text contains it): name, file, find, replace, and an
# optional "survives" for a mutant that docs/testing.md lists as harmless. Names are unique.
names=()
files=()
finds=()
repls=()
expects=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  [[ "$line" =~ ^[[:space:]]*(#|$) ]] && continue
  # A line that ends in " |||" (an editor may strip the space after it) replaces with nothing.
  [[ "$line" == *" |||" ]] && line+=" "
  rest="$line"
  fields=()
  while [[ "$rest" == *" ||| "* ]]; do
    fields+=("${rest%% ||| *}")
    rest="${rest#* ||| }"
  done
  fields+=("$rest")
  if [ ${#fields[@]} -lt 4 ] || [ ${#fields[@]} -gt 5 ]; then
    echo "mutate.sh: $list:$lineno: want 'name ||| file ||| find ||| replace [||| survives]'" >&2
    exit 2
  fi
  expect="${fields[4]:-killed}"
  if [ "$expect" != killed ] && [ "$expect" != survives ]; then
    echo "mutate.sh: $list:$lineno: the fifth field is 'survives' or nothing" >&2
    exit 2
  fi
  for n in "${names[@]}"; do
    [ "$n" != "${fields[0]}" ] || {
      echo "mutate.sh: $list:$lineno: name '$n' used twice" >&2
      exit 2
    }
  done
  names+=("${fields[0]}")
  files+=("${fields[1]}")
  finds+=("${fields[2]}")
  repls+=("${fields[3]}")
  expects+=("$expect")
done <"$list"

selected=()
if [ -n "$only" ]; then
  IFS=, read -r -a wanted <<<"$only"
  for w in "${wanted[@]}"; do
    found=-1
    for i in "${!names[@]}"; do [ "${names[$i]}" != "$w" ] || found=$i; done
    [ "$found" -ge 0 ] || {
      echo "mutate.sh: no mutant named '$w' (--list shows them)" >&2
      exit 2
    }
    selected+=("$found")
  done
else
  selected=("${!names[@]}")
fi

if [ "$do_list" = 1 ]; then
  for i in "${selected[@]}"; do
    printf '%-34s %s%s\n    - %s\n    + %s\n' "${names[$i]}" "${files[$i]}" \
      "$([ "${expects[$i]}" = survives ] && echo '   (survives: harmless)')" "${finds[$i]}" "${repls[$i]}"
  done
  exit 0
fi

# ---------------------------------------------------------------- the copy

mkdir -p "$work"
exec 9>"$work/lock"
flock -n 9 || {
  echo "mutate.sh: another run holds $work/lock" >&2
  exit 2
}
src="$work/src"
build="$work/build"
logs="$work/logs"
mkdir -p "$src" "$logs"
# Paths relative to the work directory: ccache hits whatever directory a run uses.
export CCACHE_BASEDIR="$work"
commit="$(git -C "$repo" rev-parse HEAD)"

# Brings $src to HEAD plus the overlay, rewriting only the files whose bytes differ (so that the
# build redoes only what changed since the last run) and deleting those no longer there.
python3 - "$repo" "$src" "$with" <<'EOF'
import io, os, subprocess, sys, tarfile
repo, dest, extra = sys.argv[1], sys.argv[2], [p for p in sys.argv[3].split(",") if p]
tar = subprocess.run(["git", "-C", repo, "archive", "--format=tar", "HEAD"],
                     check=True, capture_output=True).stdout
want = {}
with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
    for m in tf.getmembers():
        if m.isfile():
            want[m.name] = (tf.extractfile(m).read(), m.mode)
for path in extra:
    path = os.path.normpath(path)
    full = os.path.join(repo, path)
    if path.startswith("..") or not os.path.isfile(full):
        sys.exit("mutate.sh: --with " + path + ": no such file in the work tree")
    with open(full, "rb") as f:
        want[path] = (f.read(), os.stat(full).st_mode & 0o777)
    print("mutate.sh: with the work tree's " + path)
for path, (data, mode) in want.items():
    dst = os.path.join(dest, path)
    try:
        with open(dst, "rb") as f:
            if f.read() == data:
                continue
    except FileNotFoundError:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "wb") as f:
        f.write(data)
    os.chmod(dst, mode)
for root, _, names in os.walk(dest):
    for n in names:
        rel = os.path.relpath(os.path.join(root, n), dest)
        if rel not in want:
            os.remove(os.path.join(root, n))
EOF

# Every selected mutant's text must be in its file exactly once, before anything is built.
broken=0
for i in "${selected[@]}"; do
  f="$src/${files[$i]}"
  if [ ! -f "$f" ]; then
    echo "mutate.sh: ${names[$i]}: no file ${files[$i]}" >&2
    broken=1
    continue
  fi
  n="$(python3 -c 'import sys; print(open(sys.argv[1]).read().count(sys.argv[2]))' "$f" "${finds[$i]}")"
  if [ "$n" != 1 ]; then
    echo "mutate.sh: ${names[$i]}: '${finds[$i]}' occurs $n times in ${files[$i]}, not once:" \
      "the code moved; update scripts/mutants.txt" >&2
    broken=1
  fi
done
[ "$broken" = 0 ] || exit 2

# ---------------------------------------------------------------- build and suite

targets=(elector-tests)
[ "$suite" = full ] && targets+=(elector-sim)
if [ ! -f "$build/build.ninja" ]; then
  # -O2 without -DNDEBUG: the asserts stay in; no debug info, which only slows the links.
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Mutate -DCMAKE_CXX_FLAGS_MUTATE=-O2 \
    -DELECTOR_WERROR=ON -DELECTOR_BUILD_BENCH=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    >"$logs/configure.log" 2>&1 || {
    cat "$logs/configure.log" >&2
    exit 3
  }
fi

build_targets() { # log
  cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$1" 2>&1
}

quick_filter='-RandomFaults.*'
quick_extra='RandomFaults.ThreeNodesMajorityQuorum200Seeds'
sim_shapes=("--nodes 3 --quorum-size 2" "--nodes 5 --quorum-size 3" "--nodes 7 --quorum-size 4")
sim_seeds=100
suite_limit=0 # seconds; set from the unmutated run

# Runs the suite into log $1; returns 0 when it passes. The first failure is the last line of
# the log that starts with "FAILED:".
run_suite() {
  local log="$1" bin="$build/bin/elector-tests" rc=0
  : >"$log"
  run_tests() { # gtest filter, fail fast or not
    local -a flags=(--gtest_filter="$1" --gtest_brief=1)
    [ "$2" = fast ] && flags+=(--gtest_fail_fast)
    if [ "$suite_limit" -gt 0 ]; then
      timeout --kill-after=10 "$suite_limit" "$bin" "${flags[@]}" >>"$log" 2>&1
    else
      "$bin" "${flags[@]}" >>"$log" 2>&1
    fi
  }
  note_failure() { # what
    local first
    first="$(grep -m1 '^\[  FAILED  \]' "$log" | sed 's/^\[  FAILED  \] //; s/ (.*//')" || true
    echo "FAILED: ${first:-$1}" >>"$log"
  }
  if [ -n "$tests" ]; then
    run_tests "$tests" fast || rc=$?
  elif [ "$suite" = quick ]; then
    run_tests "$quick_filter" fast || rc=$?
    [ "$rc" = 0 ] && { run_tests "$quick_extra" fast || rc=$?; }
  else
    run_tests '*' fast || rc=$?
  fi
  if [ "$rc" != 0 ]; then
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
      note_failure "timed out after ${suite_limit} s"
    else
      note_failure "elector-tests exit $rc"
    fi
    return 1
  fi
  [ "$suite" = full ] && [ -z "$tests" ] || return 0
  local shape seed
  for shape in "${sim_shapes[@]}"; do
    for ((seed = 1; seed <= sim_seeds; seed++)); do
      # shellcheck disable=SC2086
      if ! timeout 120 "$build/bin/elector-sim" $shape --seed "$seed" --faults >>"$log" 2>&1; then
        echo "FAILED: elector-sim $shape --seed $seed --faults" >>"$log"
        return 1
      fi
    done
  done
  return 0
}

# ---------------------------------------------------------------- mutants

current="" # the file now mutated, restored from $work/original on any exit
restore() {
  [ -n "$current" ] || return 0
  cp "$work/original" "$current"
  cmp -s "$work/original" "$current" || {
    echo "mutate.sh: could not restore $current" >&2
    exit 3
  }
  current=""
}
trap 'restore' EXIT
trap 'restore; echo "mutate.sh: interrupted" >&2; exit 130' INT TERM

echo "mutate.sh: $commit, suite $suite, in $work"
t0=$SECONDS
if ! build_targets "$logs/unmutated-build.log"; then
  tail -30 "$logs/unmutated-build.log" >&2
  echo "mutate.sh: the unmutated copy does not build ($logs/unmutated-build.log)" >&2
  exit 3
fi
tb=$SECONDS
if ! run_suite "$logs/unmutated-suite.log"; then
  echo "mutate.sh: the unmutated copy fails its suite: $(tail -1 "$logs/unmutated-suite.log")" >&2
  exit 3
fi
base_time=$((SECONDS - tb))
# A mutant that makes the suite run three times as long as it should has broken something.
suite_limit=$((3 * base_time > 300 ? 3 * base_time : 300))
echo "mutate.sh: unmutated: build $((tb - t0)) s, suite $base_time s (passes)"

results="$work/results-$suite.txt"
: >"$results"
unexpected=0
k=0
for i in "${selected[@]}"; do
  k=$((k + 1))
  name="${names[$i]}"
  f="$src/${files[$i]}"
  start=$SECONDS
  cp "$f" "$work/original"
  current="$f"
  python3 - "$f" "${finds[$i]}" "${repls[$i]}" <<'EOF'
import sys
path, find, repl = sys.argv[1:4]
text = open(path).read()
assert text.count(find) == 1, find
open(path, "w").write(text.replace(find, repl))
EOF
  if ! build_targets "$logs/$name-build.log"; then
    restore
    if grep -q 'static assertion failed' "$logs/$name-build.log"; then
      outcome=KILLED
      detail="static_assert: $(grep -m1 -o '[^/]*: error: static assertion failed' "$logs/$name-build.log")"
    else
      outcome="DOES NOT BUILD"
      detail="$logs/$name-build.log"
      unexpected=1
    fi
  else
    if run_suite "$logs/$name-suite.log"; then
      outcome=SURVIVED
      detail=""
      [ "${expects[$i]}" = survives ] && detail="listed as harmless" || unexpected=1
    else
      outcome=KILLED
      detail="$(tail -1 "$logs/$name-suite.log" | sed 's/^FAILED: //')"
    fi
    restore
  fi
  line="$(printf '%-34s %-14s %4d s  %s' "$name" "$outcome" $((SECONDS - start)) "$detail")"
  echo "[$k/${#selected[@]}] $line"
  echo "$line" >>"$results"
done

# Leaves the copy's build as the tree is, so that the next run starts from there.
build_targets "$logs/restored-build.log" || true
echo "mutate.sh: ${#selected[@]} mutants in $((SECONDS - t0)) s; results in $results"
exit "$unexpected"
