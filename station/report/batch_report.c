/*
 * batch_report.c - the report of one batch of RMA triage (report.h): the
 * batch's file and hash, counts by disposition and by outcome, Pareto
 * charts of failure causes and of dispositions, time per unit (median and
 * slowest, bench and wall clock), the units that needed a person, and the
 * unit list linking to each run's report.  Also the unit list as CSV.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "report/svg.h"
#include "store/batch.h"

#define MAX_KEYS 64

/* A unit of the batch with what its run says. */
struct bunit {
	struct st_batch_unit u;
	char cause[64];       /* failing step of its run, or why it was stopped */
	double bench_s;       /* bench time of its run (NAN: none) */
	double wall_s;        /* wall time from placement to disposition (NAN) */
};

struct bdata {
	struct st_batch_info bi;
	struct bunit *units;
	int n, cap;
	int oom;
};

/* Counts of a key (disposition, outcome, cause). */
struct tally {
	char key[MAX_KEYS][64];
	int count[MAX_KEYS];
	int n;
};

static void tally_add(struct tally *t, const char *key)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->key[i], key))
			break;
	if (i == t->n) {
		if (t->n == MAX_KEYS)
			i = t->n - 1;   /* overflow counted under the last key */
		else
			st_strlcpy(t->key[t->n++], key, sizeof(t->key[0]));
	}
	t->count[i]++;
}

/* Largest first, ties by name: the Pareto order. */
static void tally_sort(struct tally *t)
{
	for (int i = 1; i < t->n; i++)
		for (int j = i; j > 0 && (t->count[j] > t->count[j - 1] ||
					  (t->count[j] == t->count[j - 1] &&
					   strcmp(t->key[j], t->key[j - 1]) < 0)); j--) {
			char k[64];
			int c = t->count[j];

			memcpy(k, t->key[j], sizeof(k));
			memcpy(t->key[j], t->key[j - 1], sizeof(k));
			memcpy(t->key[j - 1], k, sizeof(k));
			t->count[j] = t->count[j - 1];
			t->count[j - 1] = c;
		}
}

struct step_scan {
	char cause[64];
	double end_s;
};

static int step_scan_cb(const struct st_step_row *r, void *ctx)
{
	struct step_scan *sc = ctx;

	if (!sc->cause[0] && (!strcmp(r->verdict, "FAIL") || !strcmp(r->verdict, "ERROR") ||
			      !strcmp(r->verdict, "ABORTED")))
		snprintf(sc->cause, sizeof(sc->cause), "%s %s", r->name, r->verdict);
	if (isfinite(r->started_s) && isfinite(r->duration_s) && r->started_s + r->duration_s > sc->end_s)
		sc->end_s = r->started_s + r->duration_s;
	return 0;
}

static int unit_cb(const struct st_batch_unit *u, void *ctx)
{
	struct bdata *d = ctx;
	struct bunit *nu;

	if (d->n == d->cap) {
		int ncap = d->cap ? d->cap * 2 : 32;

		nu = realloc(d->units, (size_t)ncap * sizeof(*nu));
		if (!nu) {
			d->oom = 1;
			return 1;
		}
		d->units = nu;
		d->cap = ncap;
	}
	memset(&d->units[d->n], 0, sizeof(d->units[0]));
	d->units[d->n].u = *u;
	d->n++;
	return 0;
}

static int bdata_load(struct st_store *s, const char *batch, struct bdata *d, char *err)
{
	int ret;

	memset(d, 0, sizeof(*d));
	ret = st_batch_find(s, batch, &d->bi, err);
	if (!ret)
		ret = st_batch_units(s, d->bi.id, unit_cb, d, err);
	if (!ret && d->oom)
		ret = st_fail(err, ST_ERR_MEM, "out of memory reading batch %s", batch);
	for (int i = 0; !ret && i < d->n; i++) {
		struct bunit *b = &d->units[i];
		struct step_scan sc = { "", 0 };
		double t0 = rr_iso_seconds(b->u.started), t1 = rr_iso_seconds(b->u.ended);

		b->bench_s = NAN;
		b->wall_s = isfinite(t0) && isfinite(t1) && t1 >= t0 ? t1 - t0 : NAN;
		if (b->u.run_id > 0) {
			ret = st_store_steps(s, b->u.run_id, step_scan_cb, &sc, err);
			b->bench_s = sc.end_s;
		}
		if (!strcmp(b->u.status, "stopped"))
			st_strlcpy(b->cause, "not tested (stopped)", sizeof(b->cause));
		else
			st_strlcpy(b->cause, sc.cause, sizeof(b->cause));
	}
	if (ret) {
		free(d->units);
		d->units = NULL;
	}
	return ret;
}

static int needed_human(const struct bunit *b)
{
	return b->u.human || !strcmp(b->u.status, "stopped") || !strcmp(b->u.outcome, "ERROR") ||
	       !strcmp(b->u.outcome, "ABORTED");
}

static void tally_table(struct st_sbuf *b, const char *what, const struct tally *t, int total)
{
	st_sbuf_puts(b, "<table class=\"tally\"><thead><tr><th>");
	st_sbuf_html(b, what);
	st_sbuf_puts(b, "</th><th class=\"num\">units</th><th class=\"num\">share</th></tr></thead><tbody>\n");
	for (int i = 0; i < t->n; i++) {
		st_sbuf_puts(b, "<tr><td>");
		st_sbuf_html(b, t->key[i]);
		st_sbuf_printf(b, "</td><td class=\"num\">%d</td><td class=\"num\">%.0f%%</td></tr>\n",
			       t->count[i], total ? 100.0 * t->count[i] / total : 0.0);
	}
	if (!t->n)
		st_sbuf_puts(b, "<tr><td colspan=\"3\">none</td></tr>\n");
	st_sbuf_puts(b, "</tbody></table>\n");
}

static void pareto(struct st_sbuf *b, const char *title, const struct tally *t)
{
	const char *labels[MAX_KEYS];
	struct st_chart_pareto c = { title, t->n, labels, t->count };

	if (!t->n) {
		st_sbuf_puts(b, "<p class=\"none\">Nothing to chart.</p>\n");
		return;
	}
	for (int i = 0; i < t->n; i++)
		labels[i] = t->key[i];
	st_svg_pareto(b, &c);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and slowest of one time per unit, with the slowest unit's serial. */
static void time_row(struct st_sbuf *b, const struct bdata *d, int bench)
{
	double *v = malloc((size_t)(d->n ? d->n : 1) * sizeof(*v)), worst = -1;
	const char *who = "-";
	int n = 0;

	if (!v) {
		b->oom = 1;
		return;
	}
	for (int i = 0; i < d->n; i++) {
		double t = bench ? d->units[i].bench_s : d->units[i].wall_s;

		if (!isfinite(t))
			continue;
		v[n++] = t;
		if (t > worst) {
			worst = t;
			who = d->units[i].u.serial;
		}
	}
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	st_sbuf_printf(b, "<tr><th>%s</th><td class=\"num\">%d</td>",
		       bench ? "bench time (as the unit experienced it)" : "wall time at the desk", n);
	if (n)
		st_sbuf_printf(b, "<td class=\"num\">%.1f s</td><td class=\"num\">%.1f s</td><td>",
			       n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, worst);
	else
		st_sbuf_puts(b, "<td class=\"num\">-</td><td class=\"num\">-</td><td>");
	st_sbuf_html(b, who);
	st_sbuf_puts(b, "</td></tr>\n");
	free(v);
}

static void unit_rows(struct st_sbuf *b, const struct bdata *d, int only_human)
{
	char file[32];
	int any = 0;

	st_sbuf_puts(b, "<table class=\"units\"><thead><tr><th class=\"c-idx\">#</th><th class=\"c-unit\">RMA / serial</th>"
			"<th class=\"c-model\">model / symptom</th><th class=\"c-out\">outcome / disposition</th>"
			"<th>why</th><th class=\"c-run\">report</th></tr></thead><tbody>\n");
	for (int i = 0; i < d->n; i++) {
		const struct st_batch_unit *u = &d->units[i].u;

		if (only_human && !needed_human(&d->units[i]))
			continue;
		any = 1;
		st_sbuf_printf(b, "<tr class=\"%s\"><td>%d</td><td>", rr_verdict_class(u->outcome), u->idx);
		st_sbuf_html(b, u->rma);
		st_sbuf_puts(b, "<br/><span class=\"serial\">");
		st_sbuf_html(b, u->serial);
		st_sbuf_puts(b, "</span></td><td>");
		st_sbuf_html(b, u->model);
		st_sbuf_puts(b, "<br/><span class=\"symptom\">");
		st_sbuf_html(b, u->symptom);
		st_sbuf_puts(b, "</span> &#8594; ");
		st_sbuf_html(b, u->plan);
		st_sbuf_puts(b, "</td><td>");
		rr_verdict(b, u->outcome[0] ? u->outcome : u->status);
		st_sbuf_puts(b, "<br/><span class=\"disposition\">");
		st_sbuf_html(b, u->disposition[0] ? u->disposition : "-");
		st_sbuf_puts(b, "</span></td><td class=\"why\">");
		st_sbuf_html(b, u->reason[0] ? u->reason : "-");
		if (u->notes[0]) {
			st_sbuf_puts(b, "<br/><span class=\"notes\">notes: ");
			st_sbuf_html(b, u->notes);
			st_sbuf_puts(b, "</span>");
		}
		st_sbuf_puts(b, "</td><td>");
		if (u->run_uuid[0]) {
			st_report_run_file(u->run_uuid, file);
			st_sbuf_printf(b, "<a href=\"%s\">%.8s</a>", file, u->run_uuid);
		} else {
			st_sbuf_puts(b, "-");
		}
		st_sbuf_puts(b, "</td></tr>\n");
	}
	if (!any)
		st_sbuf_puts(b, "<tr><td colspan=\"6\">none</td></tr>\n");
	st_sbuf_puts(b, "</tbody></table>\n");
}

static void csv_field(struct st_sbuf *b, const char *f, int last)
{
	/* RFC 4180; a leading = + @ is quoted and marked with ' so a
	 * spreadsheet does not run a hostile field as a formula */
	int formula = f[0] && strchr("=+@", f[0]);
	int q = formula || strpbrk(f, ",\"\r\n") != NULL;

	if (q)
		st_sbuf_puts(b, formula ? "\"'" : "\"");
	for (; *f; f++) {
		if (*f == '"')
			st_sbuf_puts(b, "\"");
		st_sbuf_add(b, f, 1);
	}
	if (q)
		st_sbuf_puts(b, "\"");
	st_sbuf_puts(b, last ? "\n" : ",");
}

static void unit_csv(struct st_sbuf *b, const struct bdata *d)
{
	st_sbuf_puts(b, "idx,rma,serial,model,symptom,plan,status,outcome,disposition,reason,run,"
			"assumed,human,bench_s,started,ended\n");
	for (int i = 0; i < d->n; i++) {
		const struct st_batch_unit *u = &d->units[i].u;
		char num[32];

		snprintf(num, sizeof(num), "%d", u->idx);
		csv_field(b, num, 0);
		csv_field(b, u->rma, 0);
		csv_field(b, u->serial, 0);
		csv_field(b, u->model, 0);
		csv_field(b, u->symptom, 0);
		csv_field(b, u->plan, 0);
		csv_field(b, u->status, 0);
		csv_field(b, u->outcome, 0);
		csv_field(b, u->disposition, 0);
		csv_field(b, u->reason, 0);
		csv_field(b, u->run_uuid, 0);
		csv_field(b, u->assumed, 0);
		csv_field(b, needed_human(&d->units[i]) ? "1" : "0", 0);
		if (isfinite(d->units[i].bench_s))
			snprintf(num, sizeof(num), "%.1f", d->units[i].bench_s);
		else
			num[0] = '\0';
		csv_field(b, num, 0);
		csv_field(b, u->started, 0);
		csv_field(b, u->ended, 1);
	}
}

static const char *const batch_names[] = {
	"css", "title", "batch_uuid", "file", "file_sha256", "operator", "station", "started",
	"ended", "state", "rows_done", "rows_total", "confirm", "counts", "pareto_causes",
	"pareto_dispositions", "times", "human", "units", "generated",
};

/* Counts, Paretos and time tables as fragments. */
static void batch_fragments(const struct bdata *d, struct st_sbuf *counts, struct st_sbuf *pc,
			    struct st_sbuf *pd, struct st_sbuf *times)
{
	struct tally *t = calloc(3, sizeof(*t));

	if (!t) {
		counts->oom = 1;
		return;
	}
	for (int i = 0; i < d->n; i++) {
		const struct bunit *b = &d->units[i];

		if (!strcmp(b->u.status, "pending") || !strcmp(b->u.status, "testing")) {
			tally_add(&t[1], b->u.status);
			continue;
		}
		tally_add(&t[0], b->u.disposition[0] ? b->u.disposition : "-");
		tally_add(&t[1], b->u.outcome[0] ? b->u.outcome : b->u.status);
		if (b->cause[0])
			tally_add(&t[2], b->cause);
	}
	for (int i = 0; i < 3; i++)
		tally_sort(&t[i]);
	st_sbuf_puts(counts, "<div class=\"tallies\">\n");
	tally_table(counts, "disposition", &t[0], d->n);
	tally_table(counts, "outcome", &t[1], d->n);
	st_sbuf_puts(counts, "</div>\n");
	pareto(pc, "Failure causes (first failing step of each unit's run)", &t[2]);
	pareto(pd, "Dispositions", &t[0]);
	st_sbuf_puts(times, "<table class=\"times\"><thead><tr><th>time per unit</th><th class=\"num\">units</th>"
			    "<th class=\"num\">median</th><th class=\"num\">slowest</th><th>slowest unit</th>"
			    "</tr></thead><tbody>\n");
	time_row(times, d, 1);
	time_row(times, d, 0);
	st_sbuf_puts(times, "</tbody></table>\n");
	free(t);
}

static int batch_render(const struct bdata *d, const char *tpl, const char *tpl_path,
			const char *css, struct st_sbuf *out, char *err)
{
	struct st_sbuf f[6] = { { 0 } };
	char title[96], done[16], total[16], now[32];
	const struct st_batch_info *bi = &d->bi;
	int ret = ST_OK;

	batch_fragments(d, &f[0], &f[1], &f[2], &f[3]);
	unit_rows(&f[4], d, 1);
	unit_rows(&f[5], d, 0);
	snprintf(title, sizeof(title), "RMA batch %.8s", bi->uuid);
	snprintf(done, sizeof(done), "%d", bi->rows_done);
	snprintf(total, sizeof(total), "%d", bi->rows_total);
	st_iso8601_now(now);
	for (int i = 0; i < 6 && !ret; i++)
		ret = st_sbuf_ok(&f[i], err);
	if (!ret) {
		const struct st_tpl_var vars[] = {
			{ "css", css, 1 }, { "title", title, 0 }, { "batch_uuid", bi->uuid, 0 },
			{ "file", bi->file, 0 }, { "file_sha256", bi->file_sha256, 0 },
			{ "operator", bi->operator_, 0 }, { "station", bi->station, 0 },
			{ "started", bi->started, 0 }, { "ended", bi->ended[0] ? bi->ended : "-", 0 },
			{ "state", bi->state, 0 }, { "rows_done", done, 0 }, { "rows_total", total, 0 },
			{ "confirm", bi->confirm[0] ? "yes: placement and serial prompts assumed" : "asked", 0 },
			{ "counts", st_sbuf_str(&f[0]), 1 }, { "pareto_causes", st_sbuf_str(&f[1]), 1 },
			{ "pareto_dispositions", st_sbuf_str(&f[2]), 1 }, { "times", st_sbuf_str(&f[3]), 1 },
			{ "human", st_sbuf_str(&f[4]), 1 }, { "units", st_sbuf_str(&f[5]), 1 },
			{ "generated", now, 0 },
		};

		ret = st_tpl_render(tpl_path, tpl, vars, (int)ST_ARRAY_SIZE(vars), out, err);
	}
	for (int i = 0; i < 6; i++)
		st_sbuf_free(&f[i]);
	return ret;
}

int st_report_batch(struct st_store *s, const char *batch, const struct st_report_opts *o,
		    struct st_sbuf *out, struct st_sbuf *csv, char *err)
{
	struct bdata d;
	char *tpl = NULL, *css = NULL, tpl_path[1024];
	int ret;

	ret = rr_assets(o, "batch.html", batch_names, (int)ST_ARRAY_SIZE(batch_names), &tpl, tpl_path,
			sizeof(tpl_path), &css, err);
	if (ret)
		return ret;
	ret = bdata_load(s, batch, &d, err);
	if (!ret) {
		ret = batch_render(&d, tpl, tpl_path, css, out, err);
		if (!ret && csv) {
			unit_csv(csv, &d);
			ret = st_sbuf_ok(csv, err);
		}
		free(d.units);
	}
	free(tpl);
	free(css);
	return ret;
}

int st_report_batch_runs(struct st_store *s, const char *batch, const char *out_path,
			 const struct st_report_opts *o, char *err)
{
	char dir[1024], path[1100], file[32];
	const char *slash = out_path ? strrchr(out_path, '/') : NULL;
	struct bdata d;
	int ret;

	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out_path), out_path);
	else
		snprintf(dir, sizeof(dir), ".");
	ret = bdata_load(s, batch, &d, err);
	for (int i = 0; !ret && i < d.n; i++) {
		struct st_sbuf b = { 0 };

		if (!d.units[i].u.run_uuid[0])
			continue;
		st_report_run_file(d.units[i].u.run_uuid, file);
		snprintf(path, sizeof(path), "%s/%s", dir, file);
		ret = st_report_run(s, d.units[i].u.run_uuid, o, &b, err);
		if (!ret)
			ret = st_report_write(path, &b, err);
		st_sbuf_free(&b);
	}
	free(d.units);
	return ret;
}
