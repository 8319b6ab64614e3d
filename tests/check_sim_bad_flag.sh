#!/usr/bin/env bash
# A bad flag or value exits with code 2 and names the offending option.
set -uo pipefail
sim="$1"
check() {
  local want="$1"; shift
  err=$("$sim" "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -ne 2 ]; then echo "expected exit 2 for $*, got $rc" >&2; exit 1; fi
  if ! grep -q -- "$want" <<<"$err"; then echo "message for $* does not name $want: $err" >&2; exit 1; fi
}
check --strategy --strategy fastest
check --nodes --nodes 0
check --profile --faults --profile chaos
check --clock-skew --clock-skew sometimes
check --quorum-size --quorum-size -1
check --bogus --bogus
echo ok
