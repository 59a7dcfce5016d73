/*
 * judge.c - judging measured values against the limit file (single limits
 * and frequency masks) and recording each as a MEASUREMENT event and a
 * stored row.  A limit the file lacks is the station's fault, never the
 * unit's.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>

#include "limits/limits.h"
#include "store/store.h"


/* Emit and store one judged measurement. */
void seq_record(struct seq *s, const char *name, double value, const char *unit,
		   int has_low, double low, int has_high, double high, enum st_verdict v,
		   int marginal)
{
	struct st_event ev = { .kind = ST_EV_MEASUREMENT, .name = name, .value = value,
			       .unit = unit, .verdict = v, .has_low = has_low, .low = low,
			       .has_high = has_high, .high = high, .marginal = marginal };
	char text[256];

	snprintf(text, sizeof(text), "%s = %g %s%s", name, value, unit ? unit : "",
		 marginal ? " (marginal)" : "");
	ev.text = text;
	seq_emit(s, &ev);
	if (v != ST_PASS)
		s->step_verdict = st_verdict_worst(s->step_verdict, v);
}

/* A limit or mask the limit file lacks is a station configuration fault. */
void seq_missing_limit(struct seq *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "limit file %s has no %s",
		 s->lim ? st_limits_path(s->lim) : "(none)", what);
	seq_station_fault(s, ST_ERR_NOTFOUND, "judging a measurement");
}

/* Judge `value` against limit `limit` of the limit file, emit and store it
 * as `name`. */
enum st_verdict seq_measure_as(struct seq *s, const char *limit, const char *name,
				  double value, const char *unit)
{
	const struct st_limit *lim = s->lim ? st_limits_get(s->lim, limit) : NULL;
	int marginal = 0;
	enum st_verdict v;

	if (!lim) {
		char what[96];
		snprintf(what, sizeof(what), "limit '%s'", limit);
		seq_missing_limit(s, what);
		return ST_ERROR;
	}
	v = (enum st_verdict)st_limit_judge(lim, value, &marginal);
	seq_record(s, name, value, lim->unit[0] ? lim->unit : unit, lim->has_low, lim->low,
	       lim->has_high, lim->high, v, marginal);
	return v;
}

enum st_verdict seq_measure(struct seq *s, const char *name, double value, const char *unit)
{
	return seq_measure_as(s, name, name, value, unit);
}

/* Judge one band of a frequency response against a mask; returns the
 * verdict and, on FAIL, the bound it missed. */
enum st_verdict seq_mask_point(struct seq *s, const struct st_mask *mk, const char *name,
				  double hz, double value, double *bound)
{
	double lo, hi;
	int has_lo = 0, has_hi = 0;
	enum st_verdict v = ST_PASS;

	if (st_mask_at(mk, hz, &lo, &has_lo, &hi, &has_hi) != ST_OK || (!has_lo && !has_hi))
		return ST_SKIP;  /* outside the mask: not judged */
	if (isnan(value))
		v = ST_ERROR;
	else if (has_lo && value < lo) {
		v = ST_FAIL;
		*bound = lo;
	} else if (has_hi && value > hi) {
		v = ST_FAIL;
		*bound = hi;
	}
	seq_record(s, name, value, mk->unit[0] ? mk->unit : "dB", has_lo, lo, has_hi, hi, v, 0);
	return v;
}
