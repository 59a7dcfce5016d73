/*
 * limits.c - parser, resolver and judge for limit files (limits.h).
 *
 * A file is read whole, its bytes appended to the hash buffer, then split
 * into lines and words by the data-file tokenizer (core/tok.h).
 * Definitions outside firmware blocks are applied to the resolved set as
 * they come (an include applies the included file's result at that point);
 * definitions inside a firmware block wait until the end of their file and
 * are applied there, in order, if the block's condition matches.  Every
 * problem is reported as "file:line:col: message" and parsing goes on with
 * the next line, so `station limits check` can list them all; the load fails
 * if there was any.  Sizes are capped (limits, masks, points, files, words,
 * errors) so no input can make the parser slow or crash it.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "limits/limits.h"
#include "core/tok.h"
#include "model/model.h"

#define MAX_ERRORS 100       /* problems reported before giving up */
#define MAX_DEPTH 16         /* include nesting */
#define MAX_FILES 64         /* files read for one set */
#define MAX_TOKS 32          /* words on one line */
#define MAX_BLOCKS 64        /* firmware blocks in one file */
#define MAX_NUM 1e12         /* largest magnitude of a number */
#define VER_PARTS 8          /* parts of a dotted version */
#define REL_SLACK 1e-9       /* relative slack when comparing to a bound */

struct st_limits {
	char path[ST_LIMIT_FILE_LEN]; /* top file, as given */
	char hash[65];                /* SHA-256 hex over every file read, in order */
	char firmware[64];            /* firmware the set was resolved for ("" = none) */
	int top_lines;                /* lines in the top file (where to add a limit) */
	struct st_limit *lims;        /* resolved limits, in first-definition order */
	int nlims;                    /* ... how many */
	int caplims;                  /* ... allocated */
	struct st_mask *masks;        /* resolved masks, each owning its points */
	int nmasks;                   /* ... how many */
	int capmasks;                 /* ... allocated */
};

/* One definition: applied at once, or waiting in a firmware block. */
struct def {
	int is_mask;           /* which of lim / mask is meant */
	struct st_limit lim;   /* the limit as written */
	int has_marginal;      /* `marginal` was given (else inherited) */
	int is_eq;             /* written with `eq` */
	struct st_mask mask;   /* the mask as written; owns pts until applied */
	int cap;               /* points allocated in mask.pts */
	int col;               /* column of the name, for messages */
};

/* A `firmware ... end` block of one file. */
struct fwblock {
	int line, col;         /* where the `firmware` keyword is */
	int matched;           /* condition holds for the set's firmware */
	struct def *defs;      /* definitions, in file order */
	int ndefs;             /* ... how many */
	int capdefs;           /* ... allocated */
};

/* A name defined in one file (outside firmware blocks or in one block). */
struct seen {
	char name[ST_LIMIT_NAME_LEN]; /* limit or mask name */
	int is_mask;                  /* namespaces are separate */
	int line;                     /* first definition */
};

/* One file being parsed. */
struct lfile {
	const char *path;             /* as opened: messages and st_limit.file */
	char real[PATH_MAX];          /* canonical path, for include cycles */
	const struct lfile *parent;   /* the includer, NULL for the top file */
	int parent_line;              /* line of the include in the parent */
	struct seen *seen;            /* names defined outside firmware blocks */
	int nseen;                    /* ... how many */
	int capseen;                  /* ... allocated */
	struct fwblock *blocks;       /* firmware blocks, in file order */
	int nblocks;                  /* ... how many */
};

/* The whole load. */
struct lp {
	struct st_limits *set;        /* what is being resolved */
	int have_fw;                  /* a firmware version was given */
	long fw[VER_PARTS];           /* ... parsed */
	char *hbuf;                   /* bytes of every file read, in order */
	size_t hlen;                  /* ... used */
	size_t hcap;                  /* ... allocated */
	st_limits_report_fn report;   /* where problems go */
	void *ctx;                    /* ... its argument */
	int nerrors;                  /* problems reported */
	int first_ret;                /* st_ret of the first problem */
	int nfiles;                   /* files read */
	int depth;                    /* include depth of the file being parsed */
};

static const char *const units[] = { "s", "ms", "us", "dB", "deg", "%", "count", "bool", "V", "Hz" };

/* ---- reporting -------------------------------------------------------- */

static void lp_report(struct lp *p, int ret, const char *msg)
{
	if (p->nerrors == 0)
		p->first_ret = ret;
	p->nerrors++;
	if (p->report)
		p->report(p->ctx, msg);
}

__attribute__((format(printf, 6, 7)))
static void lp_err(struct lp *p, const struct lfile *f, int line, int col, int ret,
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

static int lp_stopped(const struct lp *p)
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
static int parse_version(const char *s, long v[VER_PARTS])
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

static int ver_cmp(const long a[VER_PARTS], const long b[VER_PARTS])
{
	for (int i = 0; i < VER_PARTS; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

int st_version_cmp(const char *a, const char *b, int *cmp)
{
	long va[VER_PARTS], vb[VER_PARTS];

	if (parse_version(a, va) || parse_version(b, vb))
		return ST_ERR_PARSE;
	*cmp = ver_cmp(va, vb);
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

static struct st_limit *find_limit(const struct st_limits *l, const char *name)
{
	for (int i = 0; i < l->nlims; i++)
		if (!strcmp(l->lims[i].name, name))
			return &l->lims[i];
	return NULL;
}

static struct st_mask *find_mask(const struct st_limits *l, const char *name)
{
	for (int i = 0; i < l->nmasks; i++)
		if (!strcmp(l->masks[i].name, name))
			return &l->masks[i];
	return NULL;
}

static void def_free(struct def *d)
{
	free(d->mask.pts);
	d->mask.pts = NULL;
	d->mask.npts = 0;
	d->cap = 0;
}

/* The unit of a definition must agree with the one it overrides. */
static void check_unit(struct lp *p, const struct lfile *f, const struct def *d)
{
	const char *old = NULL, *file = NULL, *unit, *name;
	int line = 0;

	if (d->is_mask) {
		const struct st_mask *m = find_mask(p->set, d->mask.name);

		if (m) {
			old = m->unit;
			file = m->file;
			line = m->line;
		}
		unit = d->mask.unit;
		name = d->mask.name;
	} else {
		const struct st_limit *l = find_limit(p->set, d->lim.name);

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
static void apply_def(struct lp *p, const struct lfile *f, struct def *d)
{
	struct st_limits *s = p->set;

	if (d->is_mask) {
		struct st_mask *m = find_mask(s, d->mask.name);

		if (!m) {
			if (s->nmasks == ST_LIMITS_MAX_MASKS) {
				lp_err(p, f, d->mask.line, d->col, ST_ERR_PARSE,
				       "more than %d masks", ST_LIMITS_MAX_MASKS);
				def_free(d);
				return;
			}
			if (s->nmasks == s->capmasks) {
				int nc = s->capmasks ? 2 * s->capmasks : 16;
				struct st_mask *nm = realloc(s->masks, (size_t)nc * sizeof(*nm));

				if (!nm) {
					lp_err(p, f, d->mask.line, d->col, ST_ERR_MEM, "out of memory");
					def_free(d);
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

	struct st_limit *l = find_limit(s, d->lim.name);

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

static struct seen *seen_find(struct seen *v, int n, const char *name, int is_mask)
{
	for (int i = 0; i < n; i++)
		if (v[i].is_mask == is_mask && !strcmp(v[i].name, name))
			return &v[i];
	return NULL;
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
	struct seen *sv = seen_find(f->seen, f->nseen, name, is_mask);

	if (sv) {
		lp_err(p, f, line, col, ST_ERR_PARSE, "duplicate %s '%s' (first at line %d)",
		       what, name, sv->line);
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
	f->seen[f->nseen].is_mask = is_mask;
	f->seen[f->nseen].line = line;
	f->nseen++;
	return ST_OK;
}

/* A finished definition: into the firmware block, or applied now. */
static void commit_def(struct lp *p, struct lfile *f, struct fwblock *fw, struct def *d)
{
	if (fw) {
		if (fw->ndefs == ST_LIMITS_MAX + ST_LIMITS_MAX_MASKS) {
			lp_err(p, f, d->is_mask ? d->mask.line : d->lim.line, d->col, ST_ERR_PARSE,
			       "too many definitions in one firmware block");
			def_free(d);
			return;
		}
		if (fw->ndefs == fw->capdefs) {
			int nc = fw->capdefs ? 2 * fw->capdefs : 8;
			struct def *nd = realloc(fw->defs, (size_t)nc * sizeof(*nd));

			if (!nd) {
				lp_err(p, f, d->lim.line, d->col, ST_ERR_MEM, "out of memory");
				def_free(d);
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
	check_unit(p, f, d);
	apply_def(p, f, d);
	def_free(d);
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

/* limit NAME (min X | max X | min X max Y | range LO HI | eq X)
 *	[unit U] [marginal M] [source "S"] */
static void parse_limit(struct lp *p, struct lfile *f, struct fwblock *fw, int lineno,
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
	if (d.has_marginal) {
		if (d.lim.marginal < 0) {
			lp_err(p, f, lineno, margcol, ST_ERR_PARSE, "marginal %g is negative",
			       d.lim.marginal);
			return;
		}
		if (seq && d.lim.marginal > 0) {
			lp_err(p, f, lineno, margcol, ST_ERR_PARSE, "marginal makes no sense with eq");
			return;
		}
		if (d.lim.has_low && d.lim.has_high &&
		    2 * d.lim.marginal >= d.lim.high - d.lim.low && d.lim.marginal > 0) {
			lp_err(p, f, lineno, margcol, ST_ERR_PARSE,
			       "marginal %g is not less than half the range %g..%g",
			       d.lim.marginal, d.lim.low, d.lim.high);
			return;
		}
	}
	if (check_dup(p, f, fw, d.lim.name, 0, lineno, d.col))
		return;
	commit_def(p, f, fw, &d);
}

/* mask NAME [unit U] [source "S"]; fills d (points follow). */
static int parse_mask_head(struct lp *p, struct lfile *f, struct fwblock *fw, int lineno,
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
static int parse_point(struct lp *p, const struct lfile *f, int lineno, struct st_word *t, int ntok,
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
static int parse_firmware(struct lp *p, const struct lfile *f, int lineno, struct st_word *t,
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
		if (parse_version(vs, v)) {
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
		int c = ver_cmp(p->fw, v);

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

static int is_keyword(const struct st_word *t)
{
	return !t->quoted && (!strcmp(t->s, "limit") || !strcmp(t->s, "mask") ||
			      !strcmp(t->s, "include") || !strcmp(t->s, "firmware"));
}

static int parse_path(struct lp *p, const char *path, const struct lfile *parent,
		      int parent_line, int parent_col, const char *shown);

static void do_include(struct lp *p, struct lfile *f, int lineno, struct st_word *t, int ntok)
{
	char path[ST_LIMIT_FILE_LEN];
	const char *slash;
	int n;

	if (ntok < 2) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "'include' needs a file name");
		return;
	}
	if (ntok > 2) {
		lp_err(p, f, lineno, t[2].col, ST_ERR_PARSE, "unexpected '%.40s' after include",
		       t[2].s);
		return;
	}
	if (!t[1].s[0]) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE, "'include' needs a file name");
		return;
	}
	slash = strrchr(f->path, '/');
	if (t[1].s[0] == '/' || !slash)
		n = snprintf(path, sizeof(path), "%s", t[1].s);
	else
		n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - f->path), f->path, t[1].s);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE, "include path longer than %d bytes",
		       ST_LIMIT_FILE_LEN - 1);
		return;
	}
	parse_path(p, path, f, lineno, t[1].col, t[1].s);
}

/* Close the open mask: check it and commit it. */
static void finish_mask(struct lp *p, struct lfile *f, struct fwblock *fw, struct def *d,
			int bad)
{
	if (!bad && d->mask.npts < 2) {
		lp_err(p, f, d->mask.line, d->col, ST_ERR_PARSE, "mask '%s' needs at least 2 points",
		       d->mask.name);
		bad = 1;
	}
	if (bad)
		def_free(d);
	else
		commit_def(p, f, fw, d);
}

/* A tokenizer refusal: reported like any other problem, with the includer. */
static void tok_report(struct lp *p, const struct lfile *f, int line, const char *msg)
{
	char out[2 * ST_ERRLEN + 2 * ST_LIMIT_FILE_LEN];

	if (p->nerrors >= MAX_ERRORS) {
		lp_err(p, f, line, 1, ST_ERR_PARSE, "%s", msg);
		return;
	}
	if (f->parent)
		snprintf(out, sizeof(out), "%s (included from %s:%d)", msg, f->parent->path,
			 f->parent_line);
	else
		snprintf(out, sizeof(out), "%s", msg);
	lp_report(p, ST_ERR_PARSE, out);
}

/* Parse one file's text; returns its number of lines. */
static int parse_text(struct lp *p, struct lfile *f, const char *buf, size_t len)
{
	struct st_word *t;
	struct st_tok *tk;
	struct fwblock *fw = NULL;  /* open firmware block */
	struct def md;              /* open mask */
	int in_mask = 0, mask_bad = 0, mask_col = 0;
	int lineno = 0, ntok, r;
	char msg[ST_ERRLEN];

	memset(&md, 0, sizeof(md));
	if (st_tok_open(&tk, f->path, buf, len, NULL, msg) != ST_OK) {
		lp_report(p, ST_ERR_MEM, "out of memory");
		return 1;
	}
	while (!lp_stopped(p) && (r = st_tok_next(tk, &t, &ntok, msg)) != 0) {
		if (r < 0) {
			tok_report(p, f, st_tok_line(tk), msg);
			if (in_mask)
				mask_bad = 1;
			continue;
		}
		lineno = t[0].line;
		const char *kw = t[0].quoted ? "\"" : t[0].s;

		if (in_mask) {
			if (!strcmp(kw, "end")) {
				if (ntok > 1) {
					lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE,
					       "unexpected '%.40s' after end", t[1].s);
					mask_bad = 1;
				}
				in_mask = 0;
				finish_mask(p, f, fw, &md, mask_bad);
				continue;
			}
			if (!is_keyword(&t[0])) {
				if (parse_point(p, f, lineno, t, ntok, &md))
					mask_bad = 1;
				continue;
			}
			lp_err(p, f, md.mask.line, mask_col, ST_ERR_PARSE,
			       "unterminated mask '%s': no 'end' before '%s' at line %d",
			       md.mask.name, kw, lineno);
			in_mask = 0;
			finish_mask(p, f, fw, &md, 1);
		}
		if (!strcmp(kw, "limit")) {
			parse_limit(p, f, fw, lineno, t, ntok);
		} else if (!strcmp(kw, "mask")) {
			in_mask = 1;
			mask_col = t[0].col;
			mask_bad = parse_mask_head(p, f, fw, lineno, t, ntok, &md) != ST_OK;
		} else if (!strcmp(kw, "include")) {
			if (fw)
				lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
				       "include is not allowed inside a firmware block");
			else
				do_include(p, f, lineno, t, ntok);
		} else if (!strcmp(kw, "firmware")) {
			int matched = 0;

			if (fw) {
				lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
				       "firmware blocks do not nest (block open since line %d)",
				       fw->line);
				continue;
			}
			if (f->nblocks == MAX_BLOCKS) {
				lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
				       "more than %d firmware blocks in one file", MAX_BLOCKS);
				continue;
			}
			if (parse_firmware(p, f, lineno, t, ntok, &matched))
				matched = 0;
			/* the block is opened even when its condition is bad, so its
			 * `end` does not give a second, misleading error */
			fw = &f->blocks[f->nblocks++];
			memset(fw, 0, sizeof(*fw));
			fw->line = lineno;
			fw->col = t[0].col;
			fw->matched = matched;
		} else if (!strcmp(kw, "end")) {
			if (ntok > 1)
				lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE,
				       "unexpected '%.40s' after end", t[1].s);
			if (fw)
				fw = NULL;
			else
				lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "'end' without a block");
		} else {
			lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
			       "unknown keyword '%.40s' (limit mask include firmware end)",
			       t[0].s);
		}
	}
	if (in_mask) {
		if (!lp_stopped(p))
			lp_err(p, f, md.mask.line, mask_col, ST_ERR_PARSE,
			       "unterminated mask '%s': no 'end' before end of file", md.mask.name);
		finish_mask(p, f, fw, &md, 1);
	}
	if (fw && !lp_stopped(p)) {
		lp_err(p, f, fw->line, fw->col, ST_ERR_PARSE,
		       "unterminated firmware block: no 'end' before end of file");
		fw->matched = 0;
	}
	/* firmware blocks apply after the rest of their file */
	for (int b = 0; b < f->nblocks; b++) {
		struct fwblock *blk = &f->blocks[b];

		for (int i = 0; i < blk->ndefs; i++) {
			struct def *d = &blk->defs[i];

			if (!lp_stopped(p)) {
				check_unit(p, f, d);
				if (blk->matched)
					apply_def(p, f, d);
			}
			def_free(d);
		}
		free(blk->defs);
		blk->defs = NULL;
		blk->ndefs = 0;
	}
	lineno = st_tok_line(tk);
	st_tok_close(tk);
	return lineno;
}

static int is_regular(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Read and parse one file; `parent` NULL for the top file.  `shown` is the
 * name as the include wrote it. */
static int parse_path(struct lp *p, const char *path, const struct lfile *parent,
		      int parent_line, int parent_col, const char *shown)
{
	struct lfile *f;
	char *buf = NULL, err[ST_ERRLEN];
	size_t len = 0;
	int ret, lines;

	if (parent && p->depth >= MAX_DEPTH) {
		lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
		       "include \"%.60s\": includes nested deeper than %d", shown, MAX_DEPTH);
		return ST_ERR_PARSE;
	}
	if (parent && p->nfiles >= MAX_FILES) {
		lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
		       "include \"%.60s\": more than %d files read", shown, MAX_FILES);
		return ST_ERR_PARSE;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		lp_report(p, ST_ERR_MEM, "out of memory");
		return ST_ERR_MEM;
	}
	f->path = path;
	f->parent = parent;
	f->parent_line = parent_line;
	if (!realpath(path, f->real)) {
		ret = errno == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO;
		if (parent) {
			lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
			       "include \"%.60s\": %s: %s", shown, path, strerror(errno));
			ret = ST_ERR_PARSE;
		} else {
			char msg[ST_ERRLEN];

			snprintf(msg, sizeof(msg), "%.300s: %s", path, strerror(errno));
			lp_report(p, ret, msg);
		}
		goto out_file;
	}
	for (const struct lfile *a = parent; a; a = a->parent) {
		if (strcmp(a->real, f->real))
			continue;
		char chain[ST_ERRLEN] = "";
		size_t cl = 0;

		/* chain from the file included again down to the includer */
		const struct lfile *stack[MAX_DEPTH + 1];
		int ns = 0;

		for (const struct lfile *b = parent; b && ns <= MAX_DEPTH; b = b->parent) {
			stack[ns++] = b;
			if (b == a)
				break;
		}
		for (int k = ns - 1; k >= 0 && cl < sizeof(chain); k--) {
			int w = snprintf(chain + cl, sizeof(chain) - cl, "%.80s -> ", stack[k]->path);

			if (w < 0)
				break;
			cl += (size_t)w;
		}
		lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
		       "include \"%.60s\": include cycle: %s%.80s", shown, chain, path);
		ret = ST_ERR_PARSE;
		goto out_file;
	}
	if (parent && !is_regular(f->real)) {
		/* a FIFO, a terminal or /dev/zero would block or flood the load */
		lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE,
		       "include \"%.60s\": %s is not a regular file", shown, path);
		ret = ST_ERR_PARSE;
		goto out_file;
	}
	ret = st_read_file(path, &buf, &len, err);
	if (ret) {
		if (parent) {
			lp_err(p, parent, parent_line, parent_col, ST_ERR_PARSE, "include \"%.60s\": %s",
			       shown, err);
			ret = ST_ERR_PARSE;
		} else {
			lp_report(p, ret, err);
		}
		goto out_file;
	}
	p->nfiles++;
	if (p->hlen + len + 1 > p->hcap) {
		size_t nc = p->hcap ? p->hcap : 16384;
		char *nb;

		while (nc < p->hlen + len + 1)
			nc *= 2;
		nb = realloc(p->hbuf, nc);
		if (!nb) {
			lp_report(p, ST_ERR_MEM, "out of memory");
			ret = ST_ERR_MEM;
			goto out_buf;
		}
		p->hbuf = nb;
		p->hcap = nc;
	}
	memcpy(p->hbuf + p->hlen, buf, len);
	p->hlen += len;
	f->blocks = calloc(MAX_BLOCKS, sizeof(*f->blocks));
	if (!f->blocks) {
		lp_report(p, ST_ERR_MEM, "out of memory");
		ret = ST_ERR_MEM;
		goto out_buf;
	}
	p->depth++;
	lines = parse_text(p, f, buf, len);
	p->depth--;
	if (!parent)
		p->set->top_lines = lines;
	ret = ST_OK;
	free(f->blocks);
out_buf:
	free(buf);
out_file:
	free(f->seen);
	free(f);
	return ret;
}

/* ---- public ------------------------------------------------------------- */

void st_limits_free(struct st_limits *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nmasks; i++)
		free(l->masks[i].pts);
	free(l->masks);
	free(l->lims);
	free(l);
}

struct first_err {
	char *err;   /* caller's buffer (may be NULL) */
	int n;       /* problems seen */
};

static void keep_first(void *ctx, const char *msg)
{
	struct first_err *fe = ctx;

	if (fe->n++ == 0 && fe->err)
		st_strlcpy(fe->err, msg, ST_ERRLEN);
}

int st_limits_check(const char *path, const char *firmware, struct st_limits **out,
		    st_limits_report_fn report, void *ctx)
{
	struct lp p;
	struct st_limits *set;

	if (out)
		*out = NULL;
	memset(&p, 0, sizeof(p));
	p.report = report;
	p.ctx = ctx;
	if (!path || !*path) {
		lp_report(&p, ST_ERR_ARG, "no limit file given");
		return ST_ERR_ARG;
	}
	if (strlen(path) >= ST_LIMIT_FILE_LEN) {
		lp_report(&p, ST_ERR_ARG, "limit file path too long");
		return ST_ERR_ARG;
	}
	if (firmware && *firmware) {
		if (strlen(firmware) >= sizeof(set->firmware) || parse_version(firmware, p.fw)) {
			char msg[ST_ERRLEN];

			snprintf(msg, sizeof(msg),
				 "firmware '%.60s' is not a dotted version like 2.3.1", firmware);
			lp_report(&p, ST_ERR_ARG, msg);
			return ST_ERR_ARG;
		}
		p.have_fw = 1;
	}
	set = calloc(1, sizeof(*set));
	if (!set) {
		lp_report(&p, ST_ERR_MEM, "out of memory");
		return ST_ERR_MEM;
	}
	st_strlcpy(set->path, path, sizeof(set->path));
	if (p.have_fw)
		st_strlcpy(set->firmware, firmware, sizeof(set->firmware));
	p.set = set;
	parse_path(&p, set->path, NULL, 0, 0, path);
	st_sha256_hex(p.hbuf ? p.hbuf : "", p.hlen, set->hash);
	free(p.hbuf);
	if (p.nerrors) {
		st_limits_free(set);
		return p.first_ret ? p.first_ret : ST_ERR_PARSE;
	}
	if (out)
		*out = set;
	else
		st_limits_free(set);
	return ST_OK;
}

int st_limits_load(const char *path, const char *firmware, struct st_limits **out, char *err)
{
	struct first_err fe = { err, 0 };
	int ret;

	if (!out)
		return st_fail(err, ST_ERR_ARG, "st_limits_load: no output");
	ret = st_limits_check(path, firmware, out, keep_first, &fe);
	if (ret && fe.n > 1 && err) {
		size_t l = strlen(err);

		snprintf(err + l, ST_ERRLEN - l, " (and %d more)", fe.n - 1);
	}
	return ret;
}

const struct st_limit_need st_limits_needed[] = {
	{ "battery.min_pct", 0, "the battery gate" },
	{ "control.presses_to_register", 0, "step controls" },
	{ "unit.phantom_resets", 0, "step health" },
	{ "bt.link_ok", 0, "step health" },
	{ "bt.paired_after_reset", 0, "reset verification" },
	{ "bt.addr_fresh", 0, "reset verification" },
	{ "led.feedback_latency_s", 0, "reset feedback" },
	{ "anc.active_db", 1, "step anc" },
	{ "mic.delay_us", 0, "step mics" },
	{ "mic.gain_db", 0, "step mics" },
	{ "mic.phase_deg", 0, "step mics" },
	{ "mic.polarity", 0, "step mics" },
	{ "anc.rampup_s", 0, "step ramp" },
	{ "assistant.latency_s", 0, "step assistant" },
};
const int st_limits_nneeded = (int)ST_ARRAY_SIZE(st_limits_needed);

int st_limits_require(const struct st_limits *l, st_limits_report_fn report, void *ctx)
{
	int missing = 0;

	for (int i = 0; i < st_limits_nneeded; i++) {
		const struct st_limit_need *nd = &st_limits_needed[i];
		char msg[ST_ERRLEN];

		if (nd->is_mask ? st_limits_mask(l, nd->name) != NULL
				: st_limits_get(l, nd->name) != NULL)
			continue;
		missing++;
		snprintf(msg, sizeof(msg),
			 "%s:%d:1: no %s '%s', which %s judges by (limits/defaults.lim has one: include it)",
			 l->path, l->top_lines > 0 ? l->top_lines : 1, nd->is_mask ? "mask" : "limit",
			 nd->name, nd->why);
		if (report)
			report(ctx, msg);
	}
	return missing ? ST_ERR_PARSE : ST_OK;
}

int st_limits_load_run(const char *path, const char *firmware, struct st_limits **out,
		       char *err)
{
	struct first_err fe = { err, 0 };
	int ret = st_limits_load(path, firmware, out, err);

	if (ret != ST_OK)
		return ret;
	if (st_limits_require(*out, keep_first, &fe) == ST_OK)
		return ST_OK;
	if (fe.n > 1 && err) {
		size_t n = strlen(err);

		snprintf(err + n, ST_ERRLEN - n, " (and %d more)", fe.n - 1);
	}
	st_limits_free(*out);
	*out = NULL;
	return ST_ERR_PARSE;
}

/* Model id -> file name: spaces become '-'; only [A-Za-z0-9._ -], no leading '.'. */
static int model_file_name(const char *model, char *out, size_t n)
{
	size_t len = strlen(model);

	if (!len || model[0] == '.' || len + 5 > n)
		return ST_ERR_ARG;
	for (size_t i = 0; i < len; i++) {
		char c = model[i];

		if (c == ' ')
			c = '-';
		else if (!isalnum((unsigned char)c) && c != '-' && c != '_' && c != '.')
			return ST_ERR_ARG;
		out[i] = c;
	}
	memcpy(out + len, ".lim", 5);
	return ST_OK;
}

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int st_limits_load_model(const char *dir, const char *model, const char *firmware,
			 struct st_limits **out, char *err)
{
	char fname[ST_LIMIT_NAME_LEN + 8], ldir[ST_LIMIT_FILE_LEN], path[ST_LIMIT_FILE_LEN];
	DIR *dh;
	struct dirent *de;
	int found = 0;

	if (out)
		*out = NULL;
	if (!out || !model)
		return st_fail(err, ST_ERR_ARG, "st_limits_load_model: no model");
	if (!dir)
		dir = st_data_dir();
	if (model_file_name(model, fname, sizeof(fname)))
		return st_fail(err, ST_ERR_ARG, "bad model id '%.60s'", model);
	if ((size_t)snprintf(ldir, sizeof(ldir), "%s/limits", dir) >= sizeof(ldir))
		return st_fail(err, ST_ERR_ARG, "%.60s...: path too long", dir);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", ldir, fname) >= sizeof(path))
		return st_fail(err, ST_ERR_ARG, "%.60s...: path too long", ldir);
	found = is_file(path);
	if (!found && (dh = opendir(ldir)) != NULL) {
		while ((de = readdir(dh)) != NULL) {
			if (!st_streq_ci(de->d_name, fname))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", ldir, de->d_name) < sizeof(path))
				found = is_file(path);
			break;
		}
		closedir(dh);
	}
	if (!found) {
		if ((size_t)snprintf(path, sizeof(path), "%s/defaults.lim", ldir) >= sizeof(path) ||
		    !is_file(path))
			return st_fail(err, ST_ERR_NOTFOUND,
				       "no limits for model %.60s: neither %s/%s nor defaults.lim",
				       model, ldir, fname);
	}
	return st_limits_load_run(path, firmware, out, err);
}

const struct st_limit *st_limits_get(const struct st_limits *l, const char *name)
{
	return l && name ? find_limit(l, name) : NULL;
}

const struct st_mask *st_limits_mask(const struct st_limits *l, const char *name)
{
	return l && name ? find_mask(l, name) : NULL;
}

const char *st_limits_path(const struct st_limits *l)
{
	return l ? l->path : "";
}

const char *st_limits_hash(const struct st_limits *l)
{
	return l ? l->hash : "";
}

const char *st_limits_firmware(const struct st_limits *l)
{
	return l ? l->firmware : "";
}

int st_limits_count(const struct st_limits *l)
{
	return l ? l->nlims : 0;
}

const struct st_limit *st_limits_at(const struct st_limits *l, int i)
{
	return l && i >= 0 && i < l->nlims ? &l->lims[i] : NULL;
}

int st_limits_mask_count(const struct st_limits *l)
{
	return l ? l->nmasks : 0;
}

const struct st_mask *st_limits_mask_at(const struct st_limits *l, int i)
{
	return l && i >= 0 && i < l->nmasks ? &l->masks[i] : NULL;
}

/* ---- judging ------------------------------------------------------------ */

static double slack(double bound)
{
	return REL_SLACK * fmax(1.0, fabs(bound));
}

int st_limit_judge(const struct st_limit *lim, double value, int *marginal)
{
	if (marginal)
		*marginal = 0;
	if (!lim || !isfinite(value))
		return ST_ERROR;
	if (lim->has_low && value < lim->low - slack(lim->low))
		return ST_FAIL;
	if (lim->has_high && value > lim->high + slack(lim->high))
		return ST_FAIL;
	if (marginal && lim->marginal > 0 &&
	    ((lim->has_low && value - lim->low < lim->marginal) ||
	     (lim->has_high && lim->high - value < lim->marginal)))
		*marginal = 1;
	return ST_PASS;
}

int st_mask_at(const struct st_mask *m, double hz, double *low, int *has_low,
	       double *high, int *has_high)
{
	const struct st_mask_point *a, *b;
	double t;
	int i;

	*has_low = *has_high = 0;
	*low = *high = 0;
	if (!m || !isfinite(hz) || hz <= 0)
		return ST_ERR_ARG;
	if (m->npts < 1 || !m->pts)
		return ST_OK;
	if (hz < m->pts[0].hz * (1 - 1e-12) || hz > m->pts[m->npts - 1].hz * (1 + 1e-12))
		return ST_OK;
	for (i = 0; i < m->npts; i++) {
		if (fabs(hz - m->pts[i].hz) <= m->pts[i].hz * 1e-12) {
			a = &m->pts[i];
			*has_low = a->has_low;
			*low = a->has_low ? a->low : 0;
			*has_high = a->has_high;
			*high = a->has_high ? a->high : 0;
			return ST_OK;
		}
	}
	for (i = 0; i + 1 < m->npts && m->pts[i + 1].hz < hz; i++)
		;
	if (i + 1 >= m->npts)
		return ST_OK;
	a = &m->pts[i];
	b = &m->pts[i + 1];
	t = log(hz / a->hz) / log(b->hz / a->hz);
	if (a->has_low && b->has_low) {
		*has_low = 1;
		*low = a->low + t * (b->low - a->low);
	}
	if (a->has_high && b->has_high) {
		*has_high = 1;
		*high = a->high + t * (b->high - a->high);
	}
	return ST_OK;
}

int st_mask_judge(const struct st_mask *m, const double *hz, const double *db, int n,
		  int *worst_index)
{
	double worst = INFINITY;
	int judged = 0, fail = 0, wi = -1;

	if (worst_index)
		*worst_index = -1;
	if (!m || !hz || !db || n <= 0)
		return ST_ERROR;
	for (int i = 0; i < n; i++) {
		double lo, hi, margin = INFINITY;
		int hl, hh;

		if (st_mask_at(m, hz[i], &lo, &hl, &hi, &hh) || (!hl && !hh))
			continue;
		if (!isfinite(db[i])) {
			if (worst_index)
				*worst_index = i;
			return ST_ERROR;
		}
		judged++;
		if (hl) {
			margin = fmin(margin, db[i] - lo);
			if (db[i] < lo - slack(lo))
				fail = 1;
		}
		if (hh) {
			margin = fmin(margin, hi - db[i]);
			if (db[i] > hi + slack(hi))
				fail = 1;
		}
		if (margin < worst) {
			worst = margin;
			wi = i;
		}
	}
	if (worst_index)
		*worst_index = wi;
	if (!judged)
		return ST_ERROR;
	return fail ? ST_FAIL : ST_PASS;
}
