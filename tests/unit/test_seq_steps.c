/*
 * test_seq_steps.c - the step table: a throw-away measurement step added
 * through st_seq_step_register alone (no other file touched) is a word
 * plans may use, runs in a plan on the simulated bench, is judged against
 * its limit in a limit file and fails the run when the limit says so; a
 * step whose bench need is missing SKIPs; the built-in names come from
 * the same table.
 */
#include "testutil.h"

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "limits/limits.h"
#include "model/model.h"
#include "plan/plan.h"
#include "seq/seq.h"
#include "sim/headset.h"
#include "sim/simdrv.h"

/* ------------------------------------------------ the throw-away step */

/* "probe": read the battery level from the unit's test UART and judge it
 * against the limit test.probe_pct. */
static int run_probe(struct seq *s, const struct st_plan_step *ps)
{
	char reply[512], err[ST_ERRLEN], num[16] = "";
	const char *b;
	double v;
	int ret;

	(void)ps;
	ret = st_fixture_uart(st_seq_fixture(s), "INFO", reply, sizeof(reply), err);
	if (ret)
		return ret;
	b = strstr(reply, "battery=");
	if (b)
		sscanf(b + 8, "%15[0-9.]", num);
	if (!b || st_parse_double(num, &v) != ST_OK) {
		st_seq_fail(s, ST_FAIL, ST_DISP_SERVICE, "probe: no battery reading");
		return 0;
	}
	if (st_seq_measure(s, "test.probe_pct", v, "%") == ST_FAIL) {
		st_seq_fail(s, ST_FAIL, ST_DISP_SERVICE, "probe: battery reading below its limit");
		return 0;
	}
	return 1;
}

static int ran_audio_step;

static int run_needs_audio(struct seq *s, const struct st_plan_step *ps)
{
	(void)s;
	(void)ps;
	ran_audio_step = 1;
	return 1;
}

/* ------------------------------------------------------------- bench */

struct seen {
	char meas[8][64];      /* MEASUREMENT names */
	enum st_verdict mv[8]; /* and verdicts */
	int nmeas;
	char steps[8][64];     /* STEP_END: step names */
	enum st_verdict sv[8]; /* and verdicts */
	int nsteps;
};

static void on_event(const struct st_event *ev, void *ctx)
{
	struct seen *w = ctx;

	if (ev->kind == ST_EV_MEASUREMENT && w->nmeas < 8) {
		st_strlcpy(w->meas[w->nmeas], ev->name, 64);
		w->mv[w->nmeas++] = ev->verdict;
	}
	if (ev->kind == ST_EV_STEP_END && w->nsteps < 8) {
		st_strlcpy(w->steps[w->nsteps], ev->step, 64);
		w->sv[w->nsteps++] = ev->verdict;
	}
}

/* Run plan_text on a healthy simulated WH-1000XM5 with the model's
 * limits plus `extra_limit` lines. */
static void run_plan(const char *plan_text, const char *extra_limit, struct st_seq_result *res,
		     struct seen *w)
{
	char err[ST_ERRLEN], limtext[1024];
	struct st_model m;
	struct st_plan p;
	struct st_limits *lim = NULL;
	struct st_sim_opts o = { .battery = -1 };
	struct st_clock *clk;
	struct st_fixture *fx;
	const char *lpath;

	snprintf(limtext, sizeof(limtext), "include %s/limits/WH-1000XM5.lim\n%s\n", st_data_dir(),
		 extra_limit);
	lpath = tu_tmpfile(".lim", limtext);
	assert_non_null(lpath);
	assert_int_equal(st_limits_load(lpath, NULL, &lim, err), ST_OK);
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	if (st_plan_parse("probe.plan", plan_text, &p, err) != ST_OK)
		fail_msg("%s", err);
	clk = st_clock_new_virtual();
	assert_non_null(clk);
	assert_int_equal(st_sim_fixture_open(&fx, NULL, &m, clk, &o, err), ST_OK);

	struct st_seq_config cfg = { .model = &m, .plan = &p, .fx = fx, .limits = lim,
				     .serial = "T1", .on_event = on_event, .ctx = w };
	memset(w, 0, sizeof(*w));
	assert_int_equal(st_seq_run(&cfg, res, err), ST_OK);
	assert_int_equal(fx->held, 0);
	st_fixture_close(fx);
	st_clock_free(clk);
	st_limits_free(lim);
	unlink(lpath);
}

/* ------------------------------------------------------------- tests */

static void test_builtin_names_from_the_table(void **state)
{
	char names[512];

	(void)state;
	for (int op = 0; op < ST_PS_COUNT; op++) {
		const struct st_step_kind *k = st_seq_step(op);
		assert_non_null(k);
		assert_string_equal(st_plan_op_name((enum st_plan_op)op), k->name);
		assert_int_equal(st_plan_step_kind(k->name), op);
	}
	assert_string_equal(st_plan_op_name(ST_PS_ANC), "anc");
	assert_int_equal(st_plan_step_kind("fly"), -1);
	assert_int_equal(st_plan_step_names(names, sizeof(names)), ST_OK);
	assert_non_null(strstr(names, "identify, battery"));
	assert_null(strstr(names, "ladder")); /* a block, not a step */
}

static void test_throwaway_step_through_the_table_alone(void **state)
{
	static const struct st_step_kind probe = {
		.name = "probe", .run = run_probe, .needs = ST_STEP_NEEDS_UART,
		.summary = "battery reading against test.probe_pct (test only)",
	};
	const char *plan = "plan probe\nstep identify\nstep probe\n";
	struct st_plan p;
	struct st_seq_result res;
	struct seen w;
	char err[ST_ERRLEN];
	int kind;

	(void)state;
	/* not a step before it is in the table */
	assert_int_equal(st_plan_parse("probe.plan", plan, &p, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "probe.plan:3:6: unknown step 'probe'"));

	kind = st_seq_step_register(&probe, err);
	assert_true(kind >= ST_PS_COUNT);
	assert_int_equal(st_seq_step_register(&probe, err), ST_ERR_ARG); /* name taken */
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(st_plan_parse("probe.plan", plan, &p, err), ST_OK);
	assert_int_equal(p.steps[1].op, kind);
	assert_string_equal(st_plan_op_name(p.steps[1].op), "probe");

	/* judged against its limit: the healthy unit passes ... */
	run_plan(plan, "limit test.probe_pct min 20 unit % source \"test\"", &res, &w);
	assert_int_equal(res.verdict, ST_PASS);
	assert_int_equal(w.nmeas, 1);
	assert_string_equal(w.meas[0], "test.probe_pct");
	assert_int_equal(w.mv[0], ST_PASS);
	assert_int_equal(w.nsteps, 2);
	assert_string_equal(w.steps[1], "probe");
	assert_int_equal(w.sv[1], ST_PASS);

	/* ... and fails when the limit is out of its reach */
	run_plan(plan, "limit test.probe_pct min 101 unit % source \"test\"", &res, &w);
	assert_int_equal(res.verdict, ST_FAIL);
	assert_string_equal(res.disposition, "service");
	assert_string_equal(res.reason, "probe: battery reading below its limit");
	assert_int_equal(w.mv[0], ST_FAIL);

	/* a limit file without its limit is the station's fault */
	run_plan(plan, "", &res, &w);
	assert_int_equal(res.verdict, ST_ERROR);
	assert_non_null(strstr(res.reason, "test.probe_pct"));
}

static void test_missing_bench_need_skips(void **state)
{
	static const struct st_step_kind k = {
		.name = "needs-audio", .run = run_needs_audio, .needs = ST_STEP_NEEDS_AUDIO,
		.skip_why = "no acoustic bench (test)",
	};
	struct st_seq_result res;
	struct seen w;
	char err[ST_ERRLEN];

	(void)state;
	assert_true(st_seq_step_register(&k, err) >= ST_PS_COUNT);
	run_plan("plan a\nstep needs-audio\n", "", &res, &w);
	assert_int_equal(ran_audio_step, 0);
	assert_int_equal(w.nsteps, 1);
	assert_int_equal(w.sv[0], ST_SKIP);
	assert_int_equal(res.verdict, ST_PASS);
}

static void test_register_refuses_bad_rows(void **state)
{
	struct st_step_kind k = { .name = "", .run = run_probe };
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_seq_step_register(&k, err), ST_ERR_ARG);
	k.name = "norun";
	k.run = NULL;
	assert_int_equal(st_seq_step_register(&k, err), ST_ERR_ARG);
	k.name = "anc";
	k.run = run_probe;
	assert_int_equal(st_seq_step_register(&k, err), ST_ERR_ARG);
	assert_null(st_seq_step(-1));
	assert_null(st_seq_step(ST_PS_COUNT + 100));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_names_from_the_table),
		cmocka_unit_test(test_throwaway_step_through_the_table_alone),
		cmocka_unit_test(test_missing_bench_need_skips),
		cmocka_unit_test(test_register_refuses_bad_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
