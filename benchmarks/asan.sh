#!/usr/bin/env bash
# AddressSanitizer run: builds the daemon and the tests with -sanitize=address in .build-asan,
# runs the integration suite against that daemon, and collects every report its processes write.
#
#   benchmarks/asan.sh [FILTER]        FILTER defaults to IntegrationTests
#
# Reports go to benchmarks/out/asan/asan.PID (gitignored), one file per process that found
# something, the daemon's and the test runner's alike: the daemon's own output.log is deleted
# with its temporary directory when a test ends, so ASan writes next to it instead (log_path).
# Exit status: 0 when the tests passed and no report was written, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."

filter=${1:-IntegrationTests}
scratch=.build-asan
out=benchmarks/out/asan
mkdir -p "$out"
rm -f "$out"/asan.* "$out"/test.log

swift build --build-tests --sanitize=address --scratch-path "$scratch" || exit 1
bin=$(swift build --sanitize=address --scratch-path "$scratch" --show-bin-path)

# The tests start the daemon through ProxyProcess, which looks beside the test binary; name it
# explicitly so that no other build's daemon can be picked up.
export SWITCHYARD_BINARY="$bin/switchyard"
# grep reads all of nm's output: with -q it would stop early, nm would die of SIGPIPE, and
# pipefail would report the pipeline as failed.
if ! nm -D "$SWITCHYARD_BINARY" | grep " __asan_init$" >/dev/null; then
    echo "asan.sh: $SWITCHYARD_BINARY carries no AddressSanitizer runtime" >&2
    exit 1
fi
# halt_on_error: a daemon with a finding dies, and its test fails too. LeakSanitizer is off unless
# ASAN_DETECT_LEAKS=1: at every exit it reports the TOML parser's trees (TOMLKit) and the test
# runner's own allocations, one report per process, which would bury the errors.
export ASAN_OPTIONS="log_path=$PWD/$out/asan:halt_on_error=1:detect_leaks=${ASAN_DETECT_LEAKS:-0}:check_initialization_order=1"

started=$(date +%s)
swift test --skip-build --sanitize=address --scratch-path "$scratch" --filter "$filter" 2>&1 | tee "$out/test.log"
status=${PIPESTATUS[0]}
echo
echo "asan.sh: swift test exited $status after $(( $(date +%s) - started )) s (filter $filter)"

shopt -s nullglob
reports=("$out"/asan.*)
if [ ${#reports[@]} -eq 0 ]; then
    echo "asan.sh: no AddressSanitizer report"
else
    echo "asan.sh: ${#reports[@]} AddressSanitizer report(s):"
    for report in "${reports[@]}"; do
        echo "== $report"
        grep -m1 "ERROR: AddressSanitizer" "$report"
        grep -m1 "^SUMMARY" "$report"
    done
fi
[ "$status" -eq 0 ] && [ ${#reports[@]} -eq 0 ]
