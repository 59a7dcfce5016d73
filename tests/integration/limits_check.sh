#!/usr/bin/env bash
# limits_check.sh - `station limits check` and `station limits show` on the
# shipped limit files and on broken ones.  TAP-style "ok - name" lines.
# Env: STATION (binary), STATION_DATA (repo root).
set -u
STATION=${STATION:-build/station}
DATA=${STATION_DATA:-.}
tmp=$(mktemp -d /tmp/st-limits-it.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; for l in "$@"; do printf "%s\n" "$l" | sed "s/^/# /"; done; }

# 1. every shipped file passes, with the ok line
for f in "$DATA"/limits/*.lim; do
	n=$((n + 1))
	out=$("$STATION" limits check "$f" 2>&1); rc=$?
	if [ "$rc" -eq 0 ] && echo "$out" | grep -Eq "^$f: ok \([0-9]+ limits, [0-9]+ masks, sha256 [0-9a-f]{64}\)$"; then
		ok "check $(basename "$f")"
	else
		notok "check $(basename "$f")" "rc $rc" "$out"
	fi
done
[ "$n" -ge 13 ] && ok "13 shipped files (11 models, defaults, earbuds)" || notok "13 shipped files" "found $n"

# 2. all of them at once, with a firmware version
out=$("$STATION" limits check "$DATA"/limits/*.lim --firmware 2.2.0 2>&1); rc=$?
[ "$rc" -eq 0 ] && [ "$(echo "$out" | grep -c ': ok (')" -eq "$n" ] &&
	ok "check all with --firmware" || notok "check all with --firmware" "rc $rc" "$out"

# 3. a bad file: one file:line:col line per problem, exit 2
cat >"$tmp/bad.lim" <<'LIM'
# broken on purpose
limit a.s range 5 3 unit s
limit b.s min 1 unit sec
  frob
mask m.db unit dB
	100 1 -
	100 2 -
end
include "missing.lim"
LIM
out=$("$STATION" limits check "$tmp/bad.lim" 2>&1 >/dev/null); rc=$?
want="$tmp/bad.lim:2:19: low 5 > high 3
$tmp/bad.lim:3:22: unknown unit 'sec' (known: s ms us dB deg % count bool V Hz)
$tmp/bad.lim:4:3: unknown keyword 'frob' (limit mask regress include firmware end)
$tmp/bad.lim:7:2: frequency 100 Hz is not above the previous point's 100 Hz
$tmp/bad.lim:9:9: include \"missing.lim\": $tmp/missing.lim: No such file or directory"
if [ "$rc" -eq 2 ] && [ "$out" = "$want" ]; then
	ok "bad file: file:line:col per error, exit 2"
else
	notok "bad file: file:line:col per error, exit 2" "rc $rc" "got:" "$out" "want:" "$want"
fi

# 4. an error inside an included file names the includer
printf 'limit x.s max 1\nlimit y.s max zz\n' >"$tmp/inc.lim"
printf 'include inc.lim\n' >"$tmp/top.lim"
out=$("$STATION" limits check "$tmp/top.lim" 2>&1); rc=$?
[ "$rc" -eq 2 ] && [ "$out" = "$tmp/inc.lim:2:15: bad number 'zz' (included from $tmp/top.lim:1)" ] &&
	ok "error in an include" || notok "error in an include" "rc $rc" "$out"

# 5. include cycle
printf 'include b.lim\n' >"$tmp/a.lim"
printf 'include a.lim\n' >"$tmp/b.lim"
out=$("$STATION" limits check "$tmp/a.lim" 2>&1); rc=$?
[ "$rc" -eq 2 ] && echo "$out" | grep -q "^$tmp/b.lim:1:9: include \"a.lim\": include cycle: " &&
	ok "include cycle" || notok "include cycle" "rc $rc" "$out"

# 6. garbage and a truncated file never crash (exit 0 or 2, nothing else)
head -c 20000 /dev/urandom >"$tmp/random.lim"
head -c 1234 "$DATA/limits/defaults.lim" >"$tmp/cut.lim"
for f in "$tmp/random.lim" "$tmp/cut.lim" /dev/null; do
	"$STATION" limits check "$f" >/dev/null 2>&1; rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 2 ] && ok "no crash on $(basename "$f")" ||
		notok "no crash on $(basename "$f")" "rc $rc"
done

# 7. missing file, bad firmware, usage
"$STATION" limits check "$tmp/none.lim" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok "missing file exits 2" || notok "missing file exits 2" "rc $rc"
"$STATION" limits check "$DATA/limits/defaults.lim" --firmware latest >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok "bad --firmware exits 2" || notok "bad --firmware exits 2" "rc $rc"
"$STATION" limits >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok "no sub-command exits 2" || notok "no sub-command exits 2" "rc $rc"

# 8. show: the firmware block of MDR-1000XM4 applies below 2.3.1 only
out=$("$STATION" limits show MDR-1000XM4 --firmware 2.2.0 2>&1); rc=$?
[ "$rc" -eq 0 ] && echo "$out" | grep -E '^control.presses_to_register ' | grep -q 'MDR-1000XM4.lim:' &&
	ok "show MDR-1000XM4 firmware 2.2.0 uses the firmware block" ||
	notok "show MDR-1000XM4 firmware 2.2.0" "rc $rc" "$out"
out=$("$STATION" limits show MDR-1000XM4 --firmware 2.3.1 2>&1); rc=$?
[ "$rc" -eq 0 ] && echo "$out" | grep -E '^control.presses_to_register ' | grep -q 'defaults.lim:' &&
	ok "show MDR-1000XM4 firmware 2.3.1 uses defaults" ||
	notok "show MDR-1000XM4 firmware 2.3.1" "rc $rc" "$out"
out=$("$STATION" limits show "LinkBuds S" 2>&1); rc=$?
[ "$rc" -eq 0 ] && echo "$out" | grep -E '^battery.min_pct ' | grep -q '>= 20 .*earbuds.lim:' &&
	ok "show LinkBuds S: battery 20 % from earbuds.lim" || notok "show LinkBuds S" "rc $rc" "$out"

# 9. issue 9 item 5: a limit file without what the safety gates and steps
# judge by fails check naming each missing one, and a run refuses it before
# it starts (it used to end ABORTED blaming the unit: "battery 80 % is below
# the 10 % minimum").
grep -v '^limit battery.min_pct' "$DATA/limits/defaults.lim" >"$tmp/nobat.lim"
out=$("$STATION" limits check "$tmp/nobat.lim" 2>&1); rc=$?
last=$(wc -l <"$tmp/nobat.lim")
[ "$rc" -eq 2 ] && [ "$out" = "$tmp/nobat.lim:$last:1: no limit 'battery.min_pct', which the battery gate judges by (limits/defaults.lim has one: include it)" ] &&
	ok "check: a file without battery.min_pct fails, naming it" ||
	notok "check: a file without battery.min_pct fails" "rc $rc" "$out"
: >"$tmp/empty.lim"
out=$("$STATION" limits check "$tmp/empty.lim" 2>&1); rc=$?
[ "$rc" -eq 2 ] && [ "$(grep -c "^$tmp/empty.lim:1:1: no " <<<"$out")" -ge 14 ] &&
	ok "check: a file with no limits at all fails" || notok "check: empty file" "rc $rc" "$out"
out=$("$STATION" run --model WH-1000XM5 --serial NOBAT1 --plan repair --no-db --limits "$tmp/nobat.lim" 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "no limit 'battery.min_pct'" <<<"$out" && ! grep -q "below the" <<<"$out" &&
	ok "run --limits without battery.min_pct refuses to start (exit 2), blames no unit" ||
	notok "run --limits without battery.min_pct" "rc $rc" "$out"
# the same through the model lookup: a data directory whose defaults lack it
mkdir -p "$tmp/data/limits"
cp -r "$DATA/fixtures" "$tmp/data/"
cp "$tmp/nobat.lim" "$tmp/data/limits/defaults.lim"
out=$(STATION_DATA="$tmp/data" "$STATION" run --model WH-1000XM5 --serial NOBAT2 --plan repair --no-db 2>&1); rc=$?
[ "$rc" -eq 2 ] && grep -q "defaults.lim:$last:1: no limit 'battery.min_pct'" <<<"$out" &&
	ok "run with a model whose resolved limits lack battery.min_pct refuses to start" ||
	notok "run with defaults lacking battery.min_pct" "rc $rc" "$out"
# a per-model file is checked as a run resolves it: with its includes
printf 'include %s/limits/defaults.lim\nlimit battery.min_pct min 30 unit %%\n' "$DATA" >"$tmp/XY-1.lim"
out=$("$STATION" limits check "$tmp/XY-1.lim" 2>&1); rc=$?
[ "$rc" -eq 0 ] && ok "check: a per-model file resolved with its defaults passes" ||
	notok "check: per-model file with its defaults" "rc $rc" "$out"

# 10. `station check` takes every kind of data file
out=$("$STATION" check "$DATA"/limits/*.lim "$DATA"/fixtures/models/*.model "$DATA"/fixtures/plans/*.plan \
	"$DATA"/fixtures/benches/*.audio "$DATA"/fixtures/benches/*.fixture 2>&1); rc=$?
[ "$rc" -eq 0 ] && ! grep -qv ': ok$' <<<"$out" && ok "station check: every shipped data file is ok" ||
	notok "station check: every shipped data file" "rc $rc" "$out"
out=$("$STATION" check "$tmp/nobat.lim" "$DATA/limits/defaults.lim" 2>/dev/null); rc=$?
[ "$rc" -eq 2 ] && [ "$out" = "$DATA/limits/defaults.lim: ok" ] &&
	ok "station check: a bad file exits 2, the good one is ok" || notok "station check: mixed" "rc $rc" "$out"
