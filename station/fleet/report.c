/*
 * report.c - `station fleet report`: one self-contained HTML page read from
 * the central database (fleet.h, docs/fleet.md).
 *
 * Sections, each with its rule written on the page:
 *  - yield by model, by station and by day: per unit per day by attempt,
 *    first-, second-, third- and last-pass yield; golden units (any serial
 *    that ran the `nightly` plan) and ABORTED runs left out; ERROR and
 *    interrupted runs count as not passing;
 *  - process capability (Cpk) of every numeric measurement with a limit,
 *    per model, weakest first, and a control chart for the weakest few;
 *  - Pareto charts of failure causes (the first failing step of each FAIL
 *    run) and of dispositions (FAIL and ERROR runs);
 *  - stations whose failure rate stands out: a one-sided two-proportion z
 *    test of each station against the rest of the fleet, flagged at z >= 3
 *    with at least 20 judged runs.
 * The stylesheet is data (reports/fleet.css under the data directory), so a
 * site restyles the report without a rebuild; it is inlined, and the page
 * loads nothing.  Every text from the database is HTML-escaped, and the page
 * is well-formed XML too (polyglot markup), so an XML parser can check it.
 */
#include "fleet/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/enc.h"
#include "core/st.h"
#include "fleet/svg.h"
#include "model/model.h"

#define OUTLIER_Z 3.0
#define OUTLIER_MIN_RUNS 20
#define CPK_ROWS 60

struct rep {
	struct st_fleet *f;
	FILE *o;
	const char *since;        /* $1 of every query: timestamptz */
	int charts;
	char *err;
};

/* Golden units and the time window, shared by the queries. */
#define GOLDEN "serial NOT IN (SELECT serial FROM runs WHERE plan = 'nightly')"
#define SINCE "started >= $1::timestamptz"

static PGresult *query(struct rep *r, const char *sql, int nparams, const char *const *extra)
{
	const char *p[4] = { r->since };
	PGresult *res;

	for (int i = 1; i < nparams && i < 4; i++)
		p[i] = extra[i - 1];
	res = PQexecParams(r->f->conn, sql, nparams, NULL, p, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
		fleet_fail(r->f, r->err, "fleet report query");
		PQclear(res);
		return NULL;
	}
	return res;
}

static double num(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NAN : strtod(PQgetvalue(res, row, col), NULL);
}

static void pct(FILE *o, double v)
{
	if (isnan(v))
		fputs("<td>-</td>", o);
	else
		fprintf(o, "<td class=\"%s\">%.1f %%</td>", v < 0.9 ? "low" : "", 100 * v);
}

/* Yield per unit per day by attempt, grouped by `dim` (our own SQL). */
static int section_yield(struct rep *r, const char *dim, const char *title)
{
	char sql[2048];
	PGresult *res;

	snprintf(sql, sizeof(sql),
		 "WITH att AS (SELECT serial, model, station, outcome, "
		 "(started AT TIME ZONE 'UTC')::date AS day, "
		 "row_number() OVER (PARTITION BY serial, (started AT TIME ZONE 'UTC')::date "
		 "ORDER BY started, id) AS n, "
		 "count(*) OVER (PARTITION BY serial, (started AT TIME ZONE 'UTC')::date) AS total "
		 "FROM runs WHERE outcome <> 'ABORTED' AND " GOLDEN " AND " SINCE "), "
		 "ud AS (SELECT serial, day, max(model) FILTER (WHERE n = 1) AS model, "
		 "max(station) FILTER (WHERE n = 1) AS station, "
		 "bool_or(n = 1 AND outcome = 'PASS') AS fp, bool_or(n <= 2 AND outcome = 'PASS') AS sp, "
		 "bool_or(n <= 3 AND outcome = 'PASS') AS tp, bool_or(n = total AND outcome = 'PASS') AS lp "
		 "FROM att GROUP BY serial, day) "
		 "SELECT %s::text, count(*), avg(fp::int), avg(sp::int), avg(tp::int), avg(lp::int) "
		 "FROM ud GROUP BY 1 ORDER BY 1", dim);
	res = query(r, sql, 1, NULL);
	if (!res)
		return ST_ERR_DB;
	fprintf(r->o, "<h3>%s</h3>\n<table><thead><tr><th>%s</th><th>unit-days</th><th>first pass</th>"
		"<th>second pass</th><th>third pass</th><th>last pass</th><th>scrap</th></tr></thead><tbody>\n",
		title, dim);
	for (int i = 0; i < PQntuples(res); i++) {
		fputs("<tr><td>", r->o);
		st_html_put(r->o, PQgetvalue(res, i, 0));
		fprintf(r->o, "</td><td>%s</td>", PQgetvalue(res, i, 1));
		for (int c = 2; c <= 5; c++)
			pct(r->o, num(res, i, c));
		fprintf(r->o, "<td>%.1f %%</td></tr>\n", 100 * (1 - num(res, i, 5)));
	}
	if (!PQntuples(res))
		fputs("<tr><td colspan=\"7\">no runs in this period</td></tr>\n", r->o);
	fputs("</tbody></table>\n", r->o);
	PQclear(res);
	return ST_OK;
}

/* One measurement's capability. */
struct cap {
	char model[64], name[96], unit[24];
	long n;
	double mean, sd, low, high, cpk;
};

static int cap_cmp(const void *a, const void *b)
{
	const struct cap *x = a, *y = b;
	double cx = isnan(x->cpk) ? INFINITY : x->cpk, cy = isnan(y->cpk) ? INFINITY : y->cpk;

	return (cx > cy) - (cx < cy);
}

static void cpk_cell(FILE *o, double c)
{
	const char *cls = c >= 1.33 ? "good" : c >= 1.0 ? "marginal" : "low";

	if (isinf(c))
		fprintf(o, "<td class=\"%s\">%s (no spread)</td>", c > 0 ? "good" : "low",
			c > 0 ? "∞" : "-∞");
	else
		fprintf(o, "<td class=\"%s\">%.2f</td>", cls, c);
}

static int control_chart(struct rep *r, const struct cap *c)
{
	const char *extra[2] = { c->model, c->name };
	PGresult *res;
	double *v;
	int n;

	res = query(r, "SELECT m.value FROM measurements m JOIN runs r ON r.id = m.run_id "
		    "WHERE r." SINCE " AND r.model = $2 AND m.name = $3 AND m.value IS NOT NULL "
		    "AND r.outcome <> 'ABORTED' ORDER BY r.started, m.id LIMIT 2000", 3, extra);
	if (!res)
		return ST_ERR_DB;
	n = PQntuples(res);
	v = calloc((size_t)(n ? n : 1), sizeof(*v));
	if (!v) {
		PQclear(res);
		return st_fail(r->err, ST_ERR_MEM, "out of memory");
	}
	for (int i = 0; i < n; i++)
		v[i] = num(res, i, 0);
	PQclear(res);
	fputs("<figure><figcaption>", r->o);
	st_html_put(r->o, c->model);
	fputs(" · ", r->o);
	st_html_put(r->o, c->name);
	fprintf(r->o, " (%s): mean %.4g, σ %.3g, Cpk %.2f</figcaption>", c->unit[0] ? c->unit : "-",
		c->mean, c->sd, c->cpk);
	svg_control_chart(r->o, v, n, c->low, c->high, c->mean, c->sd);
	fputs("</figure>\n", r->o);
	free(v);
	return ST_OK;
}

static int section_cpk(struct rep *r)
{
	PGresult *res;
	struct cap *caps;
	int n, ret = ST_OK;

	res = query(r, "SELECT r.model, m.name, m.unit, count(m.value), avg(m.value), "
		    "stddev_samp(m.value), (array_agg(m.low ORDER BY r.started DESC))[1], "
		    "(array_agg(m.high ORDER BY r.started DESC))[1] "
		    "FROM measurements m JOIN runs r ON r.id = m.run_id "
		    "WHERE r." SINCE " AND r.outcome <> 'ABORTED' AND m.value IS NOT NULL "
		    "AND (m.low IS NOT NULL OR m.high IS NOT NULL) "
		    "GROUP BY r.model, m.name, m.unit HAVING count(m.value) >= 2", 1, NULL);
	if (!res)
		return ST_ERR_DB;
	n = PQntuples(res);
	caps = calloc((size_t)(n ? n : 1), sizeof(*caps));
	if (!caps) {
		PQclear(res);
		return st_fail(r->err, ST_ERR_MEM, "out of memory");
	}
	for (int i = 0; i < n; i++) {
		struct cap *c = &caps[i];

		st_strlcpy(c->model, PQgetvalue(res, i, 0), sizeof(c->model));
		st_strlcpy(c->name, PQgetvalue(res, i, 1), sizeof(c->name));
		st_strlcpy(c->unit, PQgetvalue(res, i, 2), sizeof(c->unit));
		c->n = atol(PQgetvalue(res, i, 3));
		c->mean = num(res, i, 4);
		c->sd = num(res, i, 5);
		c->low = num(res, i, 6);
		c->high = num(res, i, 7);
		c->cpk = st_fleet_cpk(c->mean, c->sd, c->n, c->low, c->high);
	}
	PQclear(res);
	qsort(caps, (size_t)n, sizeof(*caps), cap_cmp);
	fprintf(r->o, "<h2>Process capability</h2>\n<p class=\"rule\">Cpk = min((upper − μ)/3σ, "
		"(μ − lower)/3σ) per model and measurement, over the limits present (the newest "
		"limits seen); above 1.33 capable, 1.0–1.33 marginal, below 1.0 not capable. "
		"Weakest first; %d measurements.</p>\n<table><thead><tr><th>model</th>"
		"<th>measurement</th><th>n</th><th>mean</th><th>σ</th><th>lower</th><th>upper</th>"
		"<th>Cpk</th></tr></thead><tbody>\n", n);
	for (int i = 0; i < n && i < CPK_ROWS; i++) {
		struct cap *c = &caps[i];

		fputs("<tr><td>", r->o);
		st_html_put(r->o, c->model);
		fputs("</td><td>", r->o);
		st_html_put(r->o, c->name);
		fprintf(r->o, "</td><td>%ld</td><td>%.4g</td><td>%.3g</td><td>%.4g</td><td>%.4g</td>",
			c->n, c->mean, c->sd, c->low, c->high);
		cpk_cell(r->o, c->cpk);
		fputs("</tr>\n", r->o);
	}
	if (n > CPK_ROWS)
		fprintf(r->o, "<tr><td colspan=\"8\">%d more, all with Cpk above these</td></tr>\n",
			n - CPK_ROWS);
	fputs("</tbody></table>\n<h3>Control charts of the weakest</h3>\n", r->o);
	for (int i = 0; !ret && i < n && i < r->charts; i++)
		if (isfinite(caps[i].cpk))
			ret = control_chart(r, &caps[i]);
	free(caps);
	return ret;
}

static int section_pareto(struct rep *r, const char *title, const char *rule, const char *sql)
{
	const char *labels[20];
	char *esc_labels[20] = { 0 };
	long counts[20];
	PGresult *res = query(r, sql, 1, NULL);
	int n;

	if (!res)
		return ST_ERR_DB;
	n = PQntuples(res) < 20 ? PQntuples(res) : 20;
	fprintf(r->o, "<h3>%s</h3>\n<p class=\"rule\">%s</p>\n", title, rule);
	for (int i = 0; i < n; i++) {
		esc_labels[i] = st_html_dup(PQgetvalue(res, i, 0));
		labels[i] = esc_labels[i] ? esc_labels[i] : "?";
		counts[i] = atol(PQgetvalue(res, i, 1));
	}
	if (n)
		svg_pareto(r->o, labels, counts, n);
	else
		fputs("<p>none in this period</p>\n", r->o);
	for (int i = 0; i < n; i++)
		free(esc_labels[i]);
	PQclear(res);
	return ST_OK;
}

static int section_stations(struct rep *r)
{
	PGresult *res;
	long tn = 0, tbad = 0;
	int n;

	res = query(r, "SELECT station, count(*), count(*) FILTER (WHERE outcome <> 'PASS'), "
		    "count(*) FILTER (WHERE outcome IN ('ERROR', 'interrupted')) FROM runs "
		    "WHERE outcome <> 'ABORTED' AND " GOLDEN " AND " SINCE
		    " GROUP BY station ORDER BY station", 1, NULL);
	if (!res)
		return ST_ERR_DB;
	n = PQntuples(res);
	for (int i = 0; i < n; i++) {
		tn += atol(PQgetvalue(res, i, 1));
		tbad += atol(PQgetvalue(res, i, 2));
	}
	fprintf(r->o, "<h2>Stations</h2>\n<p class=\"rule\">Failure rate = runs not PASS (FAIL, "
		"ERROR, interrupted) of the judged runs (ABORTED and golden units left out). A station "
		"stands out when a one-sided two-proportion z test of its rate against the rest of the "
		"fleet gives z ≥ %.0f with at least %d judged runs.</p>\n<table><thead><tr>"
		"<th>station</th><th>runs</th><th>failure rate</th><th>station errors</th><th>z</th>"
		"<th></th></tr></thead><tbody>\n", OUTLIER_Z, OUTLIER_MIN_RUNS);
	for (int i = 0; i < n; i++) {
		long sn = atol(PQgetvalue(res, i, 1)), bad = atol(PQgetvalue(res, i, 2));
		long errs = atol(PQgetvalue(res, i, 3));
		double z = st_fleet_outlier_z(bad, sn, tbad - bad, tn - sn);
		int flag = z >= OUTLIER_Z && sn >= OUTLIER_MIN_RUNS;

		fprintf(r->o, "<tr%s><td>", flag ? " class=\"outlier\"" : "");
		st_html_put(r->o, PQgetvalue(res, i, 0));
		fprintf(r->o, "</td><td>%ld</td><td>%.1f %%</td><td>%ld</td><td>%.2f</td><td>%s</td></tr>\n",
			sn, sn ? 100.0 * (double)bad / (double)sn : 0, errs, z,
			flag ? "stands out: check this bench" : "");
	}
	fputs("</tbody></table>\n", r->o);
	PQclear(res);
	return ST_OK;
}

static int write_css(struct rep *r)
{
	char path[1024], *css = NULL;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/reports/fleet.css", st_data_dir());
	ret = st_read_file(path, &css, &len, r->err);
	if (ret)
		return ret;
	fputs("<style>\n", r->o);
	for (size_t i = 0; i < len; i++)   /* a stylesheet cannot close the element */
		if (!(css[i] == '<' && i + 1 < len && css[i + 1] == '/'))
			fputc(css[i], r->o);
	fputs("</style>\n", r->o);
	free(css);
	return ST_OK;
}

static int header(struct rep *r, const char *title)
{
	PGresult *res = query(r, "SELECT count(*), count(DISTINCT station), count(DISTINCT serial), "
			      "coalesce(to_char(min(started) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-'), "
			      "coalesce(to_char(max(started) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), '-') "
			      "FROM runs WHERE " SINCE, 1, NULL);
	char now[32];
	int ret;

	if (!res)
		return ST_ERR_DB;
	st_iso8601_now(now);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\n<title>", r->o);
	st_html_put(r->o, title);
	fputs("</title>\n", r->o);
	ret = write_css(r);
	if (ret) {
		PQclear(res);
		return ret;
	}
	fputs("</head><body>\n<header><h1>", r->o);
	st_html_put(r->o, title);
	fprintf(r->o, "</h1><p>%s runs from %s stations on %s units, %s to %s UTC · central database ",
		PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
		PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
	st_html_put(r->o, r->f->target);
	fprintf(r->o, " · made %s</p></header>\n", now);
	PQclear(res);
	return ST_OK;
}

int st_fleet_report(struct st_fleet *f, const struct st_fleet_report_opts *o, FILE *out,
		    char *err)
{
	struct rep r = { f, out, o && o->since ? o->since : "-infinity",
			 o && o->charts > 0 ? o->charts : 8, err };
	char id[64];
	int ret;

	ret = st_fleet_check(f, id, err);
	if (!ret)
		ret = header(&r, o && o->title ? o->title : "Fleet report");
	if (ret)
		return ret;
	fputs("<h2>Yield</h2>\n<p class=\"rule\">Per unit per day by attempt, in the order the "
	      "attempts started. First pass: the first attempt passed; second and third pass: one "
	      "of the first two or three did; last pass: the day's last attempt did; scrap = 1 − "
	      "last pass. Golden units (any serial that ran the nightly plan) and ABORTED runs are "
	      "left out; ERROR and interrupted runs count as not passing. A unit-day belongs to the "
	      "model and station of its first attempt.</p>\n", out);
	ret = section_yield(&r, "model", "By model");
	if (!ret)
		ret = section_yield(&r, "station", "By station");
	if (!ret)
		ret = section_yield(&r, "day", "By day (UTC)");
	if (!ret)
		ret = section_cpk(&r);
	if (!ret) {
		fputs("<h2>Failures</h2>\n", out);
		ret = section_pareto(&r, "Failure causes", "The first failing step of each FAIL run.",
				     "SELECT s.name, count(*) FROM runs r JOIN LATERAL (SELECT name FROM "
				     "steps WHERE run_id = r.id AND verdict = 'FAIL' ORDER BY idx, local_id "
				     "LIMIT 1) s ON true WHERE r.outcome = 'FAIL' AND r." SINCE
				     " GROUP BY 1 ORDER BY 2 DESC, 1");
	}
	if (!ret)
		ret = section_pareto(&r, "Dispositions", "The disposition of each FAIL or ERROR run.",
				     "SELECT CASE WHEN disposition = '' THEN '(none)' ELSE disposition END, "
				     "count(*) FROM runs WHERE outcome IN ('FAIL', 'ERROR') AND " SINCE
				     " GROUP BY 1 ORDER BY 2 DESC, 1");
	if (!ret)
		ret = section_stations(&r);
	if (!ret)
		fputs("</body></html>\n", out);
	if (!ret && ferror(out))
		ret = st_fail(err, ST_ERR_IO, "writing the report failed");
	return ret;
}
