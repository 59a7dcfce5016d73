/*
 * sync.c - `station sync`: send this station's finished runs to the fleet's
 * central PostgreSQL database (fleet.h, docs/fleet.md).
 *
 * Per run, one central transaction: the station and the unit upserted, the
 * run inserted keyed by its uuid (ON CONFLICT DO NOTHING), then its steps,
 * measurements, events and artifacts streamed with COPY; COMMIT; only then
 * is the run recorded as synced in the local store's sync_log.  So:
 *  - a sync killed before the COMMIT leaves nothing central, and the run is
 *    sent again next time;
 *  - a sync killed between the COMMIT and the local record finds the uuid
 *    already there next time, sends nothing and records it;
 *  - a run still `running` is never sent; it goes once it ends (or once the
 *    next station process marks it `interrupted`).
 * A lost connection stops the sync (a station fault, ST_ERR_IO); a run the
 * server refuses for its content is reported, skipped and retried next time,
 * so one bad row cannot hold back the runs behind it.  The local database
 * is only read between runs, in short statements, so tests on this station
 * go on while it syncs.  Text is sent as valid UTF-8 whatever was stored.
 */
#include "fleet/internal.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/enc.h"
#include "core/st.h"
#include "store/store.h"

/* Columns of a local run, in the order send_run() uses them. */
#define RUN_SQL "SELECT id, uuid, serial, model, firmware, plan, limits_path, limits_hash, " \
	"station, operator, fixture, started, coalesce(ended, ''), outcome, disposition, " \
	"reason, host FROM runs WHERE id = ?1"
enum { RC_ID, RC_UUID, RC_SERIAL, RC_MODEL, RC_FIRMWARE, RC_PLAN, RC_LPATH, RC_LHASH,
       RC_STATION, RC_OPERATOR, RC_FIXTURE, RC_STARTED, RC_ENDED, RC_OUTCOME, RC_DISP,
       RC_REASON, RC_HOST, RC_COUNT };

#define PENDING_SQL "SELECT id FROM runs WHERE outcome <> 'running' AND id NOT IN " \
	"(SELECT run_id FROM sync_log WHERE fleet_id = ?1) ORDER BY id"

/* A growing buffer for one COPY's data. */
struct buf {
	char *p;
	size_t len, cap;
};

static int buf_need(struct buf *b, size_t more)
{
	char *np;
	size_t cap;

	if (b->len + more + 1 <= b->cap)
		return ST_OK;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np)
		return ST_ERR_MEM;
	b->p = np;
	b->cap = cap;
	return ST_OK;
}

/* Copy s into out (n bytes) as COPY text, invalid UTF-8 replaced; bytes
 * written or -1 when out is too small. */
static int clean_text(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		const char *rep = NULL;
		long cp;
		size_t k = (size_t)st_utf8_next((const char *)p, &cp), w;
		char esc[3] = { '\\', 0, 0 };

		if ((*p == '\\' || *p == '\t' || *p == '\n' || *p == '\r')) {
			esc[1] = *p == '\\' ? '\\' : *p == '\t' ? 't' : *p == '\n' ? 'n' : 'r';
			rep = esc;
			k = 1;
		} else if (cp < 0) {
			rep = "\xef\xbf\xbd";   /* U+FFFD for a byte that is not UTF-8 */
			k = 1;
		}
		w = rep ? strlen(rep) : k;
		if (o + w + 1 > n)
			return -1;
		memcpy(out + o, rep ? rep : (const char *)p, w);
		o += w;
		p += k;
	}
	out[o] = '\0';
	return (int)o;
}

int st_fleet_copy_field(const char *s, char *out, size_t n)
{
	if (!s) {
		if (n < 3)
			return -1;
		memcpy(out, "\\N", 3);
		return 2;
	}
	return clean_text(s, out, n);
}

static int put_text(struct buf *b, const char *s, int last)
{
	size_t need = s ? strlen(s) * 3 + 4 : 4;
	int w;

	if (buf_need(b, need + 1))
		return ST_ERR_MEM;
	w = st_fleet_copy_field(s, b->p + b->len, b->cap - b->len);
	if (w < 0)
		return ST_ERR_MEM;
	b->len += (size_t)w;
	b->p[b->len++] = last ? '\n' : '\t';
	return ST_OK;
}

/* A column as COPY text: NULL stays \N, numbers keep full precision. */
static int put_col(struct buf *b, sqlite3_stmt *q, int col, int last)
{
	char num[40];

	switch (sqlite3_column_type(q, col)) {
	case SQLITE_NULL:
		return put_text(b, NULL, last);
	case SQLITE_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(q, col));
		return put_text(b, num, last);
	case SQLITE_FLOAT: {
		double v = sqlite3_column_double(q, col);

		if (!isfinite(v))
			return put_text(b, NULL, last);
		snprintf(num, sizeof(num), "%.17g", v);
		return put_text(b, num, last);
	}
	default:
		return put_text(b, (const char *)sqlite3_column_text(q, col), last);
	}
}

/* The artifact's file as a bytea COPY field (\\x + hex), or \N. */
static int put_file(struct buf *b, const char *path)
{
	static const char hx[] = "0123456789abcdef";
	unsigned char chunk[65536];
	FILE *fp = fopen(path, "rb");
	size_t got;

	if (!fp)
		return put_text(b, NULL, 0);
	if (buf_need(b, 3))
		goto out_mem;
	memcpy(b->p + b->len, "\\\\x", 3);
	b->len += 3;
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (buf_need(b, got * 2 + 2))
			goto out_mem;
		for (size_t i = 0; i < got; i++) {
			b->p[b->len++] = hx[chunk[i] >> 4];
			b->p[b->len++] = hx[chunk[i] & 15];
		}
	}
	fclose(fp);
	b->p[b->len++] = '\t';
	return ST_OK;

out_mem:
	fclose(fp);
	return ST_ERR_MEM;
}

/* Stream rows of a local query into COPY table (cols) FROM STDIN.  The
 * query's first column is replaced by the central run id. */
struct copy_spec {
	const char *local_sql;     /* SELECT ... WHERE run_id = ?1 */
	const char *copy_sql;      /* COPY table (run_id, ...) FROM STDIN */
	int file_col;              /* >= 0: this column is a path; add its bytes */
};

static int copy_rows(struct st_fleet *f, sqlite3 *db, const struct copy_spec *cs,
		     long long local_run, const char *central_id, int with_files,
		     long long *rows, char *err)
{
	struct buf b = { 0 };
	sqlite3_stmt *q = NULL;
	PGresult *r = NULL;
	int ret = ST_OK, rc, ncol;

	if (sqlite3_prepare_v2(db, cs->local_sql, -1, &q, NULL) != SQLITE_OK)
		return st_fail(err, ST_ERR_DB, "local store: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(q, 1, local_run);
	ncol = sqlite3_column_count(q);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		ret = put_text(&b, central_id, 0);
		for (int c = 1; !ret && c < ncol; c++)
			ret = put_col(&b, q, c, c == ncol - 1 && cs->file_col < 0);
		if (!ret && cs->file_col >= 0) {   /* the content column */
			ret = with_files ? put_file(&b, (const char *)
						    sqlite3_column_text(q, cs->file_col)) :
				put_text(&b, NULL, 0);
			if (!ret)
				b.p[b.len - 1] = '\n';
		}
		if (ret)
			goto out_mem;
		(*rows)++;
	}
	if (rc != SQLITE_DONE) {
		ret = st_fail(err, ST_ERR_DB, "local store: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (!b.len)
		goto out;
	r = PQexec(f->conn, cs->copy_sql);
	if (!r || PQresultStatus(r) != PGRES_COPY_IN) {
		ret = fleet_fail(f, err, "starting %.40s", cs->copy_sql);
		goto out;
	}
	PQclear(r);
	r = NULL;
	if (PQputCopyData(f->conn, b.p, (int)b.len) != 1 || PQputCopyEnd(f->conn, NULL) != 1) {
		ret = fleet_fail(f, err, "sending rows");
		goto out;
	}
	r = PQgetResult(f->conn);
	if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
		ret = fleet_fail(f, err, "%.40s", cs->copy_sql);
	PQclear(r);
	while ((r = PQgetResult(f->conn)))
		PQclear(r);
	goto out;

out_mem:
	ret = st_fail(err, ST_ERR_MEM, "out of memory sending a run");
out:
	PQclear(r);      /* a COPY refused mid-way (the server gone) */
	sqlite3_finalize(q);
	free(b.p);
	return ret;
}

static const struct copy_spec children[] = {
	{ "SELECT run_id, id, idx, name, kind, verdict, started_s, duration_s, message "
	  "FROM steps WHERE run_id = ?1 ORDER BY id",
	  "COPY steps (run_id, local_id, idx, name, kind, verdict, started_s, duration_s, "
	  "message) FROM STDIN", -1 },
	{ "SELECT run_id, step_id, name, value, unit, low, high, verdict "
	  "FROM measurements WHERE run_id = ?1 ORDER BY id",
	  "COPY measurements (run_id, step_local_id, name, value, unit, low, high, verdict) "
	  "FROM STDIN", -1 },
	{ "SELECT run_id, t_s, kind, text FROM events WHERE run_id = ?1 ORDER BY id",
	  "COPY events (run_id, t_s, kind, text) FROM STDIN", -1 },
	{ "SELECT run_id, step_id, kind, path, sha256 FROM artifacts WHERE run_id = ?1 ORDER BY id",
	  "COPY artifacts (run_id, step_local_id, kind, path, sha256, content) FROM STDIN", 3 },
};

/* A text column made safe for a libpq parameter (valid UTF-8). */
static char *param_text(sqlite3_stmt *q, int col)
{
	return st_utf8_fix((const char *)sqlite3_column_text(q, col));
}

/* Insert the station, the unit and the run header; *central_id "" when
 * the central database had this uuid already. */
static int send_header(struct st_fleet *f, sqlite3_stmt *q, char central_id[32], char *err)
{
	static const char *const sql[] = {
		"INSERT INTO stations (name, host) VALUES (CASE WHEN $1 = '' THEN $2 ELSE $1 END, $2) "
		"ON CONFLICT (name) DO UPDATE SET last_sync = now(), host = excluded.host",
		"INSERT INTO units (serial, model, first_seen, last_seen) VALUES ($1, $2, $3, $3) "
		"ON CONFLICT (serial) DO UPDATE SET "
		"model = CASE WHEN excluded.model <> '' THEN excluded.model ELSE units.model END, "
		"first_seen = least(units.first_seen, excluded.first_seen), "
		"last_seen = greatest(units.last_seen, excluded.last_seen)",
		"INSERT INTO runs (uuid, station, host, serial, model, firmware, plan, limits_path, "
		"limits_hash, operator, fixture, started, ended, outcome, disposition, reason) "
		"VALUES ($1, CASE WHEN $2 = '' THEN $3 ELSE $2 END, $3, $4, $5, $6, $7, $8, $9, $10, "
		"$11, $12, nullif($13, '')::timestamptz, $14, $15, $16) "
		"ON CONFLICT (uuid) DO NOTHING RETURNING id",
	};
	static const int cols[][16] = {
		{ RC_STATION, RC_HOST },
		{ RC_SERIAL, RC_MODEL, RC_STARTED },
		{ RC_UUID, RC_STATION, RC_HOST, RC_SERIAL, RC_MODEL, RC_FIRMWARE, RC_PLAN, RC_LPATH,
		  RC_LHASH, RC_OPERATOR, RC_FIXTURE, RC_STARTED, RC_ENDED, RC_OUTCOME, RC_DISP,
		  RC_REASON },
	};
	static const int ncols[] = { 2, 3, 16 };
	int ret = ST_OK;

	central_id[0] = '\0';
	for (size_t s = 0; s < ST_ARRAY_SIZE(sql) && !ret; s++) {
		char *v[16] = { 0 };
		PGresult *r;

		for (int i = 0; i < ncols[s]; i++)
			if (!(v[i] = param_text(q, cols[s][i])))
				ret = st_fail(err, ST_ERR_MEM, "out of memory");
		r = ret ? NULL : PQexecParams(f->conn, sql[s], ncols[s], NULL,
					      (const char *const *)v, NULL, NULL, 0);
		if (!ret && (!r || (PQresultStatus(r) != PGRES_COMMAND_OK &&
				    PQresultStatus(r) != PGRES_TUPLES_OK)))
			ret = fleet_fail(f, err, "run %s", v[0] ? v[0] : "?");
		if (!ret && s == 2 && PQntuples(r) == 1)
			st_strlcpy(central_id, PQgetvalue(r, 0, 0), 32);
		PQclear(r);
		for (int i = 0; i < ncols[s]; i++)
			free(v[i]);
	}
	return ret;
}

static int mark_synced(sqlite3 *db, long long run_id, const char *fleet_id, char *err)
{
	sqlite3_stmt *q = NULL;
	char now[32];
	int rc;

	st_iso8601_now(now);
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO sync_log (run_id, fleet_id, synced) "
			       "VALUES (?1, ?2, ?3)", -1, &q, NULL) != SQLITE_OK)
		return st_fail(err, ST_ERR_DB, "local store: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(q, 1, run_id);
	sqlite3_bind_text(q, 2, fleet_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, now, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return st_fail(err, ST_ERR_DB, "local store: recording a synced run: %s",
			       sqlite3_errmsg(db));
	return ST_OK;
}

/* Send one run in one central transaction.  *already = 1 when the central
 * database had it. */
static int send_run(struct st_fleet *f, sqlite3 *db, long long run_id, int with_files,
		    int *already, long long *rows, char *err)
{
	char central_id[32];
	sqlite3_stmt *q = NULL;
	int ret;

	*already = 0;
	if (sqlite3_prepare_v2(db, RUN_SQL, -1, &q, NULL) != SQLITE_OK)
		return st_fail(err, ST_ERR_DB, "local store: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(q, 1, run_id);
	if (sqlite3_step(q) != SQLITE_ROW) {
		sqlite3_finalize(q);
		return st_fail(err, ST_ERR_DB, "local store: run %lld vanished", run_id);
	}
	ret = fleet_exec(f, "BEGIN", err);
	if (ret)
		goto out;
	ret = send_header(f, q, central_id, err);
	if (ret)
		goto out_rollback;
	if (!central_id[0]) {
		*already = 1;
		fleet_exec(f, "ROLLBACK", NULL);
		goto out;
	}
	for (size_t i = 0; i < ST_ARRAY_SIZE(children) && !ret; i++)
		ret = copy_rows(f, db, &children[i], run_id, central_id, with_files, rows, err);
	if (ret)
		goto out_rollback;
	ret = fleet_exec(f, "COMMIT", err);
	goto out;

out_rollback:
	if (PQstatus(f->conn) == CONNECTION_OK)
		fleet_exec(f, "ROLLBACK", NULL);
out:
	sqlite3_finalize(q);
	return ret;
}

/* The ids of the runs to send, oldest first. */
static int pending_ids(sqlite3 *db, const char *fleet_id, long long **ids, int *n, char *err)
{
	sqlite3_stmt *q = NULL;
	long long *v = NULL, *nv;
	int cap = 0, rc;

	*n = 0;
	if (sqlite3_prepare_v2(db, PENDING_SQL, -1, &q, NULL) != SQLITE_OK)
		return st_fail(err, ST_ERR_DB, "local store: %s", sqlite3_errmsg(db));
	sqlite3_bind_text(q, 1, fleet_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				free(v);
				sqlite3_finalize(q);
				return st_fail(err, ST_ERR_MEM, "out of memory");
			}
			v = nv;
		}
		v[(*n)++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		free(v);
		return st_fail(err, ST_ERR_DB, "local store: %s", sqlite3_errmsg(db));
	}
	*ids = v;
	return ST_OK;
}

static int count_sql(sqlite3 *db, const char *sql, const char *arg, int *out, char *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return st_fail(err, ST_ERR_DB, "local store: %s", sqlite3_errmsg(db));
	if (arg)
		sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(q);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	return rc == SQLITE_ROW ? ST_OK :
		st_fail(err, ST_ERR_DB, "local store: %s", sqlite3_errmsg(db));
}

int st_fleet_pending(struct st_store *store, const char *fleet_id, int *pending,
		     int *running, char *err)
{
	sqlite3 *db = st_store_db(store);
	int ret;

	ret = count_sql(db, "SELECT count(*) FROM runs WHERE outcome <> 'running' AND id NOT IN "
			"(SELECT run_id FROM sync_log WHERE fleet_id = ?1)", fleet_id, pending, err);
	if (!ret)
		ret = count_sql(db, "SELECT count(*) FROM runs WHERE outcome = 'running'", NULL,
				running, err);
	return ret;
}

int st_fleet_sync(struct st_fleet *f, struct st_store *store, const struct st_sync_opts *o,
		  struct st_sync_stats *stats, char *err)
{
	sqlite3 *db = st_store_db(store);
	char fleet_id[64], one[ST_ERRLEN];
	long long *ids = NULL;
	int n = 0, ret, failed = 0;

	memset(stats, 0, sizeof(*stats));
	if (st_store_is_readonly(store))
		return st_fail(err, ST_ERR_ARG, "%s: opened read-only; sync records what it sent "
			       "and needs to write", st_store_path(store));
	ret = st_fleet_check(f, fleet_id, err);
	if (!ret)
		ret = pending_ids(db, fleet_id, &ids, &n, err);
	for (int i = 0; !ret && i < n; i++) {
		int already;

		if ((o && o->stop && *o->stop) || (o && o->max_runs && stats->sent >= o->max_runs))
			break;
		ret = send_run(f, db, ids[i], o && o->with_captures, &already, &stats->rows, one);
		if (ret == ST_ERR_DB && PQstatus(f->conn) == CONNECTION_OK) {
			/* the server refused this run's content: say so, go on */
			fprintf(stderr, "station sync: run id %lld not sent: %s\n", ids[i], one);
			failed++;
			ret = ST_OK;
			continue;
		}
		if (ret) {
			st_strlcpy(err, one, ST_ERRLEN);
			break;
		}
		ret = mark_synced(db, ids[i], fleet_id, err);
		if (!ret && already)
			stats->already++;
		else if (!ret)
			stats->sent++;
	}
	free(ids);
	if (!ret || ret == ST_ERR_IO) {
		int r2 = st_fleet_pending(store, fleet_id[0] ? fleet_id : "", &stats->pending,
					  &stats->running, NULL);
		(void)r2;
	}
	if (!ret && failed)
		ret = st_fail(err, ST_ERR_DB, "%d run(s) refused by the central database "
			      "(named above); they will be tried again", failed);
	return ret;
}
