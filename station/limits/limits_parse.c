/*
 * limits_parse.c - the lines of one limit file (docs/limit-format.md):
 * `limit`, `mask` and its points, `firmware` conditions, and how a
 * definition joins the resolved set (overrides, units, guard bands).
 * Every problem is reported as "file:line:col: message" and the caller
 * goes on with the next line.  Part of station/limits (internal.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits/internal.h"

static const char *const units[] = { "s", "ms", "us", "dB", "deg", "%", "count", "bool", "V", "Hz" };

/* ---- reporting -------------------------------------------------------- */

void lp_report(struct lp *p, int ret, const char *msg)
{
	if (p->nerrors == 0)
		p->first_ret = ret;
	p->nerrors++;
	if (p->report)
		p->report(p->ctx, msg);
}

void lp_err(struct lp *p, const struct lfile *f, int line, int col, int ret,
		   const char *fmt, ...)
{
	char msg[ST_ERRLEN], out[2 * ST_ERRLEN + 2 * ST_LIMIT_FILE_LEN];
	va_list ap;
	int n;

	if (p->nerrors > MAX_ERRORS)
		return;
	if (p->nerrors == MAX_ERRORS) {
		snprintf(out, sizeof(out), "%s:%d:%d: too many errors (%d), stopping",
			 f->path, line, col, MAX_ERRORS);
		lp_report(p, ret, out);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(out, sizeof(out), "%s:%d:%d: %s", f->path, line, col, msg);
	if (f->parent && n > 0 && (size_t)n < sizeof(out))
		snprintf(out + n, sizeof(out) - (size_t)n, " (included from %s:%d)",
			 f->parent->path, f->parent_line);
	lp_report(p, ret, out);
}

int lp_stopped(const struct lp *p)
{
	return p->nerrors > MAX_ERRORS || (p->nerrors && p->first_ret == ST_ERR_MEM);
}

/* ---- words, numbers, versions ----------------------------------------- */

/* Plain decimal number (no hex, inf or nan), |x| <= MAX_NUM. */
static int parse_num(const char *s, double *out)
{
	const char *q = s;
	int digits = 0;
	double v;

	if (*q == '+' || *q == '-')
		q++;
	while (isdigit((unsigned char)*q)) {
		q++;
		digits++;
	}
	if (*q == '.') {
		q++;
		while (isdigit((unsigned char)*q)) {
			q++;
			digits++;
		}
	}
	if (!digits)
		return ST_ERR_PARSE;
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!isdigit((unsigned char)*q))
			return ST_ERR_PARSE;
		while (isdigit((unsigned char)*q))
			q++;
	}
	if (*q)
		return ST_ERR_PARSE;
	v = strtod(s, NULL);
	if (!isfinite(v) || fabs(v) > MAX_NUM)
		return ST_ERR_PARSE;
	*out = v;
	return ST_OK;
}

/* "2.3.1" or "v2.3.1": up to VER_PARTS parts of 1-9 digits. */
int lp_parse_version(const char *s, long v[VER_PARTS])
{
	int n = 0;

	if (!s)
		return ST_ERR_PARSE;
	if (*s == 'v' || *s == 'V')
		s++;
	memset(v, 0, sizeof(long) * VER_PARTS);
	for (;;) {
		int d = 0;
		long x = 0;

		while (isdigit((unsigned char)*s)) {
			if (++d > 9)
				return ST_ERR_PARSE;
			x = x * 10 + (*s++ - '0');
		}
		if (!d || n == VER_PARTS)
			return ST_ERR_PARSE;
		v[n++] = x;
		if (!*s)
			return ST_OK;
		if (*s++ != '.')
			return ST_ERR_PARSE;
	}
}

int lp_ver_cmp(const long a[VER_PARTS], const long b[VER_PARTS])
{
	for (int i = 0; i < VER_PARTS; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

int st_version_cmp(const char *a, const char *b, int *cmp)
{
	long va[VER_PARTS], vb[VER_PARTS];

	if (lp_parse_version(a, va) || lp_parse_version(b, vb))
		return ST_ERR_PARSE;
	*cmp = lp_ver_cmp(va, vb);
	return ST_OK;
}

static int known_unit(const char *u)
{
	for (size_t i = 0; i < ST_ARRAY_SIZE(units); i++)
		if (!strcmp(u, units[i]))
			return 1;
	return 0;
}

static int good_name(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
			return 0;
	return 1;
}

/* ---- the resolved set -------------------------------------------------- */

struct st_limit *lp_find_limit(const struct st_limits *l, const char *name)
{
	for (int i = 0; i < l->nlims; i++)
		if (!strcmp(l->lims[i].name, name))
			return &l->lims[i];
	return NULL;
}

struct st_mask *lp_find_mask(const struct st_limits *l, const char *name)
{
	for (int i = 0; i < l->nmasks; i++)
		if (!strcmp(l->masks[i].name, name))
			return &l->masks[i];
	return NULL;
}

void lp_def_free(struct def *d)
{
	free(d->mask.pts);
	d->mask.pts = NULL;
	d->mask.npts = 0;
	d->cap = 0;
}

/* The unit of a definition must agree with the one it overrides. */
void lp_check_unit(struct lp *p, const struct lfile *f, const struct def *d)
{
	const char *old = NULL, *file = NULL, *unit, *name;
	int line = 0;

	if (d->is_mask) {
		const struct st_mask *m = lp_find_mask(p->set, d->mask.name);

		if (m) {
			old = m->unit;
			file = m->file;
			line = m->line;
		}
		unit = d->mask.unit;
		name = d->mask.name;
	} else {
		const struct st_limit *l = lp_find_limit(p->set, d->lim.name);

		if (l) {
			old = l->unit;
			file = l->file;
			line = l->line;
		}
		unit = d->lim.unit;
		name = d->lim.name;
	}
	if (old && old[0] && unit[0] && strcmp(old, unit))
		lp_err(p, f, d->is_mask ? d->mask.line : d->lim.line, d->col, ST_ERR_PARSE,
		       "'%s' has unit %s here but %s at %s:%d", name, unit, old, file, line);
}

/* Apply a definition to the set (taking a mask's points). */
void lp_apply_def(struct lp *p, const struct lfile *f, struct def *d)
{
	struct st_limits *s = p->set;

	if (d->is_mask) {
		struct st_mask *m = lp_find_mask(s, d->mask.name);

		if (!m) {
			if (s->nmasks == ST_LIMITS_MAX_MASKS) {
				lp_err(p, f, d->mask.line, d->col, ST_ERR_PARSE,
				       "more than %d masks", ST_LIMITS_MAX_MASKS);
				lp_def_free(d);
				return;
			}
			if (s->nmasks == s->capmasks) {
				int nc = s->capmasks ? 2 * s->capmasks : 16;
				struct st_mask *nm = realloc(s->masks, (size_t)nc * sizeof(*nm));

				if (!nm) {
					lp_err(p, f, d->mask.line, d->col, ST_ERR_MEM, "out of memory");
					lp_def_free(d);
					return;
				}
				s->masks = nm;
				s->capmasks = nc;
			}
			m = &s->masks[s->nmasks++];
			memset(m, 0, sizeof(*m));
		} else if (!d->mask.unit[0]) {
			st_strlcpy(d->mask.unit, m->unit, sizeof(d->mask.unit));
		}
		free(m->pts);
		*m = d->mask;
		d->mask.pts = NULL;
		d->mask.npts = 0;
		d->cap = 0;
		return;
	}

	struct st_limit *l = lp_find_limit(s, d->lim.name);

	if (!l) {
		if (s->nlims == ST_LIMITS_MAX) {
			lp_err(p, f, d->lim.line, d->col, ST_ERR_PARSE, "more than %d limits",
			       ST_LIMITS_MAX);
			return;
		}
		if (s->nlims == s->caplims) {
			int nc = s->caplims ? 2 * s->caplims : 32;
			struct st_limit *nl = realloc(s->lims, (size_t)nc * sizeof(*nl));

			if (!nl) {
				lp_err(p, f, d->lim.line, d->col, ST_ERR_MEM, "out of memory");
				return;
			}
			s->lims = nl;
			s->caplims = nc;
		}
		l = &s->lims[s->nlims++];
		memset(l, 0, sizeof(*l));
	} else {
		if (!d->lim.unit[0])
			st_strlcpy(d->lim.unit, l->unit, sizeof(d->lim.unit));
		if (!d->has_marginal && !d->is_eq && l->marginal > 0) {
			double m = l->marginal;

			if (d->lim.has_low && d->lim.has_high && 2 * m >= d->lim.high - d->lim.low)
				lp_err(p, f, d->lim.line, d->col, ST_ERR_PARSE,
				       "marginal %g inherited from %s:%d is not less than half the range",
				       m, l->file, l->line);
			d->lim.marginal = m;
		}
	}
	*l = d->lim;
}

/* ---- one file ----------------------------------------------------------- */

int lp_seen_once(struct lp *p, struct lfile *f, const char *what, const char *name, int kind,
		 int line, int col)
{
	for (int i = 0; i < f->nseen; i++)
		if (f->seen[i].is_mask == kind && !strcmp(f->seen[i].name, name)) {
			lp_err(p, f, line, col, ST_ERR_PARSE, "duplicate %s '%s' (first at line %d)",
			       what, name, f->seen[i].line);
			return ST_ERR_PARSE;
		}
	if (f->nseen == f->capseen) {
		int nc = f->capseen ? 2 * f->capseen : 32;
		struct seen *ns = realloc(f->seen, (size_t)nc * sizeof(*ns));

		if (!ns) {
			lp_err(p, f, line, col, ST_ERR_MEM, "out of memory");
			return ST_ERR_MEM;
		}
		f->seen = ns;
		f->capseen = nc;
	}
	st_strlcpy(f->seen[f->nseen].name, name, ST_LIMIT_NAME_LEN);
	f->seen[f->nseen].is_mask = kind;
	f->seen[f->nseen].line = line;
	f->nseen++;
	return ST_OK;
}

/* Duplicate check within the file (or within the open firmware block). */
static int check_dup(struct lp *p, struct lfile *f, struct fwblock *fw, const char *name,
		     int is_mask, int line, int col)
{
	const char *what = is_mask ? "mask" : "limit";

	if (fw) {
		for (int i = 0; i < fw->ndefs; i++) {
			const struct def *o = &fw->defs[i];
			const char *on = o->is_mask ? o->mask.name : o->lim.name;

			if (o->is_mask == is_mask && !strcmp(on, name)) {
				lp_err(p, f, line, col, ST_ERR_PARSE,
				       "duplicate %s '%s' in this firmware block (first at line %d)",
				       what, name, o->is_mask ? o->mask.line : o->lim.line);
				return ST_ERR_PARSE;
			}
		}
		return ST_OK;
	}
	return lp_seen_once(p, f, what, name, is_mask, line, col);
}

/* A finished definition: into the firmware block, or applied now. */
void lp_commit_def(struct lp *p, struct lfile *f, struct fwblock *fw, struct def *d)
{
	if (fw) {
		if (fw->ndefs == ST_LIMITS_MAX + ST_LIMITS_MAX_MASKS) {
			lp_err(p, f, d->is_mask ? d->mask.line : d->lim.line, d->col, ST_ERR_PARSE,
			       "too many definitions in one firmware block");
			lp_def_free(d);
			return;
		}
		if (fw->ndefs == fw->capdefs) {
			int nc = fw->capdefs ? 2 * fw->capdefs : 8;
			struct def *nd = realloc(fw->defs, (size_t)nc * sizeof(*nd));

			if (!nd) {
				lp_err(p, f, d->lim.line, d->col, ST_ERR_MEM, "out of memory");
				lp_def_free(d);
				return;
			}
			fw->defs = nd;
			fw->capdefs = nc;
		}
		fw->defs[fw->ndefs++] = *d;
		d->mask.pts = NULL;   /* the block owns them now */
		d->mask.npts = 0;
		d->cap = 0;
		return;
	}
	lp_check_unit(p, f, d);
	lp_apply_def(p, f, d);
	lp_def_free(d);
}

/* Take the name word of `limit NAME` / `mask NAME`. */
static int take_name(struct lp *p, const struct lfile *f, int lineno, const struct st_word *t,
		     int ntok, const char *what, char name[ST_LIMIT_NAME_LEN], int *col)
{
	if (ntok < 2) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "'%s' needs a name", what);
		return ST_ERR_PARSE;
	}
	*col = t[1].col;
	if (strlen(t[1].s) >= ST_LIMIT_NAME_LEN) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE, "name longer than %d characters",
		       ST_LIMIT_NAME_LEN - 1);
		return ST_ERR_PARSE;
	}
	if (t[1].quoted || !good_name(t[1].s)) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE,
		       "bad name '%.40s' (letters, digits, '_', '.', '-')", t[1].s);
		return ST_ERR_PARSE;
	}
	st_strlcpy(name, t[1].s, ST_LIMIT_NAME_LEN);
	return ST_OK;
}

/* Options shared by `limit` and `mask`: unit U, source "S". */
static int take_unit(struct lp *p, const struct lfile *f, int lineno, const struct st_word *t,
		     int ntok, int *i, char unit[ST_LIMIT_UNIT_LEN], int *seen_unit)
{
	if (*seen_unit) {
		lp_err(p, f, lineno, t[*i].col, ST_ERR_PARSE, "'unit' given twice");
		return ST_ERR_PARSE;
	}
	*seen_unit = 1;
	if (*i + 1 >= ntok) {
		lp_err(p, f, lineno, t[*i].col, ST_ERR_PARSE, "'unit' needs a unit");
		return ST_ERR_PARSE;
	}
	(*i)++;
	if (!known_unit(t[*i].s)) {
		lp_err(p, f, lineno, t[*i].col, ST_ERR_PARSE,
		       "unknown unit '%.40s' (known: s ms us dB deg %% count bool V Hz)", t[*i].s);
		return ST_ERR_PARSE;
	}
	st_strlcpy(unit, t[*i].s, ST_LIMIT_UNIT_LEN);
	return ST_OK;
}

static int take_source(struct lp *p, const struct lfile *f, int lineno, const struct st_word *t,
		       int ntok, int *i, char source[ST_LIMIT_SOURCE_LEN], int *seen_source)
{
	if (*seen_source) {
		lp_err(p, f, lineno, t[*i].col, ST_ERR_PARSE, "'source' given twice");
		return ST_ERR_PARSE;
	}
	*seen_source = 1;
	if (*i + 1 >= ntok) {
		lp_err(p, f, lineno, t[*i].col, ST_ERR_PARSE, "'source' needs a \"text\"");
		return ST_ERR_PARSE;
	}
	(*i)++;
	if (strlen(t[*i].s) >= ST_LIMIT_SOURCE_LEN) {
		lp_err(p, f, lineno, t[*i].col, ST_ERR_PARSE, "source longer than %d bytes",
		       ST_LIMIT_SOURCE_LEN - 1);
		return ST_ERR_PARSE;
	}
	st_strlcpy(source, t[*i].s, ST_LIMIT_SOURCE_LEN);
	return ST_OK;
}

/* The number after t[*i]; `kwcol` is the keyword's column, for "needs a number". */
static int take_num(struct lp *p, const struct lfile *f, int lineno, const struct st_word *t,
		    int ntok, int *i, const char *what, int kwcol, double *v, int *vcol)
{
	if (*i + 1 >= ntok) {
		lp_err(p, f, lineno, kwcol, ST_ERR_PARSE, "'%s' needs a number", what);
		return ST_ERR_PARSE;
	}
	(*i)++;
	if (t[*i].quoted || parse_num(t[*i].s, v)) {
		lp_err(p, f, lineno, t[*i].col, ST_ERR_PARSE, "bad number '%.40s'", t[*i].s);
		return ST_ERR_PARSE;
	}
	if (vcol)
		*vcol = t[*i].col;
	return ST_OK;
}

/* The guard band of a limit: not negative, not with eq, under half the
 * range.  1 (reported) if it is bad. */
static int bad_marginal(struct lp *p, const struct lfile *f, int lineno, const struct def *d,
			int seq, int margcol)
{
	if (d->lim.marginal < 0) {
		lp_err(p, f, lineno, margcol, ST_ERR_PARSE, "marginal %g is negative",
		       d->lim.marginal);
		return 1;
	}
	if (seq && d->lim.marginal > 0) {
		lp_err(p, f, lineno, margcol, ST_ERR_PARSE, "marginal makes no sense with eq");
		return 1;
	}
	if (d->lim.has_low && d->lim.has_high &&
	    2 * d->lim.marginal >= d->lim.high - d->lim.low && d->lim.marginal > 0) {
		lp_err(p, f, lineno, margcol, ST_ERR_PARSE,
		       "marginal %g is not less than half the range %g..%g",
		       d->lim.marginal, d->lim.low, d->lim.high);
		return 1;
	}
	return 0;
}

/* limit NAME (min X | max X | min X max Y | range LO HI | eq X)
 *	[unit U] [marginal M] [source "S"] */
void lp_parse_limit(struct lp *p, struct lfile *f, struct fwblock *fw, int lineno,
			struct st_word *t, int ntok)
{
	struct def d;
	int smin = 0, smax = 0, srange = 0, seq = 0, sunit = 0, smarg = 0, ssrc = 0;
	int hicol = 0, margcol = 0;

	memset(&d, 0, sizeof(d));
	if (take_name(p, f, lineno, t, ntok, "limit", d.lim.name, &d.col))
		return;
	d.lim.line = lineno;
	st_strlcpy(d.lim.file, f->path, sizeof(d.lim.file));
	for (int i = 2; i < ntok; i++) {
		const char *w = t[i].quoted ? "" : t[i].s;
		int *flag = NULL, kwcol = t[i].col;

		if (!strcmp(w, "min"))
			flag = &smin;
		else if (!strcmp(w, "max"))
			flag = &smax;
		else if (!strcmp(w, "range"))
			flag = &srange;
		else if (!strcmp(w, "eq"))
			flag = &seq;
		else if (!strcmp(w, "marginal"))
			flag = &smarg;
		if (flag && *flag) {
			lp_err(p, f, lineno, t[i].col, ST_ERR_PARSE, "'%s' given twice", w);
			return;
		}
		if (flag)
			*flag = 1;
		if (!strcmp(w, "min")) {
			if (take_num(p, f, lineno, t, ntok, &i, "min", kwcol, &d.lim.low, NULL))
				return;
			d.lim.has_low = 1;
		} else if (!strcmp(w, "max")) {
			if (take_num(p, f, lineno, t, ntok, &i, "max", kwcol, &d.lim.high, &hicol))
				return;
			d.lim.has_high = 1;
		} else if (!strcmp(w, "range")) {
			if (take_num(p, f, lineno, t, ntok, &i, "range", kwcol, &d.lim.low, NULL))
				return;
			if (take_num(p, f, lineno, t, ntok, &i, "range", kwcol, &d.lim.high, &hicol))
				return;
			d.lim.has_low = d.lim.has_high = 1;
		} else if (!strcmp(w, "eq")) {
			if (take_num(p, f, lineno, t, ntok, &i, "eq", kwcol, &d.lim.low, NULL))
				return;
			d.lim.high = d.lim.low;
			d.lim.has_low = d.lim.has_high = 1;
			d.is_eq = 1;
		} else if (!strcmp(w, "marginal")) {
			if (take_num(p, f, lineno, t, ntok, &i, "marginal", kwcol, &d.lim.marginal, &margcol))
				return;
			d.has_marginal = 1;
		} else if (!strcmp(w, "unit")) {
			if (take_unit(p, f, lineno, t, ntok, &i, d.lim.unit, &sunit))
				return;
		} else if (!strcmp(w, "source")) {
			if (take_source(p, f, lineno, t, ntok, &i, d.lim.source, &ssrc))
				return;
		} else {
			lp_err(p, f, lineno, t[i].col, ST_ERR_PARSE,
			       "unknown keyword '%.40s' in limit (min max range eq unit marginal source)",
			       t[i].s);
			return;
		}
	}
	if (!smin && !smax && !srange && !seq) {
		lp_err(p, f, lineno, d.col, ST_ERR_PARSE, "limit '%s' needs min, max, range or eq",
		       d.lim.name);
		return;
	}
	if ((srange || seq) && smin + smax + srange + seq > 1) {
		lp_err(p, f, lineno, d.col, ST_ERR_PARSE,
		       "limit '%s': give range or eq alone, or min and/or max", d.lim.name);
		return;
	}
	if (d.lim.has_low && d.lim.has_high && d.lim.low > d.lim.high) {
		lp_err(p, f, lineno, hicol, ST_ERR_PARSE, "low %g > high %g", d.lim.low, d.lim.high);
		return;
	}
	if (d.has_marginal && bad_marginal(p, f, lineno, &d, seq, margcol))
		return;
	if (check_dup(p, f, fw, d.lim.name, 0, lineno, d.col))
		return;
	lp_commit_def(p, f, fw, &d);
}

/* mask NAME [unit U] [source "S"]; fills d (points follow). */
int lp_parse_mask_head(struct lp *p, struct lfile *f, struct fwblock *fw, int lineno,
			   struct st_word *t, int ntok, struct def *d)
{
	int sunit = 0, ssrc = 0;

	memset(d, 0, sizeof(*d));
	d->is_mask = 1;
	d->mask.line = lineno;
	st_strlcpy(d->mask.file, f->path, sizeof(d->mask.file));
	if (take_name(p, f, lineno, t, ntok, "mask", d->mask.name, &d->col))
		return ST_ERR_PARSE;
	for (int i = 2; i < ntok; i++) {
		const char *w = t[i].quoted ? "" : t[i].s;

		if (!strcmp(w, "unit")) {
			if (take_unit(p, f, lineno, t, ntok, &i, d->mask.unit, &sunit))
				return ST_ERR_PARSE;
		} else if (!strcmp(w, "source")) {
			if (take_source(p, f, lineno, t, ntok, &i, d->mask.source, &ssrc))
				return ST_ERR_PARSE;
		} else {
			lp_err(p, f, lineno, t[i].col, ST_ERR_PARSE,
			       "unknown keyword '%.40s' in mask (unit source)", t[i].s);
			return ST_ERR_PARSE;
		}
	}
	return check_dup(p, f, fw, d->mask.name, 1, lineno, d->col);
}

/* HZ LOW HIGH inside a mask. */
int lp_parse_point(struct lp *p, const struct lfile *f, int lineno, struct st_word *t, int ntok,
		       struct def *d)
{
	struct st_mask_point pt;
	struct st_mask *m = &d->mask;

	memset(&pt, 0, sizeof(pt));
	if (ntok > 3) {
		lp_err(p, f, lineno, t[3].col, ST_ERR_PARSE,
		       "unexpected '%.40s': a mask point is HZ LOW HIGH", t[3].s);
		return ST_ERR_PARSE;
	}
	if (ntok < 3) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
		       "a mask point is HZ LOW HIGH ('-' for none), or 'end'");
		return ST_ERR_PARSE;
	}
	if (t[0].quoted || parse_num(t[0].s, &pt.hz)) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "bad number '%.40s'", t[0].s);
		return ST_ERR_PARSE;
	}
	if (pt.hz <= 0) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "frequency %g is not above 0", pt.hz);
		return ST_ERR_PARSE;
	}
	for (int k = 1; k <= 2; k++) {
		double *v = k == 1 ? &pt.low : &pt.high;
		int *has = k == 1 ? &pt.has_low : &pt.has_high;

		if (!t[k].quoted && !strcmp(t[k].s, "-"))
			continue;
		if (t[k].quoted || parse_num(t[k].s, v)) {
			lp_err(p, f, lineno, t[k].col, ST_ERR_PARSE, "bad number '%.40s'", t[k].s);
			return ST_ERR_PARSE;
		}
		*has = 1;
	}
	if (pt.has_low && pt.has_high && pt.low > pt.high) {
		lp_err(p, f, lineno, t[2].col, ST_ERR_PARSE, "low %g > high %g", pt.low, pt.high);
		return ST_ERR_PARSE;
	}
	if (m->npts && pt.hz <= m->pts[m->npts - 1].hz) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
		       "frequency %g Hz is not above the previous point's %g Hz", pt.hz,
		       m->pts[m->npts - 1].hz);
		return ST_ERR_PARSE;
	}
	if (m->npts == ST_MASK_MAX_POINTS) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "more than %d points in one mask",
		       ST_MASK_MAX_POINTS);
		return ST_ERR_PARSE;
	}
	if (m->npts == d->cap) {
		int nc = d->cap ? 2 * d->cap : 16;
		struct st_mask_point *np = realloc(m->pts, (size_t)nc * sizeof(*np));

		if (!np) {
			lp_err(p, f, lineno, t[0].col, ST_ERR_MEM, "out of memory");
			return ST_ERR_MEM;
		}
		m->pts = np;
		d->cap = nc;
	}
	m->pts[m->npts++] = pt;
	return ST_OK;
}

/* firmware COND...: VERSION [VERSION...] (any of), or OP VERSION [OP VERSION...]
 * (all of), OP one of = != < <= > >= (written apart or joined: ">=2.3.1"). */
int lp_parse_firmware(struct lp *p, const struct lfile *f, int lineno, struct st_word *t,
			  int ntok, int *matched)
{
	static const char *const ops[] = { "<=", ">=", "!=", "==", "<", ">", "=" };
	int nexact = 0, ncmp = 0, any = 0, all = 1;

	if (ntok < 2) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
		       "unknown firmware syntax: 'firmware' needs VERSION... or OP VERSION...");
		return ST_ERR_PARSE;
	}
	for (int i = 1; i < ntok; i++) {
		const char *s = t[i].s, *op = NULL, *vs;
		long v[VER_PARTS];
		int vcol = t[i].col, ccol = t[i].col;

		for (size_t k = 0; k < ST_ARRAY_SIZE(ops) && !t[i].quoted; k++)
			if (!strncmp(s, ops[k], strlen(ops[k]))) {
				op = ops[k];
				break;
			}
		vs = op ? s + strlen(op) : s;
		if (op && !*vs) {
			if (i + 1 >= ntok) {
				lp_err(p, f, lineno, t[i].col, ST_ERR_PARSE,
				       "unknown firmware syntax: '%s' needs a version", op);
				return ST_ERR_PARSE;
			}
			i++;
			vs = t[i].s;
			vcol = t[i].col;
		}
		if (lp_parse_version(vs, v)) {
			lp_err(p, f, lineno, vcol, ST_ERR_PARSE,
			       "unknown firmware syntax '%.40s' (VERSION like 2.3.1, or OP VERSION with OP = != < <= > >=)",
			       vs);
			return ST_ERR_PARSE;
		}
		if (op)
			ncmp++;
		else
			nexact++;
		if (nexact && ncmp) {
			lp_err(p, f, lineno, ccol, ST_ERR_PARSE,
			       "unknown firmware syntax: give a list of versions or comparisons, not both");
			return ST_ERR_PARSE;
		}
		if (!p->have_fw) {
			all = 0;
			continue;
		}
		int c = lp_ver_cmp(p->fw, v);

		if (!op) {
			any |= c == 0;
			continue;
		}
		if ((!strcmp(op, "<=") && !(c <= 0)) || (!strcmp(op, ">=") && !(c >= 0)) ||
		    (!strcmp(op, "!=") && !(c != 0)) || (op[0] == '=' && !(c == 0)) ||
		    (!strcmp(op, "<") && !(c < 0)) || (!strcmp(op, ">") && !(c > 0)))
			all = 0;
	}
	*matched = p->have_fw && (nexact ? any : all);
	return ST_OK;
}


/* The word checks above, for regress.c. */
int lp_parse_num(const char *s, double *out)
{
	return parse_num(s, out);
}

int lp_known_unit(const char *u)
{
	return known_unit(u);
}

int lp_good_name(const char *s)
{
	return good_name(s);
}
