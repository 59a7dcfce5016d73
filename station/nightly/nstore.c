/*
 * nstore.c - the store side of nightly regression (nightly.h): a stored
 * run's measurements keyed "STEP/NAME", a golden unit's last good builds,
 * their baseline per key, and each night's judgement in the tables of
 * db/005_nightly.sql (through the store's own connection, st_store_db, as
 * fleet sync keeps its sync_log).  Values are always bound, never spliced
 * into SQL.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nightly/nightly.h"
#include "store/store.h"

/* One failed SQLite call: one line naming the database. */
static int db_fail(struct st_store *s, char *err, const char *what)
{
	return st_fail(err, ST_ERR_DB, "%s: %s: %s", st_store_path(s), what,
		       sqlite3_errmsg(st_store_db(s)));
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

static void bind_real(sqlite3_stmt *st, int i, double v)
{
	if (isfinite(v))
		sqlite3_bind_double(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

static void col_text(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	st_strlcpy(dst, t ? (const char *)t : "", n);
}

/* ---- a run's values, keyed --------------------------------------------- */

struct step_key {
	long long id;                 /* step id */
	char prefix[ST_NL_KEY_LEN];   /* "anc", "verify#2" */
};

struct collect {
	struct step_key *steps;       /* the run's steps */
	int nsteps, capsteps;
	struct st_nl_value *vals;     /* values so far */
	int n, cap;
	int oom;                      /* allocation failed */
};

static int on_step(const struct st_step_row *r, void *ctx)
{
	struct collect *c = ctx;
	int occ = 1;

	if (c->nsteps == c->capsteps) {
		int nc = c->capsteps ? 2 * c->capsteps : 32;
		struct step_key *ns = realloc(c->steps, (size_t)nc * sizeof(*ns));

		if (!ns) {
			c->oom = 1;
			return 1;
		}
		c->steps = ns;
		c->capsteps = nc;
	}
	/* a step name seen before with another id is its next occurrence; a
	 * retried step keeps its plan index, so compare names of other indexes */
	for (int i = 0; i < c->nsteps; i++) {
		const char *p = c->steps[i].prefix, *h = strchr(p, '#');
		size_t len = h ? (size_t)(h - p) : strlen(p);

		if (len == strlen(r->name) && !strncmp(p, r->name, len))
			occ++;
	}
	c->steps[c->nsteps].id = r->id;
	if (occ > 1)
		snprintf(c->steps[c->nsteps].prefix, ST_NL_KEY_LEN, "%.60s#%d", r->name, occ);
	else
		snprintf(c->steps[c->nsteps].prefix, ST_NL_KEY_LEN, "%.60s", r->name);
	c->nsteps++;
	return 0;
}

static int on_meas(const struct st_meas_row *r, void *ctx)
{
	struct collect *c = ctx;
	const char *prefix = "run";
	struct st_nl_value *v;

	for (int i = 0; i < c->nsteps; i++)
		if (c->steps[i].id == r->step_id)
			prefix = c->steps[i].prefix;
	if (c->n == c->cap) {
		int nc = c->cap ? 2 * c->cap : 128;
		struct st_nl_value *nv = realloc(c->vals, (size_t)nc * sizeof(*nv));

		if (!nv) {
			c->oom = 1;
			return 1;
		}
		c->vals = nv;
		c->cap = nc;
	}
	v = &c->vals[c->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->key, sizeof(v->key), "%s/%.63s", prefix, r->name);
	st_strlcpy(v->name, r->name, sizeof(v->name));
	st_strlcpy(v->unit, r->unit, sizeof(v->unit));
	v->value = r->value;
	v->low = r->low;
	v->high = r->high;
	v->limit_fail = !strcmp(r->verdict, "FAIL");
	return 0;
}

int st_nl_run_values(struct st_store *s, long long run_id, struct st_nl_value **out, int *n,
		     char *err)
{
	struct collect c;
	int ret;

	memset(&c, 0, sizeof(c));
	*out = NULL;
	*n = 0;
	ret = st_store_steps(s, run_id, on_step, &c, err);
	if (!ret && !c.oom)
		ret = st_store_measurements(s, run_id, on_meas, &c, err);
	free(c.steps);
	if (!ret && c.oom)
		ret = st_fail(err, ST_ERR_MEM, "nightly: out of memory reading run %lld", run_id);
	if (ret) {
		free(c.vals);
		return ret;
	}
	*out = c.vals;
	*n = c.n;
	return ST_OK;
}

/* ---- good builds and their baseline -------------------------------------- */

int st_nl_good_builds(struct st_store *s, const char *serial, const char *plan,
		      const char *before, struct st_nl_good *out, int max, char *err)
{
	static const char sql[] =
		"SELECT r.id, r.uuid, r.firmware, r.started FROM nightly_units nu "
		"JOIN runs r ON r.id = nu.run_id "
		"WHERE nu.serial = ?1 AND r.plan = ?2 AND r.outcome = 'PASS' "
		"AND nu.status IN ('no-change', 'no-baseline') AND (?3 = '' OR r.started < ?3) "
		"ORDER BY r.started DESC, r.id DESC";
	sqlite3_stmt *st;
	int n = 0, rc = SQLITE_DONE;

	if (!s || !serial || !plan || !out || max < 0)
		return st_fail(err, ST_ERR_ARG, "st_nl_good_builds: bad arguments");
	if (sqlite3_prepare_v2(st_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading golden unit history");
	bind_text(st, 1, serial);
	bind_text(st, 2, plan);
	bind_text(st, 3, before ? before : "");
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct st_nl_good g;
		int dup = 0;

		memset(&g, 0, sizeof(g));
		g.run_id = sqlite3_column_int64(st, 0);
		col_text(g.uuid, sizeof(g.uuid), st, 1);
		col_text(g.firmware, sizeof(g.firmware), st, 2);
		col_text(g.started, sizeof(g.started), st, 3);
		for (int i = 0; i < n; i++)
			dup |= !strcmp(out[i].firmware, g.firmware);
		if (!dup)
			out[n++] = g;   /* newest run of each build */
	}
	if (n < max && rc != SQLITE_DONE) {
		db_fail(s, err, "reading golden unit history");
		sqlite3_finalize(st);
		return ST_ERR_DB;
	}
	sqlite3_finalize(st);
	return n;
}

/* Index of key in keys[0..n-1], -1 if absent. */
static int find_key(const struct st_nl_value *keys, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i].key, key))
			return i;
	return -1;
}

/* Gather the values of every run into per-key columns vals[key][run]. */
static int gather(struct st_store *s, const struct st_nl_good *good, int ngood,
		  struct st_nl_value **keys, double **vals, int *nkeys, int *cap, char *err)
{
	for (int g = 0; g < ngood; g++) {
		struct st_nl_value *v;
		int nv, ret = st_nl_run_values(s, good[g].run_id, &v, &nv, err);

		if (ret)
			return ret;
		for (int i = 0; i < nv; i++) {
			int k = find_key(*keys, *nkeys, v[i].key);

			if (k < 0) {
				if (*nkeys == *cap) {
					int nc = *cap ? 2 * *cap : 128;
					struct st_nl_value *nk = realloc(*keys, (size_t)nc * sizeof(*nk));
					double *nvals = nk ? realloc(*vals, (size_t)nc * ST_NL_BASELINE_MAX *
								     sizeof(double)) : NULL;

					if (nk)
						*keys = nk;
					if (!nvals) {
						free(v);
						return st_fail(err, ST_ERR_MEM, "nightly: out of memory");
					}
					*vals = nvals;
					*cap = nc;
				}
				k = (*nkeys)++;
				(*keys)[k] = v[i];
				for (int j = 0; j < ST_NL_BASELINE_MAX; j++)
					(*vals)[(size_t)k * ST_NL_BASELINE_MAX + (size_t)j] = NAN;
			}
			/* a key repeated within one run keeps its first value */
			if (isnan((*vals)[(size_t)k * ST_NL_BASELINE_MAX + (size_t)g]))
				(*vals)[(size_t)k * ST_NL_BASELINE_MAX + (size_t)g] = v[i].value;
		}
		free(v);
	}
	return ST_OK;
}

int st_nl_baseline(struct st_store *s, const struct st_nl_good *good, int ngood,
		   struct st_nl_value **keys, struct st_nl_stats **stats, int *n, char *err)
{
	struct st_nl_value *k = NULL;
	double *vals = NULL;
	int nk = 0, cap = 0, ret;

	*keys = NULL;
	*stats = NULL;
	*n = 0;
	if (ngood < 0 || ngood > ST_NL_BASELINE_MAX)
		return st_fail(err, ST_ERR_ARG, "a baseline spans 0 to %d builds", ST_NL_BASELINE_MAX);
	ret = gather(s, good, ngood, &k, &vals, &nk, &cap, err);
	if (!ret && nk) {
		*stats = calloc((size_t)nk, sizeof(**stats));
		if (!*stats)
			ret = st_fail(err, ST_ERR_MEM, "nightly: out of memory");
	}
	for (int i = 0; !ret && i < nk; i++)
		st_nl_stats(vals + (size_t)i * ST_NL_BASELINE_MAX, ngood, &(*stats)[i]);
	free(vals);
	if (ret) {
		free(k);
		free(*stats);
		*stats = NULL;
		return ret;
	}
	*keys = k;
	*n = nk;
	return ST_OK;
}

/* ---- recording a night --------------------------------------------------- */

/* Run one write statement with its binds done by the caller. */
static int step_done(struct st_store *s, sqlite3_stmt *st, const char *what, char *err)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ST_OK : db_fail(s, err, what);
}

int st_nl_record_night(struct st_store *s, struct st_nl_night_row *row, char *err)
{
	static const char sql[] =
		"INSERT INTO nightly (uuid, started, firmware, model, plan, station, outcome, summary) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running', '')";
	sqlite3_stmt *st;
	int ret;

	if (!row->uuid[0])
		st_uuid4(row->uuid);
	if (!row->started[0])
		st_iso8601_now(row->started);
	if (sqlite3_prepare_v2(st_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "recording the night");
	bind_text(st, 1, row->uuid);
	bind_text(st, 2, row->started);
	bind_text(st, 3, row->firmware);
	bind_text(st, 4, row->model);
	bind_text(st, 5, row->plan);
	bind_text(st, 6, row->station);
	ret = step_done(s, st, "recording the night", err);
	if (!ret)
		row->id = sqlite3_last_insert_rowid(st_store_db(s));
	st_strlcpy(row->outcome, "running", sizeof(row->outcome));
	return ret;
}

int st_nl_record_unit(struct st_store *s, long long night_id, const char *serial,
		      long long run_id, const char *status, const char *reason,
		      long long *unit_id, char *err)
{
	static const char sql[] =
		"INSERT INTO nightly_units (nightly_id, serial, run_id, status, reason) "
		"VALUES (?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *st;
	int ret;

	if (sqlite3_prepare_v2(st_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "recording a golden unit");
	sqlite3_bind_int64(st, 1, night_id);
	bind_text(st, 2, serial);
	if (run_id > 0)
		sqlite3_bind_int64(st, 3, run_id);
	else
		sqlite3_bind_null(st, 3);
	bind_text(st, 4, status);
	bind_text(st, 5, reason);
	ret = step_done(s, st, "recording a golden unit", err);
	if (!ret && unit_id)
		*unit_id = sqlite3_last_insert_rowid(st_store_db(s));
	return ret;
}

int st_nl_record_change(struct st_store *s, long long unit_id, const struct st_nl_key *k,
			const struct st_nl_cell *c, char *err)
{
	static const char sql[] =
		"INSERT INTO nightly_changes (unit_id, key, name, unit, value, baseline, spread, n, "
		"threshold, change, verdict) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(st_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "recording a change");
	sqlite3_bind_int64(st, 1, unit_id);
	bind_text(st, 2, k->key);
	bind_text(st, 3, k->name);
	bind_text(st, 4, k->unit);
	bind_real(st, 5, c->value);
	bind_real(st, 6, c->base.n ? c->base.median : NAN);
	bind_real(st, 7, c->base.n ? c->base.spread : NAN);
	sqlite3_bind_int(st, 8, c->base.n);
	bind_real(st, 9, c->effective);
	bind_real(st, 10, c->change);
	bind_text(st, 11, st_nl_verdict_name(c->verdict));
	return step_done(s, st, "recording a change", err);
}

int st_nl_end_night(struct st_store *s, long long night_id, const char *outcome,
		    const char *summary, char *err)
{
	static const char sql[] =
		"UPDATE nightly SET outcome = ?2, summary = ?3, ended = ?4 WHERE id = ?1";
	sqlite3_stmt *st;
	char now[32];

	st_iso8601_now(now);
	if (sqlite3_prepare_v2(st_store_db(s), sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "ending the night");
	sqlite3_bind_int64(st, 1, night_id);
	bind_text(st, 2, outcome);
	bind_text(st, 3, summary);
	bind_text(st, 4, now);
	return step_done(s, st, "ending the night", err);
}
