/*
 * test_core.c - the common vocabulary: SHA-256 (one shot, incremental, of a
 * file), verdict ordering and exit codes, number parsing, JSON escaping,
 * UUIDs, and the virtual and scaled clocks.
 */
#include "testutil.h"

#include "core/clock.h"
#include "core/st.h"

static void test_sha256(void **state)
{
	char hex[65], hex2[65], err[ST_ERRLEN];
	struct st_sha256 c;
	static char big[200000];

	(void)state;
	st_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	st_sha256_hex("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	st_sha256_hex(big, sizeof(big), hex);
	st_sha256_init(&c);
	for (size_t off = 0; off < sizeof(big); off += 997)
		st_sha256_update(&c, big + off, sizeof(big) - off < 997 ? sizeof(big) - off : 997);
	st_sha256_final(&c, hex2);
	assert_string_equal(hex, hex2);
	const char *path = tu_tmpfile(".bin", "abc");
	assert_int_equal(st_sha256_file(path, hex2, err), ST_OK);
	assert_string_equal(hex2, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	unlink(path);
	assert_int_equal(st_sha256_file("/nonexistent/x", hex2, err), ST_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent/x"));
}

static void test_verdicts(void **state)
{
	enum st_verdict v;

	(void)state;
	assert_int_equal(st_verdict_worst(ST_PASS, ST_FAIL), ST_FAIL);
	assert_int_equal(st_verdict_worst(ST_ERROR, ST_FAIL), ST_ERROR);
	assert_int_equal(st_verdict_worst(ST_ABORTED, ST_ERROR), ST_ABORTED);
	assert_int_equal(st_verdict_worst(ST_SKIP, ST_PASS), ST_PASS);
	assert_int_equal(st_verdict_worst(ST_FAIL, ST_SKIP), ST_FAIL);
	assert_int_equal(st_verdict_exit(ST_PASS), 0);
	assert_int_equal(st_verdict_exit(ST_FAIL), 1);
	assert_int_equal(st_verdict_exit(ST_ERROR), 3);
	assert_int_equal(st_verdict_exit(ST_ABORTED), 4);
	assert_int_equal(st_verdict_parse("fail", &v), ST_OK);
	assert_int_equal(v, ST_FAIL);
	assert_int_equal(st_verdict_parse("maybe", &v), ST_ERR_PARSE);
}

static void test_parsing_and_json(void **state)
{
	double d;
	long l;
	char buf[64];

	(void)state;
	assert_int_equal(st_parse_double("12.5", &d), ST_OK);
	assert_true(d == 12.5);
	assert_int_equal(st_parse_double("12.5s", &d), ST_ERR_PARSE);
	assert_int_equal(st_parse_double("", &d), ST_ERR_PARSE);
	assert_int_equal(st_parse_double("nan", &d), ST_ERR_PARSE);
	assert_int_equal(st_parse_int("-7", &l), ST_OK);
	assert_int_equal(l, -7);
	assert_int_equal(st_parse_int("99999999999999999999999", &l), ST_ERR_PARSE);
	st_json_escape(buf, sizeof(buf), "a\"b\\c\n\x01");
	assert_string_equal(buf, "a\\\"b\\\\c\\n\\u0001");
	st_json_escape(buf, 6, "\"\"\"\"\"");
	assert_true(strlen(buf) < 6);
}

static void test_uuid(void **state)
{
	char a[37], b[37];

	(void)state;
	st_uuid4(a);
	st_uuid4(b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '4');
	assert_string_not_equal(a, b);
}

static void test_clocks(void **state)
{
	struct st_clock *v = st_clock_new_virtual(), *r = st_clock_new_real(1000.0);

	(void)state;
	assert_true(st_clock_now(v) == 0);
	st_clock_sleep(v, 15.0);
	assert_true(st_clock_now(v) == 15.0);
	assert_true(st_clock_is_virtual(v));
	/* 2 bench seconds at scale 1000 take 2 ms of wall time */
	double t0 = st_clock_now(r);
	st_clock_sleep(r, 2.0);
	assert_true(st_clock_now(r) - t0 >= 1.99);
	st_clock_set_scale(r, 1.0);
	assert_true(st_clock_scale(r) == 1.0);
	st_clock_free(v);
	st_clock_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_parsing_and_json),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_clocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
