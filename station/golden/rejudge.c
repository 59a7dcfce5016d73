/*
 * rejudge.c - a stored run judged again against other limits (rejudge.h):
 * each measurement through names.h to its limit or mask band, the steps
 * that failed for other reasons carried over, the captures checked and,
 * when the analysis changed or when asked, re-analysed (reanalyse.h).
 */
#include "golden/rejudge.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "core/st.h"
#include "golden/names.h"
#include "golden/reanalyse.h"

static void judge_mask(const struct st_limit_ref *ref, double value, struct st_judgement_result *r)
{
	double lo, hi;
	int has_lo = 0, has_hi = 0;

	snprintf(r->limit_name, sizeof(r->limit_name), "%s@%gHz", ref->mask->name, ref->hz);
	snprintf(r->limit_at, sizeof(r->limit_at), "%s:%d", ref->mask->file, ref->mask->line);
	if (st_mask_at(ref->mask, ref->hz, &lo, &has_lo, &hi, &has_hi) || (!has_lo && !has_hi))
		return;  /* outside the mask: not judged, as a run leaves it */
	r->low = has_lo ? lo : NAN;
	r->high = has_hi ? hi : NAN;
	if (!isfinite(value))
		st_strlcpy(r->verdict, "ERROR", sizeof(r->verdict));
	else if ((has_lo && value < lo) || (has_hi && value > hi))
		st_strlcpy(r->verdict, "FAIL", sizeof(r->verdict));
	else
		st_strlcpy(r->verdict, "PASS", sizeof(r->verdict));
}

void st_rejudge_one(const struct st_limits *l, const char *name, double value,
		    struct st_judgement_result *r)
{
	struct st_limit_ref ref;

	st_strlcpy(r->name, name, sizeof(r->name));
	r->value = value;
	r->low = r->high = NAN;
	r->verdict[0] = r->limit_name[0] = r->limit_at[0] = '\0';
	if (!st_limit_ref_find(l, name, &ref))
		return;
	if (ref.mask) {
		judge_mask(&ref, value, r);
		return;
	}
	st_strlcpy(r->limit_name, ref.lim->name, sizeof(r->limit_name));
	snprintf(r->limit_at, sizeof(r->limit_at), "%s:%d", ref.lim->file, ref.lim->line);
	r->low = ref.lim->has_low ? ref.lim->low : NAN;
	r->high = ref.lim->has_high ? ref.lim->high : NAN;
	st_strlcpy(r->verdict, st_verdict_name((enum st_verdict)st_limit_judge(ref.lim, value, NULL)),
		   sizeof(r->verdict));
	if (ref.lim->unit[0])
		st_strlcpy(r->unit, ref.lim->unit, sizeof(r->unit));
}

/* --- the run --- */

struct rj {
	struct st_rejudge *out;
	const struct st_limits *lim;
	const struct st_reanalysis *ra;  /* re-analysed values */
	long long *step_of;    /* step id of each result */
	int cap;
	int ret;
};

static int meas_cb(const struct st_meas_ref *m, void *ctx)
{
	struct rj *c = ctx;
	struct st_judgement_result *r;
	double v;

	if (c->out->n == c->cap) {
		int nc = c->cap ? c->cap * 2 : 64;
		void *p = realloc(c->out->r, (size_t)nc * sizeof(*r)), *q;
		if (p)
			c->out->r = p;
		q = p ? realloc(c->step_of, (size_t)nc * sizeof(*c->step_of)) : NULL;
		if (!q) {
			c->ret = ST_ERR_MEM;
			return 1;
		}
		c->step_of = q;
		c->cap = nc;
	}
	c->step_of[c->out->n] = m->step_id;
	r = &c->out->r[c->out->n++];
	memset(r, 0, sizeof(*r));
	r->meas_id = m->id;
	st_strlcpy(r->unit, m->unit, sizeof(r->unit));
	st_strlcpy(r->was, m->verdict, sizeof(r->was));
	r->stored = m->value;
	if (st_reanalysis_find(c->ra, m->step_id, m->name, &v)) {
		st_rejudge_one(c->lim, m->name, v, r);
		r->reanalysed = 1;
		c->out->reanalysed++;
		/* NAN on one side only is a move too */
		c->out->moved += !(fabs(v - m->value) <= ST_REANALYSE_MOVED) &&
				 (isfinite(v) || isfinite(m->value));
	} else {
		st_rejudge_one(c->lim, m->name, m->value, r);
	}
	return 0;
}

static enum st_verdict worse(enum st_verdict a, const char *name)
{
	enum st_verdict v;

	if (!name[0] || st_verdict_parse(name, &v) || v == ST_SKIP)
		return a;
	return st_verdict_worst(a, v);
}

/* The first failing measurement as a reason line. */
static void fail_reason(const struct st_judgement_result *r, char *out, size_t n)
{
	if (!strcmp(r->verdict, "ERROR"))
		snprintf(out, n, "%s: no value to judge", r->name);
	else if (isfinite(r->low) && r->value < r->low)
		snprintf(out, n, "%s %.4g %s below %.4g (%s)", r->name, r->value, r->unit, r->low,
			 r->limit_name);
	else
		snprintf(out, n, "%s %.4g %s above %.4g (%s)", r->name, r->value, r->unit, r->high,
			 r->limit_name);
}

/* Steps that ended worse than their measurements: kept as they were. */
struct step_ctx {
	const struct rj *c;
	enum st_verdict v;     /* worst verdict carried */
	char reason[256];      /* the first one carried */
};

static int step_cb(const struct st_step_row *st, void *ctx)
{
	struct step_ctx *k = ctx;
	const struct st_rejudge *rj = k->c->out;
	enum st_verdict sv, mv = ST_PASS;

	if (st_verdict_parse(st->verdict, &sv) || sv == ST_SKIP || sv == ST_PASS)
		return 0;
	for (int i = 0; i < rj->n; i++)
		if (k->c->step_of[i] == st->id)
			mv = worse(mv, rj->r[i].was);
	if (st_verdict_worst(sv, mv) == mv)
		return 0;  /* its measurements explain it: judged anew */
	if (!k->reason[0])
		snprintf(k->reason, sizeof(k->reason), "step %.60s %s kept (not a measurement): %.150s",
			 st->name, st->verdict, st->message);
	k->v = st_verdict_worst(k->v, sv);
	return 0;
}

/* The judgement's verdict and reason: the worst of the measurements judged
 * anew, the steps carried over, and a run that ended without a verdict on
 * the unit (interrupted counts as ERROR); the reason names the worst. */
static void conclude(struct st_rejudge *rj, const struct step_ctx *k)
{
	struct st_judgement *j = &rj->j;
	enum st_verdict vm = ST_PASS, vr = ST_PASS, v;
	int first_fail = -1;

	for (int i = 0; i < rj->n; i++) {
		const struct st_judgement_result *r = &rj->r[i];
		if (!r->verdict[0])
			continue;
		j->judged++;
		j->changed += r->was[0] && strcmp(r->was, r->verdict) != 0;
		vm = worse(vm, r->verdict);
		if (first_fail < 0 && strcmp(r->verdict, "PASS"))
			first_fail = i;
	}
	if (!strcmp(rj->run.outcome, "interrupted"))
		vr = ST_ERROR;
	else if (st_verdict_parse(rj->run.outcome, &vr) || vr < ST_ERROR)
		vr = ST_PASS;
	v = st_verdict_worst(st_verdict_worst(vm, k->v), vr);
	if (v == ST_PASS)
		snprintf(j->reason, sizeof(j->reason), "%d measurements judged, all within the limits",
			 j->judged);
	else if (vr == v && st_verdict_worst(vm, k->v) != v)
		snprintf(j->reason, sizeof(j->reason), "the run ended %s: %.200s", rj->run.outcome,
			 rj->run.reason);
	else if (k->v == v && vm != v)
		st_strlcpy(j->reason, k->reason, sizeof(j->reason));
	else
		fail_reason(&rj->r[first_fail], j->reason, sizeof(j->reason));
	st_strlcpy(j->verdict, st_verdict_name(v), sizeof(j->verdict));
}

/* What the re-analysis did, into the judgement. */
static void note_reanalysis(struct st_judgement *j, const struct st_reanalysis *ra)
{
	if (!ra->kept && !ra->bad)
		st_strlcpy(j->captures, "none", sizeof(j->captures));
	else if (!ra->bad)
		snprintf(j->captures, sizeof(j->captures), "%d kept", ra->kept);
	else
		snprintf(j->captures, sizeof(j->captures), "%d kept, %d missing or altered",
			 ra->kept, ra->bad);
	j->analysis = ST_AN_VERSION;
	j->run_analysis = ra->run_version;
	st_strlcpy(j->reanalysed, ra->done_txt, sizeof(j->reanalysed));
	if (ra->kept_txt[0])
		snprintf(j->not_reanalysed, sizeof(j->not_reanalysed), "%s%sstored values judged: "
			 "%.200s (this station re-analyses ANC and microphone captures)", ra->failed,
			 ra->failed[0] ? "; " : "", ra->kept_txt);
	else
		st_strlcpy(j->not_reanalysed, ra->failed, sizeof(j->not_reanalysed));
}

static int judge_run(struct st_store *s, const struct st_limits *lim, const char *db_dir,
		     unsigned flags, struct st_rejudge *out, char *err)
{
	struct st_reanalysis ra;
	struct rj c = { out, lim, &ra, NULL, 0, ST_OK };
	struct step_ctx k = { &c, ST_PASS, "" };
	int ret;

	ret = st_reanalyse_run(s, out->run.id, db_dir, !!(flags & ST_REJUDGE_REANALYSE), &ra, err);
	if (ret)
		return ret;
	ret = st_store_meas_refs(s, out->run.id, meas_cb, &c, err);
	if (!ret && c.ret)
		ret = st_fail(err, c.ret, "out of memory");
	if (!ret)
		ret = st_store_steps(s, out->run.id, step_cb, &k, err);
	free(c.step_of);
	if (!ret) {
		note_reanalysis(&out->j, &ra);
		conclude(out, &k);
	}
	st_reanalysis_free(&ra);
	return ret;
}

int st_rejudge(struct st_store *s, const char *run_prefix, const char *limits_path,
	       const char *db_dir, struct st_rejudge *out, char *err)
{
	return st_rejudge_ex(s, run_prefix, limits_path, db_dir, 0, out, err);
}

int st_rejudge_ex(struct st_store *s, const char *run_prefix, const char *limits_path,
		  const char *db_dir, unsigned flags, struct st_rejudge *out, char *err)
{
	struct st_limits *lim = NULL;
	const char *fw;
	int cmp, ret;

	memset(out, 0, sizeof(*out));
	ret = st_store_find_run(s, run_prefix, &out->run, err);
	if (ret)
		return ret;
	if (!strcmp(out->run.outcome, "running"))
		return st_fail(err, ST_ERR_ARG, "run %.8s is still running: judge it when it has ended",
			       out->run.uuid);
	fw = st_version_cmp(out->run.firmware, out->run.firmware, &cmp) == ST_OK ? out->run.firmware
										 : NULL;
	ret = st_limits_load_run(limits_path, fw, &lim, err);
	if (ret)
		return ret == ST_ERR_IO || ret == ST_ERR_MEM ? ret : ST_ERR_PARSE;
	out->j.run_id = out->run.id;
	st_strlcpy(out->j.limits_path, limits_path, sizeof(out->j.limits_path));
	st_strlcpy(out->j.limits_hash, st_limits_hash(lim), sizeof(out->j.limits_hash));
	st_strlcpy(out->j.firmware, fw ? fw : "", sizeof(out->j.firmware));
	ret = judge_run(s, lim, db_dir, flags, out, err);
	st_limits_free(lim);
	if (ret)
		st_rejudge_free(out);
	return ret;
}

void st_rejudge_free(struct st_rejudge *rj)
{
	free(rj->r);
	rj->r = NULL;
	rj->n = 0;
}
