/*
 * test_stepsum.c - a step's measurements grouped for `station run`'s
 * summary (station/seq/stepsum.c): name patterns (bands, microphones,
 * channels, controls become '*'), groups in order of first appearance with
 * their counts, and the member nearest its limit or the worst failing one.
 */
#include "testutil.h"

#include <math.h>
#include <string.h>

#include "core/st.h"
#include "seq/stepsum.h"

static void test_pattern(void **state)
{
	char p[64];
	(void)state;

	st_stepsum_pattern("anc.active_db.L.100Hz", p, sizeof(p));
	assert_string_equal(p, "anc.active_db.*.*");
	st_stepsum_pattern("mic.3.delay_us", p, sizeof(p));
	assert_string_equal(p, "mic.*.delay_us");
	st_stepsum_pattern("control.NC_AMBIENT.presses", p, sizeof(p));
	assert_string_equal(p, "control.*.presses");
	st_stepsum_pattern("battery.min_pct", p, sizeof(p));
	assert_string_equal(p, "battery.min_pct");
	st_stepsum_pattern("", p, sizeof(p));
	assert_string_equal(p, "");
	st_stepsum_pattern("a.verylongcomponent", p, 6);   /* cut, NUL-terminated */
	assert_string_equal(p, "a.ver");
}

static struct st_stepsum_meas meas(const char *name, double v, double lo, double hi,
				   enum st_verdict verdict)
{
	struct st_stepsum_meas m;

	memset(&m, 0, sizeof(m));
	st_strlcpy(m.name, name, sizeof(m.name));
	m.value = v;
	m.has_low = !isnan(lo);
	m.has_high = !isnan(hi);
	m.low = lo;
	m.high = hi;
	m.verdict = verdict;
	return m;
}

static void test_margin(void **state)
{
	struct st_stepsum_meas m = meas("x", 22, 18, NAN, ST_PASS);
	(void)state;

	assert_float_equal(st_stepsum_margin(&m), 4, 1e-9);
	m = meas("x", 0.5, -1, 1, ST_PASS);
	assert_float_equal(st_stepsum_margin(&m), 0.5, 1e-9);
	m = meas("x", 14, 18, NAN, ST_FAIL);
	assert_float_equal(st_stepsum_margin(&m), -4, 1e-9);
	m = meas("x", 1, 1, 1, ST_PASS);          /* equality: says nothing */
	assert_true(isinf(st_stepsum_margin(&m)));
	m = meas("x", 1, NAN, NAN, ST_PASS);      /* no limit */
	assert_true(isinf(st_stepsum_margin(&m)));
}

static void test_groups(void **state)
{
	struct st_stepsum_meas m[8];
	struct st_stepsum_group g[4];
	int of[8], ng;
	(void)state;

	m[0] = meas("anc.active_db.L.100Hz", 22, 18, NAN, ST_PASS);
	m[1] = meas("anc.active_db.L.200Hz", 19, 17.5, NAN, ST_PASS);   /* nearest: 1.5 */
	m[2] = meas("mic.1.polarity", 1, 1, 1, ST_PASS);
	m[3] = meas("anc.active_db.R.100Hz", 23, 18, NAN, ST_PASS);
	m[4] = meas("mic.2.polarity", 1, 1, 1, ST_PASS);
	m[5] = meas("battery.min_pct", 80, 10, NAN, ST_PASS);
	m[5].marginal = 1;
	ng = st_stepsum_group(m, 6, g, 4, of);
	assert_int_equal(ng, 3);
	assert_string_equal(g[0].pattern, "anc.active_db.*.*");
	assert_int_equal(g[0].count, 3);
	assert_int_equal(g[0].npass, 3);
	assert_int_equal(g[0].closest, 1);
	assert_string_equal(g[1].pattern, "mic.*.polarity");
	assert_int_equal(g[1].count, 2);
	assert_int_equal(g[1].closest, -1);      /* equality limits only */
	assert_int_equal(g[2].nmarginal, 1);
	assert_int_equal(g[2].npass, 0);
	assert_int_equal(of[3], 0);
	assert_int_equal(of[4], 1);

	/* a failing member is the worst, before any passing one */
	m[6] = meas("anc.active_db.R.200Hz", 15, 17.5, NAN, ST_FAIL);
	m[7] = meas("anc.active_db.R.250Hz", 12, 17.4, NAN, ST_FAIL);
	ng = st_stepsum_group(m, 8, g, 4, NULL);
	assert_int_equal(g[0].count, 5);
	assert_int_equal(g[0].nfail, 2);
	assert_int_equal(g[0].closest, 7);

	/* more patterns than groups: the rest go to the last group */
	ng = st_stepsum_group(m, 6, g, 2, of);
	assert_int_equal(ng, 2);
	assert_int_equal(of[5], 1);
	assert_int_equal(g[0].count + g[1].count, 6);
	assert_int_equal(st_stepsum_group(m, 0, g, 2, of), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_margin),
		cmocka_unit_test(test_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
