#!/usr/bin/env bash
# The Debian packages (cmake/deb.cmake), built from this build tree into a temporary directory:
# lintian reports no error on any of them, each holds what it must (dpkg-deb -c / -I: programs,
# the unit and its conffile, the library with its SONAME, shlibs and ldconfig trigger, the
# development files), the Depends lines are right, and no file is in two packages.
#   check_debs.sh BUILD_DIR VERSION ABI_VERSION
set -euo pipefail
build=$1 version=$2 abi=$3
for tool in cpack dpkg-deb lintian readelf; do
  command -v "$tool" >/dev/null || {
    echo "check_debs: $tool not found (scripts/install-deps.sh installs it)" >&2
    exit 1
  }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() {
  echo "check_debs: $*" >&2
  fail=1
}

cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 || {
  cat "$work/cpack.log" >&2
  echo "check_debs: cpack failed" >&2
  exit 1
}
arch=$(dpkg --print-architecture)
declare -A deb=()
for pkg in libelector0 libelector-dev electorctl electord; do
  deb[$pkg]="$work/out/${pkg}_${version}_${arch}.deb"
  [ -f "${deb[$pkg]}" ] || bad "no package $pkg: $(ls "$work/out")"
done
((fail == 0)) || exit 1

# lintian: errors fail the test; the warnings are listed (docs/systemd.md says why they remain).
lintian --no-cfg --tag-display-limit 0 "${deb[@]}" >"$work/lintian.txt" 2>&1 || true
cat "$work/lintian.txt"
grep -q '^E: ' "$work/lintian.txt" && bad "lintian reports errors (E: above)"

# The files of each package, without the leading "." and without directories.
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|'; }
control() { dpkg-deb -f "$1" "$2"; }
for pkg in "${!deb[@]}"; do files "${deb[$pkg]}" >"$work/$pkg.files"; done
expect() {  # package, regex of a file it must hold
  grep -qE "^$2( |\$)" "$work/$1.files" || bad "$1 lacks $2"
}
libdir='/usr/lib(/[a-z0-9_]+-linux-gnu[a-z0-9_]*)?'
for pkg in "${!deb[@]}"; do
  expect "$pkg" "/usr/share/doc/$pkg/copyright"
  expect "$pkg" "/usr/share/doc/$pkg/changelog.gz"
done
expect libelector0 "$libdir/libelector\.so\.$abi"
expect libelector0 "$libdir/libelector\.so\.$version"
grep -qE '/libelector\.so$|\.a$|\.hpp$' "$work/libelector0.files" &&
  bad "libelector0 holds development files"
expect libelector-dev "$libdir/libelector\.so"
expect libelector-dev "$libdir/libelector\.a"
expect libelector-dev "/usr/include/elector/node\.hpp"
expect libelector-dev "/usr/include/elector/version\.hpp"
expect libelector-dev "$libdir/cmake/elector/electorConfig\.cmake"
expect libelector-dev "$libdir/cmake/elector/electorTargets\.cmake"
expect libelector-dev "$libdir/pkgconfig/elector\.pc"
expect electorctl "/usr/bin/electorctl"
expect electord "/usr/bin/electord"
expect electord "/lib/systemd/system/electord\.service"
expect electord "/etc/elector/electord\.toml"

# No file in two packages (dpkg would refuse to install the second).
sort "$work"/*.files | uniq -d >"$work/twice"
[ -s "$work/twice" ] && bad "in two packages: $(tr '\n' ' ' <"$work/twice")"

# The library: its SONAME, the shlibs file that programs' dependencies come from, the trigger.
mkdir "$work/lib"
dpkg-deb -x "${deb[libelector0]}" "$work/lib"
so=$(find "$work/lib" -name "libelector.so.$version" | head -1)
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libelector.so.$abi" ] || bad "libelector0's SONAME is '$soname', not libelector.so.$abi"
readelf -S "$so" | grep -q '\.debug_info' && bad "libelector.so is not stripped"
shlibs=$(dpkg-deb -I "${deb[libelector0]}" shlibs 2>/dev/null || true)
[[ "$shlibs" == "libelector $abi libelector0 (>= $version)"* ]] ||
  bad "libelector0's shlibs is '$shlibs'"
dpkg-deb -I "${deb[libelector0]}" triggers 2>/dev/null | grep -qx 'activate-noawait ldconfig' ||
  bad "libelector0 has no ldconfig trigger"

# The daemon: its conffile, stripped, its dependencies from dpkg-shlibdeps.
dpkg-deb -I "${deb[electord]}" conffiles 2>/dev/null | grep -qx /etc/elector/electord.toml ||
  bad "electord's conffiles lacks /etc/elector/electord.toml"
mkdir "$work/d"
dpkg-deb -x "${deb[electord]}" "$work/d"
readelf -S "$work/d/usr/bin/electord" | grep -q '\.debug_info' && bad "electord is not stripped"

# Depends.
depends() { control "${deb[$1]}" Depends; }
[[ "$(depends libelector-dev)" == *"libelector0 (= $version)"* ]] ||
  bad "libelector-dev's Depends is '$(depends libelector-dev)', without libelector0 (= $version)"
for pkg in libelector0 electorctl electord; do
  [[ "$(depends "$pkg")" == *"libc6 (>="* ]] || bad "$pkg's Depends lacks libc6: '$(depends "$pkg")'"
done
[[ "$(depends electord)" == *"libsystemd0"* ]] || bad "electord's Depends lacks libsystemd0"
for pkg in "${!deb[@]}"; do
  [ -n "$(control "${deb[$pkg]}" Maintainer)" ] || bad "$pkg has no Maintainer"
  [ -n "$(control "${deb[$pkg]}" Section)" ] || bad "$pkg has no Section"
done

for pkg in libelector0 libelector-dev electorctl electord; do
  printf '%-16s %8s bytes, Depends: %s\n' "$pkg" "$(stat -c %s "${deb[$pkg]}")" "$(depends "$pkg")"
done
exit $fail
