#!/usr/bin/env bash
# hostile_cli.sh - hostile values typed at the station (byte 0xFF, ESC
# sequences, BEL, CR, a newline that would forge a verdict line, <script>,
# path traversal, 5,000 characters, quotes, bidi overrides, C1 controls) as
# --serial, --operator and --station through `run`, `run --json` and
# `run --junit`; and the same bytes stored in a database by another writer,
# through `history`, `history --json` and `history --run`.  Every output must
# be clean: terminal text without control characters or invalid UTF-8 and
# with exactly one verdict line, JSON lines that parse (jq, else python3),
# JUnit that xmllint accepts; a refused value exits 2 with one line.  The
# summary line counts cases, crashes, hangs and outputs that did not parse.
set -u
: "${STATION:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
mkdir -p work/a/b
cd work/a/b || exit 1
cases=0 crashes=0 hangs=0 unparsed=0 fails=0
PY=/usr/bin/python3

# check KIND FILE: 0 if FILE is clean terminal text (term), JSON lines (json)
# or well-formed XML (xml)
check() {
	case $1 in
	term) "$PY" - "$2" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
try:
    t = b.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit("invalid UTF-8: %s" % e)
for ch in t:
    o = ord(ch)
    if (o < 0x20 and ch != "\n") or o == 0x7f or 0x80 <= o <= 0x9f or 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069:
        sys.exit("control character U+%04X" % o)
PY
	;;
	json)
		if command -v jq >/dev/null; then
			jq -e . "$2" >/dev/null 2>&1 || [ ! -s "$2" ]
		else
			"$PY" -c 'import json, sys
for line in open(sys.argv[1], "rb"):
    json.loads(line.decode("utf-8"))' "$2" 2>/dev/null
		fi
		;;
	xml) xmllint --noout "$2" 2>/dev/null ;;
	esac
}

nok() { echo "not ok - $1"; fails=$((fails + 1)); }

# invoke NAME CMD...: runs it with a 60 s limit into out/err; counts crashes
# (a signal, a sanitizer report) and hangs; returns the exit code
invoke() {
	local name=$1 rc
	shift
	cases=$((cases + 1))
	timeout 180 "$@" >out 2>err
	rc=$?
	if [ $rc -eq 124 ]; then
		hangs=$((hangs + 1)); nok "$name: hung"
	elif [ $rc -ge 128 ] || grep -q 'Sanitizer\|runtime error' err; then
		crashes=$((crashes + 1)); nok "$name: crashed (exit $rc)"; head -3 err | sed 's/^/# /'
	fi
	return $rc
}

# clean_term NAME: stdout and stderr are clean terminal text
clean_term() {
	local f why
	for f in out err; do
		if ! why=$(check term $f 2>&1); then
			unparsed=$((unparsed + 1)); nok "$1: $f is not clean terminal text: $why"
			return 1
		fi
	done
	return 0
}

long=$(head -c 5000 /dev/zero | tr '\0' x)
values=(
	$'A\xffB' $'A\e[2J\e[31mRED' $'A\e]0;owned\aB' $'A\aB' $'A\rPASS'
	$'FAKE\nPASS  WH-1000XM5  serial FAKE  plan repair' '<script>alert(1)</script>'
	'../../../pwned' "$long" $'A"B\'C&D]]>E\\F' $'A\xe2\x80\xaeB' $'A\xc2\x9b31mB'
)
# which values a name may take (printable UTF-8, at most 63 bytes)
name_ok() { case $1 in '<script>alert(1)</script>'|'../../../pwned'|$'A"B\'C&D]]>E\\F') return 0;; esac; return 1; }

n=0
for v in "${values[@]}"; do
	n=$((n + 1))
	for field in serial operator station; do
		args=(--serial "S$n") expect=0
		case $field in
		serial) args=(--serial "$v"); expect=2 ;;
		*) args+=("--$field" "$v"); name_ok "$v" || expect=2 ;;
		esac
		base=(run --model WH-1000XM5 --plan reset-soft --db h.db --captures caps "${args[@]}")
		label="value $n as --$field"

		invoke "$label: run" "$STATION" "${base[@]}"; rc=$?
		clean_term "$label: run"
		if [ $rc -ne "$expect" ]; then nok "$label: run exit $rc, want $expect"; head -2 err | sed 's/^/# /'
		elif [ $rc -eq 2 ] && [ "$(wc -l <err)" -ne 1 ]; then nok "$label: refusal is not one line"
		elif [ $rc -eq 0 ] && [ "$(grep -c -E '^(PASS|FAIL|ERROR|ABORTED) ' out)" -ne 1 ]; then
			nok "$label: not exactly one verdict line"
		fi

		# the same run again for its JSON and JUnit: the hostile value is in
		# the header, never in an acoustic figure (--audio none: the plain
		# run above has the acoustics and writes the captures)
		invoke "$label: run --json" "$STATION" "${base[@]}" --json --audio none; rc=$?
		if ! check json out; then unparsed=$((unparsed + 1)); nok "$label: run --json did not parse"; fi
		clean_term "$label: run --json stderr" >/dev/null || true

		rm -f j.xml
		invoke "$label: run --junit" "$STATION" "${base[@]}" --junit j.xml --audio none; rc=$?
		if [ $rc -eq 0 ]; then
			cases=$((cases + 1))
			check xml j.xml || { unparsed=$((unparsed + 1)); nok "$label: JUnit not well-formed"; }
		elif [ -e j.xml ]; then nok "$label: refused run left a JUnit file"; fi
	done
done
for p in "$tmp/work/pwned" "$tmp/pwned" "$tmp/work/a/pwned" caps/../../../pwned; do
	[ -e "$p" ] && nok "a file was written outside the captures folder: $p"
done
ls caps/*/ 2>/dev/null | grep -v -E '^[0-9a-f-]{36}-[a-z-]+-[0-9]+\.wav$|^$|:$' &&
	nok "a capture file is not named by its run uuid"

# --- the same bytes stored by another writer, read back by history ---
"$STATION" run --model WH-1000XM5 --plan repair --serial H1 --db h.db --quiet >/dev/null 2>&1
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
i=0
for v in "${values[@]}"; do
	i=$((i + 1))
	x=$(hex "$v")
	sqlite3 h.db <<SQL || nok "could not store hostile value $i with sqlite3"
PRAGMA foreign_keys = ON;
INSERT INTO units (serial, model, first_seen, last_seen) VALUES (CAST(X'$x' AS TEXT) || '$i', 'WH-1000XM5', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
INSERT INTO runs (uuid, serial, model, firmware, plan, started, ended, outcome, disposition, reason, station, operator, fixture)
 VALUES ('00000000-0000-4000-8000-0000000000$(printf %02d $i)', CAST(X'$x' AS TEXT) || '$i', 'WH-1000XM5', CAST(X'$x' AS TEXT), 'repair',
 '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', 'FAIL', CAST(X'$x' AS TEXT), CAST(X'$x' AS TEXT), CAST(X'$x' AS TEXT), CAST(X'$x' AS TEXT), 'sim');
INSERT INTO steps (run_id, idx, name, kind, verdict, started_s, duration_s, message)
 VALUES (last_insert_rowid(), 1, CAST(X'$x' AS TEXT), 'step', 'FAIL', 0, 1, CAST(X'$x' AS TEXT));
INSERT INTO measurements (run_id, step_id, name, value, unit, low, high, verdict)
 SELECT run_id, id, CAST(X'$x' AS TEXT), 1.5, CAST(X'$x' AS TEXT), 0, 1, 'FAIL' FROM steps WHERE id = last_insert_rowid();
INSERT INTO events (run_id, t_s, kind, text) SELECT max(id), 0.5, 'info', CAST(X'$x' AS TEXT) FROM runs;
INSERT INTO artifacts (run_id, step_id, kind, path, sha256) SELECT max(id), NULL, 'capture', CAST(X'$x' AS TEXT), '' FROM runs;
SQL
done
invoke "history" "$STATION" history --db h.db --limit 0
[ $? -eq 0 ] || nok "history exit"
clean_term "history"
[ "$(grep -c '^2026-01-01' out)" -eq ${#values[@]} ] || nok "history: one line per stored run ($(grep -c '^2026-01-01' out))"
invoke "history --json" "$STATION" history --db h.db --json
check json out || { unparsed=$((unparsed + 1)); nok "history --json did not parse"; }
for j in $(seq 1 ${#values[@]}); do
	u=00000000-0000-4000-8000-0000000000$(printf %02d "$j")
	invoke "history --run (value $j)" "$STATION" history --db h.db --run "$u"
	[ $? -eq 0 ] || nok "history --run value $j exit"
	clean_term "history --run (value $j)"
	invoke "history --run --json (value $j)" "$STATION" history --db h.db --run "$u" --json
	check json out || { unparsed=$((unparsed + 1)); nok "history --run --json value $j did not parse"; }
done
for v in "${values[@]}"; do
	invoke "history --serial hostile" "$STATION" history --db h.db --serial "$v"; rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] || nok "history --serial with a hostile serial: exit $rc"
	clean_term "history --serial hostile"
done

echo "# hostile CLI: $cases cases, $crashes crashes, $hangs hangs, $unparsed outputs that did not parse"
[ $((crashes + hangs + unparsed + fails)) -eq 0 ] && echo "ok - hostile CLI values: every output encoded, every refusal one line" ||
	echo "not ok - hostile CLI values ($fails failed checks)"
[ $((crashes + hangs + unparsed + fails)) -eq 0 ]
