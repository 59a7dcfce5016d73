/*
 * bench_store.c - what checking the result store at open costs: a station
 * database of 100,000 runs (each with 4 steps, 8 measurements and 2 events,
 * as a busy repair bench keeps them for a year or two) is built in a
 * temporary directory, then opened with PRAGMA quick_check (what every
 * st_store_open does) and without it (ST_STORE_NOCHECK), 5 times each; the
 * medians and their difference are printed, with the file's size.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/st.h"
#include "store/store.h"

#define RUNS 100000
#define REPEAT 5

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_store: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Fill the (migrated, empty) database with RUNS runs in one transaction. */
static int fill(const char *path)
{
	sqlite3 *db;
	int ret = -1;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	if (exec(db, "PRAGMA foreign_keys = OFF; BEGIN") ||
	    exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
		 "INSERT INTO units (serial, model, first_seen, last_seen) "
		 "SELECT 'SN' || i, 'WH-1000XM5', '2026-01-01T00:00:00.000Z', "
		 "'2026-06-01T00:00:00.000Z' FROM n") ||
	    exec(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
		 "INSERT INTO runs (id, uuid, serial, model, firmware, plan, started, ended, outcome, "
		 "disposition, reason, station, operator, fixture) SELECT i, "
		 "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
		 "substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || "
		 "hex(randomblob(6))), 'SN' || (i % 10000 + 1), 'WH-1000XM5', '2.4.1', 'repair', "
		 "strftime('%Y-%m-%dT%H:%M:%f', 1767225600 + i * 300, 'unixepoch') || 'Z', "
		 "strftime('%Y-%m-%dT%H:%M:%f', 1767225600 + i * 300 + 130, 'unixepoch') || 'Z', "
		 "CASE WHEN i % 7 = 0 THEN 'FAIL' ELSE 'PASS' END, 'no-fault-found', '', "
		 "'bench-1', 'ana', 'sim' FROM n") ||
	    exec(db, "INSERT INTO steps (id, run_id, idx, name, kind, verdict, started_s, duration_s, "
		 "message) SELECT r.id * 4 + k.k, r.id, k.k + 1, 'step ' || k.k, 'step', 'PASS', "
		 "k.k * 10.0, 9.5, '' FROM runs r, (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL "
		 "SELECT 2 UNION ALL SELECT 3) k") ||
	    exec(db, "INSERT INTO measurements (run_id, step_id, name, value, unit, low, high, verdict) "
		 "SELECT s.run_id, s.id, 'anc.active_db.L.' || (100 * (m.m + 1)) || 'Hz', 20.5 + m.m, "
		 "'dB', 18, NULL, 'PASS' FROM steps s, (SELECT 0 AS m UNION ALL SELECT 1) m") ||
	    exec(db, "INSERT INTO events (run_id, t_s, kind, text) SELECT r.id, e.e * 60.0, 'info', "
		 "'unit reports model WH-1000XM5, firmware 2.4.1' FROM runs r, "
		 "(SELECT 0 AS e UNION ALL SELECT 1) e") ||
	    exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)"))
		goto close;
	ret = 0;
close:
	sqlite3_close(db);
	return ret;
}

/* Median seconds of REPEAT opens (and closes) with these flags. */
static double time_open(const char *path, unsigned flags)
{
	double t[REPEAT];
	char err[ST_ERRLEN];

	for (int i = 0; i < REPEAT; i++) {
		struct st_store *s;
		double t0 = now_s();

		if (st_store_open_ex(&s, path, flags, NULL, err)) {
			fprintf(stderr, "bench_store: %s\n", err);
			return NAN;
		}
		t[i] = now_s() - t0;
		st_store_close(s);
	}
	qsort(t, REPEAT, sizeof(t[0]), cmp_double);
	return t[REPEAT / 2];
}

int main(void)
{
	char dir[] = "/tmp/st-bench-store-XXXXXX", path[64], err[ST_ERRLEN];
	struct st_store *s;
	struct stat sb;
	double t0, build, with, without;
	int rc = 1;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/station.db", dir);
	if (st_store_open(&s, path, err)) {
		fprintf(stderr, "bench_store: %s\n", err);
		goto out;
	}
	st_store_close(s);
	t0 = now_s();
	if (fill(path))
		goto out;
	build = now_s() - t0;
	stat(path, &sb);
	with = time_open(path, 0);
	without = time_open(path, ST_STORE_NOCHECK);
	if (isnan(with) || isnan(without))
		goto out;
	printf("store of %d runs (4 steps, 8 measurements, 2 events each): %.1f MiB, built in %.1f s\n",
	       RUNS, (double)sb.st_size / 1048576.0, build);
	printf("open with quick_check: %.1f ms (median of %d)\n", with * 1e3, REPEAT);
	printf("open without quick_check: %.1f ms (median of %d)\n", without * 1e3, REPEAT);
	printf("quick_check cost at open: %.1f ms on %d runs\n", (with - without) * 1e3, RUNS);
	rc = 0;
out:
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		rc = 1;
	return rc;
}
