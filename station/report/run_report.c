/*
 * run_report.c - the report of one run (report.h): the unit, the bench,
 * the plan and limits with their hash, every step with its measurements
 * against limits, ANC attenuation per 1/3 octave and the microphone array
 * as inline SVG with their masks and limits, the events timeline, the
 * verdict, the disposition and the advice.  Read from the store, rendered
 * through reports/run.html and reports/report.css.
 */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "report/svg.h"
#include "store/store.h"

static int vec_push(void *vp, int *n, int *cap, size_t size, const void *item)
{
	void **p = vp;

	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 32;
		void *np = realloc(*p, (size_t)ncap * size);

		if (!np)
			return 1;
		*p = np;
		*cap = ncap;
	}
	memcpy((char *)*p + (size_t)*n * size, item, size);
	(*n)++;
	return 0;
}

static int step_cb(const struct st_step_row *r, void *ctx)
{
	struct rr_run *d = ctx;

	return d->oom = vec_push(&d->steps, &d->nsteps, &d->capsteps, sizeof(*r), r);
}

static int meas_cb(const struct st_meas_row *r, void *ctx)
{
	struct rr_run *d = ctx;

	return d->oom = vec_push(&d->meas, &d->nmeas, &d->capmeas, sizeof(*r), r);
}

static int event_cb(const struct st_event_row *r, void *ctx)
{
	struct rr_run *d = ctx;

	return d->oom = vec_push(&d->events, &d->nevents, &d->capevents, sizeof(*r), r);
}

static int artifact_cb(const struct st_artifact_row *r, void *ctx)
{
	struct rr_run *d = ctx;

	return d->oom = vec_push(&d->arts, &d->narts, &d->caparts, sizeof(*r), r);
}

void rr_run_free(struct rr_run *d)
{
	free(d->steps);
	free(d->meas);
	free(d->events);
	free(d->arts);
	memset(d, 0, sizeof(*d));
}

int rr_run_load(struct st_store *s, const char *run, struct rr_run *d, char *err)
{
	int ret;

	memset(d, 0, sizeof(*d));
	ret = st_store_find_run(s, run, &d->ri, err);
	if (ret)
		return ret;
	ret = st_store_steps(s, d->ri.id, step_cb, d, err);
	if (!ret && !d->oom)
		ret = st_store_measurements(s, d->ri.id, meas_cb, d, err);
	if (!ret && !d->oom)
		ret = st_store_events(s, d->ri.id, event_cb, d, err);
	if (!ret && !d->oom)
		ret = st_store_artifacts(s, d->ri.id, artifact_cb, d, err);
	if (!ret && d->oom)
		ret = st_fail(err, ST_ERR_MEM, "out of memory reading run %s", d->ri.uuid);
	if (!ret) {
		char e[ST_ERRLEN];
		int r = st_batch_unit_of_run(s, d->ri.id, &d->bu, d->batch_uuid, e);

		if (r && r != ST_ERR_NOTFOUND)
			ret = st_fail(err, r, "%s", e);
		d->in_batch = !r;
	}
	if (ret)
		rr_run_free(d);
	return ret;
}

const char *rr_verdict_class(const char *v)
{
	if (!strcmp(v, "PASS"))
		return "v-pass";
	if (!strcmp(v, "FAIL"))
		return "v-fail";
	if (!strcmp(v, "ERROR"))
		return "v-error";
	if (!strcmp(v, "ABORTED"))
		return "v-aborted";
	if (!strcmp(v, "SKIP"))
		return "v-skip";
	return "v-other";
}

void rr_verdict(struct st_sbuf *b, const char *v)
{
	st_sbuf_printf(b, "<span class=\"verdict %s\">", rr_verdict_class(v));
	st_sbuf_html(b, v[0] ? v : "-");
	st_sbuf_puts(b, "</span>");
}

void rr_num(struct st_sbuf *b, double v)
{
	if (isfinite(v))
		st_sbuf_printf(b, "%.4g", v);
	else
		st_sbuf_puts(b, "-");
}

static const char *step_name(const struct rr_run *d, long long step_id)
{
	for (int i = 0; i < d->nsteps; i++)
		if (d->steps[i].id == step_id)
			return d->steps[i].name;
	return "";
}

static void steps_table(struct st_sbuf *b, const struct rr_run *d)
{
	st_sbuf_puts(b, "<table class=\"steps\"><thead><tr><th>#</th><th>step</th><th>kind</th>"
			"<th>verdict</th><th class=\"num\">bench start s</th><th class=\"num\">bench time s</th>"
			"<th>message</th></tr></thead><tbody>\n");
	for (int i = 0; i < d->nsteps; i++) {
		const struct st_step_row *r = &d->steps[i];

		st_sbuf_printf(b, "<tr class=\"%s\"><td>%d</td><td>", rr_verdict_class(r->verdict), r->idx);
		st_sbuf_html(b, r->name);
		st_sbuf_puts(b, "</td><td>");
		st_sbuf_html(b, r->kind);
		st_sbuf_puts(b, "</td><td>");
		rr_verdict(b, r->verdict);
		st_sbuf_puts(b, "</td><td class=\"num\">");
		rr_num(b, r->started_s);
		st_sbuf_puts(b, "</td><td class=\"num\">");
		rr_num(b, r->duration_s);
		st_sbuf_puts(b, "</td><td>");
		st_sbuf_html(b, r->message);
		st_sbuf_puts(b, "</td></tr>\n");
	}
	if (!d->nsteps)
		st_sbuf_puts(b, "<tr><td colspan=\"7\">no step was stored</td></tr>\n");
	st_sbuf_puts(b, "</tbody></table>\n");
}

static void meas_table(struct st_sbuf *b, const struct rr_run *d)
{
	long long cur = -1;
	int open = 0;

	for (int i = 0; i < d->nmeas; i++) {
		const struct st_meas_row *m = &d->meas[i];

		if (m->step_id != cur || !open) {
			if (open)
				st_sbuf_puts(b, "</tbody></table>\n");
			cur = m->step_id;
			open = 1;
			st_sbuf_puts(b, "<table class=\"meas\"><caption>");
			st_sbuf_html(b, m->step_id > 0 ? step_name(d, m->step_id) : "run");
			st_sbuf_puts(b, "</caption><thead><tr><th>measurement</th><th class=\"num\">value</th>"
					"<th>unit</th><th class=\"num\">low</th><th class=\"num\">high</th>"
					"<th>verdict</th></tr></thead><tbody>\n");
		}
		st_sbuf_printf(b, "<tr class=\"%s\"><td>", rr_verdict_class(m->verdict));
		st_sbuf_html(b, m->name);
		st_sbuf_puts(b, "</td><td class=\"num\">");
		rr_num(b, m->value);
		st_sbuf_puts(b, "</td><td>");
		st_sbuf_html(b, m->unit);
		st_sbuf_puts(b, "</td><td class=\"num\">");
		rr_num(b, m->low);
		st_sbuf_puts(b, "</td><td class=\"num\">");
		rr_num(b, m->high);
		st_sbuf_puts(b, "</td><td>");
		rr_verdict(b, m->verdict);
		if (m->marginal)
			st_sbuf_puts(b, " <span class=\"marginal\">marginal</span>");
		st_sbuf_puts(b, "</td></tr>\n");
	}
	if (open)
		st_sbuf_puts(b, "</tbody></table>\n");
	else
		st_sbuf_puts(b, "<p class=\"none\">No measurement was stored.</p>\n");
}

static void events_table(struct st_sbuf *b, const struct rr_run *d)
{
	st_sbuf_puts(b, "<table class=\"events\"><thead><tr><th class=\"num\">bench t s</th><th>event</th>"
			"<th>what happened</th></tr></thead><tbody>\n");
	for (int i = 0; i < d->nevents; i++) {
		const struct st_event_row *e = &d->events[i];

		st_sbuf_puts(b, "<tr class=\"ev-");
		for (const char *k = e->kind; *k; k++)  /* class: letters and '-' only */
			if ((*k >= 'a' && *k <= 'z') || *k == '-')
				st_sbuf_add(b, k, 1);
		st_sbuf_printf(b, "\"><td class=\"num\">%.2f</td><td>", e->t_s);
		st_sbuf_html(b, e->kind);
		st_sbuf_puts(b, "</td><td>");
		st_sbuf_html(b, e->text);
		st_sbuf_puts(b, "</td></tr>\n");
	}
	if (!d->nevents)
		st_sbuf_puts(b, "<tr><td colspan=\"3\">no event was stored</td></tr>\n");
	st_sbuf_puts(b, "</tbody></table>\n");
}

static void artifacts_table(struct st_sbuf *b, const struct rr_run *d)
{
	if (!d->narts) {
		st_sbuf_puts(b, "<p class=\"none\">No file was kept.</p>\n");
		return;
	}
	st_sbuf_puts(b, "<table class=\"artifacts\"><thead><tr><th>step</th><th>kind</th><th>path</th>"
			"<th>SHA-256</th></tr></thead><tbody>\n");
	for (int i = 0; i < d->narts; i++) {
		const struct st_artifact_row *a = &d->arts[i];

		st_sbuf_puts(b, "<tr><td>");
		st_sbuf_html(b, a->step_id > 0 ? step_name(d, a->step_id) : "run");
		st_sbuf_puts(b, "</td><td>");
		st_sbuf_html(b, a->kind);
		st_sbuf_puts(b, "</td><td class=\"path\">");
		st_sbuf_html(b, a->path);
		st_sbuf_puts(b, "</td><td class=\"hash\">");
		st_sbuf_html(b, a->sha256);
		st_sbuf_puts(b, "</td></tr>\n");
	}
	st_sbuf_puts(b, "</tbody></table>\n");
}

/* The batch row this run tested: RMA, symptom, notes, the batch's
 * disposition and why. */
static void batch_section(struct st_sbuf *b, const struct rr_run *d)
{
	const struct st_batch_unit *u = &d->bu;

	if (!d->in_batch)
		return;
	st_sbuf_puts(b, "<section class=\"batch keep\"><h2>RMA</h2><table class=\"facts\"><tbody>\n<tr><th>Batch</th><td class=\"hash\">");
	st_sbuf_html(b, d->batch_uuid);
	st_sbuf_printf(b, "</td><th>Row</th><td>%d (line %d)</td></tr>\n<tr><th>RMA</th><td>", u->idx, u->line);
	st_sbuf_html(b, u->rma);
	st_sbuf_puts(b, "</td><th>Symptom</th><td>");
	st_sbuf_html(b, u->symptom);
	st_sbuf_puts(b, "</td></tr>\n<tr><th>Notes</th><td colspan=\"3\">");
	st_sbuf_html(b, u->notes[0] ? u->notes : "-");
	st_sbuf_puts(b, "</td></tr>\n<tr><th>Batch disposition</th><td colspan=\"3\" class=\"disposition\">");
	st_sbuf_html(b, u->disposition[0] ? u->disposition : "-");
	if (u->assumed[0]) {
		st_sbuf_puts(b, "</td></tr>\n<tr><th>Assumed</th><td colspan=\"3\">");
		st_sbuf_html(b, u->assumed);
		st_sbuf_puts(b, " (taken as done without an operator: --confirm yes)");
	}
	st_sbuf_puts(b, "</td></tr>\n</tbody></table></section>\n");
}

static void duration_text(const struct st_run_info *ri, char *out, size_t n)
{
	double t0 = rr_iso_seconds(ri->started), t1 = rr_iso_seconds(ri->ended);

	if (isfinite(t0) && isfinite(t1) && t1 >= t0)
		snprintf(out, n, "%.1f s wall clock (steps in bench seconds)", t1 - t0);
	else
		snprintf(out, n, "%s", ri->ended[0] ? "-" : "did not end");
}

static const char *const run_names[] = {
	"css", "title", "serial", "model", "firmware", "operator", "station", "fixture", "plan",
	"limits_path", "limits_hash", "run_uuid", "started", "ended", "duration", "verdict",
	"verdict_class", "disposition", "reason", "advice", "steps", "measurements", "anc_charts",
	"mic_charts", "events", "artifacts", "generated", "batch",
};

static int run_render(const struct rr_run *d, const struct st_report_opts *o, const char *tpl,
		      const char *tpl_path, const char *css, struct st_sbuf *out, char *err)
{
	struct st_sbuf steps = { 0 }, meas = { 0 }, anc = { 0 }, mics = { 0 }, ev = { 0 }, art = { 0 },
		      bat = { 0 };
	const struct st_run_info *ri = &d->ri;
	char title[160], dur[32], now[32];
	const char *advice = o && o->advice ? o->advice(ri->disposition, o->advice_ctx) : NULL;
	int ret;

	/* a batch's customer advice (the cause lies outside the headset) */
	if (d->in_batch && strcmp(d->bu.disposition, ri->disposition) && d->bu.reason[0])
		advice = d->bu.reason;
	batch_section(&bat, d);
	steps_table(&steps, d);
	meas_table(&meas, d);
	rr_anc_charts(&anc, d);
	rr_mic_charts(&mics, d);
	events_table(&ev, d);
	artifacts_table(&art, d);
	duration_text(ri, dur, sizeof(dur));
	st_iso8601_now(now);
	snprintf(title, sizeof(title), "%s %s %s", ri->model, ri->serial, ri->outcome);
	{
		const struct st_tpl_var vars[] = {
			{ "css", css, 1 }, { "title", title, 0 }, { "serial", ri->serial, 0 },
			{ "model", ri->model, 0 }, { "firmware", ri->firmware, 0 },
			{ "operator", ri->operator_, 0 }, { "station", ri->station, 0 },
			{ "fixture", ri->fixture, 0 }, { "plan", ri->plan, 0 },
			{ "limits_path", ri->limits_path, 0 }, { "limits_hash", ri->limits_hash, 0 },
			{ "run_uuid", ri->uuid, 0 }, { "started", ri->started, 0 },
			{ "ended", ri->ended[0] ? ri->ended : "-", 0 }, { "duration", dur, 0 },
			{ "verdict", ri->outcome, 0 }, { "verdict_class", rr_verdict_class(ri->outcome), 0 },
			{ "disposition", ri->disposition[0] ? ri->disposition : "-", 0 },
			{ "reason", ri->reason[0] ? ri->reason : "-", 0 },
			{ "advice", advice && advice[0] ? advice : "-", 0 },
			{ "steps", st_sbuf_str(&steps), 1 }, { "measurements", st_sbuf_str(&meas), 1 },
			{ "anc_charts", st_sbuf_str(&anc), 1 }, { "mic_charts", st_sbuf_str(&mics), 1 },
			{ "events", st_sbuf_str(&ev), 1 }, { "artifacts", st_sbuf_str(&art), 1 },
			{ "generated", now, 0 }, { "batch", st_sbuf_str(&bat), 1 },
		};

		ret = st_sbuf_ok(&steps, err);
		if (!ret)
			ret = st_sbuf_ok(&bat, err);
		if (!ret)
			ret = st_sbuf_ok(&meas, err) || st_sbuf_ok(&anc, err) || st_sbuf_ok(&mics, err) ||
			      st_sbuf_ok(&ev, err) || st_sbuf_ok(&art, err) ? ST_ERR_MEM : ST_OK;
		if (!ret)
			ret = st_tpl_render(tpl_path, tpl, vars, (int)ST_ARRAY_SIZE(vars), out, err);
	}
	st_sbuf_free(&steps);
	st_sbuf_free(&meas);
	st_sbuf_free(&anc);
	st_sbuf_free(&mics);
	st_sbuf_free(&ev);
	st_sbuf_free(&art);
	st_sbuf_free(&bat);
	return ret;
}

int rr_assets(const struct st_report_opts *o, const char *tpl_name, const char *const *names,
	      int n, char **tpl, char *tpl_path, size_t tpl_path_size, char **css, char *err)
{
	int ret;

	*tpl = *css = NULL;
	ret = st_report_asset(o ? o->data_dir : NULL, tpl_name, tpl, tpl_path, tpl_path_size, err);
	if (!ret)
		ret = st_tpl_check(tpl_path, *tpl, names, n, err);
	if (!ret)
		ret = st_report_asset(o ? o->data_dir : NULL, "report.css", css, NULL, 0, err);
	if (ret) {
		free(*tpl);
		free(*css);
		*tpl = *css = NULL;
	}
	return ret;
}

int st_report_run(struct st_store *s, const char *run, const struct st_report_opts *o,
		  struct st_sbuf *out, char *err)
{
	struct rr_run d;
	char *tpl = NULL, *css = NULL, tpl_path[1024];
	int ret;

	ret = rr_assets(o, "run.html", run_names, (int)ST_ARRAY_SIZE(run_names), &tpl, tpl_path,
			sizeof(tpl_path), &css, err);
	if (ret)
		return ret;
	ret = rr_run_load(s, run, &d, err);
	if (!ret) {
		ret = run_render(&d, o, tpl, tpl_path, css, out, err);
		rr_run_free(&d);
	}
	free(tpl);
	free(css);
	return ret;
}

void st_report_run_file(const char *uuid, char out[32])
{
	snprintf(out, 32, "run-%.8s.html", uuid);
}
