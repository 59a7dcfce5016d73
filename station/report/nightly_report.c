/*
 * nightly_report.c - `station report nightly` (report.h): one night of
 * nightly regression as a self-contained, printable HTML page through the
 * template reports/nightly.html: the build and the night's outcome, each
 * golden unit's status, a table of what changed tonight (every measurement
 * the night did not judge "same": regression, bench-suspect, out of
 * limits, no baseline), and per measurement the trend across the last
 * builds for every golden unit as inline SVG with tonight's baseline band
 * (median of the unit's last good builds +- the threshold in force) shaded
 * and the nights' regressions and bench-suspect changes marked.  The data
 * comes from nightly_data.c; every outside text is escaped.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/nightly_int.h"

static const char *const nightly_names[] = {
	"css", "title", "firmware", "night_uuid", "started", "ended", "model", "plan", "station",
	"outcome", "summary", "baseline_builds", "nights", "units", "changes", "charts",
	"generated",
};

static void status_cell(struct st_sbuf *b, const char *status)
{
	const char *cls = !strcmp(status, "no-change") ? "v-pass" :
			  !strcmp(status, "no-baseline") ? "v-skip" :
			  !strcmp(status, "bench-suspect") ? "v-error" : "v-fail";

	st_sbuf_printf(b, "<span class=\"verdict %s\">", cls);
	st_sbuf_html(b, status);
	st_sbuf_puts(b, "</span>");
}

static void units_table(struct st_sbuf *b, const struct nr_data *d)
{
	st_sbuf_puts(b, "<table class=\"units\"><thead><tr><th>golden unit</th><th>status</th>"
			"<th>reason</th><th>run</th></tr></thead><tbody>\n");
	for (int u = 0; u < d->nunits; u++) {
		st_sbuf_puts(b, "<tr><td>");
		st_sbuf_html(b, d->units[u].serial);
		st_sbuf_puts(b, "</td><td>");
		status_cell(b, d->units[u].status);
		st_sbuf_puts(b, "</td><td>");
		st_sbuf_html(b, d->units[u].reason[0] ? d->units[u].reason : "-");
		st_sbuf_printf(b, "</td><td class=\"hash\">%.8s</td></tr>\n",
			       d->units[u].run_uuid[0] ? d->units[u].run_uuid : "-");
	}
	if (!d->nunits)
		st_sbuf_puts(b, "<tr><td colspan=\"4\">none</td></tr>\n");
	st_sbuf_puts(b, "</tbody></table>\n");
	if (d->nunits > NR_MAX_UNITS)
		st_sbuf_printf(b, "<p class=\"note\">The charts show the first %d golden units.</p>\n",
			       NR_MAX_UNITS);
}

/* Every change the night recorded, unit by unit. */
static int changes_table(struct st_store *s, const struct nr_data *d, struct st_sbuf *b, char *err)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(st_store_db(s), "SELECT nu.serial, c.key, c.value, c.unit, c.baseline, "
			       "c.change, c.threshold, c.n, c.verdict FROM nightly_changes c JOIN "
			       "nightly_units nu ON nu.id = c.unit_id WHERE nu.nightly_id = ?1 "
			       "ORDER BY nu.id, c.id", -1, &st, NULL) != SQLITE_OK)
		return st_fail(err, ST_ERR_DB, "%s: reading changes: %s", st_store_path(s),
			       sqlite3_errmsg(st_store_db(s)));
	sqlite3_bind_int64(st, 1, d->tonight.id);
	st_sbuf_puts(b, "<table class=\"changes\"><thead><tr><th>unit</th><th>measurement</th>"
			"<th class=\"num\">tonight</th><th>unit</th><th class=\"num\">baseline</th>"
			"<th class=\"num\">change</th><th class=\"num\">threshold</th>"
			"<th class=\"num\">builds</th><th>verdict</th></tr></thead><tbody>\n");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *verdict = (const char *)sqlite3_column_text(st, 8);
		int bad = verdict && (!strcmp(verdict, "regression") || !strcmp(verdict, "out-of-limits"));

		n++;
		st_sbuf_printf(b, "<tr class=\"%s\"><td>", bad ? "v-fail" : "");
		st_sbuf_html(b, (const char *)sqlite3_column_text(st, 0));
		st_sbuf_puts(b, "</td><td>");
		st_sbuf_html(b, (const char *)sqlite3_column_text(st, 1));
		for (int c = 2; c <= 7; c++) {
			st_sbuf_puts(b, c == 3 ? "</td><td>" : "</td><td class=\"num\">");
			if (c == 3)
				st_sbuf_html(b, (const char *)sqlite3_column_text(st, 3));
			else if (c == 7)
				st_sbuf_printf(b, "%d", sqlite3_column_int(st, 7));
			else
				rr_num(b, sqlite3_column_type(st, c) == SQLITE_NULL ? NAN :
					  sqlite3_column_double(st, c));
		}
		st_sbuf_puts(b, "</td><td>");
		st_sbuf_html(b, verdict ? verdict : "");
		st_sbuf_puts(b, "</td></tr>\n");
	}
	sqlite3_finalize(st);
	if (!n)
		st_sbuf_puts(b, "<tr><td colspan=\"9\">nothing changed: every measurement of every golden "
				"unit is within its threshold of its baseline</td></tr>\n");
	st_sbuf_puts(b, "</tbody></table>\n");
	if (rc != SQLITE_DONE)
		return st_fail(err, ST_ERR_DB, "%s: reading changes: %s", st_store_path(s),
			       sqlite3_errmsg(st_store_db(s)));
	return ST_OK;
}

/* One trend chart per measurement; the changed ones first. */
static void charts(struct st_sbuf *b, const struct nr_data *d)
{
	const char *xl[NR_MAX_NIGHTS];
	int nu = d->nunits < NR_MAX_UNITS ? d->nunits : NR_MAX_UNITS;

	for (int n = 0; n < d->nnights; n++)
		xl[n] = d->nights[n].firmware;
	for (int pass = 1; pass >= 0; pass--) {
		for (int i = 0; i < d->nkeys; i++) {
			const struct nr_key *k = &d->keys[i];
			struct st_chart_trend c = { k->key, k->unit, d->nnights, xl, nu, { 0 }, { 0 },
						    { 0 }, { 0 }, { 0 } };

			if (k->changed != pass)
				continue;
			for (int u = 0; u < nu; u++) {
				c.label[u] = d->units[u].serial;
				c.value[u] = k->v[u];
				c.mark[u] = k->mark[u];
				c.band_lo[u] = k->band_lo[u];
				c.band_hi[u] = k->band_hi[u];
			}
			st_sbuf_printf(b, "<div class=\"trend%s\">\n", pass ? " changed" : "");
			st_svg_trend(b, &c);
			st_sbuf_puts(b, "</div>\n");
		}
	}
	if (!d->nkeys)
		st_sbuf_puts(b, "<p>No golden unit was measured tonight.</p>\n");
}

static int render(struct st_store *s, const struct nr_data *d, const char *tpl,
		  const char *tpl_path, const char *css, struct st_sbuf *out, char *err)
{
	struct st_sbuf f[3] = { { 0 } };
	char title[96], nb[16], nn[16], now[32];
	const struct nr_night *t = &d->tonight;
	int ret;

	units_table(&f[0], d);
	ret = changes_table(s, d, &f[1], err);
	charts(&f[2], d);
	snprintf(title, sizeof(title), "Nightly %.31s %.8s", t->firmware, t->uuid);
	snprintf(nb, sizeof(nb), "%d", t->baseline_builds);
	snprintf(nn, sizeof(nn), "%d", d->nnights);
	st_iso8601_now(now);
	for (int i = 0; i < 3 && !ret; i++)
		ret = st_sbuf_ok(&f[i], err);
	if (!ret) {
		const struct st_tpl_var vars[] = {
			{ "css", css, 1 }, { "title", title, 0 }, { "firmware", t->firmware, 0 },
			{ "night_uuid", t->uuid, 0 }, { "started", t->started, 0 },
			{ "ended", t->ended[0] ? t->ended : "-", 0 }, { "model", t->model, 0 },
			{ "plan", t->plan, 0 }, { "station", t->station, 0 },
			{ "outcome", t->outcome, 0 }, { "summary", t->summary[0] ? t->summary : "-", 0 },
			{ "baseline_builds", nb, 0 }, { "nights", nn, 0 },
			{ "units", st_sbuf_str(&f[0]), 1 }, { "changes", st_sbuf_str(&f[1]), 1 },
			{ "charts", st_sbuf_str(&f[2]), 1 }, { "generated", now, 0 },
		};
		ret = st_tpl_render(tpl_path, tpl, vars, (int)ST_ARRAY_SIZE(vars), out, err);
	}
	for (int i = 0; i < 3; i++)
		st_sbuf_free(&f[i]);
	return ret;
}

int st_report_nightly(struct st_store *s, const char *firmware, int last,
		      const struct st_report_opts *o, struct st_sbuf *out, char *err)
{
	struct nr_data *d;
	char *tpl = NULL, *css = NULL, tpl_path[1024];
	int ret;

	if (last < 1 || last > NR_MAX_NIGHTS)
		return st_fail(err, ST_ERR_ARG, "--last wants 1 to %d builds", NR_MAX_NIGHTS);
	ret = rr_assets(o, "nightly.html", nightly_names, (int)ST_ARRAY_SIZE(nightly_names), &tpl,
			tpl_path, sizeof(tpl_path), &css, err);
	if (ret)
		return ret;
	d = calloc(1, sizeof(*d));
	if (!d)
		ret = st_fail(err, ST_ERR_MEM, "out of memory");
	if (!ret)
		ret = nr_load(s, firmware, last, d, err);
	if (!ret) {
		ret = render(s, d, tpl, tpl_path, css, out, err);
		nr_free(d);
	}
	free(d);
	free(tpl);
	free(css);
	return ret;
}
