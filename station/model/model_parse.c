/*
 * model_parse.c - the model-file parser's entry points and top-level
 * keywords (docs/model-format.md).  A file is split into lines and words by
 * the data-file tokenizer (core/tok.h); top-level keywords fill the struct
 * st_model here, procedure lines go to model_proc.c, and after the last
 * line model_check.c fills defaults and validates the whole model.  Any
 * defect is ST_ERR_PARSE with "file:line:col: what" in err; no input
 * crashes it.
 */
#include "internal.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct word kind_words[] = {
	{ "headphones", ST_KIND_HEADPHONES }, { "earbuds", ST_KIND_EARBUDS },
};
static const struct word port_words[] = {
	{ "usb-c", ST_PORT_USB_C }, { "micro-usb", ST_PORT_MICRO_USB },
};
static const struct word wear_words[] = {
	{ "none", ST_WEAR_NONE }, { "reports", ST_WEAR_REPORTS },
	{ "aborts", ST_WEAR_ABORTS },
};
static const struct word ctl_words[] = {
	{ "button", ST_CTL_BUTTON }, { "touch", ST_CTL_TOUCH },
	{ "slide", ST_CTL_SLIDE }, { "case-button", ST_CTL_CASE_BUTTON },
};
static const struct word where_words[] = {
	{ "left", 0 }, { "right", 1 }, { "case", 2 },
};
static const struct word hazard_words[] = {
	{ "shutdown", ST_HAZ_SHUTDOWN }, { "touch-brick", ST_HAZ_TOUCH_BRICK },
	{ "bt-brick", ST_HAZ_BT_BRICK },
};

int mp_word_find(const struct word *w, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w[i].name, s))
			return (int)i;
	return -1;
}

int mp_perr(struct pstate *ps, int line, const char *fmt, ...)
{
	char msg[ST_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return st_fail(ps->err, ST_ERR_PARSE, "%s:%d:%d: %s", ps->name, line,
		       line == ps->line && ps->col > 0 ? ps->col : 1, msg);
}

int mp_perrw(struct pstate *ps, const struct st_word *t, const char *fmt, ...)
{
	char msg[ST_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return st_fail(ps->err, ST_ERR_PARSE, "%s:%d:%d: %s", ps->name, t->line, t->col, msg);
}

int mp_copy_text(struct pstate *ps, char *dst, size_t size, const char *src,
		     const char *what)
{
	if (strlen(src) >= size)
		return mp_perr(ps, ps->line, "%s too long (max %zu characters)", what, size - 1);
	for (const char *c = src; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return mp_perr(ps, ps->line, "control character in %s", what);
	st_strlcpy(dst, src, size);
	return ST_OK;
}

int mp_get_number(struct pstate *ps, const struct st_word *t, const char *what,
		      double lo, double hi, double *out)
{
	double v;

	if (t->quoted || st_parse_double(t->s, &v) != ST_OK || !isfinite(v))
		return mp_perrw(ps, t, "%s: '%s' is not a number", what, t->s);
	if (v < lo)
		return mp_perrw(ps, t, "%s: %s is below %g", what, t->s, lo);
	if (v > hi)
		return mp_perrw(ps, t, "%s: %s is above %g", what, t->s, hi);
	*out = v;
	return ST_OK;
}

int mp_get_count(struct pstate *ps, const struct st_word *t, const char *what,
		     long lo, long hi, int *out)
{
	long v;

	if (t->quoted || st_parse_int(t->s, &v) != ST_OK)
		return mp_perrw(ps, t, "%s: '%s' is not a whole number", what, t->s);
	if (v < lo || v > hi)
		return mp_perrw(ps, t, "%s: %ld is outside %ld..%ld", what, v, lo, hi);
	*out = (int)v;
	return ST_OK;
}

int mp_get_word(struct pstate *ps, const struct st_word *t, const struct word *w,
		    size_t n, const char *what, int *out)
{
	char list[256] = "";
	int i = t->quoted ? -1 : mp_word_find(w, n, t->s);

	if (i >= 0) {
		*out = w[i].value;
		return ST_OK;
	}
	for (size_t k = 0; k < n; k++) {
		if (k)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, w[k].name, sizeof(list) - strlen(list) - 1);
	}
	return mp_perrw(ps, t, "unknown %s '%s' (one of: %s)", what, t->s, list);
}


int mp_need_args(struct pstate *ps, int n, int lo, int hi, const char *kw)
{
	if (n - 1 < lo)
		return mp_perr(ps, ps->line, "'%s' needs %s", kw,
			    lo == 1 ? "an argument" : "more arguments");
	if (hi >= 0 && n - 1 > hi)
		return mp_perr(ps, ps->line, "too many arguments to '%s'", kw);
	return ST_OK;
}

static int once(struct pstate *ps, int k, const char *kw)
{
	if (ps->seen[k])
		return mp_perr(ps, ps->line, "duplicate '%s' (first on line %d)", kw, ps->seen[k]);
	ps->seen[k] = ps->line;
	return ST_OK;
}

int mp_get_controls(struct pstate *ps, const struct st_word *t, unsigned *mask)
{
	char msg[ST_ERRLEN];
	int r;

	if (t->quoted)
		return mp_perrw(ps, t, "controls must not be quoted");
	r = st_model_controls_parse(ps->m, t->s, mask, msg);
	if (r != ST_OK)
		return mp_perrw(ps, t, "%s", msg);
	return ST_OK;
}

int mp_valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* ---- top-level keywords ------------------------------------------------- */

/* serial-prefix P...: letters and digits, what a scanned serial begins with */
static int kw_serial_prefix(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_model *m = ps->m;

	if (mp_need_args(ps, n, 1, ST_MAX_SERIAL_PREFIXES, tok[0].s) || once(ps, K_SERIALPFX, tok[0].s))
		return ST_ERR_PARSE;
	for (int i = 1; i < n; i++) {
		for (const char *c = tok[i].s; *c; c++)
			if (!isalnum((unsigned char)*c))
				return mp_perrw(ps, &tok[i], "serial-prefix '%s': letters and digits only",
					     tok[i].s);
		if (!tok[i].s[0])
			return mp_perr(ps, ps->line, "empty serial-prefix");
		if (mp_copy_text(ps, m->serial_prefix[i - 1], sizeof(m->serial_prefix[0]), tok[i].s,
			      "serial-prefix"))
			return ST_ERR_PARSE;
	}
	m->nserial_prefix = n - 1;
	return ST_OK;
}

static int kw_control(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_model *m = ps->m;
	struct st_control *c;
	int kind, where;

	if (mp_need_args(ps, n, 2, 3, "control"))
		return ST_ERR_PARSE;
	if (m->ncontrols >= ST_MAX_CONTROLS)
		return mp_perr(ps, ps->line, "too many controls (max %d)", ST_MAX_CONTROLS);
	if (tok[1].quoted || !mp_valid_name(tok[1].s) || strchr(tok[1].s, '-'))
		return mp_perrw(ps, &tok[1], "bad control name '%s' (letters, digits, _)", tok[1].s);
	if (strlen(tok[1].s) >= ST_NAME_LEN)
		return mp_perrw(ps, &tok[1], "control name too long (max %d)", ST_NAME_LEN - 1);
	if (st_model_control(m, tok[1].s) >= 0)
		return mp_perrw(ps, &tok[1], "duplicate control '%s'", tok[1].s);
	if (GET_WORD(ps, &tok[2], ctl_words, "control kind", &kind))
		return ST_ERR_PARSE;
	c = &m->controls[m->ncontrols];
	memset(c, 0, sizeof(*c));
	st_strlcpy(c->name, tok[1].s, sizeof(c->name));
	c->kind = (enum st_control_kind)kind;
	if (n == 4) {
		if (GET_WORD(ps, &tok[3], where_words, "control place", &where))
			return ST_ERR_PARSE;
		st_strlcpy(c->where, tok[3].s, sizeof(c->where));
	}
	m->ncontrols++;
	return ST_OK;
}

static int kw_hazard(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_model *m = ps->m;
	struct st_hazard *h;
	int effect;

	/* hazard CTRLS SECONDS EFFECT [HOURS] "SOURCE" */
	if (mp_need_args(ps, n, 4, 5, "hazard"))
		return ST_ERR_PARSE;
	if (m->nhazards >= ST_MAX_HAZARDS)
		return mp_perr(ps, ps->line, "too many hazards (max %d)", ST_MAX_HAZARDS);
	h = &m->hazards[m->nhazards];
	memset(h, 0, sizeof(*h));
	h->line = ps->line;
	if (mp_get_controls(ps, &tok[1], &h->controls) ||
	    mp_get_number(ps, &tok[2], "hazard seconds", 0.1, 3600, &h->seconds) ||
	    GET_WORD(ps, &tok[3], hazard_words, "hazard effect", &effect))
		return ST_ERR_PARSE;
	h->effect = (enum st_hazard_effect)effect;
	if (n == 6 && mp_get_number(ps, &tok[4], "hazard hours", 0, 10000, &h->hours))
		return ST_ERR_PARSE;
	if (!tok[n - 1].quoted)
		return mp_perrw(ps, &tok[n - 1], "hazard needs its \"source\" (seed and quote) last");
	if (mp_copy_text(ps, h->source, sizeof(h->source), tok[n - 1].s, "hazard source"))
		return ST_ERR_PARSE;
	m->nhazards++;
	return ST_OK;
}

int mp_kw_note(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_model *m = ps->m;

	if (mp_need_args(ps, n, 1, 1, "note"))
		return ST_ERR_PARSE;
	if (!tok[1].quoted)
		return mp_perrw(ps, &tok[1], "note text must be quoted");
	if (m->nnotes >= ST_MAX_NOTES)
		return mp_perr(ps, ps->line, "too many notes (max %d)", ST_MAX_NOTES);
	if (mp_copy_text(ps, m->notes[m->nnotes], ST_TEXT_LEN, tok[1].s, "note"))
		return ST_ERR_PARSE;
	m->nnotes++;
	return ST_OK;
}

static int kw_procedure(struct pstate *ps, struct st_word *tok, int n)
{
	enum st_reset_kind k;
	struct st_procedure *p;

	if (mp_need_args(ps, n, 1, 1, "procedure"))
		return ST_ERR_PARSE;
	if (tok[1].quoted || st_reset_parse(tok[1].s, &k) != ST_OK)
		return mp_perrw(ps, &tok[1], "unknown reset '%s' (soft, bluetooth, factory)", tok[1].s);
	if (ps->proc_line[k])
		return mp_perr(ps, ps->line, "duplicate procedure %s (first on line %d)",
			    st_reset_name(k), ps->proc_line[k]);
	ps->proc_line[k] = ps->line;
	p = &ps->m->procs[k];
	memset(p, 0, sizeof(*p));
	p->kind = k;
	p->present = 1;
	p->battery_min = UNSET;
	p->line = ps->line;
	ps->p = p;
	ps->p_seen_source = ps->p_seen_generic = ps->p_seen_battery = 0;
	ps->p_seen_require = ps->p_seen_wipes = ps->p_seen_preserves = 0;
	ps->p_preserves = 0;
	return ST_OK;
}

/* model, name, identity, source, kind, port, wear; 1 if kw is none of them. */
static int top_describe(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_model *m = ps->m;
	const char *kw = tok[0].s;
	int v;

	if (!strcmp(kw, "model")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_MODEL, kw))
			return ST_ERR_PARSE;
		if (!mp_valid_name(tok[1].s) && !tok[1].quoted)
			return mp_perrw(ps, &tok[1], "bad model id '%s'", tok[1].s);
		if (!tok[1].s[0])
			return mp_perrw(ps, &tok[1], "empty model id");
		if (strchr(tok[1].s, '/'))
			return mp_perrw(ps, &tok[1], "model id must not contain '/'");
		m->id_line = tok[1].line;
		m->id_col = tok[1].col;
		return mp_copy_text(ps, m->id, sizeof(m->id), tok[1].s, "model id");
	}
	if (!strcmp(kw, "name")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_NAME, kw))
			return ST_ERR_PARSE;
		return mp_copy_text(ps, m->name, sizeof(m->name), tok[1].s, "name");
	}
	if (!strcmp(kw, "identity")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_IDENTITY, kw))
			return ST_ERR_PARSE;
		if (!tok[1].s[0])
			return mp_perrw(ps, &tok[1], "empty identity");
		return mp_copy_text(ps, m->identity, sizeof(m->identity), tok[1].s, "identity");
	}
	if (!strcmp(kw, "source")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_SOURCE, kw))
			return ST_ERR_PARSE;
		return mp_copy_text(ps, m->source, sizeof(m->source), tok[1].s, "source");
	}
	if (!strcmp(kw, "kind")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_KIND, kw) ||
		    GET_WORD(ps, &tok[1], kind_words, "kind", &v))
			return ST_ERR_PARSE;
		m->kind = (enum st_unit_kind)v;
		return ST_OK;
	}
	if (!strcmp(kw, "port")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_PORT, kw) ||
		    GET_WORD(ps, &tok[1], port_words, "port", &v))
			return ST_ERR_PARSE;
		m->port = (enum st_port_kind)v;
		return ST_OK;
	}
	if (!strcmp(kw, "wear")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_WEAR, kw) ||
		    GET_WORD(ps, &tok[1], wear_words, "wear rule", &v))
			return ST_ERR_PARSE;
		m->wear = (enum st_wear_rule)v;
		return ST_OK;
	}
	return 1;
}

/* battery-min ... mics: the numbers and the power controls; 1 if kw is
 * none of them. */
static int top_numbers(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_model *m = ps->m;
	const char *kw = tok[0].s;

	if (!strcmp(kw, "battery-min")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_BATTERY, kw))
			return ST_ERR_PARSE;
		return mp_get_number(ps, &tok[1], kw, 0, 100, &m->battery_min);
	}
	if (!strcmp(kw, "factory-battery-min")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_FBATTERY, kw))
			return ST_ERR_PARSE;
		return mp_get_number(ps, &tok[1], kw, 0, 100, &m->factory_battery_min);
	}
	if (!strcmp(kw, "tolerance")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_TOLERANCE, kw))
			return ST_ERR_PARSE;
		return mp_get_number(ps, &tok[1], kw, 0, 5, &m->tolerance);
	}
	if (!strcmp(kw, "max-hold")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_MAXHOLD, kw) ||
		    mp_get_number(ps, &tok[1], kw, 0, 600, &m->max_hold))
			return ST_ERR_PARSE;
		if (m->max_hold <= 0)
			return mp_perrw(ps, &tok[1], "max-hold must be above 0");
		return ST_OK;
	}
	if (!strcmp(kw, "power-on-hold")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_PON, kw))
			return ST_ERR_PARSE;
		return mp_get_number(ps, &tok[1], kw, 0, 600, &m->power_on_hold);
	}
	if (!strcmp(kw, "power-off-hold")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_POFF, kw))
			return ST_ERR_PARSE;
		return mp_get_number(ps, &tok[1], kw, 0, 600, &m->power_off_hold);
	}
	if (!strcmp(kw, "answer-within")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_ANSWER, kw) ||
		    mp_get_number(ps, &tok[1], kw, 0, 600, &m->answer_within))
			return ST_ERR_PARSE;
		if (m->answer_within <= 0)
			return mp_perrw(ps, &tok[1], "answer-within must be above 0");
		return ST_OK;
	}
	if (!strcmp(kw, "after-feedback"))
		return mp_need_args(ps, n, 1, 1, kw) || once(ps, K_AFTERFB, kw)
			       ? ST_ERR_PARSE
			       : mp_get_number(ps, &tok[1], kw, 0, 60, &m->after_feedback);
	if (!strcmp(kw, "power")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_POWER, kw))
			return ST_ERR_PARSE;
		if (tok[1].quoted)
			return mp_perr(ps, ps->line, "controls must not be quoted");
		if (!strcmp(tok[1].s, "none"))
			return ST_OK;
		return mp_copy_text(ps, ps->power, sizeof(ps->power), tok[1].s, "power controls");
	}
	if (!strcmp(kw, "mics")) {
		if (mp_need_args(ps, n, 1, 1, kw) || once(ps, K_MICS, kw))
			return ST_ERR_PARSE;
		return mp_get_count(ps, &tok[1], kw, 0, 32, &m->mics);
	}
	return 1;
}

static int top_keyword(struct pstate *ps, struct st_word *tok, int n)
{
	const char *kw = tok[0].s;
	int r;

	r = top_describe(ps, tok, n);
	if (r <= 0)
		return r;
	r = top_numbers(ps, tok, n);
	if (r <= 0)
		return r;
	if (!strcmp(kw, "serial-prefix"))
		return kw_serial_prefix(ps, tok, n);
	if (!strcmp(kw, "control"))
		return kw_control(ps, tok, n);
	if (!strcmp(kw, "hazard"))
		return kw_hazard(ps, tok, n);
	if (!strcmp(kw, "note"))
		return mp_kw_note(ps, tok, n);
	if (!strcmp(kw, "procedure"))
		return kw_procedure(ps, tok, n);
	if (!strcmp(kw, "end"))
		return mp_perr(ps, ps->line, "'end' without 'procedure'");
	return mp_perr(ps, ps->line, "unknown keyword '%s'", kw);
}

/* ---- public entry points ------------------------------------------------ */

int st_model_parse_buf(const char *name, const char *buf, size_t len, struct st_model *m,
		       char *err)
{
	struct pstate ps;
	struct st_tok *t;
	struct st_word *tok;
	int n, r;

	if (!m)
		return st_fail(err, ST_ERR_ARG, "st_model_parse: no model");
	memset(m, 0, sizeof(*m));
	memset(&ps, 0, sizeof(ps));
	ps.name = name ? name : "(model)";
	ps.m = m;
	ps.err = err;
	if (!buf)
		return mp_perr(&ps, 1, "no text");
	for (int k = 0; k < ST_RESET_COUNT; k++)
		m->procs[k].kind = (enum st_reset_kind)k;
	r = st_tok_open(&t, ps.name, buf, len, NULL, err);
	if (r != ST_OK)
		return r;
	while ((r = st_tok_next(t, &tok, &n, err)) == 1) {
		ps.line = tok[0].line;
		ps.col = tok[0].col;
		if (tok[0].quoted) {
			r = mp_perr(&ps, ps.line, "a line must start with a keyword, not a string");
			break;
		}
		r = ps.p ? mp_proc_keyword(&ps, tok, n) : top_keyword(&ps, tok, n);
		if (r != ST_OK)
			break;
	}
	if (r == 0) {
		ps.line = st_tok_line(t);
		ps.col = 1;
		r = mp_finish(&ps, ps.line);
	}
	st_tok_close(t);
	return r;
}

int st_model_parse(const char *name, const char *text, struct st_model *m, char *err)
{
	return st_model_parse_buf(name, text, text ? strlen(text) : 0, m, err);
}

int st_model_load(const char *path, struct st_model *m, char *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!path || !m)
		return st_fail(err, ST_ERR_ARG, "st_model_load: no path");
	r = st_read_file(path, &text, &len, err);
	if (r != ST_OK)
		return r;
	r = st_model_parse_buf(path, text, len, m, err);
	free(text);
	if (r == ST_OK)
		st_strlcpy(m->path, path, sizeof(m->path));
	return r;
}

