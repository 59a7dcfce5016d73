/*
 * store_judge.c - judgements: a stored run judged again against other
 * limits (`station rejudge`), written beside the run's original verdicts
 * (which are never updated) in the tables of db/NNN_judgements.sql (with
 * db/NNN_reanalysis.sql's columns: what was re-analysed); and a
 * reader of a run's measurements with their row ids, for a judgement to
 * point at.  A judgement and its results go in one transaction.
 */
#include "store.h"
#include "store_int.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "core/st.h"

/* st_store_meas_refs: one row into the caller's callback. */
struct meas_refs_rd {
	int (*cb)(const struct st_meas_ref *, void *); /* the caller's callback */
	void *ctx; /* its context */
};

static int meas_refs_row(sqlite3_stmt *st, void *arg)
{
	const struct meas_refs_rd *rd = arg;
	struct st_meas_ref r;

	memset(&r, 0, sizeof(r));
	r.id = sqlite3_column_int64(st, 0);
	r.step_id = sqlite3_column_int64(st, 1);
	store_col_text(r.step, sizeof(r.step), st, 2);
	store_col_text(r.name, sizeof(r.name), st, 3);
	r.value = store_col_real(st, 4);
	store_col_text(r.unit, sizeof(r.unit), st, 5);
	r.low = store_col_real(st, 6);
	r.high = store_col_real(st, 7);
	store_col_text(r.verdict, sizeof(r.verdict), st, 8);
	return rd->cb(&r, rd->ctx);
}

int st_store_meas_refs(struct st_store *s, long long run_id,
		       int (*cb)(const struct st_meas_ref *, void *), void *ctx, char *err)
{
	struct meas_refs_rd rd = { cb, ctx };

	return store_read_rows(s, "SELECT m.id, m.step_id, coalesce(s.name, ''), m.name, m.value, "
			       "m.unit, m.low, m.high, m.verdict FROM measurements m "
			       "LEFT JOIN steps s ON s.id = m.step_id WHERE m.run_id = ?1 "
			       "ORDER BY m.step_id IS NULL, s.idx, s.id, m.id",
			       run_id, meas_refs_row, &rd, err);
}

static int insert_judgement(struct st_store *s, struct st_judgement *j, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO judgements (uuid, run_id, created, limits_path, "
			       "limits_hash, firmware, verdict, reason, judged, changed, captures, "
			       "station, operator, analysis, run_analysis, reanalysed, not_reanalysed) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
			       "?15, ?16, ?17)", -1, &st, NULL) != SQLITE_OK)
		return store_db_fail(s, err, "recording a judgement");
	store_bind_str(st, 1, j->uuid);
	sqlite3_bind_int64(st, 2, j->run_id);
	store_bind_str(st, 3, j->created);
	store_bind_str(st, 4, j->limits_path);
	store_bind_str(st, 5, j->limits_hash);
	store_bind_str(st, 6, j->firmware);
	store_bind_str(st, 7, j->verdict);
	store_bind_str(st, 8, j->reason);
	sqlite3_bind_int(st, 9, j->judged);
	sqlite3_bind_int(st, 10, j->changed);
	store_bind_str(st, 11, j->captures);
	store_bind_str(st, 12, j->station);
	store_bind_str(st, 13, j->operator_);
	sqlite3_bind_int(st, 14, j->analysis);
	sqlite3_bind_int(st, 15, j->run_analysis);
	store_bind_str(st, 16, j->reanalysed);
	store_bind_str(st, 17, j->not_reanalysed);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, err, "recording a judgement");
	j->id = sqlite3_last_insert_rowid(s->db);
	return ST_OK;
}

static int insert_results(struct st_store *s, long long jid, const struct st_judgement_result *r,
			  int n, char *err)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(s->db, "INSERT INTO judgement_results (judgement_id, measurement_id, "
			       "name, value, unit, low, high, verdict, was, limit_name, limit_at, "
			       "source, stored) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
			       "?12, ?13)", -1, &st,
			       NULL) != SQLITE_OK)
		return store_db_fail(s, err, "recording a judgement");
	for (int i = 0; i < n && rc == SQLITE_DONE; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, jid);
		store_bind_id(st, 2, r[i].meas_id);
		store_bind_str(st, 3, r[i].name);
		store_bind_real(st, 4, r[i].value);
		store_bind_str(st, 5, r[i].unit);
		store_bind_real(st, 6, r[i].low);
		store_bind_real(st, 7, r[i].high);
		store_bind_str(st, 8, r[i].verdict);
		store_bind_str(st, 9, r[i].was);
		store_bind_str(st, 10, r[i].limit_name);
		store_bind_str(st, 11, r[i].limit_at);
		store_bind_str(st, 12, r[i].reanalysed ? "reanalysed" : "stored");
		store_bind_real(st, 13, r[i].stored);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_db_fail(s, err, "recording a judgement");
	return ST_OK;
}

int st_store_judgement(struct st_store *s, struct st_judgement *j,
		       const struct st_judgement_result *r, int n, char *err)
{
	int ret;

	if (st_store_is_readonly(s))
		return st_fail(err, ST_ERR_ARG, "%s: opened read-only, cannot record", s->path);
	if (!j->uuid[0])
		st_uuid4(j->uuid);
	if (!j->created[0])
		st_iso8601_now(j->created);
	ret = store_exec_sql(s, "BEGIN IMMEDIATE", err);
	if (ret)
		return ret;
	ret = insert_judgement(s, j, err);
	if (!ret)
		ret = insert_results(s, j->id, r, n, err);
	if (!ret)
		ret = store_exec_sql(s, "COMMIT", err);
	if (ret)
		store_rollback(s);
	return ret;
}

/* 1 if the database's table has the column (a read-only database of an
 * older schema may lack the judgements table, or 008_reanalysis's columns). */
static int has_column(struct st_store *s, const char *table, const char *column)
{
	sqlite3_stmt *st;
	int yes;

	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2", -1,
			       &st, NULL) != SQLITE_OK)
		return 0;
	store_bind_str(st, 1, table);
	store_bind_str(st, 2, column);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* st_store_judgements: one row into the caller's callback. */
struct judgements_rd {
	int (*cb)(const struct st_judgement *, void *); /* the caller's callback */
	void *ctx; /* its context */
};

static int judgements_row(sqlite3_stmt *st, void *arg)
{
	const struct judgements_rd *rd = arg;
	struct st_judgement j;

	memset(&j, 0, sizeof(j));
	j.id = sqlite3_column_int64(st, 0);
	store_col_text(j.uuid, sizeof(j.uuid), st, 1);
	j.run_id = sqlite3_column_int64(st, 2);
	store_col_text(j.created, sizeof(j.created), st, 3);
	store_col_text(j.limits_path, sizeof(j.limits_path), st, 4);
	store_col_text(j.limits_hash, sizeof(j.limits_hash), st, 5);
	store_col_text(j.firmware, sizeof(j.firmware), st, 6);
	store_col_text(j.verdict, sizeof(j.verdict), st, 7);
	store_col_text(j.reason, sizeof(j.reason), st, 8);
	j.judged = sqlite3_column_int(st, 9);
	j.changed = sqlite3_column_int(st, 10);
	store_col_text(j.captures, sizeof(j.captures), st, 11);
	store_col_text(j.station, sizeof(j.station), st, 12);
	store_col_text(j.operator_, sizeof(j.operator_), st, 13);
	j.analysis = sqlite3_column_int(st, 14);
	j.run_analysis = sqlite3_column_int(st, 15);
	store_col_text(j.reanalysed, sizeof(j.reanalysed), st, 16);
	store_col_text(j.not_reanalysed, sizeof(j.not_reanalysed), st, 17);
	return rd->cb(&j, rd->ctx);
}

int st_store_judgements(struct st_store *s, long long run_id,
			int (*cb)(const struct st_judgement *, void *), void *ctx, char *err)
{
	struct judgements_rd rd = { cb, ctx };

	if (!has_column(s, "judgements", "id"))
		return ST_OK;
	/* 008_reanalysis's columns, or what a judgement before it read as */
	return store_read_rows(s, has_column(s, "judgements", "analysis") ?
			       "SELECT id, uuid, run_id, created, limits_path, limits_hash, "
			       "firmware, verdict, reason, judged, changed, captures, station, operator, "
			       "analysis, run_analysis, reanalysed, not_reanalysed "
			       "FROM judgements WHERE run_id = ?1 ORDER BY created, id" :
			       "SELECT id, uuid, run_id, created, limits_path, limits_hash, "
			       "firmware, verdict, reason, judged, changed, captures, station, operator, "
			       "0, 0, '', '' FROM judgements WHERE run_id = ?1 ORDER BY created, id",
			       run_id, judgements_row, &rd, err);
}

/* st_store_judgement_results: one row into the caller's callback. */
struct results_rd {
	int (*cb)(const struct st_judgement_result *, void *); /* the caller's callback */
	void *ctx; /* its context */
};

static int results_row(sqlite3_stmt *st, void *arg)
{
	const struct results_rd *rd = arg;
	struct st_judgement_result r;

	memset(&r, 0, sizeof(r));
	r.meas_id = sqlite3_column_int64(st, 0);
	store_col_text(r.name, sizeof(r.name), st, 1);
	r.value = store_col_real(st, 2);
	store_col_text(r.unit, sizeof(r.unit), st, 3);
	r.low = store_col_real(st, 4);
	r.high = store_col_real(st, 5);
	store_col_text(r.verdict, sizeof(r.verdict), st, 6);
	store_col_text(r.was, sizeof(r.was), st, 7);
	store_col_text(r.limit_name, sizeof(r.limit_name), st, 8);
	store_col_text(r.limit_at, sizeof(r.limit_at), st, 9);
	r.reanalysed = sqlite3_column_int(st, 10);
	r.stored = store_col_real(st, 11);
	return rd->cb(&r, rd->ctx);
}

int st_store_judgement_results(struct st_store *s, long long judgement_id,
			       int (*cb)(const struct st_judgement_result *, void *), void *ctx,
			       char *err)
{
	struct results_rd rd = { cb, ctx };

	return store_read_rows(s, has_column(s, "judgement_results", "source") ?
			       "SELECT measurement_id, name, value, unit, low, high, verdict, was, "
			       "limit_name, limit_at, source = 'reanalysed', stored FROM judgement_results "
			       "WHERE judgement_id = ?1 ORDER BY id" :
			       "SELECT measurement_id, name, value, unit, low, high, verdict, was, "
			       "limit_name, limit_at, 0, value FROM judgement_results "
			       "WHERE judgement_id = ?1 ORDER BY id",
			       judgement_id, results_row, &rd, err);
}
