/*
 * store_sql.c - the store's small SQLite helpers (store_int.h): plain words for
 * SQLite's failures (a full disk, an I/O error, a corrupt file), binding and
 * reading values, one-shot statements, and which station process owns a run.
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

/* --- small helpers --- */

/* Why SQLite failed, said plainly for the ones a bench meets: a full disk,
 * an I/O error, a corrupt file, a file made read-only under us. */
const char *store_plain_cause(int code)
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

int store_db_fail(struct st_store *s, char *err, const char *what)
{
	const char *cause;

	s->last_code = sqlite3_extended_errcode(s->db);
	if ((s->last_code & 0xff) == SQLITE_IOERR && sqlite3_system_errno(s->db) == ENOSPC)
		s->last_code = SQLITE_FULL;  /* e.g. no room for the -shm index */
	cause = store_plain_cause(s->last_code);
	if (cause)
		return st_fail(err, ST_ERR_DB, "%s: %s: %s", s->path, what, cause);
	return st_fail(err, ST_ERR_DB, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* 1 if the last failure store_db_fail() reported was the disk (full or I/O). */
int store_disk_fault(struct st_store *s)
{
	int code = s->last_code & 0xff;

	return code == SQLITE_FULL || code == SQLITE_IOERR;
}

/* Copy at most n-1 bytes of src without cutting a UTF-8 sequence. */
void store_copy_text(char *dst, size_t n, const char *src)
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

void store_col_text(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	store_copy_text(dst, n, (const char *)sqlite3_column_text(st, col));
}

double store_col_real(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, col);
}

int store_bind_str(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

int store_bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_double(st, i, v);
}

int store_bind_id(sqlite3_stmt *st, int i, long long id)
{
	if (id <= 0)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_int64(st, i, id);
}

/* Run one SQL statement that takes no values and returns no rows we need. */
int store_exec_sql(struct st_store *s, const char *sql, char *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_db_fail(s, err, sql);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, err, sql);
	return ST_OK;
}

int store_pragma_int(struct st_store *s, const char *sql, long long *out, char *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_db_fail(s, err, sql);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*out = 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(s, err, sql);
	return ST_OK;
}

void store_rollback(struct st_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

const char *store_hostname(void)
{
	static char host[256];

	if (!host[0] && gethostname(host, sizeof(host) - 1) != 0)
		st_strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	return host;
}

/* "<boot id>/<start time in clock ticks>" of a process, "" if unknown; *state
 * gets its state letter ('Z' for a zombie), or 0. */
void store_proc_tag(long pid, char *tag, size_t n, char *state)
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
int store_owner_alive(long long pid, const char *tag)
{
	char cur[128], state;

	if (pid <= 0 || pid > INT_MAX)
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	store_proc_tag((long)pid, cur, sizeof(cur), &state);
	if (state == 'Z' || state == 'X')
		return 0;
	if (tag && tag[0] && cur[0] && strcmp(tag, cur) != 0)
		return 0;  /* pid reused by another process, or rebooted */
	return 1;
}

int store_prepare_read(struct st_store *s, const char *sql, sqlite3_stmt **st, char *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return store_db_fail(s, err, "reading");
	return ST_OK;
}

/* Finish a reader loop: rc is the last sqlite3_step() result. */
int store_finish_read(struct st_store *s, sqlite3_stmt *st, int rc, char *err)
{
	int ret = ST_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = store_db_fail(s, err, "reading");
	sqlite3_finalize(st);
	return ret;
}

int store_read_rows(struct st_store *s, const char *sql, long long id,
		    int (*row)(sqlite3_stmt *st, void *arg), void *arg, char *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	ret = store_prepare_read(s, sql, &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(st, arg))
			break;
	return store_finish_read(s, st, rc, err);
}
