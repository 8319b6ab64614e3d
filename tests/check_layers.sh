#!/usr/bin/env bash
# The layers stay apart: Asio only in the transport (src/net) and the daemon (src/daemon); the
# HTTP library only in the daemon and the command-line client (src/ctl); spdlog only in the
# daemon; public headers include none of them. Fails listing the offending lines.
set -euo pipefail
root="$1"
fail=0
check() {  # pattern, allowed dirs (regex on the path), what
  local pattern="$1" allowed="$2" what="$3" hits
  hits=$(grep -rnE "$pattern" "$root/src" "$root/include" "$root/tools" "$root/examples" 2>/dev/null |
    grep -vE "^$root/($allowed)/" || true)
  if [ -n "$hits" ]; then
    echo "$hits"
    echo "check_layers: $what" >&2
    fail=1
  fi
}
check '#include <asio' 'src/net|src/daemon' "Asio belongs to src/net and src/daemon only"
check '#include <httplib' 'src/daemon|src/ctl' "the HTTP library belongs to src/daemon and src/ctl only"
check '#include <spdlog' 'src/daemon' "spdlog belongs to src/daemon only: libelector logs through NodeCallbacks::log"
exit $fail
