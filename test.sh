#!/usr/bin/env bash
# Installs what is missing, builds, checks formatting and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
./scripts/build.sh
./scripts/check-format.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
