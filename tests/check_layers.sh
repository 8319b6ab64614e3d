#!/usr/bin/env bash
# The layers stay apart: Boost.Asio and Beast only in the transport (src/net) and the daemon
# (src/daemon); the HTTP library only in the daemon and the command-line client (src/ctl); spdlog
# only in the daemon; public headers include none of them; and each layer of src/ includes only
# the layers below it (the table below). Fails listing the offending lines.
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
check '#include <(boost/)?asio|#include <boost/beast' 'src/net|src/daemon' "Asio (Boost.Asio, Beast) belongs to src/net and src/daemon only"
check '#include <httplib' 'src/daemon|src/ctl' "the HTTP library belongs to src/daemon and src/ctl only"
check '#include <spdlog' 'src/daemon' "spdlog belongs to src/daemon only: libelector logs through NodeCallbacks::log"

# The edges between the project's own layers: each folder of src/ is one layer, and includes
# only the layers src/layers.txt allows (below it), besides the public headers of include/elector/.
# The build enforces the same table through each layer's include path (cmake/layers.cmake); this
# check names the offending line. docs/design.md §1 draws the graph.
declare -A allowed=()
while IFS= read -r row; do
  [[ "$row" =~ ^([a-z_]+):(.*)$ ]] || continue
  allowed[${BASH_REMATCH[1]}]="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
done <"$root/src/layers.txt"
for dir in "$root"/src/*/; do
  layer=$(basename "$dir")
  if [ -z "${allowed[$layer]+set}" ]; then
    echo "check_layers: src/$layer is a layer the table does not know: add its allowed edges" >&2
    fail=1
    continue
  fi
  while IFS= read -r hit; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$hit")
    [ "$target" = elector ] && continue
    if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "$hit"
      echo "check_layers: src/$layer may include only ${allowed[$layer]} (and include/elector/), not $target" >&2
      fail=1
    fi
  done < <(grep -rnE '#include "[a-z_]+/' "$dir" || true)
done
# The public Node API sits above the transport and the core: only the node layer, which
# implements it, and the daemon, which uses it, include it.
check '#include "elector/node.hpp"' 'src/node|src/daemon|tools|examples' \
  "elector/node.hpp is the library's top: the layers below it do not include it"
exit $fail
