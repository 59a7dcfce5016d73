/*
 * plan.c - parser for plan files (docs/plan-format.md) on the data-file
 * tokenizer (core/tok.h; ',' is a word of its own, for rungs); every error
 * is "file:line:col: message".  Singular keywords (plan, description,
 * escalation, retries, pass-disposition, a ladder's min, a step's on-fail)
 * may appear once; rung names are unique within their ladder.
 */
#include "plan.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/paths.h"
#include "core/st.h"
#include "core/tok.h"
#include "model/model.h"

/* Step names come from the sequencer's step table (st_plan_step_kind). */
static int op_parse(const char *s, enum st_plan_op *op)
{
	int k = st_plan_step_kind(s);

	if (k < 0)
		return ST_ERR_PARSE;
	*op = (enum st_plan_op)k;
	return ST_OK;
}

static int num(const char *s, double *v)
{
	return st_parse_double(s, v) == ST_OK && *v >= 0 && *v < 1e6 ? ST_OK : ST_ERR_PARSE;
}

/* Parser state of one plan file. */
struct pp {
	struct st_tok *t;          /* the file's words */
	struct st_plan *p;         /* plan being filled */
	char *err;                 /* caller's error buffer */
	struct st_plan_step *ladder; /* open ladder, NULL outside one */
	int ladder_min_line;       /* line that set the open ladder's min, 0 = none */
	int seen_plan, seen_desc, seen_esc, seen_retries, seen_pass; /* singular keywords */
};

/* "reset soft" / "wait 10" / "charge 30" starting at w[i]; returns words used. */
static int parse_action(struct pp *pp, struct st_word *w, int n, int i,
			struct st_plan_action *a)
{
	enum st_plan_op op;
	enum st_reset_kind k;

	if (i >= n || w[i].quoted || op_parse(w[i].s, &op) != ST_OK)
		return st_tok_failw(pp->t, &w[i < n ? i : n - 1], pp->err,
				    "expected reset KIND, wait SECONDS or charge SECONDS");
	a->op = op;
	if (op != ST_PS_RESET && op != ST_PS_WAIT && op != ST_PS_CHARGE)
		return st_tok_failw(pp->t, &w[i], pp->err,
				    "only reset, wait and charge may stand in a rung");
	if (i + 1 >= n || !strcmp(w[i + 1].s, ","))
		return st_tok_failw(pp->t, &w[i], pp->err, "action needs an argument");
	if (op == ST_PS_RESET) {
		if (w[i + 1].quoted || st_reset_parse(w[i + 1].s, &k) != ST_OK)
			return st_tok_failw(pp->t, &w[i + 1], pp->err,
					    "unknown reset kind (soft, bluetooth, factory)");
		a->reset_kind = (int)k;
		return 2;
	}
	if (w[i + 1].quoted || num(w[i + 1].s, &a->seconds) != ST_OK)
		return st_tok_failw(pp->t, &w[i + 1], pp->err, "seconds must be a number >= 0");
	return 2;
}

/* `min N` inside a ladder or on its `ladder` line. */
static int ladder_min(struct pp *pp, struct st_word *kw, struct st_word *val)
{
	double v;

	if (pp->ladder_min_line)
		return st_tok_failw(pp->t, kw, pp->err, "duplicate 'min' (first on line %d)",
				    pp->ladder_min_line);
	if (val->quoted || num(val->s, &v) != ST_OK || v != (int)v)
		return st_tok_failw(pp->t, val, pp->err, "min takes a whole number of rungs");
	pp->ladder->min_rungs = (int)v;
	pp->ladder_min_line = kw->line;
	return ST_OK;
}

/* One line inside `ladder` ... `end`. */
static int ladder_line(struct pp *pp, struct st_word *w, int n)
{
	struct st_plan_step *lad = pp->ladder;
	struct st_plan_rung *r;
	size_t nl;

	if (!strcmp(w[0].s, "end")) {
		if (n > 1)
			return st_tok_failw(pp->t, &w[1], pp->err, "unexpected '%s' after end",
					    w[1].s);
		if (lad->nrungs == 0)
			return st_tok_failw(pp->t, &w[0], pp->err, "ladder has no rungs");
		pp->ladder = NULL;
		return ST_OK;
	}
	if (!strcmp(w[0].s, "min") && n == 2)
		return ladder_min(pp, &w[0], &w[1]);
	if (strcmp(w[0].s, "rung"))
		return st_tok_failw(pp->t, &w[0], pp->err,
				    "expected 'rung NAME: ACTION[, ACTION]...' or 'end' in a ladder, got '%s'",
				    w[0].s);
	if (n < 4)
		return st_tok_failw(pp->t, &w[0], pp->err,
				    "rung needs a name and at least one action");
	if (lad->nrungs == ST_PLAN_MAX_RUNGS)
		return st_tok_failw(pp->t, &w[0], pp->err, "more than %d rungs", ST_PLAN_MAX_RUNGS);
	nl = strlen(w[1].s);
	if (w[1].quoted || nl < 2 || w[1].s[nl - 1] != ':')
		return st_tok_failw(pp->t, &w[1], pp->err,
				    "rung name must end with ':' (rung NAME: ACTION...)");
	if (nl > sizeof(r->name))
		return st_tok_failw(pp->t, &w[1], pp->err, "rung name longer than %zu characters",
				    sizeof(r->name) - 1);
	w[1].s[nl - 1] = '\0';
	for (int k = 0; k < lad->nrungs; k++)
		if (!strcmp(lad->rungs[k].name, w[1].s))
			return st_tok_failw(pp->t, &w[1], pp->err,
					    "duplicate rung '%s' (first on line %d)", w[1].s,
					    lad->rungs[k].line);
	r = &lad->rungs[lad->nrungs++];
	st_strlcpy(r->name, w[1].s, sizeof(r->name));
	r->line = w[0].line;
	for (int i = 2; i < n;) {
		int used;

		if (r->nacts == ST_PLAN_MAX_ACTS)
			return st_tok_failw(pp->t, &w[i], pp->err, "more than %d actions in a rung",
					    ST_PLAN_MAX_ACTS);
		used = parse_action(pp, w, n, i, &r->acts[r->nacts]);
		if (used < 0)
			return used;
		r->nacts++;
		i += used;
		if (i < n) {
			if (strcmp(w[i].s, ",") || w[i].quoted)
				return st_tok_failw(pp->t, &w[i], pp->err,
						    "expected ',' between actions, got '%s'", w[i].s);
			if (i + 1 == n)
				return st_tok_failw(pp->t, &w[i], pp->err, "trailing ','");
			i++;
		}
	}
	return ST_OK;
}

/* The words after a step's kind: its argument, then `on-fail continue|stop`. */
static int step_args(struct pp *pp, struct st_plan_step *s, struct st_word *w, int n, int i)
{
	enum st_reset_kind k;
	int seen_onfail = 0;

	if (s->op == ST_PS_RESET) {
		if (n < 3 || w[2].quoted || st_reset_parse(w[2].s, &k) != ST_OK)
			return st_tok_failw(pp->t, &w[n < 3 ? 1 : 2], pp->err,
					    "reset takes soft, bluetooth or factory");
		s->reset_kind = (int)k;
		i = 3;
	} else if (s->op == ST_PS_WAIT || s->op == ST_PS_CHARGE) {
		if (n < 3 || w[2].quoted || num(w[2].s, &s->seconds) != ST_OK)
			return st_tok_failw(pp->t, &w[n < 3 ? 1 : 2], pp->err,
					    "%s takes seconds (a number >= 0)", w[1].s);
		i = 3;
	} else if (s->op == ST_PS_HEALTH && n >= 3 && !strcmp(w[2].s, "observe")) {
		if (n < 4 || w[3].quoted || num(w[3].s, &s->seconds) != ST_OK)
			return st_tok_failw(pp->t, &w[n < 4 ? 2 : 3], pp->err,
					    "observe takes seconds (a number >= 0)");
		i = 4;
	}
	for (; i < n; i++) {
		if (w[i].quoted || strcmp(w[i].s, "on-fail") || i + 1 >= n ||
		    (strcmp(w[i + 1].s, "continue") && strcmp(w[i + 1].s, "stop")))
			return st_tok_failw(pp->t, &w[i], pp->err,
					    "unexpected '%s' (only 'on-fail continue|stop' may follow)",
					    w[i].s);
		if (st_tok_once(pp->t, &w[i], &seen_onfail, pp->err))
			return ST_ERR_PARSE;
		s->keep_going = !strcmp(w[i + 1].s, "continue");
		i++;
	}
	return ST_OK;
}

/* `step KIND ...` or `ladder [min N]`. */
static int step_line(struct pp *pp, struct st_word *w, int n)
{
	struct st_plan *p = pp->p;
	struct st_plan_step *s;
	enum st_plan_op op;
	char two[64], names[512];
	int first = 2;

	if (!pp->seen_plan)
		return st_tok_failw(pp->t, &w[0], pp->err, "'plan NAME' must come first");
	if (p->nsteps == ST_PLAN_MAX_STEPS)
		return st_tok_failw(pp->t, &w[0], pp->err, "more than %d steps", ST_PLAN_MAX_STEPS);
	s = &p->steps[p->nsteps];
	memset(s, 0, sizeof(*s));
	s->line = w[0].line;
	if (!strcmp(w[0].s, "ladder")) {
		s->op = ST_PS_LADDER;
		pp->ladder = s;
		pp->ladder_min_line = 0;
		if (n >= 2 && !strcmp(w[1].s, "min") && !w[1].quoted) {
			if (n < 3)
				return st_tok_failw(pp->t, &w[1], pp->err,
						    "min takes a whole number of rungs");
			if (ladder_min(pp, &w[1], &w[2]))
				return ST_ERR_PARSE;
			if (n > 3)
				return st_tok_failw(pp->t, &w[3], pp->err, "unexpected '%s'", w[3].s);
		} else if (n > 1) {
			return st_tok_failw(pp->t, &w[1], pp->err,
					    "unexpected '%s' (ladder [min N])", w[1].s);
		}
		p->nsteps++;
		return ST_OK;
	}
	/* a two-word kind ("verify full") before a one-word one */
	snprintf(two, sizeof(two), "%s %s", n >= 2 ? w[1].s : "", n >= 3 ? w[2].s : "");
	if (n >= 3 && !w[1].quoted && !w[2].quoted && op_parse(two, &op) == ST_OK) {
		first = 3;
	} else if (n < 2 || w[1].quoted || op_parse(w[1].s, &op) != ST_OK || op == ST_PS_LADDER) {
		st_plan_step_names(names, sizeof(names));
		return st_tok_failw(pp->t, &w[n < 2 ? 0 : 1], pp->err, "unknown step '%s' (%s)",
				    n < 2 ? "" : w[1].s, names);
	}
	s->op = op;
	if (step_args(pp, s, w, n, first))
		return ST_ERR_PARSE;
	p->nsteps++;
	return ST_OK;
}

/* A top-level line. */
static int top_line(struct pp *pp, struct st_word *w, int n)
{
	struct st_plan *p = pp->p;
	const char *kw = w[0].s;

	if (!strcmp(kw, "step") || !strcmp(kw, "ladder"))
		return step_line(pp, w, n);
	if (!strcmp(kw, "plan")) {
		if (n != 2)
			return st_tok_failw(pp->t, &w[0], pp->err, "plan takes one name");
		if (pp->seen_plan)
			return st_tok_failw(pp->t, &w[0], pp->err,
					    "second 'plan' line (first on line %d)", pp->seen_plan);
		pp->seen_plan = w[0].line;
		if (strlen(w[1].s) >= sizeof(p->name))
			return st_tok_failw(pp->t, &w[1], pp->err, "plan name longer than %zu characters",
					    sizeof(p->name) - 1);
		st_strlcpy(p->name, w[1].s, sizeof(p->name));
		return ST_OK;
	}
	if (!strcmp(kw, "description")) {
		if (n != 2)
			return st_tok_failw(pp->t, &w[0], pp->err, "description takes one quoted string");
		if (st_tok_once(pp->t, &w[0], &pp->seen_desc, pp->err))
			return ST_ERR_PARSE;
		if (strlen(w[1].s) >= sizeof(p->description))
			return st_tok_failw(pp->t, &w[1], pp->err, "description longer than %zu bytes",
					    sizeof(p->description) - 1);
		st_strlcpy(p->description, w[1].s, sizeof(p->description));
		return ST_OK;
	}
	if (!strcmp(kw, "escalation")) {
		if (n != 2 || (strcmp(w[1].s, "on") && strcmp(w[1].s, "off")))
			return st_tok_failw(pp->t, &w[n > 1 ? 1 : 0], pp->err,
					    "escalation takes on or off");
		if (st_tok_once(pp->t, &w[0], &pp->seen_esc, pp->err))
			return ST_ERR_PARSE;
		p->escalation = !strcmp(w[1].s, "on");
		return ST_OK;
	}
	if (!strcmp(kw, "retries")) {
		double v;

		if (n != 2 || num(w[1].s, &v) != ST_OK || v != (int)v || v > 5)
			return st_tok_failw(pp->t, &w[n > 1 ? 1 : 0], pp->err,
					    "retries takes a whole number from 0 to 5");
		if (st_tok_once(pp->t, &w[0], &pp->seen_retries, pp->err))
			return ST_ERR_PARSE;
		p->retries = (int)v;
		return ST_OK;
	}
	if (!strcmp(kw, "pass-disposition")) {
		if (n != 2)
			return st_tok_failw(pp->t, &w[0], pp->err, "pass-disposition takes one word");
		if (st_tok_once(pp->t, &w[0], &pp->seen_pass, pp->err))
			return ST_ERR_PARSE;
		if (strlen(w[1].s) >= sizeof(p->pass_disposition))
			return st_tok_failw(pp->t, &w[1], pp->err,
					    "pass-disposition longer than %zu characters",
					    sizeof(p->pass_disposition) - 1);
		st_strlcpy(p->pass_disposition, w[1].s, sizeof(p->pass_disposition));
		return ST_OK;
	}
	return st_tok_failw(pp->t, &w[0], pp->err, "unknown keyword '%s'", kw);
}

static int parse_words(struct pp *pp)
{
	struct st_word *w;
	int n, r, last;

	while ((r = st_tok_next(pp->t, &w, &n, pp->err)) == 1) {
		if (w[0].quoted)
			return st_tok_failw(pp->t, &w[0], pp->err,
					    "a line must start with a keyword, not a string");
		r = pp->ladder ? ladder_line(pp, w, n) : top_line(pp, w, n);
		if (r != ST_OK)
			return r;
	}
	if (r < 0)
		return r;
	/* errors at the end of the file name its last line */
	last = st_tok_line(pp->t);
	if (pp->ladder)
		return st_tok_fail(pp->t, last, 1, pp->err,
				   "ladder not closed with 'end' (opened at line %d)", pp->ladder->line);
	if (!pp->seen_plan)
		return st_tok_fail(pp->t, last, 1, pp->err, "no 'plan NAME' line");
	if (pp->p->nsteps == 0)
		return st_tok_fail(pp->t, last, 1, pp->err, "plan has no steps");
	return ST_OK;
}

int st_plan_parse_buf(const char *name, const char *buf, size_t len, struct st_plan *p,
		      char *err)
{
	static const struct st_tok_opts opts = { "," };
	struct pp pp;
	int ret;

	memset(p, 0, sizeof(*p));
	p->escalation = 1;
	p->retries = 2;
	st_strlcpy(p->pass_disposition, "no-fault-found", sizeof(p->pass_disposition));
	memset(&pp, 0, sizeof(pp));
	pp.p = p;
	pp.err = err;
	ret = st_tok_open(&pp.t, name, buf, len, &opts, err);
	if (ret != ST_OK)
		return ret;
	ret = parse_words(&pp);
	st_tok_close(pp.t);
	return ret;
}

int st_plan_parse(const char *name, const char *text, struct st_plan *p, char *err)
{
	return st_plan_parse_buf(name, text ? text : "", text ? strlen(text) : 0, p, err);
}

int st_plan_load(const char *path, struct st_plan *p, char *err)
{
	char *text;
	size_t len;
	int ret = st_read_file(path, &text, &len, err);

	if (ret)
		return ret;
	ret = st_plan_parse_buf(path, text, len, p, err);
	free(text);
	if (ret == ST_OK)
		st_strlcpy(p->path, path, sizeof(p->path));
	return ret;
}

int st_plan_find(const char *dir, const char *name, struct st_plan *p, char *err)
{
	char path[512];

	for (const char *c = name; *c; c++)
		if (*c == '/' || *c == '.')
			return st_fail(err, ST_ERR_ARG, "plan name '%s' may not contain '/' or '.'", name);
	char rel[64];

	snprintf(rel, sizeof(rel), "fixtures/plans/%.40s.plan", name);
	if (strcmp(dir, st_data_dir()) || st_data_file(dir, rel, path, sizeof(path)) != 1)
		snprintf(path, sizeof(path), "%s/fixtures/plans/%s.plan", dir, name);
	int ret = st_plan_load(path, p, err);
	if (ret == ST_ERR_NOTFOUND)
		st_seterr(err, "unknown plan '%s' (no %s; 'station plans' lists them)", name, path);
	return ret;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(a, b);
}

int st_plan_list(const char *dir, char names[][32], int max, char *err)
{
	char path[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/fixtures/plans", dir);
	d = opendir(path);
	if (!d)
		return st_fail(err, ST_ERR_NOTFOUND, "%s: cannot open plan directory", path);
	while ((e = readdir(d)) && n < max) {
		size_t l = strlen(e->d_name);
		if (l > 5 && l - 5 < 32 && !strcmp(e->d_name + l - 5, ".plan")) {
			memcpy(names[n], e->d_name, l - 5);
			names[n][l - 5] = '\0';
			n++;
		}
	}
	closedir(d);
	qsort(names, (size_t)n, 32, cmpstr);
	return n;
}
