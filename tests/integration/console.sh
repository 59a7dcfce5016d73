#!/usr/bin/env bash
# console.sh - drives the real operator console (`station console`) in tmux
# on the simulated bench through the out-of-process simulator on a pty:
# start; enter an operator; scan a serial; run the repair plan and read the
# PASS banner; find the serial in History (F2); a unit with an injected
# fault gives the FAIL banner with its reason; Esc mid-hold gives ABORTED
# on screen and in the database with every relay open; the window shrunk
# below 80x24 and back; F10 quits and the terminal is restored.  The whole
# flow runs twice, in colour and with NO_COLOR=1.  SIGTERM, SIGHUP (the
# terminal closed) and SIGSEGV mid-hold release every relay, store the run
# ABORTED and restore the terminal.  Also: no terminal, a
# database that cannot be opened and an unreachable fixture end with one
# line on stderr and exit 2 / 3.  Screens are polled with timeouts, never
# read after fixed sleeps.
# run.sh: sleeps (the console in tmux, waiting for its screens: about 20 % of a core)
set -u
. "$(dirname "$0")/sim_lib.sh"

if ! command -v tmux >/dev/null; then
	notok "tmux is missing (Makefile DEB_PKGS installs it)"
	exit 1
fi
SOCK=st$$
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; cleanup' EXIT
export LANG=C.UTF-8 TERM=xterm-256color STATION_CONSOLE_LOG=$T/console.log
unset STATION_DB

SESS=
NSESS=0
screen() { tm capture-pane -p -t "$SESS" 2>/dev/null; }

# new_session CMD: a fresh 80x24 session (made before the old one is
# killed, so the tmux server never exits in between)
new_session() {
	local old=$SESS
	# a session that outlives the others keeps the server up between them
	[ "$NSESS" -eq 0 ] && tm -f /dev/null new-session -d -s keep -x 80 -y 24 "sleep 900"
	NSESS=$((NSESS + 1))
	SESS=c$NSESS
	tm -f /dev/null new-session -d -s "$SESS" -x 80 -y 24 "$1"
	[ -n "$old" ] && tm kill-session -t "$old" 2>/dev/null
	return 0
}

# wait_screen SECS REGEX: poll the pane until it matches; fails after SECS
wait_screen() {
	local n i
	n=$(awk "BEGIN { print int($1 * 20) }")
	for ((i = 0; i < n; i++)); do
		screen | grep -Eq -- "$2" && return 0
		sleep 0.05
	done
	echo "# screen never showed /$2/ within $1 s; it shows:"
	screen | sed 's/^/#   |/'
	return 1
}

# expect NAME SECS REGEX: one TAP line for what the screen shows
expect() {
	if wait_screen "$2" "$3"; then ok "$1"; else notok "$1"; fi
}

keys() { tm send-keys -t "$SESS" "$@"; }

# console_start MODE ARGS...: the console in a fresh 80x24 tmux session
console_start() {
	local env=$1
	shift
	new_session "$env $STATION console --db $T/st.db --fixture $T/fx $*; echo CONSOLE-EXIT=\$?; sleep 600"
}

db_outcome() { # db_outcome SERIAL: the newest run's outcome for SERIAL
	sqlite3 "$T/st.db" "SELECT outcome FROM runs WHERE serial='$1' ORDER BY id DESC LIMIT 1" 2>/dev/null
}

flow() { # flow LABEL ENV
	local L=$1 env=$2 s1 s2 s3
	s1=502$((RANDOM % 9000 + 1000)); s2=${s1}1; s3=${s1}2
	rm -f "$T/st.db"
	sim_start --model WH-1000XM5 --serial "$s1" --time-scale 50 || { notok "$L: sim starts"; return; }
	console_start "$env"
	expect "$L: start screen shows the bench status and asks for the operator" 10 \
		'Operator name or badge:'
	screen | grep -q 'fixture .*station-v1' && ok "$L: start screen names the fixture" ||
		notok "$L: start screen names the fixture"
	keys "tech-7" Enter
	expect "$L: operator entered, the serial is asked for" 5 'operator tech-7.*' 
	wait_screen 5 'Scan or type the serial' >/dev/null
	keys -- "-x1" Enter
	expect "$L: a malformed serial is refused on the screen" 5 '-x1.* must start with a letter or a digit'
	keys BSpace BSpace BSpace "0000001" Enter
	expect "$L: a serial no model claims: the unit itself is asked for its model" 10 \
		'the unit reports model WH-1000XM5'
	keys Escape
	wait_screen 5 'Scan or type the serial' >/dev/null
	for _ in 1 2 3 4 5 6 7; do keys BSpace; done
	keys "$s1" Enter
	expect "$L: model from the serial prefix, plan list with repair selected" 5 'model +WH-1000XM5'
	screen | grep -Eq '(▶|>) repair' && ok "$L: repair is the default plan" ||
		notok "$L: repair is the default plan"
	keys Enter
	expect "$L: run screen lists the steps" 10 'identify'
	expect "$L: PASS banner" 60 'verdict +PASS'
	screen | grep -q '█' && ok "$L: the banner is block letters" || notok "$L: the banner is block letters"
	screen | grep -Eq "disposition +no-fault-found" && ok "$L: PASS disposition shown" ||
		notok "$L: PASS disposition shown"
	if [ "$L" = colour ]; then
		tm capture-pane -e -p -t "$SESS" | grep -q $'\e\\[[0-9;]*3[0-7]m' &&
			ok "$L: the screen uses colour" || notok "$L: the screen uses colour"
	else
		tm capture-pane -e -p -t "$SESS" | grep -q $'\e\\[[0-9;]*3[0-7]m' &&
			notok "$L: NO_COLOR: no colour on the screen" || ok "$L: NO_COLOR: no colour on the screen"
	fi

	keys F2
	expect "$L: history lists the run" 5 "PASS +$s1 +WH-1000XM5 +repair"
	keys Enter
	expect "$L: history opens the run's steps and measurements" 5 'battery.min_pct'
	keys Escape
	wait_screen 5 'filter' >/dev/null
	keys Escape
	expect "$L: Esc returns from history to the verdict" 5 'verdict +PASS'

	keys F3
	expect "$L: fixture panel lists the model's controls" 10 'POWER +open'
	keys h 3 0 Enter
	expect "$L: fixture panel refuses a hold past the safe maximum, naming the rule" 5 \
		'refused: holding POWER for 30.0 s is past'
	keys r
	expect "$L: fixture panel: r releases everything" 10 'released everything'
	keys Escape
	expect "$L: Esc returns from the fixture panel" 5 'verdict +PASS'
	wait_released 2 && ok "$L: every relay open after the fixture panel" ||
		notok "$L: every relay open after the fixture panel"

	# a unit with an injected fault: the battery protection has tripped
	sim_stop
	sim_start --model WH-1000XM5 --serial "$s2" --time-scale 50 --fault bms-tripped ||
		{ notok "$L: faulty sim starts"; return; }
	keys Enter
	wait_screen 5 'Scan or type the serial' >/dev/null
	keys "$s2" Enter
	wait_screen 5 '(▶|>) repair' >/dev/null
	keys Enter
	expect "$L: FAIL banner" 60 'verdict +FAIL'
	expect "$L: FAIL reason on screen" 5 'battery protection tripped'
	screen | grep -q 'trickle-charge-12h' && ok "$L: FAIL disposition shown" ||
		notok "$L: FAIL disposition shown"
	screen | grep -Eq 'what to do +leave the unit on the original charger' &&
		ok "$L: FAIL says what to do with the unit" || notok "$L: FAIL says what to do with the unit"
	[ "$(db_outcome "$s2")" = FAIL ] && ok "$L: the FAIL run is stored" || notok "$L: the FAIL run is stored"

	# a third unit, aborted with Esc in the middle of the 12 s soft-reset hold
	sim_stop
	sim_start --model WH-1000XM5 --serial "$s3" --time-scale 4 || { notok "$L: slow sim starts"; return; }
	keys Enter
	wait_screen 5 'Scan or type the serial' >/dev/null
	keys "$s3" Enter
	wait_screen 5 '(▶|>) repair' >/dev/null
	keys Down Down Down
	expect "$L: reset-soft picked with the arrows" 5 '(▶|>) reset-soft'
	keys Enter
	expect "$L: countdown bar while POWER is held" 30 'hold POWER 12.0 s'
	wait_screen 5 '[0-9.]+ / 12.0 s' >/dev/null
	[ -n "$(closed)" ] && [ "$(closed)" != 0x0 ] && ok "$L: a relay is closed mid-hold" ||
		notok "$L: a relay is closed mid-hold (state: $(cat "$T/state" 2>/dev/null))"
	keys Escape
	expect "$L: Esc: the screen says ABORTED" 10 'verdict +ABORTED'
	[ "$(closed)" = 0x0 ] && ok "$L: every relay open after the abort" ||
		notok "$L: every relay open after the abort (state: $(cat "$T/state"))"
	[ "$(db_outcome "$s3")" = ABORTED ] && ok "$L: the database holds the run as ABORTED" ||
		notok "$L: the database holds the run as ABORTED (got '$(db_outcome "$s3")')"
	n=$(sqlite3 "$T/st.db" "SELECT count(*) FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.serial='$s3'")
	[ "${n:-0}" -ge 3 ] && ok "$L: the aborted run keeps its steps so far ($n)" ||
		notok "$L: the aborted run keeps its steps so far ($n)"

	tm resize-window -t "$SESS" -x 70 -y 20
	expect "$L: below 80x24 the console says so in one line" 5 'too small'
	[ "$(screen | grep -c .)" -eq 1 ] && ok "$L: ... and only that line" || notok "$L: ... and only that line"
	tm resize-window -t "$SESS" -x 80 -y 24
	expect "$L: back at 80x24 the verdict is redrawn" 5 'verdict +ABORTED'

	keys F10
	expect "$L: F10 quits with exit 0" 10 'CONSOLE-EXIT=0'
	screen | grep -q 'Sanitizer' && notok "$L: no sanitizer report at exit" ||
		ok "$L: no sanitizer report at exit"
	[ "$(tm display -p -t "$SESS" '#{alternate_on}')" = 0 ] && ok "$L: terminal restored (alternate screen off)" ||
		notok "$L: terminal restored (alternate screen off)"
	sim_stop
	if [ -s "$T/console.log" ]; then
		notok "$L: nothing written to stderr while the screen ran"
		head -20 "$T/console.log" | sed 's/^/# /'
	else
		ok "$L: nothing written to stderr while the screen ran"
	fi
	rm -f "$T/console.log"
}

flow colour ""
flow mono "NO_COLOR=1"

# signal_case SIG: the console killed mid-hold releases the fixture, stores
# the run as ABORTED (SIGHUP, SIGTERM) and leaves the terminal restored
signal_case() {
	local sig=$1 serial=502$((RANDOM % 9000 + 1000)) pid i
	rm -f "$T/st.db"
	sim_start --model WH-1000XM5 --serial "$serial" --time-scale 2 || { notok "$sig: sim starts"; return; }
	console_start "" --operator tech-7 --model WH-1000XM5 --plan reset-soft
	wait_screen 10 'Scan or type the serial' >/dev/null
	keys "$serial" Enter
	if ! wait_screen 30 'hold POWER 12.0 s'; then
		notok "$sig: the run reaches the hold"
		sim_stop
		return
	fi
	pid=$(pgrep -P "$(tm display -p -t "$SESS" '#{pane_pid}')" -f 'station console')
	if [ "$sig" = HUP ]; then
		tm kill-session -t "$SESS"   # the terminal goes away: SIGHUP
		SESS=
	else
		kill -"$sig" "$pid"
	fi
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$pid" 2>/dev/null && notok "SIG$sig mid-hold: the console exits" ||
		ok "SIG$sig mid-hold: the console exits"
	[ "$(closed)" = 0x0 ] && ok "SIG$sig mid-hold: every relay open" ||
		notok "SIG$sig mid-hold: every relay open (state: $(cat "$T/state"))"
	if [ "$sig" != SEGV ]; then
		[ "$(db_outcome "$serial")" = ABORTED ] && ok "SIG$sig mid-hold: the run is stored ABORTED" ||
			notok "SIG$sig mid-hold: the run is stored ABORTED (got '$(db_outcome "$serial")')"
	fi
	if [ -n "$SESS" ]; then
		wait_screen 5 'CONSOLE-EXIT=' >/dev/null
		[ "$(tm display -p -t "$SESS" '#{alternate_on}')" = 0 ] &&
			ok "SIG$sig mid-hold: terminal restored" || notok "SIG$sig mid-hold: terminal restored"
	fi
	sim_stop
}
signal_case TERM
signal_case HUP
signal_case SEGV

# start-up failures: one line on stderr, the right exit code, no screen
startup() { # startup NAME WANT-RC ARGS...
	local name=$1 want=$2
	shift 2
	rm -f "$T/rc" "$T/err"
	new_session "$STATION console --operator t $* 2>$T/err; echo \$? >$T/rc; sleep 600"
	for _ in $(seq 100); do [ -s "$T/rc" ] && break; sleep 0.05; done
	rc=$(cat "$T/rc" 2>/dev/null)
	if [ "$rc" = "$want" ] && [ "$(wc -l <"$T/err")" -eq 1 ]; then
		ok "$name: exit $want, one line on stderr"
	else
		notok "$name: exit '$rc' (want $want), stderr: $(cat "$T/err")"
	fi
}
# the simulated bench cannot ask a unit: a serial no model claims gives the list
new_session "$STATION console --db $T/st4.db --operator t; echo CONSOLE-EXIT=\$?; sleep 600"
wait_screen 10 'Scan or type the serial' >/dev/null
keys "0000001" Enter
expect "simulated bench: a serial no model claims brings up the model list" 5 'pick the model'
keys Down Enter
expect "... a model picked with the arrows, then the plan" 5 'model +MDR-1000X +plan'
keys F10
wait_screen 5 'CONSOLE-EXIT=0' >/dev/null

startup "database cannot be opened" 2 --db /nonexistent-dir/st.db
startup "fixture unreachable" 3 --db "$T/st2.db" --fixture "$T/no-such-fixture"
out=$("$STATION" console --db "$T/st3.db" </dev/null 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && ok "no terminal: exit 2, one line" ||
	notok "no terminal: exit $rc: $out"
exit 0
