#!/usr/bin/env bash
# nightly.sh - `station nightly`: 12 simulated nights of firmware builds on
# 3 golden units (virtual clock; the site's short nightly plan from an
# overlay, docs/nightly.md): unchanged builds pass (exit 0); a build that
# lowers ANC by 2 dB in the 500 Hz band on every unit is a regression
# naming that band (exit 1); a night where the bench's reference
# microphone gains 1.5 dB moves every unit together and is bench drift
# (exit 3), not a regression; a unit that keeps its old build is ERROR
# (exit 3) while the others are judged; bad builds and drifted nights stay
# out of later baselines; each golden unit keeps its own stable
# individuality; every JUnit file validates against tests/junit.xsd.
set -u
: "${STATION:?STATION must name the station binary}"
: "${STATION_DATA:?STATION_DATA must name the repository top}"
tmp=$(mktemp -d /tmp/st-nightly-$$.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
db="$tmp/nights.db"
xsd="$STATION_DATA/tests/junit.xsd"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }

# the site's nightly plan, shortened for the test (an overlay file, as a
# site would keep its own): identify (the UART's build), ANC, mics, assistant
export XDG_CONFIG_HOME="$tmp/xdg"
mkdir -p "$XDG_CONFIG_HOME/station/fixtures/plans"
cat >"$XDG_CONFIG_HOME/station/fixtures/plans/nightly-ci.plan" <<'EOF'
plan nightly-ci
description "Nightly regression, the acoustic checks only (CI)"
escalation off
retries 0
pass-disposition golden-ok
step identify
step anc on-fail continue
step mics on-fail continue
step assistant on-fail continue
EOF

# night N BUILD WANT_RC [station nightly options...]
night() {
	local num=$1 build=$2 want=$3 rc
	shift 3
	"$STATION" nightly --golden G1 G2 G3 --firmware "$build" --model WH-1000XM5 \
		--plan nightly-ci --db "$db" --confirm yes --captures "$tmp/cap" \
		--junit "$tmp/night$num.xml" "$@" >"$tmp/night$num.out" 2>"$tmp/night$num.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "night $num (build $build${*:+, $*}): exit $rc"
	else
		notok "night $num (build $build${*:+, $*}): exit $rc, want $want"
		sed 's/^/# /' "$tmp/night$num.out" "$tmp/night$num.err" | tail -12
	fi
	if xmllint --noout --schema "$xsd" "$tmp/night$num.xml" 2>"$tmp/xsd$num.err"; then
		ok "night $num: JUnit validates against tests/junit.xsd"
	else
		notok "night $num: JUnit does not validate"
		sed 's/^/# /' "$tmp/xsd$num.err" | head -5
	fi
}
has() { grep -q -- "$2" "$tmp/night$1.out"; }

# nights 1-5: the same build; the first starts the baselines
night 1 3.0.0 0
has 1 "no baseline yet" && ok "night 1 starts the baselines" || notok "night 1 says nothing of baselines"
for i in 2 3 4 5; do night $i 3.0.0 0; done
has 5 "nightly 3.0.0: no change$" && ok "an unchanged build: no change" || notok "night 5 is not 'no change'"
night 6 3.0.1 0

# night 7: the build lowers ANC by 2 dB in the 500 Hz band on every unit
night 7 3.1.0 1 --fault fw-anc:3.1.0:500:2
if has 7 "regression: anc/anc.active_db.L.500Hz" && has 7 "anc/anc.active_db.R.500Hz"; then
	ok "the regression names the 500 Hz band of both ears"
else
	notok "the regression does not name the 500 Hz band"
	sed 's/^/# /' "$tmp/night7.out" | tail -5
fi
if grep -q "regression" "$tmp/night7.out" && ! grep -q "bench suspect" "$tmp/night7.out" &&
	! grep -Eq "anc\.active_db\.[LR]\.(200|250|1000|2000)Hz" "$tmp/night7.out"; then
	ok "one band, not the bench, not the other bands"
else
	notok "night 7 blames more than the 500 Hz band"
fi
grep -q '<failure type="regression" message="regression: value .* baseline .* threshold 1 dB .* limits \[' \
	"$tmp/night7.xml" && ok "JUnit failure carries value, baseline, threshold and limits" ||
	notok "JUnit failure lacks value/baseline/threshold/limits"
[ "$(grep -c '<testsuite ' "$tmp/night7.xml")" = 3 ] && ok "one testsuite per golden unit" ||
	notok "not one testsuite per golden unit"
grep -q 'classname="golden.G2.anc" name="anc.active_db.R.500Hz"' "$tmp/night7.xml" &&
	ok "one testcase per ANC band" || notok "no testcase per ANC band"

# night 8: the next build is fine again: 3.1.0 stays out of the baseline
night 8 3.1.1 0

# night 9: the bench's reference microphone gains 1.5 dB: every unit moves
night 9 3.1.2 3 --fault bench-refmic:1.5
if has 9 "bench suspect: every golden unit moved together in anc.active_db.L" &&
	! has 9 "regression: "; then
	ok "reference mic +1.5 dB: bench drift named, not a regression"
else
	notok "night 9 is not reported as bench drift"
	sed 's/^/# /' "$tmp/night9.out" | tail -5
fi
grep -q 'type="bench-suspect"' "$tmp/night9.xml" && ! grep -q '<failure' "$tmp/night9.xml" &&
	ok "JUnit: bench suspect as errors, no failures" || notok "JUnit of the drift night"

# night 10: G2 keeps its old build (the flash failed): ERROR, never "no change"
night 10 3.1.3 3 --unit-fault G2=flash-fail
has 10 "golden unit G2: build 2.4.1, ERROR: reports build 2.4.1, not 3.1.3" &&
	ok "the unit that kept its old build is ERROR" || notok "the unflashed unit is not ERROR"
grep -q 'name="build check"><error type="ERROR"' "$tmp/night10.xml" ||
	grep -A1 'name="build check"' "$tmp/night10.xml" | grep -q '<error type="ERROR"' &&
	ok "JUnit: its build check is an error" || notok "JUnit: no error for the build check"
[ "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE firmware = '3.1.3'")" = 2 ] &&
	ok "the unflashed unit was not measured" || notok "the unflashed unit was measured"

night 11 3.1.4 0
night 12 3.1.5 0

# the same build again, the model taken from the units' stored runs: every
# unit's build is already in its baseline; no change
"$STATION" nightly --golden G1,G2,G3 --firmware 3.1.5 --plan nightly-ci --db "$db" --confirm yes \
	--quiet >"$tmp/again.out" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "nightly 3.1.5: no change" "$tmp/again.out" &&
	ok "the same build again, model from the store: no change" ||
	{ notok "the same build again: exit $rc"; sed 's/^/# /' "$tmp/again.out" | tail -3; }

# the store: outcomes per night, and what later baselines were made of
got=$(sqlite3 "$db" "SELECT group_concat(outcome, ' ') FROM (SELECT outcome FROM nightly ORDER BY id)")
want="no-change no-change no-change no-change no-change no-change regression no-change bench-suspect error no-change no-change no-change"
[ "$got" = "$want" ] && ok "12 nights (and the same build again) stored with their outcomes" || notok "stored outcomes: $got"
bad=$(sqlite3 "$db" "SELECT count(*) FROM nightly_changes c JOIN nightly_units u ON u.id = c.unit_id
	JOIN nightly n ON n.id = u.nightly_id WHERE n.firmware = '3.1.0' AND c.verdict = 'regression'
	AND c.name LIKE 'anc.active_db.%.500Hz'")
[ "$bad" = 6 ] && ok "the 500 Hz regression stored for 2 ears x 3 units" || notok "stored regressions: $bad"
grep -q "baseline of 5 builds" "$tmp/night12.out" && ok "night 12: a baseline of the last 5 good builds" ||
	notok "night 12's baseline is not 5 builds"

# individuality: each golden unit its own, and the same night after night
q() { sqlite3 "$db" "SELECT round(m.value, 4) FROM measurements m JOIN runs r ON r.id = m.run_id
	WHERE r.serial = '$1' AND r.firmware = '$2' AND m.name = 'anc.active_db.L.250Hz' LIMIT 1"; }
a1=$(q G1 3.0.0) a2=$(q G1 3.1.5) b1=$(q G2 3.0.0)
[ -n "$a1" ] && [ "$a1" = "$a2" ] && ok "a golden unit reads the same night after night ($a1 dB)" ||
	notok "G1 moved between nights ($a1, $a2)"
awk -v a="$a1" -v b="$b1" 'BEGIN { d = a - b; exit !(d > 0.02 || d < -0.02) }' &&
	ok "golden units differ from each other ($a1 vs $b1 dB)" || notok "G1 and G2 alike ($a1, $b1)"

# usage errors: exit 2, one line, before anything is measured
"$STATION" nightly --golden G1 --model WH-1000XM5 --db "$db" --confirm yes >/dev/null 2>"$tmp/u1" </dev/null
[ $? = 2 ] && [ "$(wc -l <"$tmp/u1")" = 1 ] && ok "no --firmware: usage error" || notok "no --firmware"
"$STATION" nightly --golden G1 --firmware 3.0.0 --model WH-1000XM5 --db "$db" >/dev/null 2>"$tmp/u2" </dev/null
[ $? = 2 ] && grep -q -- "--confirm yes" "$tmp/u2" && ok "unattended without --confirm yes: usage error" ||
	notok "unattended without --confirm yes"
"$STATION" nightly --golden 'G1;rm' --firmware 3.0.0 --model WH-1000XM5 --db "$db" --confirm yes \
	>/dev/null 2>&1 </dev/null
[ $? = 2 ] && ok "a serial outside the alphabet: usage error" || notok "hostile serial accepted"
"$STATION" nightly --golden G1 --firmware "$(printf '3.0\x1b[2J')" --model WH-1000XM5 --db "$db" \
	--confirm yes >/dev/null 2>&1 </dev/null
[ $? = 2 ] && ok "a build with a control character: usage error" || notok "hostile build accepted"
"$STATION" nightly --golden G1 G2 --firmware 3.0.0 --model WH-1000XM5 --db "$db" --confirm yes \
	--unit-fault G9=flash-fail >/dev/null 2>"$tmp/u5" </dev/null
[ $? = 2 ] && grep -q "not one of the --golden units" "$tmp/u5" &&
	ok "--unit-fault for a unit not in the night: usage error" || notok "--unit-fault G9 accepted"
echo "1..$n"
