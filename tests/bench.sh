#!/usr/bin/env bash
# bench.sh BUILD - run every benchmark program in BUILD/bench/ (built by
# `make bench` from tests/bench/*.c) and print its lines, prefixed by the
# program's name.  A benchmark prints one line per figure on stdout; add a
# file to tests/bench/ and it is picked up; executable tests/bench/*.sh
# scripts run the same way.  Exits non-zero if any fails.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
dir="$top/$build/bench"
rc=0
found=0
for b in "$dir"/* "$top"/tests/bench/*.sh; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	found=1
	name=$(basename "$b")
	out=$(cd "$top" && timeout 600 "$b" 2>&1)
	r=$?
	if [ "$r" -ne 0 ]; then
		echo "FAIL $name (exit $r)"
		printf '%s\n' "$out" | sed 's/^/    /'
		rc=1
		continue
	fi
	printf '%s\n' "$out" | sed "s/^/$name: /"
done
[ "$found" -eq 1 ] || { echo "no benchmarks in $dir"; exit 1; }
exit $rc
