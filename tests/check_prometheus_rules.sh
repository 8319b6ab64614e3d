#!/usr/bin/env bash
# The alert rules (deploy/prometheus/alerts.yml) are valid, and their unit tests
# (alerts_test.yml: each alert firing and not firing) pass.
# Usage: check_prometheus_rules.sh REPO_ROOT
set -euo pipefail
command -v promtool >/dev/null || {
  echo "FAIL: no promtool on PATH (Debian package prometheus, scripts/install-deps.sh)" >&2
  exit 1
}
cd "$1/deploy/prometheus"
promtool check rules alerts.yml
promtool test rules alerts_test.yml
