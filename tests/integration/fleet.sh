#!/usr/bin/env bash
# fleet.sh - two simulated stations, two local databases, one private
# PostgreSQL server (initdb in a temp dir, Unix socket only, run as an
# unprivileged user, stopped by its PID): `station sync --init`, sync both
# stations and check every run, step, measurement and event arrived exactly
# once; a sync killed with SIGKILL at a random point and restarted; the
# server stopped mid-sync while the station keeps testing; hostile text;
# a newer central schema; passwords never printed; the daemon; the fleet
# report and a unit's history across stations.  TAP lines "ok - name".
#
# Env: STATION (binary), STATION_DATA (repo root).
set -u
STATION=${STATION:-build/station}
STATION_DATA=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
export STATION_DATA TZ=UTC NO_COLOR=1
unset STATION_DB STATION_SYNC_URL
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pg_lib.sh"
W=$(mktemp -d /tmp/st-fleet-XXXXXX)
BG=
cleanup() {
	[ -n "$BG" ] && kill -9 "$BG" 2>/dev/null
	pg_cleanup
	rm -rf "$W"
}
trap cleanup EXIT

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
check() { # check NAME RC [diagnostics...]
	local name=$1 rc=$2; shift 2
	if [ "$rc" -eq 0 ]; then ok "$name"; else nok "$name" "$@"; fi
}

pg_start || { echo "not ok - private PostgreSQL server starts"; exit 1; }
ok "private PostgreSQL server starts (socket $PGT, pid $PGPID)"

out=$("$STATION" sync --init --to "$PG_URL" 2>&1); rc=$?
check "sync --init creates the central schema" $([ $rc -eq 0 ] && [[ $out == *"1 migration applied"* ]]; echo $?) "$out"
out=$("$STATION" sync --init --to "$PG_URL" 2>&1); rc=$?
check "sync --init again applies nothing" $([ $rc -eq 0 ] && [[ $out == *"0 migrations applied"* ]]; echo $?) "$out"

# Station A and station B, each with its own database.
A=$W/a.db; B=$W/b.db
runA() { "$STATION" run --db "$A" --station bench-a --operator tech-1 --quiet "$@" >/dev/null 2>&1; }
runB() { "$STATION" run --db "$B" --station bench-b --operator tech-2 --quiet "$@" >/dev/null 2>&1; }
runA --model WH-1000XM5 --serial 7000001 --plan reset-soft
runA --model WH-1000XM5 --serial 7000002 --plan repair --fault bt-limbo
runA --model WH-1000XM4 --serial 7000003 --plan reset-soft --fault low-battery
runA --model WH-1000XM5 --serial 7000004 --plan repair --fault firmware-corrupt
runB --model WH-1000XM5 --serial 7000004 --plan reset-soft
runB --model MDR-1000X --serial 7000005 --plan reset-soft
runB --model WF-1000XM5 --serial 7000006 --plan reset-soft
nA=$(sqlite3 "$A" "select count(*) from runs"); nB=$(sqlite3 "$B" "select count(*) from runs")
check "two stations ran their units ($nA + $nB runs)" $([ "$nA" -eq 4 ] && [ "$nB" -eq 3 ]; echo $?)

out=$("$STATION" sync --to "$PG_URL" --db "$A" 2>&1); rcA=$?
outB=$("$STATION" sync --to "$PG_URL" --db "$B" 2>&1); rcB=$?
check "both stations sync" $([ $rcA -eq 0 ] && [ $rcB -eq 0 ] && [[ $out == "synced 4 runs"* ]] && [[ $outB == "synced 3 runs"* ]]; echo $?) "$out" "$outB"

# Per run: uuid|steps|measurements|events|artifacts, from both sides.
local_counts() { # DB...
	for db in "$@"; do
		sqlite3 -separator '|' "$db" "select r.uuid, (select count(*) from steps where run_id=r.id),
			(select count(*) from measurements where run_id=r.id),
			(select count(*) from events where run_id=r.id),
			(select count(*) from artifacts where run_id=r.id)
			from runs r where r.outcome <> 'running'"
	done | sort
}
central_counts() {
	pgq "select r.uuid || '|' || (select count(*) from steps where run_id=r.id) || '|' ||
		(select count(*) from measurements where run_id=r.id) || '|' ||
		(select count(*) from events where run_id=r.id) || '|' ||
		(select count(*) from artifacts where run_id=r.id) from runs r" | sort
}
same_everywhere() { # DB... : central holds exactly the local runs, complete
	diff <(local_counts "$@") <(central_counts) >"$W/diff" 2>&1
}
same_everywhere "$A" "$B"
check "every run, step, measurement and event arrived exactly once" $? "$(head -5 "$W/diff")"
st=$(pgq "select string_agg(name, ',' order by name) from stations")
check "stations are first-class in the central database ($st)" $([ "$st" = "bench-a,bench-b" ]; echo $?)
nm=$(pgq "select count(*) from measurements")
lm=$(( $(sqlite3 "$A" "select count(*) from measurements") + $(sqlite3 "$B" "select count(*) from measurements") ))
check "measurement count matches ($nm)" $([ "$nm" -eq "$lm" ]; echo $?)

out=$("$STATION" sync --to "$PG_URL" --db "$A" 2>&1)
check "a second sync sends nothing" $([[ $out == "synced 0 runs"* ]]; echo $?) "$out"
out=$("$STATION" sync --status --to "$PG_URL" --db "$A" 2>&1)
check "sync --status: nothing to send" $([[ $out == *": 0 runs to send"* ]]; echo $?) "$out"

# A run still running is not sent; it goes once it has ended.
# (repair, a few seconds at 10x: the reset-* plans end in `verify full`,
# two hours of bench time)
"$STATION" run --db "$A" --station bench-a --quiet --time-scale 10 --audio none --model WH-1000XM5 \
	--serial 7000009 --plan repair >/dev/null 2>&1 &
BG=$!
for _ in $(seq 100); do
	[ "$(sqlite3 "$A" "select count(*) from runs where serial = '7000009'" 2>/dev/null)" = 1 ] && break
	sleep 0.05
done
out=$("$STATION" sync --to "$PG_URL" --db "$A" 2>&1)
n=$(pgq "select count(*) from runs where serial='7000009'")
check "a running run is not sent" $([ "$n" -eq 0 ] && [[ $out == *"1 still running"* ]]; echo $?) "$out"
wait "$BG"; BG=
"$STATION" sync --to "$PG_URL" --db "$A" >/dev/null 2>&1
n=$(pgq "select count(*) from runs where serial='7000009'")
check "it is sent once it has ended" $([ "$n" -eq 1 ]; echo $?)

# Many runs to make a sync long enough to kill (clone_runs: pg_lib.sh).
# The runs from here on only need to be stored and synced: --audio none
# (the acoustics of stations A and B above feed the report's charts).
C=$W/c.db
"$STATION" run --db "$C" --station bench-c --quiet --audio none --model WH-1000XM5 --serial 7000010 --plan repair >/dev/null 2>&1
clone_runs "$C" 300
nC=$(sqlite3 "$C" "select count(*) from runs")
check "300 cloned runs to sync ($nC in all)" $([ "$nC" -eq 301 ]; echo $?)

killed=0
for attempt in 1 2 3; do
	"$STATION" sync --to "$PG_URL" --db "$C" >/dev/null 2>&1 &
	BG=$!
	# killed once the first runs have arrived (each run is its own
	# transaction): mid-way, where a fixed sleep of 0.2-0.7 s once found
	# all 301 runs already sent
	for _ in $(seq 1000); do
		kill -0 "$BG" 2>/dev/null || break
		got=$(pgq "select count(*) from runs where station = 'bench-c'" 2>/dev/null)
		[ "${got:-0}" -gt "$((RANDOM % 20))" ] 2>/dev/null && break
	done
	if kill -9 "$BG" 2>/dev/null; then killed=1; fi
	wait "$BG" 2>/dev/null
	BG=
	[ "$killed" = 1 ] && break
done
sent=$(pgq "select count(*) from runs where station = 'bench-c'")
out=$("$STATION" sync --to "$PG_URL" --db "$C" 2>&1); rc=$?
check "a sync killed with SIGKILL ($sent of 301 sent) resumes" $([ $killed = 1 ] && [ $rc -eq 0 ]; echo $?) "$out"
same_everywhere "$A" "$B" "$C"
check "after the kill every run is there exactly once and complete" $? "$(head -5 "$W/diff")"
dup=$(pgq "select count(*) from (select uuid from runs group by uuid having count(*) > 1) d")
check "no run twice" $([ "$dup" -eq 0 ]; echo $?)

# The server goes away mid-sync: the station keeps testing, syncs later.
D=$W/d.db
"$STATION" run --db "$D" --station bench-d --quiet --audio none --model WH-1000XM5 --serial 7000020 --plan repair >/dev/null 2>&1
clone_runs "$D" 300
"$STATION" sync --to "$PG_URL" --db "$D" >"$W/sync-d.out" 2>&1 &
BG=$!
sleep 0.3
pg_stop
wait "$BG"; rc=$?
BG=
check "sync with the server stopped mid-way exits 3" $([ $rc -eq 3 ] || [ $rc -eq 0 ]; echo $?) "$(cat "$W/sync-d.out")"
"$STATION" run --db "$D" --station bench-d --quiet --audio none --model WH-1000XM5 --serial 7000021 --plan reset-soft >/dev/null 2>&1; rc=$?
check "the station keeps testing while the server is down" $rc
out=$("$STATION" sync --to "$PG_URL" --db "$D" 2>&1); rc=$?
check "sync while the server is down: exit 3, a station fault, one line" $([ $rc -eq 3 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]; echo $?) "$out"
pg_start || echo "# restart failed"
out=$("$STATION" sync --to "$PG_URL" --db "$D" 2>&1); rc=$?
check "once the server is back everything syncs" $rc "$out"
same_everywhere "$A" "$B" "$C" "$D"
check "after the outage every run is there exactly once and complete" $? "$(head -5 "$W/diff")"

# Hostile text stored by an older station: sent as valid UTF-8, printed as text.
E=$W/e.db
"$STATION" run --db "$E" --station bench-e --quiet --audio none --model WH-1000XM5 --serial 7000030 --plan reset-soft >/dev/null 2>&1
sqlite3 "$E" "PRAGMA foreign_keys = OFF; update units set serial = '<script>alert(1)</script>' || char(10) || 'x' || cast(x'ff' as text);
	update runs set serial = (select serial from units), reason = 'tab' || char(9) || 'back\\slash'"
out=$("$STATION" sync --to "$PG_URL" --db "$E" 2>&1); rc=$?
check "hostile stored text syncs" $rc "$out"
reason=$(pgq "select reason from runs where station = 'bench-e'")
check "tabs and backslashes arrive unchanged" $([ "$reason" = "$(printf 'tab\tback\\slash')" ]; echo $?) "$reason"

"$STATION" fleet report --to "$PG_URL" --out "$W/fleet.html" >/dev/null 2>"$W/rep.err"; rc=$?
check "fleet report is written" $rc "$(cat "$W/rep.err")"
xmllint --noout "$W/fleet.html" 2>"$W/lint"
check "fleet report is well-formed (parsed as XML)" $([ ! -s "$W/lint" ]; echo $?) "$(head -3 "$W/lint")"
check "fleet report is self-contained" $(! grep -Eqi 'https?:|src=|<link' "$W/fleet.html"; echo $?)
check "fleet report escapes hostile text" $(! grep -q '<script>' "$W/fleet.html"; echo $?)
for s in "Yield" "By model" "By station" "By day" "Process capability" "Control charts" "Failure causes" "Dispositions" "Stations" "bench-a" "bench-b"; do
	grep -q "$s" "$W/fleet.html" || { nok "fleet report has $s"; continue; }
	ok "fleet report has $s"
done
grep -q '<polyline' "$W/fleet.html"
check "fleet report draws control charts" $?

out=$("$STATION" fleet unit 7000004 --to "$PG_URL" 2>&1); rc=$?
check "fleet unit: one unit at both stations" $([ $rc -eq 0 ] && [[ $out == *bench-a* ]] && [[ $out == *bench-b* ]]; echo $?) "$out"
out=$("$STATION" fleet unit 7000004 --to "$PG_URL" --json 2>&1)
printf '%s\n' "$out" | /usr/bin/python3 -c 'import json,sys; [json.loads(l) for l in sys.stdin]' 2>/dev/null
check "fleet unit --json is JSON lines" $? "$out"
"$STATION" fleet unit NOSUCH --to "$PG_URL" >/dev/null 2>&1; rc=$?
check "fleet unit of an unknown serial exits 2" $([ $rc -eq 2 ]; echo $?)

# Credentials never printed.
out=$("$STATION" sync --to "postgresql://fleet:s3cretpw@/postgres?host=$W/nowhere&port=1" --db "$A" 2>&1); rc=$?
check "an unreachable server: exit 3, password not printed" $([ $rc -eq 3 ] && [[ $out != *s3cretpw* ]]; echo $?) "$out"
out=$("$STATION" sync --to "host=$W/nowhere port=1 password=s3cretpw" --db "$A" 2>&1); rc=$?
check "key=value form: password not printed" $([ $rc -eq 3 ] && [[ $out != *s3cretpw* ]]; echo $?) "$out"
out=$("$STATION" sync --db "$A" 2>&1); rc=$?
check "no URL: exit 2 naming STATION_SYNC_URL" $([ $rc -eq 2 ] && [[ $out == *STATION_SYNC_URL* ]]; echo $?) "$out"

# The daemon picks up a new run, and stops on SIGTERM.
STATION_SYNC_URL=$PG_URL "$STATION" sync --daemon --interval 1 --db "$A" >"$W/daemon.out" 2>&1 &
BG=$!
runA --model WH-1000XM5 --serial 7000040 --plan reset-soft --audio none
for _ in $(seq 100); do
	[ "$(pgq "select count(*) from runs where serial = '7000040'")" = 1 ] && break
	sleep 0.1
done
n=$(pgq "select count(*) from runs where serial = '7000040'")
kill -TERM "$BG"; wait "$BG"; rc=$?; BG=
check "sync --daemon sends a new run and stops on SIGTERM" $([ "$n" -eq 1 ] && [ $rc -eq 0 ]; echo $?) "$(cat "$W/daemon.out")"

# A central schema newer than this station: refused, nothing written.
pgq "insert into schema_migrations (version, file, sha256) values (99, '099_future.sql', '')" >/dev/null
runA --model WH-1000XM5 --serial 7000050 --plan reset-soft --audio none
out=$("$STATION" sync --to "$PG_URL" --db "$A" 2>&1); rc=$?
n=$(pgq "select count(*) from runs where serial = '7000050'")
check "a newer central schema is refused" $([ $rc -eq 3 ] && [[ $out == *newer* ]] && [ "$n" -eq 0 ]; echo $?) "$out"
