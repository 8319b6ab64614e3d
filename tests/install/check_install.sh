#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a user's program against it, as a user
# would: through find_package(elector) (shared, then static) and through pkg-config (shared, then
# static). Each program starts a node, which must elect itself, and prints the version.
#
#   check_install.sh BUILD_DIR CONSUMER_SRC CMAKE CXX GENERATOR VERSION ABI
#
# The program is copied out of the source tree and given only the prefix, so nothing it compiles
# can reach the sources; its compile commands are checked for them too.
set -euo pipefail
build=$1 consumer_src=$2 cmake=$3 cxx=$4 generator=$5 version=$6 abi=$7
src_root=$(cd "$consumer_src/../../.." && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

prefix=$tmp/prefix
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
  cat "$tmp/install.log"
  fail "cmake --install"
}

# What is installed, and where.
libdir=$(dirname "$(find "$prefix" -name "libelector.so.$abi" | head -1)")
[[ -n $libdir && $libdir != . ]] || fail "no libelector.so.$abi installed"
for f in "$libdir/libelector.so" "$libdir/libelector.a" "$libdir/pkgconfig/elector.pc" \
  "$libdir/cmake/elector/electorConfig.cmake" "$libdir/cmake/elector/electorConfigVersion.cmake" \
  "$prefix/include/elector/node.hpp" "$prefix/include/elector/version.hpp" \
  "$prefix/bin/electord" "$prefix/bin/electorctl" "$prefix/share/man/man8/electord.8.gz" \
  "$prefix/share/man/man1/electorctl.1.gz" "$prefix/share/bash-completion/completions/electorctl"; do
  [[ -e $f ]] || fail "not installed: ${f#"$prefix"/}"
done
readelf -d "$libdir/libelector.so.$abi" | grep -q "SONAME.*\[libelector.so.$abi\]" ||
  fail "libelector.so's SONAME is not libelector.so.$abi"
extra=$(find "$prefix/bin" -type f ! -name electord ! -name electorctl)
[[ -z $extra ]] || fail "installed beyond electord and electorctl: $extra"

# The installed headers include only each other and the standard library.
for h in "$prefix"/include/elector/*.hpp; do
  while read -r inc; do
    [[ -e $prefix/include/$inc ]] || fail "$(basename "$h") includes $inc, which is not installed"
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$h")
  if grep -nE '^#include <(boost|sodium|spdlog|fmt|toml|httplib|nlohmann|CLI)' "$h"; then
    fail "$(basename "$h") includes a third-party header"
  fi
done

cp -r "$consumer_src" "$tmp/consumer"
check_output() {  # name binary
  local out
  out=$("$2") || fail "$1: the program failed: $out"
  grep -qx "elector $version (ABI $abi)" <<<"$out" || fail "$1: wrong version line: $out"
  grep -q "is_leader true" <<<"$out" || fail "$1: the node did not lead: $out"
  echo "$1: $out" | tr '\n' ' '
  echo
}
no_sources() {  # name compile_commands-or-command-line
  if grep -qF "$src_root/" <<<"$2"; then fail "$1: the build saw the source tree: $2"; fi
}

# find_package, shared then static.
for kind in shared static; do
  static=OFF
  [[ $kind == static ]] && static=ON
  dir=$tmp/cmake-$kind
  "$cmake" -S "$tmp/consumer" -B "$dir" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCONSUMER_STATIC=$static \
    -DCONSUMER_ELECTOR_VERSION="$version" >"$tmp/configure-$kind.log" 2>&1 || {
    cat "$tmp/configure-$kind.log"
    fail "find_package ($kind): configure"
  }
  grep -qF "from $libdir/cmake/elector" "$tmp/configure-$kind.log" ||
    fail "find_package ($kind) found elector elsewhere: $(grep consumer: "$tmp/configure-$kind.log")"
  "$cmake" --build "$dir" >"$tmp/build-$kind.log" 2>&1 || {
    cat "$tmp/build-$kind.log"
    fail "find_package ($kind): build"
  }
  no_sources "find_package ($kind)" "$(cat "$dir/compile_commands.json")"
  if [[ $kind == shared ]]; then
    readelf -d "$dir/consumer" | grep -q "NEEDED.*\[libelector.so.$abi\]" ||
      fail "the shared consumer does not load libelector.so.$abi"
  else
    if readelf -d "$dir/consumer" | grep -q 'NEEDED.*libelector'; then
      fail "the static consumer loads libelector.so"
    fi
  fi
  check_output "find_package ($kind)" "$dir/consumer"
done

# A version the package must refuse though it is older (a newer one any package refuses): the
# previous minor release while 0.x, the previous major one after.
IFS=. read -r major minor _ <<<"$version"
wrong=""
if ((major > 0)); then wrong="$((major - 1)).0"; elif ((minor > 0)); then wrong="0.$((minor - 1))"; fi
if [[ -n $wrong ]]; then
  if "$cmake" -S "$tmp/consumer" -B "$tmp/cmake-wrong" -G "$generator" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCONSUMER_ELECTOR_VERSION="$wrong" >"$tmp/wrong.log" 2>&1; then
    fail "find_package(elector $wrong) accepted version $version"
  fi
  grep -q "compatible with requested version \"$wrong\"" "$tmp/wrong.log" ||
    fail "find_package(elector $wrong) failed otherwise: $(cat "$tmp/wrong.log")"
fi

# pkg-config, shared then static (the archive named, its private requirements from --static).
export PKG_CONFIG_PATH=$libdir/pkgconfig
[[ $(pkg-config --modversion elector) == "$version" ]] || fail "pkg-config --modversion"
flags="$(pkg-config --cflags --libs elector)"
no_sources "pkg-config (shared)" "$flags"
# shellcheck disable=SC2086  # the flags are words
"$cxx" -std=c++20 -Wall -Wextra -Werror "$tmp/consumer/main.cpp" $flags -o "$tmp/pc-shared" ||
  fail "pkg-config (shared): build with $flags"
LD_LIBRARY_PATH=$libdir check_output "pkg-config (shared)" "$tmp/pc-shared"

static_libs="$(pkg-config --static --libs-only-l elector | sed 's/-lelector//')"
grep -q -- -lsodium <<<"$static_libs" || fail "pkg-config --static does not name libsodium"
cflags="$(pkg-config --cflags elector)"
other="$(pkg-config --static --libs-only-other elector)"
# shellcheck disable=SC2086
"$cxx" -std=c++20 -Wall -Wextra -Werror $cflags "$tmp/consumer/main.cpp" \
  "$(pkg-config --variable=libdir elector)/libelector.a" $other $static_libs -o "$tmp/pc-static" ||
  fail "pkg-config (static): build"
if readelf -d "$tmp/pc-static" | grep -q 'NEEDED.*libelector'; then
  fail "the static pkg-config consumer loads libelector.so"
fi
check_output "pkg-config (static)" "$tmp/pc-static"
echo "install: OK"
