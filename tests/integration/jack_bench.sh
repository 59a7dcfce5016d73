#!/usr/bin/env bash
# jack_bench.sh - the acoustic path end to end through real sound-server
# plumbing: a private JACK server (dummy driver, no realtime), `station sim
# --jack stbench` (simulated headset + fixture on a pty + the acoustic
# model as a JACK client), and `station audio` measuring it through
# PortAudio's JACK host API with the fixture protocol switching ANC.
# Prints TAP lines; skips only when jackd cannot start here.
#
# Env: STATION (binary), STATION_DATA (repo root).
# run.sh: alone (real-time audio: a busy CPU beside it means over/underruns,
# which the station rightly reports as its own ERROR)
set -u
STATION=${STATION:-build/station}
export STATION_DATA=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
model=WH-1000XM5
tmp=$(mktemp -d /tmp/st-jack-XXXXXX)
export JACK_DEFAULT_SERVER=st-test-$$
export JACK_NO_START_SERVER=1
jackd_pid=
sim_pid=

cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	[ -n "$jackd_pid" ] && kill "$jackd_pid" 2>/dev/null && wait "$jackd_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; for l in "$@"; do echo "# $l"; done; }

if ! command -v jackd >/dev/null; then
	echo "ok - jack bench # SKIP jackd not installed"
	exit 0
fi
# period 1024: the dummy driver without realtime scheduling xruns at 256
# frames on a loaded two-core CI machine (captures retry xruns, but
# fewer is faster)
jackd -n "$JACK_DEFAULT_SERVER" -r -d dummy -r 48000 -p 1024 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
for _ in $(seq 50); do
	jack_lsp >/dev/null 2>&1 && break
	sleep 0.1
done
if ! jack_lsp >/dev/null 2>&1; then
	echo "ok - jack bench # SKIP jackd cannot start here: $(tail -1 "$tmp/jackd.log")"
	exit 0
fi
ok "private jackd (dummy driver) started"

# start_sim [--fault F ...]: the simulator with its JACK client
start_sim() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	rm -f "$tmp/pty"
	"$STATION" sim --model $model --pty-link "$tmp/pty" --jack stbench --time-scale 20 "$@" \
		>"$tmp/sim.log" 2>&1 &
	sim_pid=$!
	for _ in $(seq 50); do
		[ -e "$tmp/pty" ] && jack_lsp 2>/dev/null | grep -q '^stbench:ref$' && return 0
		sleep 0.1
	done
	return 1
}

measure() { # measure WHAT -> $tmp/out, returns station's exit code
	"$STATION" audio "$1" --model $model --audio pa:stbench --bench stbench \
		--fixture "$tmp/pty" --out "$tmp/wav" >"$tmp/out" 2>&1
}

if start_sim; then
	ok "station sim --jack stbench registered its ports"
else
	notok "station sim --jack stbench registered its ports" "$(cat "$tmp/sim.log")"
	exit 1
fi
if jack_lsp 2>/dev/null | grep -q '^stbench:speaker_in$' &&
   [ "$(jack_lsp 2>/dev/null | grep -c '^stbench:')" = 10 ]; then
	ok "bench ports: speaker_in, ear_l, ear_r, mic1..6, ref"
else
	notok "bench ports" "$(jack_lsp 2>&1)"
fi

if "$STATION" audio devices 2>&1 | grep -q '"stbench" \[JACK Audio Connection Kit\] in 9 out 1'; then
	ok "PortAudio lists the bench as a JACK device (9 in, 1 out)"
else
	notok "PortAudio lists the bench" "$("$STATION" audio devices 2>&1)"
fi

# mic alignment of a healthy unit
measure mics; rc=$?
if [ $rc = 0 ] && grep -q '^mics: valid' "$tmp/out" &&
   awk '/^mic[0-9]/ { d = $3 < 0 ? -$3 : $3; g = $5 < 0 ? -$5 : $5;
	if (d > 5 || g > 0.6 || $9 != "+1") bad = 1; n++ }
	END { exit (bad || n != 6) }' "$tmp/out"; then
	ok "mics through PortAudio/JACK: 6 mics within 5 us and 0.6 dB"
else
	notok "mics through PortAudio/JACK (rc $rc)" "$(cat "$tmp/out")"
fi
if grep -q '^file mics .*\.wav sha256 [0-9a-f]\{64\}$' "$tmp/out"; then
	ok "raw mic capture written as WAV with its SHA-256"
else
	notok "raw mic capture written" "$(grep '^file' "$tmp/out")"
fi

# ANC: off/on switched over the fixture protocol (unit UART)
measure anc; rc=$?
if [ $rc = 0 ] && grep -q '^anc: valid' "$tmp/out" &&
   awk '/^anc left +250 Hz/ { a = $8 } END { exit !(a > 21 && a < 27) }' "$tmp/out"; then
	ok "ANC through PortAudio/JACK: active attenuation at 250 Hz $(awk '/^anc left +250 Hz/ { print $8 }' "$tmp/out") dB"
else
	notok "ANC through PortAudio/JACK (rc $rc)" "$(head -20 "$tmp/out")"
fi

# a fault injected in the simulator shows on the station side
if start_sim --fault mic-polarity:3; then
	measure mics; rc=$?
	if [ $rc = 0 ] && grep -q '^mic3 .*polarity -1' "$tmp/out" &&
	   [ "$(grep -c 'polarity +1' "$tmp/out")" = 5 ]; then
		ok "mic-polarity:3 in the simulator: the station sees mic3 inverted"
	else
		notok "mic-polarity:3 seen by the station (rc $rc)" "$(cat "$tmp/out")"
	fi
else
	notok "simulator restarted with a fault" "$(cat "$tmp/sim.log")"
fi

# the bench vanishing mid-capture is a station ERROR (exit 3), not a FAIL
"$STATION" audio ramp --seconds 200 --model $model --audio pa:stbench --bench stbench \
	--fixture "$tmp/pty" >"$tmp/out" 2>&1 &
meas_pid=$!
sleep 2
kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; sim_pid=
wait $meas_pid; rc=$?
if [ $rc = 3 ] && grep -q 'station audio:' "$tmp/out"; then
	ok "bench gone mid-capture: exit 3 ($(grep 'station audio:' "$tmp/out" | head -1 | cut -c1-80))"
else
	notok "bench gone mid-capture gives exit 3 (rc $rc)" "$(cat "$tmp/out")"
fi
