/*
 * test_learn.c - `station limits learn`'s pure parts and its file: median,
 * MAD, outliers by the modified z-score (and the MAD = 0 fallback), mean
 * and sample sd (golden/stats.h); measurement names to limits and mask
 * bands (golden/names.h); and a learned file from a store of synthetic
 * golden runs: it loads as a run's limit set, its bounds are mean +- k sd
 * of the values without the outlier, it lists the outlier, units, runs and
 * firmware, it is byte-identical when learned twice, and too few runs are
 * refused naming the unit.
 */
#include "testutil.h"

#include <math.h>

#include "core/st.h"
#include "golden/learn.h"
#include "golden/names.h"
#include "golden/stats.h"
#include "limits/limits.h"
#include "store/store.h"

static void test_median(void **state)
{
	double a[] = { 3, 1, 2 }, b[] = { 4, 1, 3, 2 };

	(void)state;
	assert_true(st_median(a, 3) == 2);
	assert_true(st_median(b, 4) == 2.5);
	assert_true(a[0] == 3);  /* not sorted in place */
}

static void test_outlier_rejected(void **state)
{
	double v[] = { 10.0, 10.1, 9.9, 10.05, 9.95, 30.0 };
	unsigned char out[6];
	struct st_stats st;
	double mean = (10.0 + 10.1 + 9.9 + 10.05 + 9.95) / 5, ss = 0;

	(void)state;
	assert_int_equal(st_stats_robust(v, 6, ST_OUTLIER_Z, out, &st), ST_OK);
	assert_int_equal(st.n, 6);
	assert_int_equal(st.kept, 5);
	assert_int_equal(out[5], 1);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(out[i], 0);
		ss += (v[i] - mean) * (v[i] - mean);
	}
	assert_true(fabs(st.median - 10.025) < 1e-12);
	assert_true(fabs(st.mad - 0.075) < 1e-12);
	assert_true(fabs(st.mean - mean) < 1e-12);
	assert_true(fabs(st.sd - sqrt(ss / 4)) < 1e-12);
	assert_true(st.min == 9.9 && st.max == 10.1);
}

static void test_mad_zero(void **state)
{
	double v[] = { 5, 5, 5, 5, 5, 6 }, same[] = { 2, 2, 2 };
	unsigned char out[6];
	struct st_stats st;

	(void)state;
	/* MAD 0: the mean absolute deviation (1/6) x 1.2533 is the scale */
	assert_int_equal(st_stats_robust(v, 6, ST_OUTLIER_Z, out, &st), ST_OK);
	assert_true(st.mad == 0);
	assert_true(fabs(st.spread - 1.253314 / 6) < 1e-9);
	assert_int_equal(out[5], 1);
	assert_int_equal(st.kept, 5);
	assert_true(st.sd == 0);
	/* all equal: nothing is an outlier, no spread */
	assert_int_equal(st_stats_robust(same, 3, ST_OUTLIER_Z, out, &st), ST_OK);
	assert_int_equal(st.kept, 3);
	assert_true(st.sd == 0 && st.mean == 2);
	/* refusals */
	double bad[] = { 1, NAN };
	assert_int_equal(st_stats_robust(bad, 2, ST_OUTLIER_Z, NULL, &st), ST_ERR_ARG);
	assert_int_equal(st_stats_robust(v, 0, ST_OUTLIER_Z, NULL, &st), ST_ERR_ARG);
}

static void test_names(void **state)
{
	struct st_limits *l;
	struct st_limit_ref r;
	char err[ST_ERRLEN];
	double hz;

	(void)state;
	assert_int_equal(st_limits_load_model(NULL, "WH-1000XM5", NULL, &l, err), ST_OK);
	assert_int_equal(st_limit_ref_find(l, "anc.rampup_s", &r), 1);
	assert_string_equal(r.lim->name, "anc.rampup_s");
	assert_int_equal(st_limit_ref_find(l, "mic.3.delay_us", &r), 1);
	assert_string_equal(r.lim->name, "mic.delay_us");
	assert_int_equal(st_limit_ref_find(l, "anc.active_db.L.200Hz", &r), 1);
	assert_null(r.lim);
	assert_string_equal(r.mask->name, "anc.active_db");
	assert_true(r.hz == 200);
	assert_int_equal(st_limit_ref_find(l, "anc.active_db.R.1250Hz", &r), 1);
	assert_true(r.hz == 1250);
	assert_int_equal(st_limit_ref_find(l, "nothing.here", &r), 0);
	assert_int_equal(st_limit_ref_find(l, "control.POWER.presses", &r), 1);
	assert_string_equal(r.lim->name, "control.presses_to_register");
	assert_int_equal(st_limit_ref_find(l, "control..presses", &r), 0);
	assert_int_equal(st_mask_band("anc.total_db", "anc.total_db.100Hz", &hz), 1);
	assert_int_equal(st_mask_band("anc.total_db", "anc.total_db.L.x.100Hz", &hz), 0);
	assert_int_equal(st_mask_band("anc.total_db", "anc.total_db.L.100", &hz), 0);
	assert_int_equal(st_mask_band("anc.total_db", "anc.total_db.L.0Hz", &hz), 0);
	assert_int_equal(st_mask_band("anc.total_db", "anc.total_dbx.L.100Hz", &hz), 0);
	st_limits_free(l);
}

/* --- a learned file from synthetic golden runs --- */

static const double bands[] = { 100, 200, 1000 };

/* Value of unit u, run r: reproducible small spread. */
static double jitter(int u, int r, int i)
{
	return 0.01 * (((u * 7 + r * 13 + i * 5) % 11) - 5);
}

static void add_run(struct st_store *s, const char *serial, const char *fw, int u, int r,
		    double delay)
{
	struct st_run_info ri;
	char err[ST_ERRLEN], name[64];
	long long step;

	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, serial, sizeof(ri.serial));
	st_strlcpy(ri.model, "WH-1000XM5", sizeof(ri.model));
	st_strlcpy(ri.firmware, fw, sizeof(ri.firmware));
	st_strlcpy(ri.plan, "nightly", sizeof(ri.plan));
	snprintf(ri.started, sizeof(ri.started), "2026-11-%02dT0%d:00:00.000Z", 10 + r, u);
	assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
	assert_int_equal(st_store_step(s, ri.id, 1, "anc", "anc", "PASS", 0, 1, "", &step, err), ST_OK);
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "anc.active_db.L.%gHz", bands[i]);
		assert_int_equal(st_store_measurement(s, ri.id, step, name, 20 + i + jitter(u, r, i),
						      "dB", 15, NAN, "PASS", err), ST_OK);
		snprintf(name, sizeof(name), "anc.active_db.R.%gHz", bands[i]);
		assert_int_equal(st_store_measurement(s, ri.id, step, name, 20 + i - jitter(u, r, i),
						      "dB", 15, NAN, "PASS", err), ST_OK);
	}
	assert_int_equal(st_store_measurement(s, ri.id, step, "mic.1.delay_us", delay, "us", -20, 20,
					      "PASS", err), ST_OK);
	assert_int_equal(st_store_measurement(s, ri.id, step, "bt.link_ok", 1, "bool", 1, 1, "PASS",
					      err), ST_OK);
	assert_int_equal(st_store_run_end(s, ri.id, "PASS", "golden-ok", "", err), ST_OK);
}

static struct st_store *golden_store(char *path, size_t n)
{
	static const char *serials[] = { "G1", "G2", "G3" };
	struct st_store *s;
	char err[ST_ERRLEN];

	snprintf(path, n, "/tmp/st-test-learn-%d.db", (int)getpid());
	unlink(path);
	assert_int_equal(st_store_open(&s, path, err), ST_OK);
	for (int u = 0; u < 3; u++)
		for (int r = 0; r < 5; r++)
			add_run(s, serials[u], r < 3 ? "2.4.1" : "2.5.0", u, r,
				u == 1 && r == 2 ? 15.0 : 1.0 + jitter(u, r, 3));
	return s;
}

static char *learn_text(struct st_store *s, const char *out_path)
{
	struct st_learn_opts o;
	struct st_learn *L;
	char err[ST_ERRLEN], *text;
	size_t len;
	FILE *f;

	st_learn_opts_init(&o);
	o.serials[0] = "G1";
	o.serials[1] = "G2";
	o.serials[2] = "G3";
	o.nserials = 3;
	o.out_name = "golden.lim";
	assert_int_equal(st_learn_gather(s, &o, &L, err), ST_OK);
	f = fopen(out_path, "w");
	assert_non_null(f);
	assert_int_equal(st_learn_write(L, f, err), ST_OK);
	fclose(f);
	st_learn_free(L);
	assert_int_equal(st_read_file(out_path, &text, &len, err), ST_OK);
	return text;
}

static void test_learned_file(void **state)
{
	char path[128], lim_path[128], err[ST_ERRLEN];
	struct st_store *s = golden_store(path, sizeof(path));
	struct st_limits *l;
	const struct st_limit *d;
	const struct st_mask *m;
	char *text, *again;
	double v[14], mean = 0, ss = 0;
	int k = 0;

	(void)state;
	snprintf(lim_path, sizeof(lim_path), "/tmp/st-test-learn-%d.lim", (int)getpid());
	text = learn_text(s, lim_path);
	assert_int_equal(st_limits_load_run(lim_path, NULL, &l, err), ST_OK);
	/* mic.delay_us: the 14 values without the outlier 15.0 */
	for (int u = 0; u < 3; u++)
		for (int r = 0; r < 5; r++)
			if (!(u == 1 && r == 2))
				v[k++] = 1.0 + jitter(u, r, 3);
	for (int i = 0; i < k; i++)
		mean += v[i] / k;
	for (int i = 0; i < k; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	d = st_limits_get(l, "mic.delay_us");
	assert_non_null(d);
	assert_true(fabs(d->low - (mean - 3 * sqrt(ss / (k - 1)))) < 1e-5);
	assert_true(fabs(d->high - (mean + 3 * sqrt(ss / (k - 1)))) < 1e-5);
	assert_string_equal(d->unit, "us");
	m = st_limits_mask(l, "anc.active_db");
	assert_non_null(m);
	assert_int_equal(m->npts, 3);
	assert_true(m->pts[1].hz == 200 && m->pts[1].has_low && m->pts[1].has_high);
	assert_true(m->pts[1].low < 21 && m->pts[1].high > 21);
	/* kept from the model: the battery gate, yes/no limits */
	assert_true(st_limits_get(l, "battery.min_pct")->low == 10);
	assert_non_null(strstr(text, "outliers rejected:\n#   run "));
	assert_non_null(strstr(text, "unit G2 mic.1.delay_us = 15 (median 1"));
	assert_non_null(strstr(text, "# unit G1: 5 runs\n"));
	assert_non_null(strstr(text, "# firmware: 2.4.1 2.5.0\n"));
	assert_non_null(strstr(text, "bt.link_ok (yes/no)"));
	assert_non_null(strstr(text, "\ninclude WH-1000XM5.lim\n"));
	st_limits_free(l);
	/* same runs, same bytes */
	again = learn_text(s, lim_path);
	assert_string_equal(text, again);
	free(text);
	free(again);
	st_store_close(s);
	unlink(path);
	unlink(lim_path);
}

static void test_too_few_runs(void **state)
{
	char path[128], err[ST_ERRLEN] = "";
	struct st_store *s = golden_store(path, sizeof(path));
	struct st_learn_opts o;
	struct st_learn *L;

	(void)state;
	st_learn_opts_init(&o);
	o.serials[0] = "G1";
	o.serials[1] = "G9";
	o.nserials = 2;
	assert_int_equal(st_learn_gather(s, &o, &L, err), ST_ERR_ARG);
	assert_null(L);
	assert_non_null(strstr(err, "golden unit G9 has 0 PASS runs"));
	o.nserials = 1;
	o.min_runs = 6;
	assert_int_equal(st_learn_gather(s, &o, &L, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "G1 has 5 PASS runs"));
	o.min_runs = 5;
	o.plan = "repair";
	assert_int_equal(st_learn_gather(s, &o, &L, err), ST_ERR_ARG);
	st_store_close(s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_outlier_rejected),
		cmocka_unit_test(test_mad_zero),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_learned_file),
		cmocka_unit_test(test_too_few_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
