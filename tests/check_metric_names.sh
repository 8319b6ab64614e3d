#!/usr/bin/env bash
# Every metric that the Grafana dashboard's queries and the alert rules use is one that
# docs/metrics.md lists (and real_metrics checks the docs' list against a running node's page),
# and the dashboard is valid JSON: a renamed metric cannot leave either stale.
# Usage: check_metric_names.sh REPO_ROOT
set -euo pipefail
root="$1"
dash="$root/deploy/grafana/elector.json"
rules="$root/deploy/prometheus/alerts.yml"
docs="$root/docs/metrics.md"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

documented=$(sed -n 's/^| `\(\(elector\|process\)_[a-z_]*\)` | \(counter\|gauge\|histogram\) |.*/\1/p' "$docs")
histograms=$(sed -n 's/^| `\(\(elector\|process\)_[a-z_]*\)` | histogram |.*/\1/p' "$docs")
[ "$(echo "$documented" | wc -l)" -ge 20 ] || fail "cannot read the metrics table of $docs"

jq -e '.panels | length > 0' "$dash" >/dev/null || fail "$dash is not JSON with panels"
queries=$(jq -r '[.. | objects | (.expr?, .definition?) | strings] | .[]' "$dash")
[ -n "$queries" ] || fail "no query found in $dash"
exprs=$(cat "$rules")
grep -q "expr:" <<<"$exprs" || fail "no expr found in $rules"

# known NAME: a documented metric, or a histogram's series.
known() {
  local name="$1" base
  grep -qx "$name" <<<"$documented" && return 0
  for suffix in _bucket _sum _count; do
    base="${name%"$suffix"}"
    [ "$base" != "$name" ] && grep -qx "$base" <<<"$histograms" && return 0
  done
  return 1
}

used=$(printf '%s\n%s\n' "$queries" "$exprs" | grep -oE '\b(elector|process)_[a-z_]+' | sort -u)
bad=0
for name in $used; do
  if ! known "$name"; then
    echo "unknown metric: $name (not in docs/metrics.md's table)" >&2
    bad=1
  fi
done
[ "$bad" -eq 0 ] || fail "the dashboard or the alert rules use metrics the docs do not list"
echo "$(echo "$used" | wc -l) metric names used, every one documented"
