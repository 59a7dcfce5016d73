/*
 * test_seq.c - the sequencer against the in-process simulated bench on a
 * virtual clock: plans pass on healthy units, and every safety gate
 * refuses before anything is pressed; station faults are ERROR; every
 * actuator is released on every exit path.
 */
#include "testutil.h"

#include <math.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "limits/limits.h"
#include "model/model.h"
#include "plan/plan.h"
#include "seq/seq.h"
#include "sim/headset.h"
#include "sim/simdrv.h"

struct log {
	int holds;            /* ACTION events that pressed a reset's controls */
	int refused;
	char last_step[64];
	char actions[64][96];
	int nactions;
};

static void on_event(const struct st_event *ev, void *ctx)
{
	struct log *l = ctx;

	if (ev->kind == ST_EV_ACTION) {
		if (!strncmp(ev->text, "hold ", 5) || !strncmp(ev->text, "press ", 6) ||
		    !strncmp(ev->text, "tap ", 4))
			l->holds++;
		if (l->nactions < 64)
			st_strlcpy(l->actions[l->nactions++], ev->text, 96);
	}
	if (ev->kind == ST_EV_REFUSED)
		l->refused++;
}

struct bench {
	struct st_model m;
	struct st_plan p;
	struct st_limits *lim;
	struct st_clock *clk;
	struct st_fixture *fx;
	struct st_seq_result res;
	struct log log;
};

static void bench_open(struct bench *b, const char *model, const char *plan_text,
		       const struct st_sim_opts *opts)
{
	char err[ST_ERRLEN];
	struct st_sim_opts def = { .battery = -1 };

	memset(b, 0, sizeof(*b));
	assert_int_equal(st_model_find(st_data_dir(), model, &b->m, err), ST_OK);
	if (!strchr(plan_text, '\n'))
		assert_int_equal(st_plan_find(st_data_dir(), plan_text, &b->p, err), ST_OK);
	else
		assert_int_equal(st_plan_parse("test.plan", plan_text, &b->p, err), ST_OK);
	assert_int_equal(st_limits_load_model(st_data_dir(), b->m.id, NULL, &b->lim, err), ST_OK);
	b->clk = st_clock_new_virtual();
	assert_non_null(b->clk);
	assert_int_equal(st_sim_fixture_open(&b->fx, NULL, &b->m, b->clk, opts ? opts : &def, err), ST_OK);
}

static int bench_run(struct bench *b, volatile sig_atomic_t *abort_flag)
{
	struct st_seq_config cfg = {
		.model = &b->m, .plan = &b->p, .fx = b->fx, .limits = b->lim,
		.serial = "T1", .on_event = on_event, .ctx = &b->log,
		.abort_flag = abort_flag,
		.assume = 1, /* the seeds' operator rules (backup, surface) as --confirm yes */
	};
	char err[ST_ERRLEN];
	int ret = st_seq_run(&cfg, &b->res, err);

	/* whatever happened, nothing is left pressed */
	assert_int_equal(b->fx->held, 0);
	return ret;
}

static void bench_close(struct bench *b)
{
	st_fixture_close(b->fx);
	st_clock_free(b->clk);
	st_limits_free(b->lim);
}

static void test_repair_healthy_every_model(void **state)
{
	char ids[16][ST_NAME_LEN], err[ST_ERRLEN];
	int n = st_model_list(st_data_dir(), ids, 16, err);

	(void)state;
	assert_int_equal(n, 11);
	for (int i = 0; i < n; i++) {
		struct bench b;
		bench_open(&b, ids[i], "repair", NULL);
		assert_int_equal(bench_run(&b, NULL), ST_OK);
		if (b.res.verdict != ST_PASS)
			fail_msg("%s: %s %s", ids[i], st_verdict_name(b.res.verdict), b.res.reason);
		assert_string_equal(b.res.disposition, "no-fault-found");
		bench_close(&b);
	}
}

static void test_low_battery_refused_before_any_press(void **state)
{
	struct st_sim_opts o = { .battery = -1, .nfaults = 1, .faults = { "low-battery" } };
	struct bench b;

	(void)state;
	bench_open(&b, "WH-1000XM5", "reset-factory", &o);
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_string_equal(b.res.disposition, "charge-and-retest");
	assert_int_equal(b.log.holds, 0);
	bench_close(&b);
}

static void test_earbuds_need_20_percent(void **state)
{
	struct st_sim_opts o = { .battery = 15 };
	struct bench b;

	(void)state;
	bench_open(&b, "WF-1000XM5", "reset-soft", &o);
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_int_equal(b.log.holds, 0);
	bench_close(&b);
}

static void test_wrong_model_refused(void **state)
{
	struct st_sim_opts o = { .battery = -1, .identity = "MDR-1000XM3" };
	struct bench b;

	(void)state;
	bench_open(&b, "MDR-1000XM4", "reset-soft", &o);
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_string_equal(b.res.disposition, "check-model");
	assert_int_equal(b.log.holds, 0);
	bench_close(&b);
}

static void test_worn_refused_where_seed_says_it_aborts(void **state)
{
	struct st_sim_opts o = { .battery = -1, .worn = 1 };
	struct bench b;

	(void)state;
	bench_open(&b, "MDR-1000XM4", "reset-soft", &o);
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_string_equal(b.res.disposition, "remove-from-head");
	assert_int_equal(b.log.holds, 0);
	bench_close(&b);
}

static void test_escalation_order(void **state)
{
	struct bench b;

	(void)state;
	bench_open(&b, "WH-1000XM5",
		   "plan esc\nescalation on\nstep identify\nstep reset factory\n", NULL);
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_non_null(strstr(b.res.reason, "has not been tried"));
	assert_int_equal(b.log.holds, 0);
	bench_close(&b);

	bench_open(&b, "WH-1000XM5",
		   "plan esc\nescalation on\nstep reset bluetooth\nstep reset soft\nstep reset factory\n",
		   NULL);
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_PASS);
	bench_close(&b);
}

static void test_hold_past_safe_maximum_refused(void **state)
{
	struct bench b;
	struct st_procedure *p;

	(void)state;
	bench_open(&b, "WH-1000XM5", "reset-soft", NULL);
	/* a corrupted procedure asking for the 20 s POWER hold of seed 000 */
	p = &b.m.procs[ST_RESET_SOFT];
	for (int i = 0; i < p->nsteps; i++)
		if (p->steps[i].op == ST_OP_HOLD)
			p->steps[i].seconds = 20;
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_non_null(strstr(b.res.reason, "safe maximum"));
	assert_int_equal(b.log.holds, 0);
	bench_close(&b);

	/* within the safe maximum but reaching a hazard: refused too */
	bench_open(&b, "WH-1000XM5", "reset-soft", NULL);
	b.m.max_hold = 25;
	p = &b.m.procs[ST_RESET_SOFT];
	for (int i = 0; i < p->nsteps; i++)
		if (p->steps[i].op == ST_OP_HOLD)
			p->steps[i].seconds = 20;
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_int_equal(b.log.holds, 0);
	bench_close(&b);
}

static void test_abort_releases_everything(void **state)
{
	volatile sig_atomic_t flag = 1;
	struct bench b;

	(void)state;
	bench_open(&b, "WH-1000XM5", "repair", NULL);
	assert_int_equal(bench_run(&b, &flag), ST_OK);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	bench_close(&b);
}

static void test_bt_limbo_fixed_by_soft_then_bluetooth(void **state)
{
	struct st_sim_opts o = { .battery = -1, .nfaults = 1, .faults = { "bt-limbo" } };
	struct bench b;

	(void)state;
	bench_open(&b, "WH-1000XM5", "repair", &o);
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_PASS);
	assert_string_equal(b.res.disposition, "fixed-by-soft-then-bluetooth");
	bench_close(&b);
}

static void test_eeprom_fail_is_unit_fail(void **state)
{
	struct st_sim_opts o = { .battery = -1, .nfaults = 1, .faults = { "eeprom-fail" } };
	struct bench b;

	(void)state;
	bench_open(&b, "MDR-1000XM3", "repair", &o);
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_FAIL);
	assert_non_null(strstr(b.res.reason, "EEPROM"));
	bench_close(&b);
}

/* A fixture that presses fine but whose UART never answers: the station's
 * fault (the fixture went quiet), not the unit's. */
static int f_ok(struct st_fixture *fx, unsigned mask, double sec, char *err) { return ST_OK; }
static int f_hold(struct st_fixture *fx, unsigned mask, double lim, char *err) { return ST_OK; }
static int f_mask(struct st_fixture *fx, unsigned mask, char *err) { return ST_OK; }
static int f_all(struct st_fixture *fx, char *err) { return ST_OK; }
static int f_slide(struct st_fixture *fx, int c, int pos, char *err) { return ST_OK; }
static int f_wait(struct st_fixture *fx, double sec, char *err)
{
	st_clock_sleep(fx->clock, sec);
	return ST_OK;
}
static int f_poll(struct st_fixture *fx, struct st_feedback *ev, int max, char *err) { return 0; }
static int f_uart(struct st_fixture *fx, const char *cmd, char *reply, size_t n, char *err)
{
	return st_fail(err, ST_ERR_TIMEOUT, "fixture did not answer within 2 s");
}
static int f_on(struct st_fixture *fx, int on, char *err) { return ST_OK; }
static int f_place(struct st_fixture *fx, int a, int b, char *err) { return ST_OK; }

static const struct st_fixture_ops silent_ops = {
	.name = "silent", .press = f_ok, .hold = f_hold, .release = f_mask,
	.release_all = f_all, .slide = f_slide, .wait = f_wait, .poll = f_poll,
	.uart = f_uart, .charge = f_on, .wear = f_on, .place = f_place,
};

static void test_station_fault_is_error(void **state)
{
	struct bench b;
	struct st_fixture *sim;
	struct st_fixture fake = { .ops = &silent_ops, .caps = ~0u, .desc = "silent" };

	(void)state;
	bench_open(&b, "WH-1000XM5", "repair", NULL);
	sim = b.fx;
	fake.model = &b.m;
	fake.clock = b.clk;
	b.fx = &fake;
	assert_int_equal(bench_run(&b, NULL), ST_OK);
	assert_int_equal(b.res.verdict, ST_ERROR);
	assert_string_equal(b.res.disposition, "retest");
	b.fx = sim;
	bench_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repair_healthy_every_model),
		cmocka_unit_test(test_low_battery_refused_before_any_press),
		cmocka_unit_test(test_earbuds_need_20_percent),
		cmocka_unit_test(test_wrong_model_refused),
		cmocka_unit_test(test_worn_refused_where_seed_says_it_aborts),
		cmocka_unit_test(test_escalation_order),
		cmocka_unit_test(test_hold_past_safe_maximum_refused),
		cmocka_unit_test(test_abort_releases_everything),
		cmocka_unit_test(test_bt_limbo_fixed_by_soft_then_bluetooth),
		cmocka_unit_test(test_eeprom_fail_is_unit_fail),
		cmocka_unit_test(test_station_fault_is_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
