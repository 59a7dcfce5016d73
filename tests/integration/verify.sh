#!/usr/bin/env bash
# verify.sh - seed 001's verification protocol and the seeds' operator
# rules, through the real binary on the in-process simulated bench (virtual
# clock):
#   - `station run --plan reset-factory --json` on every model with a
#     factory reset shows the four verification tests as measurements after
#     the reset (bt.name_suffix + bt.addr_fresh, assistant.latency_s,
#     anc.rampup_s, battery.drain_deviation_pct + battery.report_jump_pct);
#   - a healthy XM3/XM4 factory reset PASSes (the `any` LED colour) and the
#     MDR-1000X's feedback latency excludes its 12 s hold;
#   - the backup question before a factory reset and the XM3/XM4 surface
#     rule: refused without an operator, assumed with --confirm yes;
#   - the relearn window: ANC is not judged within 72 h of the unit's last
#     stored factory reset;
#   - `station plans` shows each plan's bench time.
set -u
: "${STATION:?STATION must name the station binary}"
T=$(mktemp -d /tmp/verify.$$.XXXXXX)
trap 'rm -rf "$T"' EXIT
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

# ---- the four tests after every factory reset ---------------------------------
"$STATION" models | sed -n '2,$p' | grep -v '^(' |
	sed -E 's/^(.*[^ ]) +(headphones|earbuds) +([a-z-]+) +([a-z-]+) +([a-z-]+) *$/\1|\5/' >"$T/models"
while IFS='|' read -r model factory; do
	[ "$factory" = - ] && continue
	"$STATION" run --model "$model" --serial "V-${model// /}" --plan reset-factory --no-db --json \
		--confirm yes >"$T/run.json" 2>"$T/err"
	rc=$?
	cp "$T/run.json" "$T/rf-${model// /}.json"    # read again below
	# measurements of the step after "reset factory"
	after=$(awk '/"step":"verify full"/ && /"event":"measurement"/' "$T/run.json")
	missing=
	for m in bt.name_suffix bt.addr_fresh assistant.latency_s anc.rampup_s \
		battery.drain_deviation_pct battery.report_jump_pct; do
		grep -q "\"name\":\"$m\"" <<<"$after" || missing="$missing $m"
	done
	if [ $rc -eq 0 ] && [ -z "$missing" ]; then
		ok "$model reset-factory: PASS, the four verification tests measured after the reset"
	else
		notok "$model reset-factory: exit $rc, missing:${missing:- none} $(head -c 200 "$T/err")"
	fi
done <"$T/models"

# ---- seeds defects that shipped: XM3/XM4 `any` LED, MDR-1000X latency ---------
# (read from the factory resets above: the same runs, not run again)
for m in WH-1000XM3 WH-1000XM4; do
	end=$(grep '"event":"run-end"' "$T/rf-$m.json" 2>/dev/null)
	grep -q '"verdict":"PASS"' <<<"$end" && ok "$m factory reset PASSes (LED 'any' is a wildcard)" ||
		notok "$m factory reset: ${end:-no run-end event}"
done
lat=$(grep '"name":"led.feedback_latency_s"' "$T/rf-MDR-1000X.json" 2>/dev/null |
	sed -n 's/.*"value":\([0-9.]*\),.*/\1/p' | head -1)
if [ -n "$lat" ] && awk -v l="$lat" 'BEGIN { exit !(l < 3) }'; then
	ok "MDR-1000X feedback latency $lat s counts from the 12 s hold's end, not the press"
else
	notok "MDR-1000X feedback latency '$lat' (was 12.05 s counted from the press)"
fi

# ---- operator rules ---------------------------------------------------------------
out=$("$STATION" run --model WH-1000XM5 --serial BK1 --plan reset-factory --no-db --audio none </dev/null 2>&1)
rc=$?
if [ $rc -eq 4 ] && grep -q "back-up-settings-first" <<<"$out"; then
	ok "backup: a factory reset with nobody to confirm the backup is refused (ABORTED)"
else
	notok "backup: exit $rc $(grep -m1 -E 'disposition' <<<"$out")"
fi
out=$("$STATION" run --model WH-1000XM5 --serial BK2 --plan reset-factory --no-db --audio none --confirm yes 2>&1)
if grep -q "^PASS" <<<"$out" && grep -q "assumed yes.*backed up" <<<"$out"; then
	ok "backup: --confirm yes records the backup as assumed and the reset runs"
else
	notok "backup: --confirm yes: $(grep -m1 -E 'FAIL|ABORT|reason' <<<"$out")"
fi
out=$("$STATION" run --model WH-1000XM4 --serial SF1 --plan reset-soft --no-db --audio none </dev/null 2>&1)
rc=$?
if [ $rc -eq 4 ] && grep -q "remove-from-head" <<<"$out"; then
	ok "surface: an XM4 reset with nobody to confirm the surface rule is refused"
else
	notok "surface: exit $rc $(grep -m1 disposition <<<"$out")"
fi
out=$("$STATION" run --model WH-1000XM5 --serial SF2 --plan reset-soft --no-db --audio none </dev/null 2>&1)
grep -q "^PASS" <<<"$out" && ok "surface: not asked of an XM5 (its wear sensor does not abort resets)" ||
	notok "surface: XM5 soft reset: $(grep -m1 -E 'reason' <<<"$out")"

# ---- relearn window ---------------------------------------------------------------
db="$T/runs.db"
"$STATION" run --model WH-1000XM5 --serial RL1 --plan reset-factory --db "$db" --confirm yes --audio none >/dev/null 2>&1
out=$("$STATION" run --model WH-1000XM5 --serial RL1 --plan triage --db "$db" --confirm yes --json 2>&1)
if grep -q "relearn window" <<<"$out" && grep -q '"name":"anc.active_db.L.250Hz"' <<<"$out" &&
	! grep '"name":"anc.active_db' <<<"$out" | grep -vq '"verdict":"SKIP"'; then
	ok "relearn: ANC measured but not judged within 72 h of the unit's stored factory reset"
else
	notok "relearn: $(grep -m1 -E 'relearn|anc' <<<"$out" | cut -c1-200)"
fi
out=$("$STATION" run --model WH-1000XM5 --serial RL2 --plan triage --db "$db" --confirm yes --json 2>&1)
if ! grep -q "relearn window" <<<"$out" && grep '"name":"anc.active_db.L.250Hz"' <<<"$out" | grep -q '"verdict":"PASS"'; then
	ok "relearn: another serial's ANC is judged against the masks"
else
	notok "relearn: other serial: $(grep -m1 -E 'relearn|anc.active_db.L.250Hz' <<<"$out" | cut -c1-200)"
fi

# ---- bench time -------------------------------------------------------------------
plans=$("$STATION" plans)
if grep -Eq '^reset-factory +~[0-9]h[0-9]{2}' <<<"$plans" && grep -Eq '^repair +~[0-9]+m ' <<<"$plans"; then
	ok "station plans shows each plan's bench time ($(grep '^reset-factory' <<<"$plans" | awk '{print $2}') for reset-factory)"
else
	notok "station plans: $(head -3 <<<"$plans")"
fi
