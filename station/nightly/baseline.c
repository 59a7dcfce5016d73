/*
 * baseline.c - the pure arithmetic of nightly regression (nightly.h): a
 * baseline's median and robust spread, the threshold in force for a
 * measurement (the limit files' `regress`, else a default per unit), one
 * value judged against its baseline, a shift shared by every golden unit,
 * and a measurement's family.  No I/O.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits/limits.h"
#include "nightly/nightly.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of a sorted array of n >= 1. */
static double median_sorted(const double *v, int n)
{
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int st_nl_stats(const double *v, int n, struct st_nl_stats *s)
{
	double buf[ST_NL_BASELINE_MAX], dev[ST_NL_BASELINE_MAX];
	int m = 0;

	if (!s || n < 0 || (n > 0 && !v))
		return ST_ERR_ARG;
	memset(s, 0, sizeof(*s));
	s->median = s->spread = s->min = s->max = NAN;
	for (int i = 0; i < n && m < ST_NL_BASELINE_MAX; i++)
		if (isfinite(v[i]))
			buf[m++] = v[i];
	s->n = m;
	if (!m)
		return ST_OK;
	qsort(buf, (size_t)m, sizeof(buf[0]), cmp_double);
	s->median = median_sorted(buf, m);
	s->min = buf[0];
	s->max = buf[m - 1];
	s->spread = 0;
	if (m >= 3) {
		for (int i = 0; i < m; i++)
			dev[i] = fabs(buf[i] - s->median);
		qsort(dev, (size_t)m, sizeof(dev[0]), cmp_double);
		s->spread = 1.4826 * median_sorted(dev, m);
	}
	return ST_OK;
}

double st_nl_default_threshold(const char *unit)
{
	static const struct {
		const char *unit;
		double thr;
	} defaults[] = {
		{ "dB", 1.0 }, { "deg", 5.0 }, { "us", 5.0 }, { "s", 0.25 }, { "ms", 250.0 },
		{ "%", 2.0 }, { "count", 0.5 }, { "bool", 0.5 }, { "V", 0.05 }, { "Hz", 5.0 },
	};

	for (size_t i = 0; unit && i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (!strcmp(unit, defaults[i].unit))
			return defaults[i].thr;
	return NAN;
}

void st_nl_threshold_for(const struct st_limits *l, const char *name, const char *unit,
			 struct st_nl_threshold *t)
{
	char pre[ST_NL_NAME_LEN];
	char *dot;

	memset(t, 0, sizeof(*t));
	st_strlcpy(t->unit, unit ? unit : "", sizeof(t->unit));
	st_strlcpy(pre, name ? name : "", sizeof(pre));
	for (;;) {
		const struct st_regress *r = st_limits_regress(l, pre);

		if (r && (r->off || !strcmp(r->unit, t->unit))) {
			t->off = r->off;
			t->value = r->off ? NAN : r->threshold;
			snprintf(t->from, sizeof(t->from), "%s:%d (regress %s)", r->file, r->line,
				 r->name);
			return;
		}
		if (r) {  /* wrong unit: say so, fall back to the default */
			snprintf(t->from, sizeof(t->from), "default for %s (regress %s at %s:%d is "
				 "in %s)", t->unit, r->name, r->file, r->line, r->unit);
			break;
		}
		dot = strrchr(pre, '.');
		if (!dot)
			break;
		*dot = '\0';
	}
	t->value = st_nl_default_threshold(t->unit);
	t->off = !isfinite(t->value);
	if (!t->from[0])
		snprintf(t->from, sizeof(t->from), t->off ? "no default for unit '%s'" :
			 "default for %s", t->unit);
}

const char *st_nl_verdict_name(enum st_nl_verdict v)
{
	static const char *const names[] = {
		[ST_NL_NONE] = "not-measured", [ST_NL_SAME] = "same", [ST_NL_NOBASE] = "no-baseline",
		[ST_NL_OFF] = "not-compared", [ST_NL_REGRESSION] = "regression",
		[ST_NL_BENCH] = "bench-suspect", [ST_NL_LIMIT] = "out-of-limits",
		[ST_NL_INVALID] = "invalid",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

enum st_nl_verdict st_nl_judge(double value, const struct st_nl_stats *base, double threshold,
			       double *change, double *effective)
{
	double eff = threshold;

	if (change)
		*change = NAN;
	if (effective)
		*effective = NAN;
	if (!isfinite(value))
		return ST_NL_INVALID;
	if (!isfinite(threshold))
		return ST_NL_OFF;
	if (!base || base->n <= 0 || !isfinite(base->median))
		return ST_NL_NOBASE;
	if (isfinite(base->spread) && ST_NL_SPREAD_K * base->spread > eff)
		eff = ST_NL_SPREAD_K * base->spread;
	if (change)
		*change = value - base->median;
	if (effective)
		*effective = eff;
	/* a relative slack so that a change of exactly the threshold is not one */
	return fabs(value - base->median) > eff * (1 + 1e-9) ? ST_NL_REGRESSION : ST_NL_SAME;
}

int st_nl_common_shift(const double *changes, const double *effective, int n, double similar)
{
	double lo = INFINITY, hi = -INFINITY;
	int sign = 0;

	if (!changes || !effective || n < 2)
		return 0;
	for (int i = 0; i < n; i++) {
		double c = changes[i];
		int s;

		if (!isfinite(c) || !isfinite(effective[i]) || fabs(c) <= effective[i] * (1 + 1e-9))
			return 0;
		s = c > 0 ? 1 : -1;
		if (sign && s != sign)
			return 0;
		sign = s;
		lo = fmin(lo, c);
		hi = fmax(hi, c);
	}
	return hi - lo <= similar * (1 + 1e-9) ? sign : 0;
}

/* A dotted part that names an index or a frequency: "3", "500Hz", "2kHz". */
static int is_index_part(const char *s, size_t len)
{
	size_t i = 0;

	if (!len || !isdigit((unsigned char)s[0]))
		return 0;
	while (i < len && isdigit((unsigned char)s[i]))
		i++;
	if (i == len)
		return 1;
	return (len - i == 2 && !strncmp(s + i, "Hz", 2)) ||
	       (len - i == 3 && !strncmp(s + i, "kHz", 3));
}

void st_nl_family(const char *name, char *fam, size_t n)
{
	size_t o = 0;
	const char *p = name ? name : "";

	if (!fam || !n)
		return;
	while (*p && o + 1 < n) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (is_index_part(p, len)) {
			fam[o++] = '*';
		} else {
			for (size_t i = 0; i < len && o + 1 < n; i++)
				fam[o++] = p[i];
		}
		p += len;
		if (*p == '.' && o + 1 < n) {
			fam[o++] = '.';
			p++;
		}
	}
	fam[o] = '\0';
}
