/*
 * plan.c - parser for plan files (docs/plan-format.md).  Line-based:
 * keywords and arguments, "quoted strings", '#' comments; every error is
 * "file:line: message".
 */
#include "plan.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"
#include "model/model.h"

#define MAX_TOK 16

static const char *const op_names[ST_PS_COUNT] = {
	[ST_PS_IDENTIFY] = "identify", [ST_PS_BATTERY] = "battery",
	[ST_PS_CONTROLS] = "controls", [ST_PS_HEALTH] = "health",
	[ST_PS_RESET] = "reset", [ST_PS_VERIFY] = "verify", [ST_PS_WAIT] = "wait",
	[ST_PS_CHARGE] = "charge", [ST_PS_LADDER] = "ladder", [ST_PS_ANC] = "anc",
	[ST_PS_MICS] = "mics", [ST_PS_RAMP] = "ramp", [ST_PS_ASSISTANT] = "assistant",
};

const char *st_plan_op_name(enum st_plan_op op)
{
	return (unsigned)op < ST_PS_COUNT ? op_names[op] : "?";
}

static int op_parse(const char *s, enum st_plan_op *op)
{
	for (int i = 0; i < ST_PS_COUNT; i++)
		if (!strcmp(s, op_names[i])) {
			*op = (enum st_plan_op)i;
			return ST_OK;
		}
	return ST_ERR_PARSE;
}

/* Split a line into tokens in place; quoted strings keep their spaces.
 * Commas and colons are separators of their own (rungs). */
static int tokenize(char *line, char *tok[], int max, const char **bad)
{
	int n = 0;
	char *p = line;

	*bad = NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max) {
			*bad = "too many words on the line";
			return -1;
		}
		if (*p == '"') {
			char *e = strchr(p + 1, '"');
			if (!e) {
				*bad = "unterminated quoted string";
				return -1;
			}
			*e = '\0';
			tok[n++] = p + 1;
			p = e + 1;
			continue;
		}
		if (*p == ',') {
			tok[n++] = ",";
			*p++ = '\0';
			continue;
		}
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != ',' && *p != '#')
			p++;
		if (*p == ',') {
			/* leave the comma to be tokenized: move it one on */
			*p = '\0';
			if (n == max) {
				*bad = "too many words on the line";
				return -1;
			}
			tok[n++] = ",";
			p++;
		} else if (*p == '#') {
			*p = '\0';
			break;
		} else if (*p) {
			*p++ = '\0';
		}
	}
	return n;
}

static int num(const char *s, double *v)
{
	return st_parse_double(s, v) == ST_OK && *v >= 0 && *v < 1e6 ? ST_OK : ST_ERR_PARSE;
}

/* "reset soft" / "wait 10" / "charge 30" starting at tok[i]; returns tokens used. */
static int parse_action(char **tok, int n, int i, struct st_plan_action *a, const char **bad)
{
	enum st_plan_op op;
	enum st_reset_kind k;

	if (i >= n || op_parse(tok[i], &op) != ST_OK) {
		*bad = "expected reset KIND, wait SECONDS or charge SECONDS";
		return -1;
	}
	a->op = op;
	if (i + 1 >= n) {
		*bad = "action needs an argument";
		return -1;
	}
	switch (op) {
	case ST_PS_RESET:
		if (st_reset_parse(tok[i + 1], &k) != ST_OK) {
			*bad = "unknown reset kind (soft, bluetooth, factory)";
			return -1;
		}
		a->reset_kind = (int)k;
		return 2;
	case ST_PS_WAIT:
	case ST_PS_CHARGE:
		if (num(tok[i + 1], &a->seconds) != ST_OK) {
			*bad = "seconds must be a number >= 0";
			return -1;
		}
		return 2;
	default:
		*bad = "only reset, wait and charge may stand in a rung";
		return -1;
	}
}

int st_plan_parse(const char *name, const char *text, struct st_plan *p, char *err)
{
	char *copy, *line, *save = NULL;
	int lineno = 0, in_ladder = 0, ret = ST_OK, have_plan = 0;
	struct st_plan_step *ladder = NULL;

	memset(p, 0, sizeof(*p));
	p->escalation = 1;
	p->retries = 2;
	st_strlcpy(p->pass_disposition, "no-fault-found", sizeof(p->pass_disposition));
	copy = strdup(text);
	if (!copy)
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", name);

#define BAD(...) do { st_seterr(err, "%s:%d: ", name, lineno); \
	size_t _l = strlen(err); snprintf(err + _l, ST_ERRLEN - _l, __VA_ARGS__); \
	ret = ST_ERR_PARSE; goto out_free; } while (0)

	for (char *next = copy; next; ) {
		char *tok[MAX_TOK];
		const char *bad;
		int n;

		line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		(void)save;
		n = tokenize(line, tok, MAX_TOK, &bad);
		if (n < 0)
			BAD("%s", bad);
		if (n == 0)
			continue;

		if (in_ladder) {
			if (!strcmp(tok[0], "end")) {
				if (ladder->nrungs == 0)
					BAD("ladder has no rungs");
				in_ladder = 0;
				continue;
			}
			if (!strcmp(tok[0], "min") && n == 2) {
				double v;
				if (num(tok[1], &v) != ST_OK || v != (int)v)
					BAD("min takes a whole number of rungs");
				ladder->min_rungs = (int)v;
				continue;
			}
			if (strcmp(tok[0], "rung"))
				BAD("expected 'rung NAME: ACTION[, ACTION]...' or 'end' in a ladder, got '%s'", tok[0]);
			if (n < 4)
				BAD("rung needs a name and at least one action");
			if (ladder->nrungs == ST_PLAN_MAX_RUNGS)
				BAD("more than %d rungs", ST_PLAN_MAX_RUNGS);
			struct st_plan_rung *r = &ladder->rungs[ladder->nrungs++];
			size_t nl = strlen(tok[1]);
			if (nl < 2 || tok[1][nl - 1] != ':')
				BAD("rung name must end with ':' (rung NAME: ACTION...)");
			tok[1][nl - 1] = '\0';
			st_strlcpy(r->name, tok[1], sizeof(r->name));
			r->line = lineno;
			for (int i = 2; i < n; ) {
				if (r->nacts == ST_PLAN_MAX_ACTS)
					BAD("more than %d actions in a rung", ST_PLAN_MAX_ACTS);
				int used = parse_action(tok, n, i, &r->acts[r->nacts], &bad);
				if (used < 0)
					BAD("%s", bad);
				r->nacts++;
				i += used;
				if (i < n) {
					if (strcmp(tok[i], ","))
						BAD("expected ',' between actions, got '%s'", tok[i]);
					i++;
					if (i == n)
						BAD("trailing ','");
				}
			}
			continue;
		}

		if (!strcmp(tok[0], "plan")) {
			if (n != 2)
				BAD("plan takes one name");
			if (have_plan)
				BAD("second 'plan' line");
			st_strlcpy(p->name, tok[1], sizeof(p->name));
			have_plan = 1;
		} else if (!strcmp(tok[0], "description")) {
			if (n != 2)
				BAD("description takes one quoted string");
			st_strlcpy(p->description, tok[1], sizeof(p->description));
		} else if (!strcmp(tok[0], "escalation")) {
			if (n != 2 || (strcmp(tok[1], "on") && strcmp(tok[1], "off")))
				BAD("escalation takes on or off");
			p->escalation = !strcmp(tok[1], "on");
		} else if (!strcmp(tok[0], "retries")) {
			double v;
			if (n != 2 || num(tok[1], &v) != ST_OK || v != (int)v || v > 5)
				BAD("retries takes a whole number from 0 to 5");
			p->retries = (int)v;
		} else if (!strcmp(tok[0], "pass-disposition")) {
			if (n != 2)
				BAD("pass-disposition takes one word");
			st_strlcpy(p->pass_disposition, tok[1], sizeof(p->pass_disposition));
		} else if (!strcmp(tok[0], "step") || !strcmp(tok[0], "ladder")) {
			struct st_plan_step *s;
			enum st_plan_op op;
			int i;

			if (!have_plan)
				BAD("'plan NAME' must come first");
			if (p->nsteps == ST_PLAN_MAX_STEPS)
				BAD("more than %d steps", ST_PLAN_MAX_STEPS);
			s = &p->steps[p->nsteps];
			memset(s, 0, sizeof(*s));
			s->line = lineno;
			if (!strcmp(tok[0], "ladder")) {
				s->op = ST_PS_LADDER;
				i = 1;
				if (n >= 3 && !strcmp(tok[1], "min")) {
					double v;
					if (num(tok[2], &v) != ST_OK || v != (int)v)
						BAD("min takes a whole number of rungs");
					s->min_rungs = (int)v;
					i = 3;
				}
				ladder = s;
				in_ladder = 1;
			} else {
				if (n < 2 || op_parse(tok[1], &op) != ST_OK || op == ST_PS_LADDER)
					BAD("unknown step '%s' (identify, battery, controls, health, reset, verify, wait, charge, anc, mics, ramp, assistant)",
					    n < 2 ? "" : tok[1]);
				s->op = op;
				i = 2;
				if (op == ST_PS_RESET) {
					enum st_reset_kind k;
					if (n < 3 || st_reset_parse(tok[2], &k) != ST_OK)
						BAD("reset takes soft, bluetooth or factory");
					s->reset_kind = (int)k;
					i = 3;
				} else if (op == ST_PS_WAIT || op == ST_PS_CHARGE) {
					if (n < 3 || num(tok[2], &s->seconds) != ST_OK)
						BAD("%s takes seconds (a number >= 0)", tok[1]);
					i = 3;
				} else if (op == ST_PS_HEALTH && n >= 4 && !strcmp(tok[2], "observe")) {
					if (num(tok[3], &s->seconds) != ST_OK)
						BAD("observe takes seconds (a number >= 0)");
					i = 4;
				}
			}
			for (; i < n; i++) {
				if (!strcmp(tok[i], "on-fail") && i + 1 < n &&
				    (!strcmp(tok[i + 1], "continue") || !strcmp(tok[i + 1], "stop"))) {
					s->keep_going = !strcmp(tok[i + 1], "continue");
					i++;
				} else {
					BAD("unexpected '%s' (only 'on-fail continue|stop' may follow)", tok[i]);
				}
			}
			p->nsteps++;
		} else {
			BAD("unknown keyword '%s'", tok[0]);
		}
	}
	/* errors at the end of the file name its last line */
	if (lineno > 1 && text[0] && text[strlen(text) - 1] == '\n')
		lineno--;
	if (in_ladder)
		BAD("ladder not closed with 'end' (opened at line %d)", ladder->line);
	if (!have_plan)
		BAD("no 'plan NAME' line");
	if (p->nsteps == 0)
		BAD("plan has no steps");
#undef BAD
out_free:
	free(copy);
	return ret;
}

int st_plan_load(const char *path, struct st_plan *p, char *err)
{
	char *text;
	int ret = st_read_file(path, &text, NULL, err);

	if (ret)
		return ret;
	ret = st_plan_parse(path, text, p, err);
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
