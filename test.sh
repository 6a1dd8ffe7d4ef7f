#!/usr/bin/env bash
# Sets up what is missing (as run.sh does), then runs every test against the real PostgreSQL, GNU Go and game data.
#   ./test.sh                 all tests (what CI runs)
#   ./test.sh --fast          skips the suites marked [Trait("Category", "Slow")]
#   ./test.sh --filter EXPR   any dotnet test filter
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
trap stop_pg_if_started_here EXIT

filter=()
case "${1:-}" in
  --fast) filter=(--filter "Category!=Slow") ;;
  --filter) filter=(--filter "$2") ;;
esac

export GORELAY_TEST_POSTGRES="$GORELAY_CONNECTION"
results="$DATA/test-results"
rm -rf "$results"
set +e
dotnet test OrleansGoRelay.sln -c "$CONFIGURATION" --no-build "${filter[@]}" \
  --logger "console;verbosity=normal" --logger "trx;LogFilePrefix=tests" --results-directory "$results" 2>&1 | tee "$DATA/test-output.log"
status=${PIPESTATUS[0]}
set -e

# One closing line a CI reader understands, summed over the test projects' trx files.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p="$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")"; f="$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  t="$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")"; e="$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")"
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
# Repeat each failure (name, message, first stack lines) at the end, where a truncated CI log still shows it.
if [ "$failed" -gt 0 ]; then
  echo "failed tests:"
  awk '/^  Failed /{show=1; lines=0} /^  Passed /{show=0} show && lines < 25 {print; lines++}' "$DATA/test-output.log"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ]; then exit "$status"; fi
[ "$passed" -gt 0 ] || { echo "no test ran" >&2; exit 1; }
