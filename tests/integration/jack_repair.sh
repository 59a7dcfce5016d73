#!/usr/bin/env bash
# jack_repair.sh - the repair plan end to end on the JACK-hosted bench: a
# private JACK server (dummy driver), `station sim --jack` (simulated
# headset and fixture on a pty, acoustic model as a JACK client), and
# `station run --fixture PTY --audio pa:stbench` through the fixture
# protocol and PortAudio.  A healthy unit passes; each acoustic fault
# fails for its reason, and a noisy room is the station's ERROR.
# run.sh: alone (real-time audio: a busy CPU beside it means over/underruns,
# which the station rightly reports as its own ERROR)
set -u
: "${STATION:?STATION must name the station binary}"
export STATION_DATA=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d /tmp/st-jackrun-XXXXXX)
export JACK_NO_START_SERVER=1
# The cases run in three lanes, each with its own private JACK server
# (st-run-PID-LANE), simulator, database and calibration.  On the plain
# build the lanes run at once: a lane is a few per cent of a core (nearly
# all of a run is the bench waiting on its clock and the audio playing in
# real time), so three keep the CPU about as idle as one did, in a third
# of the wall time (tests/run.sh runs this script with nothing CPU-bound
# beside it).  Under the sanitizers ($BUILD named *asan*) the acoustic
# model renders about 13x slower and three at once overran the dummy
# driver's cycles on two cores: there the lanes run one after another on
# lane a's server (JACK_LANES=N, 1 to 3, overrides either).  Separate
# servers, not three clients of one: three simulators' callbacks in one
# server's cycle overran it.  A lane whose server cannot start (libjack
# allows eight servers on a machine) runs after the others on lane a's.
lanes="a b c"
case ${BUILD:-} in *asan*) nlanes=${JACK_LANES:-1} ;; *) nlanes=${JACK_LANES:-3} ;; esac
case $nlanes in 1) own="a" ;; 2) own="a b" ;; *) own="a b c" ;; esac
jackd_pids=
lane_pids=

cleanup() {
	local p
	for p in $lane_pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	for p in $jackd_pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! command -v jackd >/dev/null; then
	echo "ok - repair on the JACK bench # SKIP jackd not installed"
	exit 0
fi
declare -A server    # the JACK server of each lane that has its own
for l in $lanes; do mkdir -p "$tmp/$l"; done
for l in $own; do
	jackd -n "st-run-$$-$l" -r -d dummy -r 48000 -p 1024 >"$tmp/$l/jackd.log" 2>&1 &
	jackd_pids="$jackd_pids $!"
done
for l in $own; do
	for _ in $(seq 50); do
		JACK_DEFAULT_SERVER=st-run-$$-$l jack_lsp >/dev/null 2>&1 && break
		sleep 0.1
	done
	JACK_DEFAULT_SERVER=st-run-$$-$l jack_lsp >/dev/null 2>&1 && server[$l]=st-run-$$-$l
done
if [ -z "${server[a]:-}" ]; then
	echo "ok - repair on the JACK bench # SKIP jackd cannot start here: $(tail -1 "$tmp/a/jackd.log")"
	exit 0
fi

# Everything below runs inside one lane: $lane names it, its directory
# ($dir) holds the pty link, the simulator's log, the database, the
# calibration and the captures; its simulator is $sim_pid.
sim_pid=
stop_sim() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	sim_pid=
}
start_sim() { # MODEL [--fault F]...: up to three tries (libjack's shared
	# server registry can refuse a client opened at the same moment as
	# another lane's: "cannot open JACK client", status 0x21)
	local model=$1 try; shift
	for try in 1 2 3; do
		stop_sim
		rm -f "$dir/pty"
		"$STATION" sim --model "$model" --pty-link "$dir/pty" --jack stbench --time-scale 20 "$@" \
			>"$dir/sim.log" 2>&1 &
		sim_pid=$!
		for _ in $(seq 100); do
			[ -e "$dir/pty" ] && jack_lsp 2>/dev/null | grep -q '^stbench:ref$' && return 0
			kill -0 "$sim_pid" 2>/dev/null || break
			sleep 0.1
		done
		sleep 0.$((RANDOM % 5 + 3))
	done
	return 1
}
enter_lane() { # LANE: this (sub)shell works in that lane from now on
	lane=$1
	dir=$tmp/$lane
	export JACK_DEFAULT_SERVER=${server[$lane]:-${server[a]}}
	n=0
	trap stop_sim EXIT
	trap 'exit 1' TERM
}

plan=repair

# The bench's open-ear calibration first: the headset off the acoustic test
# fixture (`station sim --off-fixture`), one sweep stored beside the
# database; every ANC step below judges passive and total against it (each
# lane's database directory gets a copy: the same bench file, the same
# simulated bench).
(
	enter_lane a
	if start_sim WH-1000XM5 --off-fixture &&
		out=$(timeout 60 "$STATION" calibrate --model WH-1000XM5 --fixture "$dir/pty" --audio pa:stbench \
			--bench stbench --db "$dir/runs.db" --confirm yes 2>&1) &&
		[ -s "$dir/calibration/stbench.cal" ] && grep -q "open ear left: 100 Hz -6" <<<"$out"; then
		echo "ok - open-ear calibration of the JACK bench, headset off the fixture"
	else
		echo "not ok - open-ear calibration of the JACK bench"
		sed 's/^/# /' <<<"${out:-}" | tail -8
	fi
)
for l in $lanes; do
	[ "$l" = a ] && continue
	mkdir -p "$tmp/$l/calibration"
	cp -p "$tmp/a/calibration/stbench.cal" "$tmp/$l/calibration/" 2>/dev/null
done

run_case() { # NAME EXPECTED-EXIT EXPECTED-TEXT MODEL [--fault F]...
	local name=$1 want=$2 text=$3 model=$4; shift 4
	local rc t0=$SECONDS
	n=$((n + 1))
	if ! start_sim "$model" "$@"; then
		echo "not ok - $name (simulator did not start)"
		sed 's/^/# /' "$dir/sim.log" | tail -5
		return
	fi
	out=$(timeout 120 "$STATION" run --confirm yes --model "$model" --serial "JK${lane^^}$n" --plan "$plan" \
		--fixture "$dir/pty" --audio pa:stbench --bench stbench --db "$dir/runs.db" --verbose 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$text" <<<"$out"; then
		echo "ok - $name"
	else
		echo "not ok - $name (exit $rc, want $want; want text '$text')"
		tail -12 <<<"$out" | sed 's/^/# /'
	fi
	echo "# lane $lane: $((SECONDS - t0)) s for: $name"
}

# The whole repair plan, ladder included: every rung's verify listens for
# the voice assistant's answer through JACK on a 20x clock (the unit's
# sounds and its DSP's answer play in audio time, docs/audio-bench.md).
# The TAP lines are printed lane by lane at the end.
lane_a() {
	enter_lane a
	run_case "a healthy unit passes the repair plan, ladder and verify, through pty and JACK" 0 "no-fault-found" WH-1000XM5
	if grep -q "open-ear reference: calibration of bench stbench" <<<"$out" &&
		grep -Eq "anc\.total_db\.L\.1000Hz +3[0-9.]+ dB .* PASS" <<<"$out" &&
		grep -Eq "anc\.passive_db\.L\.1000Hz +1[5-8][0-9.]* dB .* PASS" <<<"$out"; then
		echo "ok - passive and total attenuation judged against the calibration through JACK"
	else
		echo "not ok - passive and total attenuation through JACK"
		grep -E "open-ear|anc\.(total|passive)_db\.L\.1000" <<<"$out" | sed 's/^/# /'
	fi
	run_case "late, quiet microphone fails alignment" 1 "microphone 3 is out of alignment" WH-1000XM5 --fault mic-misaligned:3
}
lane_b() {
	enter_lane b
	run_case "a late voice assistant fails verify through JACK (DSP firmware)" 1 "DSP firmware" WH-1000XM5 --fault assistant-slow
	run_case "weak ANC fails its mask" 1 "short of its mask" WH-1000XM5 --fault anc-weak
}
lane_c() {
	enter_lane c
	run_case "inverted microphone fails polarity" 1 "microphone 2 is wired inverted" WH-1000XM5 --fault mic-polarity:2
	run_case "noisy room is the station's ERROR" 3 "not judgeable" WH-1000XM5 --fault noisy-room
	run_case "a crackling driver is a hardware RMA (its test sweep through JACK)" 1 "hardware-rma" WH-1000XM5 --fault driver-crackle
}
# each lane with a server of its own now, then the others on lane a's
for l in $lanes; do
	[ -n "${server[$l]:-}" ] || continue
	( "lane_$l" ) >"$tmp/$l.tap" 2>&1 &
	lane_pids="$lane_pids $!"
	sleep 1    # not three JACK clients opening at once
done
for p in $lane_pids; do wait "$p"; done
lane_pids=
for l in $lanes; do
	[ -n "${server[$l]:-}" ] && continue
	[ -e "$tmp/$l/jackd.log" ] && echo "# lane $l on lane a's JACK server (its own did not start: $(tail -1 "$tmp/$l/jackd.log"))"
	( "lane_$l" ) >"$tmp/$l.tap" 2>&1
done
cat "$tmp/a.tap" "$tmp/b.tap" "$tmp/c.tap"
if ls "$tmp"/?/captures/*/*.wav >/dev/null 2>&1; then echo "ok - captures kept as WAV"; else echo "not ok - no captures"; fi
