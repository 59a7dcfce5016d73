/*
 * limits.c - limit sets (limits.h): loading for a run (every limit the
 * gates and steps judge by present), loading by model, the queries on a
 * resolved set, and judging values and curves against limits and masks.
 * Parsing is limits_parse.c and limits_read.c.
 *
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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "limits/internal.h"
#include "model/model.h"

/* ---- public ------------------------------------------------------------- */

void st_limits_free(struct st_limits *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nmasks; i++)
		free(l->masks[i].pts);
	free(l->masks);
	free(l->lims);
	free(l->regs);
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
	if (!strcmp(dir, st_data_dir())) {   /* a site's own limit file wins */
		char rel[ST_LIMIT_NAME_LEN + 16];

		snprintf(rel, sizeof(rel), "limits/%s", fname);
		if (st_data_file(dir, rel, path, sizeof(path)) == 1)
			return st_limits_load_run(path, firmware, out, err);
		snprintf(path, sizeof(path), "%s/%s", ldir, fname);
	}
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
	return l && name ? lp_find_limit(l, name) : NULL;
}

const struct st_mask *st_limits_mask(const struct st_limits *l, const char *name)
{
	return l && name ? lp_find_mask(l, name) : NULL;
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

