/*
 * regress.c - the `regress` statement of limit files: the threshold beyond
 * which a nightly run calls a change from a golden unit's baseline a
 * regression (docs/limit-format.md, docs/nightly.md).
 *
 *   regress NAME THRESHOLD UNIT [source "TEXT"]
 *   regress NAME off [source "TEXT"]
 *
 * NAME is a measurement, a mask (every band of it) or a dotted prefix of
 * measurement names; the nightly library looks the longest one up.  Same
 * inheritance as limits: a later definition (an includer's) replaces an
 * earlier one, a name appears once per file, and a `regress` for a name
 * that is also a limit or mask must use that limit's unit.  Not allowed
 * inside firmware blocks (a build is what nightly compares, so a threshold
 * may not depend on it).  Part of station/limits (internal.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "limits/internal.h"

#define SEEN_REGRESS 2   /* struct seen.is_mask value for regress names: once per file */

/* The unit of a limit or mask of the same name must be the threshold's. */
static int regress_unit_ok(struct lp *p, const struct lfile *f, const struct st_regress *r, int col)
{
	const struct st_limit *l = lp_find_limit(p->set, r->name);
	const struct st_mask *m = lp_find_mask(p->set, r->name);
	const char *unit = l ? l->unit : m ? m->unit : "";
	const char *file = l ? l->file : m ? m->file : "";
	int line = l ? l->line : m ? m->line : 0;

	if (r->off || !unit[0] || !strcmp(unit, r->unit))
		return ST_OK;
	lp_err(p, f, r->line, col, ST_ERR_PARSE, "'%s' has unit %s here but %s at %s:%d",
	       r->name, r->unit, unit, file, line);
	return ST_ERR_PARSE;
}

/* Put r into the set, replacing an earlier definition of the name. */
static void regress_apply(struct lp *p, const struct lfile *f, const struct st_regress *r, int col)
{
	struct st_limits *l = p->set;

	for (int i = 0; i < l->nregs; i++) {
		if (!strcmp(l->regs[i].name, r->name)) {
			l->regs[i] = *r;
			return;
		}
	}
	if (l->nregs >= ST_LIMITS_MAX) {
		lp_err(p, f, r->line, col, ST_ERR_PARSE, "more than %d regress thresholds",
		       ST_LIMITS_MAX);
		return;
	}
	if (l->nregs == l->capregs) {
		int nc = l->capregs ? 2 * l->capregs : 16;
		struct st_regress *nr = realloc(l->regs, (size_t)nc * sizeof(*nr));

		if (!nr) {
			lp_err(p, f, r->line, col, ST_ERR_MEM, "out of memory");
			return;
		}
		l->regs = nr;
		l->capregs = nc;
	}
	l->regs[l->nregs++] = *r;
}

/* The words after the name: `X UNIT` or `off`, then `source "S"`. */
static int regress_words(struct lp *p, const struct lfile *f, int lineno, const struct st_word *t,
			 int ntok, struct st_regress *r)
{
	int i = 2;

	if (ntok < 3) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE,
		       "regress '%s' needs a threshold and a unit, or 'off'", r->name);
		return ST_ERR_PARSE;
	}
	if (!t[2].quoted && !strcmp(t[2].s, "off")) {
		r->off = 1;
		r->threshold = NAN;
		i = 3;
	} else {
		if (t[2].quoted || lp_parse_num(t[2].s, &r->threshold)) {
			lp_err(p, f, lineno, t[2].col, ST_ERR_PARSE, "bad number '%.40s'", t[2].s);
			return ST_ERR_PARSE;
		}
		if (!(r->threshold > 0)) {
			lp_err(p, f, lineno, t[2].col, ST_ERR_PARSE,
			       "regress threshold %g is not above 0 (use 'off')", r->threshold);
			return ST_ERR_PARSE;
		}
		if (ntok < 4 || t[3].quoted || !lp_known_unit(t[3].s)) {
			lp_err(p, f, lineno, ntok < 4 ? t[2].col : t[3].col, ST_ERR_PARSE,
			       "regress needs a unit after the threshold (known: s ms us dB deg %% "
			       "count bool V Hz)");
			return ST_ERR_PARSE;
		}
		st_strlcpy(r->unit, t[3].s, sizeof(r->unit));
		i = 4;
	}
	if (i < ntok && !t[i].quoted && !strcmp(t[i].s, "source")) {
		if (i + 1 >= ntok) {
			lp_err(p, f, lineno, t[i].col, ST_ERR_PARSE, "'source' needs a \"text\"");
			return ST_ERR_PARSE;
		}
		if (strlen(t[i + 1].s) >= ST_LIMIT_SOURCE_LEN) {
			lp_err(p, f, lineno, t[i + 1].col, ST_ERR_PARSE,
			       "source longer than %d bytes", ST_LIMIT_SOURCE_LEN - 1);
			return ST_ERR_PARSE;
		}
		st_strlcpy(r->source, t[i + 1].s, sizeof(r->source));
		i += 2;
	}
	if (i < ntok) {
		lp_err(p, f, lineno, t[i].col, ST_ERR_PARSE,
		       "unexpected '%.40s' in regress (THRESHOLD UNIT or off, then source)", t[i].s);
		return ST_ERR_PARSE;
	}
	return ST_OK;
}

void lp_parse_regress(struct lp *p, struct lfile *f, struct fwblock *fw, int lineno,
		      struct st_word *t, int ntok)
{
	struct st_regress r;

	if (fw) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE,
		       "regress is not allowed inside a firmware block");
		return;
	}
	if (ntok < 2) {
		lp_err(p, f, lineno, t[0].col, ST_ERR_PARSE, "'regress' needs a name");
		return;
	}
	if (strlen(t[1].s) >= ST_LIMIT_NAME_LEN) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE, "name longer than %d characters",
		       ST_LIMIT_NAME_LEN - 1);
		return;
	}
	if (t[1].quoted || !lp_good_name(t[1].s)) {
		lp_err(p, f, lineno, t[1].col, ST_ERR_PARSE,
		       "bad name '%.40s' (letters, digits, '_', '.', '-')", t[1].s);
		return;
	}
	memset(&r, 0, sizeof(r));
	st_strlcpy(r.name, t[1].s, sizeof(r.name));
	st_strlcpy(r.file, f->path, sizeof(r.file));
	r.line = lineno;
	if (regress_words(p, f, lineno, t, ntok, &r))
		return;
	if (lp_seen_once(p, f, "regress", r.name, SEEN_REGRESS, lineno, t[1].col))
		return;
	if (regress_unit_ok(p, f, &r, t[1].col))
		return;
	regress_apply(p, f, &r, t[1].col);
}

const struct st_regress *st_limits_regress(const struct st_limits *l, const char *name)
{
	if (!l || !name)
		return NULL;
	for (int i = 0; i < l->nregs; i++)
		if (!strcmp(l->regs[i].name, name))
			return &l->regs[i];
	return NULL;
}

int st_limits_regress_count(const struct st_limits *l)
{
	return l ? l->nregs : 0;
}

const struct st_regress *st_limits_regress_at(const struct st_limits *l, int i)
{
	return l && i >= 0 && i < l->nregs ? &l->regs[i] : NULL;
}
