#!/usr/bin/env bash
# golden.sh - issue 12's golden-unit tools on runs made with the simulator:
# `station export` (CSV parsed back by Python's csv module and compared with
# the database row by row, JSON lines parsed, --since/--serial/--plan
# filters, a hostile serial and operator that break neither format, the
# formula guard), and the refusals.  Prints TAP lines "ok - name" /
# "not ok - name".
#
# Env: STATION (binary), STATION_DATA (repo root).
set -u
STATION=${STATION:-build/station}
STATION_DATA=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
export STATION_DATA
unset STATION_DB
tmp=$(mktemp -d /tmp/st-golden-$$-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export TZ=UTC NO_COLOR=1
PY=/usr/bin/python3

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
check() { local name=$1 rc=$2; shift 2; if [ "$rc" -eq 0 ]; then ok "$name"; else nok "$name" "$@"; fi; }
run() { # run ARGS... -> $out, $errout, $rc
	out=$("$STATION" "$@" 2>"$tmp/stderr"); rc=$?
	errout=$(cat "$tmp/stderr")
}

# --- runs on the simulated bench: three golden units, two nights each ---
hostile_op='=HYPERLINK("http://x","y"), O'"'"'Brien'
for night in 1 2; do
	for u in G1 G2 G3; do
		"$STATION" run --db g.db --model WH-1000XM5 --serial "$u" --plan triage-acoustic \
			--confirm yes --quiet --operator "$hostile_op" >/dev/null 2>&1
	done
done
nruns=$(sqlite3 g.db "SELECT count(*) FROM runs WHERE outcome = 'PASS'")
check "six simulated runs stored" $([ "$nruns" = 6 ]; echo $?) "PASS runs: $nruns"
# a run someone else's tool wrote, with a serial no station accepts
sqlite3 g.db "PRAGMA foreign_keys = ON;
	INSERT INTO units (serial, model, first_seen, last_seen)
		VALUES ('=cmd|'' /C calc''!A0,\"<x>\"' || char(10) || 'z', 'WH-1000XM5', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
	INSERT INTO runs (uuid, serial, model, firmware, plan, started, ended, outcome)
		VALUES ('00000000-0000-4000-8000-000000000001', '=cmd|'' /C calc''!A0,\"<x>\"' || char(10) || 'z',
			'WH-1000XM5', '-1.0', 'triage-acoustic', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', 'PASS');
	INSERT INTO measurements (run_id, name, value, unit, low, high, verdict)
		VALUES (last_insert_rowid(), '+anc.total_db', -3.25, 'dB', NULL, 0, 'PASS');"

# --- export: CSV read back by Python and compared with the database ---
run export --db g.db --format csv --out all.csv
check "export --format csv exits 0" "$rc" "$errout"
cat >cmp.py <<'PY'
import csv, sqlite3, sys, math
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
raw = open(sys.argv[1], 'rb').read()
assert raw.count(b'\r\n') >= len(rows), 'records end in CRLF'
head = rows[0]
assert head == ['run','serial','model','firmware','plan','station','operator','started','outcome',
                'step_idx','step','measurement','value','unit','low','high','verdict'], head
db = sqlite3.connect(sys.argv[2])
q = ("SELECT r.uuid, r.serial, r.model, r.firmware, r.plan, r.station, r.operator, r.started, r.outcome, "
     "s.idx, s.name, m.name, m.value, m.unit, m.low, m.high, m.verdict FROM measurements m "
     "JOIN runs r ON r.id = m.run_id LEFT JOIN steps s ON s.id = m.step_id "
     "ORDER BY r.started, r.id, m.step_id IS NULL, s.idx, s.id, m.id")
want = db.execute(q).fetchall()
got = rows[1:]
assert len(got) == len(want), (len(got), len(want))
def unguard(t):
    return t[1:] if t[:1] == "'" and t[1:2] in ('=', '+', '-', '@', '\t', '\r') else t
for g, w in zip(got, want):
    assert len(g) == 17, g
    for i, (a, b) in enumerate(zip(g, w)):
        if i in (12, 14, 15):
            assert (a == '' and b is None) or float(a) == b, (i, a, b)
        elif i == 9:
            assert a == ('' if b is None else str(b)), (a, b)
        else:
            assert unguard(a) == (b or ''), (i, a, b)
            if b and b[0] in '=+-@':
                assert a[0] == "'", ('formula not guarded', a)
print(len(got))
PY
n=$($PY cmp.py all.csv g.db 2>&1)
check "CSV parsed by Python's csv equals the database, hostile fields guarded" $?  "$n"
pat=$'"\'=cmd|\' /C calc\'!A0,""<x>""'
grep -qF -- "$pat" all.csv
check "hostile serial quoted, quotes doubled, formula marked" $? "$(grep -m1 calc all.csv)"

run export --db g.db --format json
printf '%s\n' "$out" >all.jsonl
cat >readjson.py <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding='utf-8'):
    o = json.loads(line)
    assert set(o) == {'run','serial','model','firmware','plan','station','operator','started','outcome',
                      'step_idx','step','measurement','value','unit','low','high','verdict'}, o
    n += 1
    if o['run'].startswith('00000000'):
        assert o['serial'] == "=cmd|' /C calc'!A0,\"<x>\"\nz", o['serial']
        assert o['step'] is None and o['value'] == -3.25 and o['low'] is None
print(n)
PY
nj=$($PY readjson.py all.jsonl 2>&1)
check "JSON lines parse, one per measurement, hostile serial intact" \
	$([ "$nj" = "$n" ]; echo $?) "json $nj csv $n"

run export --db g.db --format csv --serial G2
c=$(printf '%s\n' "$out" | awk -F, 'NR > 1 {print $2}' | sort -u)
check "--serial keeps that unit's runs" $([ "$c" = G2 ]; echo $?) "$c"
run export --db g.db --format csv --since 2026-06-01
c=$(printf '%s\n' "$out" | grep -c 00000000-0000)
check "--since leaves out runs started before the date" $([ "$c" = 0 ]; echo $?) "$c"
first=$(sqlite3 g.db "SELECT started FROM runs WHERE serial = 'G1' ORDER BY started LIMIT 1")
run export --db g.db --format json --since "${first/T/ }"   # a date-time with a space, UTC here
c=$(printf '%s\n' "$out" | $PY -c 'import json,sys; print(len({json.loads(l)["run"] for l in sys.stdin}))')
check "--since DATE-TIME compares with stored times (6 runs from the first)" \
	$([ "$c" = 6 ]; echo $?) "$c runs since $first"
run export --db g.db --format csv --plan repair
check "--plan with no run gives the header only" \
	$([ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]; echo $?) "$out"

run export --db g.db --format xml
check "--format xml refused (exit 2)" $([ "$rc" = 2 ] && [[ $errout == *csv* ]]; echo $?) "$errout"
run export --db g.db
check "no --format refused (exit 2)" $([ "$rc" = 2 ]; echo $?) "$errout"
run export --db g.db --format csv --since 2026-02-30
check "--since 2026-02-30 refused in one line" \
	$([ "$rc" = 2 ] && [ "$(printf '%s\n' "$errout" | wc -l)" = 1 ]; echo $?) "$errout"
run export --db g.db --format csv --serial 'a;b'
check "malformed --serial refused" $([ "$rc" = 2 ]; echo $?) "$errout"
run export --db nothere.db --format csv
check "missing database refused, not created" $([ "$rc" = 2 ] && [ ! -e nothere.db ]; echo $?) "$errout"
cp all.csv keep.csv
mkdir ro && chmod 555 ro
run export --db g.db --format csv --out ro/x.csv
check "unwritable --out is a write fault (exit 3)" \
	$([ "$rc" = 3 ] || [ "$(id -u)" = 0 ]; echo $?) "$rc $errout"
