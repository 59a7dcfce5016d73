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
 * Every open but a new file runs PRAGMA quick_check first.  The writers
 * are in store_write.c, the readers in store_read.c, the shared helpers in
 * store_sql.c (store_int.h).
 */
#include "store.h"
#include "store_int.h"

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

#define STORE_MAX_MIGRATIONS 999
#define INTERRUPTED_REASON "station stopped before the run ended"

/* One migration file found in the migrations directory. */
struct migration {
	int version;                /* its number: 001_init.sql -> 1 */
	char file[256];             /* file name without directory */
};

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
		return store_db_fail(s, err, "foreign_key_check");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = st_fail(err, ST_ERR_DB, "%s: %s: row %lld of table %s refers to a missing row of %s",
			      s->path, after, (long long)sqlite3_column_int64(st, 1),
			      (const char *)sqlite3_column_text(st, 0),
			      (const char *)sqlite3_column_text(st, 2));
	else if (rc != SQLITE_DONE)
		ret = store_db_fail(s, err, "foreign_key_check");
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
	store_bind_str(st, 2, m->file);
	store_bind_str(st, 3, sha);
	store_bind_str(st, 4, now);
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

	ret = store_exec_sql(s, "PRAGMA foreign_keys = OFF", err);
	if (ret)
		return ret;
	ret = store_exec_sql(s, "BEGIN IMMEDIATE", err);
	if (ret)
		return ret;
	ret = store_pragma_int(s, "PRAGMA user_version", &v, err);
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
		ret = store_exec_sql(s, sql, err);
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
		ret = store_exec_sql(s, sql, err);
		if (ret)
			goto rollback;
		ret = record_migration(s, &m[i], sha, err);
		if (ret)
			goto rollback;
	}
	ret = fk_check(s, "after the migrations", err);
	if (ret)
		goto rollback;
	ret = store_exec_sql(s, "COMMIT", err);
	if (ret)
		goto rollback;
	return store_exec_sql(s, "PRAGMA foreign_keys = ON", err);

rollback:
	store_rollback(s);
	if (err && from >= 0) {
		size_t l = strlen(err);
		snprintf(err + l, ST_ERRLEN - l, "; database left unchanged at version %d", from);
	}
	store_exec_sql(s, "PRAGMA foreign_keys = ON", NULL);
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
		return store_db_fail(s, err, "finding runs left running");
	store_bind_str(st, 1, store_hostname());
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (store_owner_alive(sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2)))
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
		ret = store_db_fail(s, err, "finding runs left running");
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
		ret = store_db_fail(s, err, "marking interrupted runs");
		goto free_ids;
	}
	ret = store_exec_sql(s, "BEGIN IMMEDIATE", err);
	if (ret)
		goto free_ids;
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, ids[i]);
		store_bind_str(st, 2, now);
		store_bind_str(st, 3, INTERRUPTED_REASON);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			ret = store_db_fail(s, err, "marking interrupted runs");
			store_rollback(s);
			goto free_ids;
		}
	}
	ret = store_exec_sql(s, "COMMIT", err);
	if (ret)
		store_rollback(s);
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

	ret = store_pragma_int(s, "PRAGMA application_id", &app, err);
	if (!ret)
		ret = store_pragma_int(s, "PRAGMA user_version", version, err);
	if (!ret)
		ret = store_pragma_int(s, "SELECT count(*) FROM sqlite_master", &objects, err);
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
	store_exec_sql(s, "PRAGMA cache_size = -32768", NULL);
	if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
		return store_db_fail(s, err, "quick_check");
	rc = sqlite3_step(st);
	msg = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
	if (rc == SQLITE_ROW && (!msg || strcmp(msg, "ok")))
		ret = st_fail(err, ST_ERR_DB, "%s: the database file is corrupt (quick_check: %.200s); "
			      "left untouched (docs/store.md: recovering)", s->path,
			      msg ? msg : "no answer");
	else if (rc != SQLITE_ROW)
		ret = store_db_fail(s, err, "quick_check");
	sqlite3_finalize(st);
	store_exec_sql(s, "PRAGMA cache_size = -2000", NULL);
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
	if (store_exec_sql(s, "PRAGMA locking_mode = EXCLUSIVE", err))
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

/* Open: read the header and schema version, falling back to the ways a
 * read-only directory or a full disk still let the file be read, then
 * PRAGMA quick_check an existing file (unless ST_STORE_NOCHECK). */
static int open_identify(struct st_store *s, int created, unsigned flags, long long *version,
			 char *err)
{
	int ret = identify(s, version, err);

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
				ret = identify(s, version, err);
		}
	}
	if (ret && !created && store_disk_fault(s) && (flags & ST_STORE_READONLY_OK)) {
		/* A full disk has no room for the -shm index: read it alone */
		ret = open_exclusive_reader(s, version, err);
	}
	if (ret && store_disk_fault(s))
		ret = ST_ERR_IO;  /* a station fault, not a bad database */
	if (!ret && !created && !(flags & ST_STORE_NOCHECK))
		ret = quick_check(s, err);
	return ret;
}

/* Open for writing, the file known to be ours: WAL, the migrations up to
 * n, foreign keys, the orphaned runs marked interrupted. */
static int open_for_writing(struct st_store *s, const char *migrations_dir,
			    const struct migration *m, int n, long long version, unsigned flags,
			    char *err)
{
	/* Only now, with the file known to be ours, do we write to it. */
	int ret = store_exec_sql(s, "PRAGMA journal_mode = WAL", err);

	if (!ret)
		ret = store_exec_sql(s, "PRAGMA synchronous = NORMAL", err);
	if (ret)
		return ret;
	if (version < n) {
		ret = migrate(s, migrations_dir, m, n, err);
		if (ret)
			return ret;
	}
	ret = store_exec_sql(s, "PRAGMA foreign_keys = ON", err);
	if (!ret)
		ret = mark_interrupted(s, err);
	if (ret && store_disk_fault(s) && (flags & ST_STORE_READONLY_OK)) {
		/* a full disk must not hide the runs stored before it: read on,
		 * the orphans stay "running" until there is room to mark them */
		s->readonly = 1;
		ret = ST_OK;
	}
	if (ret && store_disk_fault(s))
		ret = ST_ERR_IO;  /* a station fault, not a bad database */
	return ret;
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

	ret = open_identify(s, created, flags, &version, err);
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

	if (s->readonly && version < n) {
		ret = st_fail(err, ST_ERR_REFUSED, "%s: database schema version %lld is older "
			      "than this station's (%d) and the file is read-only; open it "
			      "writable once to upgrade it", path, version, n);
		goto free_migrations;
	}
	if (s->readonly)
		ret = store_exec_sql(s, "PRAGMA foreign_keys = ON", err);
	else
		ret = open_for_writing(s, migrations_dir, m, n, version, flags, err);
	if (ret)
		goto free_migrations;
	ret = store_pragma_int(s, "PRAGMA user_version", &version, err);
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

int st_store_integrity(struct st_store *s, char *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	ret = store_prepare_read(s, "PRAGMA integrity_check", &st, err);
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
	ret = store_finish_read(s, st, rc, err);
	if (ret)
		return ret;
	return fk_check(s, "foreign key check", err);
}

struct sqlite3 *st_store_db(struct st_store *s)
{
	return s->db;
}

int st_migrations_list(const char *dir, char (**files)[256], int *n, char *err)
{
	struct migration *m;
	int count, ret;

	ret = migrations_load(dir, &m, &count, err);
	if (ret)
		return ret;
	*files = calloc((size_t)count, sizeof(**files));
	if (!*files) {
		free(m);
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", dir);
	}
	for (int i = 0; i < count; i++)
		st_strlcpy((*files)[i], m[i].file, sizeof((*files)[i]));
	free(m);
	*n = count;
	return ST_OK;
}
