/*
 * learn.c - `station limits learn`: the golden units' runs read from the
 * store, every measurement mapped to the model limit or mask band that
 * judges it (names.h), and the statistics of each (stats.h).  The file is
 * written by learn_write.c.  learn.h says what and why.
 */
#include "golden/learn_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"
#include "golden/names.h"

void st_learn_opts_init(struct st_learn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->k = 3;
	o->min_runs = 5;
}

const char *learn_never(const struct st_limit *lim)
{
	if (!strcmp(lim->name, "battery.min_pct"))
		return "the battery gate: a safety minimum, not a property of the unit";
	if (!strcmp(lim->name, "reset.hold_error_s"))
		return "the seeds' hold tolerance: a rule of the procedure";
	if (!strcmp(lim->unit, "bool"))
		return "yes/no";
	if (!strcmp(lim->unit, "count"))
		return "a count";
	return NULL;
}

/* --- reading the runs --- */

struct gather {
	struct st_learn *L;
	struct st_store *s;
	int unit;           /* index of the serial being read */
	char *err;
	int ret;
};

static int grow(void **p, int *cap, int need, size_t size)
{
	void *np;
	int nc;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	np = realloc(*p, (size_t)nc * size);
	if (!np)
		return -1;
	*p = np;
	*cap = nc;
	return 0;
}

static int run_cb(const struct st_run_info *ri, void *ctx)
{
	struct gather *g = ctx;
	struct st_learn *L = g->L;
	struct learn_run *r;

	if (L->nruns >= ST_LEARN_MAX_RUNS) {
		g->ret = st_fail(g->err, ST_ERR_ARG, "more than %d runs: choose fewer units or a plan",
				 ST_LEARN_MAX_RUNS);
		return 1;
	}
	if (!L->model[0])
		st_strlcpy(L->model, ri->model, sizeof(L->model));
	else if (strcmp(L->model, ri->model)) {
		g->ret = st_fail(g->err, ST_ERR_ARG, "the golden units' runs are of several models "
				 "(%.31s, %.31s): give --model", L->model, ri->model);
		return 1;
	}
	r = &L->runs[L->nruns++];
	st_strlcpy(r->uuid, ri->uuid, sizeof(r->uuid));
	st_strlcpy(r->serial, ri->serial, sizeof(r->serial));
	st_strlcpy(r->firmware, ri->firmware, sizeof(r->firmware));
	st_strlcpy(r->started, ri->started, sizeof(r->started));
	L->per_unit[g->unit]++;
	return 0;
}

static int read_runs(struct st_learn *L, struct st_store *s, char *err)
{
	struct gather g = { L, s, 0, err, ST_OK };
	int ret;

	L->runs = calloc(ST_LEARN_MAX_RUNS, sizeof(*L->runs));
	if (!L->runs)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	if (L->o.model)
		st_strlcpy(L->model, L->o.model, sizeof(L->model));
	for (g.unit = 0; g.unit < L->o.nserials; g.unit++) {
		struct st_run_filter f = { .serial = L->o.serials[g.unit], .model = L->o.model,
					   .plan = L->plan, .outcome = "PASS" };
		ret = st_store_select(s, &f, run_cb, &g, err);
		if (ret || g.ret)
			return ret ? ret : g.ret;
	}
	for (int u = 0; u < L->o.nserials; u++)
		if (L->per_unit[u] < L->o.min_runs)
			return st_fail(err, ST_ERR_ARG, "golden unit %.32s has %d PASS run%s of plan %s%s%s; "
				       "at least %d needed (--min-runs)", L->o.serials[u], L->per_unit[u],
				       L->per_unit[u] == 1 ? "" : "s", L->plan, L->model[0] ? " on " : "",
				       L->model, L->o.min_runs);
	return ST_OK;
}

/* --- samples --- */

static struct learn_qty *qty_for(struct st_learn *L, const struct st_limit_ref *ref, int *cap)
{
	const char *name = ref->lim ? ref->lim->name : ref->mask->name;
	int is_mask = ref->mask != NULL;
	struct learn_qty *q;

	for (int i = 0; i < L->nq; i++)
		if (L->q[i].is_mask == is_mask && !strcmp(L->q[i].name, name) &&
		    (!is_mask || L->q[i].hz == ref->hz))
			return &L->q[i];
	if (grow((void **)&L->q, cap, L->nq + 1, sizeof(*L->q)))
		return NULL;
	q = &L->q[L->nq++];
	memset(q, 0, sizeof(*q));
	st_strlcpy(q->name, name, sizeof(q->name));
	q->is_mask = is_mask;
	q->hz = ref->hz;
	q->lim = ref->lim;
	q->mask = ref->mask;
	for (int i = 0; i < (is_mask ? st_limits_mask_count(L->lim) : st_limits_count(L->lim)); i++)
		if ((is_mask ? (const void *)st_limits_mask_at(L->lim, i) :
			       (const void *)st_limits_at(L->lim, i)) ==
		    (is_mask ? (const void *)ref->mask : (const void *)ref->lim))
			q->order = i;
	return q;
}

struct meas_ctx {
	struct st_learn *L;
	int run;        /* index of the run being read */
	int qcap;       /* capacity of L->q */
	int ret;
};

static int meas_cb(const struct st_meas_row *m, void *ctx)
{
	struct meas_ctx *c = ctx;
	struct st_limit_ref ref;
	struct learn_qty *q;

	if (!isfinite(m->value) || !st_limit_ref_find(c->L->lim, m->name, &ref))
		return 0;
	if (ref.lim && learn_never(ref.lim))
		return 0;
	if (ref.mask) {  /* only the bands the model's mask judges */
		double lo, hi;
		int has_lo = 0, has_hi = 0;
		if (st_mask_at(ref.mask, ref.hz, &lo, &has_lo, &hi, &has_hi) || (!has_lo && !has_hi))
			return 0;
	}
	q = qty_for(c->L, &ref, &c->qcap);
	if (!q || grow((void **)&q->s, &q->cap, q->n + 1, sizeof(*q->s))) {
		c->ret = ST_ERR_MEM;
		return 1;
	}
	q->s[q->n].v = m->value;
	q->s[q->n].run = c->run;
	st_strlcpy(q->s[q->n].meas, m->name, sizeof(q->s[0].meas));
	q->n++;
	return 0;
}

static int read_samples(struct st_learn *L, struct st_store *s, char *err)
{
	struct meas_ctx c = { L, 0, 0, ST_OK };
	struct st_run_info ri;
	int ret;

	for (c.run = 0; c.run < L->nruns; c.run++) {
		ret = st_store_find_run(s, L->runs[c.run].uuid, &ri, err);
		if (!ret)
			ret = st_store_measurements(s, ri.id, meas_cb, &c, err);
		if (ret)
			return ret;
		if (c.ret)
			return st_fail(err, c.ret, "out of memory");
	}
	return ST_OK;
}

/* --- statistics --- */

static int cmp_qty(const void *a, const void *b)
{
	const struct learn_qty *x = a, *y = b;

	if (x->is_mask != y->is_mask)
		return x->is_mask - y->is_mask;
	if (x->order != y->order)
		return x->order - y->order;
	return (x->hz > y->hz) - (x->hz < y->hz);
}

static void keep(struct st_learn *L, const char *name, const char *why)
{
	struct learn_kept *k;

	for (int i = 0; i < L->nkept; i++)
		if (!strcmp(L->kept[i].name, name))
			return;
	k = realloc(L->kept, (size_t)(L->nkept + 1) * sizeof(*k));
	if (!k)
		return;
	L->kept = k;
	st_strlcpy(k[L->nkept].name, name, sizeof(k->name));
	st_strlcpy(k[L->nkept].why, why, sizeof(k->why));
	L->nkept++;
}

static int compute(struct st_learn *L)
{
	double *v;

	qsort(L->q, (size_t)L->nq, sizeof(*L->q), cmp_qty);
	for (int i = 0; i < L->nq; i++) {
		struct learn_qty *q = &L->q[i];
		v = malloc((size_t)q->n * sizeof(*v));
		q->outlier = calloc((size_t)q->n, 1);
		if (!v || !q->outlier) {
			free(v);
			return ST_ERR_MEM;
		}
		for (int j = 0; j < q->n; j++)
			v[j] = q->s[j].v;
		st_stats_robust(v, q->n, ST_OUTLIER_Z, q->outlier, &q->st);
		free(v);
		/* a spread at the rounding noise of the mean is no spread */
		q->learned = q->st.kept >= 2 && q->st.sd > 1e-6 * fmax(1, fabs(q->st.mean));
	}
	/* a mask is learned only when every band is */
	for (int i = 0; i < L->nq; i++) {
		struct learn_qty *q = &L->q[i];
		if (!q->learned) {
			keep(L, q->name, "the same value in every run: no spread to learn from");
			for (int j = 0; q->is_mask && j < L->nq; j++)
				if (L->q[j].is_mask && !strcmp(L->q[j].name, q->name))
					L->q[j].learned = 0;
		}
	}
	return ST_OK;
}

/* Model limits never learned, or with no value stored: kept as they are. */
static void note_kept(struct st_learn *L)
{
	for (int i = 0; i < st_limits_count(L->lim); i++) {
		const struct st_limit *lim = st_limits_at(L->lim, i);
		const char *why = learn_never(lim);
		int seen = 0;

		for (int j = 0; j < L->nq && !why; j++)
			seen |= !L->q[j].is_mask && !strcmp(L->q[j].name, lim->name);
		if (why || !seen)
			keep(L, lim->name, why ? why : "no value stored in these runs");
	}
	for (int i = 0; i < st_limits_mask_count(L->lim); i++) {
		const struct st_mask *m = st_limits_mask_at(L->lim, i);
		int seen = 0;

		for (int j = 0; j < L->nq; j++)
			seen |= L->q[j].is_mask && !strcmp(L->q[j].name, m->name);
		if (!seen)
			keep(L, m->name, "no band stored in these runs");
	}
}

int st_learn_gather(struct st_store *s, const struct st_learn_opts *o, struct st_learn **out,
		    char *err)
{
	struct st_learn *L;
	const char *slash;
	int ret;

	*out = NULL;
	if (o->nserials < 1 || o->nserials > ST_LEARN_MAX_UNITS)
		return st_fail(err, ST_ERR_ARG, "give 1 to %d golden serials", ST_LEARN_MAX_UNITS);
	if (!(o->k > 0) || o->k > 100 || o->min_runs < 2)
		return st_fail(err, ST_ERR_ARG, "k must be above 0 (at most 100) and min-runs at least 2");
	L = calloc(1, sizeof(*L));
	if (!L)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	L->o = *o;
	st_strlcpy(L->plan, o->plan ? o->plan : "nightly", sizeof(L->plan));
	ret = read_runs(L, s, err);
	if (!ret)
		ret = st_limits_load_model(o->data_dir, L->model, NULL, &L->lim, err);
	if (!ret) {
		slash = strrchr(st_limits_path(L->lim), '/');
		st_strlcpy(L->include, slash ? slash + 1 : st_limits_path(L->lim), sizeof(L->include));
		ret = read_samples(L, s, err);
	}
	if (!ret && (ret = compute(L)) != ST_OK)
		st_seterr(err, "out of memory");
	if (ret) {
		st_learn_free(L);
		return ret;
	}
	note_kept(L);
	*out = L;
	return ST_OK;
}

void st_learn_free(struct st_learn *L)
{
	if (!L)
		return;
	for (int i = 0; i < L->nq; i++) {
		free(L->q[i].s);
		free(L->q[i].outlier);
	}
	free(L->q);
	free(L->kept);
	free(L->runs);
	st_limits_free(L->lim);
	free(L);
}

const char *st_learn_include(const struct st_learn *L)
{
	return L->include;
}
