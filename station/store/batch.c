/*
 * batch.c - batches of RMA triage in the result store (batch.h): tables
 * batches, batch_units and batch_runs of db/003_batches.sql.
 * Written through the store's connection with bound values only, with the
 * store's own helpers (store_int.h) for text columns, bound strings and
 * failures worded as every other store failure.
 */
#include "store/batch.h"
#include "store_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/st.h"

static int prep(struct st_store *s, const char *sql, sqlite3_stmt **st, char *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return store_db_fail(s, err, "prepare");
	return ST_OK;
}

static int writable(struct st_store *s, char *err)
{
	if (st_store_is_readonly(s))
		return st_fail(err, ST_ERR_ARG, "%s: opened read-only, cannot record", st_store_path(s));
	if (st_store_schema_version(s) < 3)
		return st_fail(err, ST_ERR_DB, "%s: schema version %d has no batches (needs 003_batches.sql)",
			       st_store_path(s), st_store_schema_version(s));
	return ST_OK;
}

/* Run a bound statement to completion and finalize it. */
static int step_done(struct st_store *s, sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);
	int ret = rc == SQLITE_DONE || rc == SQLITE_ROW ? ST_OK : store_db_fail(s, err, what);

	sqlite3_finalize(st);
	return ret;
}

static int insert_unit(struct st_store *s, long long batch_id, struct st_batch_unit *u, char *err)
{
	sqlite3_stmt *st;
	int ret;

	ret = prep(s, "INSERT INTO batch_units (batch_id, idx, line, rma, serial, model, symptom, "
		      "faults, notes, plan) VALUES (?,?,?,?,?,?,?,?,?,?)", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, batch_id);
	sqlite3_bind_int(st, 2, u->idx);
	sqlite3_bind_int(st, 3, u->line);
	store_bind_str(st, 4, u->rma);
	store_bind_str(st, 5, u->serial);
	store_bind_str(st, 6, u->model);
	store_bind_str(st, 7, u->symptom);
	store_bind_str(st, 8, u->faults);
	store_bind_str(st, 9, u->notes);
	store_bind_str(st, 10, u->plan);
	ret = step_done(s, st, "insert batch unit", err);
	if (!ret)
		u->id = sqlite3_last_insert_rowid(s->db);
	return ret;
}

int st_batch_create(struct st_store *s, struct st_batch_info *bi, struct st_batch_unit *units,
		    int n, char *err)
{
	sqlite3 *db = s->db;
	sqlite3_stmt *st;
	int ret;

	ret = writable(s, err);
	if (ret)
		return ret;
	if (!bi->uuid[0])
		st_uuid4(bi->uuid);
	if (!bi->started[0])
		st_iso8601_now(bi->started);
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_db_fail(s, err, "begin batch");
	ret = prep(s, "INSERT INTO batches (uuid, started, operator, station, file, file_sha256, "
		      "rows_total, confirm) VALUES (?,?,?,?,?,?,?,?)", &st, err);
	if (!ret) {
		store_bind_str(st, 1, bi->uuid);
		store_bind_str(st, 2, bi->started);
		store_bind_str(st, 3, bi->operator_);
		store_bind_str(st, 4, bi->station);
		store_bind_str(st, 5, bi->file);
		store_bind_str(st, 6, bi->file_sha256);
		sqlite3_bind_int(st, 7, n);
		store_bind_str(st, 8, bi->confirm);
		ret = step_done(s, st, "insert batch", err);
	}
	if (!ret) {
		bi->id = sqlite3_last_insert_rowid(db);
		bi->rows_total = n;
		for (int i = 0; i < n && !ret; i++)
			ret = insert_unit(s, bi->id, &units[i], err);
	}
	if (!ret && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		ret = store_db_fail(s, err, "commit batch");
	if (ret && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

#define BATCH_COLS "id, uuid, started, coalesce(ended, ''), operator, station, file, " \
	"file_sha256, rows_total, rows_done, confirm, state"

static void batch_row(sqlite3_stmt *st, struct st_batch_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	bi->id = sqlite3_column_int64(st, 0);
	store_col_text(bi->uuid, sizeof(bi->uuid), st, 1);
	store_col_text(bi->started, sizeof(bi->started), st, 2);
	store_col_text(bi->ended, sizeof(bi->ended), st, 3);
	store_col_text(bi->operator_, sizeof(bi->operator_), st, 4);
	store_col_text(bi->station, sizeof(bi->station), st, 5);
	store_col_text(bi->file, sizeof(bi->file), st, 6);
	store_col_text(bi->file_sha256, sizeof(bi->file_sha256), st, 7);
	bi->rows_total = sqlite3_column_int(st, 8);
	bi->rows_done = sqlite3_column_int(st, 9);
	store_col_text(bi->confirm, sizeof(bi->confirm), st, 10);
	store_col_text(bi->state, sizeof(bi->state), st, 11);
}

int st_batch_find(struct st_store *s, const char *prefix, struct st_batch_info *bi, char *err)
{
	sqlite3_stmt *st;
	char pat[80];
	int rc, n = 0, ret;

	if (st_store_schema_version(s) < 3)
		return st_fail(err, ST_ERR_NOTFOUND, "%s: no batch %s (the database has no batches yet)",
			       st_store_path(s), prefix);
	if (!prefix[0] || strlen(prefix) > 36 || strspn(prefix, "0123456789abcdefABCDEF-") != strlen(prefix))
		return st_fail(err, ST_ERR_ARG, "'%s' is not a batch id (hex digits of its uuid)", prefix);
	snprintf(pat, sizeof(pat), "%s%%", prefix);
	ret = prep(s, "SELECT " BATCH_COLS " FROM batches WHERE lower(uuid) LIKE lower(?) LIMIT 2", &st, err);
	if (ret)
		return ret;
	store_bind_str(st, 1, pat);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0)
			batch_row(st, bi);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, err, "find batch");
	if (!n)
		return st_fail(err, ST_ERR_NOTFOUND, "%s: no batch %s", st_store_path(s), prefix);
	if (n > 1)
		return st_fail(err, ST_ERR_ARG, "%s: several batches start with %s: give more characters",
			       st_store_path(s), prefix);
	return ST_OK;
}

int st_batch_list(struct st_store *s, int limit, int (*cb)(const struct st_batch_info *, void *),
		  void *ctx, char *err)
{
	struct st_batch_info bi;
	sqlite3_stmt *st;
	int rc, ret;

	if (st_store_schema_version(s) < 3)
		return ST_OK;
	ret = prep(s, "SELECT " BATCH_COLS " FROM batches ORDER BY started DESC, id DESC LIMIT ?", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		batch_row(st, &bi);
		if (cb(&bi, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ST_OK : store_db_fail(s, err, "list batches");
}

#define UNIT_SELECT "SELECT u.id, u.idx, u.line, u.rma, u.serial, u.model, u.symptom, u.faults, " \
	"u.notes, u.plan, u.status, u.outcome, u.disposition, u.reason, " \
	"coalesce(u.run_id, 0), coalesce(r.uuid, ''), u.assumed, u.human, " \
	"coalesce(u.started, ''), coalesce(u.ended, ''), u.attempts, b.uuid " \
	"FROM batch_units u JOIN batches b ON b.id = u.batch_id " \
	"LEFT JOIN runs r ON r.id = u.run_id "

static void unit_row(sqlite3_stmt *st, struct st_batch_unit *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, 0);
	u->idx = sqlite3_column_int(st, 1);
	u->line = sqlite3_column_int(st, 2);
	store_col_text(u->rma, sizeof(u->rma), st, 3);
	store_col_text(u->serial, sizeof(u->serial), st, 4);
	store_col_text(u->model, sizeof(u->model), st, 5);
	store_col_text(u->symptom, sizeof(u->symptom), st, 6);
	store_col_text(u->faults, sizeof(u->faults), st, 7);
	store_col_text(u->notes, sizeof(u->notes), st, 8);
	store_col_text(u->plan, sizeof(u->plan), st, 9);
	store_col_text(u->status, sizeof(u->status), st, 10);
	store_col_text(u->outcome, sizeof(u->outcome), st, 11);
	store_col_text(u->disposition, sizeof(u->disposition), st, 12);
	store_col_text(u->reason, sizeof(u->reason), st, 13);
	u->run_id = sqlite3_column_int64(st, 14);
	store_col_text(u->run_uuid, sizeof(u->run_uuid), st, 15);
	store_col_text(u->assumed, sizeof(u->assumed), st, 16);
	u->human = sqlite3_column_int(st, 17);
	store_col_text(u->started, sizeof(u->started), st, 18);
	store_col_text(u->ended, sizeof(u->ended), st, 19);
	u->attempts = sqlite3_column_int(st, 20);
}

int st_batch_units(struct st_store *s, long long batch_id,
		   int (*cb)(const struct st_batch_unit *, void *), void *ctx, char *err)
{
	struct st_batch_unit u;
	sqlite3_stmt *st;
	int rc, ret;

	ret = prep(s, UNIT_SELECT "WHERE u.batch_id = ? ORDER BY u.idx", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, batch_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unit_row(st, &u);
		if (cb(&u, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ST_OK : store_db_fail(s, err, "batch units");
}

int st_batch_unit_of_run(struct st_store *s, long long run_id, struct st_batch_unit *u,
			 char batch_uuid[37], char *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	if (st_store_schema_version(s) < 3)
		return st_fail(err, ST_ERR_NOTFOUND, "no batches");
	ret = prep(s, UNIT_SELECT "WHERE u.id = (SELECT unit_id FROM batch_runs WHERE run_id = ?)", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		unit_row(st, u);
		store_col_text(batch_uuid, 37, st, 21);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return st_fail(err, ST_ERR_NOTFOUND, "run %lld is in no batch", run_id);
	return rc == SQLITE_ROW ? ST_OK : store_db_fail(s, err, "batch unit of a run");
}

int st_batch_unit_begin(struct st_store *s, long long unit_id, const char *plan,
			const char *assumed, int human, char *err)
{
	sqlite3_stmt *st;
	char now[32];
	int ret;

	ret = writable(s, err);
	if (!ret)
		ret = prep(s, "UPDATE batch_units SET status = 'testing', plan = ?, assumed = ?, "
			      "human = max(human, ?), started = ?, ended = NULL, attempts = attempts + 1 "
			      "WHERE id = ?", &st, err);
	if (ret)
		return ret;
	st_iso8601_now(now);
	store_bind_str(st, 1, plan);
	store_bind_str(st, 2, assumed);
	sqlite3_bind_int(st, 3, human);
	store_bind_str(st, 4, now);
	sqlite3_bind_int64(st, 5, unit_id);
	return step_done(s, st, "begin batch unit", err);
}

int st_batch_link_run(struct st_store *s, long long batch_id, long long unit_id, long long run_id,
		      char *err)
{
	sqlite3_stmt *st;
	int ret;

	ret = prep(s, "INSERT OR IGNORE INTO batch_runs (run_id, batch_id, unit_id) VALUES (?,?,?)", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int64(st, 2, batch_id);
	sqlite3_bind_int64(st, 3, unit_id);
	return step_done(s, st, "link run to batch", err);
}

int st_batch_unit_end(struct st_store *s, long long batch_id, long long unit_id, const char *status,
		      long long run_id, const char *outcome, const char *disposition,
		      const char *reason, int human, char *err)
{
	sqlite3_stmt *st;
	char now[32];
	int ret;

	ret = writable(s, err);
	if (!ret && run_id > 0)
		ret = st_batch_link_run(s, batch_id, unit_id, run_id, err);
	if (!ret)
		ret = prep(s, "UPDATE batch_units SET status = ?, run_id = ?, outcome = ?, disposition = ?, "
			      "reason = ?, human = max(human, ?), ended = ? WHERE id = ? AND batch_id = ?",
			   &st, err);
	if (ret)
		return ret;
	st_iso8601_now(now);
	store_bind_str(st, 1, status);
	if (run_id > 0)
		sqlite3_bind_int64(st, 2, run_id);
	else
		sqlite3_bind_null(st, 2);
	store_bind_str(st, 3, outcome);
	store_bind_str(st, 4, disposition);
	store_bind_str(st, 5, reason);
	sqlite3_bind_int(st, 6, human);
	store_bind_str(st, 7, now);
	sqlite3_bind_int64(st, 8, unit_id);
	sqlite3_bind_int64(st, 9, batch_id);
	ret = step_done(s, st, "end batch unit", err);
	if (!ret)
		ret = prep(s, "UPDATE batches SET rows_done = (SELECT count(*) FROM batch_units WHERE "
			      "batch_id = ?1 AND status IN ('done', 'stopped')) WHERE id = ?1", &st, err);
	if (!ret) {
		sqlite3_bind_int64(st, 1, batch_id);
		ret = step_done(s, st, "count batch rows done", err);
	}
	return ret;
}

int st_batch_unit_reset(struct st_store *s, long long unit_id, char *err)
{
	sqlite3_stmt *st;
	int ret;

	ret = writable(s, err);
	if (!ret)
		ret = prep(s, "UPDATE batch_units SET status = 'pending', ended = NULL WHERE id = ?", &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, unit_id);
	return step_done(s, st, "reset batch unit", err);
}

int st_batch_unit_last_run(struct st_store *s, const struct st_batch_unit *u,
			   struct st_run_info *ri, char *err)
{
	sqlite3_stmt *st;
	char uuid[37] = "";
	int rc, ret;

	ret = prep(s, "SELECT uuid FROM runs WHERE serial = ? AND started >= ? "
		      "ORDER BY started DESC, id DESC LIMIT 1", &st, err);
	if (ret)
		return ret;
	store_bind_str(st, 1, u->serial);
	store_bind_str(st, 2, u->started);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_text(uuid, sizeof(uuid), st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_db_fail(s, err, "last run of a batch unit");
	if (!uuid[0])
		return st_fail(err, ST_ERR_NOTFOUND, "no run of %s since %s", u->serial, u->started);
	return st_store_find_run(s, uuid, ri, err);
}

int st_batch_set_state(struct st_store *s, long long batch_id, const char *state, char *err)
{
	sqlite3_stmt *st;
	char now[32];
	int ret;

	ret = writable(s, err);
	if (!ret)
		ret = prep(s, "UPDATE batches SET state = ?, ended = CASE WHEN ? = 'done' THEN ? ELSE ended END "
			      "WHERE id = ?", &st, err);
	if (ret)
		return ret;
	st_iso8601_now(now);
	store_bind_str(st, 1, state);
	store_bind_str(st, 2, state);
	store_bind_str(st, 3, now);
	sqlite3_bind_int64(st, 4, batch_id);
	return step_done(s, st, "set batch state", err);
}
