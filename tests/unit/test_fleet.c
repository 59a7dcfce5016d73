/*
 * test_fleet.c - the fleet module's pure parts: Cpk, the station outlier z
 * score, COPY field escaping (with invalid UTF-8 replaced) and password
 * redaction.  The server side is tests/integration/fleet.sh.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fleet/fleet.h"

static void test_cpk(void **state)
{
	(void)state;
	/* centred, limits at ±6σ: Cpk 2 */
	assert_true(fabs(st_fleet_cpk(0, 1, 10, -6, 6) - 2.0) < 1e-12);
	/* off centre: the nearer limit decides */
	assert_true(fabs(st_fleet_cpk(3, 1, 10, -6, 6) - 1.0) < 1e-12);
	/* one-sided limits */
	assert_true(fabs(st_fleet_cpk(10, 2, 10, NAN, 16) - 1.0) < 1e-12);
	assert_true(fabs(st_fleet_cpk(10, 2, 10, 7, NAN) - 0.5) < 1e-12);
	/* mean outside: negative */
	assert_true(st_fleet_cpk(7, 1, 10, -6, 6) < 0);
	/* undefined cases */
	assert_true(isnan(st_fleet_cpk(0, 1, 1, -6, 6)));
	assert_true(isnan(st_fleet_cpk(0, 1, 10, NAN, NAN)));
	assert_true(isinf(st_fleet_cpk(0, 0, 10, -6, 6)) && st_fleet_cpk(0, 0, 10, -6, 6) > 0);
	assert_true(isinf(st_fleet_cpk(9, 0, 10, -6, 6)) && st_fleet_cpk(9, 0, 10, -6, 6) < 0);
}

static void test_outlier(void **state)
{
	(void)state;
	/* same rate as the rest: 0 */
	assert_true(fabs(st_fleet_outlier_z(10, 100, 30, 300)) < 1e-12);
	/* 30 % against 5 % over 100 runs each: well past 3 */
	assert_true(st_fleet_outlier_z(30, 100, 5, 100) > 3);
	/* a better station is negative */
	assert_true(st_fleet_outlier_z(1, 100, 30, 100) < 0);
	/* undefined */
	assert_true(st_fleet_outlier_z(0, 0, 5, 100) == 0);
	assert_true(st_fleet_outlier_z(0, 50, 0, 50) == 0);
}

static void test_copy_field(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(st_fleet_copy_field(NULL, out, sizeof(out)), 2);
	assert_string_equal(out, "\\N");
	assert_int_equal(st_fleet_copy_field("a\tb\nc\\d\re", out, sizeof(out)), 13);
	assert_string_equal(out, "a\\tb\\nc\\\\d\\re");
	/* invalid UTF-8 becomes U+FFFD, valid stays */
	st_fleet_copy_field("x\xffy\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "x\xef\xbf\xbdy\xc3\xa9");
	/* overlong and surrogate encodings are not UTF-8 */
	st_fleet_copy_field("\xc0\xaf\xed\xa0\x80", out, sizeof(out));
	assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* too small a buffer says so */
	assert_int_equal(st_fleet_copy_field("abcdef", out, 4), -1);
}

static void test_redact(void **state)
{
	char out[256];

	(void)state;
	st_fleet_redact("postgresql://fleet:s3cret@db.example:5432/fleet?sslmode=require", out,
			sizeof(out));
	assert_null(strstr(out, "s3cret"));
	assert_non_null(strstr(out, "fleet:***@db.example:5432/fleet?sslmode=require"));
	st_fleet_redact("host=/tmp port=1 password=s3cret user=x", out, sizeof(out));
	assert_null(strstr(out, "s3cret"));
	assert_string_equal(out, "host=/tmp port=1 password=*** user=x");
	st_fleet_redact("postgresql:///db?host=/tmp&password=s3cret&user=x", out, sizeof(out));
	assert_null(strstr(out, "s3cret"));
	st_fleet_redact("postgresql://fleet@host/db", out, sizeof(out));
	assert_string_equal(out, "postgresql://fleet@host/db");
	st_fleet_redact("postgresql://u:pw@h/d", out, 8);   /* truncated, still no password */
	assert_null(strstr(out, "pw"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpk),
		cmocka_unit_test(test_outlier),
		cmocka_unit_test(test_copy_field),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
