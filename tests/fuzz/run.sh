#!/usr/bin/env bash
# run.sh [SECONDS] - `make fuzz`: builds every harness of tests/fuzz (the
# fixture protocol and the model, limits, plan, audio bench and fixture-file
# parsers) with libFuzzer + ASan + UBSan into build-fuzz/ and runs each for
# SECONDS (default 300) on a corpus in build-fuzz/corpus-NAME seeded with
# tests/fuzz/corpus (protocol) or the shipped data files (parsers).  Crashes
# are written to build-fuzz/ as NAME-crash-*; replay one with:
# build-fuzz/fuzz_NAME build-fuzz/NAME-crash-...
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-300}
out="$top/build-fuzz"
progs=$("$top/tests/fuzz/build.sh" "$out")
rc=0
for prog in $progs; do
	name=$(basename "$prog")
	name=${name#fuzz_}
	name=${name%_replay}
	corpus="$out/corpus-$name"
	mkdir -p "$corpus"
	case $name in
	proto) cp -n "$top"/tests/fuzz/corpus/* "$corpus/" ;;
	model) cp -n "$top"/fixtures/models/*.model "$corpus/" ;;
	plan) cp -n "$top"/fixtures/plans/*.plan "$corpus/" ;;
	limits) cp -n "$top"/limits/*.lim "$corpus/" ;;
	bench) cp -n "$top"/fixtures/benches/*.audio "$corpus/" ;;
	fixmap) cp -n "$top"/fixtures/benches/*.fixture "$corpus/" ;;
	esac
	echo "== fuzz_$name"
	case "$prog" in
	*_replay)
		echo "libFuzzer not available: replaying the corpus and random inputs"
		"$prog" -runs=1000000 "$corpus"/* || rc=1
		;;
	*)
		(cd "$out" && "$prog" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
			-artifact_prefix="$out/$name-" "$corpus") || rc=1
		;;
	esac
done
exit $rc
