/*
 * symptoms.c - the symptom table of batch triage (triage.h,
 * fixtures/symptoms.table, docs/triage.md): which plan a returned unit's
 * symptom calls for, and what to tell the customer when the bench finds
 * nothing because the cause lies outside the headset.
 *
 * Line format, '#' comments, words and "quoted strings":
 *   symptom "PHRASE" ["PHRASE"...] plan PLAN [no-fault DISPOSITION] [advice "TEXT"]
 *   default plan PLAN [no-fault DISPOSITION] [advice "TEXT"]
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "plan/plan.h"
#include "triage/triage.h"

#define MAX_WORDS 24

/* One word of a line and the column it starts at. */
struct word {
	char text[768];
	int col;
	int quoted;
};

/* Split line into words; "quoted" keeps spaces (no escapes inside). */
static int words_split(const char *path, int lineno, const char *line, struct word *w, int *n,
		       char *err)
{
	const char *p = line;

	*n = 0;
	for (;;) {
		const char *start;
		size_t len;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			return ST_OK;
		if (*n == MAX_WORDS)
			return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: too many words", path, lineno,
				       (int)(p - line) + 1);
		w[*n].col = (int)(p - line) + 1;
		w[*n].quoted = *p == '"';
		if (*p == '"') {
			start = ++p;
			p = strchr(p, '"');
			if (!p)
				return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: unclosed quote", path, lineno,
					       w[*n].col);
			len = (size_t)(p - start);
			p++;
		} else {
			start = p;
			while (*p && *p != ' ' && *p != '\t' && *p != '"')
				p++;
			len = (size_t)(p - start);
		}
		if (len >= sizeof(w[0].text))
			return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: word longer than %zu bytes", path,
				       lineno, w[*n].col, sizeof(w[0].text) - 1);
		memcpy(w[*n].text, start, len);
		w[*n].text[len] = '\0';
		(*n)++;
	}
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The words after the phrases: plan, no-fault, advice. */
static int entry_tail(const char *path, int lineno, struct word *w, int i, int n,
		      struct st_symptom *e, char *err)
{
	while (i < n) {
		const char *k = w[i].text;

		if (i + 1 >= n)
			return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: '%s' needs a value", path, lineno,
				       w[i].col, k);
		if (!strcmp(k, "plan") && !w[i].quoted)
			st_strlcpy(e->plan, w[i + 1].text, sizeof(e->plan));
		else if (!strcmp(k, "no-fault") && !w[i].quoted)
			st_strlcpy(e->nff, w[i + 1].text, sizeof(e->nff));
		else if (!strcmp(k, "advice") && !w[i].quoted)
			st_strlcpy(e->advice, w[i + 1].text, sizeof(e->advice));
		else
			return st_fail(err, ST_ERR_PARSE,
				       "%s:%d:%d: unknown word '%s' (plan, no-fault, advice)", path,
				       lineno, w[i].col, k);
		i += 2;
	}
	if (!e->plan[0])
		return st_fail(err, ST_ERR_PARSE, "%s:%d: entry without a plan", path, lineno);
	return ST_OK;
}

static int entry_parse(const char *path, int lineno, struct word *w, int n, struct st_symptom *e,
		       char *err)
{
	int i = 1;

	memset(e, 0, sizeof(*e));
	e->line = lineno;
	if (!strcmp(w[0].text, "default") && !w[0].quoted) {
		e->is_default = 1;
	} else if (!strcmp(w[0].text, "symptom") && !w[0].quoted) {
		for (; i < n && w[i].quoted; i++) {
			if (e->nmatch == 8)
				return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: at most 8 phrases", path,
					       lineno, w[i].col);
			if (!w[i].text[0] || strlen(w[i].text) >= sizeof(e->match[0]))
				return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: phrase empty or too long",
					       path, lineno, w[i].col);
			st_strlcpy(e->match[e->nmatch], w[i].text, sizeof(e->match[0]));
			lower(e->match[e->nmatch++]);
		}
		if (!e->nmatch)
			return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: symptom needs a \"quoted phrase\"",
				       path, lineno, i < n ? w[i].col : 1);
	} else {
		return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: unknown line '%s' (symptom, default)",
			       path, lineno, w[0].col, w[0].text);
	}
	return entry_tail(path, lineno, w, i, n, e, err);
}

static int table_parse(struct st_symptoms *t, const char *dir, char *text, char *err)
{
	struct word *w = calloc(MAX_WORDS, sizeof(*w));
	struct st_plan *plan = calloc(1, sizeof(*plan));
	char *line = text, *nl;
	int lineno = 0, n, ret = ST_OK;

	if (!w || !plan) {
		ret = st_fail(err, ST_ERR_MEM, "%s: out of memory", t->path);
		goto out_free;
	}
	for (; line && !ret; line = nl) {
		struct st_symptom *ns, e;

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		lineno++;
		if (strchr(line, '\r')) {
			ret = st_fail(err, ST_ERR_PARSE, "%s:%d: carriage return: use LF line ends",
				      t->path, lineno);
			break;
		}
		ret = words_split(t->path, lineno, line, w, &n, err);
		if (ret || !n)
			continue;
		ret = entry_parse(t->path, lineno, w, n, &e, err);
		if (!ret && st_plan_find(dir, e.plan, plan, err))
			ret = st_fail(err, ST_ERR_PARSE, "%s:%d: plan '%s' not found", t->path, lineno, e.plan);
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
out_free:
	free(w);
	free(plan);
	return ret;
}

int st_symptoms_load(const char *dir, struct st_symptoms *t, char *err)
{
	char *text;
	size_t len;
	int ret;

	memset(t, 0, sizeof(*t));
	if (!dir)
		dir = st_data_dir();
	snprintf(t->path, sizeof(t->path), "%s/fixtures/symptoms.table", dir);
	ret = st_read_file(t->path, &text, &len, err);
	if (ret)
		return ret;
	if (strlen(text) != len)
		ret = st_fail(err, ST_ERR_PARSE, "%s: NUL byte", t->path);
	else
		ret = table_parse(t, dir, text, err);
	free(text);
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
