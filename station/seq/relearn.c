/*
 * relearn.c - seed 000's relearn window: "After a factory reset on XM5 or
 * WF-1000XM5 models, ANC performance drops noticeably for 2-3 days ...
 * If your ANC still feels weak after 72 hours ...".  The ANC masks assume
 * a unit that has not been factory-reset within the window the limit file
 * states (`anc.relearn_s`, the least time since the last factory reset at
 * which ANC is judged).  The last factory reset is the one of this run, or
 * the unit's last stored one (a PASSed `reset factory` or `ladder factory`
 * step in the store, by serial); within the window the attenuation is
 * measured and stored but not judged against the masks, and the step says
 * so.  A limit file may instead hold relaxed masks for the window
 * (`anc.active_relearn_db`, ...), which are then judged.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "limits/limits.h"
#include "store/store.h"

/* "YYYY-MM-DDTHH:MM:SS(.mmm)Z" -> seconds since the epoch, or -1. */
static double iso_seconds(const char *iso)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + ms / 1000.0;
}

struct last_factory {
	struct st_store *store;
	long long skip_run;   /* this run's own row */
	double started;       /* epoch seconds of the run being looked at */
	double at;            /* the last factory reset found, epoch s (-1 none) */
};

static int step_cb(const struct st_step_row *row, void *ctx)
{
	struct last_factory *lf = ctx;

	if ((!strcmp(row->name, "reset factory") || !strcmp(row->name, "ladder factory")) &&
	    !strcmp(row->verdict, "PASS")) {
		double t = lf->started + row->started_s + row->duration_s;

		if (t > lf->at)
			lf->at = t;
	}
	return 0;
}

static int run_cb(const struct st_run_info *ri, void *ctx)
{
	struct last_factory *lf = ctx;
	char e[ST_ERRLEN];

	if (ri->id == lf->skip_run)
		return 0;
	lf->started = iso_seconds(ri->started);
	if (lf->started < 0)
		return 0;
	st_store_steps(lf->store, ri->id, step_cb, lf, e);
	return lf->at >= 0;   /* newest first: the first run with one has the last */
}

/* Seconds since the unit's last factory reset, or INFINITY when none is
 * known. */
static double since_factory(struct seq *s)
{
	struct last_factory lf = { .store = s->cfg->store, .skip_run = s->run_id, .at = -1 };
	char e[ST_ERRLEN];

	if (s->factory_done_at >= 0)
		return seq_now(s) - s->factory_done_at;
	if (!s->cfg->store || !s->cfg->serial)
		return INFINITY;
	st_store_runs(s->cfg->store, s->cfg->serial, 50, run_cb, &lf, e);
	if (lf.at < 0)
		return INFINITY;
	return fmax(0, (double)time(NULL) - lf.at);
}

/* Whether the ANC masks may judge this unit now: 1 yes; 0 within the
 * relearn window (*relaxed set to 1 when the limits hold relaxed masks to
 * judge by instead). */
int seq_anc_judgeable(struct seq *s, int *relaxed)
{
	const struct st_limit *lim = st_limits_get(s->lim, "anc.relearn_s");
	double since;

	*relaxed = 0;
	if (!lim || !lim->has_low)
		return 1;
	since = since_factory(s);
	if (since >= lim->low)
		return 1;
	*relaxed = st_limits_mask(s->lim, "anc.active_relearn_db") != NULL;
	seq_say(s, ST_EV_INFO,
		"last factory reset %.1f h ago, inside the %.0f h relearn window (%s): %s",
		since / 3600, lim->low / 3600, lim->source,
		*relaxed ? "judged against the relearn masks" : "ANC measured, not judged against its masks");
	if (!*relaxed)
		snprintf(s->step_msg, sizeof(s->step_msg),
			 "ANC not judged: factory reset %.1f h ago, within the %.0f h relearn window (seed 000)",
			 since / 3600, lim->low / 3600);
	return 0;
}
