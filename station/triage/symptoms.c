/*
 * symptoms.c - the symptom table of batch triage (triage.h,
 * fixtures/symptoms.table, docs/triage.md): which plan a returned unit's
 * symptom calls for, and what to tell the customer when the bench finds
 * nothing because the cause lies outside the headset.
 *
 * Read with the one tokenizer of data files (core/tok.h, docs/data-files.md):
 *   symptom "PHRASE" ["PHRASE"...] plan PLAN [no-fault DISPOSITION] [advice "TEXT"]
 *   default plan PLAN [no-fault DISPOSITION] [advice "TEXT"]
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tok.h"
#include "model/model.h"
#include "plan/plan.h"
#include "triage/triage.h"

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The words after the phrases: plan, no-fault, advice. */
static int entry_tail(const struct st_tok *tk, struct st_word *w, int i, int n, struct st_symptom *e,
		      char *err)
{
	while (i < n) {
		const char *k = w[i].s;
		char *dst;
		size_t size;

		if (!strcmp(k, "plan") && !w[i].quoted)
			dst = e->plan, size = sizeof(e->plan);
		else if (!strcmp(k, "no-fault") && !w[i].quoted)
			dst = e->nff, size = sizeof(e->nff);
		else if (!strcmp(k, "advice") && !w[i].quoted)
			dst = e->advice, size = sizeof(e->advice);
		else
			return st_tok_failw(tk, &w[i], err, "unknown word '%s' (plan, no-fault, advice)", k);
		if (i + 1 >= n)
			return st_tok_failw(tk, &w[i], err, "'%s' needs a value", k);
		if (dst[0])
			return st_tok_failw(tk, &w[i], err, "'%s' twice on one line", k);
		if (strlen(w[i + 1].s) >= size)
			return st_tok_failw(tk, &w[i + 1], err, "longer than %zu characters", size - 1);
		st_strlcpy(dst, w[i + 1].s, size);
		i += 2;
	}
	if (!e->plan[0])
		return st_tok_failw(tk, &w[0], err, "entry without a plan");
	return ST_OK;
}

static int entry_parse(const struct st_tok *tk, struct st_word *w, int n, struct st_symptom *e,
		       char *err)
{
	int i = 1;

	memset(e, 0, sizeof(*e));
	e->line = w[0].line;
	if (!strcmp(w[0].s, "default") && !w[0].quoted) {
		e->is_default = 1;
	} else if (!strcmp(w[0].s, "symptom") && !w[0].quoted) {
		for (; i < n && w[i].quoted; i++) {
			if (e->nmatch == 8)
				return st_tok_failw(tk, &w[i], err, "at most 8 phrases");
			if (!w[i].s[0] || strlen(w[i].s) >= sizeof(e->match[0]))
				return st_tok_failw(tk, &w[i], err, "phrase empty or too long");
			st_strlcpy(e->match[e->nmatch], w[i].s, sizeof(e->match[0]));
			lower(e->match[e->nmatch++]);
		}
		if (!e->nmatch)
			return st_tok_failw(tk, &w[i < n ? i : 0], err, "symptom needs a \"quoted phrase\"");
	} else {
		return st_tok_failw(tk, &w[0], err, "unknown line '%s' (symptom, default)", w[0].s);
	}
	return entry_tail(tk, w, i, n, e, err);
}

static int table_parse(struct st_symptoms *t, const char *dir, struct st_tok *tk, char *err)
{
	struct st_plan *plan = calloc(1, sizeof(*plan));
	struct st_word *w;
	int n, r, ret = ST_OK;

	if (!plan)
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", t->path);
	while (!ret && (r = st_tok_next(tk, &w, &n, err)) != 0) {
		struct st_symptom *ns, e;

		if (r < 0) {
			ret = r;
			break;
		}
		ret = entry_parse(tk, w, n, &e, err);
		if (!ret && st_plan_find(dir, e.plan, plan, err))
			ret = st_tok_failw(tk, &w[0], err, "plan '%s' not found", e.plan);
		if (ret)
			break;
		ns = realloc(t->s, (size_t)(t->n + 1) * sizeof(*ns));
		if (!ns) {
			ret = st_fail(err, ST_ERR_MEM, "%s: out of memory", t->path);
			break;
		}
		t->s = ns;
		t->s[t->n++] = e;
	}
	free(plan);
	return ret;
}

int st_symptoms_load(const char *dir, struct st_symptoms *t, char *err)
{
	struct st_tok *tk;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!dir)
		dir = st_data_dir();
	snprintf(t->path, sizeof(t->path), "%s/fixtures/symptoms.table", dir);
	ret = st_tok_load(&tk, t->path, NULL, err);
	if (ret)
		return ret;
	ret = table_parse(t, dir, tk, err);
	st_tok_close(tk);
	if (!ret && !t->n)
		ret = st_fail(err, ST_ERR_PARSE, "%s: no symptom in the table", t->path);
	if (ret)
		st_symptoms_free(t);
	return ret;
}

void st_symptoms_free(struct st_symptoms *t)
{
	free(t->s);
	t->s = NULL;
	t->n = 0;
}

const struct st_symptom *st_symptom_match(const struct st_symptoms *t, const char *symptom)
{
	const struct st_symptom *def = NULL;
	char low[512];

	st_strlcpy(low, symptom, sizeof(low));
	lower(low);
	for (int i = 0; i < t->n; i++) {
		if (t->s[i].is_default) {
			if (!def)
				def = &t->s[i];
			continue;
		}
		for (int k = 0; k < t->s[i].nmatch; k++)
			if (strstr(low, t->s[i].match[k]))
				return &t->s[i];
	}
	return def;
}
