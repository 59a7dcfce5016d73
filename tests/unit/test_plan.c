/*
 * test_plan.c - the plan parser: every shipped plan loads; bad plans give
 * file:line errors; no input crashes it.
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
	expect_error("plan a\nstep fly\n", "x.plan:2: unknown step");
	expect_error("plan a\nstep reset hard\n", "x.plan:2:");
	expect_error("plan a\nstep wait -3\n", "x.plan:2:");
	expect_error("plan a\nstep identify\nladder\n  rung x: reset soft\n", "x.plan:4: ladder not closed");
	expect_error("plan a\nladder\n  rung x reset soft\nend\n", "x.plan:3: rung name must end");
	expect_error("plan a\nladder\n  rung x: reset soft,\nend\n", "x.plan:3: trailing");
	expect_error("plan a\nladder\n  rung x: identify\nend\n", "x.plan:3:");
	expect_error("plan a\nladder\nend\n", "x.plan:3: ladder has no rungs");
	expect_error("plan a\ndescription \"open\n", "x.plan:2: unterminated");
	expect_error("plan a\n", "no steps");
	expect_error("plan a\nstep identify on-fail maybe\n", "x.plan:2:");
	expect_error("plan a\nretries 9\nstep identify\n", "x.plan:2:");
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
		cmocka_unit_test(test_garbage_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
