#!/usr/bin/env bash
# config_defaults.sh - station.conf's defaults reach every command that takes
# them, not only `run`: the site file's db, operator, station and plan are
# used by `run` (no --plan), `triage` (db, operator, station), `triage --list`
# and `report` (db) and `history`; an option on the command line still wins.
# TAP lines "ok - name".
set -u
: "${STATION:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export STATION_SYSCONFDIR=$T/etc XDG_CONFIG_HOME=$T/xdg HOME=$T
mkdir -p etc
printf 'db %s/conf.db\noperator tech-7\nstation bench-9\nplan reset-bluetooth\n' "$T" >etc/station.conf
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
check() { local name=$1 rc=$2; shift 2; if [ "$rc" -eq 0 ]; then ok "$name"; else nok "$name" "$@"; fi; }
q() { sqlite3 "$T/conf.db" "$1" 2>&1; }

out=$("$STATION" run --model WH-1000XM5 --serial C1 --quiet 2>&1); rc=$?
check "run without --plan uses the configured plan, db, operator and station" \
	$([ $rc -eq 0 ] && [ "$(q "SELECT plan, operator, station FROM runs WHERE serial='C1'")" = "reset-bluetooth|tech-7|bench-9" ]; echo $?) \
	"$out" "$(q 'SELECT * FROM runs')"
out=$("$STATION" run --model WH-1000XM5 --serial C2 --plan reset-soft --operator ana --quiet 2>&1); rc=$?
check "options on the command line win over the file" \
	$([ $rc -eq 0 ] && [ "$(q "SELECT plan, operator FROM runs WHERE serial='C2'")" = "reset-soft|ana" ]; echo $?) "$out"

printf 'rma,serial,model,symptom\nR1,C3,WH-1000XM5,no-pair\n' >b.csv
out=$("$STATION" triage --batch b.csv --confirm yes 2>&1); rc=$?
check "triage stores into the configured db with its operator and station" \
	$([ $rc -eq 0 ] && [ "$(q "SELECT operator, station FROM batches")" = "tech-7|bench-9" ] &&
	  [ "$(q "SELECT operator FROM runs WHERE serial='C3'")" = "tech-7" ]; echo $?) "$out"
out=$("$STATION" triage --list 2>&1); rc=$?
check "triage --list reads the configured db" $([ $rc -eq 0 ] && [[ $out == *b.csv* ]]; echo $?) "$out"

run=$(q "SELECT substr(uuid,1,8) FROM runs WHERE serial='C1'")
out=$("$STATION" report run "$run" --out r.html 2>&1); rc=$?
check "report run finds the run in the configured db" $([ $rc -eq 0 ] && grep -q C1 r.html; echo $?) "$out"
batch=$(q "SELECT substr(uuid,1,8) FROM batches")
out=$("$STATION" report batch "$batch" --out b.html 2>&1); rc=$?
check "report batch finds the batch in the configured db" $([ $rc -eq 0 ] && [ -s b.html ]; echo $?) "$out"
out=$("$STATION" report run "$run" --db "$T/none.db" 2>&1); rc=$?
check "report --db on the command line wins" $([ $rc -eq 2 ] && [[ $out == *none.db* ]]; echo $?) "$out"
out=$("$STATION" history 2>&1); rc=$?
check "history lists the configured db's runs" $([ $rc -eq 0 ] && [[ $out == *C1* && $out == *C3* ]]; echo $?) "$out"
