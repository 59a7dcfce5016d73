#!/usr/bin/env bash
# run_plans.sh - `station run` end to end on the in-process simulated bench:
# the repair plan passes on a healthy unit of every model, each injected
# fault ends as the seeds predict, the safety gates refuse what they must,
# bad input exits 2, and every run is stored.
set -u
: "${STATION:?STATION must name the station binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/runs.db"
n=0

check() { # name expected-exit expected-text -- command...
	local name=$1 want=$2 text=$3; shift 3
	local out rc
	out=$("$@" 2>&1); rc=$?
	n=$((n + 1))
	if [ "$rc" -eq "$want" ] && { [ -z "$text" ] || grep -q -- "$text" <<<"$out"; }; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name (exit $rc, want $want; want text '$text')"
		tail -15 <<<"$out" | sed 's/^/# /'
	fi
}

models=(WH-1000XM5 WF-1000XM5 "LinkBuds S" WH-1000XM4 WH-1000XM3 WF-1000XM4 MDR-1000X MDR-1000XM2 MDR-1000XM3 MDR-1000XM4 MDR-XB950N1)
for m in "${models[@]}"; do
	check "repair passes on a healthy $m" 0 "disposition: no-fault-found" \
		"$STATION" run --confirm yes --model "$m" --serial "H-${m// /}" --plan repair --db "$db"
done

# faults, as the seeds predict
check "low battery: resets refused" 4 "charge-and-retest" \
	"$STATION" run --confirm yes --model WH-1000XM5 --serial F1 --plan repair --db "$db" --fault low-battery
check "worn switch found by the key test" 1 "replace-switch" \
	"$STATION" run --confirm yes --model MDR-1000XM2 --serial F2 --plan repair --db "$db" --fault worn-switch:VOL_DOWN
check "Bluetooth limbo fixed by soft then Bluetooth reset" 0 "fixed-by-soft-then-bluetooth" \
	"$STATION" run --confirm yes --model WH-1000XM5 --serial F3 --plan repair --db "$db" --fault bt-limbo
check "battery protection tripped" 1 "trickle-charge-12h" \
	"$STATION" run --confirm yes --model MDR-1000XM3 --serial F4 --plan repair --db "$db" --fault bms-tripped
check "firmware corrupt: service centre" 1 "service-centre" \
	"$STATION" run --confirm yes --model WH-1000XM4 --serial F5 --plan repair --db "$db" --fault firmware-corrupt
check "oxidised USB-C port: phantom resets" 1 "phantom resets" \
	"$STATION" run --confirm yes --model WH-1000XM5 --serial F6 --plan repair --db "$db" --fault port-oxidised
check "lint in micro-USB port: false connection" 1 "false connection" \
	"$STATION" run --confirm yes --model MDR-1000XM3 --serial F7 --plan repair --db "$db" --fault port-oxidised
check "EEPROM write failure: red flashing" 1 "EEPROM" \
	"$STATION" run --confirm yes --model MDR-1000XM4 --serial F8 --plan repair --db "$db" --fault eeprom-fail

# acoustic faults on the simulated bench: the unit FAILs, a noisy room is the station's ERROR
check "weak ANC fails its mask" 1 "short of its mask" \
	"$STATION" run --confirm yes --model WH-1000XM5 --serial A1 --plan repair --db "$db" --fault anc-weak
check "misaligned microphone" 1 "microphone 3 is out of alignment" \
	"$STATION" run --confirm yes --model WF-1000XM5 --serial A2 --plan repair --db "$db" --fault mic-misaligned:3
check "inverted microphone" 1 "microphone 2 is wired inverted" \
	"$STATION" run --confirm yes --model WH-1000XM5 --serial A3 --plan repair --db "$db" --fault mic-polarity:2
check "noisy room is an ERROR, not the unit's FAIL" 3 "not judgeable" \
	"$STATION" run --confirm yes --model WH-1000XM5 --serial A4 --plan repair --db "$db" --fault noisy-room
n=$((n + 1))
# captures are named by the run uuid (DIR/<uuid>/<uuid>-what-N.wav), never by the typed serial
if ls "$tmp"/captures/*/*.wav 2>/dev/null | grep -Eq '/([0-9a-f-]{36})/\1-[a-z-]+-[0-9]+\.wav$' &&
   ! ls "$tmp"/captures/*/*.wav | grep -q '/A1-'; then echo "ok $n - raw captures kept as WAV beside the database, named by run uuid"; else echo "not ok $n - no WAV captures named by run uuid in $tmp/captures"; fi
out=$("$STATION" history --db "$db" --serial A1 --json 2>&1)
uuid=$(sed -n 's/.*"uuid":"\([0-9a-f-]*\)".*/\1/p' <<<"$out" | head -1)
n=$((n + 1))
if [ -n "$uuid" ] && "$STATION" history --db "$db" --run "$uuid" 2>&1 | grep -q "wav"; then echo "ok $n - captures referenced from the database"; else echo "not ok $n - captures not in history --run $uuid"; fi

# safety gates
check "wrong model refused" 4 "check-model" \
	"$STATION" run --confirm yes --model MDR-1000XM4 --serial G1 --plan repair --db "$db" --identity MDR-1000XM3
check "worn unit refused where the seed says it aborts" 4 "remove-from-head" \
	"$STATION" run --confirm yes --model MDR-1000XM4 --serial G2 --plan reset-soft --db "$db" --worn
check "earbuds below 20 % refused" 4 "below the 20 % minimum" \
	"$STATION" run --confirm yes --model WF-1000XM5 --serial G3 --plan reset-factory --db "$db" --battery 15
check "single factory reset plan passes" 0 "reset-factory-done" \
	"$STATION" run --confirm yes --model WH-1000XM5 --serial G4 --plan reset-factory --db "$db"
check "triage of a healthy unit: return to stock" 0 "return-to-stock" \
	"$STATION" run --confirm yes --model WF-1000XM4 --serial G5 --plan triage --db "$db"
check "nightly on a golden unit" 0 "golden-ok" \
	"$STATION" run --confirm yes --model MDR-1000XM4 --serial G6 --plan nightly --db "$db"

# bad input: one line, exit 2
check "unknown model" 2 "WH-9999" "$STATION" run --confirm yes --model WH-9999 --serial X --plan repair --db "$db"
check "unknown plan" 2 "unknown plan" "$STATION" run --confirm yes --model WH-1000XM5 --serial X --plan nope --db "$db"
check "unknown fault" 2 "fault" "$STATION" run --confirm yes --model WH-1000XM5 --serial X --plan repair --db "$db" --fault gremlins
check "missing serial" 2 "required" "$STATION" run --confirm yes --model WH-1000XM5 --plan repair --db "$db"
check "unwritable database" 2 "" "$STATION" run --confirm yes --model WH-1000XM5 --serial X --plan repair --db /proc/nope/runs.db

# JSON: one object per line, ending in run-end
out=$("$STATION" run --confirm yes --model WH-1000XM5 --serial J1 --plan repair --db "$db" --json 2>&1)
n=$((n + 1))
if python3 - "$out" <<'PY'
import json, sys
lines = [l for l in sys.argv[1].splitlines() if l.strip()]
objs = [json.loads(l) for l in lines]
assert objs[0]["event"] == "run-start", objs[0]
assert objs[-1]["event"] == "run-end" and objs[-1]["verdict"] == "PASS", objs[-1]
assert any(o["event"] == "measurement" for o in objs)
PY
then echo "ok $n - --json prints one JSON object per event"; else echo "not ok $n - --json output"; fi

# history sees every stored run
out=$("$STATION" history --db "$db" 2>&1)
n=$((n + 1))
runs=$(grep -c -E 'PASS|FAIL|ERROR|ABORTED' <<<"$out")
if [ "$runs" -ge 26 ]; then echo "ok $n - history lists the stored runs ($runs)"; else echo "not ok $n - history lists $runs runs"; echo "$out" | head | sed 's/^/# /'; fi

# JUnit XML for nightly CI: valid XML, a failing step is a <failure>
"$STATION" run --confirm yes --model MDR-1000XM3 --serial N2 --plan nightly --db "$db" --fault eeprom-fail --quiet --junit "$tmp/n.xml" >/dev/null 2>&1
rc=$?
n=$((n + 1))
if [ "$rc" -eq 1 ] && python3 -c "
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
s = d.getElementsByTagName('testsuite')[0]
assert int(s.getAttribute('failures')) >= 1, s.toxml()
assert d.getElementsByTagName('failure')
" "$tmp/n.xml"; then echo "ok $n - --junit writes JUnit XML with the failing step"; else echo "not ok $n - --junit (exit $rc)"; fi
