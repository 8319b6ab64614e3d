#!/usr/bin/env bash
# Installs what is missing, builds, and shows a cluster electing, losing and re-electing its
# leader (a simulated 5-node cluster, narrated).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
./scripts/build.sh
echo
./build/bin/elector-demo
echo
echo "The same with random faults from a seed (crashes, freezes, partitions, loss):"
./build/bin/elector-sim --nodes 5 --seed 7 --faults --quorum-size 3
