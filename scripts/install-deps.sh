#!/usr/bin/env bash
# Installs the Debian packages elector builds with, only those that are missing.
set -euo pipefail
pkgs=(
  build-essential cmake ninja-build pkg-config clang-format
  libboost-dev libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcpp-httplib-dev libsodium-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  jq procps gnuplot-nox curl python3 python3-jsonschema python3-yaml prometheus
  iproute2 iptables clang libclang-rt-14-dev
  postgresql libpq-dev
  dnsmasq-base chromium lintian libsystemd-dev bash-completion pandoc systemd dpkg-dev
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q || true
  $sudo apt-get install -y -q "${missing[@]}"
fi
