#!/usr/bin/env bash
# fuzz_short.sh - a short fuzz run of the fixture protocol's parsers inside
# `make check`: ~15 s of libFuzzer (clang -fsanitize=fuzzer,address,undefined),
# or, where libFuzzer is missing, the corpus plus 50000 random inputs
# through a normal build.  TAP lines on stdout.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out="${BUILD:-$top/build}/fuzz"
secs=${FUZZ_SECONDS:-15}
prog=$("$top/tests/fuzz/build.sh" "$out" 2>"$out.err")
if [ -z "$prog" ]; then
	echo "not ok - fuzz harness builds"
	sed 's/^/# /' "$out.err" | head -20
	exit 1
fi
echo "ok - fuzz harness builds ($(basename "$prog"))"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$top"/tests/fuzz/corpus/* "$work/"
cd "$work"
case "$prog" in
*_replay)
	if "$prog" -runs=50000 "$work"/* >"$out/run.log" 2>&1; then
		echo "ok - fuzz replay: $(tail -1 "$out/run.log")"
	else
		echo "not ok - fuzz replay crashed"
		tail -30 "$out/run.log" | sed 's/^/# /'
	fi
	;;
*)
	if "$prog" -max_total_time="$secs" -max_len=1024 -print_final_stats=1 \
		-artifact_prefix="$out/" "$work" >"$out/run.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/run.log")
		echo "ok - libFuzzer: ${runs:-?} inputs in ${secs} s, no crash, no leak, bounded memory"
	else
		echo "not ok - libFuzzer found a crash (artifact in $out)"
		grep -E 'ERROR|SUMMARY|crash-' "$out/run.log" | head -10 | sed 's/^/# /'
		tail -20 "$out/run.log" | sed 's/^/# /'
	fi
	;;
esac
