#!/usr/bin/env bash
# run.sh BUILD RESULTS - run every unit test program in BUILD/tests and every
# integration script in tests/integration against BUILD/station; write
# "PASSED FAILED" to RESULTS and print "N passed, N failed" for this build.
#
# Unit tests are cmocka programs (their "[  PASSED  ] N" / "[  FAILED  ] N"
# lines are counted; a crash counts as one failure).  Integration scripts
# print TAP-style "ok - name" / "not ok - name" lines; a script that exits
# non-zero without printing "not ok" counts as one failure.
#
# JOBS=N (default 1) runs N CPU-bound tests at once; each test's lines are
# printed together when it ends.  Two marks in a script's first 30 lines
# change that:
#   "# run.sh: alone"   real-time audio, which a busy CPU breaks with
#                       over/underruns: these run first, one at a time, with
#                       nothing beside them;
#   "# run.sh: sleeps"  a test whose wall time is mostly waiting on real
#                       clocks (a pty simulator on a scaled clock, tmux): up
#                       to SLEEPS=N (default 3) of them run beside the
#                       CPU-bound others, outside the JOBS count.
# ONLY='NAME...' runs only those tests (unit program or integration script
# names, without .sh).  Every log (BUILD/test-logs/NAME.log) ends with a
# "# seconds: W wall, C cpu" line, and BUILD/test-logs/times.txt lists
# "WALL NAME CPU" slowest first; the next run starts the slowest tests
# first (a build without one takes tests/times.txt, the order measured
# here).  Tests must use private temp dirs and server names (mktemp, $$) so
# that they can run side by side.
set -u
build=$1
results=$2
jobs=${JOBS:-1}
sleeps=${SLEEPS:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
export STATION="$top/$build/station"
export STATION_DATA="$top"
export BUILD="$top/$build"
# every test's fresh database would measure FFTW plans again (seconds
# each): plans stay FFTW_ESTIMATE; test_wisdom covers the wisdom file
export STATION_FFT_WISDOM=off
logdir="$top/$build/test-logs"
mkdir -p "$logdir"
case $jobs in '' | *[!0-9]* | 0) echo "run.sh: JOBS must be a positive number, not '$jobs'" >&2; exit 2 ;; esac
case $sleeps in '' | *[!0-9]*) echo "run.sh: SLEEPS must be a number, not '$sleeps'" >&2; exit 2 ;; esac

# run_test KIND PATH: run one test, write its log, its summary lines to
# LOG.out and "PASSED FAILED SECONDS" to LOG.res
run_test() {
	local kind=$1 t=$2 name log p f rc start secs cpu
	if [ "$kind" = unit ]; then
		name=$(basename "$t")
		log="$logdir/$name.log"
	else
		name=$(basename "$t" .sh)
		log="$logdir/it-$name.log"
	fi
	start=$(date +%s.%N)
	if [ "$kind" = unit ]; then
		( cd "$top" && timeout 300 "$t" ) </dev/null >"$log" 2>&1
	else
		( cd "$top" && timeout 600 "$t" ) </dev/null >"$log" 2>&1
	fi
	rc=$?
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	# CPU seconds of the test's processes (user + system, from `times`)
	times >"$log.times"    # not in $(...): a subshell has no children yet
	cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); c += a[1] * 60 + a[2] } }
		END { printf "%.1f", c }' "$log.times")
	rm -f "$log.times"
	if [ "$kind" = unit ]; then
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
		p=${p:-0}; f=${f:-0}
	else
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	echo "# seconds: $secs wall, $cpu cpu" >>"$log"
	{
		if [ "$f" -ne 0 ]; then
			echo "FAIL $build $kind/$name ($p passed, $f failed; rc $rc; ${secs} s) - log:"
			if [ "$kind" = unit ]; then
				tail -40 "$log" | sed 's/^/    /'
			else
				grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'
				tail -20 "$log" | sed 's/^/    /'
			fi
		else
			echo "ok   $build $kind/$name ($p; ${secs} s, cpu ${cpu} s)"
		fi
	} >"$log.out"
	echo "$p $f $secs $cpu" >"$log.res"
}

# The tests, slowest first by the last run's times.txt (unknown ones first:
# they may be slow), so that with JOBS>1 the long ones do not end the run.
list=()
wanted() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
for t in "$top/$build"/tests/test_*; do
	[ -x "$t" ] && [ -f "$t" ] && wanted "$(basename "$t")" && list+=("unit $t")
done
for s in "$top"/tests/integration/*.sh; do
	[ -x "$s" ] && wanted "$(basename "$s" .sh)" && list+=("integration $s")
done
times=$logdir/times.txt
[ -r "$times" ] || times=$top/tests/times.txt
if [ -r "$times" ]; then
	mapfile -t list < <(for e in "${list[@]}"; do
		n=${e##*/}; n=${n%.sh}
		s=$(awk -v n="$n" '$2 == n { print $1; exit }' "$times")
		printf '%s\t%s\n' "${s:-99999}" "$e"
	done | sort -s -t $'\t' -k1,1gr | cut -f2-)
fi

# the kind of each test: alone (first, one at a time, nothing beside it),
# sleeps (outside the JOBS count) or cpu
mark() { # "KIND PATH" -> alone, sleeps or cpu
	local m=
	if [ "${1%% *}" = integration ]; then
		m=$(head -30 "${1#* }" | sed -n 's/^# run\.sh: \(alone\|sleeps\)\b.*/\1/p' | head -1)
	fi
	[ "$m" = sleeps ] && [ "$sleeps" -eq 0 ] && m=cpu    # SLEEPS=0: they count as JOBS
	echo "${m:-cpu}"
}
alone=() rest=()
declare -A kind_of    # alone, sleeps or cpu, by "KIND PATH"
for e in "${list[@]}"; do
	kind_of[$e]=$(mark "$e")
	if [ "${kind_of[$e]}" = alone ]; then alone+=("$e"); else rest+=("$e"); fi
done

passed=0
failed=0
: >"$logdir/times.new"
declare -A running_log    # log of each running test, by PID
declare -A running_kind   # alone, sleeps or cpu, by PID
n_alone=0 n_sleeps=0 n_cpu=0    # running tests of each kind
# Job control: each test runs in its own process group, with SIGINT not
# ignored (as it would be for a background job without it); an interrupted
# run.sh stops the tests it started.
set -m
stop_all() {
	for pid in "${!running_log[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
	exit 130
}
trap stop_all INT TERM
collect() { # PID: add up and print the finished test
	local pid=$1 log=${running_log[$1]} p f secs cpu
	wait "$pid" 2>/dev/null
	if ! read -r p f secs cpu <"$log.res" 2>/dev/null; then
		p=0; f=1; secs=0; cpu=0
		echo "FAIL $build $log: no result"
	fi
	cat "$log.out" 2>/dev/null
	passed=$((passed + p)); failed=$((failed + f))
	printf '%s %s %s\n' "$secs" "$(basename "${log%.log}" | sed 's/^it-//')" "$cpu" >>"$logdir/times.new"
	rm -f "$log.res" "$log.out"
	case ${running_kind[$pid]} in
	alone) n_alone=$((n_alone - 1)) ;;
	sleeps) n_sleeps=$((n_sleeps - 1)) ;;
	*) n_cpu=$((n_cpu - 1)) ;;
	esac
	unset "running_log[$pid]" "running_kind[$pid]"
}
collect_one() { # wait for any running test to end and collect it
	local done_pid=
	wait -n -p done_pid 2>/dev/null
	if [ -n "$done_pid" ] && [ -n "${running_log[$done_pid]+set}" ]; then
		collect "$done_pid"
	fi
}
start_test() { # "KIND PATH": start it in the background
	local kind=${1%% *} t=${1#* } log
	if [ "$kind" = unit ]; then log="$logdir/$(basename "$t").log"; else log="$logdir/it-$(basename "$t" .sh).log"; fi
	rm -f "$log.res" "$log.out"
	run_test "$kind" "$t" &
	running_log[$!]=$log
	running_kind[$!]=${kind_of[$1]}
	case ${kind_of[$1]} in
	alone) n_alone=$((n_alone + 1)) ;;
	sleeps) n_sleeps=$((n_sleeps + 1)) ;;
	*) n_cpu=$((n_cpu + 1)) ;;
	esac
}
may_start() { # "KIND PATH": whether it may start now
	case ${kind_of[$1]} in
	alone) [ "$n_alone" -eq 0 ] && [ "$n_cpu" -eq 0 ] ;;
	sleeps) [ "$n_alone" -eq 0 ] && [ "$n_sleeps" -lt "$sleeps" ] ;;
	*) [ "$n_alone" -eq 0 ] && [ "$n_cpu" -lt "$jobs" ] ;;
	esac
}
# The alone tests first (each waits for the one before it), then the
# others slowest first; whenever the next test in that order may not start
# yet, a later one that may (a sleeper beside the CPU-bound ones) goes
# first.  Nothing runs beside an alone test: under ASan a calibration
# sweep beside console, sim_faults and sim_fixture lost its captures to
# over/underruns, and the sleepers lose no time waiting (the CPU-bound
# phase after the alone tests is longer than any of them).
pending=("${alone[@]}" "${rest[@]}")
while [ "${#pending[@]}" -gt 0 ]; do
	started=
	for i in "${!pending[@]}"; do
		e=${pending[$i]}
		if may_start "$e"; then
			start_test "$e"
			unset "pending[$i]"
			pending=("${pending[@]}")
			started=1
			break
		fi
	done
	[ -n "$started" ] || collect_one
done
while [ "${#running_log[@]}" -gt 0 ]; do
	collect_one
done
# keep the last times of the tests this run left out (ONLY=...)
[ -r "$logdir/times.txt" ] && awk 'NR == FNR { seen[$2] = 1; next } !($2 in seen)' \
	"$logdir/times.new" "$logdir/times.txt" >>"$logdir/times.new"
sort -gr "$logdir/times.new" >"$logdir/times.txt"
rm -f "$logdir/times.new"

echo "$passed $failed" >"$results"
echo "$build: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
