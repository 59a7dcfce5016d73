/*
 * test_fixture_safety.c - what every fixture driver promises about safety
 * (fixture.h, std.h):
 *  - an abort request from another thread (the console's Esc) ends a
 *    12 s press on the station's fixture, on a Numato board and on the
 *    in-process bench within 50 ms (asserted with a generous 1 s margin,
 *    the figure printed), with every relay confirmed open before the call
 *    returns; the in-process bench's virtual-clock waits stop too;
 *  - the bench's ceiling from its fixture file (per channel or for the
 *    board) refuses a model whose holds exceed it when the fixture is
 *    opened, and any longer press or hold, naming both limits;
 *  - the shared driver helpers: address options and the fault latch.
 */
#include "testutil.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "fixture/std.h"
#include "model/model.h"
#include "sim/simfix.h"

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- a simulated fixture on a pty, served by a thread ------------------ */

struct simrun {
	struct st_model m;           /* model of the simulated unit */
	struct st_simfix *s;         /* the simulated fixture */
	struct st_clock *clock;      /* its bench clock (scale 1) */
	int master, slave;           /* pty ends */
	char path[256];              /* pty slave path */
	pthread_t th;                /* serving thread */
	pthread_mutex_t lock;        /* guards s between the test and the thread */
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

static struct simrun *sim_start(int numato)
{
	struct simrun *r = calloc(1, sizeof(*r));
	struct st_simfix_opts o;
	char err[ST_ERRLEN];

	assert_non_null(r);
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &r->m, err), ST_OK);
	memset(&o, 0, sizeof(o));
	o.model = &r->m;
	o.sim.battery = -1;
	o.scale = 1.0;
	o.numato = numato;
	if (st_simfix_new(&r->s, &o, err))
		fail_msg("simfix: %s", err);
	assert_int_equal(st_simfix_pty(&r->master, &r->slave, r->path, sizeof(r->path), err),
			 ST_OK);
	r->clock = st_clock_new_real(1.0);
	assert_int_equal(pthread_create(&r->th, NULL, serve, r), 0);
	return r;
}

static void sim_stop(struct simrun *r)
{
	r->stop = 1;
	pthread_join(r->th, NULL);
	close(r->master);
	close(r->slave);
	st_simfix_free(r->s);
	st_clock_free(r->clock);
	free(r);
}

/* ---- abort from another thread ---------------------------------------- */

struct aborter {
	struct st_fixture *fx;       /* fixture to abort */
	double delay;                /* wall s before the abort */
	double at;                   /* wall time it was sent */
	pthread_t th;
};

static void *abort_later(void *arg)
{
	struct aborter *a = arg;
	struct timespec ts = { 0, (long)(a->delay * 1e9) };

	nanosleep(&ts, NULL);
	a->at = wall();
	st_fixture_abort(a->fx);
	return NULL;
}

/* Press POWER for 12 s on fx, abort it from a thread after 0.2 s; returns
 * the wall seconds from the abort to the press's return. */
static double press_and_abort(struct st_fixture *fx, const struct st_model *m)
{
	struct aborter a = { .fx = fx, .delay = 0.2 };
	char err[ST_ERRLEN] = "";
	double t_ret;
	int ret;

	assert_int_equal(pthread_create(&a.th, NULL, abort_later, &a), 0);
	ret = st_fixture_press(fx, 1u << st_model_control(m, "POWER"), 12.0, err);
	t_ret = wall();
	pthread_join(a.th, NULL);
	if (ret != ST_ERR_ABORT)
		fail_msg("press returned %d (%s), want ST_ERR_ABORT", ret, err);
	assert_int_equal(fx->held, 0);
	/* nothing new starts while the abort stands */
	assert_int_equal(st_fixture_hold(fx, 1, 5.0, err), ST_ERR_ABORT);
	assert_int_equal(st_fixture_wait(fx, 5.0, err), ST_ERR_ABORT);
	return t_ret - a.at;
}

static void abort_station_fixture(void **state)
{
	struct simrun *r = sim_start(0);
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	char err[ST_ERRLEN] = "";
	double lat;

	(void)state;
	if (st_fixture_open(&fx, r->path, &r->m, c, NULL, 0, err))
		fail_msg("open: %s", err);
	lat = press_and_abort(fx, &r->m);
	/* the driver returned only after the fixture confirmed the release */
	assert_int_equal(st_simfix_closed(r->s), 0);
	print_message("station fixture: press returned %.1f ms after the abort\n", lat * 1e3);
	assert_true(lat < 1.0);
	st_fixture_abort_clear(fx);
	assert_int_equal(st_fixture_press(fx, 1, 0.2, err), ST_OK);
	st_fixture_close(fx);
	st_clock_free(c);
	sim_stop(r);
}

static void abort_numato(void **state)
{
	struct simrun *r = sim_start(1);
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	char err[ST_ERRLEN] = "", addr[300];
	double lat;

	(void)state;
	snprintf(addr, sizeof(addr), "numato:%s", r->path);
	if (st_fixture_open(&fx, addr, &r->m, c, NULL, 0, err))
		fail_msg("open: %s", err);
	lat = press_and_abort(fx, &r->m);
	assert_int_equal(st_simfix_closed(r->s), 0);
	print_message("Numato: press returned %.1f ms after the abort\n", lat * 1e3);
	assert_true(lat < 1.0);
	st_fixture_close(fx);
	st_clock_free(c);
	sim_stop(r);
}

static void abort_in_process_real_clock(void **state)
{
	struct st_model m;
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	char err[ST_ERRLEN] = "";
	double lat;

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	if (st_fixture_open(&fx, "sim", &m, c, NULL, 0, err))
		fail_msg("open: %s", err);
	lat = press_and_abort(fx, &m);
	print_message("in-process bench: press returned %.1f ms after the abort\n", lat * 1e3);
	assert_true(lat < 1.0);
	assert_true(st_fixture_now(fx) < 2.0);
	st_fixture_close(fx);
	st_clock_free(c);
}

/* A virtual clock only moves inside the driver: an abort from another
 * thread stops a long virtual wait, and a standing abort stops it before
 * any bench time passes. */
static void abort_in_process_virtual_clock(void **state)
{
	struct st_model m;
	struct st_clock *c = st_clock_new_virtual();
	struct st_fixture *fx = NULL;
	struct aborter a = { .delay = 0.05 };
	volatile sig_atomic_t flag = 0;
	char err[ST_ERRLEN] = "";
	int ret;

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	if (st_fixture_open(&fx, NULL, &m, c, NULL, 0, err))
		fail_msg("open: %s", err);
	st_fixture_set_abort(fx, &flag);
	a.fx = fx;
	assert_int_equal(st_fixture_hold(fx, 1, 30.0, err), ST_OK);
	assert_int_equal(pthread_create(&a.th, NULL, abort_later, &a), 0);
	ret = st_fixture_wait(fx, 1e7, err);   /* ~10^8 steps unless stopped */
	pthread_join(a.th, NULL);
	assert_int_equal(ret, ST_ERR_ABORT);
	assert_true(st_fixture_now(fx) < 1e7);
	assert_int_equal(fx->held, 0);
	assert_int_equal(flag, 1);  /* st_fixture_abort raised the caller's flag too */
	/* the caller's flag alone stops the next press before time passes */
	st_fixture_abort_clear(fx);
	{
		double t0 = st_fixture_now(fx);

		assert_int_equal(st_fixture_press(fx, 1, 12.0, err), ST_ERR_ABORT);
		assert_true(st_fixture_now(fx) == t0);
	}
	flag = 0;
	assert_int_equal(st_fixture_press(fx, 1, 1.0, err), ST_OK);
	st_fixture_close(fx);
	st_clock_free(c);
}

/* ---- the bench's ceiling -------------------------------------------------- */

static void ceiling_refuses_model_at_open(void **state)
{
	struct st_model m;
	struct st_clock *c = st_clock_new_virtual();
	struct st_fixture *fx = NULL;
	char err[ST_ERRLEN] = "";

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	/* an edited model file: max-hold 600 s, the soft reset held 599 s */
	m.max_hold = 600;
	m.nhazards = 0;
	assert_int_equal(st_fixture_open(&fx, "sim", &m, c, NULL, 0, err), ST_ERR_REFUSED);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "600.0"));
	assert_non_null(strstr(err, "ceiling of 60.0 s"));
	assert_non_null(strstr(err, "station-v1.fixture:"));
	assert_non_null(strstr(err, "POWER"));
	assert_null(fx);
	st_clock_free(c);
}

static void ceiling_per_channel(void **state)
{
	const char *bench = tu_tmpfile(".fixture",
				       "fixture tight\ndriver proto\nchannels 4\nmax-hold 20\n"
				       "model WH-1000XM5\nchannel 0 POWER\n"
				       "channel 2 VOL_UP max-hold 5\n");
	const char *bench2 = tu_tmpfile(".fixture",
					"fixture tight\ndriver proto\nchannels 4\nmax-hold 20\n"
					"model WH-1000XM5\nchannel 0 POWER max-hold 13\n"
					"channel 2 VOL_UP\n");
	struct st_model m;
	struct st_clock *c = st_clock_new_virtual();
	struct st_fixture *fx = NULL;
	char err[ST_ERRLEN] = "", addr[300];
	unsigned power, up;

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	power = 1u << st_model_control(&m, "POWER");
	up = 1u << st_model_control(&m, "VOL_UP");
	/* VOL_UP's channel allows 5 s, the model may hold any control 12.3 s */
	snprintf(addr, sizeof(addr), "sim,bench=%s", bench);
	assert_int_equal(st_fixture_open(&fx, addr, &m, c, NULL, 0, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, "VOL_UP"));
	assert_non_null(strstr(err, "12.3"));
	assert_non_null(strstr(err, "5.0 s"));
	assert_non_null(strstr(err, ":7)"));     /* the channel line */
	/* a ceiling above the model's max-hold: open, and enforced per channel */
	snprintf(addr, sizeof(addr), "sim,bench=%s", bench2);
	if (st_fixture_open(&fx, addr, &m, c, NULL, 0, err))
		fail_msg("open: %s", err);
	assert_int_equal(st_fixture_press(fx, power, 13.5, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, "ceiling of 13.00 s"));
	assert_non_null(strstr(err, ":6)"));
	assert_int_equal(st_fixture_hold(fx, up, 20.5, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, ":4)"));     /* the board's max-hold line */
	assert_int_equal(st_fixture_hold(fx, up, 20.0, err), ST_OK);
	st_fixture_close(fx);
	st_clock_free(c);
	unlink(bench);
	unlink(bench2);
}

static void ceiling_on_hardware_drivers(void **state)
{
	const char *bench = tu_tmpfile(".fixture",
				       "fixture tight\ndriver numato\nchannels 8\nmax-hold 10\n"
				       "model WH-1000XM5\nchannel 0 POWER\n");
	struct simrun *r = sim_start(1);
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	char err[ST_ERRLEN] = "", addr[600];

	(void)state;
	snprintf(addr, sizeof(addr), "numato:%s,bench=%s", r->path, bench);
	assert_int_equal(st_fixture_open(&fx, addr, &r->m, c, NULL, 0, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, "ceiling of 10.0 s"));
	assert_non_null(strstr(err, "12.3"));
	/* the station's fixture: the board's 60 s, and 61 s refused before
	 * anything is sent */
	r->m.max_hold = 70;
	snprintf(addr, sizeof(addr), "numato:%s", r->path);
	assert_int_equal(st_fixture_open(&fx, addr, &r->m, c, NULL, 0, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, "numato-8.fixture:"));
	assert_non_null(strstr(err, "70.0"));
	st_clock_free(c);
	sim_stop(r);
	unlink(bench);
}

/* ---- shared helpers ----------------------------------------------------- */

static void address_options(void **state)
{
	char link[64], bench[32], t[16], err[ST_ERRLEN];
	const struct st_fxopt opts[] = { { "bench", bench, sizeof(bench) },
					 { "timeout", t, sizeof(t) } };
	double v = 7;

	(void)state;
	assert_int_equal(st_fxaddr_parse("numato:/dev/x,bench=b,timeout=5", "numato:", "numato",
					 link, sizeof(link), opts, 2, err), ST_OK);
	assert_string_equal(link, "/dev/x");
	assert_string_equal(bench, "b");
	assert_string_equal(t, "5");
	assert_int_equal(st_fxaddr_parse("/dev/x", NULL, "fixture", link, sizeof(link), opts, 2,
					 err), ST_OK);
	assert_string_equal(bench, "");
	assert_int_equal(st_fxaddr_parse("/dev/x,foo=1", NULL, "fixture", link, sizeof(link),
					 opts, 2, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "bench=, timeout="));
	assert_int_equal(st_fxaddr_parse(",bench=1", NULL, "fixture", link, sizeof(link), opts, 2,
					 err), ST_ERR_ARG);
	assert_int_equal(st_fxaddr_parse("/dev/x,bench=0123456789012345678901234567890123",
					 NULL, "fixture", link, sizeof(link), opts, 2, err),
			 ST_ERR_ARG);
	assert_int_equal(st_fxopt_number("a", "timeout", "", 1, 9, &v, err), ST_OK);
	assert_true(v == 7);
	assert_int_equal(st_fxopt_number("a", "timeout", "12", 1, 9, &v, err), ST_ERR_ARG);
	assert_int_equal(st_fxopt_number("a", "timeout", "3", 1, 9, &v, err), ST_OK);
	assert_true(v == 3);
}

static int shouted;
static int shout(void *ctx)
{
	(void)ctx;
	shouted++;
	return ST_OK;
}

static void fault_latch(void **state)
{
	struct st_fxfault f = { 0 };
	char err[ST_ERRLEN] = "";

	(void)state;
	assert_int_equal(st_fxfault_fail(&f, err), 0);
	assert_int_equal(st_fxfault_down(&f, ST_ERR_IO, shout, NULL, "off sent", err), ST_ERR_IO);
	assert_int_equal(shouted, 0);   /* no fault: nothing to do */
	assert_int_equal(st_fxfault_set(&f, "fixture /dev/x", ST_ERR_TIMEOUT, "no reply to %s",
					"PING"), ST_ERR_TIMEOUT);
	assert_int_equal(st_fxfault_set(&f, "fixture /dev/x", ST_ERR_IO, "later"), ST_ERR_TIMEOUT);
	assert_int_equal(st_fxfault_down(&f, ST_ERR_TIMEOUT, shout, NULL, "off sent", err),
			 ST_ERR_TIMEOUT);
	assert_string_equal(err, "fixture /dev/x: no reply to PING (off sent)");
	assert_int_equal(st_fxfault_down(&f, ST_ERR_TIMEOUT, shout, NULL, "off sent", err),
			 ST_ERR_TIMEOUT);
	assert_int_equal(shouted, 1);   /* once */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(abort_station_fixture),
		cmocka_unit_test(abort_numato),
		cmocka_unit_test(abort_in_process_real_clock),
		cmocka_unit_test(abort_in_process_virtual_clock),
		cmocka_unit_test(ceiling_refuses_model_at_open),
		cmocka_unit_test(ceiling_per_channel),
		cmocka_unit_test(ceiling_on_hardware_drivers),
		cmocka_unit_test(address_options),
		cmocka_unit_test(fault_latch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
