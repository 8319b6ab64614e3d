#!/usr/bin/env bash
# chaos.sh fails, at once and naming what is missing, when it cannot make the network namespaces
# its partitions need, rather than running without partitions and passing:
#   - with an `ip` that always fails (as `ip netns add` does without netns support);
#   - as root only: run as the unprivileged user nobody.
#
#   check_no_netns_fails.sh SOURCE_DIR BIN_DIR
set -euo pipefail
src="$1"
bin="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/elector-chaos-nonetns.XXXXXX")"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

# expect_failure NAME WANT CMD...: CMD must exit non-zero, print WANT, and not get to a run.
expect_failure() {
  local name="$1" want="$2" rc=0 out
  shift 2
  out=$("$@" 2>&1) || rc=$?
  printf '%s\n' "$out" | sed "s/^/$name: /"
  if [ "$rc" -eq 0 ]; then
    echo "FAIL: $name: chaos.sh passed without network namespaces" >&2
    exit 1
  fi
  if ! grep -qF "chaos: cannot make network partitions: $want" <<<"$out"; then
    echo "FAIL: $name: no message naming '$want'" >&2
    exit 1
  fi
  if grep -q '"run_start"' "$work/$name/faults.jsonl" 2>/dev/null; then
    echo "FAIL: $name: a run started" >&2
    exit 1
  fi
}

args=(--bin "$bin" --nodes 3 --quorum-size 2 --duration 15 --quiet 5 --seed 1)

mkdir -p "$work/fakebin"
printf '#!/bin/sh\necho "ip: no netns here" >&2\nexit 1\n' >"$work/fakebin/ip"
chmod 755 "$work/fakebin/ip"
if [ "$(id -u)" -eq 0 ]; then
  want='cannot create a network namespace: `ip netns add'
else
  want='not running as root'
fi
expect_failure ip_fails "$want" env PATH="$work/fakebin:$PATH" "$src/chaos.sh" "${args[@]}" \
  --dir "$work/ip_fails"

if [ "$(id -u)" -eq 0 ]; then
  mkdir -m 777 "$work/not_root"
  # The user nobody may not reach the tree (a checkout under a private directory): it runs
  # copies of chaos.sh and of the programs it calls.
  mkdir -m 755 "$work/tree" "$work/tree/bin"
  cp "$src/chaos.sh" "$work/tree/"
  cp "$bin/elector-chaos" "$bin/elector-chaos-check" "$bin/electord" "$work/tree/bin/"
  chmod 755 "$work/tree/chaos.sh" "$work/tree/bin/"*
  expect_failure not_root 'not running as root' setpriv --reuid=65534 --regid=65534 \
    --clear-groups "$work/tree/chaos.sh" "${args[@]/#$bin/$work/tree/bin}" --dir "$work/not_root"
fi
echo "PASS"
