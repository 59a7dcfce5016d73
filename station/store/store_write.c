/*
 * store_write.c - the store's writers (store.h): runs, steps, measurements, events,
 * artifacts.  Each is a cached prepared statement with bound values,
 * committed on its own (WAL makes that cheap), so a station killed mid-run
 * leaves every row written up to that moment; each failure is reported at
 * once with its cause in plain words (store_db_fail).
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
		"INSERT INTO measurements (run_id, step_id, name, value, unit, low, high, verdict, marginal) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[Q_EVENT_INSERT] = "INSERT INTO events (run_id, t_s, kind, text) VALUES (?1, ?2, ?3, ?4)",
	[Q_ARTIFACT_INSERT] =
		"INSERT INTO artifacts (run_id, step_id, kind, path, sha256) VALUES (?1, ?2, ?3, ?4, ?5)",
	[Q_RUN_END] =
		"UPDATE runs SET outcome = ?2, disposition = ?3, reason = ?4, ended = ?5 "
		"WHERE id = ?1 AND outcome IN ('running', 'interrupted')",
};

static int q_get(struct st_store *s, enum store_q q, sqlite3_stmt **out, char *err)
{
	if (s->readonly)
		return st_fail(err, ST_ERR_ARG, "%s: opened read-only, cannot record", s->path);
	if (!s->q[q] && sqlite3_prepare_v3(s->db, q_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
					   &s->q[q], NULL) != SQLITE_OK)
		return store_db_fail(s, err, "prepare");
	*out = s->q[q];
	return ST_OK;
}

/* Step a bound writer statement once, then reset it for the next use. */
static int q_run(struct st_store *s, sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);
	int ret = ST_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = store_db_fail(s, err, what);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
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
	store_proc_tag((long)getpid(), tag, sizeof(tag), &state);

	ret = store_exec_sql(s, "BEGIN IMMEDIATE", err);
	if (ret)
		return ret;
	store_bind_str(unit, 1, ri->serial);
	store_bind_str(unit, 2, ri->model);
	store_bind_str(unit, 3, ri->started);
	ret = q_run(s, unit, "recording the unit", err);
	if (ret)
		goto rollback;
	store_bind_str(run, 1, ri->uuid);
	store_bind_str(run, 2, ri->serial);
	store_bind_str(run, 3, ri->model);
	store_bind_str(run, 4, ri->firmware);
	store_bind_str(run, 5, ri->plan);
	store_bind_str(run, 6, ri->limits_path);
	store_bind_str(run, 7, ri->limits_hash);
	store_bind_str(run, 8, ri->station);
	store_bind_str(run, 9, ri->operator_);
	store_bind_str(run, 10, ri->fixture);
	store_bind_str(run, 11, ri->started);
	store_bind_str(run, 12, ri->disposition);
	store_bind_str(run, 13, ri->reason);
	sqlite3_bind_int64(run, 14, (long long)getpid());
	store_bind_str(run, 15, store_hostname());
	store_bind_str(run, 16, tag);
	ret = q_run(s, run, "recording the run", err);
	if (ret)
		goto rollback;
	ri->id = sqlite3_last_insert_rowid(s->db);
	ret = store_exec_sql(s, "COMMIT", err);
	if (ret)
		goto rollback;
	st_strlcpy(ri->outcome, "running", sizeof(ri->outcome));
	ri->ended[0] = '\0';
	return ST_OK;

rollback:
	store_rollback(s);
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
	store_bind_str(st, 2, firmware);
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
	store_bind_str(st, 3, name);
	store_bind_str(st, 4, kind);
	store_bind_str(st, 5, verdict);
	store_bind_real(st, 6, started_s);
	store_bind_real(st, 7, duration_s);
	store_bind_str(st, 8, message);
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
	store_bind_str(st, 2, verdict);
	store_bind_real(st, 3, duration_s);
	store_bind_str(st, 4, message);
	ret = q_run(s, st, "finishing a step", err);
	return ret ? ret : changed_one(s, step_id, "step", err);
}

int st_store_measurement(struct st_store *s, long long run_id, long long step_id,
			 const char *name, double value, const char *unit,
			 double low, double high, const char *verdict, char *err)
{
	return st_store_measurement_m(s, run_id, step_id, name, value, unit, low, high, verdict, 0,
				      err);
}

int st_store_measurement_m(struct st_store *s, long long run_id, long long step_id,
			   const char *name, double value, const char *unit, double low,
			   double high, const char *verdict, int marginal, char *err)
{
	sqlite3_stmt *st = NULL;
	int ret = q_get(s, Q_MEAS_INSERT, &st, err);

	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, run_id);
	store_bind_id(st, 2, step_id);
	store_bind_str(st, 3, name);
	store_bind_real(st, 4, value);
	store_bind_str(st, 5, unit);
	store_bind_real(st, 6, low);
	store_bind_real(st, 7, high);
	store_bind_str(st, 8, verdict);
	sqlite3_bind_int(st, 9, marginal != 0);
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
	store_bind_str(st, 3, kind);
	store_bind_str(st, 4, text);
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
	store_bind_id(st, 2, step_id);
	store_bind_str(st, 3, kind);
	store_bind_str(st, 4, path);
	store_bind_str(st, 5, sha256);
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
	store_bind_str(st, 2, outcome);
	store_bind_str(st, 3, disposition);
	store_bind_str(st, 4, reason);
	store_bind_str(st, 5, now);
	ret = q_run(s, st, "ending the run", err);
	if (ret)
		return ret;
	if (sqlite3_changes(s->db) == 0) {
		struct st_run_info ri;
		sqlite3_stmt *q;
		int rc;

		if (sqlite3_prepare_v2(s->db, "SELECT outcome FROM runs WHERE id = ?1", -1, &q,
				       NULL) != SQLITE_OK)
			return store_db_fail(s, err, "ending the run");
		sqlite3_bind_int64(q, 1, run_id);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			store_col_text(ri.outcome, sizeof(ri.outcome), q, 0);
		sqlite3_finalize(q);
		if (rc != SQLITE_ROW)
			return st_fail(err, ST_ERR_NOTFOUND, "%s: no run with id %lld", s->path, run_id);
		return st_fail(err, ST_ERR_ARG, "%s: run %lld already ended %s", s->path, run_id,
			       ri.outcome);
	}
	return ST_OK;
}
