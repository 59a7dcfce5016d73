/*
 * test_bench_fixture.c - a bench session on a real fixture driver: the
 * station's fixture protocol on a pty, served by the simulated fixture
 * (station/sim/simfix.h) in a thread of this test at 50x real time.  The
 * session connects at open, reports driver, port and the board's firmware
 * for the start screen, keeps the fixture across units, refuses simulated
 * unit options, and leaves every relay open when it closes.
 */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>

#include "bench/bench.h"
#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "plan/plan.h"
#include "sim/simfix.h"

#define SCALE 50.0

struct simrun {
	struct st_model m;           /* model of the simulated unit */
	struct st_simfix *s;         /* the simulated fixture */
	struct st_clock *clock;      /* its bench clock */
	int master, slave;           /* pty ends */
	char path[256];              /* pty slave path */
	char state[64];              /* its state file */
	pthread_t th;                /* serving thread */
	volatile sig_atomic_t stop;  /* asks the thread to stop */
};

static void *serve(void *arg)
{
	struct simrun *r = arg;
	char err[ST_ERRLEN];

	st_simfix_boot(r->s, st_clock_now(r->clock));
	st_simfix_serve(r->s, r->master, r->clock, &r->stop, err);
	return NULL;
}

static void sim_start(struct simrun *r, const char *model)
{
	struct st_simfix_opts o;
	char err[ST_ERRLEN];
	int fd;

	memset(r, 0, sizeof(*r));
	assert_int_equal(st_model_find(st_data_dir(), model, &r->m, err), ST_OK);
	strcpy(r->state, "/tmp/st-benchfx-XXXXXX");
	fd = mkstemp(r->state);
	assert_true(fd >= 0);
	close(fd);
	memset(&o, 0, sizeof(o));
	o.model = &r->m;
	o.sim.battery = -1;
	o.scale = SCALE;
	o.state_file = r->state;
	if (st_simfix_new(&r->s, &o, err))
		fail_msg("simfix: %s", err);
	assert_int_equal(st_simfix_pty(&r->master, &r->slave, r->path, sizeof(r->path), err),
			 ST_OK);
	r->clock = st_clock_new_real(SCALE);
	assert_int_equal(pthread_create(&r->th, NULL, serve, r), 0);
}

static void sim_stop(struct simrun *r)
{
	r->stop = 1;
	pthread_join(r->th, NULL);
	close(r->master);
	close(r->slave);
	st_simfix_free(r->s);
	st_clock_free(r->clock);
	unlink(r->state);
}

/* The relays the simulated fixture has closed, from its state file. */
static unsigned sim_closed(struct simrun *r)
{
	char *text = NULL, *p;
	size_t len;
	unsigned v = 0xdead;

	if (st_read_file(r->state, &text, &len, NULL))
		return 0xdead;
	p = strstr(text, "closed=");
	if (p)
		v = (unsigned)strtoul(p + 7, NULL, 16);
	free(text);
	return v;
}

static void test_real_fixture(void **state)
{
	struct simrun r;
	struct st_bench_opts o;
	struct st_bench *b;
	struct st_bench_fixture_info fi;
	struct st_bench_sim sim = { .battery = 50 };
	struct st_seq_result res;
	struct st_plan soft, bt;
	struct st_fixture *fx;
	char err[ST_ERRLEN] = "", id[64];
	(void)state;

	sim_start(&r, "WH-1000XM4");
	st_bench_opts_init(&o);
	o.model = "WH-1000XM4";
	o.fixture = r.path;
	o.no_db = 1;
	o.confirm = ST_BENCH_CONFIRM_YES;
	if (st_bench_open(&b, &o, err))
		fail_msg("st_bench_open: %s", err);

	/* a real fixture is connected as soon as the session opens */
	st_bench_fixture_info(b, &fi);
	assert_true(fi.connected);
	assert_false(fi.simulated);
	assert_string_equal(fi.driver, "proto");
	assert_string_equal(fi.port, r.path);
	assert_true(fi.firmware[0] != '\0');
	assert_non_null(strstr(fi.desc, fi.firmware));
	assert_string_equal(st_bench_audio_desc(b), "none");
	assert_null(st_bench_db_path(b));
	assert_int_equal(st_bench_identify(b, id, sizeof(id), err), ST_OK);
	assert_string_equal(id, r.m.identity);
	fx = st_bench_fixture(b);

	/* simulated unit options are refused on a real fixture */
	assert_int_equal(st_bench_set_sim(b, &sim, err), ST_ERR_ARG);

	/* two units in a row on the same fixture; short plans, because the
	 * shipped reset-* plans end in `verify full` (hours of bench time) */
	assert_int_equal(st_plan_parse("soft.plan", "plan soft\nstep identify\nstep battery\n"
				       "step reset soft\nstep verify\n", &soft, err), ST_OK);
	assert_int_equal(st_plan_parse("bt.plan", "plan bt\nstep identify\nstep battery\n"
				       "step reset bluetooth\nstep verify\n", &bt, err), ST_OK);
	assert_int_equal(st_bench_run_plan(b, &soft, "R1", NULL, NULL, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_PASS);
	assert_ptr_equal(st_bench_fixture(b), fx);
	assert_int_equal(sim_closed(&r), 0);
	assert_int_equal(st_bench_set_model(b, "WH-1000XM4", err), ST_OK);
	assert_ptr_equal(st_bench_fixture(b), fx);
	assert_int_equal(st_bench_run_plan(b, &bt, "R2", NULL, NULL, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_PASS);

	st_bench_close(b);
	assert_int_equal(sim_closed(&r), 0);
	sim_stop(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
