#!/usr/bin/env bash
# scripts/validate.sh [--reduced] [--out DIR] [validate.py options]: build ddisim
# if needed, run the validation study (scripts/validate.py) and write its report.
#   full (default): regenerates docs/validation.md and docs/validation/*.svg
#   --reduced:      the CI size (well under 5 minutes); writes only into
#                   build/validation-reduced/ (or --out DIR)
# DDISIM=PATH uses that executable and skips the build (e.g. a build folder of
# your own: DDISIM=build-x/ddisim scripts/validate.sh --reduced).
# Exit status: 0 all experiments within their bounds, 1 some experiment failed,
# 2 a run error. Needs /usr/bin/python3 with matplotlib for the plots (Debian
# python3-matplotlib); without it the report is written without plots.
set -euo pipefail
exe=""
[ -n "${DDISIM:-}" ] && exe=$(realpath "$DDISIM")   # relative to the caller's folder
cd "$(dirname "$0")/.."
if [ -z "$exe" ]; then
  scripts/build.sh ddisim >/dev/null
  exe="$PWD/build/ddisim"
fi
py=/usr/bin/python3
[ -x "$py" ] || py=python3
exec "$py" scripts/validate.py --ddisim "$exe" "$@"
