/*
 * test_report.c - the report building blocks (station/report/): the HTML
 * escaper every outside text goes through, the template placeholders and
 * their file:line:col refusals, the inline SVG charts (masks, failing
 * points, Pareto order and cumulative line), and a run report rendered
 * from a store holding hostile text.  Also the batch records of
 * station/store/batch.c that the batch report and resuming read.
 */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "core/st.h"
#include "model/model.h"
#include "report/html.h"
#include "report/report.h"
#include "report/svg.h"
#include "store/batch.h"
#include "store/store.h"

static void test_escape(void **state)
{
	struct st_sbuf b = { 0 };

	(void)state;
	st_sbuf_html(&b, "<script>alert(1)</script> & \"q\" 'a'");
	assert_string_equal(st_sbuf_str(&b),
			    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;");
	st_sbuf_free(&b);
	st_sbuf_html(&b, "a\x01\x1b[31mb\tc\nd");     /* control characters replaced */
	assert_null(strchr(st_sbuf_str(&b), '\x01'));
	assert_null(strchr(st_sbuf_str(&b), '\x1b'));
	assert_non_null(strstr(st_sbuf_str(&b), "[31mb\tc\nd"));
	st_sbuf_free(&b);
	st_sbuf_html(&b, "caf\xc3\xa9 \xff \xc0\xaf \xe2\x82");  /* bad UTF-8 -> U+FFFD */
	assert_true(strncmp(st_sbuf_str(&b), "caf\xc3\xa9 \xef\xbf\xbd ", 10) == 0);
	assert_null(strstr(st_sbuf_str(&b), "\xff"));
	assert_null(strstr(st_sbuf_str(&b), "\xc0"));
	st_sbuf_free(&b);
	st_sbuf_html(&b, NULL);
	assert_string_equal(st_sbuf_str(&b), "");
	st_sbuf_printf(&b, "%d-%s", 42, "x");
	assert_string_equal(st_sbuf_str(&b), "42-x");
	assert_int_equal(st_sbuf_ok(&b, NULL), ST_OK);
	st_sbuf_free(&b);
}

static void test_template(void **state)
{
	const char *const names[] = { "serial", "table" };
	const struct st_tpl_var vars[] = { { "serial", "<b>S&1</b>", 0 }, { "table", "<table></table>", 1 } };
	struct st_sbuf b = { 0 };
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_tpl_check("t.html", "<p>{{serial}}</p>\n{{table}}", names, 2, err), ST_OK);
	assert_int_equal(st_tpl_render("t.html", "<p>{{serial}}</p>{{table}}{{serial}}", vars, 2, &b, err), ST_OK);
	assert_string_equal(st_sbuf_str(&b), "<p>&lt;b&gt;S&amp;1&lt;/b&gt;</p><table></table>&lt;b&gt;S&amp;1&lt;/b&gt;");
	st_sbuf_free(&b);
	assert_int_equal(st_tpl_check("t.html", "line\n  {{colour}}", names, 2, err), ST_ERR_PARSE);
	assert_string_equal(err, "t.html:2:3: unknown placeholder {{colour}}");
	assert_int_equal(st_tpl_check("t.html", "x {{Serial}}", names, 2, err), ST_ERR_PARSE);
	assert_string_equal(err, "t.html:1:3: malformed placeholder: write {{name}} with a-z, 0-9 and _");
	assert_int_equal(st_tpl_check("t.html", "{{serial", names, 2, err), ST_ERR_PARSE);
	assert_int_equal(st_tpl_render("t.html", "{{nope}}", vars, 2, &b, err), ST_ERR_PARSE);
	st_sbuf_free(&b);
}

static void test_assets(void **state)
{
	char dir[] = "/tmp/st-rep-XXXXXX", path[512], *text = NULL, err[ST_ERRLEN];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/reports", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/reports/report.css", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("p { color: red; }\n  </style>\n", f);
	fclose(f);
	assert_int_equal(st_report_asset(dir, "report.css", &text, NULL, 0, err), ST_ERR_PARSE);
	assert_null(text);
	assert_non_null(strstr(err, "report.css:2:3: a stylesheet may not contain"));
	assert_int_equal(st_report_asset(dir, "run.html", &text, NULL, 0, err), ST_ERR_NOTFOUND);
	unlink(path);
	snprintf(path, sizeof(path), "%s/reports", dir);
	rmdir(path);
	rmdir(dir);
	/* the shipped ones load */
	assert_int_equal(st_report_asset(NULL, "report.css", &text, NULL, 0, err), ST_OK);
	free(text);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_svg_bands_and_bars(void **state)
{
	double hz[3] = { 100, 1000, 10000 }, l[3] = { 20, 5, NAN }, r[3] = { 21, 12, 1 };
	double mask[3] = { 18, 10, -3 };
	struct st_chart_bands c = { "ANC <&>", "dB", 3, hz, 2, { "L", "R" }, { l, r }, mask, NULL };
	const char *labels[2] = { "mic 1", "mic <2>" };
	double v[2] = { 35, 2 }, lo[2] = { -20, -20 }, hi[2] = { 20, 20 };
	struct st_chart_bars bars = { "Delay", "us", 2, labels, v, lo, hi };
	struct st_sbuf b = { 0 };

	(void)state;
	st_svg_bands(&b, &c);
	assert_non_null(strstr(st_sbuf_str(&b), "<title>ANC &lt;&amp;&gt;</title>"));
	assert_int_equal(count(st_sbuf_str(&b), "class=\"point series-"), 5);     /* NAN left out */
	assert_int_equal(count(st_sbuf_str(&b), " fail\""), 1);                   /* L at 1 kHz: 5 < 10 */
	assert_int_equal(count(st_sbuf_str(&b), "<polyline class=\"mask\""), 1);  /* one unbroken mask */
	assert_int_equal(count(st_sbuf_str(&b), "<rect class=\"fail-zone\""), 3);
	assert_null(strstr(st_sbuf_str(&b), "nan"));
	assert_null(strstr(st_sbuf_str(&b), "inf"));
	st_sbuf_free(&b);
	st_svg_bars(&b, &bars);
	assert_int_equal(count(st_sbuf_str(&b), "class=\"bar fail\""), 1);
	assert_int_equal(count(st_sbuf_str(&b), "class=\"bar pass\""), 1);
	assert_non_null(strstr(st_sbuf_str(&b), "mic &lt;2&gt;"));
	st_sbuf_free(&b);
}

static void test_svg_pareto(void **state)
{
	const char *labels[3] = { "a", "b", "c" };
	int n[3] = { 6, 3, 1 };
	struct st_chart_pareto p = { "Causes", 3, labels, n };
	struct st_sbuf b = { 0 };
	const char *cum;
	double x, y, last = 1e9;

	(void)state;
	st_svg_pareto(&b, &p);
	assert_int_equal(count(st_sbuf_str(&b), "<rect class=\"bar\""), 3);
	cum = strstr(st_sbuf_str(&b), "<polyline class=\"cum\" points=\"");
	assert_non_null(cum);
	cum = strchr(cum, '"') + 1;
	cum = strchr(cum, '"') + 1;
	cum = strchr(cum, '"') + 1;
	for (int i = 0; i < 3; i++) {         /* the cumulative line rises */
		int used;

		assert_int_equal(sscanf(cum, "%lf,%lf %n", &x, &y, &used), 2);
		assert_true(y < last);
		last = y;
		cum += used;
	}
	st_sbuf_free(&b);
}

/* A store holding one run with hostile text and a batch around it. */
static void test_run_report_and_batch(void **state)
{
	char dir[] = "/tmp/st-rep-XXXXXX", db[512], err[ST_ERRLEN];
	struct st_store *s;
	struct st_run_info ri = { 0 }, found;
	struct st_batch_info bi = { 0 }, bf;
	struct st_batch_unit u[2] = { { 0 } }, back;
	struct st_sbuf out = { 0 }, csv = { 0 };
	char buuid[37];
	long long sid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/r.db", dir);
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	st_strlcpy(bi.file, "b.csv", sizeof(bi.file));
	st_strlcpy(bi.operator_, "<op>", sizeof(bi.operator_));
	for (int i = 0; i < 2; i++) {
		u[i].idx = i + 1;
		u[i].line = i + 2;
		snprintf(u[i].serial, sizeof(u[i].serial), i ? "S2" : "<script>alert(1)</script>");
		st_strlcpy(u[i].rma, "R", sizeof(u[i].rma));
		st_strlcpy(u[i].model, "WH-1000XM5", sizeof(u[i].model));
		st_strlcpy(u[i].symptom, "no pairing", sizeof(u[i].symptom));
		st_strlcpy(u[i].plan, "repair", sizeof(u[i].plan));
	}
	assert_int_equal(st_batch_create(s, &bi, u, 2, err), ST_OK);
	assert_int_equal(st_batch_unit_begin(s, u[0].id, "repair", "placement,serial", 0, err), ST_OK);
	st_strlcpy(ri.serial, u[0].serial, sizeof(ri.serial));
	st_strlcpy(ri.model, "WH-1000XM5", sizeof(ri.model));
	st_strlcpy(ri.operator_, "o'\"brien", sizeof(ri.operator_));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 0, "identify", "step", "FAIL", 0, 1, "<b>bad</b>", &sid, err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, sid, "anc.active_db.L.100Hz", 12, "dB", 18, NAN, "FAIL", err), ST_OK);
	assert_int_equal(st_store_event(s, ri.id, 0.5, "action", "press <POWER>", err), ST_OK);
	assert_int_equal(st_store_run_end(s, ri.id, "FAIL", "service-anc", "short & weak", err), ST_OK);
	assert_int_equal(st_store_find_run(s, ri.uuid, &found, err), ST_OK);
	assert_int_equal(st_batch_unit_end(s, bi.id, u[0].id, "done", ri.id, "FAIL", "customer-advice", "why <x>", 0, err), ST_OK);
	assert_int_equal(st_batch_unit_of_run(s, ri.id, &back, buuid, err), ST_OK);
	assert_string_equal(buuid, bi.uuid);
	assert_string_equal(back.disposition, "customer-advice");
	assert_int_equal(st_batch_find(s, bi.uuid, &bf, err), ST_OK);
	assert_int_equal(bf.rows_done, 1);
	assert_int_equal(bf.rows_total, 2);

	assert_int_equal(st_report_run(s, ri.uuid, NULL, &out, err), ST_OK);
	assert_null(strstr(st_sbuf_str(&out), "<script>"));
	assert_non_null(strstr(st_sbuf_str(&out), "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(st_sbuf_str(&out), "o&#39;&quot;brien"));
	assert_non_null(strstr(st_sbuf_str(&out), "press &lt;POWER&gt;"));
	assert_non_null(strstr(st_sbuf_str(&out), "<svg class=\"chart bands\""));
	assert_non_null(strstr(st_sbuf_str(&out), "why &lt;x&gt;"));   /* the batch's reason as advice */
	st_sbuf_free(&out);
	assert_int_equal(st_report_batch(s, bi.uuid, NULL, &out, &csv, err), ST_OK);
	assert_null(strstr(st_sbuf_str(&out), "<script>"));
	assert_non_null(strstr(st_sbuf_str(&out), "&lt;op&gt;"));
	assert_non_null(strstr(st_sbuf_str(&csv), ",FAIL,customer-advice,why <x>,"));
	assert_int_equal(count(st_sbuf_str(&csv), "\n"), 3);
	st_sbuf_free(&out);
	st_sbuf_free(&csv);
	/* a unit left "testing" by a dead batch finds the run begun for it */
	assert_int_equal(st_batch_unit_begin(s, u[1].id, "repair", "", 0, err), ST_OK);
	assert_int_equal(st_batch_unit_last_run(s, &u[1], &found, err), ST_ERR_NOTFOUND);
	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, "S2", sizeof(ri.serial));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	st_iso8601_now(u[1].started);
	st_strlcpy(u[1].started, "2000-01-01T00:00:00.000Z", sizeof(u[1].started));
	assert_int_equal(st_batch_unit_last_run(s, &u[1], &found, err), ST_OK);
	assert_string_equal(found.uuid, ri.uuid);
	assert_string_equal(found.outcome, "running");
	assert_int_equal(st_report_run(s, "ffffffff", NULL, &out, err), ST_ERR_NOTFOUND);
	assert_int_equal(st_batch_find(s, "zz", &bf, err), ST_ERR_ARG);
	st_sbuf_free(&out);
	st_store_close(s);
	snprintf(db, sizeof(db), "rm -rf %s", dir);
	assert_int_equal(system(db), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_assets),
		cmocka_unit_test(test_svg_bands_and_bars),
		cmocka_unit_test(test_svg_pareto),
		cmocka_unit_test(test_run_report_and_batch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
