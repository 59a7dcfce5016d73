/*
 * assemble.c - a night put together (nightly.h): each golden unit's run
 * and baseline read from the store, the units x measurements matrix the
 * judge works on, the one-line summary that names what changed, and the
 * night's units and changes written back to the store.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits/limits.h"
#include "nightly/nightly.h"

void st_nl_unit_free(struct st_nl_unit *u)
{
	if (!u)
		return;
	free(u->vals);
	free(u->bkeys);
	free(u->bstats);
	u->vals = u->bkeys = NULL;
	u->bstats = NULL;
	u->nvals = u->nbase = 0;
}

int st_nl_unit_load(struct st_store *s, struct st_nl_unit *u, const char *plan,
		    const char *build, int builds, char *err)
{
	int ret, n;

	if (builds < 1 || builds > ST_NL_BASELINE_MAX)
		return st_fail(err, ST_ERR_ARG, "a baseline spans 1 to %d builds", ST_NL_BASELINE_MAX);
	ret = st_nl_run_values(s, u->run_id, &u->vals, &u->nvals, err);
	if (ret)
		return ret;
	n = st_nl_good_builds(s, u->serial, plan, u->started, u->good, builds, err);
	if (n < 0)
		return n;
	u->ngood = n;
	u->same_build = 0;
	for (int i = 0; i < n; i++)
		u->same_build |= !strcmp(u->good[i].firmware, build);
	return st_nl_baseline(s, u->good, u->ngood, &u->bkeys, &u->bstats, &u->nbase, err);
}

static int find_key(const struct st_nl_key *keys, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i].key, key))
			return i;
	return -1;
}

/* An ANC band: "anc.X.L.500Hz" (a mask's point). */
static int is_band(const char *name)
{
	const char *dot = strrchr(name, '.');
	size_t len = dot ? strlen(dot + 1) : 0;

	return !strncmp(name, "anc.", 4) && len > 2 && !strcmp(dot + 1 + len - 2, "Hz");
}

/* Every key measured on an ok unit, first-seen order. */
static int collect_keys(struct st_nl_night *n, const struct st_nl_unit *units, int nunits,
			const struct st_limits *l, char *err)
{
	int cap = 0;

	for (int u = 0; u < nunits; u++) {
		for (int i = 0; units[u].ok && i < units[u].nvals; i++) {
			const struct st_nl_value *v = &units[u].vals[i];
			struct st_nl_key *k;

			if (find_key(n->keys, n->nkeys, v->key) >= 0)
				continue;
			if (n->nkeys == cap) {
				int nc = cap ? 2 * cap : 128;
				struct st_nl_key *nk = realloc(n->keys, (size_t)nc * sizeof(*nk));

				if (!nk)
					return st_fail(err, ST_ERR_MEM, "nightly: out of memory");
				n->keys = nk;
				cap = nc;
			}
			k = &n->keys[n->nkeys++];
			memset(k, 0, sizeof(*k));
			st_strlcpy(k->key, v->key, sizeof(k->key));
			st_strlcpy(k->name, v->name, sizeof(k->name));
			st_strlcpy(k->unit, v->unit, sizeof(k->unit));
			st_nl_family(v->name, k->family, sizeof(k->family));
			k->band = is_band(v->name);
			st_nl_threshold_for(l, v->name, v->unit, &k->thr);
		}
	}
	return ST_OK;
}

/* Unit u's cell of every key: tonight's value and its baseline. */
static void fill_cells(struct st_nl_night *n, const struct st_nl_unit *un, int u)
{
	for (int k = 0; k < n->nkeys; k++) {
		struct st_nl_cell *c = &n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k];

		c->value = c->low = c->high = c->change = c->effective = NAN;
		c->base.median = c->base.spread = NAN;
		for (int i = 0; un->ok && i < un->nvals; i++) {
			const struct st_nl_value *v = &un->vals[i];

			if (strcmp(v->key, n->keys[k].key))
				continue;
			c->has = 1;
			c->value = v->value;
			c->low = v->low;
			c->high = v->high;
			c->limit_fail = v->limit_fail;
			break;
		}
		for (int i = 0; i < un->nbase; i++)
			if (!strcmp(un->bkeys[i].key, n->keys[k].key)) {
				c->base = un->bstats[i];
				break;
			}
	}
}

int st_nl_night_build(struct st_nl_night *n, const struct st_nl_unit *units, int nunits,
		      const struct st_limits *l, char *err)
{
	int ret;

	memset(n, 0, sizeof(*n));
	if (nunits < 1)
		return st_fail(err, ST_ERR_ARG, "a night needs at least one golden unit");
	n->nunits = nunits;
	ret = collect_keys(n, units, nunits, l, err);
	if (ret)
		goto free_night;
	n->cells = calloc((size_t)nunits * (size_t)(n->nkeys ? n->nkeys : 1), sizeof(*n->cells));
	n->unit_ok = calloc((size_t)nunits, sizeof(int));
	n->same_build = calloc((size_t)nunits, sizeof(int));
	if (!n->cells || !n->unit_ok || !n->same_build) {
		ret = st_fail(err, ST_ERR_MEM, "nightly: out of memory");
		goto free_night;
	}
	for (int u = 0; u < nunits; u++) {
		n->unit_ok[u] = units[u].ok;
		n->same_build[u] = units[u].same_build;
		fill_cells(n, &units[u], u);
	}
	return ST_OK;
free_night:
	st_nl_night_free(n);
	return ret;
}

void st_nl_night_free(struct st_nl_night *n)
{
	if (!n)
		return;
	free(n->keys);
	free(n->cells);
	free(n->unit_ok);
	free(n->same_build);
	memset(n, 0, sizeof(*n));
}

/* Append printf-style to buf (never past len). */
static void add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t o = strlen(buf);
	va_list ap;

	if (o + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}

/* Mean change of key k over the units whose cell has verdict v; count in *m. */
static double mean_change(const struct st_nl_night *n, int k, enum st_nl_verdict v, int *m)
{
	double sum = 0;

	*m = 0;
	for (int u = 0; u < n->nunits; u++) {
		const struct st_nl_cell *c = &n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k];

		if (c->verdict == v && isfinite(c->change)) {
			sum += c->change;
			(*m)++;
		}
	}
	return *m ? sum / *m : NAN;
}

/* "regression: KEY CHANGE UNIT on S1,S2; ..." (at most 6 keys named). */
static void regressions_line(const struct st_nl_night *n, const struct st_nl_unit *units,
			     char *buf, size_t len)
{
	int named = 0, more = 0;

	for (int k = 0; k < n->nkeys; k++) {
		int m, lim = 0;
		double mc = mean_change(n, k, ST_NL_REGRESSION, &m);

		for (int u = 0; u < n->nunits; u++)
			lim += n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k].verdict == ST_NL_LIMIT;
		if (!m && !lim)
			continue;
		if (named == 6) {
			more++;
			continue;
		}
		add(buf, len, "%s%s %s", named ? "; " : "regression: ", n->keys[k].key,
		    m ? "" : "out of limits");
		if (m)
			add(buf, len, "%+.2f %s", mc, n->keys[k].unit);
		add(buf, len, " on");
		for (int u = 0; u < n->nunits; u++) {
			enum st_nl_verdict v = n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k].verdict;

			if (v == ST_NL_REGRESSION || v == ST_NL_LIMIT)
				add(buf, len, " %s", units[u].serial);
		}
		named++;
	}
	if (more)
		add(buf, len, "; and %d more", more);
}

/* Does key k have a bench-suspect cell? */
static int bench_key(const struct st_nl_night *n, int k)
{
	int m;

	mean_change(n, k, ST_NL_BENCH, &m);
	return m > 0;
}

/* "bench suspect: every golden unit moved together in FAMILY (N keys, +X U), ..." */
static void bench_line(const struct st_nl_night *n, char *buf, size_t len)
{
	int first = 1;

	for (int k = 0; k < n->nkeys; k++) {
		int dup = 0, nk = 0, m;
		double sum = 0, mc;

		if (!bench_key(n, k))
			continue;
		for (int j = 0; j < k; j++)
			dup |= !strcmp(n->keys[j].family, n->keys[k].family) && bench_key(n, j);
		if (dup)
			continue;
		for (int j = k; j < n->nkeys; j++) {
			if (strcmp(n->keys[j].family, n->keys[k].family))
				continue;
			mc = mean_change(n, j, ST_NL_BENCH, &m);
			if (m) {
				nk++;
				sum += mc;
			}
		}
		if (first)
			add(buf, len, "%sbench suspect: every golden unit moved together in ",
			    buf[0] ? "; " : "");
		add(buf, len, "%s%s (%d %s, %+.2f %s)", first ? "" : ", ", n->keys[k].family, nk,
		    nk == 1 ? "key" : "keys", sum / nk, n->keys[k].unit);
		first = 0;
	}
	if (!first)
		add(buf, len, ": the fixture, microphone or coupler may have drifted, not the firmware");
}

void st_nl_summary_line(const struct st_nl_night *n, const struct st_nl_unit *units,
			char *buf, size_t len)
{
	if (!buf || !len)
		return;
	buf[0] = '\0';
	regressions_line(n, units, buf, len);
	bench_line(n, buf, len);
	for (int u = 0; u < n->nunits; u++) {
		if (units[u].ok)
			continue;
		add(buf, len, "%s%s ERROR: %s", buf[0] ? "; " : "", units[u].serial, units[u].reason);
	}
	if (!buf[0]) {
		int compared = 0;

		for (int i = 0; i < n->nunits * n->nkeys; i++)
			compared |= n->cells[i].verdict == ST_NL_SAME;
		add(buf, len, compared ? "no change" : "no baseline yet: this night starts one");
	}
}

int st_nl_record_units(struct st_store *s, long long night_id, const struct st_nl_night *n,
		       const struct st_nl_unit *units, char *err)
{
	for (int u = 0; u < n->nunits; u++) {
		long long uid;
		int ret = st_nl_record_unit(s, night_id, units[u].serial, units[u].run_id,
					    st_nl_unit_status(n, u), units[u].reason, &uid, err);

		for (int k = 0; !ret && k < n->nkeys; k++) {
			const struct st_nl_cell *c = &n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k];

			if (c->verdict == ST_NL_REGRESSION || c->verdict == ST_NL_BENCH ||
			    c->verdict == ST_NL_LIMIT || c->verdict == ST_NL_INVALID)
				ret = st_nl_record_change(s, uid, &n->keys[k], c, err);
		}
		if (ret)
			return ret;
	}
	return ST_OK;
}
