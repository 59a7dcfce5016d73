/*
 * capnote.c - a capture WAV's comment parsed back (capnote.h): the
 * capture's name, its channels' roles, and for a sweep capture the sweep
 * and the analysis version.
 */
#include "golden/capnote.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"

/* A cursor over the comment, for errors with the column. */
struct cur {
	const char *s0, *p;
	char *err;
};

static int bad(struct cur *c, const char *what)
{
	return st_fail(c->err, ST_ERR_PARSE, "col %d: %s", (int)(c->p - c->s0) + 1, what);
}

/* The literal lit next, or an error naming it. */
static int lit(struct cur *c, const char *lit_)
{
	size_t n = strlen(lit_);
	char msg[64];

	if (!strncmp(c->p, lit_, n)) {
		c->p += n;
		return ST_OK;
	}
	snprintf(msg, sizeof(msg), "expected '%s'", lit_);
	return bad(c, msg);
}

/* A finite number next (no leading blank). */
static int number(struct cur *c, double *v)
{
	char *end;

	if (!(isdigit((unsigned char)*c->p) || *c->p == '-' || *c->p == '+'))
		return bad(c, "expected a number");
	*v = strtod(c->p, &end);
	if (end == c->p || !isfinite(*v))
		return bad(c, "expected a finite number");
	c->p = end;
	return ST_OK;
}

static int role_of(const char *name, size_t n)
{
	for (int r = 0; r < ST_ROLE_COUNT; r++) {
		const char *rn = st_audio_role_name(r);
		if (rn && strlen(rn) == n && !strncmp(rn, name, n))
			return r;
	}
	return -1;
}

static int parse_head(struct cur *c, struct st_capnote *out)
{
	size_t n = 0;

	if (lit(c, "station capture "))
		return ST_ERR_PARSE;
	while ((islower((unsigned char)c->p[n]) || isdigit((unsigned char)c->p[n]) ||
		c->p[n] == '-') && n < sizeof(out->what) - 1)
		n++;
	if (!n)
		return bad(c, "expected the capture's name (a-z 0-9 -)");
	memcpy(out->what, c->p, n);
	out->what[n] = '\0';
	c->p += n;
	if (lit(c, ":"))
		return ST_ERR_PARSE;
	while (*c->p == ' ') {
		int r;

		c->p++;
		n = strcspn(c->p, " ;");
		r = role_of(c->p, n);
		if (r < 0)
			return bad(c, "not a channel role (ear-left, ear-right, mic1 ...)");
		if (st_capnote_channel(out, r) >= 0)
			return bad(c, "channel role named twice");
		if (out->nch == ST_ROLE_COUNT)
			return bad(c, "too many channels");
		out->role[out->nch++] = r;
		c->p += n;
	}
	if (!out->nch)
		return bad(c, "no channel named");
	return ST_OK;
}

static int parse_sweep(struct cur *c, struct st_capnote *out)
{
	struct st_sweep *sw = &out->sw;
	const char *at;
	double v;

	if (lit(c, "; sweep ") || number(c, &sw->f1) || lit(c, "-") || number(c, &sw->f2) ||
	    lit(c, " Hz ") || number(c, &sw->seconds) || lit(c, " s ") ||
	    number(c, &sw->level_db) || lit(c, " dBFS fade ") || number(c, &sw->fade_ms) ||
	    lit(c, " ms; analysis "))
		return ST_ERR_PARSE;
	at = c->p;
	if (!isdigit((unsigned char)*c->p) || number(c, &v))
		return bad(c, "expected the analysis version");
	if (v < 1 || v > 1e6 || v != floor(v)) {
		c->p = at;
		return bad(c, "analysis version not a whole number from 1");
	}
	out->analysis = (int)v;
	if (!(sw->f1 > 0 && sw->f2 > sw->f1 && sw->seconds > 0 && sw->seconds <= 60 &&
	      sw->level_db <= 0 && sw->fade_ms >= 0))
		return st_fail(c->err, ST_ERR_PARSE, "col 1: sweep %g-%g Hz %g s %g dBFS fade %g ms "
			       "is not a sweep the station plays", sw->f1, sw->f2, sw->seconds,
			       sw->level_db, sw->fade_ms);
	out->has_sweep = 1;
	return ST_OK;
}

int st_capnote_parse(const char *comment, struct st_capnote *out, char *err)
{
	struct cur c = { comment, comment, err };
	int ret;

	memset(out, 0, sizeof(*out));
	ret = parse_head(&c, out);
	if (!ret && *c.p)
		ret = parse_sweep(&c, out);
	if (!ret && *c.p)
		ret = bad(&c, "unexpected text after the comment");
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

int st_capnote_channel(const struct st_capnote *n, int role)
{
	for (int i = 0; i < n->nch; i++)
		if (n->role[i] == role)
			return i;
	return -1;
}
