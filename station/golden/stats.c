/*
 * stats.c - median, MAD, robust outliers, mean and sample standard
 * deviation (stats.h).  Pure: numbers in, numbers out.
 */
#include "golden/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median of a sorted copy. */
static double median_sorted(const double *s, int n)
{
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

double st_median(const double *v, int n)
{
	double *s, m;

	if (n < 1)
		return NAN;
	s = malloc((size_t)n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, v, (size_t)n * sizeof(*s));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	m = median_sorted(s, n);
	free(s);
	return m;
}

/* Mean, sample sd, min and max of the values not marked. */
static void moments(const double *v, int n, const unsigned char *out, struct st_stats *st)
{
	double sum = 0, ss = 0;
	int k = 0;

	st->min = INFINITY;
	st->max = -INFINITY;
	for (int i = 0; i < n; i++) {
		if (out[i])
			continue;
		sum += v[i];
		k++;
		st->min = fmin(st->min, v[i]);
		st->max = fmax(st->max, v[i]);
	}
	st->kept = k;
	st->mean = sum / k;
	for (int i = 0; i < n; i++)
		if (!out[i])
			ss += (v[i] - st->mean) * (v[i] - st->mean);
	st->sd = k > 1 ? sqrt(ss / (k - 1)) : 0;
}

int st_stats_robust(const double *v, int n, double z, unsigned char *outlier,
		    struct st_stats *st)
{
	double *dev;
	unsigned char *out;
	double meanad = 0;

	memset(st, 0, sizeof(*st));
	if (n < 1)
		return ST_ERR_ARG;
	for (int i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return ST_ERR_ARG;
	dev = malloc((size_t)n * sizeof(*dev));
	out = outlier ? outlier : calloc((size_t)n, 1);
	if (!dev || !out) {
		free(dev);
		if (!outlier)
			free(out);
		return ST_ERR_MEM;
	}
	st->n = n;
	st->median = st_median(v, n);
	for (int i = 0; i < n; i++) {
		dev[i] = fabs(v[i] - st->median);
		meanad += dev[i] / n;
	}
	st->mad = st_median(dev, n);
	st->spread = st->mad > 0 ? st->mad / 0.6745 : meanad * 1.253314;
	for (int i = 0; i < n; i++)
		out[i] = st->spread > 0 && dev[i] / st->spread > z;
	moments(v, n, out, st);
	free(dev);
	if (!outlier)
		free(out);
	return ST_OK;
}
