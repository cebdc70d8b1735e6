#!/usr/bin/env bash
# scripts/test.sh [--sanitize]: set up, build everything and run the whole test
# suite through ctest (every Catch2 case in its own process).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build; flag=()
if [ "${1:-}" = "--sanitize" ]; then dir=build-asan; flag=(--sanitize); fi
scripts/build.sh "${flag[@]}"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
cd "$dir"
ctest --output-on-failure -j "$(nproc)" --timeout 600
