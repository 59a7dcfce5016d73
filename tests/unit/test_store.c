/*
 * test_store.c - the SQLite result store (station/store/store.c): fresh
 * databases and their migrations, runs written and read back, runs left by a
 * station killed with SIGKILL mid-run, and every way a database can be
 * refused without being touched (not ours, newer, corrupt, unwritable,
 * failing migration).
 */
#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/st.h"
#include "model/model.h"
#include "store/store.h"

/* --- helpers --- */

#define assert_near(a, b, eps) near_(a, b, eps, #a, __LINE__)
static void near_(double a, double b, double eps, const char *what, int line)
{
	if (!(fabs(a - b) <= eps))
		fail_msg("line %d: %s = %.17g, expected %.17g", line, what, a, b);
}

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/st-store-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char *tpath(const char *name)
{
	static char paths[8][400];
	static int slot;
	char *p = paths[slot++ & 7];

	snprintf(p, 400, "%s/%s", tmpdir, name);
	return p;
}

static const char *migrations_dir(void)
{
	static char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/db", st_data_dir());
	return dir;
}

/* Number of NNN_*.sql files the station ships. */
static int shipped_migrations(void)
{
	DIR *d = opendir(migrations_dir());
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l > 4 && !strcmp(de->d_name + l - 4, ".sql") && de->d_name[0] >= '0' &&
		    de->d_name[0] <= '9')
			n++;
	}
	closedir(d);
	return n;
}

/* One integer from SQL run on a separate raw connection. */
static long long raw_int(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void raw_exec(const char *db, const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;

	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
			 SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("raw_exec %s: %s", sql, msg);
	sqlite3_close(h);
}

static void file_sha(const char *path, char hex[65])
{
	char *buf, err[ST_ERRLEN];
	size_t len;

	assert_int_equal(st_read_file(path, &buf, &len, err), ST_OK);
	st_sha256_hex(buf, len, hex);
	free(buf);
}

static int file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void copy_file(const char *from, const char *to)
{
	char *buf, err[ST_ERRLEN];
	size_t len;
	FILE *f;

	assert_int_equal(st_read_file(from, &buf, &len, err), ST_OK);
	f = fopen(to, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	free(buf);
}

/* A copy of the shipped migrations in tmpdir/name, to add files to. */
static const char *copy_migrations(const char *name)
{
	const char *dir = tpath(name);
	DIR *d;
	struct dirent *de;
	char from[PATH_MAX + 300], to[PATH_MAX + 300];

	assert_int_equal(mkdir(dir, 0755), 0);
	d = opendir(migrations_dir());
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".sql"))
			continue;
		snprintf(from, sizeof(from), "%s/%s", migrations_dir(), de->d_name);
		snprintf(to, sizeof(to), "%s/%s", dir, de->d_name);
		copy_file(from, to);
	}
	closedir(d);
	return dir;
}

static void assert_one_line_naming(const char *err, const char *path)
{
	assert_non_null(strstr(err, path));
	assert_null(strchr(err, '\n'));
}

static long long begin_run(struct st_store *s, const char *serial, const char *started)
{
	struct st_run_info ri;
	char err[ST_ERRLEN];

	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, serial, sizeof(ri.serial));
	st_strlcpy(ri.model, "WH-1000XM4", sizeof(ri.model));
	st_strlcpy(ri.plan, "repair", sizeof(ri.plan));
	if (started)
		st_strlcpy(ri.started, started, sizeof(ri.started));
	if (st_store_run_begin(s, &ri, err))
		fail_msg("run_begin: %s", err);
	return ri.id;
}

/* --- fresh database, migrations --- */

static void test_fresh_open(void **state)
{
	const char *db = tpath("fresh.db");
	struct st_store *s;
	char err[ST_ERRLEN] = "";
	int n = shipped_migrations();

	(void)state;
	assert_true(n >= 2);
	if (st_store_open(&s, db, err))
		fail_msg("open: %s", err);
	assert_int_equal(st_store_schema_version(s), n);
	assert_false(st_store_is_readonly(s));
	assert_string_equal(st_store_path(s), db);
	assert_int_equal(st_store_integrity(s, err), ST_OK);
	st_store_close(s);

	assert_int_equal(raw_int(db, "PRAGMA user_version"), n);
	assert_int_equal(raw_int(db, "PRAGMA application_id"), ST_STORE_APP_ID);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM schema_migrations"), n);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
				 "('units','runs','steps','measurements','events','artifacts')"), 6);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
				 "name IN ('runs_started', 'runs_serial_started')"), 2);
	assert_int_equal(raw_int(db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);

	/* Reopening applies nothing twice. */
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	assert_int_equal(st_store_schema_version(s), n);
	st_store_close(s);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM schema_migrations"), n);
}

static void test_default_path(void **state)
{
	(void)state;
	unsetenv("STATION_DB");
	assert_string_equal(st_store_default_path(), "station.db");
	setenv("STATION_DB", "/tmp/elsewhere.db", 1);
	assert_string_equal(st_store_default_path(), "/tmp/elsewhere.db");
	unsetenv("STATION_DB");
}

/* --- runs written and read back --- */

struct collect {
	struct st_run_info runs[8];
	struct st_step_row steps[8];
	struct st_meas_row meas[8];
	struct st_event_row events[8];
	struct st_artifact_row arts[8];
	int nruns, nsteps, nmeas, nevents, narts;
	int stop_after;
};

static int c_run(const struct st_run_info *ri, void *ctx)
{
	struct collect *c = ctx;

	c->runs[c->nruns++] = *ri;
	return c->stop_after && c->nruns >= c->stop_after;
}

static int c_step(const struct st_step_row *r, void *ctx)
{
	struct collect *c = ctx;

	if (c->nsteps < 8)
		c->steps[c->nsteps] = *r;
	c->nsteps++;
	return 0;
}

static int c_meas(const struct st_meas_row *r, void *ctx)
{
	struct collect *c = ctx;

	if (c->nmeas < 8)
		c->meas[c->nmeas] = *r;
	c->nmeas++;
	return 0;
}

static int c_event(const struct st_event_row *r, void *ctx)
{
	struct collect *c = ctx;

	if (c->nevents < 8)
		c->events[c->nevents] = *r;
	c->nevents++;
	return 0;
}

static int c_art(const struct st_artifact_row *r, void *ctx)
{
	struct collect *c = ctx;

	if (c->narts < 8)
		c->arts[c->narts] = *r;
	c->narts++;
	return 0;
}

static void test_run_roundtrip(void **state)
{
	const char *db = tpath("rt.db");
	struct st_store *s;
	struct st_run_info ri, got;
	struct collect c;
	char err[ST_ERRLEN], prefix[9];
	long long step1, step2, n;

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, "5012345", sizeof(ri.serial));
	st_strlcpy(ri.model, "WH-1000XM4", sizeof(ri.model));
	st_strlcpy(ri.plan, "repair", sizeof(ri.plan));
	st_strlcpy(ri.limits_path, "fixtures/limits/wh1000xm4.limits", sizeof(ri.limits_path));
	st_strlcpy(ri.limits_hash, "ab12", sizeof(ri.limits_hash));
	st_strlcpy(ri.station, "bench-1", sizeof(ri.station));
	st_strlcpy(ri.operator_, "ana", sizeof(ri.operator_));
	st_strlcpy(ri.fixture, "sim", sizeof(ri.fixture));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_true(ri.id > 0);
	assert_int_equal(strlen(ri.uuid), 36);
	assert_int_equal(strlen(ri.started), 24);
	assert_string_equal(ri.outcome, "running");

	assert_int_equal(st_store_run_update_firmware(s, ri.id, "2.1.0", err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 1, "soft_reset", "reset", "PASS", 0.0, 12.31,
				       "LED orange x3, chime", &step1, err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, step1, "hold_s", 12.31, "s", 12.0, 15.0,
					      "PASS", err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 2, "anc", "anc", "running", 12.5, NAN, "",
				       &step2, err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, step2, "anc_200hz", 14.25, "dB", 18.0, NAN,
					      "FAIL", err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, 0, "room_noise", NAN, "dBA", NAN, 45.0,
					      "ERROR", err), ST_OK);
	assert_int_equal(st_store_step_end(s, step2, "FAIL", 8.5, "14.2 dB < 18 dB", err), ST_OK);
	assert_int_equal(st_store_event(s, ri.id, 0.5, "press", "POWER held", err), ST_OK);
	assert_int_equal(st_store_event(s, ri.id, 0.25, "prompt", "scan serial", err), ST_OK);
	assert_int_equal(st_store_artifact(s, ri.id, step2, "capture", "captures/anc_on.wav",
					   "00ff", err), ST_OK);
	assert_int_equal(st_store_artifact(s, ri.id, 0, "report", "reports/out/r.html", "", err),
			 ST_OK);
	assert_int_equal(st_store_run_end(s, ri.id, "FAIL", "service-centre",
					  "ANC below limit at 200 Hz", err), ST_OK);
	st_store_close(s);

	/* Read back through a fresh connection. */
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	memset(&c, 0, sizeof(c));
	assert_int_equal(st_store_runs(s, NULL, 0, c_run, &c, err), ST_OK);
	assert_int_equal(c.nruns, 1);
	got = c.runs[0];
	assert_int_equal(got.id, ri.id);
	assert_string_equal(got.uuid, ri.uuid);
	assert_string_equal(got.serial, "5012345");
	assert_string_equal(got.model, "WH-1000XM4");
	assert_string_equal(got.firmware, "2.1.0");
	assert_string_equal(got.plan, "repair");
	assert_string_equal(got.limits_path, "fixtures/limits/wh1000xm4.limits");
	assert_string_equal(got.limits_hash, "ab12");
	assert_string_equal(got.station, "bench-1");
	assert_string_equal(got.operator_, "ana");
	assert_string_equal(got.fixture, "sim");
	assert_string_equal(got.started, ri.started);
	assert_int_equal(strlen(got.ended), 24);
	assert_string_equal(got.outcome, "FAIL");
	assert_string_equal(got.disposition, "service-centre");
	assert_string_equal(got.reason, "ANC below limit at 200 Hz");

	/* find by a prefix, in upper case */
	st_strlcpy(prefix, ri.uuid, sizeof(prefix));
	for (char *p = prefix; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	assert_int_equal(st_store_find_run(s, prefix, &got, err), ST_OK);
	assert_string_equal(got.uuid, ri.uuid);
	assert_int_equal(st_store_find_run(s, ri.uuid, &got, err), ST_OK);
	assert_int_equal(st_store_find_run(s, "zz", &got, err), ST_ERR_ARG);
	assert_int_equal(st_store_find_run(s, "%", &got, err), ST_ERR_ARG);
	assert_int_equal(st_store_find_run(s, ri.uuid[0] == 'f' ? "0" : "f", &got, err) ,
			 ST_ERR_NOTFOUND);

	assert_int_equal(st_store_steps(s, ri.id, c_step, &c, err), ST_OK);
	assert_int_equal(c.nsteps, 2);
	assert_int_equal(c.steps[0].id, step1);
	assert_int_equal(c.steps[0].idx, 1);
	assert_string_equal(c.steps[0].name, "soft_reset");
	assert_string_equal(c.steps[0].kind, "reset");
	assert_string_equal(c.steps[0].verdict, "PASS");
	assert_near(c.steps[0].duration_s, 12.31, 1e-12);
	assert_string_equal(c.steps[0].message, "LED orange x3, chime");
	assert_string_equal(c.steps[1].verdict, "FAIL");
	assert_near(c.steps[1].started_s, 12.5, 1e-12);
	assert_near(c.steps[1].duration_s, 8.5, 1e-12);
	assert_string_equal(c.steps[1].message, "14.2 dB < 18 dB");

	assert_int_equal(st_store_measurements(s, ri.id, c_meas, &c, err), ST_OK);
	assert_int_equal(c.nmeas, 3);
	assert_int_equal(c.meas[0].step_id, step1);
	assert_string_equal(c.meas[0].name, "hold_s");
	assert_near(c.meas[0].low, 12.0, 0);
	assert_near(c.meas[0].high, 15.0, 0);
	assert_int_equal(c.meas[1].step_id, step2);
	assert_near(c.meas[1].value, 14.25, 0);
	assert_string_equal(c.meas[1].unit, "dB");
	assert_true(isnan(c.meas[1].high));
	assert_string_equal(c.meas[1].verdict, "FAIL");
	assert_int_equal(c.meas[2].step_id, 0);  /* run-level last */
	assert_true(isnan(c.meas[2].value));
	assert_true(isnan(c.meas[2].low));
	assert_near(c.meas[2].high, 45.0, 0);

	assert_int_equal(st_store_events(s, ri.id, c_event, &c, err), ST_OK);
	assert_int_equal(c.nevents, 2);
	assert_string_equal(c.events[0].kind, "prompt");  /* in time order */
	assert_string_equal(c.events[1].text, "POWER held");

	assert_int_equal(st_store_artifacts(s, ri.id, c_art, &c, err), ST_OK);
	assert_int_equal(c.narts, 2);
	assert_int_equal(c.arts[0].step_id, step2);
	assert_string_equal(c.arts[0].kind, "capture");
	assert_string_equal(c.arts[0].path, "captures/anc_on.wav");
	assert_string_equal(c.arts[0].sha256, "00ff");
	assert_int_equal(c.arts[1].step_id, 0);

	assert_int_equal(st_store_count_runs(s, NULL, &n, err), ST_OK);
	assert_int_equal(n, 1);
	assert_int_equal(st_store_integrity(s, err), ST_OK);
	st_store_close(s);

	assert_int_equal(raw_int(db, "SELECT count(*) FROM units WHERE serial = '5012345' AND "
				 "model = 'WH-1000XM4'"), 1);
	assert_int_equal(raw_int(db, "SELECT steps_failed FROM run_summary"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM measurement_results WHERE step = 'anc'"), 1);
}

static void test_history_order(void **state)
{
	const char *db = tpath("order.db");
	struct st_store *s;
	struct collect c;
	char err[ST_ERRLEN];
	long long n;

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	begin_run(s, "A1", "2026-01-01T10:00:00.000Z");
	begin_run(s, "B2", "2026-01-03T10:00:00.000Z");
	begin_run(s, "A1", "2026-01-02T10:00:00.000Z");
	begin_run(s, "A1", "2026-01-04T10:00:00.000Z");

	memset(&c, 0, sizeof(c));
	assert_int_equal(st_store_runs(s, NULL, 0, c_run, &c, err), ST_OK);
	assert_int_equal(c.nruns, 4);
	assert_string_equal(c.runs[0].started, "2026-01-04T10:00:00.000Z");
	assert_string_equal(c.runs[1].serial, "B2");
	assert_string_equal(c.runs[3].started, "2026-01-01T10:00:00.000Z");

	memset(&c, 0, sizeof(c));
	assert_int_equal(st_store_runs(s, "A1", 2, c_run, &c, err), ST_OK);
	assert_int_equal(c.nruns, 2);
	assert_string_equal(c.runs[0].started, "2026-01-04T10:00:00.000Z");
	assert_string_equal(c.runs[1].started, "2026-01-02T10:00:00.000Z");

	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(st_store_runs(s, NULL, 0, c_run, &c, err), ST_OK);
	assert_int_equal(c.nruns, 1);

	assert_int_equal(st_store_count_runs(s, "A1", &n, err), ST_OK);
	assert_int_equal(n, 3);
	assert_int_equal(st_store_count_runs(s, "nobody", &n, err), ST_OK);
	assert_int_equal(n, 0);
	st_store_close(s);
	assert_int_equal(raw_int(db, "SELECT first_seen = '2026-01-01T10:00:00.000Z' AND "
				 "last_seen = '2026-01-04T10:00:00.000Z' FROM units WHERE serial = 'A1'"), 1);
}

static void test_quotes_unicode(void **state)
{
	const char *db = tpath("q.db");
	static const char *evil = "Robert'); DROP TABLE runs;--";
	static const char *uni = "\xe3\x83\x98\xe3\x83\x83\xe3\x83\x89\xe3\x83\x9b\xe3\x83\xb3 "
				 "\"\xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9\" \\ %s %%";
	struct st_store *s;
	struct st_run_info ri, got;
	struct collect c;
	char err[ST_ERRLEN];
	long long step;

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, evil, sizeof(ri.serial));
	st_strlcpy(ri.operator_, uni, sizeof(ri.operator_));
	st_strlcpy(ri.reason, "it's \"quoted\"\nand two lines", sizeof(ri.reason));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 1, evil, uni, "PASS", 0, 1, uni, &step, err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, step, uni, 1.5, "\xc2\xb0", NAN, NAN, "PASS",
					      err), ST_OK);
	assert_int_equal(st_store_event(s, ri.id, 0, "note", evil, err), ST_OK);
	assert_int_equal(st_store_run_end(s, ri.id, "PASS", uni, evil, err), ST_OK);

	memset(&c, 0, sizeof(c));
	assert_int_equal(st_store_runs(s, evil, 0, c_run, &c, err), ST_OK);
	assert_int_equal(c.nruns, 1);
	got = c.runs[0];
	assert_string_equal(got.serial, evil);
	assert_string_equal(got.operator_, uni);
	assert_string_equal(got.disposition, uni);
	assert_string_equal(got.reason, evil);
	assert_int_equal(st_store_steps(s, ri.id, c_step, &c, err), ST_OK);
	assert_string_equal(c.steps[0].name, evil);
	assert_string_equal(c.steps[0].message, uni);
	assert_int_equal(st_store_measurements(s, ri.id, c_meas, &c, err), ST_OK);
	assert_string_equal(c.meas[0].unit, "\xc2\xb0");
	assert_int_equal(st_store_events(s, ri.id, c_event, &c, err), ST_OK);
	assert_string_equal(c.events[0].text, evil);
	st_store_close(s);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"), 1);

	/* A long UTF-8 text is cut on a character boundary when read back. */
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	{
		char a[200] = "x", b[200] = "";

		for (int i = 0; i < 32; i++) {
			strcat(a, "\xc3\xa9");  /* 2 bytes each; name[64] holds 63 */
			strcat(b, "\xc3\xa9");
		}
		strcat(b, "x");
		memset(&c, 0, sizeof(c));
		assert_int_equal(st_store_step(s, ri.id, 2, a, "", "PASS", 0, 0, "", NULL, err), ST_OK);
		assert_int_equal(st_store_step(s, ri.id, 3, b, "", "PASS", 0, 0, "", NULL, err), ST_OK);
		assert_int_equal(st_store_steps(s, ri.id, c_step, &c, err), ST_OK);
		assert_int_equal(c.nsteps, 3);
		assert_int_equal(strlen(c.steps[1].name), 63);  /* "x" + 31 whole characters */
		assert_int_equal(strlen(c.steps[2].name), 62);  /* 31 whole, not half of the 32nd */
		assert_memory_equal(c.steps[2].name, b, 62);
	}
	st_store_close(s);
}

static void test_write_rules(void **state)
{
	const char *db = tpath("rules.db");
	struct st_store *s;
	struct st_run_info ri;
	char err[ST_ERRLEN];
	long long r1, r2, step;

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	memset(&ri, 0, sizeof(ri));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_ERR_ARG);  /* no serial */
	st_strlcpy(ri.serial, "X", sizeof(ri.serial));
	st_strlcpy(ri.uuid, "not-a-uuid", sizeof(ri.uuid));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_ERR_ARG);
	st_strlcpy(ri.uuid, "0123ABCD-0000-4000-8000-000000000000", sizeof(ri.uuid));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_string_equal(ri.uuid, "0123abcd-0000-4000-8000-000000000000");
	r1 = ri.id;
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_ERR_DB);  /* same uuid twice */
	r2 = begin_run(s, "Y", NULL);
	/* the start time must sort as text: ISO 8601 UTC, milliseconds added */
	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, "Z", sizeof(ri.serial));
	st_strlcpy(ri.started, "2026-11-22T011:00:00.000Z", sizeof(ri.started));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_ERR_ARG);
	st_strlcpy(ri.started, "2026-11-22 11:00:00", sizeof(ri.started));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_ERR_ARG);
	st_strlcpy(ri.started, "2026-11-22T11:00:00Z", sizeof(ri.started));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_string_equal(ri.started, "2026-11-22T11:00:00.000Z");

	assert_int_equal(st_store_step(s, r1, 1, "s", "k", "PASS", 0, 1, "", &step, err), ST_OK);
	/* a measurement must name a step of its own run */
	assert_int_equal(st_store_measurement(s, r2, step, "m", 1, "", NAN, NAN, "PASS", err),
			 ST_ERR_DB);
	assert_int_equal(st_store_artifact(s, r2, step, "capture", "a.wav", "", err), ST_ERR_DB);
	assert_int_equal(st_store_artifact(s, r1, step, "capture", "", "", err), ST_ERR_ARG);
	assert_int_equal(st_store_step(s, 9999, 1, "s", "k", "PASS", 0, 1, "", NULL, err), ST_ERR_DB);
	assert_int_equal(st_store_event(s, 9999, 0, "k", "t", err), ST_ERR_DB);
	assert_non_null(strstr(err, db));
	assert_int_equal(st_store_step_end(s, 9999, "PASS", 1, "", err), ST_ERR_NOTFOUND);
	assert_int_equal(st_store_run_update_firmware(s, 9999, "1", err), ST_ERR_NOTFOUND);

	assert_int_equal(st_store_run_end(s, r1, "running", "", "", err), ST_ERR_ARG);
	assert_int_equal(st_store_run_end(s, r1, "pass", "", "", err), ST_ERR_ARG);
	assert_int_equal(st_store_run_end(s, r1, NULL, "", "", err), ST_ERR_ARG);
	assert_int_equal(st_store_run_end(s, 9999, "PASS", "", "", err), ST_ERR_NOTFOUND);
	assert_int_equal(st_store_run_end(s, r1, "PASS", NULL, NULL, err), ST_OK);
	/* a finished run keeps its outcome */
	assert_int_equal(st_store_run_end(s, r1, "FAIL", "", "", err), ST_ERR_ARG);
	assert_non_null(strstr(err, "already ended PASS"));
	assert_int_equal(st_store_run_end(s, r2, "ABORTED", "", "operator", err), ST_OK);
	assert_int_equal(st_store_integrity(s, err), ST_OK);
	st_store_close(s);
}

/* --- crash safety: SIGKILL mid-run, interrupted runs --- */

static void child_writer(const char *db, int ready_fd)
{
	struct st_store *s;
	char err[ST_ERRLEN];
	long long run, step;

	if (st_store_open(&s, db, err))
		_exit(10);
	run = begin_run(s, "KILLED-1", NULL);
	if (st_store_step(s, run, 1, "first", "reset", "PASS", 0, 1, "", &step, err) ||
	    st_store_measurement(s, run, step, "hold_s", 12.0, "s", 11, 13, "PASS", err))
		_exit(11);
	if (write(ready_fd, "R", 1) != 1)
		_exit(12);
	for (int i = 2;; i++) {  /* keep writing until killed */
		if (st_store_step(s, run, i, "loop", "wait", "PASS", i, 0.1, "", &step, err) ||
		    st_store_measurement(s, run, step, "v", i, "", NAN, NAN, "PASS", err) ||
		    st_store_event(s, run, i, "tick", "still writing", err))
			_exit(13);
	}
}

static void test_sigkill_mid_run(void **state)
{
	const char *db = tpath("kill.db");
	struct st_store *s;
	struct st_run_info ri;
	struct collect c;
	char err[ST_ERRLEN], r;
	int fds[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);  /* schema in place first */
	st_store_close(s);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_writer(db, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &r, 1), 1);
	close(fds[0]);
	usleep(30000);  /* let it get well into its writing loop */
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	assert_int_equal(st_store_integrity(s, err), ST_OK);
	assert_int_equal(st_store_find_run(s, "", &ri, err), ST_ERR_ARG);
	memset(&c, 0, sizeof(c));
	assert_int_equal(st_store_runs(s, "KILLED-1", 0, c_run, &c, err), ST_OK);
	assert_int_equal(c.nruns, 1);
	assert_string_equal(c.runs[0].outcome, "interrupted");
	assert_string_equal(c.runs[0].reason, "station stopped before the run ended");
	assert_int_equal(strlen(c.runs[0].ended), 24);
	/* everything written before the kill is there, and whole */
	assert_int_equal(st_store_steps(s, c.runs[0].id, c_step, &c, err), ST_OK);
	assert_true(c.nsteps >= 2);
	assert_string_equal(c.steps[0].name, "first");
	assert_int_equal(st_store_measurements(s, c.runs[0].id, c_meas, &c, err), ST_OK);
	assert_true(c.nmeas >= c.nsteps - 1 && c.nmeas <= c.nsteps);
	print_message("store: child wrote %d steps before SIGKILL; database intact\n", c.nsteps);
	/* the interrupted run can still be ended by nobody else */
	assert_int_equal(st_store_run_end(s, c.runs[0].id, "PASS", "", "", err), ST_OK);
	st_store_close(s);
}

static void test_interrupted_rules(void **state)
{
	const char *db = tpath("intr.db");
	struct st_store *s;
	struct collect c;
	char err[ST_ERRLEN], sql[256];
	long long live, reused, foreign, dead;
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	live = begin_run(s, "LIVE", NULL);      /* ours: this process is alive */
	reused = begin_run(s, "REUSED", NULL);  /* our pid, another process's start time */
	foreign = begin_run(s, "FOREIGN", NULL);/* another host: not ours to judge */
	dead = begin_run(s, "DEAD", NULL);      /* a pid that has exited */
	st_store_close(s);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	snprintf(sql, sizeof(sql), "UPDATE runs SET pid = %d WHERE id = %lld", (int)pid, dead);
	raw_exec(db, sql);
	snprintf(sql, sizeof(sql), "UPDATE runs SET pid_tag = 'other-boot/1' WHERE id = %lld", reused);
	raw_exec(db, sql);
	snprintf(sql, sizeof(sql), "UPDATE runs SET host = 'some-other-bench', pid = 1 "
		 "WHERE id = %lld", foreign);
	raw_exec(db, sql);

	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	memset(&c, 0, sizeof(c));
	assert_int_equal(st_store_runs(s, NULL, 0, c_run, &c, err), ST_OK);
	assert_int_equal(c.nruns, 4);
	for (int i = 0; i < c.nruns; i++) {
		const struct st_run_info *ri = &c.runs[i];
		if (ri->id == live || ri->id == foreign) {
			assert_string_equal(ri->outcome, "running");
			assert_string_equal(ri->ended, "");
		} else {
			assert_true(ri->id == dead || ri->id == reused);
			assert_string_equal(ri->outcome, "interrupted");
		}
	}
	assert_int_equal(st_store_run_end(s, live, "PASS", "", "", err), ST_OK);
	st_store_close(s);
}

/* Two station processes recording into one database at once. */
static void test_two_writers(void **state)
{
	const char *db = tpath("two.db");
	struct st_store *s;
	char err[ST_ERRLEN];
	pid_t pids[2];
	int status;

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	st_store_close(s);
	for (int k = 0; k < 2; k++) {
		pids[k] = fork();
		assert_true(pids[k] >= 0);
		if (pids[k] == 0) {
			long long run, step;

			if (st_store_open(&s, db, err))
				_exit(20);
			run = begin_run(s, k ? "TWO-B" : "TWO-A", NULL);
			for (int i = 0; i < 200; i++)
				if (st_store_step(s, run, i, "s", "k", "PASS", i, 0, "", &step, err) ||
				    st_store_measurement(s, run, step, "m", i, "", 0, 1, "PASS", err))
					_exit(21);
			if (st_store_run_end(s, run, "PASS", "", "", err))
				_exit(22);
			st_store_close(s);
			_exit(0);
		}
	}
	for (int k = 0; k < 2; k++) {
		assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(raw_int(db, "SELECT count(*) FROM steps"), 400);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM measurements"), 400);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs WHERE outcome = 'PASS'"), 2);
}

/* --- refusals that leave the file untouched --- */

static void test_newer_version_refused(void **state)
{
	const char *db = tpath("newer.db");
	struct st_store *s;
	char err[ST_ERRLEN], before[65], after[65];

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	begin_run(s, "KEEP", NULL);
	st_store_close(s);
	raw_exec(db, "PRAGMA user_version = 99");
	file_sha(db, before);
	assert_int_equal(st_store_open(&s, db, err), ST_ERR_REFUSED);
	assert_null(s);
	assert_one_line_naming(err, db);
	assert_non_null(strstr(err, "newer"));
	file_sha(db, after);
	assert_string_equal(before, after);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 99);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs"), 1);
}

static void test_negative_version_refused(void **state)
{
	const char *db = tpath("minus.db");
	struct st_store *s;
	char err[ST_ERRLEN], before[65], after[65];

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	begin_run(s, "KEEP", NULL);
	st_store_close(s);
	raw_exec(db, "PRAGMA user_version = -1");
	file_sha(db, before);
	assert_int_equal(st_store_open(&s, db, err), ST_ERR_REFUSED);
	assert_one_line_naming(err, db);
	assert_non_null(strstr(err, "schema version -1"));
	assert_null(strstr(err, "schema_migrations"));
	file_sha(db, after);
	assert_string_equal(before, after);
}

/* A run stored in memory is gone at exit: refused, whatever the spelling. */
static void test_memory_refused(void **state)
{
	struct st_store *s;
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_store_open(&s, ":memory:", err), ST_ERR_ARG);
	assert_non_null(strstr(err, "in-memory"));
	assert_int_equal(st_store_open(&s, "file:x.db?mode=memory&cache=shared", err), ST_ERR_ARG);
	assert_int_equal(st_store_open(&s, "file::memory:", err), ST_ERR_ARG);
	assert_int_equal(st_store_open_ex(&s, ":memory:", ST_STORE_READONLY_OK, NULL, err), ST_ERR_ARG);
	assert_false(file_exists(":memory:"));
}

static void test_non_station_refused(void **state)
{
	const char *txt = tpath("notes.txt"), *other = tpath("other.db"), *app = tpath("app.db");
	struct st_store *s;
	char err[ST_ERRLEN], before[65], after[65], wal[512];

	(void)state;
	/* a text file */
	write_file(txt, "SQLite format 2? no: just a technician's notes\n");
	file_sha(txt, before);
	assert_int_equal(st_store_open(&s, txt, err), ST_ERR_REFUSED);
	assert_one_line_naming(err, txt);
	assert_non_null(strstr(err, "not a station database"));
	file_sha(txt, after);
	assert_string_equal(before, after);

	/* another program's SQLite database */
	raw_exec(other, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);"
		 "INSERT INTO invoices (total) VALUES (12.5);");
	file_sha(other, before);
	assert_int_equal(st_store_open(&s, other, err), ST_ERR_REFUSED);
	assert_one_line_naming(err, other);
	file_sha(other, after);
	assert_string_equal(before, after);
	snprintf(wal, sizeof(wal), "%s-wal", other);
	assert_false(file_exists(wal));
	assert_int_equal(raw_int(other, "SELECT count(*) FROM invoices"), 1);

	/* an empty database claimed by another application */
	raw_exec(app, "PRAGMA application_id = 42; CREATE TABLE t (x); DROP TABLE t;");
	file_sha(app, before);
	assert_int_equal(st_store_open(&s, app, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, "0x2a"));
	file_sha(app, after);
	assert_string_equal(before, after);
}

static void test_unwritable_paths(void **state)
{
	struct st_store *s;
	char err[ST_ERRLEN];
	const char *missing = tpath("nope.db");

	(void)state;
	assert_int_equal(st_store_open(&s, "/nonexistent-dir-st/station.db", err), ST_ERR_IO);
	assert_one_line_naming(err, "/nonexistent-dir-st/station.db");
	assert_false(file_exists("/nonexistent-dir-st/station.db"));

	assert_int_equal(st_store_open(&s, tmpdir, err), ST_ERR_IO);  /* a directory */
	assert_one_line_naming(err, tmpdir);
	assert_non_null(strstr(err, "not a regular file"));

	assert_int_equal(st_store_open(&s, "/proc/station-test.db", err), ST_ERR_IO);
	assert_one_line_naming(err, "/proc/station-test.db");

	assert_int_equal(st_store_open(&s, "", err), ST_ERR_ARG);

	assert_int_equal(st_store_open_ex(&s, missing, ST_STORE_NOCREATE, NULL, err), ST_ERR_NOTFOUND);
	assert_one_line_naming(err, missing);
	assert_int_equal(st_store_open_ex(&s, missing, ST_STORE_READONLY, NULL, err), ST_ERR_NOTFOUND);
	assert_false(file_exists(missing));
}

static void test_corrupt_refused(void **state)
{
	const char *db = tpath("corrupt.db");
	struct st_store *s;
	struct stat sb;
	char err[ST_ERRLEN];
	unsigned char junk[4096];
	int fd, ret;

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	for (int i = 0; i < 20; i++)
		begin_run(s, "C", NULL);
	st_store_close(s);
	assert_int_equal(stat(db, &sb), 0);
	/* garble every page but the first (the header and schema stay readable) */
	memset(junk, 0xa5, sizeof(junk));
	fd = open(db, O_WRONLY);
	assert_true(fd >= 0);
	for (off_t off = 4096; off < sb.st_size; off += 4096)
		assert_int_equal(pwrite(fd, junk, sizeof(junk), off), (ssize_t)sizeof(junk));
	close(fd);

	ret = st_store_open(&s, db, err);
	if (ret == ST_OK) {
		ret = st_store_integrity(s, err);
		st_store_close(s);
	}
	assert_int_equal(ret, ST_ERR_DB);
	assert_one_line_naming(err, db);
	assert_true(file_exists(db));  /* never deleted */

	/* a garbled header: not even a database any more */
	fd = open(db, O_WRONLY);
	assert_int_equal(pwrite(fd, junk, 100, 0), 100);
	close(fd);
	assert_int_equal(st_store_open(&s, db, err), ST_ERR_REFUSED);
	assert_one_line_naming(err, db);
	assert_int_equal(stat(db, &sb), 0);
	assert_true(sb.st_size > 4096);
}

static void test_failing_migration(void **state)
{
	const char *dir = copy_migrations("mig");
	const char *db = tpath("mig.db"), *fresh = tpath("mig-fresh.db");
	struct st_store *s;
	char err[ST_ERRLEN], bad[PATH_MAX + 64];
	int n = shipped_migrations();

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	begin_run(s, "KEEP", NULL);
	st_store_close(s);

	snprintf(bad, sizeof(bad), "%s/%03d_broken.sql", dir, n + 1);
	write_file(bad, "-- a migration that breaks on its fourth line\n"
		   "CREATE TABLE half_done (x INTEGER);\n"
		   "INSERT INTO half_done VALUES (1);\n"
		   "ALTER TABLE runs ADD COLUMN oops INTEGER NOT NULL;\n");
	assert_int_equal(st_store_open_ex(&s, db, 0, dir, err), ST_ERR_DB);
	assert_null(s);
	assert_one_line_naming(err, db);
	assert_non_null(strstr(err, "_broken.sql:4:"));
	assert_non_null(strstr(err, "left unchanged"));
	assert_int_equal(raw_int(db, "PRAGMA user_version"), n);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs"), 1);

	/* a syntax error names its line too */
	write_file(bad, "-- line 1\n\nCREATE TABLE ok1 (x);\nCREATE TABLE (;\n");
	assert_int_equal(st_store_open_ex(&s, db, 0, dir, err), ST_ERR_DB);
	assert_non_null(strstr(err, "_broken.sql:4:"));
	assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'ok1'"), 0);

	/* a migration may not commit on its own */
	write_file(bad, "COMMIT;\n");
	assert_int_equal(st_store_open_ex(&s, db, 0, dir, err), ST_ERR_DB);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), n);

	/* on a database we were creating, nothing is left behind */
	assert_int_equal(st_store_open_ex(&s, fresh, 0, dir, err), ST_ERR_DB);
	assert_false(file_exists(fresh));

	/* a gap in the numbering is refused before anything is done */
	unlink(bad);
	snprintf(bad, sizeof(bad), "%s/%03d_gap.sql", dir, n + 2);
	write_file(bad, "CREATE TABLE gap (x);\n");
	assert_int_equal(st_store_open_ex(&s, db, 0, dir, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "missing"));
	unlink(bad);

	/* the missing data directory is named */
	assert_int_equal(st_store_open_ex(&s, db, 0, tpath("no-such-dir"), err), ST_ERR_IO);
	assert_non_null(strstr(err, "no-such-dir"));
}

/* A later migration that rebuilds the runs table (new column) must not
 * cascade-delete the steps of stored runs. */
static void test_rebuild_migration_keeps_runs(void **state)
{
	const char *dir = copy_migrations("rebuild");
	const char *db = tpath("rebuild.db");
	struct st_store *s;
	char err[ST_ERRLEN], path[PATH_MAX + 64];
	long long run;
	int n = shipped_migrations();

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	run = begin_run(s, "R1", NULL);
	assert_int_equal(st_store_step(s, run, 1, "s", "k", "PASS", 0, 1, "", NULL, err), ST_OK);
	assert_int_equal(st_store_event(s, run, 0, "k", "t", err), ST_OK);
	assert_int_equal(st_store_run_end(s, run, "PASS", "", "", err), ST_OK);
	st_store_close(s);

	snprintf(path, sizeof(path), "%s/%03d_rebuild_runs.sql", dir, n + 1);
	write_file(path,
		   "DROP VIEW run_summary; DROP VIEW measurement_results; DROP VIEW unit_latest;\n"
		   "CREATE TABLE runs_new (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,\n"
		   " serial TEXT NOT NULL REFERENCES units(serial), model TEXT NOT NULL DEFAULT '',\n"
		   " firmware TEXT NOT NULL DEFAULT '', plan TEXT NOT NULL DEFAULT '',\n"
		   " limits_path TEXT NOT NULL DEFAULT '', limits_hash TEXT NOT NULL DEFAULT '',\n"
		   " station TEXT NOT NULL DEFAULT '', operator TEXT NOT NULL DEFAULT '',\n"
		   " fixture TEXT NOT NULL DEFAULT '', started TEXT NOT NULL, ended TEXT,\n"
		   " outcome TEXT NOT NULL DEFAULT 'running', disposition TEXT NOT NULL DEFAULT '',\n"
		   " reason TEXT NOT NULL DEFAULT '', pid INTEGER, host TEXT NOT NULL DEFAULT '',\n"
		   " pid_tag TEXT NOT NULL DEFAULT '', bench_temp REAL);\n"
		   "INSERT INTO runs_new SELECT *, NULL FROM runs;\n"
		   "DROP TABLE runs;\n"
		   "ALTER TABLE runs_new RENAME TO runs;\n");
	if (st_store_open_ex(&s, db, 0, dir, err))
		fail_msg("rebuild migration: %s", err);
	assert_int_equal(st_store_schema_version(s), n + 1);
	assert_int_equal(st_store_integrity(s, err), ST_OK);
	st_store_close(s);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM steps"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM events"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM runs WHERE outcome = 'PASS'"), 1);
	/* and the opened store still enforces foreign keys */
	assert_int_equal(st_store_open_ex(&s, db, 0, dir, err), ST_OK);
	assert_int_equal(st_store_event(s, 12345, 0, "k", "t", err), ST_ERR_DB);
	st_store_close(s);
}

static void test_readonly(void **state)
{
	const char *db = tpath("ro.db");
	struct st_store *s;
	struct collect c;
	struct st_run_info ri;
	char err[ST_ERRLEN], before[65], after[65];

	(void)state;
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	begin_run(s, "RO", NULL);
	st_store_close(s);
	file_sha(db, before);
	assert_int_equal(st_store_open_ex(&s, db, ST_STORE_READONLY, NULL, err), ST_OK);
	assert_true(st_store_is_readonly(s));
	memset(&c, 0, sizeof(c));
	assert_int_equal(st_store_runs(s, NULL, 0, c_run, &c, err), ST_OK);
	assert_int_equal(c.nruns, 1);
	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, "RO", sizeof(ri.serial));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "read-only"));
	assert_int_equal(st_store_event(s, c.runs[0].id, 0, "k", "t", err), ST_ERR_ARG);
	st_store_close(s);
	file_sha(db, after);
	assert_string_equal(before, after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_open),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_run_roundtrip),
		cmocka_unit_test(test_history_order),
		cmocka_unit_test(test_quotes_unicode),
		cmocka_unit_test(test_write_rules),
		cmocka_unit_test(test_sigkill_mid_run),
		cmocka_unit_test(test_interrupted_rules),
		cmocka_unit_test(test_two_writers),
		cmocka_unit_test(test_newer_version_refused),
		cmocka_unit_test(test_non_station_refused),
		cmocka_unit_test(test_unwritable_paths),
		cmocka_unit_test(test_corrupt_refused),
		cmocka_unit_test(test_negative_version_refused),
		cmocka_unit_test(test_memory_refused),
		cmocka_unit_test(test_failing_migration),
		cmocka_unit_test(test_rebuild_migration_keeps_runs),
		cmocka_unit_test(test_readonly),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
