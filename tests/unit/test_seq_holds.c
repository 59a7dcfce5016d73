/*
 * test_seq_holds.c - one safety check for holds and hazards
 * (st_model_check_holds), the model parser's and the sequencer's gate:
 * every shipped procedure passes it; a press held across an expectation
 * window past max-hold, which the sequencer's old check (waits only) let
 * through, is refused before anything is pressed; a hazard is refused
 * naming its seed source.
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

static int presses;

static void on_event(const struct st_event *ev, void *ctx)
{
	(void)ctx;
	if (ev->kind == ST_EV_ACTION &&
	    (!strncmp(ev->text, "hold ", 5) || !strncmp(ev->text, "press ", 6)))
		presses++;
}

static void run(struct st_model *m, const char *plan, struct st_seq_result *res)
{
	struct st_sim_opts o = { .battery = -1 };
	char err[ST_ERRLEN];
	struct st_plan p;
	struct st_limits *lim;
	struct st_clock *clk = st_clock_new_virtual();
	struct st_fixture *fx;

	assert_int_equal(st_plan_find(st_data_dir(), plan, &p, err), ST_OK);
	assert_int_equal(st_limits_load_model(st_data_dir(), m->id, NULL, &lim, err), ST_OK);
	assert_int_equal(st_sim_fixture_open(&fx, NULL, m, clk, &o, err), ST_OK);
	struct st_seq_config cfg = { .model = m, .plan = &p, .fx = fx, .limits = lim,
				     .serial = "H1", .on_event = on_event };
	presses = 0;
	assert_int_equal(st_seq_run(&cfg, res, err), ST_OK);
	assert_int_equal(fx->held, 0);
	st_fixture_close(fx);
	st_clock_free(clk);
	st_limits_free(lim);
}

static void test_every_shipped_procedure_passes(void **state)
{
	char ids[16][ST_NAME_LEN], err[ST_ERRLEN], why[ST_ERRLEN];
	int n = st_model_list(st_data_dir(), ids, 16, err);

	(void)state;
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		struct st_model m;
		assert_int_equal(st_model_find(st_data_dir(), ids[i], &m, err), ST_OK);
		for (int k = 0; k < ST_RESET_COUNT; k++)
			if (st_model_proc(&m, (enum st_reset_kind)k) &&
			    st_model_check_holds(&m, &m.procs[k], why, sizeof(why)) != ST_OK)
				fail_msg("%s: %s", ids[i], why);
	}
}

/* hold POWER 12 becomes: press POWER, wait 12, expect..., release - held
 * through the expectation windows too (12 + 3 + 3 s), past max-hold 12.3;
 * the sequencer's old check counted the wait only (12.3 s, allowed). */
static void test_press_across_expectations_refused(void **state)
{
	char err[ST_ERRLEN], why[ST_ERRLEN];
	struct st_model m;
	struct st_procedure *p;
	struct st_seq_result res;

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	p = &m.procs[ST_RESET_SOFT];
	assert_int_equal(p->steps[0].op, ST_OP_HOLD);
	assert_true(p->nsteps + 2 <= ST_MAX_STEPS);
	memmove(&p->steps[1], &p->steps[0], sizeof(p->steps[0]) * (size_t)p->nsteps);
	p->nsteps++;
	p->steps[0].op = ST_OP_PRESS;
	p->steps[1].op = ST_OP_WAIT; /* 12 s, as the hold was */
	p->steps[1].controls = 0;
	p->steps[p->nsteps] = p->steps[p->nsteps - 1];
	p->steps[p->nsteps].op = ST_OP_RELEASE;
	p->steps[p->nsteps].controls = 0;
	p->nsteps++;
	assert_int_equal(st_model_check_holds(&m, p, why, sizeof(why)), ST_ERR_REFUSED);
	assert_non_null(strstr(why, "max-hold 12.3"));
	assert_non_null(strstr(why, m.path));

	run(&m, "reset-soft", &res);
	assert_int_equal(res.verdict, ST_ABORTED);
	assert_string_equal(res.disposition, "fix-model-data");
	assert_non_null(strstr(res.reason, "safe maximum"));
	assert_int_equal(presses, 0);
}

static void test_hazard_refused_with_its_source(void **state)
{
	char err[ST_ERRLEN], why[ST_ERRLEN];
	struct st_model m;
	struct st_procedure *p;
	struct st_seq_result res;

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	m.max_hold = 25;
	p = &m.procs[ST_RESET_SOFT];
	p->steps[0].seconds = 19.8; /* + 0.3 tolerance reaches the 20 s hazard */
	assert_int_equal(st_model_check_holds(&m, p, why, sizeof(why)), ST_ERR_REFUSED);
	assert_non_null(strstr(why, "hazard"));
	assert_non_null(strstr(why, "forced shutdown"));
	run(&m, "reset-soft", &res);
	assert_int_equal(res.verdict, ST_ABORTED);
	assert_non_null(strstr(res.reason, "forced shutdown"));
	assert_int_equal(presses, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_shipped_procedure_passes),
		cmocka_unit_test(test_press_across_expectations_refused),
		cmocka_unit_test(test_hazard_refused_with_its_source),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
