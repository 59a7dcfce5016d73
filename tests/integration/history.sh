#!/usr/bin/env bash
# history.sh - `station history` against result databases built here with the
# sqlite3 CLI from the shipped migrations (db/*.sql): the list, --serial,
# --limit, --json, --run, runs left running by a dead station, and every
# error path (missing database, bad options, not a station database, newer
# schema).  Prints TAP lines "ok - name" / "not ok - name".
#
# Env: STATION (binary), STATION_DATA (repo root).
set -u
STATION=${STATION:-build/station}
STATION_DATA=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
export STATION_DATA
unset STATION_DB
tmp=$(mktemp -d /tmp/st-history-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export TZ=UTC NO_COLOR=1

n=0
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
check() { # check NAME COND-EXIT-STATUS [diagnostics...]
	local name=$1 rc=$2; shift 2
	if [ "$rc" -eq 0 ]; then ok "$name"; else nok "$name" "$@"; fi
}
run() { # run ARGS... -> $out, $errout, $rc
	out=$("$STATION" "$@" 2>"$tmp/stderr"); rc=$?
	errout=$(cat "$tmp/stderr")
}
one_line() { [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ] && [ -n "$1" ]; }

if ! command -v sqlite3 >/dev/null; then
	echo "not ok - sqlite3 CLI missing (Makefile DEB_PKGS installs it)"; exit 1
fi
nmig=$(ls "$STATION_DATA"/db/[0-9]*_*.sql | wc -l)

# A station database made with the sqlite3 CLI the way docs/store.md says.
make_db() { # make_db FILE
	cat "$STATION_DATA"/db/[0-9]*_*.sql | sqlite3 "$1" || return 1
	sqlite3 "$1" "PRAGMA application_id = $((0x53544e31)); PRAGMA user_version = $nmig;" \
		"PRAGMA journal_mode = WAL;" >/dev/null
}
make_db h.db || { echo "not ok - build a database from db/*.sql"; exit 1; }
sqlite3 h.db <<'SQL'
INSERT INTO units VALUES ('5012345', 'WH-1000XM4', '2026-11-22T09:00:00.000Z', '2026-11-22T10:00:00.000Z');
INSERT INTO units VALUES ('7700001', 'WF-1000XM5', '2026-11-22T09:30:00.000Z', '2026-11-22T09:30:00.000Z');
INSERT INTO runs (uuid, serial, model, firmware, plan, started, ended, outcome, disposition, reason,
		  station, operator, fixture, limits_path, limits_hash) VALUES
 ('3f2a9c1e-0c1d-4e5f-8a9b-0123456789ab', '5012345', 'WH-1000XM4', '2.1.0', 'repair',
  '2026-11-22T09:00:00.000Z', '2026-11-22T09:01:11.500Z', 'FAIL', 'service-centre',
  'ANC attenuation 14.2 dB below 18 dB at 200 Hz', 'bench-1', 'ana', 'sim',
  'fixtures/limits/wh1000xm4.limits', 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56abcd'),
 ('9b1c0d2e-1111-4222-8333-444455556666', '7700001', 'WF-1000XM5', '1.4.2', 'rma-triage',
  '2026-11-22T09:30:00.000Z', '2026-11-22T09:31:00.000Z', 'PASS', 'fixed-by-soft-reset',
  'it''s "fixed" — ヘッドホン', 'bench-2', 'li', 'sim', '', ''),
 ('9b1c0d2e-2222-4222-8333-444455556666', '5012345', 'WH-1000XM4', '2.1.1', 'repair',
  '2026-11-22T10:00:00.000Z', '2026-11-22T10:02:00.000Z', 'PASS', 'fixed-by-soft-reset', '',
  'bench-1', 'ana', 'sim', '', '');
INSERT INTO steps (run_id, idx, name, kind, verdict, started_s, duration_s, message) VALUES
 (1, 1, 'soft_reset', 'reset', 'PASS', 0, 12.31, 'LED orange x3, chime'),
 (1, 2, 'anc', 'anc', 'FAIL', 12.5, 8.5, '14.2 dB < 18 dB');
INSERT INTO measurements (run_id, step_id, name, value, unit, low, high, verdict) VALUES
 (1, 1, 'hold_s', 12.31, 's', 12, 15, 'PASS'),
 (1, 2, 'anc_200hz', 14.2, 'dB', 18, NULL, 'FAIL');
INSERT INTO events (run_id, t_s, kind, text) VALUES (1, 0.5, 'press', 'POWER held 12.3 s');
INSERT INTO artifacts (run_id, step_id, kind, path, sha256) VALUES
 (1, 2, 'capture', 'captures/anc_on.wav', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
SQL

# --- error paths ---
run history --db missing.db
check "missing database: exit 2" $(( rc != 2 )) "rc=$rc"
check "missing database: one line naming it" \
	$(( $(one_line "$errout" && [ "$errout" = "station history: no database at missing.db" ]; echo $?) )) "$errout"
check "missing database: not created" $(( $([ ! -e missing.db ]; echo $?) ))

run history
check "default path station.db missing: exit 2" \
	$(( $([ $rc -eq 2 ] && [[ $errout == *"no database at station.db"* ]]; echo $?) )) "rc=$rc $errout"

for bad in "--bogus" "--limit" "--limit -3" "--limit x" "--serial" "--run" "--db" \
	   "--run 3f2a --serial 5012345" "--run 3f2a --limit 2" "extra"; do
	# shellcheck disable=SC2086
	run history --db h.db $bad
	check "usage error '$bad': exit 2, one line" \
		$(( $([ $rc -eq 2 ] && one_line "$errout" && [ -z "$out" ]; echo $?) )) "rc=$rc" "$errout"
done

run history --help
check "--help: exit 0, usage on stdout" $(( $([ $rc -eq 0 ] && [[ $out == usage:* ]]; echo $?) )) "$out"

echo "a technician's notes, not a database" >notes.txt
sum=$(sha256sum notes.txt)
run history --db notes.txt
check "text file refused: exit 2, one line naming it, untouched" \
	$(( $([ $rc -eq 2 ] && one_line "$errout" && [[ $errout == *notes.txt* ]] &&
	      [ "$(sha256sum notes.txt)" = "$sum" ]; echo $?) )) "rc=$rc" "$errout"

sqlite3 other.db "CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (7);"
sum=$(sha256sum other.db)
run history --db other.db
check "another program's database refused, untouched" \
	$(( $([ $rc -eq 2 ] && [[ $errout == *"not a station database"* ]] &&
	      [ "$(sha256sum other.db)" = "$sum" ]; echo $?) )) "rc=$rc" "$errout"

cp h.db newer.db
sqlite3 newer.db "PRAGMA user_version = 99;"
sum=$(sha256sum newer.db)
run history --db newer.db
check "newer schema refused, untouched" \
	$(( $([ $rc -eq 2 ] && one_line "$errout" && [[ $errout == *newer* ]] &&
	      [ "$(sha256sum newer.db)" = "$sum" ]; echo $?) )) "rc=$rc" "$errout"

# --- the list ---
run history --db h.db
check "list: exit 0" $rc "$errout"
check "list: header and 3 runs" $(( $(printf '%s\n' "$out" | wc -l) != 4 )) "$out"
first=$(printf '%s\n' "$out" | sed -n 2p)
last=$(printf '%s\n' "$out" | sed -n 4p)
check "list: newest first" $(( $([[ $first == "2026-11-22 10:00:00  9b1c0d2e  5012345"* ]] &&
				 [[ $last == "2026-11-22 09:00:00  3f2a9c1e  5012345"* ]]; echo $?) )) "$out"
check "list: outcome, disposition, reason shown" \
	$(( $([[ $last == *"FAIL     service-centre       ANC attenuation 14.2 dB below 18 dB at 200 Hz" ]]; echo $?) )) "$last"
# every row's OUTCOME column starts where the header's does
col=$(printf '%s\n' "$out" | head -1 | awk '{ print index($0, "OUTCOME") }')
aligned=0
while IFS= read -r line; do
	o=$(printf '%s' "$line" | cut -c"$col"- | cut -d' ' -f1)
	case "$o" in OUTCOME|PASS|FAIL) ;; *) aligned=1 ;; esac
done <<<"$out"
check "list: columns aligned (unicode reason included)" $aligned "$out"
check "list: unicode and quotes kept" $(( $([[ $out == *'it'"'"'s "fixed" — ヘッドホン'* ]]; echo $?) )) "$out"

STATION_DB=h.db run history --serial 5012345
check "--serial via \$STATION_DB: 2 runs of that unit" \
	$(( $([ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c ' 5012345 ')" -eq 2 ] &&
	      [ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ]; echo $?) )) "$out"

run history --db h.db --limit 1
check "--limit 1: one run and a note of the rest" \
	$(( $([ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 3 ] &&
	      [[ $out == *"(1 newest of 3 runs; --limit 0 shows all)" ]]; echo $?) )) "$out"

run history --db h.db --serial nobody
check "unknown serial: says so, exit 0" \
	$(( $([ $rc -eq 0 ] && [ "$out" = "no runs of unit nobody in h.db" ]; echo $?) )) "$out"

run history --db h.db --json
valid=0
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '%s' "$line" >"line$i.json"
	[ "$(sqlite3 :memory: "SELECT json_valid(readfile('line$i.json'))")" = 1 ] || valid=1
done <<<"$out"
check "--json: 3 lines, each valid JSON" $(( $([ $valid -eq 0 ] && [ $i -eq 3 ]; echo $?) )) "$out"
check "--json: fields" \
	$(( $([ "$(sqlite3 :memory: "SELECT json_extract(readfile('line3.json'), '\$.outcome') || ' ' ||
		  json_extract(readfile('line3.json'), '\$.limits_hash') || ' ' ||
		  json_type(readfile('line1.json'), '\$.ended')")" = \
		"FAIL ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56abcd text" ]; echo $?) )) "$out"

# --- one run ---
run history --db h.db --run 3F2A9C
check "--run: exit 0" $rc "$errout"
check "--run: run header" $(( $([[ $out == "run          3f2a9c1e-0c1d-4e5f-8a9b-0123456789ab"* ]] &&
				[[ $out == *"time         2026-11-22 09:00:00 to 2026-11-22 09:01:11 (71.5 s)"* ]] &&
				[[ $out == *"outcome      FAIL"* ]]; echo $?) )) "$out"
check "--run: steps" $(( $(printf '%s\n' "$out" | grep -Eq '^2  anc +anc +FAIL +12\.50 +8\.50  14\.2 dB < 18 dB$'; echo $?) )) "$out"
check "--run: measurements with limits" \
	$(( $(printf '%s\n' "$out" | grep -Eq '^anc +anc_200hz +14\.2 +dB +18 +- +FAIL$' &&
	      printf '%s\n' "$out" | grep -Eq '^soft_reset +hold_s +12\.31 +s +12 +15 +PASS$'; echo $?) )) "$out"
check "--run: events and artifacts" \
	$(( $([[ $out == *"POWER held 12.3 s"* ]] && [[ $out == *"captures/anc_on.wav  e3b0c44298fc"* ]]; echo $?) )) "$out"

run history --db h.db --run 3f2a --json
check "--run --json: run, 2 steps, 2 measurements, event, artifact" \
	$(( $([ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^{"type":"step"')" -eq 2 ] &&
	      [ "$(printf '%s\n' "$out" | grep -c '^{"type":"measurement"')" -eq 2 ] &&
	      [ "$(printf '%s\n' "$out" | wc -l)" -eq 7 ] &&
	      [[ $out == *'"name":"anc_200hz","value":14.2,"unit":"dB","low":18,"high":null,"verdict":"FAIL"'* ]]; echo $?) )) "$out"

run history --db h.db --run 9b1c
check "--run ambiguous prefix: exit 2, says so" \
	$(( $([ $rc -eq 2 ] && one_line "$errout" && [[ $errout == *several* ]]; echo $?) )) "rc=$rc" "$errout"
run history --db h.db --run 0000
check "--run no match: exit 2" $(( $([ $rc -eq 2 ] && [[ $errout == *"no run uuid starts with '0000'"* ]]; echo $?) )) "$errout"

# --- a database nobody may write: read read-only, left as it is ---
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	chmod 755 "$tmp"
	mkdir "ro dir%" && cp h.db "ro dir%/" && chmod 444 "ro dir%/h.db" && chmod 555 "ro dir%"
	sum=$(sha256sum "ro dir%/h.db")
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$STATION" history \
		--db "$tmp/ro dir%/h.db" 2>&1); rc=$?
	check "read-only file in a read-only directory: listed, untouched" \
		$(( $([ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 4 ] &&
		      [ "$(sha256sum "ro dir%/h.db")" = "$sum" ]; echo $?) )) "rc=$rc" "$out"
	chmod 755 "ro dir%"
else
	echo "ok - read-only database # SKIP needs root, setpriv and user nobody"
fi

# --- a run left 'running' by a station that is gone ---
sleep 0 & dead=$!; wait $dead
sqlite3 h.db "INSERT INTO units VALUES ('ORPHAN', '', '2026-11-22T11:00:00.000Z', '2026-11-22T11:00:00.000Z');
INSERT INTO runs (uuid, serial, started, outcome, pid, host) VALUES
 ('deadbeef-0000-4000-8000-000000000000', 'ORPHAN', '2026-11-22T11:00:00.000Z', 'running', $dead, '$(hostname)'),
 ('a11ce000-0000-4000-8000-000000000000', 'ORPHAN', '2026-11-22T11:05:00.000Z', 'running', $$, '$(hostname)');"
run history --db h.db --serial ORPHAN
check "dead station's run shown interrupted, live one running" \
	$(( $([ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q 'deadbeef.*interrupted.*station stopped before the run ended' &&
	      printf '%s\n' "$out" | grep -q 'a11ce000.*running'; echo $?) )) "$out"
check "database intact" $(( $([ "$(sqlite3 h.db 'PRAGMA integrity_check')" = ok ]; echo $?) ))
