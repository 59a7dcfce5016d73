#!/usr/bin/env bash
# open_ear.sh - ANC judged as total attenuation: the open-ear reference
# through the real binary on the in-process simulated bench (virtual clock).
#   - the default simulated bench lifts the unit off the fixture inside the
#     anc step: active, passive and total judged against their masks, and
#     the output says which masks the step judges;
#   - a bench file with `open-ear calibration` uses `station calibrate`'s
#     stored reference (per bench, date and sha256): fresh -> PASS with the
#     reference named; stale, missing, altered or malformed -> the station's
#     ERROR (exit 3, disposition retest), never a FAIL of the unit;
#   - `station calibrate` asks for the headset to be off the fixture and
#     refuses with nobody to answer; its file's sha256 is the SHA-256 of the
#     text above the sha256 line.
# (The JACK bench path: tests/integration/jack_repair.sh.)
set -u
: "${STATION:?STATION must name the station binary}"
T=$(mktemp -d /tmp/open_ear.$$.XXXXXX)
trap 'rm -rf "$T"' EXIT
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }
check() { # NAME COND-EXIT-STATUS DETAIL
	if [ "$2" -eq 0 ]; then ok "$1"; else notok "$1: $(head -c 300 <<<"$3")"; fi
}

# a site plan that measures ANC and nothing else
mkdir -p "$T/xdg/station/fixtures/plans"
printf 'plan anc-only\ndescription "ANC only"\nescalation off\nretries 0\npass-disposition no-fault-found\nstep identify\nstep anc\n' \
	>"$T/xdg/station/fixtures/plans/anc-only.plan"
export XDG_CONFIG_HOME=$T/xdg

# ---- the simulated bench lifts the unit itself -----------------------------------
for m in WH-1000XM5 WF-1000XM5; do
	out=$("$STATION" run --model "$m" --serial "OE-$m" --plan anc-only --no-db --verbose 2>&1)
	rc=$?
	bad=0
	[ $rc -eq 0 ] || bad=1
	grep -q "open-ear reference: captured in this step.*judging anc.active_db, anc.passive_db, anc.total_db" <<<"$out" || bad=1
	for k in active passive total; do
		[ "$(grep -cE "anc\.${k}_db\.[LR]\.[0-9]+Hz .* PASS" <<<"$out")" -ge 40 ] || bad=1
	done
	check "$m: anc judges active, passive and total, the open ear captured in the step" $bad "exit $rc $(grep -E 'FAIL|reason' <<<"$out")"
done

# ---- a bench that needs its calibration --------------------------------------------
printf 'open-ear calibration\n' >"$T/cal.audio"                                # valid 24 h
printf 'open-ear calibration\nopen-ear-max-age 0.0003\n' >"$T/stale.audio"    # about 1 s
"$STATION" calibrate --model WH-1000XM5 --bench "$T/cal.audio" --calibration "$T/cal" </dev/null >"$T/c0" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "nobody to confirm the headset is off" "$T/c0" && [ ! -e "$T/cal/cal.cal" ]
check "calibrate refuses with nobody to confirm the headset is off (exit 2, nothing stored)" $? "exit $rc $(cat "$T/c0")"

run_cal() { # SERIAL CAL-DIR [BENCH] -> $T/out, rc in $rc
	"$STATION" run --model WH-1000XM5 --serial "$1" --plan anc-only --no-db --verbose --bench "$T/${3:-cal}.audio" \
		--calibration "$2" >"$T/out" 2>&1
	rc=$?
}

"$STATION" calibrate --model WH-1000XM5 --bench "$T/cal.audio" --calibration "$T/cal" --confirm yes >"$T/c1" 2>&1 &&
	run_cal C1 "$T/cal"
want=$(head -n -1 "$T/cal/cal.cal" | sha256sum | cut -c1-64)
[ "$rc" -eq 0 ] && grep -q "assumed yes, not seen (--confirm yes): Take the headset off" "$T/c1" &&
	[ "$(tail -1 "$T/cal/cal.cal")" = "sha256 $want" ] &&
	grep -q "^taken 20[0-9-]*T[0-9:]*Z [0-9]*$" "$T/cal/cal.cal" &&
	grep -q "open-ear reference: calibration of bench cal taken .* sha256 ${want:0:16}" "$T/out" &&
	grep -Eq "anc\.total_db\.L\.1000Hz +3[0-9.]+ dB .* PASS" "$T/out" &&
	grep -Eq "anc\.passive_db\.L\.1000Hz +1[5-8][0-9.]* dB .* PASS" "$T/out"
check "calibrated bench: stored with date and sha256, total and passive judged against it (PASS)" $? "exit $rc $(cat "$T/c1" "$T/out" | grep -E 'open|FAIL|reason|sha')"

"$STATION" calibrate --model WH-1000XM5 --bench "$T/stale.audio" --calibration "$T/cal" --confirm yes >/dev/null 2>&1
sleep 2
run_cal C2 "$T/cal" stale
[ $rc -eq 3 ] && grep -q "^ERROR" "$T/out" && grep -q "disposition: retest" "$T/out" &&
	grep -q "open-ear calibration of bench stale is .* h old .*outside its 0.0003 h: run station calibrate" "$T/out"
check "a stale calibration is the station's ERROR (retest), not a FAIL" $? "exit $rc $(tail -3 "$T/out")"

run_cal C3 "$T/nowhere"
[ $rc -eq 3 ] && grep -q "disposition: retest" "$T/out" && grep -q "unusable: .*no such file" "$T/out"
check "a missing calibration is the station's ERROR" $? "exit $rc $(tail -3 "$T/out")"

sed -i 's/^band left 1000 -6\.[0-9]*/band left 1000 -3.000000/' "$T/cal/cal.cal"
run_cal C4 "$T/cal"
[ $rc -eq 3 ] && grep -q "sha256 does not match the file's text" "$T/out"
check "an edited calibration (sha256) is the station's ERROR" $? "exit $rc $(tail -3 "$T/out")"

printf 'bench cal\nrm -rf /\n' >"$T/cal/cal.cal"
run_cal C5 "$T/cal"
[ $rc -eq 3 ] && grep -q "cal.cal:2:1: unexpected line" "$T/out"
check "a malformed calibration names file:line" $? "exit $rc $(tail -3 "$T/out")"

printf 'open-ear sometimes\n' >"$T/bad.audio"
"$STATION" check "$T/bad.audio" >"$T/c2" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q "bad.audio:1:10: open-ear is auto, lift or calibration" "$T/c2"
check "a bench file's open-ear keyword is checked (file:line:col)" $? "exit $rc $(cat "$T/c2")"

# ---- station doctor reports the bench's calibration ------------------------------
"$STATION" doctor --db "$T/d/x.db" --bench "$T/cal.audio" --audio sim >"$T/d0" 2>&1
mkdir -p "$T/d"
"$STATION" calibrate --model WH-1000XM5 --bench "$T/cal.audio" --db "$T/d/x.db" --confirm yes >/dev/null 2>&1
"$STATION" doctor --db "$T/d/x.db" --bench "$T/cal.audio" --audio sim >"$T/d1" 2>&1
grep -q "^FAIL calibration .*no such file (run station calibrate --bench cal)" "$T/d0" &&
	grep -q "^OK   calibration open-ear calibration of bench cal taken .* valid 24 h" "$T/d1"
check "station doctor: FAIL without the bench's calibration, OK with a fresh one" $? "$(grep calibration "$T/d0" "$T/d1")"
