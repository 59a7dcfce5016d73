#!/usr/bin/env bash
# hold_ceiling.sh - the bench's ceiling on holds is independent of the
# editable model file (issue 9, item 11): a WH-1000XM5 model file edited to
# max-hold 600 s with its hazard lines deleted is refused when the
# in-process bench opens (station-v1.fixture says 60 s), exit 2, both
# limits named with their files; nothing is held and nothing is stored.
# A fixture file with a lower per-channel ceiling refuses the shipped model.
set -u
: "${STATION:?}" "${STATION_DATA:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

# a data directory like the shipped one, with its own copy of the models
# and benches
D=$T/data
mkdir -p "$D/fixtures"
for f in "$STATION_DATA"/*; do
	[ "$(basename "$f")" = fixtures ] || ln -s "$f" "$D/$(basename "$f")"
done
for f in "$STATION_DATA"/fixtures/*; do
	case $(basename "$f") in
	models | benches) cp -r "$f" "$D/fixtures/" ;;
	*) ln -s "$f" "$D/fixtures/$(basename "$f")" ;;
	esac
done
sed -i 's/^max-hold .*/max-hold 600/; /^hazard/d' "$D/fixtures/models/WH-1000XM5.model"

out=$(STATION_DATA=$D "$STATION" run --model WH-1000XM5 --serial CEIL1 --plan reset-soft \
	--db "$T/db" 2>&1)
rc=$?
[ $rc -eq 2 ] && ok "model with max-hold 600 s on a 60 s bench: refused, exit 2" ||
	{ notok "model with max-hold 600 s: exit $rc, want 2"; echo "$out" | sed 's/^/# /'; }
echo "$out" | grep -q 'max-hold 600.0 s' && echo "$out" | grep -q 'ceiling of 60.0 s' &&
	echo "$out" | grep -q 'station-v1.fixture:[0-9]' && echo "$out" | grep -q 'WH-1000XM5.model' &&
	ok "the refusal names both limits and where each is written" ||
	{ notok "the refusal names both limits"; echo "$out" | sed 's/^/# /'; }
[ "$(echo "$out" | wc -l)" -eq 1 ] && ok "the refusal is one line" || notok "the refusal is one line"
echo "$out" | grep -q '^\[.*hold POWER' && notok "a hold was started" || ok "nothing was held"

# a per-channel ceiling below the shipped model's 12.3 s max-hold
awk '/^model / { m = $2 } m == "WH-1000XM5" && $1 == "channel" && $3 == "POWER" { $0 = $0 " max-hold 10" } { print }' \
	"$STATION_DATA/fixtures/benches/station-v1.fixture" >"$D/fixtures/benches/station-v1.fixture"
cp "$STATION_DATA/fixtures/models/WH-1000XM5.model" "$D/fixtures/models/"
out=$(STATION_DATA=$D "$STATION" run --model WH-1000XM5 --serial CEIL2 --plan reset-soft \
	--no-db 2>&1)
rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q 'ceiling of 10.0 s' && echo "$out" | grep -q 'POWER' &&
	ok "a channel's own max-hold 10 s refuses the shipped model (12.3 s)" ||
	{ notok "a channel's own max-hold: exit $rc"; echo "$out" | sed 's/^/# /'; }
# the other models on that file still run
STATION_DATA=$D "$STATION" run --model WH-1000XM4 --serial CEIL3 --plan reset-soft --no-db --confirm yes \
	>/dev/null 2>&1
rc=$?
[ $rc -eq 0 ] && ok "a model within every ceiling still runs" || notok "WH-1000XM4: exit $rc"
exit 0
