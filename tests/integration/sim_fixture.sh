#!/usr/bin/env bash
# sim_fixture.sh - `station sim` as its own process on a pty, driven by
# `station run --fixture PATH` through the real protocol driver: repair and
# factory-reset plans pass on a 50x clock, `station ports --probe` finds
# the fixture, SIGTERM releases everything and removes the link.
# run.sh: sleeps (the simulator on a pty, a 50x real clock: about 5 % of a core)
set -u
. "$(dirname "$0")/sim_lib.sh"

# earbuds: the touch sensors on channels 8/9 of the same board.  Its own
# simulator and temp dir, run beside the headphones below (both plans end
# in `verify full`, two minutes of wall time each on the 50x clock, nearly
# all of it waiting); its TAP lines are printed at the end.
earbuds() {
	T=$(mktemp -d)
	SIM=
	trap cleanup EXIT
	trap 'exit 1' TERM
	if has_run_fixture && sim_start --model WF-1000XM5 --time-scale 50; then
		"$STATION" run --confirm yes --fixture "$T/fx" --model WF-1000XM5 --serial SIMFIX2 --plan reset-soft \
			--no-db >"$T/run4.log" 2>&1
		rc=$?
		[ $rc -eq 0 ] && ok "WF-1000XM5 soft reset through the fixture: exit 0" ||
			{ notok "WF-1000XM5 soft reset through the fixture: exit $rc"; tail -15 "$T/run4.log" | sed 's/^/# /'; }
		grep -q 'closed=0x300 (TOUCH_L+TOUCH_R)' "$T/sim.err" &&
			ok "both touch channels pressed together" || notok "both touch channels pressed together"
		sim_stop
	fi
}
earbuds >"$T/earbuds.tap" 2>&1 &
EARBUDS=$!
trap '[ -n "$EARBUDS" ] && kill "$EARBUDS" 2>/dev/null && wait "$EARBUDS"; cleanup' EXIT

if sim_start --model WH-1000XM5 --time-scale 50; then
	ok "station sim starts and prints its ready line"
else
	notok "station sim starts and prints its ready line"
	exit 1
fi
check "the link points at a pty" test -L "$T/fx"
grep -q 'scale 50' "$T/sim.out" && ok "ready line announces the scale" || notok "ready line announces the scale"

out=$("$STATION" ports --probe "$T/fx" 2>&1)
echo "$out" | grep -q 'fixture: fixture station-v1 .*scale=50' &&
	ok "station ports --probe finds the simulated fixture" ||
	{ notok "station ports --probe finds the simulated fixture"; echo "$out" | sed 's/^/# /'; }

if has_run_fixture; then
	start=$(date +%s.%N)
	"$STATION" run --confirm yes --fixture "$T/fx" --model WH-1000XM5 --serial SIMFIX1 --plan repair \
		--no-db >"$T/run.log" 2>&1
	rc=$?
	el=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
	if [ $rc -eq 0 ]; then
		ok "repair plan through the fixture protocol: PASS, exit 0 (${el} s wall)"
	else
		notok "repair plan through the fixture protocol: exit $rc, want 0"
		tail -15 "$T/run.log" | sed 's/^/# /'
	fi
	grep -q 'relays closed=0x3 (POWER+NC_AMBIENT) press' "$T/sim.err" &&
		ok "the fixture pressed POWER+NC_AMBIENT (bluetooth reset)" ||
		notok "the fixture pressed POWER+NC_AMBIENT (bluetooth reset)"
	check "every relay open after the run" wait_released 1
	"$STATION" run --confirm yes --fixture "$T/fx" --model WH-1000XM5 --serial SIMFIX1 \
		--plan reset-factory --no-db >"$T/run2.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] && ok "factory reset plan through the fixture: exit 0" ||
		{ notok "factory reset plan through the fixture: exit $rc"; tail -15 "$T/run2.log" | sed 's/^/# /'; }
	grep -q 'saw voice prompt "Resetting' "$T/run2.log" && ok "the voice prompt came back as an EV PROMPT" ||
		notok "the voice prompt came back as an EV PROMPT"
	# a model the sim was not started with: the unit reports another identity
	"$STATION" run --confirm yes --fixture "$T/fx" --model WH-1000XM4 --serial SIMFIX1 --plan reset-soft \
		--no-db >"$T/run3.log" 2>&1
	rc=$?
	[ $rc -ne 0 ] && ok "a unit that reports another model is not reset (exit $rc)" ||
		notok "a unit that reports another model is not reset (exit 0)"
	check "every relay open after the refused run" wait_released 1
else
	echo "# station run has no --fixture yet: skipping the plan runs"
fi

sim_stop
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: station sim exits 0" || notok "SIGTERM: station sim exits $rc"
check "SIGTERM: the link is removed" test ! -e "$T/fx"
grep -q 'reason=exit' "$T/state" && [ "$(closed)" = "0x0" ] &&
	ok "SIGTERM: state file says all released" || notok "SIGTERM: state file says all released"

wait "$EARBUDS"
EARBUDS=
cat "$T/earbuds.tap"

# bad options
"$STATION" sim --model NOPE --pty-link "$T/x" >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown model: usage error (exit 2)" || notok "unknown model: usage error"
"$STATION" sim --model WH-1000XM5 --pty-link "$T/x" --fixture-fault bogus >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown fixture fault: usage error (exit 2)" || notok "unknown fixture fault: usage error"
touch "$T/regular"
"$STATION" sim --model WH-1000XM5 --pty-link "$T/regular" >/dev/null 2>&1
[ $? -ne 0 ] && [ -f "$T/regular" ] && ok "refuses to replace a regular file with the link" ||
	notok "refuses to replace a regular file with the link"
exit 0
