#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: build the libFuzzer targets with clang and run
# each for SECONDS (default 30). Seeds: testbench/fuzz/corpus/<target>/ and,
# for the scenario parser, scenarios/*.yaml. A crash fails the script and
# leaves the reproducer in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
scripts/build.sh --fuzz fuzzers
mkdir -p build-fuzz/artifacts
status=0
for f in build-fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  work=build-fuzz/corpus-$name
  mkdir -p "$work"
  seeds=()
  [ -d "testbench/fuzz/corpus/$name" ] && seeds+=("testbench/fuzz/corpus/$name")
  if [ "$name" = fuzz_scenario ] || [ "$name" = fuzz_fio ]; then seeds+=(scenarios); fi
  echo "fuzz: $name for ${secs}s"
  if ! "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix=build-fuzz/artifacts/"$name"- "$work" "${seeds[@]}" > "build-fuzz/$name.log" 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 "build-fuzz/$name.log"; status=1
  else
    grep -E '^(stat::number_of_executed_units|Done)' "build-fuzz/$name.log" | sed "s/^/fuzz: $name: /" || true
  fi
done
exit $status
