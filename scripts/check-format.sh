#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.hpp' 2>/dev/null || find include src tools tests bench -name '*.[ch]pp')
[ -n "$files" ] || exit 0
clang-format --dry-run --Werror $files
