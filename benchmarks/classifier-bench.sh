#!/usr/bin/env bash
# classifier-bench.sh: builds and runs the statement classification microbenchmark.
#
# Compiles the SwitchyardSQL and SwitchyardRouting sources with benchmarks/classifier-bench.swift
# as one optimized module (`import SwitchyardSQL` lines are dropped, since it is one module) and
# prints median ns per statement, cached and uncached, for pgbench's statements and a generated
# 1,000-statement OLTP corpus.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/switchyard-classifier-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

for file in $(find "$ROOT/Sources/SwitchyardSQL" "$ROOT/Sources/SwitchyardRouting" -name '*.swift'); do
    sed '/^import SwitchyardSQL$/d' "$file" > "$WORK/$(echo "${file#$ROOT/}" | tr '/' '_')"
done
swiftc -O -wmo -swift-version 6 -parse-as-library -package-name switchyard -module-name ClassifierBench \
    "$WORK"/*.swift "$ROOT/benchmarks/classifier-bench.swift" -lm -o "$WORK/classifier-bench"
"$WORK/classifier-bench"
