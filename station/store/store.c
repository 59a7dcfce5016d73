/*
 * store.c - the SQLite result store (store.h, docs/store.md).
 *
 * Opening a database goes: refuse anything that is not a station database
 * (application_id) or that is newer than the migrations we know (user_version)
 * before a single byte is written; then WAL journal, synchronous=NORMAL,
 * foreign keys, a 5 s busy timeout; then apply the pending migration files
 * from <data dir>/db in one transaction (a failing file rolls all of them
 * back and is named, with its line); then mark runs left "running" by a dead
 * station process on this host "interrupted".
 *
 * Writers are cached prepared statements, each committed on its own (WAL
 * makes that cheap), so a station killed mid-run leaves every row written
 * up to that moment and an intact database.  Readers prepare their own
 * statement so a callback may call back into the store.
 */
#include "store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/st.h"
#include "model/model.h"

#define STORE_BUSY_MS 5000
#define STORE_MAX_MIGRATIONS 999
#define INTERRUPTED_REASON "station stopped before the run ended"

/* Cached writer statements. */
enum store_q {
	Q_UNIT_UPSERT,
	Q_RUN_INSERT,
	Q_RUN_FIRMWARE,
	Q_STEP_INSERT,
	Q_STEP_END,
	Q_MEAS_INSERT,
	Q_EVENT_INSERT,
	Q_ARTIFACT_INSERT,
	Q_RUN_END,
	Q_COUNT
};

static const char *const q_sql[Q_COUNT] = {
	[Q_UNIT_UPSERT] =
		"INSERT INTO units (serial, model, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3) "
		"ON CONFLICT (serial) DO UPDATE SET "
		"model = CASE WHEN excluded.model <> '' THEN excluded.model ELSE units.model END, "
		"last_seen = max(units.last_seen, excluded.last_seen), "
		"first_seen = min(units.first_seen, excluded.first_seen)",
	[Q_RUN_INSERT] =
		"INSERT INTO runs (uuid, serial, model, firmware, plan, limits_path, limits_hash, "
		"station, operator, fixture, started, outcome, disposition, reason, pid, host, pid_tag) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'running', ?12, ?13, ?14, ?15, ?16)",
	[Q_RUN_FIRMWARE] = "UPDATE runs SET firmware = ?2 WHERE id = ?1",
	[Q_STEP_INSERT] =
		"INSERT INTO steps (run_id, idx, name, kind, verdict, started_s, duration_s, message) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_STEP_END] = "UPDATE steps SET verdict = ?2, duration_s = ?3, message = ?4 WHERE id = ?1",
	[Q_MEAS_INSERT] =
		"INSERT INTO measurements (run_id, step_id, name, value, unit, low, high, verdict) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[Q_EVENT_INSERT] = "INSERT INTO events (run_id, t_s, kind, text) VALUES (?1, ?2, ?3, ?4)",
	[Q_ARTIFACT_INSERT] =
		"INSERT INTO artifacts (run_id, step_id, kind, path, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_RUN_END] =
		"UPDATE runs SET outcome = ?2, disposition = ?3, reason = ?4, ended = ?5 "
		"WHERE id = ?1 AND outcome IN ('running', 'interrupted')",
};

struct st_store {
	sqlite3 *db;                /* the connection */
	char path[PATH_MAX];        /* database path as given, for messages */
	int readonly;               /* 1: opened read-only, writers refuse */
	int version;                /* PRAGMA user_version once open */
	sqlite3_stmt *q[Q_COUNT];   /* writer statements, prepared on first use */
	int last_code;              /* extended SQLite code of the last db_fail() */
};

/* One migration file found in the migrations directory. */
struct migration {
	int version;                /* its number: 001_init.sql -> 1 */
	char file[256];             /* file name without directory */
};

/* Columns of a run, in the order run_from_row() reads them. */
#define RUN_COLS "id, uuid, serial, model, firmware, plan, limits_path, limits_hash, " \
	"station, operator, fixture, started, coalesce(ended, ''), outcome, disposition, reason"

/* --- small helpers --- */

/* Why SQLite failed, said plainly for the ones a bench meets: a full disk,
 * an I/O error, a corrupt file, a file made read-only under us. */
static const char *plain_cause(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL:
		return "the disk is full (SQLITE_FULL); what was stored before is kept";
	case SQLITE_IOERR:
		return "I/O error writing or reading the file (SQLITE_IOERR)";
	case SQLITE_CORRUPT:
		return "the database file is corrupt (SQLITE_CORRUPT; docs/store.md: recovering)";
	case SQLITE_READONLY:
		return "the database became read-only (SQLITE_READONLY)";
	case SQLITE_CANTOPEN:
		return "cannot open a file beside the database (SQLITE_CANTOPEN)";
	default:
		return NULL;
	}
}

static int db_fail(struct st_store *s, char *err, const char *what)
{
	const char *cause;

	s->last_code = sqlite3_extended_errcode(s->db);
	if ((s->last_code & 0xff) == SQLITE_IOERR && sqlite3_system_errno(s->db) == ENOSPC)
		s->last_code = SQLITE_FULL;  /* e.g. no room for the -shm index */
	cause = plain_cause(s->last_code);
	if (cause)
		return st_fail(err, ST_ERR_DB, "%s: %s: %s", s->path, what, cause);
	return st_fail(err, ST_ERR_DB, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* 1 if the last failure db_fail() reported was the disk (full or I/O). */
static int disk_fault(struct st_store *s)
{
	int code = s->last_code & 0xff;

	return code == SQLITE_FULL || code == SQLITE_IOERR;
}

/* Copy at most n-1 bytes of src without cutting a UTF-8 sequence. */
static void copy_text(char *dst, size_t n, const char *src)
{
	size_t len;

	if (!src)
		src = "";
	len = strlen(src);
	if (len >= n) {
		len = n - 1;
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void col_text(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	copy_text(dst, n, (const char *)sqlite3_column_text(st, col));
}

static double col_real(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, col);
}

static int bind_str(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static int bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_double(st, i, v);
}

static int bind_id(sqlite3_stmt *st, int i, long long id)
{
	if (id <= 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, id);
}

/* Run one SQL statement that takes no values and returns no rows we need. */
static int exec_sql(struct st_store *s, const char *sql, char *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(s, err, sql);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(s, err, sql);
	return ST_OK;
}

static int pragma_int(struct st_store *s, const char *sql, long long *out, char *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_fail(s, err, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*out = 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, sql);
	return ST_OK;
}

static void rollback(struct st_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int q_get(struct st_store *s, enum store_q q, sqlite3_stmt **out, char *err)
{
	if (s->readonly)
		return st_fail(err, ST_ERR_ARG, "%s: opened read-only, cannot record", s->path);
	if (!s->q[q] && sqlite3_prepare_v3(s->db, q_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
					   &s->q[q], NULL) != SQLITE_OK)
		return db_fail(s, err, "prepare");
	*out = s->q[q];
	return ST_OK;
}

/* Step a bound writer statement once, then reset it for the next use. */
static int q_run(struct st_store *s, sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);
	int ret = ST_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = db_fail(s, err, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

static const char *hostname(void)
{
	static char host[256];

	if (!host[0] && gethostname(host, sizeof(host) - 1) != 0)
		st_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	return host;
}

/* "<boot id>/<start time in clock ticks>" of a process, "" if unknown; *state
 * gets its state letter ('Z' for a zombie), or 0. */
static void proc_tag(long pid, char *tag, size_t n, char *state)
{
	char buf[1024], boot[64] = "", path[64];
	FILE *f;
	size_t len;
	char *p, *tok, *save = NULL;
	int field;

	tag[0] = '\0';
	*state = 0;
	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f) {
		if (!fgets(boot, sizeof(boot), f))
			boot[0] = '\0';
		fclose(f);
		p = st_trim(boot);
		memmove(boot, p, strlen(p) + 1);
	}
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (!p)
		return;
	/* fields after "(comm)": 3 state ... 22 starttime */
	for (tok = strtok_r(p + 1, " ", &save), field = 3; tok; tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 3)
			*state = tok[0];
		if (field == 22) {
			snprintf(tag, n, "%s/%s", boot, tok);
			return;
		}
	}
}

/* Is the station process that owns a 'running' run still there? */
static int owner_alive(long long pid, const char *tag)
{
	char cur[128], state;

	if (pid <= 0 || pid > INT_MAX)
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	proc_tag((long)pid, cur, sizeof(cur), &state);
	if (state == 'Z' || state == 'X')
		return 0;
	if (tag && tag[0] && cur[0] && strcmp(tag, cur) != 0)
		return 0;  /* pid reused by another process, or rebooted */
	return 1;
}

/* --- migrations --- */

static int migration_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;

	return (x->version > y->version) - (x->version < y->version);
}

/* List NNN_name.sql files of dir in order; numbers must run 1, 2, 3... */
static int migrations_load(const char *dir, struct migration **out, int *count, char *err)
{
	DIR *d;
	struct dirent *de;
	struct migration *m;
	int n = 0;

	d = opendir(dir);
	if (!d)
		return st_fail(err, ST_ERR_IO, "%s: cannot read the migrations directory: %s "
			       "(set STATION_DATA to the station's data directory)", dir, strerror(errno));
	m = calloc(STORE_MAX_MIGRATIONS, sizeof(*m));
	if (!m) {
		closedir(d);
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", dir);
	}
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		long v = 0;
		const char *p = name;

		if (len < 5 || strcmp(name + len - 4, ".sql") != 0 || !isdigit((unsigned char)name[0]))
			continue;
		while (isdigit((unsigned char)*p) && v < 100000)
			v = v * 10 + (*p++ - '0');
		if (*p != '_' || v < 1 || v > STORE_MAX_MIGRATIONS || len >= sizeof(m[0].file)) {
			closedir(d);
			free(m);
			return st_fail(err, ST_ERR_PARSE, "%s/%s: a migration is named NNN_name.sql, "
				       "NNN from 001 to %d", dir, name, STORE_MAX_MIGRATIONS);
		}
		if (n == STORE_MAX_MIGRATIONS) {
			closedir(d);
			free(m);
			return st_fail(err, ST_ERR_PARSE, "%s: more than %d migrations", dir,
				       STORE_MAX_MIGRATIONS);
		}
		m[n].version = (int)v;
		st_strlcpy(m[n].file, name, sizeof(m[n].file));
		n++;
	}
	closedir(d);
	qsort(m, (size_t)n, sizeof(*m), migration_cmp);
	for (int i = 0; i < n; i++) {
		if (m[i].version != i + 1) {
			int bad = m[i].version == i ? i : i + 1;
			int r = st_fail(err, ST_ERR_PARSE, i > 0 && m[i].version == m[i - 1].version ?
					"%s: two migrations numbered %03d (%s)" :
					"%s: migration %03d is missing (next is %s)",
					dir, bad, m[i].file);
			free(m);
			return r;
		}
	}
	if (!n) {
		free(m);
		return st_fail(err, ST_ERR_IO, "%s: no migration files (NNN_name.sql) "
			       "(set STATION_DATA to the station's data directory)", dir);
	}
	*out = m;
	*count = n;
	return ST_OK;
}

static int line_of(const char *text, const char *at)
{
	int line = 1;

	for (const char *p = text; p < at && *p; p++)
		if (*p == '\n')
			line++;
	return line;
}

/* First character of the next statement: skips blanks and comments. */
static const char *skip_blank(const char *p)
{
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return p;
			p = e + 2;
		} else {
			return p;
		}
	}
}

/* Run every statement of one migration file inside the open transaction. */
static int run_script(struct st_store *s, const char *file, const char *text, char *err)
{
	const char *sql = text, *tail, *start;
	sqlite3_stmt *st;
	int rc;

	while (*(sql = skip_blank(sql))) {
		start = sql;
		rc = sqlite3_prepare_v2(s->db, sql, -1, &st, &tail);
		if (rc != SQLITE_OK) {
			const char *at = start;
#if SQLITE_VERSION_NUMBER >= 3038000
			int off = sqlite3_error_offset(s->db);
			if (off >= 0)
				at = start + off;
#endif
			return st_fail(err, ST_ERR_DB, "%s: migration %s:%d: %s", s->path, file,
				       line_of(text, at), sqlite3_errmsg(s->db));
		}
		if (!st) {
			sql = tail;
			continue;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return st_fail(err, ST_ERR_DB, "%s: migration %s:%d: %s", s->path, file,
				       line_of(text, start), sqlite3_errmsg(s->db));
		if (sqlite3_get_autocommit(s->db))
			return st_fail(err, ST_ERR_DB, "%s: migration %s:%d: a migration must not "
				       "end the transaction (no BEGIN/COMMIT in migration files)",
				       s->path, file, line_of(text, start));
		sql = tail;
	}
	return ST_OK;
}

/* After the migrations, no row may point at a missing parent. */
static int fk_check(struct st_store *s, const char *after, char *err)
{
	sqlite3_stmt *st;
	int rc, ret = ST_OK;

	if (sqlite3_prepare_v2(s->db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "foreign_key_check");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = st_fail(err, ST_ERR_DB, "%s: %s: row %lld of table %s refers to a missing row of %s",
			      s->path, after, (long long)sqlite3_column_int64(st, 1),
			      (const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		ret = db_fail(s, err, "foreign_key_check");
	sqlite3_finalize(st);
	return ret;
}

static int record_migration(struct st_store *s, const struct migration *m, const char *sha, char *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	st_iso8601_now(now);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO schema_migrations (version, file, sha256, applied) "
			       "VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
		return st_fail(err, ST_ERR_DB, "%s: migration %s: recording it: %s (001 must create "
			       "schema_migrations)", s->path, m->file, sqlite3_errmsg(s->db));
	sqlite3_bind_int(st, 1, m->version);
	bind_str(st, 2, m->file);
	bind_str(st, 3, sha);
	bind_str(st, 4, now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return st_fail(err, ST_ERR_DB, "%s: migration %s: recording it: %s", s->path,
			       m->file, sqlite3_errmsg(s->db));
	return ST_OK;
}

/* Apply the migrations newer than the database, all in one transaction
 * with foreign keys off (so a table rebuild cannot cascade-delete rows);
 * any failure rolls every one of them back. */
static int migrate(struct st_store *s, const char *dir, const struct migration *m, int n, char *err)
{
	long long v;
	int ret, from = -1;
	char sql[64], path[PATH_MAX + 300];

	ret = exec_sql(s, "PRAGMA foreign_keys = OFF", err);
	if (ret)
		return ret;
	ret = exec_sql(s, "BEGIN IMMEDIATE", err);
	if (ret)
		return ret;
	ret = pragma_int(s, "PRAGMA user_version", &v, err);
	if (ret)
		goto rollback;
	from = (int)v;
	if (v > n) {  /* another station upgraded it while we looked */
		ret = st_fail(err, ST_ERR_REFUSED, "%s: database schema version %lld is newer than "
			      "this station knows (%d); use a newer station", s->path, v, n);
		goto rollback;
	}
	if (v == 0) {
		snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", ST_STORE_APP_ID);
		ret = exec_sql(s, sql, err);
		if (ret)
			goto rollback;
	}
	for (int i = 0; i < n; i++) {
		char *text = NULL, sha[65];
		size_t len;

		if (m[i].version <= v)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, m[i].file);
		ret = st_read_file(path, &text, &len, err);
		if (ret)
			goto rollback;
		st_sha256_hex(text, len, sha);
		ret = run_script(s, path, text, err);
		free(text);
		if (ret)
			goto rollback;
		/* PRAGMA takes no bound values; the number is ours, not input. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m[i].version);
		ret = exec_sql(s, sql, err);
		if (ret)
			goto rollback;
		ret = record_migration(s, &m[i], sha, err);
		if (ret)
			goto rollback;
	}
	ret = fk_check(s, "after the migrations", err);
	if (ret)
		goto rollback;
	ret = exec_sql(s, "COMMIT", err);
	if (ret)
		goto rollback;
	return exec_sql(s, "PRAGMA foreign_keys = ON", err);

rollback:
	rollback(s);
	if (err && from >= 0) {
		size_t l = strlen(err);
		snprintf(err + l, ST_ERRLEN - l, "; database left unchanged at version %d", from);
	}
	exec_sql(s, "PRAGMA foreign_keys = ON", NULL);
	return ret;
}

/* Runs this host left 'running' whose station process is gone. */
static int mark_interrupted(struct st_store *s, char *err)
{
	sqlite3_stmt *st = NULL;
	long long *ids = NULL, *nids;
	size_t n = 0, cap = 0;
	char now[32];
	int rc, ret = ST_OK;

	if (sqlite3_prepare_v2(s->db, "SELECT id, pid, pid_tag FROM runs "
			       "WHERE outcome = 'running' AND host = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "finding runs left running");
	bind_str(st, 1, hostname());
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (owner_alive(sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			nids = realloc(ids, cap * sizeof(*ids));
			if (!nids) {
				ret = st_fail(err, ST_ERR_MEM, "%s: out of memory", s->path);
				goto free_ids;
			}
			ids = nids;
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	if (rc != SQLITE_DONE) {
		ret = db_fail(s, err, "finding runs left running");
		goto free_ids;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!n)
		goto free_ids;
	st_iso8601_now(now);
	if (sqlite3_prepare_v2(s->db, "UPDATE runs SET outcome = 'interrupted', ended = ?2, "
			       "reason = ?3 WHERE id = ?1 AND outcome = 'running'",
			       -1, &st, NULL) != SQLITE_OK) {
		ret = db_fail(s, err, "marking interrupted runs");
		goto free_ids;
	}
	ret = exec_sql(s, "BEGIN IMMEDIATE", err);
	if (ret)
		goto free_ids;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		bind_str(st, 2, now);
		bind_str(st, 3, INTERRUPTED_REASON);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			ret = db_fail(s, err, "marking interrupted runs");
			rollback(s);
			goto free_ids;
		}
	}
	ret = exec_sql(s, "COMMIT", err);
	if (ret)
		rollback(s);
free_ids:
	sqlite3_finalize(st);
	free(ids);
	return ret;
}

/* --- open / close --- */

/* Refuse anything but an empty database or a station database. */
static int identify(struct st_store *s, long long *version, char *err)
{
	long long app, objects;
	int ret;

	ret = pragma_int(s, "PRAGMA application_id", &app, err);
	if (!ret)
		ret = pragma_int(s, "PRAGMA user_version", version, err);
	if (!ret)
		ret = pragma_int(s, "SELECT count(*) FROM sqlite_master", &objects, err);
	if (ret) {
		int code = sqlite3_errcode(s->db) & 0xff;
		if (code == SQLITE_NOTADB)
			return st_fail(err, ST_ERR_REFUSED, "%s: not a station database (%s); "
				       "refusing to touch it", s->path, sqlite3_errmsg(s->db));
		if (code == SQLITE_CORRUPT)
			return st_fail(err, ST_ERR_DB, "%s: database is corrupt (%s); left untouched "
				       "(docs/store.md: recovering)", s->path, sqlite3_errmsg(s->db));
		return ret;
	}
	if (app == ST_STORE_APP_ID && *version < 0)
		return st_fail(err, ST_ERR_REFUSED, "%s: schema version %lld (PRAGMA user_version) "
			       "is not one a station writes (0 or more); refusing to touch it", s->path,
			       *version);
	if (app == ST_STORE_APP_ID)
		return ST_OK;
	if (app == 0 && objects == 0 && *version == 0)
		return ST_OK;  /* empty: ours to build */
	return st_fail(err, ST_ERR_REFUSED, "%s: not a station database (application_id %#llx, "
		       "%lld schema objects); refusing to touch it", s->path, app, objects);
}

/* PRAGMA quick_check: the b-tree pages, their order and free list (not
 * the indexes' content: that is integrity_check, st_store_integrity).  A
 * corrupt file is ST_ERR_DB with the first problem; left untouched. */
static int quick_check(struct st_store *s, char *err)
{
	sqlite3_stmt *st;
	const char *msg;
	int rc, ret = ST_OK;

	/* a bigger page cache for the walk (the default 2 MiB thrashes) */
	exec_sql(s, "PRAGMA cache_size = -32768", NULL);
	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "quick_check");
	rc = sqlite3_step(st);
	msg = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (rc == SQLITE_ROW && (!msg || strcmp(msg, "ok")))
		ret = st_fail(err, ST_ERR_DB, "%s: the database file is corrupt (quick_check: %.200s); "
			      "left untouched (docs/store.md: recovering)", s->path,
			      msg ? msg : "no answer");
	else if (rc != SQLITE_ROW)
		ret = db_fail(s, err, "quick_check");
	sqlite3_finalize(st);
	exec_sql(s, "PRAGMA cache_size = -2000", NULL);
	return ret;
}

/* Paths SQLite would not keep in a file: an in-memory database (the run
 * would be gone at exit) or a URI; a station database is a plain file. */
static int path_refused(const char *path, char *err)
{
	if (!strcmp(path, ":memory:") || !strncmp(path, "file:", 5))
		return st_fail(err, ST_ERR_ARG, "%s: a station database is a plain file path; an "
			       "in-memory database or a file: URI would keep nothing after the "
			       "run", path);
	return ST_OK;
}

/* Reopen s->path read-only through a "file:...?immutable=1" URI. */
static int open_immutable(struct st_store *s, char *err)
{
	static const char hex[] = "0123456789ABCDEF";
	char *uri = malloc(strlen(s->path) * 3 + 32), *o;

	if (!uri)
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", s->path);
	o = uri + sprintf(uri, "file:");
	for (const unsigned char *p = (const unsigned char *)s->path; *p; p++) {
		if (isalnum(*p) || strchr("/-._~", *p)) {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	strcpy(o, "?immutable=1");
	if (sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		free(uri);
		return st_fail(err, ST_ERR_IO, "%s: cannot open read-only: %s", s->path,
			       s->db ? sqlite3_errmsg(s->db) : "out of memory");
	}
	free(uri);
	sqlite3_extended_result_codes(s->db, 1);
	return ST_OK;
}

/* Reopen s->path in EXCLUSIVE locking mode, for reading only (s->readonly
 * makes every writer refuse): SQLite then keeps the WAL index in memory
 * and needs no -shm file, which a full disk has no room for; the WAL's
 * committed content is read all the same. */
static int open_exclusive_reader(struct st_store *s, long long *version, char *err)
{
	sqlite3_close_v2(s->db);
	s->db = NULL;
	if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return st_fail(err, ST_ERR_IO, "%s: cannot open read-only: %s", s->path,
			       s->db ? sqlite3_errmsg(s->db) : "out of memory");
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	s->readonly = 1;
	if (exec_sql(s, "PRAGMA locking_mode = EXCLUSIVE", err))
		return ST_ERR_IO;
	return identify(s, version, err);
}

static void unlink_db(const char *path)
{
	char p[PATH_MAX + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-journal", path);
	unlink(p);
}

int st_store_open_ex(struct st_store **out, const char *path, unsigned flags,
		     const char *migrations_dir, char *err)
{
	struct st_store *s;
	struct migration *m = NULL;
	struct stat sb;
	char dir[PATH_MAX];
	long long version = 0;
	int n = 0, created = 0, ret, rc, oflags;

	*out = NULL;
	if (!path || !*path)
		return st_fail(err, ST_ERR_ARG, "store: empty database path");
	if (strlen(path) >= PATH_MAX)
		return st_fail(err, ST_ERR_ARG, "store: database path too long");
	if (path_refused(path, err))
		return ST_ERR_ARG;
	if (stat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode))
			return st_fail(err, ST_ERR_IO, "%s: not a regular file", path);
	} else if (errno != ENOENT) {
		return st_fail(err, ST_ERR_IO, "%s: %s", path, strerror(errno));
	} else if (flags & (ST_STORE_NOCREATE | ST_STORE_READONLY)) {
		return st_fail(err, ST_ERR_NOTFOUND, "%s: no such database", path);
	} else {
		created = 1;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", path);
	st_strlcpy(s->path, path, sizeof(s->path));
	s->readonly = !!(flags & ST_STORE_READONLY);
	oflags = s->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (created)
		oflags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &s->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		int e = s->db ? sqlite3_system_errno(s->db) : 0;
		ret = st_fail(err, ST_ERR_IO, "%s: cannot open: %s%s%s", path,
			      s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc),
			      e ? ": " : "", e ? strerror(e) : "");
		goto close_db;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (!s->readonly && sqlite3_db_readonly(s->db, "main") == 1) {
		if (!(flags & ST_STORE_READONLY_OK)) {
			ret = st_fail(err, ST_ERR_IO, "%s: file is read-only; cannot record runs", path);
			goto close_db;
		}
		s->readonly = 1;
	}

	ret = identify(s, &version, err);
	if (ret && s->readonly && !created) {
		/* A WAL database in a directory we cannot write: no -shm can be
		 * made, so read the file as immutable (nobody can be writing it
		 * through WAL without one either). */
		int code = sqlite3_errcode(s->db) & 0xff;

		if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN) {
			sqlite3_close_v2(s->db);
			s->db = NULL;
			ret = open_immutable(s, err);
			if (!ret)
				ret = identify(s, &version, err);
		}
	}
	if (ret && !created && disk_fault(s) && (flags & ST_STORE_READONLY_OK)) {
		/* A full disk has no room for the -shm index: read it alone */
		ret = open_exclusive_reader(s, &version, err);
	}
	if (ret && disk_fault(s))
		ret = ST_ERR_IO;  /* a station fault, not a bad database */
	if (!ret && !created && !(flags & ST_STORE_NOCHECK))
		ret = quick_check(s, err);
	if (ret)
		goto close_db;
	if (!migrations_dir) {
		snprintf(dir, sizeof(dir), "%s/db", st_data_dir());
		migrations_dir = dir;
	}
	ret = migrations_load(migrations_dir, &m, &n, err);
	if (ret)
		goto close_db;
	if (version > n) {
		ret = st_fail(err, ST_ERR_REFUSED, "%s: database schema version %lld is newer than "
			      "this station knows (%d); use a newer station", path, version, n);
		goto free_migrations;
	}

	if (s->readonly) {
		if (version < n) {
			ret = st_fail(err, ST_ERR_REFUSED, "%s: database schema version %lld is older "
				      "than this station's (%d) and the file is read-only; open it "
				      "writable once to upgrade it", path, version, n);
			goto free_migrations;
		}
		ret = exec_sql(s, "PRAGMA foreign_keys = ON", err);
		if (ret)
			goto free_migrations;
	} else {
		/* Only now, with the file known to be ours, do we write to it. */
		ret = exec_sql(s, "PRAGMA journal_mode = WAL", err);
		if (!ret)
			ret = exec_sql(s, "PRAGMA synchronous = NORMAL", err);
		if (ret)
			goto free_migrations;
		if (version < n) {
			ret = migrate(s, migrations_dir, m, n, err);
			if (ret)
				goto free_migrations;
		}
		ret = exec_sql(s, "PRAGMA foreign_keys = ON", err);
		if (!ret)
			ret = mark_interrupted(s, err);
		if (ret && disk_fault(s) && (flags & ST_STORE_READONLY_OK)) {
			/* a full disk must not hide the runs stored before it: read on,
			 * the orphans stay "running" until there is room to mark them */
			s->readonly = 1;
			ret = ST_OK;
		}
		if (ret && disk_fault(s))
			ret = ST_ERR_IO;  /* a station fault, not a bad database */
		if (ret)
			goto free_migrations;
	}
	ret = pragma_int(s, "PRAGMA user_version", &version, err);
	if (ret)
		goto free_migrations;
	s->version = (int)version;
	free(m);
	*out = s;
	return ST_OK;

free_migrations:
	free(m);
close_db:
	st_store_close(s);
	if (created)
		unlink_db(path);
	return ret;
}

int st_store_open(struct st_store **out, const char *path, char *err)
{
	return st_store_open_ex(out, path, 0, NULL, err);
}

void st_store_close(struct st_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(s->q[i]);
	sqlite3_close_v2(s->db);
	free(s);
}

const char *st_store_default_path(void)
{
	const char *p = getenv("STATION_DB");

	return p && *p ? p : "station.db";
}

const char *st_store_path(const struct st_store *s)
{
	return s->path;
}

int st_store_schema_version(const struct st_store *s)
{
	return s->version;
}

int st_store_is_readonly(const struct st_store *s)
{
	return s->readonly;
}

/* --- writers --- */

static int uuid_ok(char *u)
{
	if (strlen(u) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		u[i] = (char)tolower((unsigned char)u[i]);
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)u[i])) {
			return 0;
		}
	}
	return 1;
}

/* "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (UTC) -> always with milliseconds, so that
 * runs sort by time as text; 0 if it is not that form. */
static int iso_ok(char *t)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	size_t len = strlen(t);

	if (len == 20 && t[19] == 'Z') {
		memcpy(t + 19, ".000Z", 6);
		len = 24;
	}
	if (len != 24)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (form[i] == 'd' ? !isdigit((unsigned char)t[i]) : t[i] != form[i])
			return 0;
	return 1;
}

int st_store_run_begin(struct st_store *s, struct st_run_info *ri, char *err)
{
	sqlite3_stmt *unit = NULL, *run = NULL;
	char tag[128], state;
	int ret;

	if (!ri->serial[0])
		return st_fail(err, ST_ERR_ARG, "%s: a run needs the unit's serial", s->path);
	if (!ri->uuid[0])
		st_uuid4(ri->uuid);
	else if (!uuid_ok(ri->uuid))
		return st_fail(err, ST_ERR_ARG, "%s: bad run uuid '%s'", s->path, ri->uuid);
	if (!ri->started[0])
		st_iso8601_now(ri->started);
	else if (!iso_ok(ri->started))
		return st_fail(err, ST_ERR_ARG, "%s: run start '%s' is not ISO 8601 UTC "
			       "(YYYY-MM-DDTHH:MM:SS.mmmZ)", s->path, ri->started);
	ret = q_get(s, Q_UNIT_UPSERT, &unit, err);
	if (!ret)
		ret = q_get(s, Q_RUN_INSERT, &run, err);
	if (ret)
		return ret;
	proc_tag((long)getpid(), tag, sizeof(tag), &state);

	ret = exec_sql(s, "BEGIN IMMEDIATE", err);
	if (ret)
		return ret;
	bind_str(unit, 1, ri->serial);
	bind_str(unit, 2, ri->model);
	bind_str(unit, 3, ri->started);
	ret = q_run(s, unit, "recording the unit", err);
	if (ret)
		goto rollback;
	bind_str(run, 1, ri->uuid);
	bind_str(run, 2, ri->serial);
	bind_str(run, 3, ri->model);
	bind_str(run, 4, ri->firmware);
	bind_str(run, 5, ri->plan);
	bind_str(run, 6, ri->limits_path);
	bind_str(run, 7, ri->limits_hash);
	bind_str(run, 8, ri->station);
	bind_str(run, 9, ri->operator_);
	bind_str(run, 10, ri->fixture);
	bind_str(run, 11, ri->started);
	bind_str(run, 12, ri->disposition);
	bind_str(run, 13, ri->reason);
	sqlite3_bind_int64(run, 14, (long long)getpid());
	bind_str(run, 15, hostname());
	bind_str(run, 16, tag);
	ret = q_run(s, run, "recording the run", err);
	if (ret)
		goto rollback;
	ri->id = sqlite3_last_insert_rowid(s->db);
	ret = exec_sql(s, "COMMIT", err);
	if (ret)
		goto rollback;
	st_strlcpy(ri->outcome, "running", sizeof(ri->outcome));
	ri->ended[0] = '\0';
	return ST_OK;

rollback:
	rollback(s);
	return ret;
}

static int changed_one(struct st_store *s, long long id, const char *what, char *err)
{
	if (sqlite3_changes(s->db) == 0)
		return st_fail(err, ST_ERR_NOTFOUND, "%s: no %s with id %lld", s->path, what, id);
	return ST_OK;
}

int st_store_run_update_firmware(struct st_store *s, long long run_id, const char *firmware, char *err)
{
	sqlite3_stmt *st = NULL;
	int ret = q_get(s, Q_RUN_FIRMWARE, &st, err);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	bind_str(st, 2, firmware);
	ret = q_run(s, st, "recording the firmware", err);
	return ret ? ret : changed_one(s, run_id, "run", err);
}

int st_store_step(struct st_store *s, long long run_id, int idx, const char *name,
		  const char *kind, const char *verdict, double started_s, double duration_s,
		  const char *message, long long *step_id, char *err)
{
	sqlite3_stmt *st = NULL;
	int ret = q_get(s, Q_STEP_INSERT, &st, err);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, idx);
	bind_str(st, 3, name);
	bind_str(st, 4, kind);
	bind_str(st, 5, verdict);
	bind_real(st, 6, started_s);
	bind_real(st, 7, duration_s);
	bind_str(st, 8, message);
	ret = q_run(s, st, "recording a step", err);
	if (ret)
		return ret;
	if (step_id)
		*step_id = sqlite3_last_insert_rowid(s->db);
	return ST_OK;
}

int st_store_step_end(struct st_store *s, long long step_id, const char *verdict,
		      double duration_s, const char *message, char *err)
{
	sqlite3_stmt *st = NULL;
	int ret = q_get(s, Q_STEP_END, &st, err);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, step_id);
	bind_str(st, 2, verdict);
	bind_real(st, 3, duration_s);
	bind_str(st, 4, message);
	ret = q_run(s, st, "finishing a step", err);
	return ret ? ret : changed_one(s, step_id, "step", err);
}

int st_store_measurement(struct st_store *s, long long run_id, long long step_id,
			 const char *name, double value, const char *unit,
			 double low, double high, const char *verdict, char *err)
{
	sqlite3_stmt *st = NULL;
	int ret = q_get(s, Q_MEAS_INSERT, &st, err);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	bind_id(st, 2, step_id);
	bind_str(st, 3, name);
	bind_real(st, 4, value);
	bind_str(st, 5, unit);
	bind_real(st, 6, low);
	bind_real(st, 7, high);
	bind_str(st, 8, verdict);
	return q_run(s, st, "recording a measurement", err);
}

int st_store_event(struct st_store *s, long long run_id, double t_s, const char *kind,
		   const char *text, char *err)
{
	sqlite3_stmt *st = NULL;
	int ret = q_get(s, Q_EVENT_INSERT, &st, err);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_double(st, 2, isnan(t_s) ? 0.0 : t_s);
	bind_str(st, 3, kind);
	bind_str(st, 4, text);
	return q_run(s, st, "recording an event", err);
}

int st_store_artifact(struct st_store *s, long long run_id, long long step_id,
		      const char *kind, const char *path, const char *sha256, char *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (!path || !*path)
		return st_fail(err, ST_ERR_ARG, "%s: an artifact needs a path", s->path);
	ret = q_get(s, Q_ARTIFACT_INSERT, &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	bind_id(st, 2, step_id);
	bind_str(st, 3, kind);
	bind_str(st, 4, path);
	bind_str(st, 5, sha256);
	return q_run(s, st, "recording an artifact", err);
}

int st_store_run_end(struct st_store *s, long long run_id, const char *outcome,
		     const char *disposition, const char *reason, char *err)
{
	static const char *const finals[] = { "PASS", "FAIL", "ERROR", "ABORTED" };
	sqlite3_stmt *st = NULL;
	char now[32];
	int ret, ok = 0;

	for (size_t i = 0; outcome && i < ST_ARRAY_SIZE(finals); i++)
		ok |= !strcmp(outcome, finals[i]);
	if (!ok)
		return st_fail(err, ST_ERR_ARG, "%s: run outcome '%s' is not PASS, FAIL, ERROR or ABORTED",
			       s->path, outcome ? outcome : "");
	ret = q_get(s, Q_RUN_END, &st, err);
	if (ret)
		return ret;
	st_iso8601_now(now);
	sqlite3_bind_int64(st, 1, run_id);
	bind_str(st, 2, outcome);
	bind_str(st, 3, disposition);
	bind_str(st, 4, reason);
	bind_str(st, 5, now);
	ret = q_run(s, st, "ending the run", err);
	if (ret)
		return ret;
	if (sqlite3_changes(s->db) == 0) {
		struct st_run_info ri;
		sqlite3_stmt *q;
		int rc;

		if (sqlite3_prepare_v2(s->db, "SELECT outcome FROM runs WHERE id = ?1", -1, &q,
				       NULL) != SQLITE_OK)
			return db_fail(s, err, "ending the run");
		sqlite3_bind_int64(q, 1, run_id);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			col_text(ri.outcome, sizeof(ri.outcome), q, 0);
		sqlite3_finalize(q);
		if (rc != SQLITE_ROW)
			return st_fail(err, ST_ERR_NOTFOUND, "%s: no run with id %lld", s->path, run_id);
		return st_fail(err, ST_ERR_ARG, "%s: run %lld already ended %s", s->path, run_id,
			       ri.outcome);
	}
	return ST_OK;
}

/* --- readers --- */

static void run_from_row(sqlite3_stmt *st, struct st_run_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->id = sqlite3_column_int64(st, 0);
	col_text(ri->uuid, sizeof(ri->uuid), st, 1);
	col_text(ri->serial, sizeof(ri->serial), st, 2);
	col_text(ri->model, sizeof(ri->model), st, 3);
	col_text(ri->firmware, sizeof(ri->firmware), st, 4);
	col_text(ri->plan, sizeof(ri->plan), st, 5);
	col_text(ri->limits_path, sizeof(ri->limits_path), st, 6);
	col_text(ri->limits_hash, sizeof(ri->limits_hash), st, 7);
	col_text(ri->station, sizeof(ri->station), st, 8);
	col_text(ri->operator_, sizeof(ri->operator_), st, 9);
	col_text(ri->fixture, sizeof(ri->fixture), st, 10);
	col_text(ri->started, sizeof(ri->started), st, 11);
	col_text(ri->ended, sizeof(ri->ended), st, 12);
	col_text(ri->outcome, sizeof(ri->outcome), st, 13);
	col_text(ri->disposition, sizeof(ri->disposition), st, 14);
	col_text(ri->reason, sizeof(ri->reason), st, 15);
}

static int prepare_read(struct st_store *s, const char *sql, sqlite3_stmt **st, char *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading");
	return ST_OK;
}

/* Finish a reader loop: rc is the last sqlite3_step() result. */
static int finish_read(struct st_store *s, sqlite3_stmt *st, int rc, char *err)
{
	int ret = ST_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = db_fail(s, err, "reading");
	sqlite3_finalize(st);
	return ret;
}

int st_store_runs(struct st_store *s, const char *serial, int limit,
		  int (*cb)(const struct st_run_info *ri, void *ctx), void *ctx, char *err)
{
	sqlite3_stmt *st;
	struct st_run_info ri;
	int rc, ret;

	ret = prepare_read(s, serial ?
			   "SELECT " RUN_COLS " FROM runs WHERE serial = ?2 "
			   "ORDER BY started DESC, id DESC LIMIT ?1" :
			   "SELECT " RUN_COLS " FROM runs ORDER BY started DESC, id DESC LIMIT ?1",
			   &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	if (serial)
		bind_str(st, 2, serial);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		run_from_row(st, &ri);
		if (cb(&ri, ctx))
			break;
	}
	return finish_read(s, st, rc, err);
}

int st_store_count_runs(struct st_store *s, const char *serial, long long *n, char *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	ret = prepare_read(s, serial ? "SELECT count(*) FROM runs WHERE serial = ?1" :
			   "SELECT count(*) FROM runs", &st, err);
	if (ret)
		return ret;
	if (serial)
		bind_str(st, 1, serial);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	return finish_read(s, st, rc, err);
}

int st_store_steps(struct st_store *s, long long run_id, int (*cb)(const struct st_step_row *, void *),
		   void *ctx, char *err)
{
	sqlite3_stmt *st;
	struct st_step_row r;
	int rc, ret;

	ret = prepare_read(s, "SELECT id, idx, name, kind, verdict, started_s, duration_s, message "
			   "FROM steps WHERE run_id = ?1 ORDER BY idx, id", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(st, 0);
		r.idx = sqlite3_column_int(st, 1);
		col_text(r.name, sizeof(r.name), st, 2);
		col_text(r.kind, sizeof(r.kind), st, 3);
		col_text(r.verdict, sizeof(r.verdict), st, 4);
		r.started_s = col_real(st, 5);
		r.duration_s = col_real(st, 6);
		col_text(r.message, sizeof(r.message), st, 7);
		if (cb(&r, ctx))
			break;
	}
	return finish_read(s, st, rc, err);
}

int st_store_measurements(struct st_store *s, long long run_id,
			  int (*cb)(const struct st_meas_row *, void *), void *ctx, char *err)
{
	sqlite3_stmt *st;
	struct st_meas_row r;
	int rc, ret;

	ret = prepare_read(s, "SELECT m.step_id, m.name, m.value, m.unit, m.low, m.high, m.verdict "
			   "FROM measurements m LEFT JOIN steps s ON s.id = m.step_id "
			   "WHERE m.run_id = ?1 ORDER BY m.step_id IS NULL, s.idx, s.id, m.id",
			   &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.step_id = sqlite3_column_int64(st, 0);
		col_text(r.name, sizeof(r.name), st, 1);
		r.value = col_real(st, 2);
		col_text(r.unit, sizeof(r.unit), st, 3);
		r.low = col_real(st, 4);
		r.high = col_real(st, 5);
		col_text(r.verdict, sizeof(r.verdict), st, 6);
		if (cb(&r, ctx))
			break;
	}
	return finish_read(s, st, rc, err);
}

int st_store_events(struct st_store *s, long long run_id, int (*cb)(const struct st_event_row *, void *),
		    void *ctx, char *err)
{
	sqlite3_stmt *st;
	struct st_event_row r;
	int rc, ret;

	ret = prepare_read(s, "SELECT id, t_s, kind, text FROM events WHERE run_id = ?1 "
			   "ORDER BY t_s, id", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(st, 0);
		r.t_s = col_real(st, 1);
		col_text(r.kind, sizeof(r.kind), st, 2);
		col_text(r.text, sizeof(r.text), st, 3);
		if (cb(&r, ctx))
			break;
	}
	return finish_read(s, st, rc, err);
}

int st_store_artifacts(struct st_store *s, long long run_id,
		       int (*cb)(const struct st_artifact_row *, void *), void *ctx, char *err)
{
	sqlite3_stmt *st;
	struct st_artifact_row r;
	int rc, ret;

	ret = prepare_read(s, "SELECT id, step_id, kind, path, sha256 FROM artifacts "
			   "WHERE run_id = ?1 ORDER BY id", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = sqlite3_column_int64(st, 0);
		r.step_id = sqlite3_column_int64(st, 1);
		col_text(r.kind, sizeof(r.kind), st, 2);
		col_text(r.path, sizeof(r.path), st, 3);
		col_text(r.sha256, sizeof(r.sha256), st, 4);
		if (cb(&r, ctx))
			break;
	}
	return finish_read(s, st, rc, err);
}

int st_store_find_run(struct st_store *s, const char *uuid_prefix, struct st_run_info *ri, char *err)
{
	char lo[37], hi[38];
	sqlite3_stmt *st;
	size_t len = uuid_prefix ? strlen(uuid_prefix) : 0;
	int rc, ret, found = 0;

	if (len == 0 || len > 36)
		return st_fail(err, ST_ERR_ARG, "%s: a run is named by 1 to 36 characters of its uuid",
			       s->path);
	for (size_t i = 0; i < len; i++) {
		char c = (char)tolower((unsigned char)uuid_prefix[i]);
		if (!isxdigit((unsigned char)c) && c != '-')
			return st_fail(err, ST_ERR_ARG, "%s: '%s' is not the start of a run uuid",
				       s->path, uuid_prefix);
		lo[i] = c;
	}
	lo[len] = '\0';
	/* Every uuid character sorts below 'g': [lo, lo"g") is the prefix range. */
	snprintf(hi, sizeof(hi), "%sg", lo);
	ret = prepare_read(s, "SELECT " RUN_COLS " FROM runs WHERE uuid >= ?1 AND uuid < ?2 "
			   "ORDER BY id LIMIT 2", &st, err);
	if (ret)
		return ret;
	bind_str(st, 1, lo);
	bind_str(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (found++ == 0)
			run_from_row(st, ri);
	}
	ret = finish_read(s, st, rc, err);
	if (ret)
		return ret;
	if (!found)
		return st_fail(err, ST_ERR_NOTFOUND, "%s: no run uuid starts with '%s'", s->path, lo);
	if (found > 1)
		return st_fail(err, ST_ERR_ARG, "%s: several runs' uuids start with '%s'; give more "
			       "of it", s->path, lo);
	return ST_OK;
}

int st_store_integrity(struct st_store *s, char *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	ret = prepare_read(s, "PRAGMA integrity_check", &st, err);
	if (ret)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *msg = (const char *)sqlite3_column_text(st, 0);
		if (!msg || strcmp(msg, "ok") != 0) {
			ret = st_fail(err, ST_ERR_DB, "%s: integrity check: %s", s->path,
				      msg ? msg : "no answer");
			sqlite3_finalize(st);
			return ret;
		}
	}
	ret = finish_read(s, st, rc, err);
	if (ret)
		return ret;
	return fk_check(s, "foreign key check", err);
}
