/*
 * test_proto_numato.c - the Numato relay-board driver: its reply parser
 * (echo, prompt, noise, bounded memory) and the driver against the
 * simulated board (`station sim --numato` engine) on a real pty: scale
 * from the board id, station-timed presses, hold limits enforced by the
 * station, max-hold refusal, auxiliary relays, link faults.
 */
#include "testutil.h"

#include <pthread.h>
#include <signal.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "fixture/numato/numato.h"
#include "model/model.h"
#include "sim/simfix.h"

#define SCALE 20.0

static void feed(struct st_numato_rx *rx, const char *s, int *done)
{
	*done = 0;
	for (; *s; s++)
		if (st_numato_rx_push(rx, *s)) {
			*done = 1;
			return;
		}
}

static void reply_parser(void **state)
{
	struct st_numato_rx rx;
	char out[64], err[ST_ERRLEN];
	int done;

	(void)state;
	st_numato_rx_init(&rx);
	feed(&rx, "relay read 0\n\ron\n\r>", &done);
	assert_true(done);
	assert_int_equal(st_numato_reply(&rx, "relay read 0", out, sizeof(out), err), ST_OK);
	assert_string_equal(out, "on");
	/* no output, just the prompt */
	st_numato_rx_init(&rx);
	feed(&rx, "relay on 3\n\r>", &done);
	assert_true(done);
	assert_int_equal(st_numato_reply(&rx, "relay on 3", out, sizeof(out), err), ST_OK);
	assert_string_equal(out, "");
	/* noise before the echo (a previous half command) is tolerated */
	st_numato_rx_init(&rx);
	feed(&rx, "\r\nxxrelay readall\n\r0F\n\r>", &done);
	assert_int_equal(st_numato_reply(&rx, "relay readall", out, sizeof(out), err), ST_OK);
	assert_string_equal(out, "0F");
	/* the echo shows another command arrived */
	st_numato_rx_init(&rx);
	feed(&rx, "relay of 3\n\r>", &done);
	assert_int_equal(st_numato_reply(&rx, "relay off 3", out, sizeof(out), err), ST_ERR_PROTO);
	assert_non_null(strstr(err, "relay of 3"));
	/* no prompt yet: not done */
	st_numato_rx_init(&rx);
	feed(&rx, "relay read 1\n\ro", &done);
	assert_false(done);
}

static void reply_bounded(void **state)
{
	struct st_numato_rx rx;
	char out[32], err[ST_ERRLEN];
	unsigned x = 7;

	(void)state;
	st_numato_rx_init(&rx);
	for (int i = 0; i < 1 << 20; i++) {
		char c;

		x = x * 1103515245u + 12345u;
		c = (char)(x >> 16);
		if (c == '>')
			c = 'x';
		assert_int_equal(st_numato_rx_push(&rx, c), 0);
		assert_true(rx.len <= ST_NUMATO_MAXREPLY);
	}
	assert_true(rx.truncated);
	assert_int_equal(st_numato_rx_push(&rx, '>'), 1);
	/* whatever it holds, parsing it is safe and bounded */
	st_numato_reply(&rx, "ver", out, sizeof(out), err);
	assert_true(strlen(out) < sizeof(out));
}

static void relay_chars(void **state)
{
	(void)state;
	assert_int_equal(st_numato_relay_char(0), '0');
	assert_int_equal(st_numato_relay_char(9), '9');
	assert_int_equal(st_numato_relay_char(10), 'A');
	assert_int_equal(st_numato_relay_char(31), 'V');
	assert_int_equal(st_numato_relay_char(32), '?');
	for (int i = 0; i < 32; i++)
		assert_int_equal(st_numato_relay_index(st_numato_relay_char(i)), i);
	assert_int_equal(st_numato_relay_index('a'), 10);
	assert_int_equal(st_numato_relay_index('W'), -1);
}

/* ---- driver against the simulated board ------------------------------- */

struct simrun {
	struct st_model *m;          /* model of the simulated unit */
	struct st_simfix *s;         /* the simulated board */
	struct st_clock *clock;      /* its bench clock */
	int master, slave;           /* pty ends */
	char path[256];              /* pty slave path */
	char state[64];              /* state file */
	pthread_t th;                /* serving thread */
	volatile sig_atomic_t stop;  /* asks the thread to stop */
};

static void *serve(void *arg)
{
	struct simrun *r = arg;
	char err[ST_ERRLEN];

	st_simfix_serve(r->s, r->master, r->clock, &r->stop, err);
	if (st_simfix_vanished(r->s)) {
		close(r->master);
		close(r->slave);
		r->master = r->slave = -1;
	}
	return NULL;
}

static struct simrun *sim_start(const char *model, const char *fault)
{
	struct simrun *r = calloc(1, sizeof(*r));
	struct st_simfix_opts o;
	char err[ST_ERRLEN];
	int fd;

	r->m = calloc(1, sizeof(*r->m));
	assert_int_equal(st_model_find(st_data_dir(), model, r->m, err), ST_OK);
	strcpy(r->state, "/tmp/st-simnum-XXXXXX");
	fd = mkstemp(r->state);
	assert_true(fd >= 0);
	close(fd);
	memset(&o, 0, sizeof(o));
	o.model = r->m;
	o.sim.battery = -1;
	o.numato = 1;
	o.scale = SCALE;
	o.state_file = r->state;
	o.fault = fault;
	if (st_simfix_new(&r->s, &o, err))
		fail_msg("simfix: %s", err);
	assert_int_equal(st_simfix_pty(&r->master, &r->slave, r->path, sizeof(r->path), err),
			 ST_OK);
	r->clock = st_clock_new_real(SCALE);
	assert_int_equal(pthread_create(&r->th, NULL, serve, r), 0);
	return r;
}

static void sim_stop(struct simrun *r)
{
	r->stop = 1;
	pthread_join(r->th, NULL);
	if (r->master >= 0)
		close(r->master);
	if (r->slave >= 0)
		close(r->slave);
	st_simfix_free(r->s);
	st_clock_free(r->clock);
	unlink(r->state);
	free(r->m);
	free(r);
}

static unsigned sim_closed(struct simrun *r)
{
	char *text = NULL, *p;
	size_t len;
	unsigned v = 0xdead;

	if (st_read_file(r->state, &text, &len, NULL))
		return 0xdead;
	if ((p = strstr(text, "closed=")))
		v = (unsigned)strtoul(p + 7, NULL, 16);
	free(text);
	return v;
}

static struct st_fixture *host_open(struct simrun *r, char *err)
{
	struct st_fixture *fx = calloc(1, sizeof(*fx));
	char addr[300];

	snprintf(addr, sizeof(addr), "numato:%s", r->path);
	fx->ops = &st_fixture_numato_ops;
	fx->model = r->m;
	fx->clock = st_clock_new_real(1.0);
	if (fx->ops->open(fx, addr, err)) {
		st_clock_free(fx->clock);
		free(fx);
		return NULL;
	}
	return fx;
}

static void host_close(struct st_fixture *fx)
{
	struct st_clock *c = fx->clock;

	fx->ops->close(fx);
	st_clock_free(c);
	free(fx);
}

static void driver_press_hold(void **state)
{
	struct simrun *r = sim_start("WH-1000XM5", NULL);
	char err[ST_ERRLEN] = "", reply[32];
	struct st_feedback ev[4];
	struct st_fixture *fx;
	double t0, t1;

	(void)state;
	fx = host_open(r, err);
	if (!fx)
		fail_msg("open: %s", err);
	assert_true(st_clock_scale(fx->clock) == SCALE);
	assert_non_null(strstr(fx->desc, "numato-8"));
	/* no sensors, no timer, no UART: the sequencer must ask the operator */
	assert_false(fx->caps & (ST_CAP_LED_SENSOR | ST_CAP_SOUND | ST_CAP_UART |
				 ST_CAP_TIMED_PRESS | ST_CAP_WATCHDOG));
	assert_true(fx->caps & ST_CAP_CHARGE);
	assert_true(fx->caps & ST_CAP_WEAR);
	/* a press the station times itself */
	t0 = st_clock_now(fx->clock);
	assert_int_equal(fx->ops->press(fx, 0x5, 2.0, err), ST_OK);
	t1 = st_clock_now(fx->clock);
	assert_true(t1 - t0 >= 2.0 && t1 - t0 < 4.0);
	assert_int_equal(sim_closed(r), 0);
	/* a hold ends at its limit while the station waits */
	assert_int_equal(fx->ops->hold(fx, 0x1, 1.0, err), ST_OK);
	assert_int_equal(sim_closed(r), 0x1);
	assert_int_equal(fx->ops->wait(fx, 2.0, err), ST_OK);
	assert_int_equal(sim_closed(r), 0);
	/* ... and also when the station makes no driver call at all (an
	 * operator question in the middle of a hold): 2 bench s = 0.1 s wall */
	assert_int_equal(fx->ops->hold(fx, 0x2, 2.0, err), ST_OK);
	assert_int_equal(sim_closed(r), 0x2);
	usleep(400000);
	assert_int_equal(sim_closed(r), 0);
	/* longer than the model's max-hold (12.3 s): refused, nothing closed */
	assert_int_equal(fx->ops->press(fx, 0x1, 12.5, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, "max-hold"));
	assert_int_equal(fx->ops->hold(fx, 0x1, 20.0, err), ST_ERR_REFUSED);
	assert_int_equal(sim_closed(r), 0);
	/* auxiliary relays from the fixture file */
	assert_int_equal(fx->ops->charge(fx, 1, err), ST_OK);
	assert_int_equal(sim_closed(r), 0x80);
	assert_int_equal(fx->ops->wear(fx, 1, err), ST_OK);
	assert_int_equal(sim_closed(r), 0xc0);
	assert_int_equal(fx->ops->uart(fx, "INFO", reply, sizeof(reply), err), ST_ERR_UNSUPPORTED);
	assert_int_equal(fx->ops->poll(fx, ev, 4, err), 0);
	/* release_all leaves the charger alone, close switches everything off */
	assert_int_equal(fx->ops->hold(fx, 0x3, 5.0, err), ST_OK);
	assert_int_equal(fx->ops->release_all(fx, err), ST_OK);
	assert_int_equal(sim_closed(r), 0xc0);
	host_close(fx);
	assert_int_equal(sim_closed(r), 0);
	sim_stop(r);
}

static void driver_slide(void **state)
{
	struct simrun *r = sim_start("MDR-XB950N1", NULL);
	char err[ST_ERRLEN] = "";
	struct st_fixture *fx;
	int sw;

	(void)state;
	fx = host_open(r, err);
	if (!fx)
		fail_msg("open: %s", err);
	sw = st_model_control(r->m, "POWER_SWITCH");
	assert_true(sw >= 0);
	assert_int_equal(fx->ops->slide(fx, sw, 1, err), ST_OK);
	assert_int_equal(sim_closed(r), 0x20);
	assert_int_equal(fx->ops->slide(fx, sw, 0, err), ST_OK);
	assert_int_equal(sim_closed(r), 0);
	host_close(fx);
	sim_stop(r);
}

static void driver_faults(void **state)
{
	static const struct { const char *fault; int ret; const char *msg; } cases[] = {
		{ "silent-after:16", ST_ERR_TIMEOUT, "within 1000 ms" },
		{ "half-line-after:16", ST_ERR_TIMEOUT, "prompt" },
		{ "garbage-after:16", ST_ERR_PROTO, "echoed" },
		{ "vanish-after:16", ST_ERR_IO, "vanished" },
	};

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(cases); i++) {
		struct simrun *r = sim_start("WH-1000XM5", cases[i].fault);
		char err[ST_ERRLEN] = "";
		struct st_fixture *fx = host_open(r, err);
		int ret = ST_OK;

		if (!fx)
			fail_msg("%s: open: %s", cases[i].fault, err);
		for (int k = 0; k < 20 && !ret; k++)
			ret = fx->ops->press(fx, 0x1, 0.5, err);
		if (ret != cases[i].ret || !strstr(err, cases[i].msg))
			fail_msg("%s: got %d '%s'", cases[i].fault, ret, err);
		print_message("%s -> %s\n", cases[i].fault, err);
		assert_int_equal(fx->ops->press(fx, 0x1, 0.5, err), cases[i].ret);
		host_close(fx);
		sim_stop(r);
	}
}

static void bad_addresses(void **state)
{
	struct st_fixture fx;
	char err[ST_ERRLEN];

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.clock = st_clock_new_real(1.0);
	assert_int_equal(st_fixture_numato_ops.open(&fx, "numato:", err), ST_ERR_ARG);
	assert_int_equal(st_fixture_numato_ops.open(&fx, "numato:/dev/null,scale=x", err),
			 ST_ERR_ARG);
	assert_int_equal(st_fixture_numato_ops.open(&fx, "numato:/dev/null,bench=nope", err),
			 ST_ERR_NOTFOUND);
	assert_int_equal(st_fixture_numato_ops.open(&fx, "numato:/nonexistent", err), ST_ERR_IO);
	st_clock_free(fx.clock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_parser),
		cmocka_unit_test(reply_bounded),
		cmocka_unit_test(relay_chars),
		cmocka_unit_test(driver_press_hold),
		cmocka_unit_test(driver_slide),
		cmocka_unit_test(driver_faults),
		cmocka_unit_test(bad_addresses),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
