/*
 * nightly_data.c - the data of the nightly report (nightly_int.h): the
 * night under report and the nights before it on the same plan and model
 * (db/NNN_nightly.sql, read through the store's connection as the nightly
 * library does), each golden unit's values per build (st_nl_run_values),
 * the changes each night recorded (regressions, bench-suspect, out of
 * limits) as marks, and tonight's baseline band per unit and measurement:
 * the median of its last good builds +- the threshold in force, exactly as
 * `station nightly` judged it (st_nl_good_builds, st_nl_baseline,
 * st_nl_threshold_for).  Every value is bound, never spliced into SQL.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits/limits.h"
#include "report/nightly_int.h"

static int db_fail(struct st_store *s, char *err, const char *what)
{
	return st_fail(err, ST_ERR_DB, "%s: %s: %s", st_store_path(s), what,
		       sqlite3_errmsg(st_store_db(s)));
}

static void col(char *dst, size_t n, sqlite3_stmt *st, int c)
{
	const unsigned char *t = sqlite3_column_text(st, c);

	st_strlcpy(dst, t ? (const char *)t : "", n);
}

#define NIGHT_COLS "id, uuid, started, coalesce(ended, ''), firmware, model, plan, station, " \
	"outcome, summary, baseline_builds"

static void night_row(sqlite3_stmt *st, struct nr_night *n)
{
	memset(n, 0, sizeof(*n));
	n->id = sqlite3_column_int64(st, 0);
	col(n->uuid, sizeof(n->uuid), st, 1);
	col(n->started, sizeof(n->started), st, 2);
	col(n->ended, sizeof(n->ended), st, 3);
	col(n->firmware, sizeof(n->firmware), st, 4);
	col(n->model, sizeof(n->model), st, 5);
	col(n->plan, sizeof(n->plan), st, 6);
	col(n->station, sizeof(n->station), st, 7);
	col(n->outcome, sizeof(n->outcome), st, 8);
	col(n->summary, sizeof(n->summary), st, 9);
	n->baseline_builds = sqlite3_column_int(st, 10);
}

/* Tonight, then the trend: the last nights of its plan and model up to it. */
static int load_nights(struct st_store *s, const char *firmware, int last, struct nr_data *d,
		       char *err)
{
	sqlite3 *db = st_store_db(s);
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(db, "SELECT " NIGHT_COLS " FROM nightly WHERE ended IS NOT NULL AND "
			       "(?1 IS NULL OR firmware = ?1) ORDER BY started DESC, id DESC LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading nights");
	if (firmware)
		sqlite3_bind_text(st, 1, firmware, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		night_row(st, &d->tonight);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "reading nights");
	if (rc == SQLITE_DONE)
		return st_fail(err, ST_ERR_NOTFOUND, "%s: no finished night%s%s (station nightly)",
			       st_store_path(s), firmware ? " of build " : "", firmware ? firmware : "");
	if (sqlite3_prepare_v2(db, "SELECT " NIGHT_COLS " FROM nightly WHERE ended IS NOT NULL AND "
			       "plan = ?1 AND model = ?2 AND (started < ?3 OR id = ?4) "
			       "ORDER BY started DESC, id DESC LIMIT ?5", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading nights");
	sqlite3_bind_text(st, 1, d->tonight.plan, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, d->tonight.model, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, d->tonight.started, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, d->tonight.id);
	sqlite3_bind_int(st, 5, last);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < NR_MAX_NIGHTS)
		night_row(st, &d->nights[n++]);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "reading nights");
	for (int i = 0; i < n / 2; i++) {  /* oldest first */
		struct nr_night t = d->nights[i];
		d->nights[i] = d->nights[n - 1 - i];
		d->nights[n - 1 - i] = t;
	}
	d->nnights = n;
	return ST_OK;
}

static int load_units(struct st_store *s, struct nr_data *d, char *err)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(st_store_db(s), "SELECT nu.id, coalesce(nu.run_id, 0), nu.serial, "
			       "nu.status, nu.reason, coalesce(r.uuid, '') FROM nightly_units nu "
			       "LEFT JOIN runs r ON r.id = nu.run_id WHERE nu.nightly_id = ?1 "
			       "ORDER BY nu.id", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading a night's units");
	sqlite3_bind_int64(st, 1, d->tonight.id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && d->nunits < (int)ST_ARRAY_SIZE(d->units)) {
		struct nr_unit *u = &d->units[d->nunits++];
		u->unit_id = sqlite3_column_int64(st, 0);
		u->run_id = sqlite3_column_int64(st, 1);
		col(u->serial, sizeof(u->serial), st, 2);
		col(u->status, sizeof(u->status), st, 3);
		col(u->reason, sizeof(u->reason), st, 4);
		col(u->run_uuid, sizeof(u->run_uuid), st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(s, err, "reading a night's units");
	return ST_OK;
}

static struct nr_key *key_get(struct nr_data *d, const struct st_nl_value *v, int add)
{
	struct nr_key *k;

	for (int i = 0; i < d->nkeys; i++)
		if (!strcmp(d->keys[i].key, v->key))
			return &d->keys[i];
	if (!add)
		return NULL;
	if (d->nkeys == d->capkeys) {
		int nc = d->capkeys ? d->capkeys * 2 : 64;
		struct nr_key *nk = realloc(d->keys, (size_t)nc * sizeof(*nk));
		if (!nk)
			return NULL;
		d->keys = nk;
		d->capkeys = nc;
	}
	k = &d->keys[d->nkeys++];
	memset(k, 0, sizeof(*k));
	st_strlcpy(k->key, v->key, sizeof(k->key));
	st_strlcpy(k->name, v->name, sizeof(k->name));
	st_strlcpy(k->unit, v->unit, sizeof(k->unit));
	for (int u = 0; u < NR_MAX_UNITS; u++) {
		k->band_lo[u] = k->band_hi[u] = NAN;
		for (int n = 0; n < NR_MAX_NIGHTS; n++)
			k->v[u][n] = NAN;
	}
	return k;
}

/* The unit's values of night n (and its changes as marks); tonight's values
 * add the keys. */
static int load_cell(struct st_store *s, struct nr_data *d, int u, int n, char *err)
{
	sqlite3_stmt *st;
	struct st_nl_value *v = NULL;
	long long unit_id = 0, run_id = 0;
	int nv = 0, rc, ret, tonight = n == d->nnights - 1;

	if (sqlite3_prepare_v2(st_store_db(s), "SELECT id, coalesce(run_id, 0) FROM nightly_units "
			       "WHERE nightly_id = ?1 AND serial = ?2 ORDER BY id LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK)
		return db_fail(s, err, "reading a night's units");
	sqlite3_bind_int64(st, 1, d->nights[n].id);
	sqlite3_bind_text(st, 2, d->units[u].serial, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unit_id = sqlite3_column_int64(st, 0);
		run_id = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (!run_id)
		return rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : db_fail(s, err, "reading units");
	ret = st_nl_run_values(s, run_id, &v, &nv, err);
	for (int i = 0; !ret && i < nv; i++) {
		struct nr_key *k = key_get(d, &v[i], tonight);
		if (!k && tonight)
			ret = st_fail(err, ST_ERR_MEM, "out of memory");
		else if (k)
			k->v[u][n] = v[i].value;
	}
	free(v);
	if (ret)
		return ret;
	if (sqlite3_prepare_v2(st_store_db(s), "SELECT key, verdict FROM nightly_changes WHERE "
			       "unit_id = ?1", -1, &st, NULL) != SQLITE_OK)
		return db_fail(s, err, "reading a night's changes");
	sqlite3_bind_int64(st, 1, unit_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct st_nl_value kv;
		char verdict[32];
		struct nr_key *k;

		memset(&kv, 0, sizeof(kv));
		col(kv.key, sizeof(kv.key), st, 0);
		col(verdict, sizeof(verdict), st, 1);
		if (!(k = key_get(d, &kv, 0)))
			continue;
		k->mark[u][n] = !strcmp(verdict, "regression") ? ST_TREND_REGRESSION :
				!strcmp(verdict, "bench-suspect") ? ST_TREND_BENCH :
				!strcmp(verdict, "out-of-limits") ? ST_TREND_LIMIT : ST_TREND_NONE;
		if (tonight && strcmp(verdict, "same"))
			k->changed = 1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? ST_OK : db_fail(s, err, "reading a night's changes");
}

/* Tonight's baseline band of unit u: median +- the threshold in force. */
static int load_baseline(struct st_store *s, struct nr_data *d, const struct st_limits *lim, int u,
			 char *err)
{
	struct st_nl_good good[ST_NL_BASELINE_MAX];
	struct st_nl_value *keys = NULL;
	struct st_nl_stats *stats = NULL;
	int nb = d->tonight.baseline_builds, ng, nk = 0, ret;

	if (nb < 1 || nb > ST_NL_BASELINE_MAX)
		nb = ST_NL_DEFAULT_BUILDS;
	ng = st_nl_good_builds(s, d->units[u].serial, d->tonight.plan, d->tonight.started, good, nb,
			       err);
	if (ng < 0)
		return ng;
	if (ng == 0)
		return ST_OK;
	ret = st_nl_baseline(s, good, ng, &keys, &stats, &nk, err);
	for (int i = 0; !ret && i < nk; i++) {
		struct nr_key *k = key_get(d, &keys[i], 0);
		struct st_nl_threshold t;
		double eff;

		if (!k || stats[i].n < 1)
			continue;
		st_nl_threshold_for(lim, k->name, k->unit, &t);
		if (t.off || !isfinite(t.value))
			continue;
		eff = fmax(t.value, ST_NL_SPREAD_K * stats[i].spread);
		k->band_lo[u] = stats[i].median - eff;
		k->band_hi[u] = stats[i].median + eff;
	}
	free(keys);
	free(stats);
	return ret;
}

int nr_load(struct st_store *s, const char *firmware, int last, struct nr_data *d, char *err)
{
	struct st_limits *lim = NULL;
	char lerr[ST_ERRLEN];
	int ret, nu;

	memset(d, 0, sizeof(*d));
	ret = load_nights(s, firmware, last, d, err);
	if (!ret)
		ret = load_units(s, d, err);
	if (ret)
		return ret;
	nu = d->nunits < NR_MAX_UNITS ? d->nunits : NR_MAX_UNITS;
	/* tonight first: it names the keys */
	for (int n = d->nnights - 1; n >= 0 && !ret; n--)
		for (int u = 0; u < nu && !ret; u++)
			ret = load_cell(s, d, u, n, err);
	if (st_limits_load_model(NULL, d->tonight.model, d->tonight.firmware, &lim, lerr))
		lim = NULL;  /* thresholds then default per unit */
	for (int u = 0; u < nu && !ret; u++)
		ret = load_baseline(s, d, lim, u, err);
	st_limits_free(lim);
	if (ret)
		nr_free(d);
	return ret;
}

void nr_free(struct nr_data *d)
{
	free(d->keys);
	d->keys = NULL;
	d->nkeys = d->capkeys = 0;
}
