#!/usr/bin/env bash
# Regenerates the binary seed inputs (fuzz/corpus/codec/ and fuzz/corpus/auth/) from the current
# wire format: builds elector-fuzz-seeds (fuzz/make_seeds.cpp) in build-fuzz/ and runs it. The
# text seeds (options/, http-request/) are written by hand; options/example.toml is a copy of
# docs/electord.example.toml, refreshed here too.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${FUZZ_BUILD_DIR:-$PWD/build-fuzz}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DELECTOR_FUZZ=ON -DELECTOR_WERROR=ON -DELECTOR_BUILD_TESTS=OFF -DELECTOR_BUILD_BENCH=OFF \
  >/dev/null
cmake --build "$build" -j"$(nproc)" --target elector-fuzz-seeds
rm -rf fuzz/corpus/codec fuzz/corpus/auth
"$build/bin/elector-fuzz-seeds" fuzz/corpus
cp docs/electord.example.toml fuzz/corpus/options/example.toml
