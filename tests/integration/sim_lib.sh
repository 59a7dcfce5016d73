# sim_lib.sh - helpers for the sim_*.sh integration scripts (sourced, not
# run: it is not executable, so tests/run.sh skips it).
#   sim_start ARGS...   start `station sim` on a pty linked at $T/fx with a
#                       state file $T/state; waits for its ready line
#   sim_stop            SIGTERM it and wait; returns its exit code
#   closed              the relay mask the state file shows ("0x0" = all open)
#   wait_released SECS  poll until every relay is open; fails after SECS
# Each script runs in its own temp dir $T, removed (and the sim killed by
# PID) by the EXIT trap.
: "${STATION:?STATION must name the station binary}"
T=$(mktemp -d)
SIM=
cleanup() {
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null
	[ -n "${CLIENT:-}" ] && kill -9 "$CLIENT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() { # check NAME COMMAND...: ok/not ok on the command's status
	local name=$1
	shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

sim_start() {
	rm -f "$T/fx" "$T/state"
	"$STATION" sim --pty-link "$T/fx" --state-file "$T/state" "$@" >"$T/sim.out" 2>"$T/sim.err" &
	SIM=$!
	for _ in $(seq 100); do
		grep -q '^sim: .* linked at ' "$T/sim.out" 2>/dev/null && return 0
		kill -0 "$SIM" 2>/dev/null || break
		sleep 0.05
	done
	echo "# sim did not start:"
	sed 's/^/#   /' "$T/sim.err" | tail -5
	return 1
}

sim_stop() {
	local rc
	[ -n "$SIM" ] || return 0
	kill "$SIM" 2>/dev/null
	wait "$SIM"
	rc=$?
	SIM=
	return $rc
}

closed() {
	sed -n 's/.*closed=\(0x[0-9a-fA-F]*\).*/\1/p' "$T/state" 2>/dev/null
}

wait_released() {
	local n
	n=$(awk "BEGIN { print int($1 * 50) }")
	for _ in $(seq "$n"); do
		[ "$(closed)" = "0x0" ] && return 0
		sleep 0.02
	done
	echo "# still closed: $(cat "$T/state" 2>/dev/null)"
	return 1
}

# wait_closed SECS: poll until some relay is closed
wait_closed() {
	local n
	n=$(awk "BEGIN { print int($1 * 200) }")
	for _ in $(seq "$n"); do
		c=$(closed)
		[ -n "$c" ] && [ "$c" != "0x0" ] && return 0
		sleep 0.005
	done
	return 1
}

has_run_fixture() {
	"$STATION" run --help 2>&1 | grep -q -- '--fixture'
}
