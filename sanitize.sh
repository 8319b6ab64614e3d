#!/usr/bin/env bash
# Builds the tests under sanitizers and runs them: ./sanitize.sh [asan|tsan]... (default: both).
#   asan: AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer included), into build-asan/
#   tsan: ThreadSanitizer, into build-tsan/, running only the threaded layers' tests
# Both use clang: GCC 12 warns falsely inside <regex> under -fsanitize=address at -O1, and clang
# is needed for the fuzz targets anyway. SANITIZE_BUILD_ROOT puts the build directories elsewhere
# (default: the repository). docs/testing.md says what is excluded and why.
set -euo pipefail
cd "$(dirname "$0")"
root="${SANITIZE_BUILD_ROOT:-$PWD}"
jobs="${SANITIZE_JOBS:-$(nproc)}"

kinds=("$@")
((${#kinds[@]})) || kinds=(asan tsan)
for k in "${kinds[@]}"; do
  case "$k" in
    asan | tsan) ;;
    *)
      echo "usage: $0 [asan|tsan]..." >&2
      exit 2
      ;;
  esac
done

./scripts/install-deps.sh

# Too slow under the sanitizers, and covered by ./test.sh on the plain build: the 1,000-node
# simulator run (minutes even unsanitized), the 50-process cluster and the 60 s chaos run (many
# instrumented daemons on 2 cores miss their timing bounds, which says nothing about memory or
# threads). docs/testing.md has the list with the reasons.
slow='sim_cli_1000_faults|real_cluster_50|chaos_60s|chaos_fenced_writer_60s'
# The installed package is for programs built without a sanitizer: a consumer linked against an
# instrumented libelector would need the sanitizer's runtime and flags (and under TSan the
# libraries are not even built). ./test.sh runs it on the plain build. The man pages, the bash
# completion and the Kubernetes manifests are text checked against --help, and the Debian packages
# and their unit (deb_packages, systemd_unit) are files: no C++ behaviour. The browser test checks
# the page's script in Chromium; the serving of /ui is the daemon tests' (control_ui_test.cpp),
# which run sanitized.
plain_only='install_consumer|man_pages|bash_completion|kubernetes_manifests|deb_packages|systemd_unit|ui_browser'
asan_exclude="^($slow|$plain_only)\$"
# ThreadSanitizer covers the layers that run threads: the transport (tests/net), the library
# (tests/node), the daemon (tests/daemon), electorctl (tests/ctl) and the real-process tests,
# whose daemons are then built with it. Only those are built: the single-threaded core,
# simulator and wire tests gain nothing from it and run under ASan; ctest lists each test program
# not built as one *_NOT_BUILT test; the simulator's command-line tests need elector-sim, and
# chaos_without_netns_fails the single-threaded chaos harness (both run under ASan).
tsan_targets=(elector-net-tests elector-node-tests elector-daemon-tests elector-ctl-tests electord
  electorctl)
tsan_exclude="^($slow|$plain_only|sim_cli_.*|chaos_.*)\$|_NOT_BUILT\$"

build() {
  local kind=$1 dir=$2 flags=$3
  shift 3
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
    -DELECTOR_WERROR=ON -DELECTOR_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="-O1 -g -fno-omit-frame-pointer $flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" >/dev/null
  echo "== building $kind in $dir"
  cmake --build "$dir" -j"$jobs" "$@"
}

status=0
for k in "${kinds[@]}"; do
  start=$SECONDS
  if [ "$k" = asan ]; then
    dir="$root/build-asan"
    build asan "$dir" "-fsanitize=address,undefined -fno-sanitize-recover=undefined"
    echo "== running the tests under ASan + UBSan"
    ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:abort_on_error=0 \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900 -E "$asan_exclude" ||
      status=1
  else
    dir="$root/build-tsan"
    build tsan "$dir" "-fsanitize=thread" --target "${tsan_targets[@]}"
    # Function-local statics built inside Debian's uninstrumented shared library cpp-httplib (its
    # regexes, used by the daemon tests' client): their initialization guard is read without
    # instrumentation, so TSan does not see it happen before the first use on another thread and
    # reports the object's construction as racing with that use. (spdlog is header-only here, so
    # its registry is instrumented like our own code.)
    cat >"$dir/tsan.supp" <<'SUPP'
race:libcpp-httplib.so
SUPP
    echo "== running the threaded tests under TSan"
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$dir/tsan.supp" \
      ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 900 \
      -E "$tsan_exclude" || status=1
  fi
  echo "== $k: $((SECONDS - start)) s"
done
exit $status
