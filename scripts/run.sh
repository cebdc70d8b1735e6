#!/usr/bin/env bash
# scripts/run.sh [ddisim run arguments...]: set up, build, and run the main job
# (with no arguments: the embedded default scenario).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh ddisim >/dev/null
exec build/ddisim run "$@"
