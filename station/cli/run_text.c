/*
 * run_text.c - `station run`'s live text output (run_text.h).  Every line
 * starts with the bench time "[  12.3s] "; outside text (serials, the
 * unit's replies, data files) is printed terminal-clean (core/enc.h).
 * Measurements wait in a buffer until the next event that is not one, then
 * come out grouped by name pattern (seq/stepsum.h): a group of fewer than
 * SUM_MIN values in full, a larger one as one summary line (counts, the
 * worst value or the one nearest its limit).  --verbose prints every value
 * as it comes.
 */
#include "run_text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/enc.h"

#define SUM_MIN 5      /* a pattern with this many values or more is summarised */
#define MAX_GROUPS 32  /* patterns per burst of measurements */

/* "[   12.3s] " then outside text terminal-clean: no escape sequence, no
 * line of its own. */
static void say_line(FILE *f, double t, const char *lead, const char *text, const char *tail)
{
	fprintf(f, "[%7.1fs] %s", t, lead);
	st_term_put(f, text);
	fputs(tail, f);
}

/* " (>= 18)", " [-1, 1]", " (= 1)" or "" */
static void limit_text(char *out, size_t n, const struct st_stepsum_meas *m)
{
	if (m->has_low && m->has_high && m->low == m->high)
		snprintf(out, n, " (= %g)", m->low);
	else if (m->has_low && m->has_high)
		snprintf(out, n, " [%g, %g]", m->low, m->high);
	else if (m->has_low)
		snprintf(out, n, " (>= %g)", m->low);
	else if (m->has_high)
		snprintf(out, n, " (<= %g)", m->high);
	else
		out[0] = '\0';
}

static void print_meas(FILE *f, const struct st_stepsum_meas *m)
{
	char name[64], unit[32], lim[64];

	limit_text(lim, sizeof(lim), m);
	say_line(f, m->t, "  ", "", "");
	fprintf(f, "%-28s %10.4g %-5s%s %s%s\n", st_term_clean(name, sizeof(name), m->name), m->value,
		st_term_clean(unit, sizeof(unit), m->unit), lim, st_verdict_name(m->verdict),
		m->marginal ? " marginal" : "");
}

static void copy_meas(struct st_stepsum_meas *m, const struct st_event *ev)
{
	memset(m, 0, sizeof(*m));
	st_strlcpy(m->name, ev->name ? ev->name : "", sizeof(m->name));
	st_strlcpy(m->unit, ev->unit ? ev->unit : "", sizeof(m->unit));
	m->value = ev->value;
	m->has_low = ev->has_low;
	m->has_high = ev->has_high;
	m->low = ev->low;
	m->high = ev->high;
	m->marginal = ev->marginal;
	m->verdict = ev->verdict;
	m->t = ev->t;
}

/* One summary line for a group of many values: how many passed, and the
 * worst (or nearest its limit); every value: --verbose, history, report. */
static void print_summary(FILE *f, const struct st_stepsum_meas *m, const struct st_stepsum_group *g,
			  double t)
{
	char pat[64], name[64], unit[32], lim[64];

	say_line(f, t, "  ", "", "");
	fprintf(f, "%-28s %d values, ", st_term_clean(pat, sizeof(pat), g->pattern), g->count);
	if (!g->nfail && !g->nmarginal)
		fputs("all within limits", f);
	else if (!g->nfail)
		fprintf(f, "all within limits, %d marginal", g->nmarginal);
	else
		fprintf(f, "%d outside limits", g->nfail);
	if (g->closest >= 0) {
		const struct st_stepsum_meas *c = &m[g->closest];

		limit_text(lim, sizeof(lim), c);
		fprintf(f, "; %s %s %.4g %s%s", g->nfail ? "worst" : "nearest its limit",
			st_term_clean(name, sizeof(name), c->name), c->value,
			st_term_clean(unit, sizeof(unit), c->unit), lim);
	}
	fputc('\n', f);
}

/* Print the buffered measurements, grouped; empty the buffer. */
static void flush_measurements(struct run_text *rt)
{
	struct st_stepsum_group g[MAX_GROUPS];
	int *group_of, ng;

	if (!rt->nbuf)
		return;
	group_of = calloc((size_t)rt->nbuf, sizeof(*group_of));
	ng = group_of ? st_stepsum_group(rt->buf, rt->nbuf, g, MAX_GROUPS, group_of) : 0;
	if (!ng) {   /* out of memory: everything in full */
		for (int i = 0; i < rt->nbuf; i++)
			print_meas(rt->f, &rt->buf[i]);
	}
	for (int k = 0; k < ng; k++) {
		double t = 0;

		for (int i = 0; i < rt->nbuf; i++) {
			if (group_of[i] != k)
				continue;
			t = rt->buf[i].t;
			if (g[k].count < SUM_MIN)
				print_meas(rt->f, &rt->buf[i]);
		}
		if (g[k].count >= SUM_MIN)
			print_summary(rt->f, rt->buf, &g[k], t);
	}
	free(group_of);
	rt->nbuf = 0;
}

static void buffer_measurement(struct run_text *rt, const struct st_event *ev)
{
	struct st_stepsum_meas m;

	copy_meas(&m, ev);
	if (rt->nbuf == rt->cap && !rt->oom) {
		int cap = rt->cap ? 2 * rt->cap : 64;
		struct st_stepsum_meas *nb = realloc(rt->buf, (size_t)cap * sizeof(*nb));

		if (nb) {
			rt->buf = nb;
			rt->cap = cap;
		} else {
			rt->oom = 1;
		}
	}
	if (rt->nbuf < rt->cap) {
		rt->buf[rt->nbuf++] = m;
		return;
	}
	flush_measurements(rt);
	print_meas(rt->f, &m);
}

/* "FAIL: why" (a finding, seq/events.c): the step's end usually says the
 * same; then it is printed once, as the step's end. */
static int is_finding(const struct st_event *ev)
{
	static const char *const v[] = { "FAIL: ", "ERROR: ", "ABORTED: " };

	if ((ev->kind != ST_EV_INFO && ev->kind != ST_EV_REFUSED) || !ev->text)
		return 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strncmp(ev->text, v[i], strlen(v[i])))
			return 1;
	return 0;
}

static void print_held(struct run_text *rt, const struct st_event *next)
{
	const char *why = strchr(rt->held, ':');

	if (!rt->have_held)
		return;
	rt->have_held = 0;
	if (next && next->kind == ST_EV_STEP_END && next->text && why && !strcmp(why + 2, next->text))
		return;
	say_line(rt->f, rt->held_t, rt->held_refused ? "  REFUSED " : "  ", rt->held, "\n");
}

void run_text_event(struct run_text *rt, const struct st_event *ev)
{
	char lead[32];

	if (ev->kind == ST_EV_MEASUREMENT && !rt->verbose) {
		buffer_measurement(rt, ev);
		return;
	}
	flush_measurements(rt);
	print_held(rt, ev);
	if (is_finding(ev) && strlen(ev->text) < sizeof(rt->held)) {
		st_strlcpy(rt->held, ev->text, sizeof(rt->held));
		rt->held_t = ev->t;
		rt->held_refused = ev->kind == ST_EV_REFUSED;
		rt->have_held = 1;
		return;
	}
	switch (ev->kind) {
	case ST_EV_RUN_START:
		say_line(rt->f, ev->t, "run: ", ev->text, " (times in bench seconds)\n");
		break;
	case ST_EV_STEP_START:
		snprintf(lead, sizeof(lead), "step %d: ", ev->step_idx + 1);
		say_line(rt->f, ev->t, lead, ev->text, "\n");
		break;
	case ST_EV_STEP_END:
		say_line(rt->f, ev->t, "  -> ", st_verdict_name(ev->verdict), "");
		if (ev->text && ev->text[0]) {
			fputs(": ", rt->f);
			st_term_put(rt->f, ev->text);
		}
		fputc('\n', rt->f);
		break;
	case ST_EV_MEASUREMENT: {
		struct st_stepsum_meas m;

		copy_meas(&m, ev);
		print_meas(rt->f, &m);
		break;
	}
	case ST_EV_RUN_END:
		break;
	case ST_EV_FEEDBACK:
		say_line(rt->f, ev->t, "    saw ", ev->text, "\n");
		break;
	case ST_EV_REFUSED:
		say_line(rt->f, ev->t, "  REFUSED ", ev->text, "\n");
		break;
	default:
		say_line(rt->f, ev->t, "  ", ev->text, "\n");
		break;
	}
	fflush(rt->f);
}

void run_text_finish(struct run_text *rt)
{
	flush_measurements(rt);
	print_held(rt, NULL);
	fflush(rt->f);
	free(rt->buf);
	rt->buf = NULL;
	rt->nbuf = rt->cap = 0;
}
