#!/usr/bin/env bash
# analyze_cli.sh - `station sweep` and `station analyze response|anc|mics|tones`
# end to end: a sweep, captures with known gains / delays / filters made by
# analyze_synth.c (compiled here with cc, libsndfile only), the JSON numbers
# checked, and every error path (bad, truncated, mismatched WAVs; usage)
# exiting 2 with one line on stderr.  Prints TAP-style "ok - name" lines.
set -u
top=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
st=${STATION:-$top/build/station}
tmp=$(mktemp -d /tmp/st-analyze-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0

ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; [ $# -gt 1 ] && echo "# $2"; fails=$((fails + 1)); }
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { if (a == "" || a == "null") exit 1; d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
# jget FILE REGEX-PREFIX: the number right after the first match of PREFIX
jget() { grep -o "$2[-0-9.e]*" "$1" | head -1 | sed "s/.*://"; }
check() { # name value want tol
	if near "$2" "$3" "$4"; then ok "$1 ($2)"; else nok "$1" "got '$2', want $3 +- $4"; fi
}
# expect_usage NAME CMD...: exit 2, exactly one line on stderr
expect_usage() {
	local name=$1; shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$? lines
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ]; then
		ok "$name: exit 2, one line ($(head -c 100 "$tmp/err"))"
	else
		nok "$name" "rc $rc, $lines stderr lines: $(head -3 "$tmp/err" | tr '\n' '|')"
	fi
}

if ! cc -std=c11 -D_GNU_SOURCE -O2 -o "$tmp/synth" "$top/tests/integration/analyze_synth.c" \
	$(pkg-config --cflags --libs sndfile) -lm 2>"$tmp/cc.log"; then
	nok "build analyze_synth helper" "$(head -3 "$tmp/cc.log")"
	exit 1
fi
synth=$tmp/synth

# --- sweep ---------------------------------------------------------------
if "$st" sweep --out "$tmp/stim.wav" --seconds 1.5 >"$tmp/out" 2>&1 && grep -q "72000 frames" "$tmp/out"; then
	ok "sweep writes a 1.5 s stimulus"
else
	nok "sweep writes a 1.5 s stimulus" "$(cat "$tmp/out")"
fi
"$st" sweep --help >/dev/null && ok "sweep --help exits 0" || nok "sweep --help exits 0"
expect_usage "sweep without --out" "$st" sweep
expect_usage "sweep f2 above Nyquist" "$st" sweep --out "$tmp/x.wav" --f2 30000
expect_usage "sweep bad number" "$st" sweep --out "$tmp/x.wav" --seconds abc
expect_usage "sweep unknown option" "$st" sweep --out "$tmp/x.wav" --bogus 1
"$st" sweep --out "$tmp/stim441.wav" --seconds 1 --rate 44100 --format pcm24 >/dev/null ||
	nok "sweep at 44.1 kHz pcm24"

# --- response --------------------------------------------------------------
"$synth" capture "$tmp/stim.wav" "$tmp/flat.wav" 0.6 "g=-6,n=-90" "d=48,g=0" "pk=1000/1.4/6" || nok "synth flat"
"$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/flat.wav" --channel 0 --json >"$tmp/r0.json"
check "response: -6 dB capture reads -6 dB at 100 Hz" "$(jget "$tmp/r0.json" '"hz":100,"db":')" -6 0.05
check "response: -6 dB capture reads -6 dB at 1 kHz" "$(jget "$tmp/r0.json" '"hz":1000,"db":')" -6 0.05
check "response: -6 dB capture reads -6 dB at 10 kHz" "$(jget "$tmp/r0.json" '"hz":10000,"db":')" -6 0.05
check "response: latency 0 ms" "$(jget "$tmp/r0.json" '"latency_ms":')" 0 0.01
check "response: band SNR at 1 kHz above 40 dB" "$(jget "$tmp/r0.json" '"hz":1000,"db":[-0-9.]*,"snr_db":')" 100 60
grep -q '"channels":\[{"channel":0,' "$tmp/r0.json" && ok "response JSON shape" || nok "response JSON shape" "$(head -c 200 "$tmp/r0.json")"
"$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/flat.wav" --json >"$tmp/r.json"
n=$(grep -o '"channel":[0-9]' "$tmp/r.json" | wc -l)
[ "$n" -eq 3 ] && ok "response: all 3 channels by default" || nok "response: all 3 channels" "$n"
"$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/flat.wav" --channel 1 --json >"$tmp/r1.json"
check "response: 48-sample delay reads 1 ms latency" "$(jget "$tmp/r1.json" '"latency_ms":')" 1.0 0.01
"$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/flat.wav" --channel 2 --json >"$tmp/r2.json"
check "response: +6 dB peak at 1 kHz" "$(jget "$tmp/r2.json" '"hz":1000,"db":')" 5.3 0.7
check "response: peak leaves 100 Hz alone" "$(jget "$tmp/r2.json" '"hz":100,"db":')" 0 0.2
"$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/flat.wav" --channel 2 >"$tmp/table"
grep -q "latency" "$tmp/table" && grep -qE "^ +1000 " "$tmp/table" && ok "response table" ||
	nok "response table" "$(head -5 "$tmp/table")"

# --- mics --------------------------------------------------------------------
"$synth" capture "$tmp/stim.wav" "$tmp/mics.wav" 0.6 "d=10,n=-70,seed=1" "d=10.5,n=-70,seed=2" \
	"d=7,inv,n=-70,seed=3" "d=10,g=-2,n=-70,seed=4" || nok "synth mics"
"$st" analyze mics --stimulus "$tmp/stim.wav" --capture "$tmp/mics.wav" --json >"$tmp/m.json"
grep -q '^{"reference":0,"channels":\[{"channel":1,' "$tmp/m.json" && ok "mics JSON shape" || nok "mics JSON shape" "$(head -c 200 "$tmp/m.json")"
check "mics: half-sample delay (10.417 us)" "$(jget "$tmp/m.json" '"channel":1,"delay_us":')" 10.417 0.5
check "mics: 1 kHz phase of half a sample (-3.75 deg)" "$(jget "$tmp/m.json" '"channel":1,"delay_us":[-0-9.]*,"gain_db":[-0-9.]*,"phase_deg":')" -3.75 0.3
check "mics: 3 samples early (-62.5 us)" "$(jget "$tmp/m.json" '"channel":2,"delay_us":')" -62.5 0.5
check "mics: inverted polarity" "$(jget "$tmp/m.json" '"channel":2,.\{0,80\}"polarity":')" -1 0
check "mics: -2 dB gain" "$(jget "$tmp/m.json" '"channel":3,"delay_us":[-0-9.]*,"gain_db":')" -2 0.05
check "mics: same delay (0 us)" "$(jget "$tmp/m.json" '"channel":3,"delay_us":')" 0 0.5
"$st" analyze mics --stimulus "$tmp/stim.wav" --capture "$tmp/mics.wav" --reference 1 --json >"$tmp/m1.json"
check "mics --reference 1: channel 0 early" "$(jget "$tmp/m1.json" '"channel":0,"delay_us":')" -10.417 0.5
"$st" analyze mics --stimulus "$tmp/stim.wav" --capture "$tmp/mics.wav" | grep -q "polarity" &&
	ok "mics table" || nok "mics table"

# --- anc -----------------------------------------------------------------------
"$synth" capture "$tmp/stim.wav" "$tmp/open.wav" 0.6 "g=0,n=-90,seed=5" "g=0,n=-90,seed=6"
"$synth" capture "$tmp/stim.wav" "$tmp/off.wav" 0.6 "g=-3,n=-90,seed=7" "g=-4,n=-90,seed=8"
"$synth" capture "$tmp/stim.wav" "$tmp/on.wav" 0.6 "g=-13,n=-90,seed=9" "g=-4,pk=300/1/-12,n=-90,seed=10"
"$st" analyze anc --stimulus "$tmp/stim.wav" --open "$tmp/open.wav" --off "$tmp/off.wav" --on "$tmp/on.wav" --json >"$tmp/a.json"
check "anc: passive 3 dB" "$(jget "$tmp/a.json" '"hz":500,"passive_db":')" 3 0.05
check "anc: active 10 dB" "$(jget "$tmp/a.json" '"hz":500,"passive_db":[-0-9.]*,"active_db":')" 10 0.05
check "anc: total 13 dB" "$(jget "$tmp/a.json" '"hz":500,"passive_db":[-0-9.]*,"active_db":[-0-9.]*,"total_db":')" 13 0.05
ch1=$(sed 's/.*"channel":1,//' "$tmp/a.json" >"$tmp/a1.json"; jget "$tmp/a1.json" '"hz":315,"passive_db":[-0-9.]*,"active_db":')
check "anc: channel 1 active at 315 Hz from a -12 dB cut" "$ch1" 10.5 1.5
"$st" analyze anc --stimulus "$tmp/stim.wav" --off "$tmp/off.wav" --on "$tmp/on.wav" --json >"$tmp/a2.json"
grep -q '"hz":500,"passive_db":null,"active_db":10.0[0-9]*,"total_db":null' "$tmp/a2.json" &&
	ok "anc without --open: passive and total null" || nok "anc without --open" "$(head -c 300 "$tmp/a2.json")"
"$st" analyze anc --stimulus "$tmp/stim.wav" --off "$tmp/off.wav" --on "$tmp/on.wav" | grep -q "active" &&
	ok "anc table" || nok "anc table"

# --- tones -----------------------------------------------------------------------
"$synth" chimes "$tmp/chime.wav" 48000 2.5 0.50013:880:0.12 0.70041:660:0.15 1.6:1000:0.2 || nok "synth chimes"
"$st" analyze tones --capture "$tmp/chime.wav" --json >"$tmp/t.json"
check "tones: first onset" "$(jget "$tmp/t.json" '"tones":\[{"onset_s":')" 0.50013 0.001
check "tones: first frequency" "$(jget "$tmp/t.json" '"tones":\[{"onset_s":[0-9.]*,"hz":')" 880 1
check "tones: second onset" "$(jget "$tmp/t.json" '"chime":0},{"onset_s":')" 0.70041 0.001
check "tones: third tone's duration" "$(jget "$tmp/t.json" '"hz":1000.[0-9]*,"duration_s":')" 0.2 0.002
grep -q '"chimes":\[{"onset_s":[0-9.]*,"duration_s":[0-9.]*,"tones":2},{"onset_s":[0-9.]*,"duration_s":[0-9.]*,"tones":1}\]' "$tmp/t.json" &&
	ok "tones: a double chime then a single one" || nok "tones: chime grouping" "$(cat "$tmp/t.json")"
"$st" analyze tones --capture "$tmp/chime.wav" | grep -q "double chime" && ok "tones table" || nok "tones table"

# --- errors ------------------------------------------------------------------------
cp "$tmp/flat.wav" "$tmp/trunc.wav" && truncate -s $(($(stat -c %s "$tmp/flat.wav") / 2)) "$tmp/trunc.wav"
expect_usage "truncated capture" "$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/trunc.wav" --json
grep -q "trunc.wav" "$tmp/err" && grep -q truncated "$tmp/err" && ok "truncated: names the file" || nok "truncated: names the file" "$(cat "$tmp/err")"
expect_usage "rate mismatch" "$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/stim441.wav"
grep -q "44100" "$tmp/err" && ok "rate mismatch: says the rates" || nok "rate mismatch: says the rates" "$(cat "$tmp/err")"
: >"$tmp/empty.wav"
expect_usage "empty capture" "$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/empty.wav"
head -c 3000 /dev/urandom >"$tmp/noise.wav"
expect_usage "garbage stimulus" "$st" analyze response --stimulus "$tmp/noise.wav" --capture "$tmp/flat.wav"
expect_usage "missing capture" "$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/nope.wav"
head -c 44 "$tmp/chime.wav" >"$tmp/hdr.wav"
expect_usage "header-only WAV" "$st" analyze tones --capture "$tmp/hdr.wav"
expect_usage "no such channel" "$st" analyze response --stimulus "$tmp/stim.wav" --capture "$tmp/flat.wav" --channel 5
expect_usage "no such reference" "$st" analyze mics --stimulus "$tmp/stim.wav" --capture "$tmp/mics.wav" --reference 9
expect_usage "mics on a mono capture" "$st" analyze mics --stimulus "$tmp/stim.wav" --capture "$tmp/stim.wav"
expect_usage "anc channel counts differ" "$st" analyze anc --stimulus "$tmp/stim.wav" --off "$tmp/off.wav" --on "$tmp/flat.wav"
expect_usage "anc without --on" "$st" analyze anc --stimulus "$tmp/stim.wav" --off "$tmp/off.wav"
expect_usage "response without --capture" "$st" analyze response --stimulus "$tmp/stim.wav"
expect_usage "unknown analysis" "$st" analyze spectrum --capture "$tmp/flat.wav"
expect_usage "unknown option" "$st" analyze tones --capture "$tmp/chime.wav" --frobnicate
expect_usage "no analysis named" "$st" analyze
"$synth" capture "$tmp/stim.wav" "$tmp/silent.wav" 0 "g=-400"
expect_usage "silent stimulus" "$st" analyze response --stimulus "$tmp/silent.wav" --capture "$tmp/flat.wav"
"$st" analyze --help >/dev/null && ok "analyze --help exits 0" || nok "analyze --help exits 0"

[ "$fails" -eq 0 ]
