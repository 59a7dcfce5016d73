#!/usr/bin/env bash
# build.sh OUTDIR [HARNESS...] - build the fuzz harnesses into OUTDIR (all of
# tests/fuzz/fuzz_*.c by default: proto, model, limits, plan, bench,
# fixmap).  Prints the path of each program it built, one per line:
# OUTDIR/fuzz_NAME (libFuzzer, clang -fsanitize=fuzzer,address,undefined)
# or, when libFuzzer is not available, OUTDIR/fuzz_NAME_replay (a normal
# build with replay.c's main, which replays files and random inputs, with
# ASan when the compiler has it; FUZZ_NO_LIBFUZZER=1 forces it).  A program
# newer than all its sources is kept.  Exit 1 if any harness fails to build.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
shift
mkdir -p "$out"
s=$top/station
core="$s/core/st.c $s/core/tok.c $s/core/paths.c"
sources() { # the station sources each harness needs
	case $1 in
	proto) echo "$s/fixture/proto/proto.c $s/fixture/proto/fixmap.c $s/fixture/numato/numato.c
		$s/fixture/std.c $s/fixture/transport/transport.c $s/fixture/transport/termios.c
		$s/fixture/transport/serial.c $s/fixture/transport/tcp.c $core $s/core/clock.c
		$s/model/*.c" ;;
	model) echo "$core $s/model/*.c" ;;
	plan) echo "$core $s/plan/plan.c $s/model/*.c" ;;
	limits) echo "$core $s/limits/*.c $s/model/*.c" ;;
	bench) echo "$core $s/audio/benchfile.c" ;;
	fixmap) echo "$core $s/fixture/proto/fixmap.c $s/model/*.c" ;;
	*) return 1 ;;
	esac
}
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$top"/tests/fuzz/fuzz_*.c; do
		n=$(basename "$f" .c)
		names+=("${n#fuzz_}")
	done
fi
flags="-std=c11 -D_GNU_SOURCE -g -O1 -I$s -I$top/tests/fuzz -DST_DATA_DIR=\"$top\""
libs="$(pkg-config --libs libserialport 2>/dev/null || echo -lserialport) -lm"
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || cc=gcc
have_clang=0
command -v clang >/dev/null 2>&1 && have_clang=1
# build_one NAME: builds fuzz_NAME (or fuzz_NAME_replay) unless it is newer
# than everything it is made of; writes the program's path to $out/NAME.path
build_one() {
	local n=$1 src h prog log
	src=$(sources "$n") || { echo "build.sh: no harness '$n'" >&2; return 1; }
	h="$top/tests/fuzz/fuzz_$n.c"
	log="$out/build-$n.log"
	for prog in "$out/fuzz_$n" "$out/fuzz_${n}_replay"; do
		[ -x "$prog" ] || continue
		if [ -z "$(find $h $src "$top"/tests/fuzz/*.h "$top"/tests/fuzz/replay.c \
			"$top"/tests/fuzz/build.sh "$s"/*/*.h "$s"/*/*/*.h -newer "$prog" 2>/dev/null)" ]; then
			echo "$prog" >"$out/$n.path"
			return 0
		fi
	done
	rm -f "$out/fuzz_$n" "$out/fuzz_${n}_replay"
	if [ "$have_clang" = 1 ] && [ -z "${FUZZ_NO_LIBFUZZER:-}" ] &&
	   clang $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		$h $src -o "$out/fuzz_$n" $libs >"$log" 2>&1; then
		echo "$out/fuzz_$n" >"$out/$n.path"
		return 0
	fi
	if $cc $flags -DST_FUZZ_REPLAY -fsanitize=address,undefined $h "$top/tests/fuzz/replay.c" \
		$src -o "$out/fuzz_${n}_replay" $libs >>"$log" 2>&1 ||
	   $cc $flags -DST_FUZZ_REPLAY $h "$top/tests/fuzz/replay.c" $src \
		-o "$out/fuzz_${n}_replay" $libs >>"$log" 2>&1; then
		echo "$out/fuzz_${n}_replay" >"$out/$n.path"
		return 0
	fi
	echo "build.sh: fuzz_$n does not build:" >&2
	tail -20 "$log" >&2
	return 1
}

rc=0
pids=()
for n in "${names[@]}"; do          # two at a time
	rm -f "$out/$n.path"
	build_one "$n" &
	pids+=($!)
	if [ ${#pids[@]} -ge 2 ]; then
		wait "${pids[0]}" || rc=1
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
for n in "${names[@]}"; do
	[ -f "$out/$n.path" ] && cat "$out/$n.path"
done
exit $rc
