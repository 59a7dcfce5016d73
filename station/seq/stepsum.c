/*
 * stepsum.c - a step's measurements grouped by name pattern, with the
 * value nearest its limit: what `station run` prints per step unless
 * --verbose (stepsum.h).  Pure functions.
 */
#include "seq/stepsum.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

/* A component that names one of many: a band, a microphone, a channel,
 * a control. */
static int variable_part(const char *s, size_t len)
{
	int upper = 0;

	if (!len)
		return 0;
	if (isdigit((unsigned char)s[0]))
		return 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (islower(c))
			return 0;
		upper |= isupper(c);
		if (!isupper(c) && !isdigit(c) && c != '_')
			return 0;
	}
	return upper;
}

void st_stepsum_pattern(const char *name, char *out, size_t n)
{
	size_t o = 0;

	if (!n)
		return;
	while (name && *name && o + 1 < n) {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		if (variable_part(name, len)) {
			out[o++] = '*';
		} else {
			for (size_t i = 0; i < len && o + 1 < n; i++)
				out[o++] = name[i];
		}
		if (!dot)
			break;
		if (o + 1 < n)
			out[o++] = '.';
		name = dot + 1;
	}
	out[o] = '\0';
}

double st_stepsum_margin(const struct st_stepsum_meas *m)
{
	double lo = INFINITY, hi = INFINITY;

	if (m->has_low && m->has_high && m->low == m->high)
		return INFINITY;
	if (m->has_low)
		lo = m->value - m->low;
	if (m->has_high)
		hi = m->high - m->value;
	return lo < hi ? lo : hi;
}

/* Is a nearer b's limit (failing ones first, then the smaller margin)? */
static int nearer(const struct st_stepsum_meas *a, const struct st_stepsum_meas *b)
{
	int fa = a->verdict != ST_PASS, fb = b->verdict != ST_PASS;
	double ma = st_stepsum_margin(a), mb = st_stepsum_margin(b);

	if (fa != fb)
		return fa;
	if (isnan(ma))
		return 0;
	return isnan(mb) || ma < mb;
}

int st_stepsum_group(const struct st_stepsum_meas *m, int n, struct st_stepsum_group *g, int maxg,
		     int *group_of)
{
	int ng = 0;

	for (int i = 0; i < n; i++) {
		char pat[sizeof(g->pattern)];
		int k;

		st_stepsum_pattern(m[i].name, pat, sizeof(pat));
		for (k = 0; k < ng; k++)
			if (!strcmp(g[k].pattern, pat))
				break;
		if (k == ng && ng < maxg) {
			memset(&g[ng], 0, sizeof(g[ng]));
			st_strlcpy(g[ng].pattern, pat, sizeof(g[ng].pattern));
			g[ng].first = i;
			g[ng].closest = -1;
			ng++;
		} else if (k == ng) {
			if (!ng)
				return 0;
			k = ng - 1;
		}
		if (group_of)
			group_of[i] = k;
		g[k].count++;
		if (m[i].verdict != ST_PASS)
			g[k].nfail++;
		else if (m[i].marginal)
			g[k].nmarginal++;
		else
			g[k].npass++;
		if ((m[i].verdict != ST_PASS || isfinite(st_stepsum_margin(&m[i]))) &&
		    (g[k].closest < 0 || nearer(&m[i], &m[g[k].closest])))
			g[k].closest = i;
	}
	return ng;
}
