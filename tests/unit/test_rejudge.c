/*
 * test_rejudge.c - `station rejudge` (golden/rejudge.h): one measurement
 * against a limit, a mask band, no limit, no value; a stored run judged
 * against a stricter file (FAIL naming the measurement, the original rows
 * untouched), twice with the same verdicts; a step that failed for another
 * reason than its measurements and a run that ended ERROR are kept; the
 * judgements read back in order; a run still running is refused.
 */
#include "testutil.h"

#include <math.h>

#include "core/st.h"
#include "golden/rejudge.h"
#include "limits/limits.h"
#include "store/store.h"

static const char *strict_file(void)
{
	return tu_tmpfile(".lim", "include WH-1000XM5.lim\n"
				  "limit mic.delay_us range -1 1 unit us marginal 0\n"
				  "mask anc.active_db unit dB\n\t100\t20\t-\n\t1000\t20\t-\nend\n");
}

static void test_one(void **state)
{
	struct st_limits *l;
	struct st_judgement_result r;
	char err[ST_ERRLEN];
	const char *path = strict_file();

	(void)state;
	assert_int_equal(st_limits_load_run(path, NULL, &l, err), ST_OK);
	memset(&r, 0, sizeof(r));
	st_rejudge_one(l, "mic.2.delay_us", 0.5, &r);
	assert_string_equal(r.verdict, "PASS");
	assert_string_equal(r.limit_name, "mic.delay_us");
	assert_true(r.low == -1 && r.high == 1);
	assert_non_null(strstr(r.limit_at, ".lim:2"));
	st_rejudge_one(l, "mic.2.delay_us", 1.5, &r);
	assert_string_equal(r.verdict, "FAIL");
	st_rejudge_one(l, "mic.2.delay_us", NAN, &r);
	assert_string_equal(r.verdict, "ERROR");
	st_rejudge_one(l, "anc.active_db.L.200Hz", 19.0, &r);
	assert_string_equal(r.verdict, "FAIL");
	assert_string_equal(r.limit_name, "anc.active_db@200Hz");
	assert_true(r.low == 20 && isnan(r.high));
	st_rejudge_one(l, "anc.active_db.R.200Hz", 21.0, &r);
	assert_string_equal(r.verdict, "PASS");
	st_rejudge_one(l, "anc.active_db.R.50Hz", 1.0, &r);   /* outside the mask */
	assert_string_equal(r.verdict, "");
	st_rejudge_one(l, "no.such.thing", 1.0, &r);
	assert_string_equal(r.verdict, "");
	assert_string_equal(r.limit_name, "");
	st_limits_free(l);
	unlink(path);
}

/* A run: an anc step (PASS), a mics step, a reset step that FAILed with no
 * failing measurement. */
static long long add_run(struct st_store *s, const char *outcome, int reset_fail, char uuid[37])
{
	struct st_run_info ri;
	char err[ST_ERRLEN];
	long long step;

	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, "G1", sizeof(ri.serial));
	st_strlcpy(ri.model, "WH-1000XM5", sizeof(ri.model));
	st_strlcpy(ri.firmware, "2.4.1", sizeof(ri.firmware));
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 1, "anc", "anc", "PASS", 0, 1, "", &step, err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, step, "anc.active_db.L.200Hz", 22, "dB", 17,
					      NAN, "PASS", err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 2, "mics", "mics", "PASS", 1, 1, "", &step, err),
			 ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, step, "mic.1.delay_us", 2.5, "us", -20, 20,
					      "PASS", err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 3, "reset factory", "reset",
				       reset_fail ? "FAIL" : "PASS", 2, 1,
				       reset_fail ? "no LED feedback" : "", &step, err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, step, "reset.hold_error_s", 0, "s", -0.3, 0.3,
					      "PASS", err), ST_OK);
	if (outcome)
		assert_int_equal(st_store_run_end(s, ri.id, outcome, "", "fixture silent", err), ST_OK);
	st_strlcpy(uuid, ri.uuid, 37);
	return ri.id;
}

struct seen { int n; char verdicts[4][12]; };

static int judgement_cb(const struct st_judgement *j, void *ctx)
{
	struct seen *s = ctx;

	if (s->n < 4)
		st_strlcpy(s->verdicts[s->n], j->verdict, sizeof(s->verdicts[0]));
	s->n++;
	return 0;
}

static int meas_cb(const struct st_meas_row *m, void *ctx)
{
	if (!strcmp(m->name, "mic.1.delay_us"))
		assert_string_equal(m->verdict, "PASS");  /* the original is untouched */
	(*(int *)ctx)++;
	return 0;
}

static void test_run(void **state)
{
	char path[128], err[ST_ERRLEN] = "", uuid[37], u2[37], u3[37], u4[37];
	const char *lim = strict_file();
	struct st_store *s;
	struct st_rejudge a, b;
	struct seen seen = { 0 };
	long long id;
	int n = 0;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/st-test-rejudge-%d.db", (int)getpid());
	unlink(path);
	assert_int_equal(st_store_open(&s, path, err), ST_OK);
	id = add_run(s, "PASS", 0, uuid);
	assert_int_equal(st_rejudge(s, uuid, lim, "/tmp", &a, err), ST_OK);
	assert_string_equal(a.j.verdict, "FAIL");
	assert_non_null(strstr(a.j.reason, "mic.1.delay_us 2.5 us above 1 (mic.delay_us)"));
	assert_int_equal(a.j.judged, 3);
	assert_int_equal(a.j.changed, 1);
	assert_string_equal(a.j.captures, "none");
	assert_int_equal(st_store_judgement(s, &a.j, a.r, a.n, err), ST_OK);
	assert_int_equal(st_rejudge(s, uuid, lim, "/tmp", &b, err), ST_OK);
	assert_int_equal(st_store_judgement(s, &b.j, b.r, b.n, err), ST_OK);
	assert_int_equal(a.n, b.n);
	for (int i = 0; i < a.n; i++)
		assert_string_equal(a.r[i].verdict, b.r[i].verdict);
	assert_string_not_equal(a.j.uuid, b.j.uuid);
	st_rejudge_free(&a);
	st_rejudge_free(&b);
	assert_int_equal(st_store_judgements(s, id, judgement_cb, &seen, err), ST_OK);
	assert_int_equal(seen.n, 2);
	assert_int_equal(st_store_measurements(s, id, meas_cb, &n, err), ST_OK);
	assert_int_equal(n, 3);

	/* a reset that failed without a failing measurement is kept */
	add_run(s, "FAIL", 1, u2);
	assert_int_equal(st_rejudge(s, u2, lim, NULL, &a, err), ST_OK);
	assert_string_equal(a.j.verdict, "FAIL");
	st_rejudge_free(&a);
	{
		const char *loose = tu_tmpfile(".lim", "include WH-1000XM5.lim\n");
		assert_int_equal(st_rejudge(s, u2, loose, NULL, &a, err), ST_OK);
		assert_string_equal(a.j.verdict, "FAIL");
		assert_non_null(strstr(a.j.reason, "step reset factory FAIL kept"));
		st_rejudge_free(&a);
		/* a run that ended ERROR stays ERROR */
		add_run(s, "ERROR", 0, u3);
		assert_int_equal(st_rejudge(s, u3, loose, NULL, &a, err), ST_OK);
		assert_string_equal(a.j.verdict, "ERROR");
		assert_non_null(strstr(a.j.reason, "the run ended ERROR"));
		st_rejudge_free(&a);
		/* and it PASSes what passes */
		assert_int_equal(st_rejudge(s, uuid, loose, NULL, &a, err), ST_OK);
		assert_string_equal(a.j.verdict, "PASS");
		st_rejudge_free(&a);
		unlink(loose);
	}
	/* refused: a run still running, a limit file that does not load */
	add_run(s, NULL, 0, u4);
	assert_int_equal(st_rejudge(s, u4, lim, NULL, &a, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "still running"));
	assert_int_equal(st_rejudge(s, uuid, "/nonexistent.lim", NULL, &a, err), ST_ERR_PARSE);
	st_store_close(s);
	unlink(path);
	unlink(lim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
