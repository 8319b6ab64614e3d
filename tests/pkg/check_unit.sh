#!/usr/bin/env bash
# deploy/systemd/electord.service passes `systemd-analyze verify` without a word (an unknown key
# or section is only a warning there, which fails this test too) with ExecStart pointed at the
# built electord, and its sandbox keeps `systemd-analyze security`'s exposure at 2.0 or below.
#   check_unit.sh UNIT ELECTORD
set -euo pipefail
unit=$1 electord=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
grep -q '^ExecStart=/usr/bin/electord ' "$unit" || {
  echo "check_unit: $unit does not start /usr/bin/electord" >&2
  exit 1
}
sed "s|^ExecStart=/usr/bin/electord |ExecStart=$electord |" "$unit" >"$work/electord.service"
status=0
systemd-analyze verify --man=no "$work/electord.service" >"$work/verify.txt" 2>&1 || status=$?
if ((status != 0)) || [ -s "$work/verify.txt" ]; then
  cat "$work/verify.txt" >&2
  echo "check_unit: systemd-analyze verify complains about $unit" >&2
  exit 1
fi
if ! systemd-analyze security --offline=yes --threshold=20 "$work/electord.service" \
  >"$work/security.txt" 2>&1; then
  grep -E "^(✗|→)" "$work/security.txt" >&2
  echo "check_unit: the unit's exposure is above 2.0" >&2
  exit 1
fi
tail -1 "$work/security.txt"
