#!/usr/bin/env bash
# The protocol core must stay deterministic: no sockets, threads, sleeps, clock reads or
# process-global randomness. Fails listing the offending lines.
set -euo pipefail
dir="$1"
pattern='#include <(asio|boost/asio|thread|mutex|future|random|ctime|sys/|unistd|netinet)|std::this_thread|steady_clock|system_clock|high_resolution_clock|std::rand|random_device|clock_gettime|\bsleep\('
if grep -rnE "$pattern" "$dir"; then
  echo "core_is_pure: the lines above do not belong in the protocol core" >&2
  exit 1
fi
echo "core is pure: $(ls "$dir" | wc -l) files checked"
