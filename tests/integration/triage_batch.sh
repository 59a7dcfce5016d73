#!/usr/bin/env bash
# triage_batch.sh - batch RMA triage end to end on the simulated bench
# (docs/triage.md): the 27-unit batch of tests/integration/triage/batch.csv
# (11 models, every simulator fault, healthy units, a mix-up, a hostile
# serial) ends with the dispositions tests/integration/triage/expected.txt
# says the seeds predict, row by row; the same batch stopped with Ctrl-C at
# one random unit, killed with SIGKILL at a later one and resumed ends the
# same with no unit tested twice; the interactive prompts (placement, scan,
# skip, stop) and --retest.
# Prints TAP lines "ok - name" / "not ok - name".
#
# Env: STATION (binary), STATION_DATA (repo root).
set -u
STATION=${STATION:-build/station}
STATION_DATA=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
export STATION_DATA
unset STATION_DB
here="$STATION_DATA/tests/integration/triage"
tmp=$(mktemp -d /tmp/st-triage-XXXXXX)
bg=
straight=
cleanup() {
	[ -n "$bg" ] && kill -9 "$bg" 2>/dev/null
	[ -n "$straight" ] && kill "$straight" 2>/dev/null && wait "$straight" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
check() { # check NAME RC [diagnostics...]
	local name=$1 rc=$2; shift 2
	if [ "$rc" -eq 0 ]; then ok "$name"; else nok "$name" "$@"; fi
}
q() { sqlite3 -batch -noheader "$@"; }

# What the batch ended with, one "SERIAL OUTCOME DISPOSITION" per row.
got_rows() {
	q -separator ' ' "$1" "SELECT serial, CASE status WHEN 'stopped' THEN 'stopped' ELSE outcome END,
		disposition FROM batch_units ORDER BY idx"
}
grep -v '^#' "$here/expected.txt" | awk 'NF { print $1, $2, $3 }' >expected
csv="$here/batch.csv"
tested=$(awk '$2 != "stopped"' expected | wc -l)   # units the seeds expect to be tested

# The batch itself: at least 24 units over at least 8 models.
units=$(($(wc -l <"$csv") - 1))
models=$(tail -n +2 "$csv" | awk -F, '{ print $3 }' | sort -u | wc -l)
check "the batch has $units units (>= 24) over $models models (>= 8)" \
	$([ "$units" -ge 24 ] && [ "$models" -ge 8 ] && [ "$(wc -l <expected)" -eq "$units" ]; echo $?)

# --- a straight batch, run beside the interrupted one below (2 cores) -------
start=$(date +%s.%N)
( "$STATION" triage --batch "$csv" --confirm yes --db a.db --operator ana >a.out 2>a.err
  echo $? >a.rc
  awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }' >a.wall ) &
straight=$!


# --- Ctrl-C at one unit, SIGKILL at a later one, then resumed -----------------
# watch_and_kill SIGNAL UNIT OUT: signal the background batch when unit UNIT
# starts, or is stopped untested (the mix-up row never starts: waiting for
# its start let the batch finish first).  The line is waited for with
# tail -F, woken by each write.
watch_and_kill() {
	grep -Eq -m1 "^unit +$2 .* (start|stop) " < <(timeout 120 tail -F -n +1 --pid="$bg" "$3" 2>/dev/null)
	kill "-$1" "$bg" 2>/dev/null
	wait "$bg" 2>/dev/null
	rc=$?
	bg=
}
k1=$((RANDOM % 6 + 2))
k=$((RANDOM % (units - 14) + 10))
"$STATION" triage --batch "$csv" --confirm yes --db b.db >b.out 2>b.err &
bg=$!
watch_and_kill INT "$k1" b.out
kb=$(sed -n 's/^batch \([0-9a-f-]*\) started.*/\1/p' b.out)
check "Ctrl-C at unit $k1 stops the batch (exit 4) and says how to resume" \
	$([ "$rc" -eq 4 ] && grep -q "resume with: station triage --resume ${kb:0:8}" b.out; echo $?) "rc $rc"
"$STATION" triage --resume "${kb:0:8}" --confirm yes --db b.db >b2.out 2>b2.err &
bg=$!
watch_and_kill KILL "$k" b2.out
done_before=$(q b.db "SELECT count(*) FROM batch_units WHERE status IN ('done', 'stopped')")
check "SIGKILL at unit $k leaves the batch unfinished ($done_before of $units done)" \
	$([ "$done_before" -lt "$units" ]; echo $?)
"$STATION" triage --resume "${kb:0:8}" --confirm yes --db b.db >c.out 2>c.err
rc=$?
check "resume ends with exit 0" "$rc" "$(tail -5 c.err)"
got_rows b.db >got.b
diff expected got.b >diff.b
check "after Ctrl-C, SIGKILL and resume every row ends as the seeds predict" $? "$(cat diff.b)"
final="outcome IN ('PASS','FAIL','ERROR','ABORTED') AND reason NOT LIKE 'operator abort%'"
n=$(q b.db "SELECT count(*) FROM (SELECT serial FROM runs WHERE $final GROUP BY serial HAVING count(*) <> 1)")
interrupted=$(q b.db "SELECT count(*) FROM runs WHERE outcome IN ('interrupted', 'running')")
stopped=$(q b.db "SELECT count(*) FROM runs WHERE reason LIKE 'operator abort%'")
skipped=$(grep -c ' skip ' c.out)
check "no unit tested twice ($skipped skipped on resume; $interrupted interrupted, $stopped operator-stopped run kept)" \
	$([ "$n" -eq 0 ] && [ "$interrupted" -le 1 ] && [ "$stopped" -le 1 ] && [ "$skipped" -ge "$done_before" ]; echo $?)
n=$(q b.db "SELECT count(*) FROM runs WHERE $final")
check "finished runs equal the units tested" $([ "$n" -eq "$tested" ]; echo $?) "$n runs, $tested units"
n=$(q b.db "SELECT count(*) FROM runs WHERE id NOT IN (SELECT run_id FROM batch_runs)")
check "every run, the stopped and interrupted ones too, is linked to the batch" $([ "$n" -eq 0 ]; echo $?)

# --- the straight batch's results ---------------------------------------------
wait "$straight"
echo "# straight batch of $units units: $(cat a.wall) s wall (beside the interrupted one)"
check "batch ends with exit 0" "$(cat a.rc)" "$(tail -5 a.err)"
got_rows a.db >got.a
diff expected got.a >diff.a
check "every row ends with the disposition the seeds predict" $? "$(cat diff.a)"
n=$(q a.db "SELECT count(*) FROM (SELECT serial FROM runs WHERE outcome IN ('PASS','FAIL','ERROR','ABORTED')
	GROUP BY serial HAVING count(*) <> 1)")
runs=$(q a.db "SELECT count(*) FROM runs")
check "each tested unit has exactly one run ($runs runs, $tested units tested)" \
	$([ "$n" -eq 0 ] && [ "$runs" -eq "$tested" ]; echo $?)
n=$(q a.db "SELECT count(*) FROM runs r JOIN batch_units u ON u.run_id = r.id
	JOIN batch_runs l ON l.run_id = r.id AND l.unit_id = u.id AND l.batch_id = u.batch_id")
check "every run is linked to its batch and unit" $([ "$n" -eq "$runs" ]; echo $?)
n=$(q a.db "SELECT count(*) FROM runs WHERE serial = 'T999' OR serial = 'T020'")
check "the mixed-up unit was never tested" $([ "$n" -eq 0 ]; echo $?)
row=$(q -separator ' ' a.db "SELECT rows_done, rows_total, state, file_sha256, operator, confirm FROM batches")
want="$units $units done $(sha256sum "$csv" | cut -d' ' -f1) ana yes"
check "the batch record: rows done, state, file hash, operator, confirm" \
	$([ "$row" = "$want" ]; echo $?) "got:  $row" "want: $want"
n=$(q a.db "SELECT count(*) FROM batch_units WHERE assumed <> 'placement,serial'")
check "--confirm yes records placement and serial as assumed" $([ "$n" -eq 0 ]; echo $?)
n=$(q a.db "SELECT human FROM batch_units WHERE serial = 'T020'")
check "the mix-up is marked as needing a person" $([ "$n" = 1 ]; echo $?)
batch=$(sed -n 's/^batch \([0-9a-f-]*\) started.*/\1/p' a.out)

# Resuming a finished batch tests nothing again.
"$STATION" triage --resume "${batch:0:8}" --confirm yes --db a.db >a2.out 2>&1
rc=$?
n=$(q a.db "SELECT count(*) FROM runs")
check "resuming a finished batch tests no unit again" \
	$([ "$rc" -eq 0 ] && [ "$n" -eq "$runs" ] && [ "$(grep -c ' skip ' a2.out)" -eq "$units" ]; echo $?) \
	"rc $rc, runs $n (was $runs)"

# --- the operator at the terminal --------------------------------------------
cat >small.csv <<'EOF'
rma,serial,model,symptom
R1,S1,WH-1000XM5,no pairing
R2,S2,WH-1000XM4,no pairing
R3,S3,WF-1000XM5,no pairing
R4,S4,LinkBuds S,no pairing
EOF
# S1 placed and scanned right; S2 scanned wrong; S3 skipped; S4: stop.
printf '\nS1\n\nS9\ns\nq\n' | "$STATION" triage --batch small.csv --db c.db >d.out 2>d.err
rc=$?
rows=$(q -separator ' ' c.db "SELECT serial, status, disposition, human, assumed FROM batch_units ORDER BY idx" | tr '\n' ';')
want="S1 done customer-advice 0 ;S2 stopped serial-mismatch 1 ;S3 stopped skipped 1 ;S4 pending  0 ;"
check "prompts: placed and scanned, scanned wrong, skipped, stopped (exit 4)" \
	$([ "$rc" -eq 4 ] && [ "$rows" = "$want" ]; echo $?) "rc $rc" "got:  $rows" "want: $want"
check "the prompts name the unit and a wrong scan is refused" \
	$(grep -q 'Place unit S1 (RMA R1, WH-1000XM5)' d.err && grep -q "scanned serial 'S9' is not S2" d.out; echo $?)
sb=$(sed -n 's/^batch \([0-9a-f-]*\) started.*/\1/p' d.out)
printf '\nS4\n' | "$STATION" triage --resume "${sb:0:8}" --db c.db >e.out 2>&1
rc=$?
n=$(q c.db "SELECT count(*) FROM runs")
check "a stopped batch resumes with the unit it stopped at" \
	$([ "$rc" -eq 0 ] && [ "$n" -eq 2 ] && [ "$(q c.db "SELECT status FROM batch_units WHERE serial='S4'")" = done ]; echo $?) \
	"rc $rc, runs $n"
"$STATION" triage --resume "${sb:0:8}" --retest --confirm yes --db c.db >f.out 2>&1
n=$(q c.db "SELECT count(*) FROM runs")
check "--retest tests the units again when asked" $([ "$n" -eq 6 ]; echo $?) "runs $n"
