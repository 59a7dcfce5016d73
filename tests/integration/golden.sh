#!/usr/bin/env bash
# golden.sh - issue 12's golden-unit tools on runs made with the simulator:
# `station export` (CSV parsed back by Python's csv module and compared with
# the database row by row, JSON lines parsed, --since/--serial/--plan
# filters, a hostile serial and operator that break neither format, the
# formula guard); `station limits learn` (a file `station limits check`
# accepts, naming the units, runs and firmware, an outlier rejected and
# listed, byte-identical twice, too few runs refused); `station rejudge`
# (twice with identical verdicts, the original rows untouched, a stricter
# file FAILs naming the measurement, `history --run` lists the
# judgements; with --reanalyse, or a capture naming another analysis
# version, the ANC and microphone captures re-analysed and agreeing with
# the run within 0.01, a stored value they do not hold shown as moved, a
# tampered or missing capture named and never a FAIL); `station report nightly` on two nights stored as `station
# nightly` stores them (well-formed, self-contained, hostile serial and
# reason encoded, the change table, a trend chart per measurement with the
# baseline band and the regression marked, --firmware, --last); and the
# refusals.  Prints TAP lines "ok - name" /
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

# --- limits learn ---
# one value a station's fault could have stored: far from the others
g2run=$(sqlite3 g.db "SELECT id FROM runs WHERE serial = 'G2' ORDER BY started LIMIT 1")
sqlite3 g.db "UPDATE measurements SET value = 50 WHERE run_id = $g2run AND name = 'mic.1.delay_us'"
run limits learn --db g.db --from-golden G1 G2 G3 --plan triage-acoustic --min-runs 2 --out learned.lim
check "limits learn exits 0" "$rc" "$errout"
check "the outlier is rejected and listed" \
	$([[ $errout == *"outlier: run "*" unit G2 mic.1.delay_us = 50 (median"* ]] &&
	  grep -q '^#   run .* unit G2 mic.1.delay_us = 50 (median' learned.lim; echo $?) "$errout"
run limits check learned.lim
check "station limits check accepts the learned file" "$rc" "$errout"
uuids=$(sqlite3 g.db "SELECT uuid FROM runs WHERE serial IN ('G1','G2','G3') AND outcome = 'PASS' AND plan = 'triage-acoustic'")
miss=0
for u in $uuids; do grep -q "^# run $u unit G[123] firmware 2.4.1 started " learned.lim || miss=1; done
check "the file names every run (uuid), unit and the firmware" \
	$([ $miss = 0 ] && grep -q '^# unit G2: 2 runs$' learned.lim && grep -q '^# firmware: 2.4.1$' learned.lim \
	  && grep -q '^include WH-1000XM5.lim$' learned.lim; echo $?) "$(head -12 learned.lim)"
check "mic.delay_us learned with its statistics" \
	$(grep -q '^limit mic.delay_us range .* unit us source "learned: mean .* sd .* of 35 values, 1 outliers, 3 units"' learned.lim; echo $?) \
	"$(grep mic.delay learned.lim)"
"$STATION" limits learn --db g.db --from-golden G1 G2 G3 --plan triage-acoustic --min-runs 2 --out again.lim 2>/dev/null
sed 's/again\.lim/learned.lim/' again.lim | cmp -s - learned.lim
check "learned twice from the same runs: byte-identical" $? "$(diff again.lim learned.lim | head -5)"
run limits learn --db g.db --from-golden G1 G2 G3 --plan triage-acoustic --min-runs 3 --out x.lim
check "too few runs refused naming the unit (exit 2, nothing written)" \
	$([ "$rc" = 2 ] && [[ $errout == *"golden unit G1 has 2 PASS runs"* ]] && [ ! -e x.lim ]; echo $?) "$errout"
run limits learn --db g.db --from-golden 'G1;rm' --out x.lim
check "malformed golden serial refused" $([ "$rc" = 2 ] && [ ! -e x.lim ]; echo $?) "$errout"

# --- rejudge ---
r1=$(sqlite3 g.db "SELECT uuid FROM runs WHERE serial = 'G1' ORDER BY started LIMIT 1")
before=$(sqlite3 g.db "SELECT group_concat(id || name || value || verdict, ';') FROM measurements")
run rejudge "${r1:0:8}" --limits learned.lim --db g.db
rc1=$rc; out1=$out
run rejudge "${r1:0:8}" --limits learned.lim --db g.db
# (PASS unless one of this run's values was rejected as an outlier when learning)
check "rejudge against the learned limits twice: the same exit code and verdict" \
	$([ "$rc1" = "$rc" ] && { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } &&
	  [ "$(grep -E '^(PASS|FAIL) ' <<<"$out1")" = "$(grep -E '^(PASS|FAIL) ' <<<"$out")" ]; echo $?) "$out1" "$out" "$errout"
v=$(sqlite3 g.db "SELECT group_concat(v, '|') FROM (SELECT j.id, group_concat(r.name || '=' || r.verdict, ',') AS v
	FROM judgements j JOIN judgement_results r ON r.judgement_id = j.id GROUP BY j.id ORDER BY j.id)")
check "the two judgements have identical verdicts" \
	$([ -n "$v" ] && [ "${v%%|*}" = "${v#*|}" ]; echo $?) "$(printf '%.200s' "$v")"
after=$(sqlite3 g.db "SELECT group_concat(id || name || value || verdict, ';') FROM measurements")
check "the original measurements and verdicts are untouched" $([ "$before" = "$after" ]; echo $?)
printf 'include WH-1000XM5.lim\nlimit mic.delay_us range -1 1 unit us marginal 0\n' >strict.lim
run rejudge "$r1" --limits strict.lim --db g.db
check "a stricter file FAILs (exit 1) naming the measurement" \
	$([ "$rc" = 1 ] && [[ $out == *"FAIL  run ${r1:0:8}"* ]] && [[ $out == *"reason: mic."*"delay_us"*"(mic.delay_us)"* ]]; echo $?) "$out"
run history --db g.db --run "${r1:0:8}"
n=$(printf '%s\n' "$out" | grep -cE '^[0-9-]+ [0-9:]+ +[0-9a-f]{8} +(PASS|FAIL) ')
check "history --run lists the three judgements" $([ "$n" = 3 ] && [[ $out == *"outcome      PASS"* ]]; echo $?) "$(printf '%s\n' "$out" | tail -5)"
run history --db g.db --run "${r1:0:8}" --json
n=$(printf '%s\n' "$out" | grep -c '"type":"judgement"')
check "history --run --json gives judgement lines" $([ "$n" = 3 ]; echo $?) "$n"
run rejudge "$r1" --limits nothere.lim --db g.db
check "a missing limit file refused (exit 2)" $([ "$rc" = 2 ]; echo $?) "$errout"
run rejudge ffffffff --limits learned.lim --db g.db
check "an unknown run refused (exit 2)" $([ "$rc" = 2 ]; echo $?) "$errout"

# --- rejudge re-analysing the run's captures (ANC and microphones) ---
lim0=$STATION_DATA/limits/WH-1000XM5.lim
nres() { sqlite3 g.db "SELECT count(*) FROM judgement_results WHERE judgement_id = (SELECT max(id) FROM judgements) AND source = 'reanalysed' ${1:-}"; }
run rejudge "${r1:0:8}" --limits "$lim0" --db g.db
check "captures naming this station's analysis are not re-analysed unasked" \
	$([ "$rc" = 0 ] && [[ $out == *"re-analysed: nothing (the captures name analysis "* ]] && [ "$(nres)" = 0 ]; echo $?) "$out"
before=$(sqlite3 g.db "SELECT group_concat(id || name || value || verdict, ';') FROM measurements")
run rejudge "${r1:0:8}" --limits "$lim0" --db g.db --reanalyse
check "--reanalyse re-analyses the ANC and microphone captures" \
	$([ "$rc" = 0 ] && [[ $out == *"--reanalyse): anc (step "*"): anc-open anc-off anc-on; mics (step "*"): mics"* ]] &&
	  [[ $out == *"measurements from re-analysis, 0 moved by more than 0.001"* ]] &&
	  [[ $out == *"not re-analysed: stored values judged: response; floor; ramp; ramp-settled; assistant"* ]]; echo $?) "$out" "$errout"
# tolerance: 0.01 (dB, us, deg) between the run's values and the re-analysed ones
n=$(nres "AND (name LIKE 'anc.%' OR name LIKE 'mic.%') AND abs(value - stored) < 0.01")
nall=$(sqlite3 g.db "SELECT count(*) FROM measurements WHERE run_id = (SELECT id FROM runs WHERE uuid = '$r1')
	AND (name LIKE 'anc.%_db.%' OR name LIKE 'mic.%')")
check "every ANC band and mic value re-analysed agrees with the run's within 0.01 ($n of $nall)" \
	$([ "$n" -gt 100 ] && [ "$n" = "$nall" ] && [ "$(nres)" = "$n" ]; echo $?) "$n re-analysed of $nall"
after=$(sqlite3 g.db "SELECT group_concat(id || name || value || verdict, ';') FROM measurements")
check "re-analysis leaves the run's own values untouched" $([ "$before" = "$after" ]; echo $?)
g2uuid=$(sqlite3 g.db "SELECT uuid FROM runs WHERE id = $g2run")
run rejudge "$g2uuid" --limits "$lim0" --db g.db --reanalyse
check "a stored value the captures do not hold is replaced, and shown as moved" \
	$([ "$rc" = 0 ] && [[ $out == *"1 moved by more than"* ]] &&
	  grep -Eq '^mic\.1\.delay_us +-?[0-9.e-]+ us .* PASS +mic.delay_us +re-analysed, moved from 50$' <<<"$out"; echo $?) "$out"
mics=$(sqlite3 g.db "SELECT path FROM artifacts WHERE run_id = (SELECT id FROM runs WHERE uuid = '$r1') AND kind = 'mics'")
ver=$(grep -ao '; analysis [0-9]*' "$mics" | awk '{print $3}')
# a capture from a station of another analysis version (same length, its SHA-256 restored)
sed -i "s/; analysis $ver\b/; analysis $((ver % 9 + 1))/" "$mics"
sqlite3 g.db "UPDATE artifacts SET sha256 = '$(sha256sum "$mics" | cut -c1-64)' WHERE path = '$mics'"
run rejudge "${r1:0:8}" --limits "$lim0" --db g.db
check "a capture naming another analysis version is re-analysed unasked (and only it)" \
	$([ "$rc" = 0 ] && [[ $out == *"re-analysed (analysis $ver, the captures' $((ver % 9 + 1))): mics (step "*"): mics"$'\n'* ]] &&
	  [ "$(nres "AND name LIKE 'mic.%'")" = "$(nres)" ] && [ "$(nres)" -gt 0 ]; echo $?) "$out"
ancoff=$(sqlite3 g.db "SELECT path FROM artifacts WHERE run_id = (SELECT id FROM runs WHERE uuid = '$r1') AND kind = 'anc-off'")
printf '\x01' | dd of="$ancoff" bs=1 seek=3000 conv=notrunc 2>/dev/null
run rejudge "${r1:0:8}" --limits "$lim0" --db g.db --reanalyse
check "a tampered capture is refused and named, its step judged on stored values, no FAIL" \
	$([ "$rc" = 0 ] && [[ $out == *"captures: 9 kept, 1 missing or altered"* ]] &&
	  [[ $out == *"not re-analysed: anc (step "*"): anc-off missing or altered (SHA-256 not as stored)"* ]] &&
	  [ "$(nres "AND name LIKE 'anc.%'")" = 0 ] && [ "$(nres)" -gt 0 ] &&
	  [ "$(sqlite3 g.db "SELECT not_reanalysed LIKE '%anc-off missing%' FROM judgements ORDER BY id DESC LIMIT 1")" = 1 ]; echo $?) "$out"
run history --db g.db --run "${r1:0:8}" --json
check "history --run --json says what a judgement re-analysed and what not" \
	$(printf '%s\n' "$out" | grep '"type":"judgement"' | tail -1 |
	  $PY -c 'import json,sys; j=json.loads(sys.stdin.read()); sys.exit(not (j["analysis"] >= 1 and
	  j["reanalysed"].startswith("mics (step ") and "anc-off missing or altered" in j["not_reanalysed"]))'; echo $?) "$out"
rm -f "$mics"
ln -s /dev/zero "$mics"   # a capture path made to name a device is not read
run rejudge "${r1:0:8}" --limits strict.lim --db g.db --reanalyse
check "a missing capture is named too; the FAIL is the stricter limit's, not the capture's" \
	$([ "$rc" = 1 ] && [[ $out == *"mics (step "*"): mics missing or altered"* ]] && [[ $out == *"reason: mic."*"delay_us"* ]]; echo $?) "$out"

# --- report nightly ---
# Two nights recorded the way `station nightly` records them (db/NNN_nightly.sql):
# build 2.4.1 on the first round of runs, 2.4.2 on the second, where G1's
# ANC band regressed; the unit someone else's tool stored joins night 2.
sqlite3 g.db "
	UPDATE runs SET firmware = '2.4.2' WHERE id IN (SELECT id FROM runs WHERE serial IN ('G1','G2','G3')
		AND plan = 'triage-acoustic' ORDER BY started DESC LIMIT 3);
	UPDATE runs SET started = '2026-12-02T00:00:00.000Z' WHERE uuid LIKE '00000000%';
	INSERT INTO nightly (uuid, started, ended, firmware, model, plan, station, baseline_builds, outcome, summary)
		VALUES ('11111111-0000-4000-8000-000000000001', (SELECT min(started) FROM runs WHERE firmware = '2.4.1' AND serial = 'G1'),
			(SELECT max(started) FROM runs WHERE firmware = '2.4.1' AND serial LIKE 'G_'), '2.4.1', 'WH-1000XM5',
			'triage-acoustic', 'bench-1', 5, 'no-change', 'first night');
	INSERT INTO nightly (uuid, started, ended, firmware, model, plan, station, baseline_builds, outcome, summary)
		VALUES ('22222222-0000-4000-8000-000000000002', (SELECT min(started) FROM runs WHERE firmware = '2.4.2'),
			(SELECT max(started) FROM runs WHERE firmware = '2.4.2'), '2.4.2', 'WH-1000XM5',
			'triage-acoustic', 'bench-1', 5, 'regression', 'anc/anc.active_db.L.200Hz regressed on G1 <b>');
	INSERT INTO nightly_units (nightly_id, serial, run_id, status, reason)
		SELECT 1, serial, id, 'no-baseline', '' FROM runs WHERE firmware = '2.4.1' AND serial LIKE 'G_' ORDER BY started;
	INSERT INTO nightly_units (nightly_id, serial, run_id, status, reason)
		SELECT 2, serial, id, CASE serial WHEN 'G1' THEN 'regression' ELSE 'no-change' END,
		       CASE serial WHEN 'G1' THEN 'anc.active_db.L.200Hz -2 dB' ELSE '' END
		FROM runs WHERE firmware = '2.4.2' ORDER BY started;
	INSERT INTO nightly_units (nightly_id, serial, run_id, status, reason)
		SELECT 2, serial, id, 'no-baseline', '<script>alert(1)</script>' FROM runs WHERE uuid LIKE '00000000%';
	INSERT INTO nightly_changes (unit_id, key, name, unit, value, baseline, spread, n, threshold, change, verdict)
		SELECT id, 'anc/anc.active_db.L.200Hz', 'anc.active_db.L.200Hz', 'dB', 22.1, 24.1, 0, 1, 1, -2, 'regression'
		FROM nightly_units WHERE nightly_id = 2 AND serial = 'G1';"
run report nightly --db g.db --out nightly.html
check "report nightly exits 0" "$rc" "$errout"
xmllint --noout nightly.html 2>xml.err
check "nightly report is well-formed XML" $? "$(head -3 xml.err)"
xmllint --html --noout nightly.html 2>html.err
check "nightly report parses as HTML (no error but HTML5/SVG tag names)" \
	$(! grep 'parser error' html.err | grep -vq 'Tag [a-z]* invalid'; echo $?) "$(grep error html.err | head -3)"
check "nightly report is self-contained" \
	$(! grep -qi 'http' nightly.html && ! grep -Eqi '<[^>]*(src|srcset|data)=' nightly.html && ! grep -qi '<script' nightly.html; echo $?)
check "hostile serial and reason encoded" \
	$(grep -q '&lt;x&gt;' nightly.html && grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' nightly.html &&
	  ! grep -q '<x>' nightly.html; echo $?)
check "tonight's build and the change table" \
	$(grep -q 'Nightly regression of build 2.4.2' nightly.html &&
	  grep -q '<td>anc/anc.active_db.L.200Hz</td><td class="num">22.1</td>' nightly.html; echo $?) \
	"$(grep -o '<table class="changes">.\{0,400\}' nightly.html | head -2)"
nch=$(grep -c '<svg class="chart trend"' nightly.html)
check "one trend chart per measurement" $([ "$nch" -gt 50 ]; echo $?) "charts $nch"
check "baseline bands shaded, the regression marked, on the first chart (the changed one)" \
	$(awk '/<div class="trend changed">/,/<\/svg>/' nightly.html | grep -q 'class="baseline series-0"' &&
	  awk '/<div class="trend changed">/,/<\/svg>/' nightly.html | grep -q 'class="point series-0 regression"'; echo $?)
check "trend x axis: both builds" $(grep -q '>2.4.1</text>' nightly.html && grep -q '>2.4.2</text>' nightly.html; echo $?)
run report nightly --db g.db --firmware 2.4.1 --out n1.html
check "report nightly --firmware picks that night" \
	$([ "$rc" = 0 ] && grep -q 'Nightly regression of build 2.4.1' n1.html; echo $?) "$errout"
run report nightly --db g.db --firmware 9.9.9
check "no night of that build: exit 2" $([ "$rc" = 2 ] && [[ $errout == *"no finished night of build 9.9.9"* ]]; echo $?) "$errout"
run report nightly --db g.db --last 0
check "--last 0 refused" $([ "$rc" = 2 ]; echo $?) "$errout"
