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
export JACK_DEFAULT_SERVER=st-run-$$
export JACK_NO_START_SERVER=1
jackd_pid=
sim_pid=
n=0

cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	[ -n "$jackd_pid" ] && kill "$jackd_pid" 2>/dev/null && wait "$jackd_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! command -v jackd >/dev/null; then
	echo "ok - repair on the JACK bench # SKIP jackd not installed"
	exit 0
fi
jackd -n "$JACK_DEFAULT_SERVER" -r -d dummy -r 48000 -p 1024 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
for _ in $(seq 50); do
	jack_lsp >/dev/null 2>&1 && break
	sleep 0.1
done
if ! jack_lsp >/dev/null 2>&1; then
	echo "ok - repair on the JACK bench # SKIP jackd cannot start here: $(tail -1 "$tmp/jackd.log")"
	exit 0
fi

start_sim() { # MODEL [--fault F]...
	local model=$1; shift
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -f "$tmp/pty"
	"$STATION" sim --model "$model" --pty-link "$tmp/pty" --jack stbench --time-scale 20 "$@" \
		>"$tmp/sim.log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 100); do
		[ -e "$tmp/pty" ] && jack_lsp 2>/dev/null | grep -q '^stbench:ref$' && return 0
		sleep 0.1
	done
	return 1
}

plan=repair

# The bench's open-ear calibration first: the headset off the acoustic test
# fixture (`station sim --off-fixture`), one sweep stored beside the
# database; every ANC step below judges passive and total against it.
n=$((n + 1))
if start_sim WH-1000XM5 --off-fixture &&
	out=$(timeout 60 "$STATION" calibrate --model WH-1000XM5 --fixture "$tmp/pty" --audio pa:stbench \
		--bench stbench --db "$tmp/runs.db" --confirm yes 2>&1) &&
	[ -s "$tmp/calibration/stbench.cal" ] && grep -q "open ear left: 100 Hz -6" <<<"$out"; then
	echo "ok $n - open-ear calibration of the JACK bench, headset off the fixture"
else
	echo "not ok $n - open-ear calibration of the JACK bench"
	sed 's/^/# /' <<<"${out:-}" | tail -8
fi

run_case() { # NAME EXPECTED-EXIT EXPECTED-TEXT MODEL [--fault F]...
	local name=$1 want=$2 text=$3 model=$4; shift 4
	local rc
	n=$((n + 1))
	if ! start_sim "$model" "$@"; then
		echo "not ok $n - $name (simulator did not start)"
		sed 's/^/# /' "$tmp/sim.log" | tail -5
		return
	fi
	out=$(timeout 120 "$STATION" run --confirm yes --model "$model" --serial "JK$n" --plan "$plan" \
		--fixture "$tmp/pty" --audio pa:stbench --bench stbench --db "$tmp/runs.db" --verbose 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$text" <<<"$out"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $rc, want $want; want text '$text')"
		tail -12 <<<"$out" | sed 's/^/# /'
	fi
}

# The whole repair plan, ladder included: every rung's verify listens for
# the voice assistant's answer through JACK on a 20x clock (the unit's
# sounds and its DSP's answer play in audio time, docs/audio-bench.md).
run_case "a healthy unit passes the repair plan, ladder and verify, through pty and JACK" 0 "no-fault-found" WH-1000XM5
n=$((n + 1))
if grep -q "open-ear reference: calibration of bench stbench" <<<"$out" &&
	grep -Eq "anc\.total_db\.L\.1000Hz +3[0-9.]+ dB .* PASS" <<<"$out" &&
	grep -Eq "anc\.passive_db\.L\.1000Hz +1[5-8][0-9.]* dB .* PASS" <<<"$out"; then
	echo "ok $n - passive and total attenuation judged against the calibration through JACK"
else
	echo "not ok $n - passive and total attenuation through JACK"
	grep -E "open-ear|anc\.(total|passive)_db\.L\.1000" <<<"$out" | sed 's/^/# /'
fi
run_case "a late voice assistant fails verify through JACK (DSP firmware)" 1 "DSP firmware" WH-1000XM5 --fault assistant-slow
run_case "weak ANC fails its mask" 1 "short of its mask" WH-1000XM5 --fault anc-weak
run_case "late, quiet microphone fails alignment" 1 "microphone 3 is out of alignment" WH-1000XM5 --fault mic-misaligned:3
run_case "inverted microphone fails polarity" 1 "microphone 2 is wired inverted" WH-1000XM5 --fault mic-polarity:2
run_case "noisy room is the station's ERROR" 3 "not judgeable" WH-1000XM5 --fault noisy-room
run_case "a crackling driver is a hardware RMA (its test sweep through JACK)" 1 "hardware-rma" WH-1000XM5 --fault driver-crackle
n=$((n + 1))
if ls "$tmp"/captures/*/*.wav >/dev/null 2>&1; then echo "ok $n - captures kept as WAV"; else echo "not ok $n - no captures"; fi
