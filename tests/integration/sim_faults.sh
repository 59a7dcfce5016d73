#!/usr/bin/env bash
# sim_faults.sh - a broken fixture is a station fault, never a unit's: each
# fixture fault (no answer, garbage, half a line, reboot, vanishing port)
# striking mid-run ends `station run --fixture` with exit 3 (ERROR) and the
# simulated relays all released.  And the fixture's watchdog: a host killed
# with SIGKILL mid-hold leaves no relay closed.
# run.sh: sleeps (fixture faults on a pty, a 50x real clock: about 10 % of a core)
set -u
. "$(dirname "$0")/sim_lib.sh"

# Request lines of the repair run on a 50x clock: #8 is a key-test press,
# #36 the first PING during the 7 s POWER+NC_AMBIENT hold.
if has_run_fixture; then
	for fault in silent-after:36 garbage-after:36 half-line-after:36 reboot-after:36 \
		vanish-after:36 silent-after:8 reboot-after:8; do
		if ! sim_start --model WH-1000XM5 --time-scale 50 --fixture-fault "$fault"; then
			notok "$fault: sim starts"
			continue
		fi
		"$STATION" run --fixture "$T/fx" --model WH-1000XM5 --serial FAULT1 --plan repair \
			--no-db >"$T/run.log" 2>&1
		rc=$?
		msg=$(grep -m1 -iE 'fixture .*(no reply|garbage|half a line|rebooted|vanished)' "$T/run.log" |
			cut -c1-150)
		if [ $rc -eq 3 ]; then
			ok "$fault: exit 3 (ERROR): ${msg:-?}"
		else
			notok "$fault: exit $rc, want 3"
			tail -8 "$T/run.log" | sed 's/^/# /'
		fi
		grep -q '^FAIL' "$T/run.log" && notok "$fault: verdict blames the unit (FAIL)" ||
			ok "$fault: the unit is not blamed"
		check "$fault: every relay released" wait_released 2
		sim_stop
	done
else
	echo "# station run has no --fixture yet: skipping the fault runs"
fi

# The watchdog, with a bare shell client: HELLO, then HOLD POWER for 60 s,
# then the client is killed with SIGKILL.  The fixture must release within
# its watchdog (2000 bench ms, floored at 0.3 s wall = 15000 bench ms at 50x),
# long before the hold's own 60 s limit (1.2 s wall).
if sim_start --model WH-1000XM5 --time-scale 50; then
	( exec 3<>"$T/fx"; printf '1 HELLO 1\n2 HOLD 0x1 60000\n' >&3; exec sleep 30 ) &
	CLIENT=$!
	disown "$CLIENT"
	if wait_closed 3; then
		ok "watchdog: the shell client holds POWER"
		kill -9 "$CLIENT"
		t0=$(date +%s%N)
		if wait_released 1; then
			ms=$(( ($(date +%s%N) - t0) / 1000000 ))
			ok "watchdog: host killed -9 mid-hold, all relays released after ${ms} ms wall"
		else
			notok "watchdog: relays still closed 1 s after the host died"
		fi
		grep -q 'reason=watchdog' "$T/state" && ok "watchdog: released by the watchdog" ||
			notok "watchdog: released by the watchdog ($(cat "$T/state"))"
	else
		notok "watchdog: the shell client holds POWER"
	fi
	CLIENT=
	sim_stop
fi

# The same with `station run` itself killed mid-hold.
if has_run_fixture && sim_start --model WH-1000XM5 --time-scale 50 --watchdog-ms 500; then
	"$STATION" run --fixture "$T/fx" --model WH-1000XM5 --serial KILL1 --plan reset-soft \
		--no-db >"$T/run.log" 2>&1 &
	CLIENT=$!
	if wait_closed 10; then
		kill -9 "$CLIENT"
		wait "$CLIENT" 2>/dev/null
		ok "station run killed -9 while the fixture held $(closed)"
		check "station run killed -9: every relay released within 1 s" wait_released 1
	else
		notok "station run never closed a relay"
		tail -5 "$T/run.log" | sed 's/^/# /'
	fi
	CLIENT=
	sim_stop
fi
exit 0
