#!/usr/bin/env bash
# bench_sync.sh - sync throughput: 1,000 stored runs (one real repair run and
# 999 copies) sent by `station sync` into a private local PostgreSQL server
# (Unix socket), each round into a fresh central database; prints the median
# of 3 rounds in runs per second.  Run by tests/bench.sh.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-$top/build}
STATION=${STATION:-$build/station}
# no detached FFTW wisdom measurer left loading the machine (bench_station.c)
export STATION_DATA=${STATION_DATA:-$top} TZ=UTC STATION_FFT_WISDOM=off
. "$top/tests/integration/pg_lib.sh"
W=$(mktemp -d /tmp/st-bsync-XXXXXX)
trap 'pg_cleanup; rm -rf "$W"' EXIT
pg_start >/dev/null || { echo "postgres did not start"; exit 1; }
"$STATION" run --db "$W/s.db" --quiet --model WH-1000XM5 --serial 9000000 --plan repair >/dev/null 2>&1
clone_runs "$W/s.db" 999
rows=$(sqlite3 "$W/s.db" "select (select count(*) from steps)+(select count(*) from measurements)+(select count(*) from events)")
times=()
for round in 1 2 3; do
	pgq "create database fleet$round" >/dev/null
	url="postgresql:///fleet$round?host=$PGT&port=$PGPORT&user=fleet"
	"$STATION" sync --init --to "$url" >/dev/null || exit 1
	t0=$(date +%s.%N)
	"$STATION" sync --to "$url" --db "$W/s.db" >/dev/null || exit 1
	t1=$(date +%s.%N)
	times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
done
med=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
printf 'sync of 1000 runs (%s rows) into local PostgreSQL: median %.2f s over 3 rounds, %.0f runs/s\n' \
	"$rows" "$med" "$(awk -v m="$med" 'BEGIN { print 1000 / m }')"
