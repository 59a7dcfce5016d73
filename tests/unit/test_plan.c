/*
 * test_plan.c - the plan parser: every shipped plan loads; bad plans give
 * file:line:col errors; a NUL byte, invalid UTF-8 and a repeated singular
 * keyword are refused; no input crashes it.
 */
#include "testutil.h"

#include "core/st.h"
#include "model/model.h"
#include "plan/plan.h"

static void test_shipped_plans_load(void **state)
{
	char names[32][32], err[ST_ERRLEN];
	struct st_plan p;
	int n = st_plan_list(st_data_dir(), names, 32, err);

	(void)state;
	assert_true(n >= 6);
	for (int i = 0; i < n; i++) {
		if (st_plan_find(st_data_dir(), names[i], &p, err) != ST_OK)
			fail_msg("%s", err);
		assert_string_equal(p.name, names[i]);
	}
	assert_int_equal(st_plan_find(st_data_dir(), "repair", &p, err), ST_OK);
	assert_int_equal(p.escalation, 1);
	int ladder = -1;
	for (int i = 0; i < p.nsteps; i++)
		if (p.steps[i].op == ST_PS_LADDER)
			ladder = i;
	assert_true(ladder >= 0);
	assert_int_equal(p.steps[ladder].min_rungs, 1);
	assert_string_equal(p.steps[ladder].rungs[0].name, "bluetooth");
	assert_string_equal(p.steps[ladder].rungs[2].name, "soft-then-bluetooth");
	assert_int_equal(p.steps[ladder].rungs[2].nacts, 3);
	assert_int_equal(p.steps[ladder].rungs[2].acts[1].op, ST_PS_WAIT);
	assert_true(p.steps[ladder].rungs[2].acts[1].seconds == 10);
}

static void expect_error(const char *text, const char *where)
{
	char err[ST_ERRLEN] = "";
	struct st_plan p;

	assert_int_equal(st_plan_parse("x.plan", text, &p, err), ST_ERR_PARSE);
	if (!strstr(err, where))
		fail_msg("error '%s' does not name '%s'", err, where);
}

static void test_bad_plans(void **state)
{
	(void)state;
	expect_error("step identify\n", "x.plan:1:");
	expect_error("plan a\nstep fly\n", "x.plan:2:6: unknown step");
	expect_error("plan a\nstep reset hard\n", "x.plan:2:");
	expect_error("plan a\nstep wait -3\n", "x.plan:2:");
	expect_error("plan a\nstep identify\nladder\n  rung x: reset soft\n", "x.plan:4:1: ladder not closed");
	expect_error("plan a\nladder\n  rung x reset soft\nend\n", "x.plan:3:8: rung name must end");
	expect_error("plan a\nladder\n  rung x: reset soft,\nend\n", "x.plan:3:21: trailing");
	expect_error("plan a\nladder\n  rung x: identify\nend\n", "x.plan:3:");
	expect_error("plan a\nladder\nend\n", "x.plan:3:1: ladder has no rungs");
	expect_error("plan a\ndescription \"open\n", "x.plan:2:13: unterminated");
	expect_error("plan a\n", "no steps");
	expect_error("plan a\nstep identify on-fail maybe\n", "x.plan:2:");
	expect_error("plan a\nretries 9\nstep identify\n", "x.plan:2:");
}

/* Issue 9 item 3: a NUL byte before `step anc` in repair.plan used to end
 * the text there, dropping the acoustic steps and the ladder while the run
 * still passed.  It is refused, with the place of the NUL. */
static void test_nul_byte_refused(void **state)
{
	char *text = NULL, err[ST_ERRLEN] = "", path[600], want[700];
	size_t len = 0;
	struct st_plan p;
	const char *at, *tmp;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/fixtures/plans/repair.plan", st_data_dir());
	assert_int_equal(st_read_file(path, &text, &len, err), ST_OK);
	at = strstr(text, "step anc");
	assert_non_null(at);
	text[at - text + 4] = '\0';              /* "step\0anc" */
	assert_int_equal(st_plan_parse_buf("r.plan", text, len, &p, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, ":5: NUL byte"));
	assert_int_equal(strncmp(err, "r.plan:", 7), 0);
	/* and through the file loader */
	tmp = tu_tmpfile(".plan", "");
	assert_non_null(tmp);
	f = fopen(tmp, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	assert_int_equal(st_plan_load(tmp, &p, err), ST_ERR_PARSE);
	snprintf(want, sizeof(want), "%s:", tmp);
	assert_int_equal(strncmp(err, want, strlen(want)), 0);
	assert_non_null(strstr(err, ":5: NUL byte"));
	unlink(tmp);
	free(text);
}

/* Issue 9 item 4: `escalation on` ... `escalation off` let the last one
 * win, so a factory reset could run first.  Every singular keyword may
 * appear once. */
static void test_repeated_keywords_refused(void **state)
{
	(void)state;
	expect_error("plan a\nescalation on\nstep identify\nescalation off\n",
		     "x.plan:4:1: duplicate 'escalation' (first on line 2)");
	expect_error("plan a\nretries 1\nretries 1\nstep identify\n", "x.plan:3:1: duplicate 'retries'");
	expect_error("plan a\ndescription \"a\"\ndescription \"b\"\nstep identify\n",
		     "x.plan:3:1: duplicate 'description'");
	expect_error("plan a\npass-disposition x\npass-disposition y\nstep identify\n",
		     "x.plan:3:1: duplicate 'pass-disposition'");
	expect_error("plan a\nplan b\nstep identify\n", "x.plan:2:1: second 'plan' line");
	expect_error("plan a\nstep identify on-fail continue on-fail stop\n",
		     "x.plan:2:32: duplicate 'on-fail'");
	expect_error("plan a\nladder min 1\n  min 2\n  rung x: reset soft\nend\n",
		     "x.plan:3:3: duplicate 'min' (first on line 2)");
	expect_error("plan a\nladder\n  rung x: reset soft\n  rung x: reset bluetooth\nend\n",
		     "x.plan:4:8: duplicate rung 'x' (first on line 3)");
}

static void test_encoding_refused(void **state)
{
	(void)state;
	expect_error("plan a\ndescription \"caf\xe9\"\nstep identify\n",
		     "x.plan:2:17: invalid UTF-8 (byte 0xe9)");
	expect_error("plan a\ndescription \"a\x1b[2Jb\"\nstep identify\n",
		     "x.plan:2:15: control character 0x1b");
	expect_error("plan a\nstep identify \"x\"y\n", "x.plan:2:18: no space after closing quote");
	/* valid UTF-8 text is kept */
	{
		struct st_plan p;
		char err[ST_ERRLEN];

		assert_int_equal(st_plan_parse("x.plan", "plan a\ndescription \"caf\xc3\xa9\"\n"
					       "step identify\n", &p, err), ST_OK);
		assert_string_equal(p.description, "caf\xc3\xa9");
	}
}

static void test_garbage_never_crashes(void **state)
{
	char buf[512], err[ST_ERRLEN];
	struct st_plan p;
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		int n = (int)(rand_r(&seed) % (sizeof(buf) - 1));
		static const char alphabet[] = "plan step ladder rung end reset soft wait 10 : , \" # \n\t-x";
		for (int i = 0; i < n; i++)
			buf[i] = (round & 1) ? (char)(rand_r(&seed) % 255 + 1)
					     : alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		buf[n] = '\0';
		st_plan_parse("fuzz.plan", buf, &p, err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_plans_load),
		cmocka_unit_test(test_bad_plans),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_repeated_keywords_refused),
		cmocka_unit_test(test_encoding_refused),
		cmocka_unit_test(test_garbage_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
