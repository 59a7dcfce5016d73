/*
 * test_nightly.c - unit tests of the nightly regression library
 * (station/nightly): baseline median and spread, thresholds from `regress`
 * lines (exact name, mask prefix, default per unit, off, wrong unit), one
 * value judged, the common-shift test, families, a whole night judged by
 * the drift rule (a one-band firmware change on every unit is a
 * regression; a flat offset on every unit is the bench; one unit moving
 * alone is its regression; an unchanged build moving is the bench), and
 * the store side: good builds and their baseline read back.
 */
#include "testutil.h"

#include <math.h>

#include "core/st.h"
#include "limits/limits.h"
#include "nightly/nightly.h"
#include "store/store.h"

static void test_stats(void **state)
{
	const double v[] = { 10, 12, 11, NAN, 30, 11 };
	struct st_nl_stats s;

	(void)state;
	assert_int_equal(st_nl_stats(v, 6, &s), ST_OK);
	assert_int_equal(s.n, 5);
	assert_true(fabs(s.median - 11) < 1e-12);
	assert_true(fabs(s.min - 10) < 1e-12 && fabs(s.max - 30) < 1e-12);
	/* deviations 1 1 0 19 0 -> MAD 1 -> 1.4826: the outlier does not blow it up */
	assert_true(fabs(s.spread - 1.4826) < 1e-9);
	assert_int_equal(st_nl_stats(v, 2, &s), ST_OK);
	assert_true(fabs(s.median - 11) < 1e-12);
	assert_true(s.spread == 0);          /* too few for a spread */
	assert_int_equal(st_nl_stats(NULL, 0, &s), ST_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(st_nl_stats(v, -1, &s), ST_ERR_ARG);
}

static void test_judge(void **state)
{
	struct st_nl_stats b = { 3, 20.0, 0.1, 19.9, 20.1 };
	double ch, eff;

	(void)state;
	assert_int_equal(st_nl_judge(19.2, &b, 1.0, &ch, &eff), ST_NL_SAME);
	assert_true(fabs(ch + 0.8) < 1e-12 && eff == 1.0);
	assert_int_equal(st_nl_judge(18.0, &b, 1.0, &ch, &eff), ST_NL_REGRESSION);
	assert_true(fabs(ch + 2.0) < 1e-12);
	assert_int_equal(st_nl_judge(21.0, &b, 1.0, &ch, NULL), ST_NL_SAME); /* exactly 1: not beyond */
	assert_int_equal(st_nl_judge(21.0, NULL, 1.0, &ch, NULL), ST_NL_NOBASE);
	assert_int_equal(st_nl_judge(21.0, &b, NAN, &ch, NULL), ST_NL_OFF);
	assert_int_equal(st_nl_judge(NAN, &b, 1.0, &ch, NULL), ST_NL_INVALID);
	/* a noisy unit widens the threshold to 3 x spread */
	b.spread = 1.0;
	assert_int_equal(st_nl_judge(17.5, &b, 1.0, &ch, &eff), ST_NL_SAME);
	assert_true(eff == 3.0);
	assert_int_equal(st_nl_judge(16.5, &b, 1.0, &ch, &eff), ST_NL_REGRESSION);
}

static void test_common_shift(void **state)
{
	const double eff[] = { 1, 1, 1 };
	const double up[] = { 1.5, 1.6, 1.4 }, mixed[] = { 1.5, -1.6, 1.4 };
	const double one[] = { 1.5, 0.2, 1.4 }, apart[] = { 1.2, 3.5, 1.4 };

	(void)state;
	assert_int_equal(st_nl_common_shift(up, eff, 3, 1.0), 1);
	const double down[] = { -2, -2.1, -1.9 };
	assert_int_equal(st_nl_common_shift(down, eff, 3, 1.0), -1);
	assert_int_equal(st_nl_common_shift(mixed, eff, 3, 1.0), 0);
	assert_int_equal(st_nl_common_shift(one, eff, 3, 1.0), 0);  /* one unit stayed */
	assert_int_equal(st_nl_common_shift(apart, eff, 3, 1.0), 0); /* not a similar amount */
	assert_int_equal(st_nl_common_shift(up, eff, 1, 1.0), 0);   /* one unit tells nothing */
}

static void test_family(void **state)
{
	char f[64];

	(void)state;
	st_nl_family("anc.active_db.L.500Hz", f, sizeof(f));
	assert_string_equal(f, "anc.active_db.L.*");
	st_nl_family("mic.3.gain_db", f, sizeof(f));
	assert_string_equal(f, "mic.*.gain_db");
	st_nl_family("assistant.latency_s", f, sizeof(f));
	assert_string_equal(f, "assistant.latency_s");
	st_nl_family("control.POWER.presses", f, sizeof(f));
	assert_string_equal(f, "control.POWER.presses");
	st_nl_family("x.12kHz", f, 4);   /* truncated, still terminated */
	assert_int_equal(strlen(f), 3);
}

static void test_thresholds(void **state)
{
	const char *path = tu_tmpfile(".lim",
		"include defaults.lim\n"
		"regress anc.active_db 1.5 dB source \"assumed\"\n"
		"regress anc.active_db.L.500Hz 0.5 dB\n"
		"regress battery.min_pct off\n"
		"regress mic 2 s\n");
	char inc[512], err[ST_ERRLEN], cmd[1200];
	const char *data = getenv("STATION_DATA");
	struct st_limits *l = NULL;
	struct st_nl_threshold t;

	(void)state;
	assert_non_null(path);
	snprintf(inc, sizeof(inc), "%.400s", path);
	*strrchr(inc, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "cp '%s/limits/defaults.lim' '%s/defaults.lim'",
		 data && *data ? data : ".", inc);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(st_limits_load(path, NULL, &l, err), ST_OK);
	st_nl_threshold_for(l, "anc.active_db.L.500Hz", "dB", &t);
	assert_true(t.value == 0.5 && !t.off);
	st_nl_threshold_for(l, "anc.active_db.R.500Hz", "dB", &t);
	assert_true(t.value == 1.5);
	assert_non_null(strstr(t.from, "regress anc.active_db"));
	st_nl_threshold_for(l, "battery.min_pct", "%", &t);
	assert_true(t.off);
	st_nl_threshold_for(l, "mic.1.gain_db", "dB", &t);   /* 'mic' is in s: not used */
	assert_true(t.value == 1.0);
	assert_non_null(strstr(t.from, "is in s"));
	st_nl_threshold_for(l, "assistant.latency_s", "s", &t);
	assert_true(t.value > 0);   /* defaults.lim or the default for s */
	st_nl_threshold_for(NULL, "x", "furlong", &t);
	assert_true(t.off);
	st_limits_free(l);
	snprintf(cmd, sizeof(cmd), "rm -f '%s/defaults.lim' '%s'", inc, path);
	assert_int_equal(system(cmd), 0);
}

/* Every bad regress line gives its file:line:col message. */
static void test_regress_errors(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "regress\n", ":1:1: 'regress' needs a name" },
		{ "regress a.b\n", ":1:9: regress 'a.b' needs a threshold" },
		{ "regress a.b 0 dB\n", ":1:13: regress threshold 0 is not above 0" },
		{ "regress a.b x dB\n", ":1:13: bad number 'x'" },
		{ "regress a.b 1\n", ":1:13: regress needs a unit" },
		{ "regress a.b 1 sec\n", ":1:15: regress needs a unit" },
		{ "regress a.b 1 dB frob\n", ":1:18: unexpected 'frob'" },
		{ "regress a.b 1 dB\nregress a.b off\n", ":2:9: duplicate regress 'a.b' (first at line 1)" },
		{ "limit a.b max 3 unit s\nregress a.b 1 dB\n", ":2:9: 'a.b' has unit dB here but s" },
		{ "firmware 2.0\nregress a.b 1 dB\nend\n", ":2:1: regress is not allowed inside a firmware block" },
	};
	char err[ST_ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = tu_tmpfile(".lim", cases[i].text);
		struct st_limits *l = NULL;

		assert_int_not_equal(st_limits_load(p, NULL, &l, err), ST_OK);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].msg);
		unlink(p);
	}
}

/* A night of 3 units x (21 bands + 1 scalar); every baseline median 20. */
#define NU 3
#define NB 21
#define NK (NB + 1)
struct fixture_night {
	struct st_nl_key keys[NK];
	struct st_nl_cell cells[NU * NK];
	int ok[NU], same[NU];
	struct st_nl_night n;
};

static void night_init(struct fixture_night *f)
{
	memset(f, 0, sizeof(*f));
	for (int k = 0; k < NK; k++) {
		struct st_nl_key *key = &f->keys[k];

		char name[64];

		if (k < NB)
			snprintf(name, sizeof(name), "anc.active_db.L.%dHz", 100 + 100 * k);
		else
			snprintf(name, sizeof(name), "assistant.latency_s");
		st_strlcpy(key->name, name, sizeof(key->name));
		snprintf(key->key, sizeof(key->key), "anc/%s", name);
		st_nl_family(key->name, key->family, sizeof(key->family));
		st_strlcpy(key->unit, k < NB ? "dB" : "s", sizeof(key->unit));
		key->thr.value = k < NB ? 1.0 : 0.25;
	}
	for (int u = 0; u < NU; u++) {
		f->ok[u] = 1;
		for (int k = 0; k < NK; k++) {
			struct st_nl_cell *c = &f->cells[u * NK + k];

			c->has = 1;
			c->base = (struct st_nl_stats){ 4, 20.0 + u, 0.05, 19.9 + u, 20.1 + u };
			c->value = 20.0 + u + 0.1 * ((k + u) % 3 - 1);   /* small noise */
			c->low = c->high = NAN;
		}
	}
	f->n = (struct st_nl_night){ NU, NK, f->keys, f->cells, f->ok, f->same };
}

static void test_night_no_change(void **state)
{
	struct fixture_night f;
	struct st_nl_summary s;

	(void)state;
	night_init(&f);
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_PASS);
	assert_int_equal(s.compared, NU * NK);
	assert_int_equal(s.regressions + s.bench, 0);
	assert_string_equal(st_nl_unit_status(&f.n, 1), "no-change");
}

static void test_night_firmware_band(void **state)
{
	struct fixture_night f;
	struct st_nl_summary s;

	(void)state;
	night_init(&f);
	for (int u = 0; u < NU; u++)   /* band 4 (500 Hz) 2 dB lower on every unit */
		f.cells[u * NK + 4].value -= 2.0;
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_FAIL);
	assert_int_equal(s.regressions, NU);
	assert_int_equal(s.bench, 0);
	assert_int_equal(f.keys[4].common, -1);
	assert_int_equal(f.cells[NK + 4].verdict, ST_NL_REGRESSION);
	assert_string_equal(st_nl_unit_status(&f.n, 0), "regression");
}

static void test_night_bench_drift(void **state)
{
	struct fixture_night f;
	struct st_nl_summary s;

	(void)state;
	night_init(&f);
	for (int u = 0; u < NU; u++)   /* a flat +1.5 dB on every band of every unit */
		for (int k = 0; k < NB; k++)
			f.cells[u * NK + k].value += 1.5;
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_ERROR);
	assert_int_equal(s.regressions, 0);
	assert_int_equal(s.bench, NU * NB);
	assert_int_equal(s.bench_keys, NB);
	assert_string_equal(st_nl_unit_status(&f.n, 2), "bench-suspect");
}

static void test_night_one_unit(void **state)
{
	struct fixture_night f;
	struct st_nl_summary s;

	(void)state;
	night_init(&f);
	for (int k = 0; k < NB; k++)   /* only unit 1 moves, flat: that unit, not the bench */
		f.cells[NK + k].value += 1.5;
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_FAIL);
	assert_int_equal(s.regressions, NB);
	assert_int_equal(s.bench, 0);
	assert_string_equal(st_nl_unit_status(&f.n, 0), "no-change");
	assert_string_equal(st_nl_unit_status(&f.n, 1), "regression");
}

static void test_night_same_build(void **state)
{
	struct fixture_night f;
	struct st_nl_summary s;

	(void)state;
	night_init(&f);
	for (int u = 0; u < NU; u++) {  /* the scalar moves on every unit, build unchanged */
		f.cells[u * NK + NB].value += 0.5;
		f.same[u] = 1;
	}
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_ERROR);
	assert_int_equal(s.bench, NU);
	f.same[1] = 0;                  /* a new build: the firmware moved every unit */
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_FAIL);
	assert_int_equal(s.regressions, NU);
}

static void test_night_errors_and_limits(void **state)
{
	struct fixture_night f;
	struct st_nl_summary s;

	(void)state;
	night_init(&f);
	f.ok[2] = 0;                    /* a unit that kept its old build */
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_ERROR);
	assert_int_equal(s.units_error, 1);
	assert_string_equal(st_nl_unit_status(&f.n, 2), "error");
	assert_int_equal(f.cells[2 * NK].verdict, ST_NL_NONE);
	f.cells[3].limit_fail = 1;      /* out of limits with no change: still a failure */
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_FAIL);
	assert_int_equal(s.limit_fails, 1);
	/* no baselines at all: nothing compared, no change */
	night_init(&f);
	for (int i = 0; i < NU * NK; i++)
		f.cells[i].base.n = 0;
	assert_int_equal(st_nl_judge_night(&f.n, &s), ST_EXIT_PASS);
	assert_string_equal(st_nl_unit_status(&f.n, 0), "no-baseline");
}

/* The store side: a night recorded, good builds and baselines read back. */
static void test_store(void **state)
{
	char path[] = "/tmp/st-nightly-XXXXXX", db[64], err[ST_ERRLEN];
	struct st_store *s;
	struct st_nl_good good[8];
	const char *fw[] = { "1.0", "1.1", "1.1", "1.2", "1.3" };
	const char *status[] = { "no-baseline", "no-change", "no-change", "regression", "no-change" };
	double val[] = { 20.0, 20.2, 20.1, 18.0, 20.4 };
	struct st_nl_night_row nr;
	int n;

	(void)state;
	assert_non_null(mkdtemp(path));
	snprintf(db, sizeof(db), "%s/n.db", path);
	assert_int_equal(st_store_open(&s, db, err), ST_OK);
	memset(&nr, 0, sizeof(nr));
	st_strlcpy(nr.firmware, "1.0", sizeof(nr.firmware));
	assert_int_equal(st_nl_record_night(s, &nr, err), ST_OK);
	for (int i = 0; i < 5; i++) {
		struct st_run_info ri;
		long long step, uid;

		memset(&ri, 0, sizeof(ri));
		st_strlcpy(ri.serial, "G1", sizeof(ri.serial));
		st_strlcpy(ri.firmware, fw[i], sizeof(ri.firmware));
		st_strlcpy(ri.plan, "nightly", sizeof(ri.plan));
		snprintf(ri.started, sizeof(ri.started), "2026-12-0%dT01:00:00.000Z", i + 1);
		assert_int_equal(st_store_run_begin(s, &ri, err), ST_OK);
		assert_int_equal(st_store_step(s, ri.id, 1, "anc", "anc", "PASS", 0, 1, "", &step, err), ST_OK);
		assert_int_equal(st_store_measurement(s, ri.id, step, "anc.active_db.L.500Hz", val[i], "dB",
						      18, NAN, "PASS", err), ST_OK);
		assert_int_equal(st_store_run_end(s, ri.id, "PASS", "golden-ok", "", err), ST_OK);
		assert_int_equal(st_nl_record_unit(s, nr.id, "G1", ri.id, status[i], "", &uid, err), ST_OK);
	}
	n = st_nl_good_builds(s, "G1", "nightly", NULL, good, 8, err);
	assert_int_equal(n, 3);          /* 1.3, 1.1 (newest run of it), 1.0; not 1.2 */
	assert_string_equal(good[0].firmware, "1.3");
	assert_string_equal(good[1].firmware, "1.1");
	assert_string_equal(good[2].firmware, "1.0");
	assert_int_equal(st_nl_good_builds(s, "G1", "nightly", "2026-12-04", good, 8, err), 2);
	assert_int_equal(st_nl_good_builds(s, "G2", "nightly", NULL, good, 8, err), 0);

	struct st_nl_value *keys;
	struct st_nl_stats *stats;
	n = st_nl_good_builds(s, "G1", "nightly", NULL, good, 8, err);
	assert_int_equal(st_nl_baseline(s, good, n, &keys, &stats, &n, err), ST_OK);
	assert_int_equal(n, 1);
	assert_string_equal(keys[0].key, "anc/anc.active_db.L.500Hz");
	assert_int_equal(stats[0].n, 3);
	assert_true(fabs(stats[0].median - 20.1) < 1e-9);   /* 20.4, 20.1, 20.0 */
	free(keys);
	free(stats);
	assert_int_equal(st_nl_end_night(s, nr.id, "no-change", "", err), ST_OK);
	st_store_close(s);
	snprintf(err, sizeof(err), "rm -rf '%s'", path);
	assert_int_equal(system(err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_common_shift),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_regress_errors),
		cmocka_unit_test(test_night_no_change),
		cmocka_unit_test(test_night_firmware_band),
		cmocka_unit_test(test_night_bench_drift),
		cmocka_unit_test(test_night_one_unit),
		cmocka_unit_test(test_night_same_build),
		cmocka_unit_test(test_night_errors_and_limits),
		cmocka_unit_test(test_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
