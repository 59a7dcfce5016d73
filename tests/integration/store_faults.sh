#!/usr/bin/env bash
# store_faults.sh - the result store checks itself and reports every
# failure: a corrupt database (PRAGMA quick_check fails) is refused by run
# and history with exit 2 and left untouched; a schema version of -1 gets a
# clear message; a disk that fills mid-run ends the run with exit 3 naming
# the full disk, keeps every run stored before it readable, and `history`
# still opens the database (a real 1 MiB tmpfs; skipped when mounting is
# not permitted).
set -u
: "${STATION:?}"
tmp=$(mktemp -d)
mnt=
cleanup() {
	[ -n "$mnt" ] && umount "$mnt" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
fails=0
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | head -5 | sed 's/^/# /'; fails=$((fails + 1)); }
one_line() { [ "$(printf '%s\n' "$1" | wc -l)" -eq 1 ] && [ -n "$1" ]; }
# captures elsewhere: verify's assistant capture alone would fill the tiny disk.
# Runs that only fill a database or meet a refused one need no acoustics
# (--audio none: each costs milliseconds, not seconds, and under the
# sanitizers tens of seconds); the run the disk fills under (D3) has them.
run() { "$STATION" run --model WH-1000XM5 --plan reset-soft --quiet --audio none --captures "$tmp/caps" "$@"; }

# --- a corrupt database ---
for i in 1 2 3 4 5 6; do run --serial C$i --db c.db >/dev/null 2>&1; done
sqlite3 c.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
# garble every page but the first: the header and schema page stay readable
size=$(stat -c %s c.db)
/usr/bin/python3 - "$size" <<'PY'
import sys
size = int(sys.argv[1])
with open("c.db", "r+b") as f:
    for off in range(4096, size, 4096):
        f.seek(off + 8)
        f.write(b"\xa5" * 200)
PY
sum=$(sha256sum c.db)
err=$(run --serial C7 --db c.db 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && one_line "$err" && [[ $err == *corrupt* ]] && [[ $err == *c.db* ]]; then
	ok "run on a corrupt database: exit 2, one line naming it corrupt"
else nok "run on a corrupt database (rc $rc)" "$err"; fi
err=$("$STATION" history --db c.db 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [[ $err == *corrupt* ]]; then ok "history on a corrupt database: exit 2"
else nok "history on a corrupt database (rc $rc)" "$err"; fi
[ "$(sha256sum c.db)" = "$sum" ] && ok "the corrupt database is left untouched" ||
	nok "the corrupt database was changed"

# --- a schema version below 0 ---
run --serial V1 --db v.db >/dev/null 2>&1
sqlite3 v.db "PRAGMA user_version = -1"
err=$(run --serial V2 --db v.db 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && one_line "$err" && [[ $err == *"schema version -1"* ]] &&
   [[ $err != *schema_migrations* ]]; then ok "user_version -1: exit 2 with a clear message"
else nok "user_version -1 (rc $rc)" "$err"; fi

# --- a disk that fills mid-run ---
mnt=$tmp/disk
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=1m tmpfs "$mnt" 2>/dev/null; then
	mnt=
	echo "ok - disk full mid-run # SKIP cannot mount a tmpfs here (not root, or no permission)"
	[ "$fails" -eq 0 ]
	exit
fi
db=$mnt/s.db
for i in 1 2; do
	run --serial D$i --db "$db" >/dev/null 2>&1 || nok "run D$i before the disk filled"
done
# leave 48 KiB: the next run opens the store, then its writes fail
head -c $(( $(df --output=avail -B1 "$mnt" | tail -1) - 49152 )) /dev/zero >"$mnt/filler" 2>/dev/null
err=$("$STATION" run --model WH-1000XM5 --plan repair --serial D3 --db "$db" --quiet \
	--captures "$tmp/caps" 2>&1 >"$tmp/out"); rc=$?
if [ $rc -eq 3 ] && [[ $err == *"disk is full"* ]] && [[ $err == *s.db* ]]; then
	ok "disk full mid-run: exit 3, the message names the database and the full disk"
else nok "disk full mid-run (rc $rc)" "$err"; fi
grep -q '^PASS' "$tmp/out" && nok "a run whose store failed was reported PASS" "$(cat "$tmp/out")" ||
	ok "a run whose store failed is not reported PASS"
history_sees() { # history_sees WHEN
	local out rc
	out=$("$STATION" history --db "$db" 2>&1); rc=$?
	if [ $rc -eq 0 ] && [ "$(grep -c 'D[12] .*PASS' <<<"$out")" -eq 2 ]; then
		ok "history opens the database $1 and lists the runs stored before"
	else nok "history $1 (rc $rc)" "$out"; fi
	out=$("$STATION" history --db "$db" --json 2>&1); rc=$?
	[ $rc -eq 0 ] && [ "$(grep -c '"outcome":"PASS"' <<<"$out")" -eq 2 ] &&
		ok "history --json $1" || nok "history --json $1 (rc $rc)" "$out"
}
history_sees "after the disk filled mid-run"
# no room left at all, not even for SQLite's -shm index
head -c $(( $(df --output=avail -B1 "$mnt" | tail -1) )) /dev/zero >"$mnt/filler2" 2>/dev/null
err=$(run --serial D5 --db "$db" 2>&1 >/dev/null); rc=$?
if [ $rc -eq 3 ] && [[ $err == *"disk is full"* ]]; then ok "a run on a full disk: exit 3, says the disk is full"
else nok "a run on a full disk (rc $rc)" "$err"; fi
history_sees "on a disk with no room at all"
rm -f "$mnt/filler" "$mnt/filler2"
[ "$(sqlite3 "$db" 'PRAGMA integrity_check')" = ok ] && ok "the database is intact once there is room" ||
	nok "integrity check after the disk filled"
run --serial D4 --db "$db" >/dev/null 2>&1 && ok "runs are stored again once there is room" ||
	nok "no run stored after room was made"
[ "$fails" -eq 0 ]
