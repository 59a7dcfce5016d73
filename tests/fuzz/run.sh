#!/usr/bin/env bash
# run.sh [SECONDS] - fuzz the fixture protocol's parsers (`make fuzz`):
# builds tests/fuzz/fuzz_proto.c with libFuzzer + ASan + UBSan into
# build-fuzz/ and runs it for SECONDS (default 300) on a copy of
# tests/fuzz/corpus.  Crashes are written to build-fuzz/ as crash-*;
# replay one with: build-fuzz/fuzz_proto build-fuzz/crash-...
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-300}
out="$top/build-fuzz"
prog=$("$top/tests/fuzz/build.sh" "$out")
mkdir -p "$out/corpus"
cp -n "$top"/tests/fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
cd "$out"
case "$prog" in
*_replay)
	echo "libFuzzer not available: replaying the corpus and random inputs"
	exec "$prog" -runs=1000000 "$out"/corpus/*
	;;
*)
	exec "$prog" -max_total_time="$secs" -max_len=1024 -print_final_stats=1 \
		"$out/corpus" "$top/tests/fuzz/corpus"
	;;
esac
