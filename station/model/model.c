/*
 * model.c - the model-file parser and the small queries on a loaded model.
 *
 * A model file (docs/model-format.md) is line based: a keyword, then its
 * arguments, "quoted strings" for free text, `#` comments to the end of
 * the line, split by the data-file tokenizer (core/tok.h).  The parser fills a struct st_model and then validates the
 * whole model: every procedure is walked on a timeline (holds, presses,
 * waits, expectation windows) so that no control is ever held past the
 * model's max-hold and no hold reaches one of its hazards.  Any defect is
 * ST_ERR_PARSE with "file:line:col: what" in err; no input crashes it.
 */
#include "model.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/st.h"
#include "core/tok.h"

#define EPS 1e-9
/* Sentinels resolved after the whole file is read. */
#define SEC_POWER_ON_HOLD (-1.0)
#define SEC_POWER_OFF_HOLD (-2.0)
#define UNSET (-1.0)

/* ---- vocabularies ------------------------------------------------------- */

static const char *const item_names[ST_ITEM_COUNT] = {
	[ST_ITEM_PAIRED] = "paired", [ST_ITEM_EQ] = "eq", [ST_ITEM_ANC] = "anc",
	[ST_ITEM_ASC] = "asc", [ST_ITEM_STC] = "stc", [ST_ITEM_LDAC] = "ldac",
	[ST_ITEM_DSEE] = "dsee", [ST_ITEM_FIT] = "fit", [ST_ITEM_TOUCH] = "touch",
	[ST_ITEM_WEAR] = "wear", [ST_ITEM_MIC_CAL] = "mic-cal",
	[ST_ITEM_BMS_LOG] = "bms-log", [ST_ITEM_BT_ADDR] = "bt-addr",
	[ST_ITEM_FW_FLAGS] = "fw-flags", [ST_ITEM_RAM] = "ram",
};

const char *st_item_name(enum st_item it)
{
	if ((unsigned)it < ST_ITEM_COUNT)
		return item_names[it];
	return "?";
}

int st_item_parse(const char *s, enum st_item *out)
{
	if (!s)
		return ST_ERR_PARSE;
	for (int i = 0; i < ST_ITEM_COUNT; i++)
		if (!strcmp(s, item_names[i])) {
			if (out)
				*out = (enum st_item)i;
			return ST_OK;
		}
	return ST_ERR_PARSE;
}

static const char *const reset_names[ST_RESET_COUNT] = {
	[ST_RESET_SOFT] = "soft", [ST_RESET_BLUETOOTH] = "bluetooth",
	[ST_RESET_FACTORY] = "factory",
};

const char *st_reset_name(enum st_reset_kind k)
{
	if ((unsigned)k < ST_RESET_COUNT)
		return reset_names[k];
	return "?";
}

int st_reset_parse(const char *s, enum st_reset_kind *out)
{
	if (!s)
		return ST_ERR_PARSE;
	for (int i = 0; i < ST_RESET_COUNT; i++)
		if (st_streq_ci(s, reset_names[i])) {
			if (out)
				*out = (enum st_reset_kind)i;
			return ST_OK;
		}
	return ST_ERR_PARSE;
}

struct word {
	const char *name;
	int value;
};

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
static const struct word hazard_words[] = {
	{ "shutdown", ST_HAZ_SHUTDOWN }, { "touch-brick", ST_HAZ_TOUCH_BRICK },
	{ "bt-brick", ST_HAZ_BT_BRICK },
};

static int word_find(const struct word *w, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(w[i].name, s))
			return (int)i;
	return -1;
}

#define WORD(tab, s) word_find(tab, ST_ARRAY_SIZE(tab), s)

/* ---- parser state ------------------------------------------------------- */

/* Top-level keywords that may appear once; index into seen[]. */
enum { K_MODEL, K_NAME, K_IDENTITY, K_SOURCE, K_KIND, K_PORT, K_BATTERY,
	K_FBATTERY, K_TOLERANCE, K_MAXHOLD, K_PON, K_POFF, K_WEAR, K_MICS,
	K_POWER, K_SERIALPFX, K_COUNT };

struct pstate {
	const char *name;        /* file name for messages */
	int line;                /* current line number */
	int col;                 /* column errors on the current line point at */
	struct st_model *m;      /* model being filled */
	char *err;               /* caller's error buffer */
	int seen[K_COUNT];       /* line each once-only keyword appeared on */
	int proc_line[ST_RESET_COUNT]; /* line of each `procedure`, 0 = none */
	struct st_procedure *p;  /* open procedure, NULL at top level */
	int p_seen_source;       /* open procedure: lines of its keywords */
	int p_seen_generic;
	int p_seen_battery;
	int p_seen_require;
	int p_seen_wipes;
	int p_seen_preserves;
	unsigned p_preserves;    /* items the `preserves` line names */
	char power[ST_TEXT_LEN]; /* `power` argument, resolved at the end */
	int battery_line[ST_RESET_COUNT]; /* line of each procedure's battery-min */
};

static int perr(struct pstate *ps, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct pstate *ps, int line, const char *fmt, ...)
{
	char msg[ST_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return st_fail(ps->err, ST_ERR_PARSE, "%s:%d:%d: %s", ps->name, line,
		       line == ps->line && ps->col > 0 ? ps->col : 1, msg);
}

/* An error at word t of the current line. */
static int perrw(struct pstate *ps, const struct st_word *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perrw(struct pstate *ps, const struct st_word *t, const char *fmt, ...)
{
	char msg[ST_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return st_fail(ps->err, ST_ERR_PARSE, "%s:%d:%d: %s", ps->name, t->line, t->col, msg);
}

static int copy_text(struct pstate *ps, char *dst, size_t size, const char *src,
		     const char *what)
{
	if (strlen(src) >= size)
		return perr(ps, ps->line, "%s too long (max %zu characters)", what, size - 1);
	for (const char *c = src; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return perr(ps, ps->line, "control character in %s", what);
	st_strlcpy(dst, src, size);
	return ST_OK;
}

static int get_number(struct pstate *ps, const struct st_word *t, const char *what,
		      double lo, double hi, double *out)
{
	double v;

	if (t->quoted || st_parse_double(t->s, &v) != ST_OK || !isfinite(v))
		return perrw(ps, t, "%s: '%s' is not a number", what, t->s);
	if (v < lo)
		return perrw(ps, t, "%s: %s is below %g", what, t->s, lo);
	if (v > hi)
		return perrw(ps, t, "%s: %s is above %g", what, t->s, hi);
	*out = v;
	return ST_OK;
}

static int get_count(struct pstate *ps, const struct st_word *t, const char *what,
		     long lo, long hi, int *out)
{
	long v;

	if (t->quoted || st_parse_int(t->s, &v) != ST_OK)
		return perrw(ps, t, "%s: '%s' is not a whole number", what, t->s);
	if (v < lo || v > hi)
		return perrw(ps, t, "%s: %ld is outside %ld..%ld", what, v, lo, hi);
	*out = (int)v;
	return ST_OK;
}

static int get_word(struct pstate *ps, const struct st_word *t, const struct word *w,
		    size_t n, const char *what, int *out)
{
	char list[256] = "";
	int i = t->quoted ? -1 : word_find(w, n, t->s);

	if (i >= 0) {
		*out = w[i].value;
		return ST_OK;
	}
	for (size_t k = 0; k < n; k++) {
		if (k)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, w[k].name, sizeof(list) - strlen(list) - 1);
	}
	return perrw(ps, t, "unknown %s '%s' (one of: %s)", what, t->s, list);
}

#define GET_WORD(ps, t, tab, what, out) get_word(ps, t, tab, ST_ARRAY_SIZE(tab), what, out)

static int need_args(struct pstate *ps, int n, int lo, int hi, const char *kw)
{
	if (n - 1 < lo)
		return perr(ps, ps->line, "'%s' needs %s", kw,
			    lo == 1 ? "an argument" : "more arguments");
	if (hi >= 0 && n - 1 > hi)
		return perr(ps, ps->line, "too many arguments to '%s'", kw);
	return ST_OK;
}

static int once(struct pstate *ps, int k, const char *kw)
{
	if (ps->seen[k])
		return perr(ps, ps->line, "duplicate '%s' (first on line %d)", kw, ps->seen[k]);
	ps->seen[k] = ps->line;
	return ST_OK;
}

static int get_controls(struct pstate *ps, const struct st_word *t, unsigned *mask)
{
	char msg[ST_ERRLEN];
	int r;

	if (t->quoted)
		return perrw(ps, t, "controls must not be quoted");
	r = st_model_controls_parse(ps->m, t->s, mask, msg);
	if (r != ST_OK)
		return perrw(ps, t, "%s", msg);
	return ST_OK;
}

static int valid_name(const char *s)
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

	if (need_args(ps, n, 1, ST_MAX_SERIAL_PREFIXES, tok[0].s) || once(ps, K_SERIALPFX, tok[0].s))
		return ST_ERR_PARSE;
	for (int i = 1; i < n; i++) {
		for (const char *c = tok[i].s; *c; c++)
			if (!isalnum((unsigned char)*c))
				return perrw(ps, &tok[i], "serial-prefix '%s': letters and digits only",
					     tok[i].s);
		if (!tok[i].s[0])
			return perr(ps, ps->line, "empty serial-prefix");
		if (copy_text(ps, m->serial_prefix[i - 1], sizeof(m->serial_prefix[0]), tok[i].s,
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

	if (need_args(ps, n, 2, 3, "control"))
		return ST_ERR_PARSE;
	if (m->ncontrols >= ST_MAX_CONTROLS)
		return perr(ps, ps->line, "too many controls (max %d)", ST_MAX_CONTROLS);
	if (tok[1].quoted || !valid_name(tok[1].s) || strchr(tok[1].s, '-'))
		return perrw(ps, &tok[1], "bad control name '%s' (letters, digits, _)", tok[1].s);
	if (strlen(tok[1].s) >= ST_NAME_LEN)
		return perrw(ps, &tok[1], "control name too long (max %d)", ST_NAME_LEN - 1);
	if (st_model_control(m, tok[1].s) >= 0)
		return perrw(ps, &tok[1], "duplicate control '%s'", tok[1].s);
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
	if (need_args(ps, n, 4, 5, "hazard"))
		return ST_ERR_PARSE;
	if (m->nhazards >= ST_MAX_HAZARDS)
		return perr(ps, ps->line, "too many hazards (max %d)", ST_MAX_HAZARDS);
	h = &m->hazards[m->nhazards];
	memset(h, 0, sizeof(*h));
	h->line = ps->line;
	if (get_controls(ps, &tok[1], &h->controls) ||
	    get_number(ps, &tok[2], "hazard seconds", 0.1, 3600, &h->seconds) ||
	    GET_WORD(ps, &tok[3], hazard_words, "hazard effect", &effect))
		return ST_ERR_PARSE;
	h->effect = (enum st_hazard_effect)effect;
	if (n == 6 && get_number(ps, &tok[4], "hazard hours", 0, 10000, &h->hours))
		return ST_ERR_PARSE;
	if (!tok[n - 1].quoted)
		return perrw(ps, &tok[n - 1], "hazard needs its \"source\" (seed and quote) last");
	if (copy_text(ps, h->source, sizeof(h->source), tok[n - 1].s, "hazard source"))
		return ST_ERR_PARSE;
	m->nhazards++;
	return ST_OK;
}

static int kw_note(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_model *m = ps->m;

	if (need_args(ps, n, 1, 1, "note"))
		return ST_ERR_PARSE;
	if (!tok[1].quoted)
		return perrw(ps, &tok[1], "note text must be quoted");
	if (m->nnotes >= ST_MAX_NOTES)
		return perr(ps, ps->line, "too many notes (max %d)", ST_MAX_NOTES);
	if (copy_text(ps, m->notes[m->nnotes], ST_TEXT_LEN, tok[1].s, "note"))
		return ST_ERR_PARSE;
	m->nnotes++;
	return ST_OK;
}

static int kw_procedure(struct pstate *ps, struct st_word *tok, int n)
{
	enum st_reset_kind k;
	struct st_procedure *p;

	if (need_args(ps, n, 1, 1, "procedure"))
		return ST_ERR_PARSE;
	if (tok[1].quoted || st_reset_parse(tok[1].s, &k) != ST_OK)
		return perrw(ps, &tok[1], "unknown reset '%s' (soft, bluetooth, factory)", tok[1].s);
	if (ps->proc_line[k])
		return perr(ps, ps->line, "duplicate procedure %s (first on line %d)",
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

static int top_keyword(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_model *m = ps->m;
	const char *kw = tok[0].s;
	int v;

	if (!strcmp(kw, "model")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_MODEL, kw))
			return ST_ERR_PARSE;
		if (!valid_name(tok[1].s) && !tok[1].quoted)
			return perrw(ps, &tok[1], "bad model id '%s'", tok[1].s);
		if (!tok[1].s[0])
			return perrw(ps, &tok[1], "empty model id");
		if (strchr(tok[1].s, '/'))
			return perrw(ps, &tok[1], "model id must not contain '/'");
		m->id_line = tok[1].line;
		m->id_col = tok[1].col;
		return copy_text(ps, m->id, sizeof(m->id), tok[1].s, "model id");
	}
	if (!strcmp(kw, "name")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_NAME, kw))
			return ST_ERR_PARSE;
		return copy_text(ps, m->name, sizeof(m->name), tok[1].s, "name");
	}
	if (!strcmp(kw, "identity")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_IDENTITY, kw))
			return ST_ERR_PARSE;
		if (!tok[1].s[0])
			return perrw(ps, &tok[1], "empty identity");
		return copy_text(ps, m->identity, sizeof(m->identity), tok[1].s, "identity");
	}
	if (!strcmp(kw, "source")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_SOURCE, kw))
			return ST_ERR_PARSE;
		return copy_text(ps, m->source, sizeof(m->source), tok[1].s, "source");
	}
	if (!strcmp(kw, "kind")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_KIND, kw) ||
		    GET_WORD(ps, &tok[1], kind_words, "kind", &v))
			return ST_ERR_PARSE;
		m->kind = (enum st_unit_kind)v;
		return ST_OK;
	}
	if (!strcmp(kw, "port")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_PORT, kw) ||
		    GET_WORD(ps, &tok[1], port_words, "port", &v))
			return ST_ERR_PARSE;
		m->port = (enum st_port_kind)v;
		return ST_OK;
	}
	if (!strcmp(kw, "wear")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_WEAR, kw) ||
		    GET_WORD(ps, &tok[1], wear_words, "wear rule", &v))
			return ST_ERR_PARSE;
		m->wear = (enum st_wear_rule)v;
		return ST_OK;
	}
	if (!strcmp(kw, "battery-min")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_BATTERY, kw))
			return ST_ERR_PARSE;
		return get_number(ps, &tok[1], kw, 0, 100, &m->battery_min);
	}
	if (!strcmp(kw, "factory-battery-min")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_FBATTERY, kw))
			return ST_ERR_PARSE;
		return get_number(ps, &tok[1], kw, 0, 100, &m->factory_battery_min);
	}
	if (!strcmp(kw, "tolerance")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_TOLERANCE, kw))
			return ST_ERR_PARSE;
		return get_number(ps, &tok[1], kw, 0, 5, &m->tolerance);
	}
	if (!strcmp(kw, "max-hold")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_MAXHOLD, kw) ||
		    get_number(ps, &tok[1], kw, 0, 600, &m->max_hold))
			return ST_ERR_PARSE;
		if (m->max_hold <= 0)
			return perrw(ps, &tok[1], "max-hold must be above 0");
		return ST_OK;
	}
	if (!strcmp(kw, "power-on-hold")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_PON, kw))
			return ST_ERR_PARSE;
		return get_number(ps, &tok[1], kw, 0, 600, &m->power_on_hold);
	}
	if (!strcmp(kw, "power-off-hold")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_POFF, kw))
			return ST_ERR_PARSE;
		return get_number(ps, &tok[1], kw, 0, 600, &m->power_off_hold);
	}
	if (!strcmp(kw, "power")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_POWER, kw))
			return ST_ERR_PARSE;
		if (tok[1].quoted)
			return perr(ps, ps->line, "controls must not be quoted");
		if (!strcmp(tok[1].s, "none"))
			return ST_OK;
		return copy_text(ps, ps->power, sizeof(ps->power), tok[1].s, "power controls");
	}
	if (!strcmp(kw, "mics")) {
		if (need_args(ps, n, 1, 1, kw) || once(ps, K_MICS, kw))
			return ST_ERR_PARSE;
		return get_count(ps, &tok[1], kw, 0, 32, &m->mics);
	}
	if (!strcmp(kw, "serial-prefix"))
		return kw_serial_prefix(ps, tok, n);
	if (!strcmp(kw, "control"))
		return kw_control(ps, tok, n);
	if (!strcmp(kw, "hazard"))
		return kw_hazard(ps, tok, n);
	if (!strcmp(kw, "note"))
		return kw_note(ps, tok, n);
	if (!strcmp(kw, "procedure"))
		return kw_procedure(ps, tok, n);
	if (!strcmp(kw, "end"))
		return perr(ps, ps->line, "'end' without 'procedure'");
	return perr(ps, ps->line, "unknown keyword '%s'", kw);
}

/* ---- procedure keywords and steps --------------------------------------- */

static struct st_step *new_step(struct pstate *ps, enum st_step_op op)
{
	struct st_procedure *p = ps->p;
	struct st_step *s;

	if (p->nsteps >= ST_MAX_STEPS) {
		perr(ps, ps->line, "too many steps in procedure %s (max %d)",
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
			return perrw(ps, &tok[i], "unexpected '%s'", tok[i].s);
		if (i + 1 >= n)
			return perrw(ps, &tok[i], "'%s' needs a value", opts[k].name);
		if (get_number(ps, &tok[i + 1], opts[k].name, opts[k].lo, opts[k].hi,
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
			return perr(ps, ps->line, "%s is not a slide switch",
				    ps->m->controls[i].name);
		return perr(ps, ps->line, "%s is a slide switch: use 'slide', not '%s'",
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
	if (get_number(ps, t, what, 0, 3600, out))
		return ST_ERR_PARSE;
	if (*out <= 0)
		return perrw(ps, t, "%s must be above 0", what);
	return ST_OK;
}

static int step_expect(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_step *s;
	const char *what;
	int i, v;

	if (n < 2)
		return perr(ps, ps->line, "'expect' needs led, chime, prompt or tone");
	what = tok[1].s;
	if (!strcmp(what, "led")) {
		/* expect led WHERE COLOR[/COLOR2] PATTERN COUNT within S */
		char colors[2 * ST_NAME_LEN];
		char *slash;

		if (n != 8)
			return perr(ps, ps->line,
				    "usage: expect led WHERE COLOR[/COLOR2] PATTERN COUNT within S");
		s = new_step(ps, ST_OP_EXPECT_LED);
		if (!s || GET_WORD(ps, &tok[2], led_where_words, "LED", &v))
			return ST_ERR_PARSE;
		st_strlcpy(s->led.where, tok[2].s, sizeof(s->led.where));
		if (strlen(tok[3].s) >= sizeof(colors))
			return perrw(ps, &tok[3], "colour too long");
		st_strlcpy(colors, tok[3].s, sizeof(colors));
		slash = strchr(colors, '/');
		if (slash)
			*slash = '\0';
		for (int c = 0; c < (slash ? 2 : 1); c++) {
			const char *cs = c ? slash + 1 : colors;

			if (tok[3].quoted || WORD(color_words, cs) < 0)
				return perrw(ps, &tok[3],
					    "unknown colour '%s' (red, green, blue, white, orange, amber, any)",
					    cs);
			st_strlcpy(s->led.colors[c], cs, ST_NAME_LEN);
		}
		s->led.ncolors = slash ? 2 : 1;
		if (GET_WORD(ps, &tok[4], pattern_words, "LED pattern", &v))
			return ST_ERR_PARSE;
		st_strlcpy(s->led.pattern, tok[4].s, sizeof(s->led.pattern));
		if (get_count(ps, &tok[5], "LED count", 0, 100, &s->led.count))
			return ST_ERR_PARSE;
		i = 6;
	} else if (!strcmp(what, "chime")) {
		if (n != 5)
			return perr(ps, ps->line, "usage: expect chime COUNT within S");
		s = new_step(ps, ST_OP_EXPECT_CHIME);
		if (!s || get_count(ps, &tok[2], "chime count", 1, 20, &s->count))
			return ST_ERR_PARSE;
		i = 3;
	} else if (!strcmp(what, "prompt")) {
		if (n != 5)
			return perr(ps, ps->line, "usage: expect prompt \"TEXT\" within S");
		if (!tok[2].quoted)
			return perrw(ps, &tok[2], "prompt text must be quoted");
		if (!tok[2].s[0])
			return perrw(ps, &tok[2], "empty prompt text");
		s = new_step(ps, ST_OP_EXPECT_PROMPT);
		if (!s || copy_text(ps, s->text, sizeof(s->text), tok[2].s, "prompt"))
			return ST_ERR_PARSE;
		i = 3;
	} else if (!strcmp(what, "tone")) {
		if (n != 4 && n != 5)
			return perr(ps, ps->line, "usage: expect tone [COUNT] within S");
		s = new_step(ps, ST_OP_EXPECT_TONE);
		if (!s)
			return ST_ERR_PARSE;
		s->count = 1;
		i = 2;
		if (n == 5) {
			if (get_count(ps, &tok[2], "tone count", 1, 20, &s->count))
				return ST_ERR_PARSE;
			i = 3;
		}
	} else {
		return perrw(ps, &tok[1], "unknown expectation '%s' (led, chime, prompt, tone)", what);
	}
	if (tok[i].quoted || strcmp(tok[i].s, "within"))
		return perrw(ps, &tok[i], "expected 'within S', got '%s'", tok[i].s);
	if (get_number(ps, &tok[i + 1], "within", 0, 600, &s->within))
		return ST_ERR_PARSE;
	if (s->within <= 0)
		return perrw(ps, &tok[i + 1], "within must be above 0");
	return ST_OK;
}

static int item_list(struct pstate *ps, struct st_word *tok, int n, unsigned *mask)
{
	enum st_item it;

	if (n < 2)
		return perr(ps, ps->line, "'%s' needs at least one item", tok[0].s);
	for (int i = 1; i < n; i++) {
		if (!tok[i].quoted && !strcmp(tok[i].s, "nothing") && n == 2)
			return ST_OK;
		if (!strcmp(tok[i].s, "all") && !tok[i].quoted) {
			*mask |= (1u << ST_ITEM_COUNT) - 1;
			continue;
		}
		if (tok[i].quoted || st_item_parse(tok[i].s, &it) != ST_OK)
			return perrw(ps, &tok[i], "unknown item '%s'", tok[i].s);
		if (*mask & (1u << it))
			return perrw(ps, &tok[i], "item '%s' named twice", tok[i].s);
		*mask |= 1u << it;
	}
	return ST_OK;
}

static int proc_keyword(struct pstate *ps, struct st_word *tok, int n)
{
	struct st_procedure *p = ps->p;
	const char *kw = tok[0].s;
	struct st_step *s;
	int v;

	if (!strcmp(kw, "end")) {
		if (need_args(ps, n, 0, 0, kw))
			return ST_ERR_PARSE;
		if (p->present && !p->nsteps)
			return perr(ps, ps->line, "procedure %s has no steps (or say absent \"why\")",
				    st_reset_name(p->kind));
		if (p->present && !ps->p_seen_source)
			return perr(ps, ps->line, "procedure %s has no source",
				    st_reset_name(p->kind));
		if (p->wipes & ps->p_preserves)
			return perr(ps, ps->p_seen_preserves,
				    "an item is both preserved and wiped");
		/* Whatever a procedure does not wipe it preserves. */
		p->preserves = ((1u << ST_ITEM_COUNT) - 1) & ~p->wipes;
		ps->p = NULL;
		return ST_OK;
	}
	if (!strcmp(kw, "procedure"))
		return perr(ps, ps->line, "'procedure' inside procedure %s (missing 'end'?)",
			    st_reset_name(p->kind));
	if (!strcmp(kw, "absent")) {
		if (need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		if (!tok[1].quoted)
			return perrw(ps, &tok[1], "absent needs a quoted reason");
		if (p->nsteps || ps->p_seen_wipes || ps->p_seen_require || ps->p_seen_generic)
			return perr(ps, ps->line, "an absent procedure has no steps or items");
		if (!p->present)
			return perr(ps, ps->line, "duplicate 'absent'");
		p->present = 0;
		return copy_text(ps, p->absent_reason, sizeof(p->absent_reason), tok[1].s,
				 "absent reason");
	}
	if (!p->present)
		return perr(ps, ps->line, "an absent procedure takes nothing but 'end' (got '%s')",
			    kw);
	if (!strcmp(kw, "source")) {
		if (need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		if (ps->p_seen_source)
			return perr(ps, ps->line, "duplicate 'source' (first on line %d)",
				    ps->p_seen_source);
		ps->p_seen_source = ps->line;
		return copy_text(ps, p->source, sizeof(p->source), tok[1].s, "source");
	}
	if (!strcmp(kw, "generic")) {
		if (need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		if (ps->p_seen_generic)
			return perr(ps, ps->line, "duplicate 'generic'");
		ps->p_seen_generic = ps->line;
		if (!strcmp(tok[1].s, "yes"))
			p->generic = 1;
		else if (!strcmp(tok[1].s, "no"))
			p->generic = 0;
		else
			return perrw(ps, &tok[1], "generic takes yes or no, not '%s'", tok[1].s);
		return ST_OK;
	}
	if (!strcmp(kw, "require")) {
		if (need_args(ps, n, 1, -1, kw))
			return ST_ERR_PARSE;
		if (ps->p_seen_require)
			return perr(ps, ps->line, "duplicate 'require'");
		ps->p_seen_require = ps->line;
		for (int i = 1; i < n; i++) {
			if (GET_WORD(ps, &tok[i], pre_words, "precondition", &v))
				return ST_ERR_PARSE;
			p->preconditions |= (unsigned)v;
		}
		if ((p->preconditions & ST_PRE_POWERED_ON) && (p->preconditions & ST_PRE_POWERED_OFF))
			return perr(ps, ps->line, "powered-on and powered-off together");
		return ST_OK;
	}
	if (!strcmp(kw, "battery-min")) {
		if (need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		if (ps->p_seen_battery)
			return perr(ps, ps->line, "duplicate 'battery-min'");
		ps->p_seen_battery = ps->line;
		ps->battery_line[p->kind] = ps->line;
		return get_number(ps, &tok[1], kw, 0, 100, &p->battery_min);
	}
	if (!strcmp(kw, "wipes") || !strcmp(kw, "preserves")) {
		int *seen = kw[0] == 'w' ? &ps->p_seen_wipes : &ps->p_seen_preserves;

		if (*seen)
			return perr(ps, ps->line, "duplicate '%s' (first on line %d)", kw, *seen);
		*seen = ps->line;
		return item_list(ps, tok, n, kw[0] == 'w' ? &p->wipes : &ps->p_preserves);
	}
	if (!strcmp(kw, "note"))
		return kw_note(ps, tok, n);
	if (!strcmp(kw, "hold")) {
		struct opt o[2];

		if (n < 3)
			return perr(ps, ps->line, "usage: hold CTRLS SECONDS [tolerance S] [start-within S]");
		s = new_step(ps, ST_OP_HOLD);
		if (!s || get_controls(ps, &tok[1], &s->controls) ||
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
			return perr(ps, ps->line, "usage: press CTRLS [start-within S]");
		s = new_step(ps, ST_OP_PRESS);
		if (!s || get_controls(ps, &tok[1], &s->controls) ||
		    check_kind(ps, s->controls, 0, kw))
			return ST_ERR_PARSE;
		o[0] = (struct opt){ "start-within", &s->start_within, 0, 600 };
		return step_options(ps, tok, 2, n, o, 1);
	}
	if (!strcmp(kw, "release")) {
		if (need_args(ps, n, 0, 1, kw))
			return ST_ERR_PARSE;
		s = new_step(ps, ST_OP_RELEASE);
		if (!s)
			return ST_ERR_PARSE;
		if (n == 2)
			return get_controls(ps, &tok[1], &s->controls);
		return ST_OK;
	}
	if (!strcmp(kw, "tap")) {
		struct opt o[2];

		if (n < 3)
			return perr(ps, ps->line, "usage: tap CTRLS COUNT [gap S] [start-within S]");
		s = new_step(ps, ST_OP_TAP);
		if (!s || get_controls(ps, &tok[1], &s->controls) ||
		    check_kind(ps, s->controls, 0, kw) ||
		    get_count(ps, &tok[2], "tap count", 1, 20, &s->count))
			return ST_ERR_PARSE;
		s->gap = 0.3;
		o[0] = (struct opt){ "gap", &s->gap, 0.05, 10 };
		o[1] = (struct opt){ "start-within", &s->start_within, 0, 600 };
		return step_options(ps, tok, 3, n, o, 2);
	}
	if (!strcmp(kw, "slide")) {
		struct opt o[1];

		if (n < 3)
			return perr(ps, ps->line, "usage: slide CTRL off|on [start-within S]");
		s = new_step(ps, ST_OP_SLIDE);
		if (!s || get_controls(ps, &tok[1], &s->controls) ||
		    check_kind(ps, s->controls, 1, kw))
			return ST_ERR_PARSE;
		if (s->controls & (s->controls - 1))
			return perr(ps, ps->line, "slide moves one switch at a time");
		if (!strcmp(tok[2].s, "off"))
			s->position = 0;
		else if (!strcmp(tok[2].s, "on"))
			s->position = 1;
		else
			return perrw(ps, &tok[2], "slide position must be off or on, not '%s'",
				    tok[2].s);
		o[0] = (struct opt){ "start-within", &s->start_within, 0, 600 };
		return step_options(ps, tok, 3, n, o, 1);
	}
	if (!strcmp(kw, "wait") || !strcmp(kw, "charge")) {
		if (need_args(ps, n, 1, 1, kw))
			return ST_ERR_PARSE;
		s = new_step(ps, kw[0] == 'w' ? ST_OP_WAIT : ST_OP_CHARGE);
		if (!s)
			return ST_ERR_PARSE;
		if (get_number(ps, &tok[1], kw[0] == 'w' ? "wait seconds" : "charge seconds",
			       0, 86400, &s->seconds))
			return ST_ERR_PARSE;
		if (s->seconds <= 0)
			return perr(ps, ps->line, "%s must be above 0 seconds", kw);
		return ST_OK;
	}
	if (!strcmp(kw, "expect"))
		return step_expect(ps, tok, n);
	return perr(ps, ps->line, "unknown keyword '%s' in procedure %s", kw,
		    st_reset_name(p->kind));
}

/* ---- whole-model checks ------------------------------------------------- */

/*
 * Walk a procedure on a worst-case timeline: holds and waits take their
 * seconds, expectations their whole window, taps count x gap.  For each
 * control track when it was pressed; at each release check the hold
 * (+ tolerance) against max-hold and every hazard whose controls were all
 * held together.  Returns ST_OK or ST_ERR_PARSE (ps may be NULL: then
 * only *longest is computed, never an error message).
 */
static int check_release(struct pstate *ps, const struct st_model *m, const double *since,
			 unsigned held, unsigned mask, double now, double tol, int line,
			 double *longest)
{
	char names[128];

	for (int i = 0; i < m->ncontrols; i++) {
		double d;

		if (!(mask & (1u << i)))
			continue;
		d = now - since[i] + tol;
		if (d > *longest)
			*longest = d;
		if (ps && d > m->max_hold + EPS)
			return perr(ps, line, "%s held up to %.2f s (with tolerance), over max-hold %g",
				    m->controls[i].name, d, m->max_hold);
	}
	for (int h = 0; h < m->nhazards; h++) {
		const struct st_hazard *hz = &m->hazards[h];
		double start = -1e300;

		if (!(hz->controls & mask) || (hz->controls & held) != hz->controls)
			continue;
		for (int i = 0; i < m->ncontrols; i++)
			if ((hz->controls & (1u << i)) && since[i] > start)
				start = since[i];
		if (ps && now - start + tol >= hz->seconds - EPS) {
			st_model_controls_str(m, hz->controls, names, sizeof(names));
			return perr(ps, line, "holds %s for up to %.2f s: reaches the hazard on line %d (%g s)",
				    names, now - start + tol, hz->line, hz->seconds);
		}
	}
	return ST_OK;
}

static int walk_procedure(struct pstate *ps, const struct st_model *m,
			  const struct st_procedure *p, double *longest)
{
	double since[ST_MAX_CONTROLS] = { 0 };
	unsigned held = 0;
	double now = 0;

	for (int k = 0; k < p->nsteps; k++) {
		const struct st_step *s = &p->steps[k];
		double tol = s->tolerance >= 0 ? s->tolerance : m->tolerance;
		unsigned mask;

		if (ps && s->start_within > 0 && k == 0)
			return perr(ps, s->line, "start-within on the first step");
		switch (s->op) {
		case ST_OP_HOLD:
		case ST_OP_PRESS:
			if (ps && (held & s->controls)) {
				char names[128];

				st_model_controls_str(m, held & s->controls, names, sizeof(names));
				return perr(ps, s->line, "%s already pressed", names);
			}
			for (int i = 0; i < m->ncontrols; i++)
				if (s->controls & (1u << i))
					since[i] = now;
			held |= s->controls;
			if (s->op == ST_OP_PRESS)
				break;
			now += s->seconds;
			if (check_release(ps, m, since, held, s->controls, now, tol, s->line, longest))
				return ST_ERR_PARSE;
			held &= ~s->controls;
			break;
		case ST_OP_RELEASE:
			mask = s->controls ? s->controls : held;
			if (ps && !mask)
				return perr(ps, s->line, "release with nothing pressed");
			if (ps && (mask & ~held))
				return perr(ps, s->line, "release of a control that is not pressed");
			if (check_release(ps, m, since, held, mask & held, now, m->tolerance,
					  s->line, longest))
				return ST_ERR_PARSE;
			held &= ~mask;
			break;
		case ST_OP_TAP:
			if (ps && (held & s->controls))
				return perr(ps, s->line, "tap of a control that is pressed");
			now += s->count * s->gap;
			break;
		case ST_OP_WAIT:
		case ST_OP_CHARGE:
			now += s->seconds;
			break;
		case ST_OP_EXPECT_LED:
		case ST_OP_EXPECT_CHIME:
		case ST_OP_EXPECT_PROMPT:
		case ST_OP_EXPECT_TONE:
			now += s->within;
			break;
		case ST_OP_SLIDE:
			break;
		}
	}
	if (ps && held) {
		char names[128];

		st_model_controls_str(m, held, names, sizeof(names));
		return perr(ps, p->steps[p->nsteps - 1].line,
			    "procedure %s ends with %s still pressed (add 'release')",
			    st_reset_name(p->kind), names);
	}
	return ST_OK;
}

static int finish(struct pstate *ps, int last_line)
{
	static const struct { int k; const char *kw; } required[] = {
		{ K_MODEL, "model" }, { K_KIND, "kind" }, { K_PORT, "port" },
		{ K_BATTERY, "battery-min" }, { K_TOLERANCE, "tolerance" },
		{ K_MAXHOLD, "max-hold" }, { K_PON, "power-on-hold" },
		{ K_POFF, "power-off-hold" }, { K_WEAR, "wear" },
	};
	struct st_model *m = ps->m;
	double longest = 0;

	if (ps->p)
		return perr(ps, ps->p->line, "procedure %s has no 'end'",
			    st_reset_name(ps->p->kind));
	for (size_t i = 0; i < ST_ARRAY_SIZE(required); i++)
		if (!ps->seen[required[i].k])
			return perr(ps, last_line, "no '%s' line", required[i].kw);
	if (!m->ncontrols)
		return perr(ps, last_line, "model has no controls");
	for (int k = 0; k < ST_RESET_COUNT; k++)
		if (!ps->proc_line[k])
			return perr(ps, last_line,
				    "no procedure %s (write it, or 'absent \"why\"' inside it)",
				    st_reset_name((enum st_reset_kind)k));
	if (!ps->seen[K_NAME])
		snprintf(m->name, sizeof(m->name), "Sony %s", m->id);
	if (!ps->seen[K_IDENTITY])
		st_strlcpy(m->identity, m->id, sizeof(m->identity));
	if (!ps->seen[K_FBATTERY])
		m->factory_battery_min = m->battery_min;
	if (m->factory_battery_min < m->battery_min)
		return perr(ps, ps->seen[K_FBATTERY],
			    "factory-battery-min %g is below battery-min %g",
			    m->factory_battery_min, m->battery_min);
	if (!ps->seen[K_POWER]) {
		int pw = st_model_control(m, "POWER");

		if (pw >= 0)
			m->power_controls = 1u << pw;
	} else if (ps->power[0]) {
		char msg[ST_ERRLEN];

		if (st_model_controls_parse(m, ps->power, &m->power_controls, msg) != ST_OK)
			return perr(ps, ps->seen[K_POWER], "%s", msg);
	}
	for (int h = 0; h < m->nhazards; h++)
		if (m->max_hold + EPS >= m->hazards[h].seconds &&
		    m->hazards[h].controls &&
		    !(m->hazards[h].controls & (m->hazards[h].controls - 1)))
			return perr(ps, ps->seen[K_MAXHOLD],
				    "max-hold %g reaches the hazard on line %d (%g s)",
				    m->max_hold, m->hazards[h].line, m->hazards[h].seconds);
	/* Power holds are holds too. */
	if (m->power_controls) {
		double since[ST_MAX_CONTROLS] = { 0 };
		const double holds[2] = { m->power_on_hold, m->power_off_hold };
		const int lines[2] = { ps->seen[K_PON], ps->seen[K_POFF] };
		int slide = 0;

		for (int i = 0; i < m->ncontrols; i++)
			if ((m->power_controls & (1u << i)) && m->controls[i].kind == ST_CTL_SLIDE)
				slide = 1;
		for (int j = 0; j < 2 && !slide; j++)
			if (holds[j] > 0 &&
			    check_release(ps, m, since, m->power_controls, m->power_controls,
					  holds[j], m->tolerance, lines[j], &longest))
				return ST_ERR_PARSE;
	}
	for (int k = 0; k < ST_RESET_COUNT; k++) {
		struct st_procedure *p = &m->procs[k];

		if (!p->present)
			continue;
		if (p->battery_min < 0)
			p->battery_min = k == ST_RESET_FACTORY ? m->factory_battery_min
							       : m->battery_min;
		else if (p->battery_min < m->battery_min)
			return perr(ps, ps->battery_line[k],
				    "procedure %s battery-min %g is below the model's %g",
				    st_reset_name(p->kind), p->battery_min, m->battery_min);
		for (int i = 0; i < p->nsteps; i++) {
			struct st_step *s = &p->steps[i];

			if (s->tolerance < 0)
				s->tolerance = m->tolerance;
			if (s->op != ST_OP_HOLD)
				continue;
			if (s->seconds == SEC_POWER_ON_HOLD)
				s->seconds = m->power_on_hold;
			else if (s->seconds == SEC_POWER_OFF_HOLD)
				s->seconds = m->power_off_hold;
			if (s->seconds <= 0)
				return perr(ps, s->line, "hold of 0 s (the power hold is 0)");
		}
		if (walk_procedure(ps, m, p, &longest))
			return ST_ERR_PARSE;
	}
	return ST_OK;
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
		return perr(&ps, 1, "no text");
	for (int k = 0; k < ST_RESET_COUNT; k++)
		m->procs[k].kind = (enum st_reset_kind)k;
	r = st_tok_open(&t, ps.name, buf, len, NULL, err);
	if (r != ST_OK)
		return r;
	while ((r = st_tok_next(t, &tok, &n, err)) == 1) {
		ps.line = tok[0].line;
		ps.col = tok[0].col;
		if (tok[0].quoted) {
			r = perr(&ps, ps.line, "a line must start with a keyword, not a string");
			break;
		}
		r = ps.p ? proc_keyword(&ps, tok, n) : top_keyword(&ps, tok, n);
		if (r != ST_OK)
			break;
	}
	if (r == 0) {
		ps.line = st_tok_line(t);
		ps.col = 1;
		r = finish(&ps, ps.line);
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

/* "LinkBuds S" -> "LinkBuds-S": the file-name form of an id. */
static void file_form(const char *id, char *out, size_t n)
{
	size_t i;

	for (i = 0; id[i] && i + 1 < n; i++)
		out[i] = id[i] == ' ' ? '-' : id[i];
	out[i] = '\0';
}

/* A model file in the models directory is named after its id: the file a
 * lookup finds must hold that model. */
static int check_file_name(const struct st_model *m, const char *fname, char *err)
{
	char want[ST_TEXT_LEN];

	file_form(m->id, want, sizeof(want) - 8);
	strcat(want, ".model");
	if (!strcasecmp(fname, want))
		return ST_OK;
	return st_fail(err, ST_ERR_PARSE,
		       "%s:%d:%d: model id '%s' does not match the file name (it belongs in %s)",
		       m->path, m->id_line > 0 ? m->id_line : 1, m->id_col > 0 ? m->id_col : 1,
		       m->id, want);
}

static void models_dir(const char *dir, char *out, size_t n)
{
	snprintf(out, n, "%s/fixtures/models", dir ? dir : st_data_dir());
}

int st_model_find(const char *dir, const char *id, struct st_model *m, char *err)
{
	char mdir[512], want[ST_TEXT_LEN], path[1024];
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (!id || !*id || !m)
		return st_fail(err, ST_ERR_ARG, "no model named");
	if (strlen(id) >= ST_TEXT_LEN - 8 || strchr(id, '/'))
		return st_fail(err, ST_ERR_NOTFOUND, "unknown model '%.60s'", id);
	models_dir(dir, mdir, sizeof(mdir));
	file_form(id, want, sizeof(want) - 8);
	strcat(want, ".model");
	d = opendir(mdir);
	if (!d)
		return st_fail(err, ST_ERR_IO, "%s: %s", mdir, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcasecmp(de->d_name, want)) {
			snprintf(path, sizeof(path), "%s/%s", mdir, de->d_name);
			found = 1;
			break;
		}
	}
	closedir(d);
	if (!found)
		return st_fail(err, ST_ERR_NOTFOUND, "unknown model '%s' (see 'station models')", id);
	found = st_model_load(path, m, err);
	if (found != ST_OK)
		return found;
	return check_file_name(m, strrchr(path, '/') + 1, err);
}

static int cmp_ids(const void *a, const void *b)
{
	return strcasecmp((const char *)a, (const char *)b);
}

int st_model_list(const char *dir, char ids[][ST_NAME_LEN], int max, char *err)
{
	char mdir[512], path[1024];
	struct st_model *m;
	struct dirent *de;
	DIR *d;
	int n = 0, r = ST_OK;

	if (max < 0 || (max > 0 && !ids))
		return st_fail(err, ST_ERR_ARG, "st_model_list: bad arguments");
	models_dir(dir, mdir, sizeof(mdir));
	d = opendir(mdir);
	if (!d)
		return st_fail(err, ST_ERR_IO, "%s: %s", mdir, strerror(errno));
	m = malloc(sizeof(*m));
	if (!m) {
		closedir(d);
		return st_fail(err, ST_ERR_MEM, "out of memory");
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l <= 6 || strcmp(de->d_name + l - 6, ".model") || de->d_name[0] == '.')
			continue;
		if (n >= max)
			break;
		snprintf(path, sizeof(path), "%s/%s", mdir, de->d_name);
		r = st_model_load(path, m, err);
		if (r == ST_OK)
			r = check_file_name(m, de->d_name, err);
		if (r != ST_OK)
			goto out_free;
		st_strlcpy(ids[n++], m->id, ST_NAME_LEN);
	}
	qsort(ids, (size_t)n, ST_NAME_LEN, cmp_ids);
	r = n;
out_free:
	free(m);
	closedir(d);
	return r;
}

int st_model_control(const struct st_model *m, const char *name)
{
	if (!m || !name)
		return -1;
	for (int i = 0; i < m->ncontrols && i < ST_MAX_CONTROLS; i++)
		if (st_streq_ci(m->controls[i].name, name))
			return i;
	return -1;
}

int st_model_controls_parse(const struct st_model *m, const char *spec,
			    unsigned *mask, char *err)
{
	char buf[ST_TEXT_LEN];
	char *s, *save = NULL, *part;
	unsigned out = 0;

	if (!m || !spec || !*spec)
		return st_fail(err, ST_ERR_ARG, "no controls named");
	if (strlen(spec) >= sizeof(buf))
		return st_fail(err, ST_ERR_ARG, "control list too long");
	st_strlcpy(buf, spec, sizeof(buf));
	if (buf[0] == '+' || buf[strlen(buf) - 1] == '+' || strstr(buf, "++"))
		return st_fail(err, ST_ERR_ARG, "empty control name in '%s'", spec);
	s = buf;
	while ((part = strtok_r(s, "+", &save))) {
		int i = st_model_control(m, part);

		s = NULL;
		if (i < 0)
			return st_fail(err, ST_ERR_NOTFOUND, "unknown control '%s'", part);
		if (out & (1u << i))
			return st_fail(err, ST_ERR_ARG, "control '%s' named twice", part);
		out |= 1u << i;
	}
	if (mask)
		*mask = out;
	return ST_OK;
}

void st_model_controls_str(const struct st_model *m, unsigned mask, char *buf, size_t n)
{
	size_t used = 0;

	if (!buf || !n)
		return;
	buf[0] = '\0';
	if (!m)
		return;
	for (int i = 0; i < m->ncontrols && i < ST_MAX_CONTROLS; i++) {
		int w;

		if (!(mask & (1u << i)))
			continue;
		w = snprintf(buf + used, n - used, "%s%s", used ? "+" : "", m->controls[i].name);
		if (w < 0 || (size_t)w >= n - used) {
			buf[n - 1] = '\0';
			return;
		}
		used += (size_t)w;
	}
}

const struct st_procedure *st_model_proc(const struct st_model *m, enum st_reset_kind k)
{
	if (!m || (unsigned)k >= ST_RESET_COUNT || !m->procs[k].present)
		return NULL;
	return &m->procs[k];
}

double st_model_longest_hold(const struct st_model *m)
{
	double longest = 0;

	if (!m)
		return 0;
	for (int k = 0; k < ST_RESET_COUNT; k++)
		if (m->procs[k].present)
			walk_procedure(NULL, m, &m->procs[k], &longest);
	return longest;
}

const char *st_data_dir(void)
{
	const char *env = getenv("STATION_DATA");

	if (env && *env)
		return env;
#ifdef ST_DATA_DIR
	return ST_DATA_DIR;
#else
	return ".";
#endif
}

void st_model_step_str(const struct st_model *m, const struct st_step *s,
		       char *buf, size_t n)
{
	char ctl[128], extra[64] = "";

	if (!buf || !n)
		return;
	buf[0] = '\0';
	if (!s)
		return;
	st_model_controls_str(m, s->controls, ctl, sizeof(ctl));
	if (s->start_within > 0)
		snprintf(extra, sizeof(extra), " start-within %g", s->start_within);
	switch (s->op) {
	case ST_OP_HOLD:
		snprintf(buf, n, "hold %s %g tolerance %g%s", ctl, s->seconds, s->tolerance, extra);
		break;
	case ST_OP_PRESS:
		snprintf(buf, n, "press %s%s", ctl, extra);
		break;
	case ST_OP_RELEASE:
		snprintf(buf, n, "release%s%s", s->controls ? " " : "", ctl);
		break;
	case ST_OP_TAP:
		snprintf(buf, n, "tap %s %d gap %g%s", ctl, s->count, s->gap, extra);
		break;
	case ST_OP_SLIDE:
		snprintf(buf, n, "slide %s %s%s", ctl, s->position ? "on" : "off", extra);
		break;
	case ST_OP_WAIT:
		snprintf(buf, n, "wait %g", s->seconds);
		break;
	case ST_OP_CHARGE:
		snprintf(buf, n, "charge %g", s->seconds);
		break;
	case ST_OP_EXPECT_LED:
		snprintf(buf, n, "expect led %s %s%s%s %s %d within %g", s->led.where,
			 s->led.colors[0], s->led.ncolors > 1 ? "/" : "",
			 s->led.ncolors > 1 ? s->led.colors[1] : "", s->led.pattern,
			 s->led.count, s->within);
		break;
	case ST_OP_EXPECT_CHIME:
		snprintf(buf, n, "expect chime %d within %g", s->count, s->within);
		break;
	case ST_OP_EXPECT_PROMPT:
		snprintf(buf, n, "expect prompt \"%s\" within %g", s->text, s->within);
		break;
	case ST_OP_EXPECT_TONE:
		snprintf(buf, n, "expect tone %d within %g", s->count, s->within);
		break;
	}
}
