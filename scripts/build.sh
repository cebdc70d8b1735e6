#!/usr/bin/env bash
# scripts/build.sh [--sanitize] [--fuzz] [target...]: configure (once) and build.
# Build folders: build/ (default), build-asan/ (ASan+UBSan), build-fuzz/ (clang, libFuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."
"$PWD/scripts/setup.sh"
# ccache (used when installed): key on paths relative to the checkout, so a
# second clone of the same sources (CI's fresh clone) reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
dir=build; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitize) dir=build-asan; extra+=(-DDDISIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug); shift ;;
    --fuzz) dir=build-fuzz; extra+=(-DDDISIM_FUZZ=ON -DDDISIM_TESTS=OFF -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo); shift ;;
    *) break ;;
  esac
done
if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${extra[@]}" >/dev/null
fi
jobs=$(nproc)
if [ $# -gt 0 ]; then
  cmake --build "$dir" -j "$jobs" --target "$@"
else
  cmake --build "$dir" -j "$jobs"
fi
