/*
 * model_proc.c - the lines of a model file inside `procedure KIND` ...
 * `end`: the procedure's own keywords (source, generic, require,
 * battery-min, wipes, preserves, absent, note) and its steps (hold, press,
 * release, tap, slide, wait, charge, expect ...).  Part of the model
 * parser (internal.h); errors are "file:line:col: message".
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const struct word led_where_words[] = {
	{ "main", 0 }, { "left", 1 }, { "right", 2 }, { "case", 3 },
};
static const struct word color_words[] = {
	{ "red", 0 }, { "green", 1 }, { "blue", 2 }, { "white", 3 },
	{ "orange", 4 }, { "amber", 5 }, { "any", 6 },
};
static const struct word pattern_words[] = {
	{ "blink", 0 }, { "flash", 1 }, { "pulse", 2 }, { "alternate", 3 },
	{ "solid", 4 },
};
static const struct word pre_words[] = {
	{ "powered-on", ST_PRE_POWERED_ON }, { "powered-off", ST_PRE_POWERED_OFF },
	{ "in-case", ST_PRE_IN_CASE }, { "lid-closed", ST_PRE_LID_CLOSED },
	{ "not-worn", ST_PRE_NOT_WORN },
};

/* ---- procedure keywords and steps --------------------------------------- */

static struct st_step *new_step(struct pstate *ps, enum st_step_op op)
{
	struct st_procedure *p = ps->p;
	struct st_step *s;

	if (p->nsteps >= ST_MAX_STEPS) {
		mp_perr(ps, ps->line, "too many steps in procedure %s (max %d)",
		     st_reset_name(p->kind), ST_MAX_STEPS);
		return NULL;
	}
	s = &p->steps[p->nsteps++];
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->tolerance = UNSET;
	s->line = ps->line;
	return s;
}

/* Optional "NAME VALUE" pairs after the fixed arguments of a step. */
struct opt {
	const char *name;
	double *out;
	double lo, hi;
};

static int step_options(struct pstate *ps, struct st_word *tok, int i, int n,
			struct opt *opts, int nopts)
{
	while (i < n) {
		int k;

		for (k = 0; k < nopts; k++)
			if (!tok[i].quoted && !strcmp(tok[i].s, opts[k].name))
				break;
		if (k == nopts)
			return mp_perrw(ps, &tok[i], "unexpected '%s'", tok[i].s);
		if (i + 1 >= n)
			return mp_perrw(ps, &tok[i], "'%s' needs a value", opts[k].name);
		if (mp_get_number(ps, &tok[i + 1], opts[k].name, opts[k].lo, opts[k].hi,
			       opts[k].out))
			return ST_ERR_PARSE;
		i += 2;
	}
	return ST_OK;
}

static int check_kind(struct pstate *ps, unsigned mask, int want_slide, const char *op)
{
	for (int i = 0; i < ps->m->ncontrols; i++) {
		if (!(mask & (1u << i)))
			continue;
		if ((ps->m->controls[i].kind == ST_CTL_SLIDE) == want_slide)
			continue;
		if (want_slide)
			return mp_perr(ps, ps->line, "%s is not a slide switch",
				    ps->m->controls[i].name);
		return mp_perr(ps, ps->line, "%s is a slide switch: use 'slide', not '%s'",
			    ps->m->controls[i].name, op);
	}
	return ST_OK;
}

static int seconds_arg(struct pstate *ps, const struct st_word *t, const char *what,
		       double *out)
{
	if (!t->quoted && !strcmp(t->s, "power-on-hold")) {
		*out = SEC_POWER_ON_HOLD;
		return ST_OK;
	}
	if (!t->quoted && !strcmp(t->s, "power-off-hold")) {
		*out = SEC_POWER_OFF_HOLD;
		return ST_OK;
	}
	if (mp_get_number(ps, t, what, 0, 3600, out))
		return ST_ERR_PARSE;
	if (*out <= 0)
		return mp_perrw(ps, t, "%s must be above 0", what);
	return ST_OK;
}

static int step_expect(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_step *s;
	const char *what;
	int i, v;

	if (n < 2)
		return mp_perr(ps, ps->line, "'expect' needs led, chime, prompt or tone");
	what = tok[1].s;
	if (!strcmp(what, "led")) {
		/* expect led WHERE COLOR[/COLOR2] PATTERN COUNT within S */
		char colors[2 * ST_NAME_LEN];
		char *slash;

		if (n != 8)
			return mp_perr(ps, ps->line,
				    "usage: expect led WHERE COLOR[/COLOR2] PATTERN COUNT within S");
		s = new_step(ps, ST_OP_EXPECT_LED);
		if (!s || GET_WORD(ps, &tok[2], led_where_words, "LED", &v))
			return ST_ERR_PARSE;
		st_strlcpy(s->led.where, tok[2].s, sizeof(s->led.where));
		if (strlen(tok[3].s) >= sizeof(colors))
			return mp_perrw(ps, &tok[3], "colour too long");
		st_strlcpy(colors, tok[3].s, sizeof(colors));
		slash = strchr(colors, '/');
		if (slash)
			*slash = '\0';
		for (int c = 0; c < (slash ? 2 : 1); c++) {
			const char *cs = c ? slash + 1 : colors;

			if (tok[3].quoted || WORD(color_words, cs) < 0)
				return mp_perrw(ps, &tok[3],
					    "unknown colour '%s' (red, green, blue, white, orange, amber, any)",
					    cs);
			st_strlcpy(s->led.colors[c], cs, ST_NAME_LEN);
		}
		s->led.ncolors = slash ? 2 : 1;
		if (GET_WORD(ps, &tok[4], pattern_words, "LED pattern", &v))
			return ST_ERR_PARSE;
		st_strlcpy(s->led.pattern, tok[4].s, sizeof(s->led.pattern));
		if (mp_get_count(ps, &tok[5], "LED count", 0, 100, &s->led.count))
			return ST_ERR_PARSE;
		i = 6;
	} else if (!strcmp(what, "chime")) {
		if (n != 5)
			return mp_perr(ps, ps->line, "usage: expect chime COUNT within S");
		s = new_step(ps, ST_OP_EXPECT_CHIME);
		if (!s || mp_get_count(ps, &tok[2], "chime count", 1, 20, &s->count))
			return ST_ERR_PARSE;
		i = 3;
	} else if (!strcmp(what, "prompt")) {
		if (n != 5)
			return mp_perr(ps, ps->line, "usage: expect prompt \"TEXT\" within S");
		if (!tok[2].quoted)
			return mp_perrw(ps, &tok[2], "prompt text must be quoted");
		if (!tok[2].s[0])
			return mp_perrw(ps, &tok[2], "empty prompt text");
		s = new_step(ps, ST_OP_EXPECT_PROMPT);
		if (!s || mp_copy_text(ps, s->text, sizeof(s->text), tok[2].s, "prompt"))
			return ST_ERR_PARSE;
		i = 3;
	} else if (!strcmp(what, "tone")) {
		if (n != 4 && n != 5)
			return mp_perr(ps, ps->line, "usage: expect tone [COUNT] within S");
		s = new_step(ps, ST_OP_EXPECT_TONE);
		if (!s)
			return ST_ERR_PARSE;
		s->count = 1;
		i = 2;
		if (n == 5) {
			if (mp_get_count(ps, &tok[2], "tone count", 1, 20, &s->count))
				return ST_ERR_PARSE;
			i = 3;
		}
	} else {
		return mp_perrw(ps, &tok[1], "unknown expectation '%s' (led, chime, prompt, tone)", what);
	}
	if (tok[i].quoted || strcmp(tok[i].s, "within"))
		return mp_perrw(ps, &tok[i], "expected 'within S', got '%s'", tok[i].s);
	if (mp_get_number(ps, &tok[i + 1], "within", 0, 600, &s->within))
		return ST_ERR_PARSE;
	if (s->within <= 0)
		return mp_perrw(ps, &tok[i + 1], "within must be above 0");
	return ST_OK;
}

static int item_list(struct pstate *ps, struct st_word *tok, int n, unsigned *mask)
{
	enum st_item it;

	if (n < 2)
		return mp_perr(ps, ps->line, "'%s' needs at least one item", tok[0].s);
	for (int i = 1; i < n; i++) {
		if (!tok[i].quoted && !strcmp(tok[i].s, "nothing") && n == 2)
			return ST_OK;
		if (!strcmp(tok[i].s, "all") && !tok[i].quoted) {
			*mask |= (1u << ST_ITEM_COUNT) - 1;
			continue;
		}
		if (tok[i].quoted || st_item_parse(tok[i].s, &it) != ST_OK)
			return mp_perrw(ps, &tok[i], "unknown item '%s'", tok[i].s);
		if (*mask & (1u << it))
			return mp_perrw(ps, &tok[i], "item '%s' named twice", tok[i].s);
		*mask |= 1u << it;
	}
	return ST_OK;
}

/* The procedure's own keywords: end, absent, source, generic, require,
 * battery-min, wipes, preserves, note; 1 if kw is none of them. */
static int proc_meta(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_procedure *p = ps->p;
	const char *kw = tok[0].s;
	int v;

	if (!strcmp(kw, "end")) {
		if (mp_need_args(ps, n, 0, 0, kw))
			return ST_ERR_PARSE;
		if (p->present && !p->nsteps)
			return mp_perr(ps, ps->line, "procedure %s has no steps (or say absent \"why\")",
				    st_reset_name(p->kind));
		if (p->present && !ps->p_seen_source)
			return mp_perr(ps, ps->line, "procedure %s has no source",
				    st_reset_name(p->kind));
		if (p->wipes & ps->p_preserves)
			return mp_perr(ps, ps->p_seen_preserves,
				    "an item is both preserved and wiped");
		/* Whatever a procedure does not wipe it preserves. */
		p->preserves = ((1u << ST_ITEM_COUNT) - 1) & ~p->wipes;
		ps->p = NULL;
		return ST_OK;
	}
	if (!strcmp(kw, "procedure"))
		return mp_perr(ps, ps->line, "'procedure' inside procedure %s (missing 'end'?)",
			    st_reset_name(p->kind));
	if (!strcmp(kw, "absent")) {
		if (mp_need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		if (!tok[1].quoted)
			return mp_perrw(ps, &tok[1], "absent needs a quoted reason");
		if (p->nsteps || ps->p_seen_wipes || ps->p_seen_require || ps->p_seen_generic)
			return mp_perr(ps, ps->line, "an absent procedure has no steps or items");
		if (!p->present)
			return mp_perr(ps, ps->line, "duplicate 'absent'");
		p->present = 0;
		return mp_copy_text(ps, p->absent_reason, sizeof(p->absent_reason), tok[1].s,
				 "absent reason");
	}
	if (!p->present)
		return mp_perr(ps, ps->line, "an absent procedure takes nothing but 'end' (got '%s')",
			    kw);
	if (!strcmp(kw, "source")) {
		if (mp_need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		if (ps->p_seen_source)
			return mp_perr(ps, ps->line, "duplicate 'source' (first on line %d)",
				    ps->p_seen_source);
		ps->p_seen_source = ps->line;
		return mp_copy_text(ps, p->source, sizeof(p->source), tok[1].s, "source");
	}
	if (!strcmp(kw, "generic")) {
		if (mp_need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		if (ps->p_seen_generic)
			return mp_perr(ps, ps->line, "duplicate 'generic'");
		ps->p_seen_generic = ps->line;
		if (!strcmp(tok[1].s, "yes"))
			p->generic = 1;
		else if (!strcmp(tok[1].s, "no"))
			p->generic = 0;
		else
			return mp_perrw(ps, &tok[1], "generic takes yes or no, not '%s'", tok[1].s);
		return ST_OK;
	}
	if (!strcmp(kw, "require")) {
		if (mp_need_args(ps, n, 1, -1, kw))
			return ST_ERR_PARSE;
		if (ps->p_seen_require)
			return mp_perr(ps, ps->line, "duplicate 'require'");
		ps->p_seen_require = ps->line;
		for (int i = 1; i < n; i++) {
			if (GET_WORD(ps, &tok[i], pre_words, "precondition", &v))
				return ST_ERR_PARSE;
			p->preconditions |= (unsigned)v;
		}
		if ((p->preconditions & ST_PRE_POWERED_ON) && (p->preconditions & ST_PRE_POWERED_OFF))
			return mp_perr(ps, ps->line, "powered-on and powered-off together");
		return ST_OK;
	}
	if (!strcmp(kw, "battery-min")) {
		if (mp_need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		if (ps->p_seen_battery)
			return mp_perr(ps, ps->line, "duplicate 'battery-min'");
		ps->p_seen_battery = ps->line;
		ps->battery_line[p->kind] = ps->line;
		return mp_get_number(ps, &tok[1], kw, 0, 100, &p->battery_min);
	}
	if (!strcmp(kw, "wipes") || !strcmp(kw, "preserves")) {
		int *seen = kw[0] == 'w' ? &ps->p_seen_wipes : &ps->p_seen_preserves;

		if (*seen)
			return mp_perr(ps, ps->line, "duplicate '%s' (first on line %d)", kw, *seen);
		*seen = ps->line;
		return item_list(ps, tok, n, kw[0] == 'w' ? &p->wipes : &ps->p_preserves);
	}
	if (!strcmp(kw, "note"))
		return mp_kw_note(ps, tok, n);
	return 1;
}

/* A step: hold, press, release, tap, slide, wait, charge, expect. */
static int proc_step(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_procedure *p = ps->p;
	const char *kw = tok[0].s;
	struct st_step *s;

	if (!strcmp(kw, "hold")) {
		struct opt o[2];

		if (n < 3)
			return mp_perr(ps, ps->line, "usage: hold CTRLS SECONDS [tolerance S] [start-within S]");
		s = new_step(ps, ST_OP_HOLD);
		if (!s || mp_get_controls(ps, &tok[1], &s->controls) ||
		    check_kind(ps, s->controls, 0, kw) ||
		    seconds_arg(ps, &tok[2], "hold seconds", &s->seconds))
			return ST_ERR_PARSE;
		o[0] = (struct opt){ "tolerance", &s->tolerance, 0, 5 };
		o[1] = (struct opt){ "start-within", &s->start_within, 0, 600 };
		return step_options(ps, tok, 3, n, o, 2);
	}
	if (!strcmp(kw, "press")) {
		struct opt o[1];

		if (n < 2)
			return mp_perr(ps, ps->line, "usage: press CTRLS [start-within S]");
		s = new_step(ps, ST_OP_PRESS);
		if (!s || mp_get_controls(ps, &tok[1], &s->controls) ||
		    check_kind(ps, s->controls, 0, kw))
			return ST_ERR_PARSE;
		o[0] = (struct opt){ "start-within", &s->start_within, 0, 600 };
		return step_options(ps, tok, 2, n, o, 1);
	}
	if (!strcmp(kw, "release")) {
		if (mp_need_args(ps, n, 0, 1, kw))
			return ST_ERR_PARSE;
		s = new_step(ps, ST_OP_RELEASE);
		if (!s)
			return ST_ERR_PARSE;
		if (n == 2)
			return mp_get_controls(ps, &tok[1], &s->controls);
		return ST_OK;
	}
	if (!strcmp(kw, "tap")) {
		struct opt o[2];

		if (n < 3)
			return mp_perr(ps, ps->line, "usage: tap CTRLS COUNT [gap S] [start-within S]");
		s = new_step(ps, ST_OP_TAP);
		if (!s || mp_get_controls(ps, &tok[1], &s->controls) ||
		    check_kind(ps, s->controls, 0, kw) ||
		    mp_get_count(ps, &tok[2], "tap count", 1, 20, &s->count))
			return ST_ERR_PARSE;
		s->gap = 0.3;
		o[0] = (struct opt){ "gap", &s->gap, 0.05, 10 };
		o[1] = (struct opt){ "start-within", &s->start_within, 0, 600 };
		return step_options(ps, tok, 3, n, o, 2);
	}
	if (!strcmp(kw, "slide")) {
		struct opt o[1];

		if (n < 3)
			return mp_perr(ps, ps->line, "usage: slide CTRL off|on [start-within S]");
		s = new_step(ps, ST_OP_SLIDE);
		if (!s || mp_get_controls(ps, &tok[1], &s->controls) ||
		    check_kind(ps, s->controls, 1, kw))
			return ST_ERR_PARSE;
		if (s->controls & (s->controls - 1))
			return mp_perr(ps, ps->line, "slide moves one switch at a time");
		if (!strcmp(tok[2].s, "off"))
			s->position = 0;
		else if (!strcmp(tok[2].s, "on"))
			s->position = 1;
		else
			return mp_perrw(ps, &tok[2], "slide position must be off or on, not '%s'",
				    tok[2].s);
		o[0] = (struct opt){ "start-within", &s->start_within, 0, 600 };
		return step_options(ps, tok, 3, n, o, 1);
	}
	if (!strcmp(kw, "wait") || !strcmp(kw, "charge")) {
		if (mp_need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		s = new_step(ps, kw[0] == 'w' ? ST_OP_WAIT : ST_OP_CHARGE);
		if (!s)
			return ST_ERR_PARSE;
		if (mp_get_number(ps, &tok[1], kw[0] == 'w' ? "wait seconds" : "charge seconds",
			       0, 86400, &s->seconds))
			return ST_ERR_PARSE;
		if (s->seconds <= 0)
			return mp_perr(ps, ps->line, "%s must be above 0 seconds", kw);
		return ST_OK;
	}
	if (!strcmp(kw, "expect"))
		return step_expect(ps, tok, n);
	return mp_perr(ps, ps->line, "unknown keyword '%s' in procedure %s", kw,
		    st_reset_name(p->kind));
}

int mp_proc_keyword(struct pstate *ps, struct st_word *tok, int n)
{
	int r = proc_meta(ps, tok, n);

	return r <= 0 ? r : proc_step(ps, tok, n);
}

