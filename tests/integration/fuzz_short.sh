#!/usr/bin/env bash
# fuzz_short.sh - a short fuzz run of every parser inside `make check`: the
# fixture protocol (FUZZ_SECONDS, default 12 s) and the data-file parsers -
# model, limits, plan, audio bench, fixture file - (FUZZ_PARSER_SECONDS
# each, default 4 s) under libFuzzer (clang -fsanitize=fuzzer,address,
# undefined), seeded with tests/fuzz/corpus and the shipped data files; or,
# where libFuzzer is missing, the seeds plus random inputs through a normal
# build.  The programs are built once into build-fuzz/short (tests/fuzz/
# build.sh keeps them while their sources do not change).  TAP on stdout.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out="$top/build-fuzz/short"
mkdir -p "$out"
secs=${FUZZ_SECONDS:-12}
psecs=${FUZZ_PARSER_SECONDS:-4}
progs=$("$top/tests/fuzz/build.sh" "$out" 2>"$out/build.err")
brc=$?
if [ "$brc" -ne 0 ] || [ -z "$progs" ]; then
	echo "not ok - fuzz harnesses build"
	sed 's/^/# /' "$out/build.err" | head -30
	exit 1
fi
echo "ok - fuzz harnesses build ($(echo $progs | xargs -n1 basename | tr '\n' ' '))"
work=$(mktemp -d /tmp/st-fuzz-$$.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work    # the harnesses' scratch files (fuzz_limits) stay in it
seeds() { # the seed files of a harness
	case $1 in
	proto) ls "$top"/tests/fuzz/corpus/* ;;
	model) ls "$top"/fixtures/models/*.model ;;
	plan) ls "$top"/fixtures/plans/*.plan ;;
	limits) ls "$top"/limits/*.lim ;;
	bench) ls "$top"/fixtures/benches/*.audio ;;
	fixmap) ls "$top"/fixtures/benches/*.fixture ;;
	esac
}
for prog in $progs; do
	name=$(basename "$prog")
	name=${name#fuzz_}
	name=${name%_replay}
	t=$psecs
	[ "$name" = proto ] && t=$secs
	mkdir -p "$work/$name"
	cp $(seeds "$name") "$work/$name/"
	log="$out/run-$name.log"
	case "$prog" in
	*_replay)
		if (cd "$work" && "$prog" -runs=30000 "$work/$name"/*) >"$log" 2>&1; then
			echo "ok - fuzz $name replay: $(tail -1 "$log")"
		else
			echo "not ok - fuzz $name replay crashed"
			tail -30 "$log" | sed 's/^/# /'
		fi
		;;
	*)
		if (cd "$work" && "$prog" -max_total_time="$t" -max_len=4096 -print_final_stats=1 \
			-artifact_prefix="$out/$name-" "$work/$name") >"$log" 2>&1; then
			runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
			echo "ok - libFuzzer $name: ${runs:-?} inputs in ${t} s, no crash, no leak, bounded memory"
		else
			echo "not ok - libFuzzer $name found a crash (artifact in $out)"
			grep -E 'ERROR|SUMMARY|crash-|Test unit' "$log" | head -10 | sed 's/^/# /'
			tail -20 "$log" | sed 's/^/# /'
		fi
		;;
	esac
done
