#!/usr/bin/env bash
# exit_codes.sh - every exit code the README documents, from the real
# binary: 0 PASS, 1 FAIL, 2 usage or input error, 3 ERROR (station fault),
# 4 ABORTED; and the input errors that used to exit 3 (a malformed model
# file for `station models`, a malformed fixture file for `station run`,
# an unwritable --junit path, found before the run), each with a one-line
# reason on stderr.
set -u
: "${STATION:?}" "${STATION_DATA:?}"
tmp=$(mktemp -d)
SIM=
cleanup() {
	[ -n "$SIM" ] && kill "$SIM" 2>/dev/null && wait "$SIM" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
fails=0

# expect NAME CODE STDERR-SUBSTRING COMMAND...: the exit code; a non-empty
# substring must be on stderr, and exit 2 is exactly one line there
expect() {
	local name=$1 code=$2 want=$3 rc lines
	shift 3
	"$@" >out 2>err
	rc=$?
	lines=$(wc -l <err)
	if [ "$rc" -ne "$code" ]; then
		echo "not ok - $name: exit $rc, want $code"; sed 's/^/# /' err | head -3; fails=$((fails + 1))
	elif [ -n "$want" ] && { [ "$lines" -lt 1 ] || ! grep -qF -- "$want" err; }; then
		echo "not ok - $name: exit $code but stderr lacks '$want'"; sed 's/^/# /' err | head -3
		fails=$((fails + 1))
	elif [ "$code" -eq 2 ] && [ "$lines" -ne 1 ]; then
		echo "not ok - $name: exit 2 with $lines lines on stderr, want one"; fails=$((fails + 1))
	else
		echo "ok - $name (exit $code)"
	fi
}

run() { "$STATION" run --model WH-1000XM5 --plan "$@"; }

# PASS and FAIL come from the unit's resets here: no acoustic bench needed
# (the noisy room and the captures below have it)
expect "PASS is 0" 0 "" run reset-soft --serial X1 --db r.db --quiet --audio none
expect "FAIL is 1" 1 "" run nightly --serial X2 --db r.db --fault eeprom-fail --quiet --confirm yes --audio none
expect "ABORTED is 4 (battery below the reset minimum)" 4 "" run reset-factory --serial X3 --db r.db --battery 3 --quiet
expect "ERROR is 3 (noisy room)" 3 "" run repair --serial X4 --db r.db --fault noisy-room --quiet
expect "ERROR is 3 (captures folder cannot be written), naming the path" 3 "" \
	run repair --serial X5 --db r.db --captures /proc/st-captures --quiet
grep -q "/proc/st-captures" out && echo "ok - the unwritable captures path is named" ||
	{ echo "not ok - the unwritable captures path is not named"; fails=$((fails + 1)); }

expect "usage: missing --serial is 2" 2 "--serial" run reset-soft --db r.db
expect "usage: unknown plan is 2" 2 "nope" run nope --serial X6 --db r.db
expect "input: a serial outside the alphabet is 2" 2 "serial" run reset-soft --serial 'a b' --db r.db
expect "input: history --serial outside the alphabet is 2" 2 "serial" "$STATION" history --db r.db --serial '../x'
expect "input: fleet unit with a serial outside the alphabet is 2" 2 "serial" "$STATION" fleet unit $'A\e[2J'
expect "input: an unwritable --junit path is 2, before the run" 2 "--junit" \
	run reset-soft --serial X7 --db r.db --junit "$tmp/no-such-dir/j.xml"
n=$(sqlite3 r.db "SELECT count(*) FROM runs WHERE serial = 'X7'" 2>/dev/null)
[ "$n" = 0 ] && echo "ok - no run started for the unwritable --junit path" ||
	{ echo "not ok - a run started with an unwritable --junit path ($n)"; fails=$((fails + 1)); }
expect "input: an in-memory database is 2" 2 "in-memory" run reset-soft --serial X8 --db :memory:
expect "input: a file: URI database is 2" 2 "plain file" run reset-soft --serial X8 --db 'file:r.db?mode=memory'

# a data directory with a malformed model file
mkdir -p data/fixtures data/limits
cp -r "$STATION_DATA"/fixtures/* data/fixtures/
cp -r "$STATION_DATA"/limits/* data/limits/ 2>/dev/null
cp -r "$STATION_DATA"/db data/
printf 'model WH-1000XM5\nthis is not a model line\n' >data/fixtures/models/WH-1000XM5.model
STATION_DATA=$tmp/data expect "input: station models with a malformed model file is 2" 2 "WH-1000XM5.model" \
	"$STATION" models
STATION_DATA=$tmp/data expect "input: station models MODEL malformed is 2" 2 "WH-1000XM5.model" \
	"$STATION" models WH-1000XM5
STATION_DATA=$tmp/data expect "input: station run with a malformed model file is 2" 2 "WH-1000XM5.model" \
	run reset-soft --serial X9 --db r.db

# a malformed fixture file named by the fixture address
printf 'fixture broken\nchannels many\n' >bad.fixture
"$STATION" sim --model WH-1000XM5 --pty-link "$tmp/fx" --time-scale 50 >sim.out 2>sim.err &
SIM=$!
for _ in $(seq 100); do grep -q 'linked at' sim.out 2>/dev/null && break; sleep 0.05; done
expect "input: a malformed fixture file is 2" 2 "bad.fixture" \
	run reset-soft --serial X10 --db r.db --fixture "$tmp/fx,bench=$tmp/bad.fixture" --confirm yes

[ "$fails" -eq 0 ]
