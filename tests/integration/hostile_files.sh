#!/usr/bin/env bash
# hostile_files.sh - the hostile data-file suite in `make check` (issue 9):
# tests/integration/hostile_files.py mutates every shipped data file (320
# mutants per format: model, limits, plan, .audio, .fixture; fixed seed) and
# feeds each to the real binary's check/load path ($STATION), counting
# cases, crashes (signals, sanitizer reports), hangs and outputs that are
# not one "file:line:col: message" line.  TAP: one line per format and the
# summary "hostile files: N cases, 0 crashes, 0 hangs, 0 unparsed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
STATION=${STATION:-$top/build/station}
DATA=${STATION_DATA:-$top}
work=$(mktemp -d /tmp/st-hostile-$$.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=$(/usr/bin/python3 "$top/tests/integration/hostile_files.py" "$STATION" "$DATA" "$work" \
	"${HOSTILE_PER_FORMAT:-320}" "${HOSTILE_SEED:-20261203}" 2>&1)
rc=$?
summary=$(grep '^hostile files: ' <<<"$out")
sed -n 's/^# //p' <<<"$out" | grep -v '^  ' | while read -r line; do
	if [[ $line =~ ([0-9]+)\ cases,\ 0\ crashes,\ 0\ hangs,\ 0\ unparsed ]]; then
		echo "ok - $line"
	else
		echo "not ok - $line"
	fi
done
if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
	echo "ok - $summary"
else
	echo "not ok - ${summary:-hostile_files.py failed (exit $rc)}"
	grep '^#' <<<"$out" | head -40
	[ -n "$summary" ] || tail -20 <<<"$out" | sed 's/^/# /'
fi
