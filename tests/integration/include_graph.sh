#!/usr/bin/env bash
# include_graph.sh - the include rules of station/ hold (tests/check_includes.py):
# no include cycle between folders, nothing outside station/sim/ includes a
# simulator header, every quoted include resolves.  Also proves the checker
# catches each kind of breakage on a throw-away tree.  TAP-style output.
set -u
top=${STATION_DATA:-$(cd "$(dirname "$0")/../.." && pwd)}
check="$top/tests/check_includes.py"
tmp=$(mktemp -d /tmp/st-incl-$$-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; shift; printf '# %s\n' "$@"; }

out=$(/usr/bin/python3 "$check" "$top/station" 2>&1)
[ $? -eq 0 ] && ok "station/: no include cycle between folders, no simulator header outside sim/" ||
	notok "station/: include rules broken" "$out"

# a throw-away tree the checker must refuse: case NAME WANT (files made by the caller)
expect_refused() {
	local name=$1 want=$2 out rc
	out=$(/usr/bin/python3 "$check" "$tmp/$name" 2>&1); rc=$?
	if [ $rc -eq 1 ] && grep -q -- "$want" <<<"$out"; then
		ok "checker refuses $name ($(head -1 <<<"$out" | sed "s|$tmp/||g"))"
	else
		notok "checker refuses $name" "rc $rc" "$out"
	fi
}

mkdir -p "$tmp/cycle/core" "$tmp/cycle/seq" "$tmp/cycle/store"
echo '#include "seq/seq.h"' >"$tmp/cycle/core/st.h"
echo '#include "../store/store.h"' >"$tmp/cycle/seq/seq.h"
echo '#include "core/st.h"' >"$tmp/cycle/store/store.h"
expect_refused cycle "include cycle between folders core, seq, store"

mkdir -p "$tmp/simhdr/sim" "$tmp/simhdr/measure"
echo '#define X 1' >"$tmp/simhdr/sim/acoustic.h"
printf '#include "measure.h"\n#include "sim/acoustic.h"\n' >"$tmp/simhdr/measure/measure.c"
echo '' >"$tmp/simhdr/measure/measure.h"
expect_refused simhdr "measure/measure.c:2: includes simulator header"

mkdir -p "$tmp/missing/plan"
echo '#include "plan/nope.h"' >"$tmp/missing/plan/plan.c"
expect_refused missing "resolves to no file"

mkdir -p "$tmp/fine/core" "$tmp/fine/sim"
echo '' >"$tmp/fine/core/st.h"
echo '#include "core/st.h"' >"$tmp/fine/sim/headset.h"
out=$(/usr/bin/python3 "$check" "$tmp/fine" 2>&1)
[ $? -eq 0 ] && ok "checker accepts sim including the core" || notok "checker accepts sim including the core" "$out"
