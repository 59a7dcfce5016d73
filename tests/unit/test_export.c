/*
 * test_export.c - station export's pure parts (golden/export.h): the CSV
 * field encoder (RFC 4180 quoting, the formula guard, invalid UTF-8), the
 * shortest round-trip numbers, --since parsing into stored-time text; and
 * a whole export from a store holding hostile text, read back by the
 * station's own CSV reader and by jansson.
 */
#include "testutil.h"

#include <jansson.h>
#include <math.h>
#include <time.h>

#include "core/csv.h"
#include "core/st.h"
#include "golden/export.h"
#include "store/store.h"

static char *field(const char *s, int last)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	st_export_csv_field(f, s, last);
	fclose(f);
	return buf;
}

static char *num(double v)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	st_export_csv_num(f, v, 1);
	fclose(f);
	return buf;
}

static void expect_field(const char *in, int last, const char *want)
{
	char *got = field(in, last);

	assert_string_equal(got, want);
	free(got);
}

static void test_csv_quoting(void **state)
{
	(void)state;
	expect_field("plain", 0, "plain,");
	expect_field("plain", 1, "plain\r\n");
	expect_field("", 0, ",");
	expect_field(NULL, 0, ",");
	expect_field("a,b", 0, "\"a,b\",");
	expect_field("say \"hi\"", 0, "\"say \"\"hi\"\"\",");
	expect_field("two\nlines", 0, "\"two\nlines\",");
	expect_field("cr\rhere", 0, "\"cr\rhere\",");
	expect_field("mid=dle", 0, "mid=dle,");
	expect_field("\xff" "x", 0, "\xef\xbf\xbdx,");
}

static void test_csv_formula_guard(void **state)
{
	(void)state;
	expect_field("=1+2", 0, "\"'=1+2\",");
	expect_field("+SUM(A1)", 0, "\"'+SUM(A1)\",");
	expect_field("-2+3", 0, "\"'-2+3\",");
	expect_field("@cmd", 0, "\"'@cmd\",");
	expect_field("\tx", 0, "\"'\tx\",");
	expect_field("=HYPERLINK(\"http://x\",\"y\")", 1,
		     "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n");
}

static void test_csv_numbers(void **state)
{
	char *s;

	(void)state;
	s = num(0.1);
	assert_string_equal(s, "0.1\r\n");
	free(s);
	s = num(22.446778320926601);
	assert_true(strtod(s, NULL) == 22.446778320926601);
	free(s);
	s = num(-3);
	assert_string_equal(s, "-3\r\n");
	free(s);
	s = num(NAN);
	assert_string_equal(s, "\r\n");
	free(s);
	s = num(1.0 / 3.0);
	assert_true(strtod(s, NULL) == 1.0 / 3.0);
	free(s);
}

static void expect_since(const char *in, const char *want)
{
	char out[32], err[ST_ERRLEN];

	assert_int_equal(st_export_since(in, out, err), ST_OK);
	assert_string_equal(out, want);
}

static void expect_bad_since(const char *in)
{
	char out[32], err[ST_ERRLEN] = "";

	assert_int_equal(st_export_since(in, out, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "--since"));
	assert_null(strchr(err, '\n'));
}

static void test_since(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	expect_since("2026-11-22", "2026-11-22T00:00:00.000Z");
	expect_since("2026-11-22T09:30", "2026-11-22T09:30:00.000Z");
	expect_since("2026-11-22 09:30:15", "2026-11-22T09:30:15.000Z");
	expect_since("2026-11-22T09:30:15.5Z", "2026-11-22T09:30:15.500Z");
	expect_since("2026-11-22T09:30:15.123456Z", "2026-11-22T09:30:15.123Z");
	expect_since("2026-11-22T01:00+02:00", "2026-11-21T23:00:00.000Z");
	expect_since("2026-11-22T23:00-0130", "2026-11-23T00:30:00.000Z");
	expect_since("2024-02-29", "2024-02-29T00:00:00.000Z");
	setenv("TZ", "CET-1", 1);  /* local time one hour east of UTC */
	tzset();
	expect_since("2026-11-22", "2026-11-21T23:00:00.000Z");
	expect_since("2026-11-22T10:00Z", "2026-11-22T10:00:00.000Z");
	setenv("TZ", "UTC", 1);
	tzset();
	expect_bad_since("");
	expect_bad_since("yesterday");
	expect_bad_since("2026-13-01");
	expect_bad_since("2026-02-30");
	expect_bad_since("2025-02-29");
	expect_bad_since("2026-11-22T25:00");
	expect_bad_since("2026-11-22T09");
	expect_bad_since("2026-11-22T09:30:15.");
	expect_bad_since("2026-11-22T09:30Zjunk");
	expect_bad_since("2026-11-22'; DROP TABLE runs; --");
	expect_bad_since("\x1b[31m2026");
	/* the normalised text compares with stored times as the instants do */
	{
		char a[32], err[ST_ERRLEN];
		assert_int_equal(st_export_since("2026-11-22 09:00", a, err), ST_OK);
		assert_true(strcmp("2026-11-22T09:00:00.000Z", a) >= 0);
		assert_true(strcmp("2026-11-22T08:59:59.999Z", a) < 0);
	}
}

/* A store with two runs, one of them full of hostile text. */
static struct st_store *hostile_store(char *path, size_t n)
{
	struct st_store *s;
	struct st_run_info ri;
	char err[ST_ERRLEN];
	long long step;

	snprintf(path, n, "/tmp/st-test-export-%d.db", (int)getpid());
	unlink(path);
	assert_int_equal(st_store_open(&s, path, err), ST_OK);
	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, "=cmd|' /C calc'!A0", sizeof(ri.serial));
	st_strlcpy(ri.model, "WH-1000XM5", sizeof(ri.model));
	st_strlcpy(ri.firmware, "2.4.1", sizeof(ri.firmware));
	st_strlcpy(ri.plan, "nightly", sizeof(ri.plan));
	st_strlcpy(ri.operator_, "O'Brien, \"Bob\"\r\nx", sizeof(ri.operator_));
	st_strlcpy(ri.started, "2026-11-22T09:00:00.000Z", sizeof(ri.started));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 1, "anc,<b>", "anc", "FAIL", 0, 1, "", &step, err),
			 ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, step, "anc.active_db.L.100Hz", 14.25, "dB",
					      18, NAN, "FAIL", err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, 0, "@run.level", NAN, "", NAN, NAN, "ERROR",
					      err), ST_OK);
	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, "G2", sizeof(ri.serial));
	st_strlcpy(ri.started, "2026-11-23T09:00:00.000Z", sizeof(ri.started));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, 0, "x", 1, "s", 0, 2, "PASS", err), ST_OK);
	return s;
}

static char *export_text(struct st_store *s, const struct st_run_filter *f,
			 enum st_export_format fmt, long *rows)
{
	char *buf = NULL, err[ST_ERRLEN];
	size_t n = 0;
	FILE *o = open_memstream(&buf, &n);

	assert_non_null(o);
	assert_int_equal(st_export(s, f, fmt, o, rows, err), ST_OK);
	fclose(o);
	return buf;
}

static void test_export_csv_reads_back(void **state)
{
	char path[128], err[ST_ERRLEN];
	struct st_store *s = hostile_store(path, sizeof(path));
	struct st_csv *c;
	long rows;
	char *text = export_text(s, NULL, ST_EXPORT_CSV, &rows);

	(void)state;
	assert_int_equal(rows, 3);
	assert_int_equal(st_csv_parse("export.csv", text, strlen(text), ST_CSV_ALLOW_CRLF, &c, err),
			 ST_OK);
	assert_int_equal(c->nrecords, 4);
	assert_int_equal(c->rec[0].nfields, 17);
	assert_string_equal(c->rec[1].field[1], "'=cmd|' /C calc'!A0");
	/* the station's reader keeps a quoted CR LF as LF */
	assert_string_equal(c->rec[1].field[6], "O'Brien, \"Bob\"\nx");
	assert_string_equal(c->rec[1].field[9], "1");
	assert_string_equal(c->rec[1].field[10], "anc,<b>");
	assert_string_equal(c->rec[1].field[12], "14.25");
	assert_string_equal(c->rec[1].field[14], "18");
	assert_string_equal(c->rec[1].field[15], "");
	assert_string_equal(c->rec[2].field[11], "'@run.level");
	assert_string_equal(c->rec[2].field[9], "");
	assert_string_equal(c->rec[3].field[1], "G2");
	st_csv_free(c);
	free(text);
	st_store_close(s);
	unlink(path);
}

static void test_export_json_and_filters(void **state)
{
	char path[128];
	struct st_store *s = hostile_store(path, sizeof(path));
	struct st_run_filter f = { .since = "2026-11-23" };
	json_error_t je;
	json_t *o;
	long rows;
	char *text = export_text(s, NULL, ST_EXPORT_JSON, &rows), *line, *save = NULL;
	int n = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		o = json_loads(line, 0, &je);
		assert_non_null(o);
		if (n == 0) {
			assert_string_equal(json_string_value(json_object_get(o, "serial")),
					    "=cmd|' /C calc'!A0");
			assert_true(json_real_value(json_object_get(o, "value")) == 14.25);
			assert_true(json_is_null(json_object_get(o, "high")));
		}
		if (n == 1)
			assert_true(json_is_null(json_object_get(o, "step")));
		json_decref(o);
	}
	assert_int_equal(n, 3);
	free(text);
	text = export_text(s, &f, ST_EXPORT_CSV, &rows);
	assert_int_equal(rows, 1);
	free(text);
	f = (struct st_run_filter){ .serial = "=cmd|' /C calc'!A0", .plan = "nightly" };
	text = export_text(s, &f, ST_EXPORT_CSV, &rows);
	assert_int_equal(rows, 2);
	free(text);
	f = (struct st_run_filter){ .model = "nope" };
	text = export_text(s, &f, ST_EXPORT_CSV, &rows);
	assert_int_equal(rows, 0);
	assert_string_equal(text, "run,serial,model,firmware,plan,station,operator,started,outcome,"
				  "step_idx,step,measurement,value,unit,low,high,verdict\r\n");
	free(text);
	st_store_close(s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_formula_guard),
		cmocka_unit_test(test_csv_numbers),
		cmocka_unit_test(test_since),
		cmocka_unit_test(test_export_csv_reads_back),
		cmocka_unit_test(test_export_json_and_filters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
