#!/usr/bin/env bash
# dispositions.sh - docs/dispositions.md holds exactly the table `station
# dispositions --markdown` prints from the sequencer's data, so the page
# cannot drift from what runs store; every plan's pass-disposition is a
# disposition the table knows; `station dispositions NAME` shows one and
# refuses an unknown name.  TAP lines "ok - name".
set -u
: "${STATION:?}" "${STATION_DATA:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }

doc=$STATION_DATA/docs/dispositions.md
sed -n '/^<!-- station dispositions --markdown -->$/,/^<!-- end of station dispositions --markdown -->$/p' "$doc" |
	sed '1d;$d' >"$T/doc.md"
"$STATION" dispositions --markdown >"$T/data.md" 2>&1
if [ -s "$T/doc.md" ] && diff -u "$T/doc.md" "$T/data.md" >"$T/diff"; then
	ok "docs/dispositions.md is the table station dispositions --markdown prints"
else
	nok "docs/dispositions.md is the table station dispositions --markdown prints" \
		"regenerate the table between the markers with: station dispositions --markdown" \
		"$(head -20 "$T/diff")"
fi

rows=$(grep -c '^| `' "$T/data.md")
[ "$rows" -ge 15 ] && ok "the table has a row per stored disposition ($rows)" ||
	nok "the table has a row per stored disposition" "$rows rows"

bad=
for p in "$STATION_DATA"/fixtures/plans/*.plan; do
	d=$(awk '$1 == "pass-disposition" {print $2}' "$p")
	[ -z "$d" ] && continue
	"$STATION" dispositions "$d" >/dev/null 2>&1 || bad="$bad $(basename "$p"):$d"
done
[ -z "$bad" ] && ok "every plan's pass-disposition is in the table" ||
	nok "every plan's pass-disposition is in the table" "unknown:$bad"

out=$("$STATION" dispositions fixed-by-soft-then-bluetooth 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == fixed-by-RUNG* && $out == *"do: "* ]] &&
	ok "dispositions NAME shows one, fixed-by-RUNG for any rung" ||
	nok "dispositions NAME shows one, fixed-by-RUNG for any rung" "$out"
out=$("$STATION" dispositions service-anc 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == service-anc* && $out != *service-centre* ]] &&
	ok "dispositions service-anc shows its rows only" || nok "dispositions service-anc shows its rows only" "$out"
out=$("$STATION" dispositions 'no-such' 2>&1); rc=$?
[ $rc -eq 2 ] && [[ $out == *"no disposition 'no-such'"* ]] &&
	ok "an unknown disposition: exit 2" || nok "an unknown disposition: exit 2" "rc $rc" "$out"
