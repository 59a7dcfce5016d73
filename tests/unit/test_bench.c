/*
 * test_bench.c - the bench session (station/bench/bench.h) on the
 * simulated bench: one session runs unit after unit, with the model and
 * the simulated unit changed between runs; the start screen's facts are
 * right; bad options are usage errors before anything opens; an abort
 * from the event callback ends the run ABORTED with every actuator
 * released, and the next run starts clean.
 */
#include "testutil.h"

#include "bench/bench.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "model/model.h"

struct ctx {
	int events;           /* events seen */
	int abort_at_action;  /* 1: abort at the first ACTION event */
	unsigned held_at_abort; /* controls held when the abort was asked */
	struct st_bench *b;
};

static void on_event(const struct st_event *ev, void *p)
{
	struct ctx *c = p;

	c->events++;
	if (c->abort_at_action && ev->kind == ST_EV_ACTION && c->b) {
		c->held_at_abort = st_bench_fixture(c->b)->held;
		st_bench_abort(c->b);
		c->abort_at_action = 0;
	}
}

static const char *tmp_db(void)
{
	const char *p = tu_tmpfile(".db", NULL);

	assert_non_null(p);
	unlink(p);
	return p;
}

static void open_sim(struct st_bench **b, const char *model, const char *db)
{
	struct st_bench_opts o;
	char err[ST_ERRLEN] = "";

	st_bench_opts_init(&o);
	o.model = model;
	o.plan = "reset-soft";
	o.db = db;
	o.no_db = db == NULL;
	o.audio = "none";
	o.operator_ = "tester";
	o.station = "bench-test";
	o.confirm = ST_BENCH_CONFIRM_YES;
	if (st_bench_open(b, &o, err) != ST_OK)
		fail_msg("st_bench_open: %s", err);
}

static void test_units_in_a_row(void **state)
{
	struct st_bench *b;
	struct st_seq_result res;
	struct st_bench_fixture_info fi;
	struct st_bench_sim sim = { .battery = 15 };
	struct ctx c = { 0 };
	struct st_fixture *fx1;
	const char *db = tmp_db();
	char err[ST_ERRLEN] = "", id[64];
	long long n = -1;
	(void)state;

	open_sim(&b, "WH-1000XM5", db);
	st_bench_fixture_info(b, &fi);
	assert_true(fi.simulated);
	assert_string_equal(fi.driver, "sim");
	assert_string_equal(st_bench_db_path(b), db);
	assert_string_equal(st_bench_operator(b), "tester");
	assert_int_equal(st_bench_run_count(b, &n, err), ST_OK);
	assert_int_equal(n, 0);

	/* first unit: the default plan */
	assert_int_equal(st_bench_run(b, NULL, "B1", on_event, &c, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_PASS);
	assert_true(c.events > 5);
	st_bench_fixture_info(b, &fi);
	assert_true(fi.connected);
	assert_string_equal(fi.driver, "sim");
	assert_string_equal(fi.port, "sim");
	assert_string_equal(fi.firmware, "sim");
	assert_non_null(strstr(fi.desc, "WH-1000XM5"));
	fx1 = st_bench_fixture(b);
	assert_int_equal(fx1->held, 0);
	assert_int_equal(st_bench_identify(b, id, sizeof(id), err), ST_OK);
	assert_string_equal(id, st_bench_model(b)->identity);

	/* the same unit again stays on the bench */
	assert_int_equal(st_bench_run(b, "reset-soft", "B1", NULL, NULL, &res, err), ST_OK);
	assert_ptr_equal(st_bench_fixture(b), fx1);

	/* another model, a weak battery: the factory reset is refused */
	assert_int_equal(st_bench_set_model(b, "WF-1000XM5", err), ST_OK);
	assert_int_equal(st_bench_set_sim(b, &sim, err), ST_OK);
	assert_int_equal(st_bench_run(b, "reset-factory", "B2", NULL, NULL, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_ABORTED);
	assert_string_equal(st_bench_model(b)->id, "WF-1000XM5");

	/* the simulated unit back to healthy: the same plan passes */
	assert_int_equal(st_bench_set_sim(b, NULL, err), ST_OK);
	assert_int_equal(st_bench_run(b, "reset-factory", "B3", NULL, NULL, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_PASS);

	assert_int_equal(st_bench_run_count(b, &n, err), ST_OK);
	assert_int_equal(n, 4);
	st_bench_close(b);
	unlink(db);
}

static void test_abort_releases(void **state)
{
	struct st_bench *b;
	struct st_seq_result res;
	struct ctx c = { .abort_at_action = 1 };
	char err[ST_ERRLEN] = "";
	(void)state;

	open_sim(&b, "WH-1000XM4", NULL);
	c.b = b;
	assert_int_equal(st_bench_run(b, "reset-factory", "AB1", on_event, &c, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_ABORTED);
	assert_int_equal(st_bench_fixture(b)->held, 0);
	assert_int_equal(*st_bench_abort_flag(b), 1);
	/* a stop is kept until a front end clears it: the next run of a
	 * batch ends at once, nothing held */
	c.abort_at_action = 0;
	assert_int_equal(st_bench_run(b, "reset-soft", "AB2", on_event, &c, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_ABORTED);
	assert_int_equal(st_bench_fixture(b)->held, 0);
	/* cleared (the console, when the operator starts the next run) */
	st_bench_abort_clear(b);
	assert_int_equal(st_bench_run(b, "reset-soft", "AB3", on_event, &c, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_PASS);
	assert_int_equal(st_bench_release_all(b, err), ST_OK);
	st_bench_close(b);
	st_bench_close(NULL);
}

static int open_err(struct st_bench_opts *o, const char *want)
{
	struct st_bench *b = (struct st_bench *)1;
	char err[ST_ERRLEN] = "";
	int ret = st_bench_open(&b, o, err);

	assert_null(b);
	if (!strstr(err, want))
		fail_msg("error '%s' does not say '%s'", err, want);
	return st_bench_exit_code(ret);
}

static void test_bad_options(void **state)
{
	struct st_bench_opts o;
	struct st_bench *b;
	struct st_seq_result res;
	char err[ST_ERRLEN] = "";
	(void)state;

	st_bench_opts_init(&o);
	o.no_db = 1;
	o.model = "WH-9999";
	assert_int_equal(open_err(&o, "WH-9999"), ST_EXIT_USAGE);
	o.model = "WH-1000XM5";
	o.sim.faults[o.sim.nfaults++] = "gremlins";
	assert_int_equal(open_err(&o, "gremlins"), ST_EXIT_USAGE);
	o.sim.faults[0] = "worn-switch:NO_SUCH_CONTROL";
	assert_int_equal(open_err(&o, "worn-switch"), ST_EXIT_USAGE);
	o.sim.nfaults = 0;
	o.sim.identity = "WH-9999";
	assert_int_equal(open_err(&o, "--identity"), ST_EXIT_USAGE);
	o.sim.identity = NULL;
	o.fixture = "/nonexistent/tty";
	o.sim.worn = 1;
	assert_int_equal(open_err(&o, "simulated bench"), ST_EXIT_USAGE);
	o.sim.worn = 0;
	o.audio = "sim";
	assert_int_equal(open_err(&o, "--audio sim"), ST_EXIT_USAGE);
	o.audio = NULL;
	/* a real fixture that is not there is a station fault */
	assert_int_equal(open_err(&o, "fixture"), ST_EXIT_ERROR);
	o.fixture = NULL;
	o.plan = "nope";
	assert_int_equal(open_err(&o, "unknown plan"), ST_EXIT_USAGE);
	o.plan = NULL;
	o.no_db = 0;
	o.db = "/proc/nope/runs.db";
	assert_int_equal(open_err(&o, "nope"), ST_EXIT_USAGE);
	o.db = NULL;
	o.no_db = 1;
	o.operator_ = "bad\x1b[2Jname";
	assert_int_equal(open_err(&o, "operator"), ST_EXIT_USAGE);
	o.operator_ = NULL;

	/* a session without a model runs nothing until it has one */
	o.model = NULL;
	o.audio = "none";
	o.confirm = ST_BENCH_CONFIRM_YES; /* the XM4 surface rule, as --confirm yes */
	assert_int_equal(st_bench_open(&b, &o, err), ST_OK);
	assert_int_not_equal(st_bench_run(b, "reset-soft", "X1", NULL, NULL, &res, err), ST_OK);
	assert_int_equal(st_bench_set_model(b, "MDR-1000XM4", err), ST_OK);
	assert_int_not_equal(st_bench_run(b, "reset-soft", "bad\nserial", NULL, NULL, &res, err), ST_OK);
	assert_non_null(strstr(err, "serial"));
	assert_int_not_equal(st_bench_run(b, NULL, "X1", NULL, NULL, &res, err), ST_OK);
	assert_non_null(strstr(err, "no plan"));
	assert_int_equal(st_bench_run(b, "reset-soft", "X1", NULL, NULL, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_PASS);
	st_bench_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_in_a_row),
		cmocka_unit_test(test_abort_releases),
		cmocka_unit_test(test_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
