/*
 * store_read.c - the store's readers (store.h): runs newest first, one run by
 * uuid prefix, its steps, measurements, events and artifacts.  Each reader
 * prepares its own statement, so a callback may call back into the store.
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

/* --- readers --- */

static void run_from_row(sqlite3_stmt *st, struct st_run_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->id = sqlite3_column_int64(st, 0);
	store_col_text(ri->uuid, sizeof(ri->uuid), st, 1);
	store_col_text(ri->serial, sizeof(ri->serial), st, 2);
	store_col_text(ri->model, sizeof(ri->model), st, 3);
	store_col_text(ri->firmware, sizeof(ri->firmware), st, 4);
	store_col_text(ri->plan, sizeof(ri->plan), st, 5);
	store_col_text(ri->limits_path, sizeof(ri->limits_path), st, 6);
	store_col_text(ri->limits_hash, sizeof(ri->limits_hash), st, 7);
	store_col_text(ri->station, sizeof(ri->station), st, 8);
	store_col_text(ri->operator_, sizeof(ri->operator_), st, 9);
	store_col_text(ri->fixture, sizeof(ri->fixture), st, 10);
	store_col_text(ri->started, sizeof(ri->started), st, 11);
	store_col_text(ri->ended, sizeof(ri->ended), st, 12);
	store_col_text(ri->outcome, sizeof(ri->outcome), st, 13);
	store_col_text(ri->disposition, sizeof(ri->disposition), st, 14);
	store_col_text(ri->reason, sizeof(ri->reason), st, 15);
}

int st_store_runs(struct st_store *s, const char *serial, int limit,
		  int (*cb)(const struct st_run_info *ri, void *ctx), void *ctx, char *err)
{
	sqlite3_stmt *st;
	struct st_run_info ri;
	int rc, ret;

	ret = store_prepare_read(s, serial ?
			   "SELECT " RUN_COLS " FROM runs WHERE serial = ?2 "
			   "ORDER BY started DESC, id DESC LIMIT ?1" :
			   "SELECT " RUN_COLS " FROM runs ORDER BY started DESC, id DESC LIMIT ?1",
			   &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	if (serial)
		store_bind_str(st, 2, serial);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		run_from_row(st, &ri);
		if (cb(&ri, ctx))
			break;
	}
	return store_finish_read(s, st, rc, err);
}

int st_store_count_runs(struct st_store *s, const char *serial, long long *n, char *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	ret = store_prepare_read(s, serial ? "SELECT count(*) FROM runs WHERE serial = ?1" :
			   "SELECT count(*) FROM runs", &st, err);
	if (ret)
		return ret;
	if (serial)
		store_bind_str(st, 1, serial);
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	return store_finish_read(s, st, rc, err);
}

/* st_store_steps: one row into the caller's callback. */
struct steps_rd {
	int (*cb)(const struct st_step_row *, void *); /* the caller's callback */
	void *ctx; /* its context */
};

static int steps_row(sqlite3_stmt *st, void *arg)
{
	const struct steps_rd *rd = arg;
	struct st_step_row r;

	memset(&r, 0, sizeof(r));
	r.id = sqlite3_column_int64(st, 0);
	r.idx = sqlite3_column_int(st, 1);
	store_col_text(r.name, sizeof(r.name), st, 2);
	store_col_text(r.kind, sizeof(r.kind), st, 3);
	store_col_text(r.verdict, sizeof(r.verdict), st, 4);
	r.started_s = store_col_real(st, 5);
	r.duration_s = store_col_real(st, 6);
	store_col_text(r.message, sizeof(r.message), st, 7);
	return rd->cb(&r, rd->ctx);
}

int st_store_steps(struct st_store *s, long long run_id, int (*cb)(const struct st_step_row *, void *),
		   void *ctx, char *err)
{
	struct steps_rd rd = { cb, ctx };

	return store_read_rows(s, "SELECT id, idx, name, kind, verdict, started_s, duration_s, message "
			       "FROM steps WHERE run_id = ?1 ORDER BY idx, id",
			       run_id, steps_row, &rd, err);
}

/* st_store_measurements: one row into the caller's callback. */
struct meas_rd {
	int (*cb)(const struct st_meas_row *, void *); /* the caller's callback */
	void *ctx; /* its context */
};

static int meas_row(sqlite3_stmt *st, void *arg)
{
	const struct meas_rd *rd = arg;
	struct st_meas_row r;

	memset(&r, 0, sizeof(r));
	r.step_id = sqlite3_column_int64(st, 0);
	store_col_text(r.name, sizeof(r.name), st, 1);
	r.value = store_col_real(st, 2);
	store_col_text(r.unit, sizeof(r.unit), st, 3);
	r.low = store_col_real(st, 4);
	r.high = store_col_real(st, 5);
	store_col_text(r.verdict, sizeof(r.verdict), st, 6);
	r.marginal = sqlite3_column_int(st, 7);
	return rd->cb(&r, rd->ctx);
}

int st_store_measurements(struct st_store *s, long long run_id,
			  int (*cb)(const struct st_meas_row *, void *), void *ctx, char *err)
{
	struct meas_rd rd = { cb, ctx };

	return store_read_rows(s, "SELECT m.step_id, m.name, m.value, m.unit, m.low, m.high, m.verdict, "
			       "m.marginal FROM measurements m LEFT JOIN steps s ON s.id = m.step_id "
			       "WHERE m.run_id = ?1 ORDER BY m.step_id IS NULL, s.idx, s.id, m.id",
			       run_id, meas_row, &rd, err);
}

/* st_store_events: one row into the caller's callback. */
struct events_rd {
	int (*cb)(const struct st_event_row *, void *); /* the caller's callback */
	void *ctx; /* its context */
};

static int events_row(sqlite3_stmt *st, void *arg)
{
	const struct events_rd *rd = arg;
	struct st_event_row r;

	memset(&r, 0, sizeof(r));
	r.id = sqlite3_column_int64(st, 0);
	r.t_s = store_col_real(st, 1);
	store_col_text(r.kind, sizeof(r.kind), st, 2);
	store_col_text(r.text, sizeof(r.text), st, 3);
	return rd->cb(&r, rd->ctx);
}

int st_store_events(struct st_store *s, long long run_id, int (*cb)(const struct st_event_row *, void *),
		    void *ctx, char *err)
{
	struct events_rd rd = { cb, ctx };

	return store_read_rows(s, "SELECT id, t_s, kind, text FROM events WHERE run_id = ?1 "
			       "ORDER BY t_s, id",
			       run_id, events_row, &rd, err);
}

/* st_store_artifacts: one row into the caller's callback. */
struct artifacts_rd {
	int (*cb)(const struct st_artifact_row *, void *); /* the caller's callback */
	void *ctx; /* its context */
};

static int artifacts_row(sqlite3_stmt *st, void *arg)
{
	const struct artifacts_rd *rd = arg;
	struct st_artifact_row r;

	memset(&r, 0, sizeof(r));
	r.id = sqlite3_column_int64(st, 0);
	r.step_id = sqlite3_column_int64(st, 1);
	store_col_text(r.kind, sizeof(r.kind), st, 2);
	store_col_text(r.path, sizeof(r.path), st, 3);
	store_col_text(r.sha256, sizeof(r.sha256), st, 4);
	return rd->cb(&r, rd->ctx);
}

int st_store_artifacts(struct st_store *s, long long run_id,
		       int (*cb)(const struct st_artifact_row *, void *), void *ctx, char *err)
{
	struct artifacts_rd rd = { cb, ctx };

	return store_read_rows(s, "SELECT id, step_id, kind, path, sha256 FROM artifacts "
			       "WHERE run_id = ?1 ORDER BY id",
			       run_id, artifacts_row, &rd, err);
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
	ret = store_prepare_read(s, "SELECT " RUN_COLS " FROM runs WHERE uuid >= ?1 AND uuid < ?2 "
			   "ORDER BY id LIMIT 2", &st, err);
	if (ret)
		return ret;
	store_bind_str(st, 1, lo);
	store_bind_str(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (found++ == 0)
			run_from_row(st, ri);
	}
	ret = store_finish_read(s, st, rc, err);
	if (ret)
		return ret;
	if (!found)
		return st_fail(err, ST_ERR_NOTFOUND, "%s: no run uuid starts with '%s'", s->path, lo);
	if (found > 1)
		return st_fail(err, ST_ERR_ARG, "%s: several runs' uuids start with '%s'; give more "
			       "of it", s->path, lo);
	return ST_OK;
}
