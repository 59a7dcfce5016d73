#!/usr/bin/env bash
# signal_release.sh - SIGINT, SIGTERM and SIGHUP in the middle of a timed
# POWER hold release the fixture at once, on every kind of bench:
#   - the station's fixture (`station sim` on a pty, --time-scale 1, its
#     --state-file read for the relay state),
#   - a Numato relay board (`station sim --numato`, same),
#   - the in-process simulated bench (`station run --time-scale 1`),
# and the run is stored ABORTED with exit 4.  The margins are generous (the
# release must come within 1 s, the run end within 3 s; the fixture-timed
# hold would last 7 s more); the measured figures are printed, and
# `make bench` (tests/bench/bench_abort.c) reports the same latency.
set -u
. "$(dirname "$0")/sim_lib.sh"

# ms_since T0: wall milliseconds since date +%s%N value T0
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# stored_aborted DB: the newest run in DB is ABORTED
stored_aborted() {
	"$STATION" history --db "$1" --json 2>/dev/null | head -1 | grep -q '"ABORTED"'
}

# bench_run SIG KIND ARGS...: start `station run ARGS` against the sim on
# $T/fx, wait for a relay to close, let 0.3 s of the hold pass, send SIG,
# then measure how long until the relays are all open.
bench_run() {
	local sig=$1 kind=$2 t0 ms rc
	shift 2
	rm -f "$T/db"
	"$STATION" run "$@" --model WH-1000XM5 --serial "SIG$sig" --plan reset-soft \
		--db "$T/db" >"$T/run.log" 2>&1 &
	CLIENT=$!
	if ! wait_closed 20; then
		notok "$kind SIG$sig: the run never closed a relay"
		tail -5 "$T/run.log" | sed 's/^/# /'
		kill -9 "$CLIENT" 2>/dev/null
		CLIENT=
		return
	fi
	sleep 0.3
	closed_then=$(closed)
	kill -"$sig" "$CLIENT"
	t0=$(date +%s%N)
	if wait_released 1; then
		ms=$(ms_since "$t0")
		ok "$kind SIG$sig mid-hold ($closed_then closed): every relay open ${ms} ms after the signal"
	else
		notok "$kind SIG$sig mid-hold: relays still closed 1 s after the signal"
	fi
	wait "$CLIENT"
	rc=$?
	CLIENT=
	[ $rc -eq 4 ] && ok "$kind SIG$sig: exit 4 (ABORTED)" ||
		{ notok "$kind SIG$sig: exit $rc, want 4"; tail -5 "$T/run.log" | sed 's/^/# /'; }
	stored_aborted "$T/db" && ok "$kind SIG$sig: the run is stored ABORTED" ||
		notok "$kind SIG$sig: the run is not stored ABORTED"
	grep -q 'release' "$T/run.log" && ok "$kind SIG$sig: the run says the controls were released" ||
		notok "$kind SIG$sig: the run does not say the controls were released"
}

for sig in INT TERM HUP; do
	if sim_start --model WH-1000XM5 --time-scale 1; then
		bench_run "$sig" "station fixture:" --fixture "$T/fx"
		sim_stop
	else
		notok "station fixture: sim starts"
	fi
	if sim_start --numato --model WH-1000XM5 --time-scale 1; then
		bench_run "$sig" "Numato:" --fixture "numato:$T/fx" --confirm yes
		sim_stop
	else
		notok "Numato: sim starts"
	fi
done

# The in-process bench: no relay to watch from outside, so the figure is
# the time from the signal to the end of the process (release, store, exit).
for sig in INT TERM HUP; do
	rm -f "$T/db"
	"$STATION" run --time-scale 1 --audio none --json --model WH-1000XM5 --serial "INP$sig" \
		--plan reset-soft --db "$T/db" >"$T/run.log" 2>&1 &
	CLIENT=$!
	for _ in $(seq 400); do
		grep -q '"text":"hold POWER' "$T/run.log" && break
		sleep 0.01
	done
	sleep 0.3
	kill -"$sig" "$CLIENT"
	t0=$(date +%s%N)
	wait "$CLIENT"
	rc=$?
	ms=$(ms_since "$t0")
	CLIENT=
	if [ $rc -eq 4 ] && [ "$ms" -lt 3000 ]; then
		ok "in-process bench SIG$sig mid-hold: released, stored and exited 4 ${ms} ms after the signal"
	else
		notok "in-process bench SIG$sig: exit $rc after ${ms} ms, want 4 within 3000 ms"
		tail -5 "$T/run.log" | sed 's/^/# /'
	fi
	end=$(grep '"event":"step-end".*"step":"reset soft".*"verdict":"ABORTED"' "$T/run.log" |
		sed -n 's/.*"t":\([0-9.]*\).*/\1/p')
	if [ -n "$end" ] && awk "BEGIN { exit !($end < 5) }"; then
		ok "in-process bench SIG$sig: the 12 s POWER hold ended ABORTED at bench ${end} s"
	else
		notok "in-process bench SIG$sig: the hold step did not end ABORTED early (${end:-never})"
	fi
	stored_aborted "$T/db" && ok "in-process bench SIG$sig: the run is stored ABORTED" ||
		notok "in-process bench SIG$sig: the run is not stored ABORTED"
done
exit 0
