#!/usr/bin/env bash
# build.sh OUTDIR - build the fixture-protocol fuzz harness into OUTDIR.
# Prints the path of the program it built: OUTDIR/fuzz_proto (libFuzzer,
# clang -fsanitize=fuzzer,address,undefined) or, when libFuzzer is not
# available, OUTDIR/fuzz_proto_replay (a normal build that replays the
# corpus and random inputs, with ASan when the compiler has it).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$1
mkdir -p "$out"
src="$top/tests/fuzz/fuzz_proto.c $top/station/fixture/proto/proto.c
	$top/station/fixture/proto/fixmap.c $top/station/fixture/numato/numato.c
	$top/station/fixture/std.c
	$top/station/fixture/transport/transport.c $top/station/fixture/transport/termios.c
	$top/station/fixture/transport/serial.c $top/station/fixture/transport/tcp.c
	$top/station/core/st.c $top/station/core/tok.c $top/station/core/clock.c
	$top/station/model/model.c"
flags="-std=c11 -D_GNU_SOURCE -g -O1 -I$top/station -DST_DATA_DIR=\"$top\""
libs="$(pkg-config --libs libserialport 2>/dev/null || echo -lserialport) -lm"
if command -v clang >/dev/null 2>&1 &&
   clang $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	$src -o "$out/fuzz_proto" $libs >"$out/build.log" 2>&1; then
	echo "$out/fuzz_proto"
	exit 0
fi
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || cc=gcc
if $cc $flags -DST_FUZZ_REPLAY -fsanitize=address,undefined $src -o "$out/fuzz_proto_replay" \
	$libs >>"$out/build.log" 2>&1 ||
   $cc $flags -DST_FUZZ_REPLAY $src -o "$out/fuzz_proto_replay" $libs >>"$out/build.log" 2>&1; then
	echo "$out/fuzz_proto_replay"
	exit 0
fi
cat "$out/build.log" >&2
exit 1
