/*
 * test_enc.c - the output encoders and the door checks (core/enc.h): UTF-8
 * decoding, JSON through jansson, XML 1.0, terminal and HTML escaping, the
 * serial alphabet and name checks; and 20,000 random byte strings through
 * every encoder, whose outputs must parse / be valid whatever the input.
 */
#include "testutil.h"

#include <math.h>

#include "core/enc.h"
#include "core/st.h"

#define FFFD "\xef\xbf\xbd"

/* What an encoder wrote to a FILE, as a malloc'd string. */
static char *capture(void (*put)(FILE *, const char *, int), const char *s, int arg)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	put(f, s, arg);
	fclose(f);
	return buf;
}

static void xml_attr(FILE *f, const char *s, int a) { st_xml_put(f, s, a); }
static void term_put(FILE *f, const char *s, int a) { (void)a; st_term_put(f, s); }
static void html_put(FILE *f, const char *s, int a) { (void)a; st_html_put(f, s); }

static void test_utf8(void **state)
{
	long cp;
	char *fixed;

	(void)state;
	assert_int_equal(st_utf8_next("A", &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(st_utf8_next("\xc3\xa9", &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(st_utf8_next("\xf0\x9f\x8e\xa7", &cp), 4);
	assert_int_equal(cp, 0x1f3a7);
	assert_int_equal(st_utf8_next("\xff", &cp), 1);
	assert_int_equal(cp, -1);
	assert_int_equal(st_utf8_next("\xc0\xaf", &cp), 1);  /* overlong '/' */
	assert_int_equal(cp, -1);
	assert_int_equal(st_utf8_next("\xed\xa0\x80", &cp), 1);  /* surrogate */
	assert_int_equal(cp, -1);
	assert_int_equal(st_utf8_next("\xe2\x82", &cp), 1);  /* cut at the NUL */
	assert_int_equal(cp, -1);
	assert_true(st_utf8_valid("caf\xc3\xa9"));
	assert_false(st_utf8_valid("caf\xc3"));
	fixed = st_utf8_fix("a\xff" "b");
	assert_string_equal(fixed, "a" FFFD "b");
	free(fixed);
}

static void test_json(void **state)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f;
	json_t *o = json_object(), *back;
	json_error_t je;

	(void)state;
	assert_int_equal(st_json_set_text(o, "serial", "A\xff\n\x1b[2J\"\\"), 0);
	assert_int_equal(st_json_set_num(o, "v", 1.23456, 3), 0);
	assert_int_equal(st_json_set_num(o, "w", 10.0, 3), 0);
	assert_int_equal(st_json_set_num(o, "nan", NAN, 3), 0);
	assert_int_equal(st_json_set_num(o, "t", 0.1, -15), 0);
	assert_int_equal(st_json_set_int(o, "id", 42), 0);
	assert_int_equal(st_json_set_num(o, "g", 123456789.0 + 0.25, -6), 0);
	f = open_memstream(&buf, &n);
	assert_int_equal(st_json_put(f, o), ST_OK);
	fclose(f);
	assert_string_equal(buf, "{\"serial\":\"A" FFFD "\\n\\u001B[2J\\\"\\\\\",\"v\":1.235,"
			    "\"w\":10.0,\"nan\":null,\"t\":0.1,\"id\":42,\"g\":123457000}\n");
	back = json_loads(buf, 0, &je);
	assert_non_null(back);
	json_decref(back);
	free(buf);
	assert_int_equal(st_json_put(stdout, NULL), ST_ERR_MEM);
}

static void test_xml(void **state)
{
	char *s;

	(void)state;
	s = capture(xml_attr, "<a href=\"x\">&\x01\xff\r\n\t", 1);
	assert_string_equal(s, "&lt;a href=&quot;x&quot;&gt;&amp;" FFFD FFFD "&#13;&#10;&#9;");
	free(s);
	s = capture(xml_attr, "line1\nline2\t\xef\xbf\xbe]]>", 0);
	assert_string_equal(s, "line1\nline2\t" FFFD "]]&gt;");
	free(s);
}

static void test_term(void **state)
{
	char buf[16], *s;

	(void)state;
	/* a newline cannot start a forged verdict line; ESC and BEL are gone */
	s = capture(term_put, "X\nPASS  WH\x1b[31m\a\r\xc2\x9b" "1m\xe2\x80\xae", 0);
	assert_string_equal(s, "X" FFFD "PASS  WH" FFFD "[31m" FFFD FFFD FFFD "1m" FFFD);
	free(s);
	/* the fixed buffer never cuts a sequence */
	st_term_clean(buf, sizeof(buf), "abcdefghijkl\xc3\xa9\xc3\xa9");
	assert_string_equal(buf, "abcdefghijkl\xc3\xa9");
	st_term_clean(buf, 4, "ab\x1b");
	assert_string_equal(buf, "ab");
	s = st_term_dup("\x7f ok");
	assert_string_equal(s, FFFD " ok");
	free(s);
}

static void test_html(void **state)
{
	char *s;

	(void)state;
	s = capture(html_put, "<script>alert('x')</script>&\"\x01\xfe", 0);
	assert_string_equal(s, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;" FFFD FFFD);
	free(s);
	s = st_html_dup("a<b");
	assert_string_equal(s, "a&lt;b");
	free(s);
}

static void test_door(void **state)
{
	char err[ST_ERRLEN], long_name[80];

	(void)state;
	assert_int_equal(st_serial_check("5021234", err), ST_OK);
	assert_int_equal(st_serial_check("SN-12.ab_C", err), ST_OK);
	assert_int_equal(st_serial_check("12345678901234567890123456789012", err), ST_OK);
	assert_int_equal(st_serial_check("123456789012345678901234567890123", err), ST_ERR_ARG);
	assert_non_null(strstr(err, "at most 32"));
	assert_int_equal(st_serial_check("", err), ST_ERR_ARG);
	assert_int_equal(st_serial_check("../../../pwned", err), ST_ERR_ARG);
	assert_int_equal(st_serial_check("-rf", err), ST_ERR_ARG);
	assert_int_equal(st_serial_check(".hidden", err), ST_ERR_ARG);
	assert_int_equal(st_serial_check("A B", err), ST_ERR_ARG);
	assert_int_equal(st_serial_check("A\nPASS", err), ST_ERR_ARG);
	assert_null(strchr(err, '\n'));
	assert_int_equal(st_serial_check("A\x1b[2J", err), ST_ERR_ARG);
	assert_null(strchr(err, '\x1b'));
	assert_int_equal(st_serial_check("A\xff", err), ST_ERR_ARG);
	assert_true(st_utf8_valid(err));

	assert_int_equal(st_name_check("--operator", "Zoë Ångström", err), ST_OK);
	assert_int_equal(st_name_check("--operator", "", err), ST_ERR_ARG);
	assert_int_equal(st_name_check("--operator", "a\x1b]0;x\a", err), ST_ERR_ARG);
	assert_non_null(strstr(err, "--operator"));
	assert_null(strchr(err, '\x1b'));
	assert_int_equal(st_name_check("--station", "bad\xff", err), ST_ERR_ARG);
	assert_non_null(strstr(err, "UTF-8"));
	memset(long_name, 'x', 63);
	long_name[63] = '\0';
	assert_int_equal(st_name_check("--station", long_name, err), ST_OK);
	long_name[63] = 'x';
	long_name[64] = '\0';
	assert_int_equal(st_name_check("--station", long_name, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "at most 63"));
}

static int xml_ok(const char *s)
{
	long cp;
	int n;

	for (; *s; s += n) {
		n = st_utf8_next(s, &cp);
		if (cp < 0 || (cp < 0x20 && cp != '\n' && cp != '\t') || cp == '<' || cp == '"' ||
		    cp == 0xfffe || cp == 0xffff)
			return 0;
	}
	return 1;
}

static int term_ok(const char *s)
{
	long cp;
	int n;

	for (; *s; s += n) {
		n = st_utf8_next(s, &cp);
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			return 0;
	}
	return 1;
}

/* Random bytes, biased toward the troublesome ones. */
static void random_text(char *s, size_t n, unsigned *seed)
{
	static const unsigned char hot[] = { 0x00, 0x1b, 0x07, 0x0d, 0x0a, 0x7f, 0x80, 0x9b,
		0xc2, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xff, '<', '&', '"', '\\' };
	size_t len = (size_t)(rand_r(seed) % (int)(n - 1));

	for (size_t i = 0; i < len; i++) {
		int r = rand_r(seed);
		s[i] = (char)(r % 3 ? (r >> 8) & 0xff : hot[(r >> 8) % sizeof(hot)]);
		if (!s[i])
			s[i] = 'z';
	}
	s[len] = '\0';
}

static void test_random(void **state)
{
	unsigned seed = 20261203;
	char in[64], *out, tbuf[32];
	json_error_t je;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		json_t *o = json_object(), *back;
		char *buf = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);

		random_text(in, sizeof(in), &seed);
		st_json_set_text(o, "s", in);
		assert_int_equal(st_json_put(f, o), ST_OK);
		fclose(f);
		back = json_loads(buf, 0, &je);
		if (!back)
			fail_msg("JSON did not parse: %s (%s)", buf, je.text);
		json_decref(back);
		free(buf);
		out = capture(xml_attr, in, i & 1);
		assert_true(xml_ok(out));
		free(out);
		out = capture(term_put, in, 0);
		assert_true(term_ok(out) && st_utf8_valid(out));
		free(out);
		st_term_clean(tbuf, sizeof(tbuf), in);
		assert_true(term_ok(tbuf) && st_utf8_valid(tbuf));
		out = st_html_dup(in);
		assert_true(st_utf8_valid(out) && !strchr(out, '<') && !strchr(out, '"'));
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),  cmocka_unit_test(test_json),
		cmocka_unit_test(test_xml),   cmocka_unit_test(test_term),
		cmocka_unit_test(test_html),  cmocka_unit_test(test_door),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
