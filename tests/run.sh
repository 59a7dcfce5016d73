#!/usr/bin/env bash
# run.sh BUILD RESULTS - run every unit test program in BUILD/tests and every
# integration script in tests/integration against BUILD/station; write
# "PASSED FAILED" to RESULTS and print "N passed, N failed" for this build.
#
# Unit tests are cmocka programs (their "[  PASSED  ] N" / "[  FAILED  ] N"
# lines are counted; a crash counts as one failure).  Integration scripts
# print TAP-style "ok - name" / "not ok - name" lines; a script that exits
# non-zero without printing "not ok" counts as one failure.
set -u
build=$1
results=$2
top=$(cd "$(dirname "$0")/.." && pwd)
export STATION="$top/$build/station"
export STATION_DATA="$top"
export BUILD="$top/$build"
# every test's fresh database would measure FFTW plans again (seconds
# each): plans stay FFTW_ESTIMATE; test_wisdom covers the wisdom file
export STATION_FFT_WISDOM=off
passed=0
failed=0
logdir="$top/$build/test-logs"
mkdir -p "$logdir"

for t in "$top/$build"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log="$logdir/$name.log"
	( cd "$top" && timeout 300 "$t" ) >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0}; f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $build unit/$name ($p passed, $f failed; rc $rc) - log:"
		tail -40 "$log" | sed 's/^/    /'
	else
		echo "ok   $build unit/$name ($p)"
	fi
done

for s in "$top"/tests/integration/*.sh; do
	[ -x "$s" ] || continue
	name=$(basename "$s" .sh)
	log="$logdir/it-$name.log"
	( cd "$top" && timeout 600 "$s" ) >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $build integration/$name ($p passed, $f failed; rc $rc) - log:"
		grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'
		tail -20 "$log" | sed 's/^/    /'
	else
		echo "ok   $build integration/$name ($p)"
	fi
done

echo "$passed $failed" >"$results"
echo "$build: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
