#!/usr/bin/env bash
# seq_store.sh - `station run` when the database fails mid-run (an SQLite
# trigger refuses measurement rows, as a full disk would): the run ends
# ERROR (exit 3) naming the store, says it was not stored, and the
# database holds no PASS for it.
set -u
: "${STATION:?STATION must name the station binary}"
tmp=$(mktemp -d /tmp/st-seqstore-$$.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/runs.db"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; }

"$STATION" run --model WH-1000XM5 --serial S0 --plan repair --db "$db" >"$tmp/first.log" 2>&1 &&
	ok "a healthy run is stored" || notok "a healthy run is stored ($(tail -1 "$tmp/first.log"))"
sqlite3 "$db" "CREATE TRIGGER full BEFORE INSERT ON measurements BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
"$STATION" run --model WH-1000XM5 --serial S1 --plan repair --db "$db" >"$tmp/out.log" 2>"$tmp/err.log"
rc=$?
[ "$rc" -eq 3 ] && ok "store failing mid-run: exit 3 (ERROR)" || notok "store failing mid-run: exit $rc, want 3"
grep -q "ERROR: station fault while storing the run: .*$db.*disk is full" "$tmp/out.log" &&
	ok "the run ends ERROR at the failure, naming the store" ||
	{ notok "no ERROR naming the store"; sed 's/^/# /' "$tmp/out.log" | tail -5; }
grep -q "$db.*not stored" "$tmp/err.log" && ok "the run is reported as not stored" ||
	{ notok "not reported as not stored"; sed 's/^/# /' "$tmp/err.log"; }
[ "$(grep -c 'key test: press' "$tmp/out.log")" -eq 0 ] && ok "nothing pressed after the failure" ||
	notok "controls pressed after the store failed"
passes=$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE serial = 'S1' AND outcome = 'PASS'")
[ "${passes:-1}" = 0 ] && ok "the database holds no PASS for it" || notok "database says PASS ($passes)"
