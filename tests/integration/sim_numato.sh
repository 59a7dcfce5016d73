#!/usr/bin/env bash
# sim_numato.sh - `station sim --numato`: the simulated Numato relay board
# on a pty.  The raw board protocol (echo, CR, '>' prompt) from a shell,
# then `station run --fixture numato:PATH --confirm yes` on a 20x clock.
# run.sh: sleeps (the relay board on a pty, a 20x real clock: about 10 % of a core)
set -u
. "$(dirname "$0")/sim_lib.sh"

if sim_start --numato --model WH-1000XM5 --time-scale 20; then
	ok "station sim --numato starts"
else
	notok "station sim --numato starts"
	exit 1
fi
grep -q 'numato' "$T/sim.out" && ok "ready line says numato" || notok "ready line says numato"

# nb CMD: send one command the way a Numato driver does, print the reply
# (echo, newlines and prompt included, CR/LF shown as spaces)
exec 3<>"$T/fx"
nb() {
	local reply=
	printf '%s\r' "$1" >&3
	IFS= read -r -d '>' -t 2 reply <&3
	printf '%s' "$reply" | tr '\r\n' '  '
}
printf '\r' >&3
IFS= read -r -d '>' -t 2 _ <&3
r=$(nb "ver")
echo "$r" | grep -q '^ver  00000008' && ok "ver echoes and answers" || notok "ver echoes and answers: '$r'"
r=$(nb "id get")
echo "$r" | grep -q 'SIMX0020' && ok "id get announces the scale (SIMX0020)" || notok "id get: '$r'"
nb "relay on 0" >/dev/null
[ "$(closed)" = "0x1" ] && ok "relay on 0 closes channel 0 (POWER)" || notok "relay on 0: $(closed)"
r=$(nb "relay read 0")
echo "$r" | grep -q 'relay read 0  on' && ok "relay read 0 -> on" || notok "relay read 0: '$r'"
nb "relay on 3" >/dev/null
r=$(nb "relay readall")
echo "$r" | grep -q 'relay readall  09' && ok "relay readall -> 09" || notok "relay readall: '$r'"
nb "relay off 0" >/dev/null
nb "relay writeall 04" >/dev/null
[ "$(closed)" = "0x4" ] && ok "relay writeall 04" || notok "relay writeall: $(closed)"
nb "reset" >/dev/null
[ "$(closed)" = "0x0" ] && ok "reset opens every relay" || notok "reset: $(closed)"
r=$(nb "bogus command")
echo "$r" | grep -q 'bogus command' && ok "unknown command: echo and prompt, nothing else" ||
	notok "unknown command: '$r'"
exec 3>&-

out=$("$STATION" ports --probe "$T/fx" 2>&1)
echo "$out" | grep -q 'no fixture' && ok "ports --probe: a Numato board is not a protocol fixture" ||
	{ notok "ports --probe on a Numato board"; echo "$out" | sed 's/^/# /'; }

if has_run_fixture; then
	"$STATION" run --fixture "numato:$T/fx" --model WH-1000XM5 --serial NUM1 --plan repair \
		--confirm yes --no-db >"$T/run.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] && ok "repair plan on the Numato bench with --confirm yes: exit 0" ||
		{ notok "repair plan on the Numato bench: exit $rc"; tail -15 "$T/run.log" | sed 's/^/# /'; }
	grep -q 'numato numato-8' "$T/run.log" && ok "run names the numato-8 bench" ||
		notok "run names the numato-8 bench"
	"$STATION" run --fixture "numato:$T/fx" --model WH-1000XM5 --serial NUM1 \
		--plan reset-bluetooth --confirm yes --no-db >"$T/run2.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] && ok "bluetooth reset plan on the Numato bench: exit 0" ||
		{ notok "bluetooth reset plan on the Numato bench: exit $rc"; tail -15 "$T/run2.log" | sed 's/^/# /'; }
	grep -q 'closed=0x3 (POWER+NC_AMBIENT) relay on' "$T/sim.err" &&
		ok "the station held POWER+NC_AMBIENT through relays 0 and 1" ||
		notok "the station held POWER+NC_AMBIENT through relays 0 and 1"
	check "every relay open after the runs" wait_released 1
else
	echo "# station run has no --fixture yet: skipping the plan runs"
fi
sim_stop
rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || notok "SIGTERM: exit $rc"
check "SIGTERM: link removed" test ! -e "$T/fx"
exit 0
