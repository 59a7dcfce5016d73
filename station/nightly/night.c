/*
 * night.c - judging a whole night (nightly.h): every golden unit's every
 * measurement against its own baseline, then the bench drift rule across
 * the units: a shift every unit shares is the bench's when the firmware
 * did not change or when it is a flat offset over a whole family of
 * measurements (every ANC band of an ear, every microphone), else the
 * firmware's regression.  Pure: arrays in, verdicts out.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nightly/nightly.h"

static struct st_nl_cell *cell(struct st_nl_night *n, int u, int k)
{
	return &n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k];
}

/* Step 1: each cell against its own baseline. */
static void judge_cells(struct st_nl_night *n)
{
	for (int u = 0; u < n->nunits; u++) {
		for (int k = 0; k < n->nkeys; k++) {
			struct st_nl_cell *c = cell(n, u, k);
			const struct st_nl_threshold *t = &n->keys[k].thr;

			c->change = c->effective = NAN;
			if (!n->unit_ok[u] || !c->has) {
				c->verdict = ST_NL_NONE;
				continue;
			}
			c->verdict = st_nl_judge(c->value, &c->base, t->off ? NAN : t->value,
						 &c->change, &c->effective);
		}
	}
}

/* Step 2: does every unit compared on key k share one shift? */
static int key_common(struct st_nl_night *n, int k)
{
	double *ch = malloc(sizeof(double) * (size_t)n->nunits);
	double *eff = malloc(sizeof(double) * (size_t)n->nunits);
	double similar = 0;
	int m = 0, common = 0;

	if (!ch || !eff) {
		free(ch);
		free(eff);
		return 0;
	}
	for (int u = 0; u < n->nunits; u++) {
		const struct st_nl_cell *c = cell(n, u, k);

		if (c->verdict != ST_NL_SAME && c->verdict != ST_NL_REGRESSION)
			continue;
		ch[m] = c->change;
		eff[m] = c->effective;
		similar = fmax(similar, c->effective);
		m++;
	}
	if (m >= 2)
		common = st_nl_common_shift(ch, eff, m, similar);
	free(ch);
	free(eff);
	return common;
}

/* Step 3: is key k's family shifted together (same sign) in at least half
 * of its keys, with 3 or more keys in it? */
static int family_broad(const struct st_nl_night *n, int k)
{
	int members = 0, same = 0;

	for (int j = 0; j < n->nkeys; j++) {
		if (strcmp(n->keys[j].family, n->keys[k].family))
			continue;
		members++;
		if (n->keys[j].common == n->keys[k].common)
			same++;
	}
	return members >= 3 && 2 * same >= members;
}

/* Every unit measured tonight had the build already in its baseline. */
static int all_same_build(const struct st_nl_night *n)
{
	int ok = 0;

	for (int u = 0; u < n->nunits; u++) {
		if (!n->unit_ok[u])
			continue;
		if (!n->same_build || !n->same_build[u])
			return 0;
		ok++;
	}
	return ok > 0;
}

static void summarise(struct st_nl_night *n, struct st_nl_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (int k = 0; k < n->nkeys; k++)
		if (n->keys[k].common) {
			int bench = 0;

			for (int u = 0; u < n->nunits; u++)
				bench |= cell(n, u, k)->verdict == ST_NL_BENCH;
			s->bench_keys += bench;
		}
	for (int u = 0; u < n->nunits; u++) {
		s->units_error += !n->unit_ok[u];
		for (int k = 0; k < n->nkeys; k++) {
			const struct st_nl_cell *c = cell(n, u, k);

			s->regressions += c->verdict == ST_NL_REGRESSION;
			s->limit_fails += c->verdict == ST_NL_LIMIT;
			s->bench += c->verdict == ST_NL_BENCH;
			s->compared += c->verdict == ST_NL_SAME || c->verdict == ST_NL_REGRESSION ||
				       c->verdict == ST_NL_BENCH ||
				       (c->verdict == ST_NL_LIMIT && c->base.n > 0);
		}
	}
}

int st_nl_judge_night(struct st_nl_night *n, struct st_nl_summary *sum)
{
	struct st_nl_summary dummy;
	int same_build;

	if (!sum)
		sum = &dummy;
	memset(sum, 0, sizeof(*sum));
	if (!n || n->nunits < 0 || n->nkeys < 0 || (n->nkeys && !n->keys) ||
	    (n->nunits && n->nkeys && !n->cells) || (n->nunits && !n->unit_ok))
		return ST_EXIT_ERROR;
	judge_cells(n);
	for (int k = 0; k < n->nkeys; k++)
		n->keys[k].common = key_common(n, k);
	same_build = all_same_build(n);
	for (int k = 0; k < n->nkeys; k++) {
		if (!n->keys[k].common || !(same_build || family_broad(n, k)))
			continue;
		for (int u = 0; u < n->nunits; u++)
			if (cell(n, u, k)->verdict == ST_NL_REGRESSION)
				cell(n, u, k)->verdict = ST_NL_BENCH;
	}
	/* out of limits: a failure whatever the baseline, unless the bench explains it */
	for (int u = 0; u < n->nunits; u++)
		for (int k = 0; k < n->nkeys; k++) {
			struct st_nl_cell *c = cell(n, u, k);

			if (c->limit_fail && c->verdict != ST_NL_NONE && c->verdict != ST_NL_BENCH)
				c->verdict = ST_NL_LIMIT;
		}
	summarise(n, sum);
	if (sum->regressions || sum->limit_fails)
		return ST_EXIT_FAIL;
	if (sum->bench || sum->units_error)
		return ST_EXIT_ERROR;
	return ST_EXIT_PASS;
}

const char *st_nl_unit_status(const struct st_nl_night *n, int u)
{
	int reg = 0, bench = 0, compared = 0;

	if (!n || u < 0 || u >= n->nunits || !n->unit_ok[u])
		return "error";
	for (int k = 0; k < n->nkeys; k++) {
		const struct st_nl_cell *c = &n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k];

		reg |= c->verdict == ST_NL_REGRESSION || c->verdict == ST_NL_LIMIT;
		bench |= c->verdict == ST_NL_BENCH;
		compared |= c->verdict == ST_NL_SAME || c->verdict == ST_NL_REGRESSION ||
			    c->verdict == ST_NL_BENCH;
	}
	if (reg)
		return "regression";
	if (bench)
		return "bench-suspect";
	return compared ? "no-change" : "no-baseline";
}
