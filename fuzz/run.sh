#!/usr/bin/env bash
# run.sh: runs one fuzz target for a given time and prints what it did.
#
#   fuzz/run.sh TARGET SECONDS [JOBS] [-- LIBFUZZER-FLAGS...]
#
# TARGET is frontend, backend or sql (built by fuzz/build.sh into fuzz/out/bin). New inputs go
# to fuzz/corpus/TARGET (a work directory, not committed); fuzz/seeds/TARGET is read as well.
# Crashes, timeouts and leaks are written to fuzz/out/TARGET/ as crash-*, timeout-*, oom-*.
# JOBS > 1 runs that many fuzzing processes in parallel (libFuzzer -jobs/-workers), each for
# SECONDS. Extra flags after `--` go to libFuzzer, e.g. `-- -runs=10000000` to stop after a
# number of executions (SECONDS then only bounds the time).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${1:?usage: fuzz/run.sh TARGET SECONDS [JOBS] [-- FLAGS...]}
SECONDS_LIMIT=${2:?usage: fuzz/run.sh TARGET SECONDS [JOBS] [-- FLAGS...]}
JOBS=1
shift 2
if [ $# -gt 0 ] && [ "$1" != "--" ]; then JOBS=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift

BINARY="$ROOT/fuzz/out/bin/$TARGET"
[ -x "$BINARY" ] || { echo "no $BINARY: run fuzz/build.sh $TARGET first" >&2; exit 2; }
CORPUS="$ROOT/fuzz/corpus/$TARGET"
ARTIFACTS="$ROOT/fuzz/out/$TARGET"
mkdir -p "$CORPUS" "$ARTIFACTS"
LOG="$ARTIFACTS/run-$(date -u +%Y%m%dT%H%M%SZ).log"

flags=(-max_len=65536 -timeout=2 -rss_limit_mb=2048 -max_total_time="$SECONDS_LIMIT" -print_final_stats=1
    -artifact_prefix="$ARTIFACTS/" "$@")
if [ "$JOBS" -gt 1 ]; then
    flags+=(-jobs="$JOBS" -workers="$JOBS")
fi

echo "fuzzing $TARGET for ${SECONDS_LIMIT}s with $JOBS job(s); log: $LOG" >&2
status=0
(cd "$ARTIFACTS" && "$BINARY" "${flags[@]}" "$CORPUS" "$ROOT/fuzz/seeds/$TARGET") >"$LOG" 2>&1 || status=$?
if [ "$JOBS" -gt 1 ]; then
    cat "$ARTIFACTS"/fuzz-*.log >>"$LOG" 2>/dev/null || true
fi

# The last status line (#runs, cov, ft, corp, exec/s) and libFuzzer's final statistics.
grep -E '^#[0-9]+' "$LOG" | tail -1 || true
grep -E '^stat::' "$LOG" || true
grep -E '^(==[0-9]+==ERROR|SUMMARY|Fatal error|.*invariant violated|artifact_prefix|Test unit written)' "$LOG" || true
echo "corpus: $(ls "$CORPUS" | wc -l) files in fuzz/corpus/$TARGET; exit status $status" >&2
exit "$status"
