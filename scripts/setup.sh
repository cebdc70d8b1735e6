#!/usr/bin/env bash
# Installs every build, test and plotting dependency of ddisim from Debian 12
# packages. Idempotent: when everything is present it only checks and returns.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config ccache clang libclang-rt-14-dev
      libsystemc-dev catch2 libyaml-cpp-dev nlohmann-json3-dev libcli11-dev libfmt-dev
      sg3-utils parallel python3 python3-matplotlib)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "setup: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
