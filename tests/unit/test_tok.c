/*
 * test_tok.c - the data-file tokenizer (station/core/tok.c): words,
 * strings and escapes, comments, punctuation words, line and column of
 * every word, and the refusals (NUL, control characters, invalid UTF-8,
 * long lines, too many words) as one "file:line:col: message" line.
 */
#include "testutil.h"

#include "core/st.h"
#include "core/tok.h"

/* Tokenize len bytes; the first line's words into w (copied), returns
 * the st_tok_next result and leaves the error in err. */
static int first_line(const char *buf, size_t len, const char *punct, char w[][64], int *n,
		      char *err)
{
	struct st_tok *t;
	struct st_tok_opts o = { punct };
	struct st_word *words;
	int r;

	err[0] = '\0';
	assert_int_equal(st_tok_open(&t, "f.x", buf, len, &o, err), ST_OK);
	r = st_tok_next(t, &words, n, err);
	for (int i = 0; r == 1 && i < *n; i++)
		st_strlcpy(w[i], words[i].s, 64);
	st_tok_close(t);
	return r;
}

static void expect_err(const char *buf, size_t len, const char *want)
{
	char w[ST_TOK_MAX_WORDS][64], err[ST_ERRLEN];
	int n = 0;

	assert_int_equal(first_line(buf, len, NULL, w, &n, err), ST_ERR_PARSE);
	if (strncmp(err, want, strlen(want)))
		fail_msg("got '%s', want '%s...'", err, want);
	assert_null(strchr(err, '\n'));
}

static void test_words(void **state)
{
	struct st_tok *t;
	struct st_word *w;
	const char *text = "# comment\n\n  limit a.b  max 3 # trailing\n"
			   "source \"two words\"\n\"q\\\"b\\\\\"x#y\n\tend\r\n";
	char err[ST_ERRLEN];
	int n;

	(void)state;
	assert_int_equal(st_tok_open(&t, "f.x", text, strlen(text), NULL, err), ST_OK);
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_int_equal(n, 4);
	assert_string_equal(w[0].s, "limit");
	assert_int_equal(w[0].line, 3);
	assert_int_equal(w[0].col, 3);
	assert_string_equal(w[1].s, "a.b");
	assert_int_equal(w[1].col, 9);
	assert_string_equal(w[3].s, "3");
	assert_int_equal(w[3].quoted, 0);
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_int_equal(n, 2);
	assert_string_equal(w[1].s, "two words");
	assert_int_equal(w[1].quoted, 1);
	assert_int_equal(w[1].col, 8);
	assert_int_equal(st_tok_next(t, &w, &n, err), ST_ERR_PARSE);
	assert_string_equal(err, "f.x:5:9: no space after closing quote");
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_string_equal(w[0].s, "end");
	assert_int_equal(w[0].col, 2);
	assert_int_equal(st_tok_next(t, &w, &n, err), 0);
	st_tok_close(t);
	/* the same line without the bad third word */
	text = "source \"q\\\"b\\\\\" x#y\n";
	assert_int_equal(st_tok_open(&t, "f.x", text, strlen(text), NULL, err), ST_OK);
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_int_equal(n, 3);
	assert_string_equal(w[1].s, "q\"b\\");
	assert_string_equal(w[2].s, "x");
	assert_int_equal(st_tok_next(t, &w, &n, err), 0);
	assert_int_equal(st_tok_line(t), 1);
	st_tok_close(t);
}

static void test_errors_go_on(void **state)
{
	struct st_tok *t;
	struct st_word *w;
	const char *text = "a \"open\nb c\n\td \xff\ne\n";
	char err[ST_ERRLEN];
	int n;

	(void)state;
	assert_int_equal(st_tok_open(&t, "f.x", text, strlen(text), NULL, err), ST_OK);
	assert_int_equal(st_tok_next(t, &w, &n, err), ST_ERR_PARSE);
	assert_string_equal(err, "f.x:1:3: unterminated string");
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_string_equal(w[1].s, "c");
	assert_int_equal(st_tok_next(t, &w, &n, err), ST_ERR_PARSE);
	assert_string_equal(err, "f.x:3:4: invalid UTF-8 (byte 0xff)");
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_string_equal(w[0].s, "e");
	assert_int_equal(w[0].line, 4);
	assert_int_equal(st_tok_next(t, &w, &n, err), 0);
	assert_int_equal(st_tok_line(t), 4);
	st_tok_close(t);
}

static void test_refusals(void **state)
{
	char long_line[ST_TOK_MAX_LINE + 10];
	const char *many = "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 "
			   "26 27 28 29 30 31 32 33";

	(void)state;
	/* a NUL byte cannot hide what follows it */
	expect_err("plan a\0b\nstep x\n", 15, "f.x:1:7: NUL byte");
	expect_err("a\x01", 2, "f.x:1:2: control character 0x01");
	expect_err("a\x7f", 2, "f.x:1:2: control character 0x7f");
	expect_err("a\f", 2, "f.x:1:2: control character 0x0c");
	/* columns count characters: "é" is one */
	expect_err("\xc3\xa9 \xc3\x28", 5, "f.x:1:3: invalid UTF-8 (byte 0xc3)");
	expect_err("\xc0\xaf", 2, "f.x:1:1: invalid UTF-8");                /* overlong */
	expect_err("\xed\xa0\x80", 3, "f.x:1:1: invalid UTF-8");            /* surrogate */
	expect_err("\xf4\x90\x80\x80", 4, "f.x:1:1: invalid UTF-8");        /* > U+10FFFF */
	expect_err("x \xe2\x80", 4, "f.x:1:3: invalid UTF-8");              /* truncated */
	expect_err("x \xc2\x9b", 4, "f.x:1:3: control character U+009B");   /* C1 CSI */
	expect_err("x \xe2\x80\xae", 5, "f.x:1:3: control character U+202E"); /* bidi */
	expect_err("a \"b\\q\"", 7, "f.x:1:5: bad escape");
	expect_err("a \"b\"c", 6, "f.x:1:6: no space after closing quote");
	expect_err("a b\"c\"", 6, "f.x:1:4: quote inside a word");
	expect_err(many, strlen(many), "f.x:1:88: too many words on one line (max 32)");
	memset(long_line, 'a', sizeof(long_line));
	expect_err(long_line, sizeof(long_line), "f.x:1:1025: line too long (max 1024");
}

static void test_valid_text(void **state)
{
	char w[ST_TOK_MAX_WORDS][64], err[ST_ERRLEN];
	const char *text;
	int n;

	(void)state;
	/* UTF-8 text, tabs and a CRLF ending are fine */
	text = "note \"\xc2\xb1" "0.3 s \xe2\x89\xa5 20 %\"\t\r\n";
	assert_int_equal(first_line(text, strlen(text), NULL, w, &n, err), 1);
	assert_int_equal(n, 2);
	assert_string_equal(w[1], "\xc2\xb1" "0.3 s \xe2\x89\xa5 20 %");
	/* punctuation words */
	text = "rung x: reset soft,wait 10 , \"a\",b";
	assert_int_equal(first_line(text, strlen(text), ",", w, &n, err), 1);
	assert_int_equal(n, 11);
	assert_string_equal(w[1], "x:");
	assert_string_equal(w[4], ",");
	assert_string_equal(w[5], "wait");
	assert_string_equal(w[7], ",");
	assert_string_equal(w[8], "a");
	assert_string_equal(w[9], ",");
	assert_string_equal(w[10], "b");
	/* an empty file and a file of comments have no lines */
	assert_int_equal(first_line("", 0, NULL, w, &n, err), 0);
	assert_int_equal(first_line("# x\n\n", 5, NULL, w, &n, err), 0);
}

static void test_once_and_load(void **state)
{
	struct st_tok *t;
	struct st_word *w;
	const char *text = "rate 1\nrate 2\n";
	char err[ST_ERRLEN];
	int n, first = 0;
	const char *p;

	(void)state;
	assert_int_equal(st_tok_open(&t, "b.audio", text, strlen(text), NULL, err), ST_OK);
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_int_equal(st_tok_once(t, &w[0], &first, err), ST_OK);
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_int_equal(st_tok_once(t, &w[0], &first, err), ST_ERR_PARSE);
	assert_string_equal(err, "b.audio:2:1: duplicate 'rate' (first on line 1)");
	st_tok_close(t);
	p = tu_tmpfile(".x", "k v\n");
	assert_non_null(p);
	assert_int_equal(st_tok_load(&t, p, NULL, err), ST_OK);
	assert_string_equal(st_tok_name(t), p);
	assert_int_equal(st_tok_next(t, &w, &n, err), 1);
	assert_string_equal(w[1].s, "v");
	st_tok_close(t);
	unlink(p);
	assert_int_equal(st_tok_load(&t, "/nonexistent/x", NULL, err), ST_ERR_NOTFOUND);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_errors_go_on),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_valid_text),
		cmocka_unit_test(test_once_and_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
