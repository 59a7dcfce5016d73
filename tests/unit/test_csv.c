/*
 * test_csv.c - the strict RFC 4180 reader (station/core/csv.c): fields,
 * quoting, line breaks inside quotes, line numbers, blank lines, and every
 * refusal with its file:line:col (BOM, CR, NUL, invalid UTF-8, stray and
 * unclosed quotes, oversize fields), plus the CRLF and BOM allowances.
 */
#include "testutil.h"

#include "core/csv.h"
#include "core/st.h"

static struct st_csv *parse_ok(const char *text, unsigned flags)
{
	struct st_csv *c = NULL;
	char err[ST_ERRLEN] = "";

	if (st_csv_parse("t.csv", text, strlen(text), flags, &c, err))
		fail_msg("refused: %s", err);
	return c;
}

static void refuse(const char *text, size_t len, unsigned flags, const char *want)
{
	struct st_csv *c = NULL;
	char err[ST_ERRLEN] = "";

	assert_int_equal(st_csv_parse("t.csv", text, len, flags, &c, err), ST_ERR_PARSE);
	assert_null(c);
	if (strncmp(err, want, strlen(want)))
		fail_msg("error '%s', expected it to start with '%s'", err, want);
}

static void test_plain_and_quoted(void **state)
{
	struct st_csv *c = parse_ok("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n,,\n", 0);

	(void)state;
	assert_int_equal(c->nrecords, 3);
	assert_int_equal(c->rec[1].nfields, 3);
	assert_string_equal(c->rec[1].field[1], "x, y");
	assert_string_equal(c->rec[1].field[2], "say \"hi\"");
	assert_int_equal(c->rec[2].nfields, 3);
	assert_string_equal(c->rec[2].field[0], "");
	assert_int_equal(c->rec[2].line, 3);
	st_csv_free(c);
}

static void test_line_breaks_in_quotes_and_blank_lines(void **state)
{
	struct st_csv *c = parse_ok("h1,h2\n\"two\nlines\",x\n\n\nlast,\"\"\n", 0);

	(void)state;
	assert_int_equal(c->nrecords, 3);
	assert_string_equal(c->rec[1].field[0], "two\nlines");
	assert_int_equal(c->rec[1].line, 2);
	assert_int_equal(c->rec[2].line, 6);   /* counted across the quoted break and blanks */
	assert_string_equal(c->rec[2].field[1], "");
	st_csv_free(c);
	c = parse_ok("no,newline,at,end", 0);
	assert_int_equal(c->nrecords, 1);
	assert_int_equal(c->rec[0].nfields, 4);
	st_csv_free(c);
	c = parse_ok("", 0);
	assert_int_equal(c->nrecords, 0);
	st_csv_free(c);
}

static void test_utf8_kept(void **state)
{
	struct st_csv *c = parse_ok("caf\xc3\xa9,\"\xe2\x82\xac 5\"\n", 0);

	(void)state;
	assert_string_equal(c->rec[0].field[0], "caf\xc3\xa9");
	assert_string_equal(c->rec[0].field[1], "\xe2\x82\xac 5");
	st_csv_free(c);
}

static void test_refusals(void **state)
{
	(void)state;
	refuse("\xef\xbb\xbf" "a,b\n", 5, 0, "t.csv:1:1: byte-order mark");
	refuse("a,b\r\n1,2\r\n", 10, 0, "t.csv:1:4: carriage return");
	refuse("a,b\n1\r2,3\n", 10, ST_CSV_ALLOW_CRLF, "t.csv:2:2: carriage return");
	refuse("a,b\n1,2\0x\n", 10, 0, "t.csv:2:4: NUL byte");
	refuse("a,b\n1,\xff\n", 7, 0, "t.csv:2:3: invalid UTF-8");
	refuse("a,b\n1,\xc0\xaf\n", 8, 0, "t.csv:2:3: invalid UTF-8");   /* overlong '/' */
	refuse("a,b\n1,\xed\xa0\x80\n", 9, 0, "t.csv:2:3: invalid UTF-8"); /* surrogate */
	refuse("a,b\nx\"y,2\n", 10, 0, "t.csv:2:2: quote inside an unquoted field");
	refuse("a,b\n\"x\"y,2\n", 10, 0, "t.csv:2:4: text after a closing quote");
	refuse("a,b\n1,\"open\n2,3\n", 16, 0, "t.csv:2:3: quote opened here is never closed");
}

static void test_allowances(void **state)
{
	struct st_csv *c = parse_ok("\xef\xbb\xbf" "a,b\r\n\"1\",\"x\r\ny\"\r\n", ST_CSV_ALLOW_BOM | ST_CSV_ALLOW_CRLF);

	(void)state;
	assert_int_equal(c->nrecords, 2);
	assert_string_equal(c->rec[0].field[0], "a");
	assert_string_equal(c->rec[0].field[1], "b");
	assert_string_equal(c->rec[1].field[0], "1");
	assert_string_equal(c->rec[1].field[1], "x\ny");
	st_csv_free(c);
}

static void test_limits(void **state)
{
	char *big = malloc(ST_CSV_MAX_FIELD + 16), *many = malloc(4 * (ST_CSV_MAX_FIELDS + 2));
	struct st_csv *c = NULL;
	char err[ST_ERRLEN];
	size_t n = 0;

	(void)state;
	assert_non_null(big);
	assert_non_null(many);
	memset(big, 'x', ST_CSV_MAX_FIELD + 1);
	big[ST_CSV_MAX_FIELD + 1] = '\0';
	assert_int_equal(st_csv_parse("t.csv", big, strlen(big), 0, &c, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "field longer than 4096 bytes"));
	for (int i = 0; i <= ST_CSV_MAX_FIELDS; i++)
		n += (size_t)sprintf(many + n, "%s1", i ? "," : "");
	assert_int_equal(st_csv_parse("t.csv", many, n, 0, &c, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "more than 64 fields"));
	free(big);
	free(many);
}

static void test_read_file(void **state)
{
	const char *p = tu_tmpfile(".csv", "x,y\n1,2\n");
	struct st_csv *c = NULL;
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_csv_read(p, 0, &c, err), ST_OK);
	assert_int_equal(c->nrecords, 2);
	st_csv_free(c);
	unlink(p);
	assert_int_equal(st_csv_read("/nonexistent/x.csv", 0, &c, err), ST_ERR_NOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_quoted),
		cmocka_unit_test(test_line_breaks_in_quotes_and_blank_lines),
		cmocka_unit_test(test_utf8_kept),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_allowances),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_read_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
