/*
 * central.c - the connection to the fleet's central PostgreSQL database and
 * its schema (fleet.h, docs/fleet.md).
 *
 * The schema is the numbered files in <data dir>/db/central, applied by
 * `station sync --init` in one transaction under an advisory lock (two
 * stations initialising at once apply each file once).  Every other use
 * checks first that the schema is there and not newer than the files this
 * station ships, and refuses otherwise: a station never writes rows into a
 * schema it does not know.  Messages name the server as user@host:port/db,
 * never with a password.
 */
#include "fleet/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"
#include "model/model.h"
#include "store/store.h"

/* pg_advisory_xact_lock key for --init: "STN1". */
#define FLEET_INIT_LOCK 0x53544e31

void st_fleet_redact(const char *url, char *out, size_t n)
{
	const char *at, *scheme, *colon, *pw;
	size_t i = 0;

	if (!n)
		return;
	out[0] = '\0';
	if (!url)
		return;
	scheme = strstr(url, "://");
	at = scheme ? strchr(scheme + 3, '@') : NULL;
	colon = (scheme && at) ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
	for (const char *p = url; *p && i + 4 < n; p++) {
		if (colon && p == colon + 1) {     /* user:PASSWORD@ */
			memcpy(out + i, "***", 3);
			i += 3;
			p = at - 1;
			continue;
		}
		pw = NULL;
		if ((p == url || p[-1] == ' ' || p[-1] == '?' || p[-1] == '&') &&
		    !strncmp(p, "password=", 9))
			pw = p + 9;
		if (pw) {                          /* password=... in key=value or query */
			memcpy(out + i, "password=***", 12 < n - i - 1 ? 12 : n - i - 1);
			i += 12 < n - i - 1 ? 12 : n - i - 1;
			while (pw[0] && pw[0] != ' ' && pw[0] != '&')
				pw++;
			p = pw - 1;
			continue;
		}
		out[i++] = *p;
	}
	out[i] = '\0';
}

/* libpq's message, first line only, without a trailing newline. */
const char *fleet_pgmsg(PGconn *c)
{
	static __thread char buf[300];
	const char *m = c ? PQerrorMessage(c) : "no connection";
	size_t i = 0;

	while (m[i] && m[i] != '\n' && i + 1 < sizeof(buf)) {
		buf[i] = (unsigned char)m[i] < 0x20 ? ' ' : m[i];
		i++;
	}
	buf[i] = '\0';
	return buf;
}

int st_fleet_connect(struct st_fleet **out, const char *url, char *err)
{
	struct st_fleet *f;
	char safe[512];

	*out = NULL;
	if (!url || !*url)
		url = getenv("STATION_SYNC_URL");
	if (!url || !*url)
		return st_fail(err, ST_ERR_ARG, "no central database: give --to postgresql://... "
			       "or set STATION_SYNC_URL");
	f = calloc(1, sizeof(*f));
	if (!f)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	f->conn = PQconnectdb(url);
	if (!f->conn || PQstatus(f->conn) != CONNECTION_OK) {
		st_fleet_redact(url, safe, sizeof(safe));
		st_fail(err, ST_ERR_IO, "central database %s: cannot connect: %s", safe,
			fleet_pgmsg(f->conn));
		st_fleet_close(f);
		return ST_ERR_IO;
	}
	PQsetNoticeProcessor(f->conn, fleet_quiet_notice, NULL);
	snprintf(f->target, sizeof(f->target), "%s@%s:%s/%s", PQuser(f->conn),
		 PQhost(f->conn) ? PQhost(f->conn) : "", PQport(f->conn), PQdb(f->conn));
	*out = f;
	return ST_OK;
}

void fleet_quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

void st_fleet_close(struct st_fleet *f)
{
	if (!f)
		return;
	if (f->conn)
		PQfinish(f->conn);
	free(f);
}

const char *st_fleet_target(const struct st_fleet *f)
{
	return f ? f->target : "";
}

int fleet_exec(struct st_fleet *f, const char *sql, char *err)
{
	PGresult *r = PQexec(f->conn, sql);
	int ok = r && (PQresultStatus(r) == PGRES_COMMAND_OK ||
		       PQresultStatus(r) == PGRES_TUPLES_OK);

	PQclear(r);
	if (ok)
		return ST_OK;
	return fleet_fail(f, err, "%.60s", sql);
}

int fleet_fail(struct st_fleet *f, char *err, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	int lost = PQstatus(f->conn) != CONNECTION_OK;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return st_fail(err, lost ? ST_ERR_IO : ST_ERR_DB, "central database %s: %s: %s",
		       f->target, what, fleet_pgmsg(f->conn));
}

/* Highest applied central migration, 0 when there is no schema yet. */
static int schema_version(struct st_fleet *f, int *version, char *err)
{
	PGresult *r;
	int ret = ST_OK;

	*version = 0;
	r = PQexec(f->conn, "SELECT to_regclass('schema_migrations') IS NOT NULL");
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		PQclear(r);
		return fleet_fail(f, err, "reading the schema version");
	}
	if (strcmp(PQgetvalue(r, 0, 0), "t")) {
		PQclear(r);
		return ST_OK;
	}
	PQclear(r);
	r = PQexec(f->conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		ret = fleet_fail(f, err, "reading the schema version");
	else
		*version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return ret;
}

static void central_dir(char *out, size_t n)
{
	snprintf(out, n, "%s/db/central", st_data_dir());
}

static int apply_one(struct st_fleet *f, const char *dir, const char *file, int version,
		     char *err)
{
	char path[1024], sha[65], num[16];
	const char *params[3];
	char *text = NULL;
	size_t len;
	PGresult *r;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ret = st_read_file(path, &text, &len, err);
	if (ret)
		return ret;
	st_sha256_hex(text, len, sha);
	r = PQexec(f->conn, text);
	free(text);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		return fleet_fail(f, err, "%s", path);
	}
	PQclear(r);
	snprintf(num, sizeof(num), "%d", version);
	params[0] = num;
	params[1] = file;
	params[2] = sha;
	r = PQexecParams(f->conn, "INSERT INTO schema_migrations (version, file, sha256) "
			 "VALUES ($1, $2, $3)", 3, NULL, params, NULL, NULL, 0);
	ret = (r && PQresultStatus(r) == PGRES_COMMAND_OK) ? ST_OK :
		fleet_fail(f, err, "recording %s", file);
	PQclear(r);
	return ret;
}

int st_fleet_init(struct st_fleet *f, int *applied, char *err)
{
	char dir[600], lock[80], (*files)[256] = NULL;
	int n = 0, have = 0, ret;

	*applied = 0;
	central_dir(dir, sizeof(dir));
	ret = st_migrations_list(dir, &files, &n, err);
	if (ret)
		return ret;
	ret = fleet_exec(f, "BEGIN", err);
	if (ret)
		goto out_free;
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d)", FLEET_INIT_LOCK);
	ret = fleet_exec(f, lock, err);
	if (ret)
		goto out_rollback;
	ret = schema_version(f, &have, err);
	if (ret)
		goto out_rollback;
	if (have > n) {
		ret = st_fail(err, ST_ERR_DB, "central database %s: schema version %d is newer than "
			      "this station knows (%d); upgrade the station", f->target, have, n);
		goto out_rollback;
	}
	for (int i = have; i < n; i++) {
		ret = apply_one(f, dir, files[i], i + 1, err);
		if (ret)
			goto out_rollback;
		(*applied)++;
	}
	ret = fleet_exec(f, "COMMIT", err);
	if (ret)
		*applied = 0;
	goto out_free;

out_rollback:
	*applied = 0;
	fleet_exec(f, "ROLLBACK", NULL);
out_free:
	free(files);
	return ret;
}

int st_fleet_check(struct st_fleet *f, char fleet_id[64], char *err)
{
	char dir[600], (*files)[256] = NULL;
	int n = 0, have = 0, ret;
	PGresult *r;

	central_dir(dir, sizeof(dir));
	ret = st_migrations_list(dir, &files, &n, err);
	free(files);
	if (ret)
		return ret;
	ret = schema_version(f, &have, err);
	if (ret)
		return ret;
	if (have == 0)
		return st_fail(err, ST_ERR_DB, "central database %s has no station schema; "
			       "run 'station sync --init' once", f->target);
	if (have > n)
		return st_fail(err, ST_ERR_DB, "central database %s: schema version %d is newer "
			       "than this station knows (%d); upgrade the station", f->target, have, n);
	if (have < n)
		return st_fail(err, ST_ERR_DB, "central database %s: schema version %d is older "
			       "than this station's (%d); run 'station sync --init' to upgrade it",
			       f->target, have, n);
	r = PQexec(f->conn, "SHOW server_encoding");
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 ||
	    strcmp(PQgetvalue(r, 0, 0), "UTF8")) {
		ret = st_fail(err, ST_ERR_DB, "central database %s: encoding %s; the fleet's "
			      "database must be UTF8 (createdb -E UTF8)", f->target,
			      r && PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "unknown");
		PQclear(r);
		return ret;
	}
	PQclear(r);
	if (PQsetClientEncoding(f->conn, "UTF8"))
		return fleet_fail(f, err, "setting client_encoding");
	r = PQexec(f->conn, "SELECT value FROM fleet_meta WHERE key = 'fleet_id'");
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		PQclear(r);
		return fleet_fail(f, err, "reading fleet_id");
	}
	st_strlcpy(fleet_id, PQgetvalue(r, 0, 0), 64);
	PQclear(r);
	for (const char *p = fleet_id; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != '-')
			return st_fail(err, ST_ERR_DB, "central database %s: malformed fleet_id",
				       f->target);
	return ST_OK;
}
