#!/usr/bin/env bash
# triage_csv.sh - `station triage --batch` refuses a malformed CSV file with
# one line naming file:line (file:line:col for the CSV grammar) and exit 2,
# before any unit is touched: no batch and no run is stored (the file is
# read before the database is opened; only the faults, which the bench
# checks per model, are judged with the database open).  Missing and
# unknown columns, wrong field counts, unknown models and symptoms-free
# rows, duplicate serials, bad quoting, a BOM, CRLF, a NUL byte, invalid
# UTF-8, a fault the model cannot have; and that RFC 4180 quoting (commas,
# doubled quotes, line breaks inside quotes) is read right.
# Prints TAP lines "ok - name" / "not ok - name".
#
# Env: STATION (binary), STATION_DATA (repo root).
set -u
STATION=${STATION:-build/station}
STATION_DATA=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
export STATION_DATA
unset STATION_DB
tmp=$(mktemp -d /tmp/st-triage-csv-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
H='rma,serial,model,symptom'

# refused NAME EXPECTED-STDERR-PREFIX: f.csv must be refused that way.
refused() {
	local name=$1 want=$2 out rc stored
	rm -f t.db t.db-wal t.db-shm
	out=$("$STATION" triage --batch f.csv --confirm yes --db t.db 2>&1 >/dev/null)
	rc=$?
	stored=0
	[ -e t.db ] && stored=$(sqlite3 t.db "SELECT (SELECT count(*) FROM runs) + (SELECT count(*) FROM batches)" 2>&1)
	if [ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
		[[ "$out" == "station triage: $want"* ]] && [ "$stored" = 0 ]; then
		ok "refused: $name"
	else
		nok "refused: $name" "rc $rc, stored: $stored" \
			"got:  $out" "want: station triage: $want..."
	fi
}

printf '%s\n' 'rma,serial,model' 'R1,S1,WH-1000XM5' >f.csv
refused "missing column" "f.csv:1: missing column 'symptom'"
printf '%s\n' "$H,colour" 'R1,S1,WH-1000XM5,no pairing,red' >f.csv
refused "unknown column" "f.csv:1: unknown column 'colour'"
printf '%s\n' "$H,serial" 'R1,S1,WH-1000XM5,no pairing,S1' >f.csv
refused "column twice" "f.csv:1: column 'serial' twice"
printf '%s\n' "$H" 'R1,S1,WH-1000XM5,no pairing' 'R2,S2,WH-1000XM5' >f.csv
refused "missing field" "f.csv:3: 3 fields where the header has 4"
printf '%s\n' "$H" 'R1,S1,WH-1000XM9,no pairing' >f.csv
refused "unknown model" "f.csv:2: unknown model 'WH-1000XM9'"
printf '%s\n' "$H" 'R1,S1,WH-1000XM5,no pairing' 'R2,S2,WH-1000XM4,no pairing' 'R3,S1,WF-1000XM5,dead' >f.csv
refused "duplicate serial" "f.csv:4: serial S1 already on line 2"
printf '%s\n' "$H" 'R1,S 1,WH-1000XM5,no pairing' >f.csv
refused "serial with a blank" "f.csv:2: serial 'S 1': character 2 is not allowed"
printf '%s\n' "$H" 'R1,<script>alert(1)</script>,WH-1000XM5,no pairing' >f.csv
refused "a hostile serial" "f.csv:2: serial '<script>alert(1)</script>': character 1 is not allowed"
printf '%s\n' "$H" 'R1,S1,WH-1000XM5,' >f.csv
refused "empty symptom" "f.csv:2: symptom must be"
printf '%s\n' "$H" 'R1,"S1,WH-1000XM5,no pairing' >f.csv
refused "unclosed quote" "f.csv:2:4: quote opened here is never closed"
printf '%s\n' "$H" 'R1,S"1,WH-1000XM5,no pairing' >f.csv
refused "quote inside an unquoted field" "f.csv:2:5: quote inside an unquoted field"
printf '%s\n' "$H" 'R1,"S1"x,WH-1000XM5,no pairing' >f.csv
refused "text after a closing quote" "f.csv:2:8: text after a closing quote"
printf '\xef\xbb\xbf%s\n%s\n' "$H" 'R1,S1,WH-1000XM5,no pairing' >f.csv
refused "byte-order mark" "f.csv:1:1: byte-order mark (BOM)"
printf '%s\r\n%s\r\n' "$H" 'R1,S1,WH-1000XM5,no pairing' >f.csv
refused "CRLF line ends" "f.csv:1:25: carriage return"
printf '%s\nR1,S1,WH-1000XM5,no\0pairing\n' "$H" >f.csv
refused "NUL byte" "f.csv:2:20: NUL byte"
printf '%s\nR1,S1,WH-1000XM5,no \xff pairing\n' "$H" >f.csv
refused "invalid UTF-8" "f.csv:2:21: invalid UTF-8"
printf '%s\n' "$H,faults" 'R1,S1,WH-1000XM5,no pairing,worn-switch:TRIGGER' >f.csv
refused "a fault naming a control the model lacks" "f.csv:2: --fault worn-switch:TRIGGER"
printf '%s\n' "$H,faults" 'R1,S1,WH-1000XM5,no pairing,$(reboot)' >f.csv
refused "a fault that is not a name" "f.csv:2: fault '\$(reboot)' is not a fault name"
printf '%s\n' "$H" >f.csv
refused "header only" "f.csv:2: no unit after the header"
: >f.csv
refused "empty file" "f.csv:1: empty file: no header"
rm -f f.csv
refused "missing file" "f.csv: No such file or directory"

# RFC 4180: commas, doubled quotes and a line break inside quotes; a
# blank line; the record's line is where it starts.
printf '%s\n' "$H,notes" 'R1,S1,WH-1000XM5,"no pairing, says ""never""","two' 'lines"' '' \
	'R2,S2,WH-1000XM4,no pairing,' 'R3,S2,WH-1000XM4,no pairing,' >f.csv
out=$("$STATION" triage --batch f.csv --confirm yes --db t.db 2>&1 >/dev/null)
if [ "$out" = "station triage: f.csv:6: serial S2 already on line 5" ]; then
	ok "quoted commas, quotes and line breaks are read; lines counted across them"
else
	nok "quoted commas, quotes and line breaks are read; lines counted across them" "got: $out"
fi
sed -i '$d' f.csv
"$STATION" triage --batch f.csv --confirm yes --db t.db >/dev/null 2>&1
got=$(sqlite3 -separator '|' t.db "SELECT line, symptom, notes FROM batch_units ORDER BY idx" | tr '\n' '~')
want='2|no pairing, says "never"|two~lines~5|no pairing|~'
if [ "$got" = "$want" ]; then ok "fields stored as written"; else nok "fields stored as written" "got:  $got" "want: $want"; fi
