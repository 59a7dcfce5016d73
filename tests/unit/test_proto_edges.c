/*
 * test_proto_edges.c - the corners of the fixture protocol that
 * docs/fixture-protocol.md pins down for a second implementation, held
 * against the reference emulator (station/sim/simfix.c) and the host
 * driver:
 *  - RELEASEALL works before HELLO; other requests get ERR 14;
 *  - a value that is not a number is ERR 10, a number out of range ERR 22
 *    (20 for channels); an unparseable line echoes its leading sequence
 *    number, or 0;
 *  - PRESS on a channel already closed is refused whole (ERR 21), and a
 *    partial RELEASE leaves EV RELEASED to report only the rest;
 *  - wire times wrap at 2^32 ms and the host follows them across the wrap;
 *  - while a reply is slow the host keeps the watchdog fed (empty lines),
 *    and an abort sends RELEASEALL behind it at once.
 */
#include "testutil.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "sim/simfix.h"

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the emulator's engine, no pty ------------------------------------ */

struct eng {
	struct st_model m;
	struct st_simfix *s;
	char out[4096];
};

static void eng_new(struct eng *e)
{
	struct st_simfix_opts o;
	char err[ST_ERRLEN];

	memset(e, 0, sizeof(*e));
	assert_int_equal(st_model_find(st_data_dir(), "MDR-XB950N1", &e->m, err), ST_OK);
	memset(&o, 0, sizeof(o));
	o.model = &e->m;
	o.sim.battery = -1;
	o.scale = 1;
	if (st_simfix_new(&e->s, &o, err))
		fail_msg("%s", err);
}

/* Send one line at bench time t; returns everything the fixture answered. */
static const char *say(struct eng *e, double t, const char *line)
{
	size_t n;

	st_simfix_input(e->s, t, line, strlen(line));
	st_simfix_input(e->s, t, "\n", 1);
	n = st_simfix_output(e->s, e->out, sizeof(e->out) - 1);
	e->out[n] = '\0';
	return e->out;
}

static void expect_prefix(struct eng *e, double t, const char *line, const char *want)
{
	const char *got = say(e, t, line);

	if (strncmp(got, want, strlen(want)))
		fail_msg("'%s' -> '%s', want '%s...'", line, got, want);
}

static void releaseall_before_hello(void **state)
{
	struct eng e;

	(void)state;
	eng_new(&e);
	expect_prefix(&e, 0, "1 RELEASEALL", "OK 1 RELEASEALL closed=0x0");
	expect_prefix(&e, 0, "2 PING", "ERR 2 14 ");
	expect_prefix(&e, 0, "3 PRESS 0x1 100", "ERR 3 14 ");
	expect_prefix(&e, 0, "4 HELLO 1", "OK 4 HELLO proto=1 ");
	st_simfix_free(e.s);
}

static void error_codes(void **state)
{
	struct eng e;

	(void)state;
	eng_new(&e);
	say(&e, 0, "1 HELLO 1");
	expect_prefix(&e, 0, "2 WATCHDOG abc", "ERR 2 10 ");
	expect_prefix(&e, 0, "3 WATCHDOG 50", "ERR 3 22 ");
	expect_prefix(&e, 0, "4 WATCHDOG 700000", "ERR 4 22 ");
	expect_prefix(&e, 0, "5 PRESS 0xZZ 100", "ERR 5 10 ");
	expect_prefix(&e, 0, "6 PRESS 0x0 100", "ERR 6 20 ");
	expect_prefix(&e, 0, "7 PRESS 0x10000 100", "ERR 7 20 ");
	expect_prefix(&e, 0, "8 PRESS 0x1 1.5", "ERR 8 10 ");
	expect_prefix(&e, 0, "9 PRESS 0x1 60001", "ERR 9 22 ");
	expect_prefix(&e, 0, "10 SLIDE x 1", "ERR 10 10 ");
	expect_prefix(&e, 0, "11 SLIDE 4 1", "ERR 11 20 ");     /* CALL: a button */
	expect_prefix(&e, 0, "12 SLIDE 5 2", "ERR 12 10 ");     /* POWER_SWITCH, bad position */
	expect_prefix(&e, 0, "13 SLIDE 5 1", "OK 13 SLIDE 5 1");
	expect_prefix(&e, 0, "14 CHARGE on", "ERR 14 10 ");
	expect_prefix(&e, 0, "15 PING x", "ERR 15 13 ");
	expect_prefix(&e, 0, "16 FROB", "ERR 16 12 ");
	/* unparseable lines: the leading sequence number, else 0 */
	expect_prefix(&e, 0, "17 PR\"ESS", "ERR 17 12 ");
	expect_prefix(&e, 0, "18 PING \"open", "ERR 18 10 ");
	expect_prefix(&e, 0, "19x PING", "ERR 0 ");
	expect_prefix(&e, 0, "99999 PING", "ERR 0 10 ");
	st_simfix_free(e.s);
}

static void busy_and_partial_release(void **state)
{
	struct eng e;
	const char *out;

	(void)state;
	eng_new(&e);
	say(&e, 0, "1 HELLO 1");
	expect_prefix(&e, 0, "2 PRESS 0x10 1000", "OK 2 PRESS mask=0x10 until=1000");
	/* one channel of the mask already closed: nothing changes */
	expect_prefix(&e, 0.1, "3 PRESS 0x11 1000", "ERR 3 21 ");
	assert_int_equal(st_simfix_closed(e.s), 0x10);
	expect_prefix(&e, 0.1, "4 HOLD 0x1 900", "OK 4 HOLD mask=0x1 until=1000");
	/* a partial RELEASE: no event; the rest is reported at its end */
	expect_prefix(&e, 0.2, "5 RELEASE 0x10", "OK 5 RELEASE closed=0x1");
	st_simfix_tick(e.s, 1.5);
	out = say(&e, 1.5, "6 PING");
	if (!strstr(out, "EV RELEASED 1000 0x1 limit\n") || strstr(out, "0x10 done"))
		fail_msg("after a partial release: '%s'", out);
	st_simfix_free(e.s);
}

/* ---- the host driver against the emulator on a pty -------------------- */

struct simrun {
	struct st_model m;
	struct st_simfix *s;
	struct st_clock *clock;
	int master, slave;
	char path[256];
	pthread_t th;
	volatile sig_atomic_t stop;
};

static void *serve(void *arg)
{
	struct simrun *r = arg;
	char err[ST_ERRLEN];

	st_simfix_boot(r->s, st_clock_now(r->clock));
	st_simfix_serve(r->s, r->master, r->clock, &r->stop, err);
	return NULL;
}

/* Wire times start 2 bench s before they wrap at 2^32 ms. */
static void host_follows_time_wrap(void **state)
{
	struct simrun r;
	struct st_simfix_opts o;
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	struct st_feedback fb[64];
	char err[ST_ERRLEN];
	double t0, t1;
	int n;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &r.m, err), ST_OK);
	memset(&o, 0, sizeof(o));
	o.model = &r.m;
	o.sim.battery = -1;
	o.scale = 20;
	o.t_origin_ms = 4294967296LL - 2000;
	assert_int_equal(st_simfix_new(&r.s, &o, err), ST_OK);
	assert_int_equal(st_simfix_pty(&r.master, &r.slave, r.path, sizeof(r.path), err), ST_OK);
	r.clock = st_clock_new_real(20);
	assert_int_equal(pthread_create(&r.th, NULL, serve, &r), 0);
	if (st_fixture_open(&fx, r.path, &r.m, c, NULL, 0, err))
		fail_msg("open: %s", err);
	t0 = st_fixture_now(fx);
	/* a Bluetooth reset (POWER+NC_AMBIENT 7 s) across the wrap: blue and
	 * white LED flashes and a chime come back as events */
	assert_int_equal(st_fixture_press(fx, 0x3, 7.0, err), ST_OK);
	assert_int_equal(st_fixture_wait(fx, 3.0, err), ST_OK);
	t1 = st_fixture_now(fx);
	n = st_fixture_poll(fx, fb, 64, err);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		if (fb[i].t < t0 + 6.5 || fb[i].t > t1 + 0.1)
			fail_msg("event %d at %.3f s, outside [%.3f, %.3f]", i, fb[i].t, t0 + 6.5, t1);
		if (i && fb[i].t < fb[i - 1].t - 1e-6)
			fail_msg("event %d goes back in time", i);
	}
	st_fixture_close(fx);
	st_clock_free(c);
	r.stop = 1;
	pthread_join(r.th, NULL);
	close(r.master);
	close(r.slave);
	st_simfix_free(r.s);
	st_clock_free(r.clock);
}

/* A scripted fixture whose UART reply takes 1.2 s, with a 400 ms watchdog:
 * it records the longest silence from the host while it stalls. */
struct slow {
	int master, slave;
	char path[256];
	double longest_gap;          /* wall s between host lines during the stall */
	double releaseall_at;        /* wall time a RELEASEALL came during the stall */
	pthread_t th;
	volatile sig_atomic_t stop;
};

static void answer(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void answer(int fd, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	if (write(fd, line, (size_t)k) != k)
		return;
}

static void *slow_fixture(void *arg)
{
	struct slow *f = arg;
	char buf[256], line[256];
	size_t len = 0;
	double stall_end = 0, last_rx = 0;
	unsigned stalled_seq = 0;

	while (!f->stop) {
		struct pollfd p = { .fd = f->master, .events = POLLIN };
		double t;

		poll(&p, 1, 5);
		t = wall();
		if (stall_end > 0 && t >= stall_end) {
			answer(f->master, "OK %u UART model=WH-1000XM5\n", stalled_seq);
			stall_end = 0;
		}
		if (!(p.revents & POLLIN))
			continue;
		ssize_t r = read(f->master, buf, sizeof(buf));
		for (ssize_t i = 0; i < r; i++) {
			unsigned seq = 0;
			char verb[32] = "";

			if (buf[i] != '\n') {
				if (len + 1 < sizeof(line))
					line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			len = 0;
			if (stall_end > 0 && t - last_rx > f->longest_gap)
				f->longest_gap = t - last_rx;
			last_rx = t;
			if (sscanf(line, "%u %31s", &seq, verb) != 2)
				continue;
			if (!strcmp(verb, "HELLO"))
				answer(f->master, "OK %u HELLO proto=1 fw=slow name=station-v1 channels=16 "
				       "scale=1 wd=400 caps=press,uart t=1000\n", seq);
			else if (!strcmp(verb, "RELEASEALL")) {
				if (stall_end > 0 && !f->releaseall_at)
					f->releaseall_at = t;
				answer(f->master, "OK %u RELEASEALL closed=0x0\n", seq);
			}
			else if (!strcmp(verb, "PING"))
				answer(f->master, "OK %u PING t=1000\n", seq);
			else if (!strcmp(verb, "UART")) {
				stalled_seq = seq;
				stall_end = t + 1.2;
			}
		}
	}
	return NULL;
}

static void keep_alive_while_reply_is_slow(void **state)
{
	struct slow f;
	struct st_model m;
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	char err[ST_ERRLEN], reply[128];

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	assert_int_equal(st_simfix_pty(&f.master, &f.slave, f.path, sizeof(f.path), err), ST_OK);
	assert_int_equal(pthread_create(&f.th, NULL, slow_fixture, &f), 0);
	if (st_fixture_open(&fx, f.path, &m, c, NULL, 0, err))
		fail_msg("open: %s", err);
	assert_int_equal(st_fixture_uart(fx, "INFO", reply, sizeof(reply), err), ST_OK);
	assert_string_equal(reply, "model=WH-1000XM5");
	print_message("longest silence from the host during a 1.2 s reply: %.0f ms "
		      "(watchdog 400 ms)\n", f.longest_gap * 1e3);
	assert_true(f.longest_gap > 0);
	assert_true(f.longest_gap < 0.4);
	st_fixture_close(fx);
	st_clock_free(c);
	f.stop = 1;
	pthread_join(f.th, NULL);
	close(f.master);
	close(f.slave);
}

struct aborter {
	struct st_fixture *fx;
	double at;                   /* wall time of the abort */
	pthread_t th;
};

static void *abort_later(void *arg)
{
	struct aborter *a = arg;
	struct timespec ts = { 0, 200 * 1000000L };

	nanosleep(&ts, NULL);
	a->at = wall();
	st_fixture_abort(a->fx);
	return NULL;
}

/* An abort while the host waits 1.2 s for a UART reply: RELEASEALL goes
 * out at once, behind the UART request; the call ends ST_ERR_ABORT once
 * the fixture has answered both. */
static void abort_during_slow_reply(void **state)
{
	struct slow f;
	struct st_model m;
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	struct aborter a;
	char err[ST_ERRLEN], reply[128];
	int ret;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	assert_int_equal(st_simfix_pty(&f.master, &f.slave, f.path, sizeof(f.path), err), ST_OK);
	assert_int_equal(pthread_create(&f.th, NULL, slow_fixture, &f), 0);
	if (st_fixture_open(&fx, f.path, &m, c, NULL, 0, err))
		fail_msg("open: %s", err);
	a.fx = fx;
	assert_int_equal(pthread_create(&a.th, NULL, abort_later, &a), 0);
	ret = st_fixture_uart(fx, "INFO", reply, sizeof(reply), err);
	pthread_join(a.th, NULL);
	if (ret != ST_ERR_ABORT)
		fail_msg("UART returned %d (%s), want ST_ERR_ABORT", ret, err);
	assert_true(f.releaseall_at > 0);
	print_message("RELEASEALL reached the fixture %.1f ms after the abort, during a "
		      "1.2 s UART reply\n", (f.releaseall_at - a.at) * 1e3);
	assert_true(f.releaseall_at - a.at < 1.0);
	/* the link is in step afterwards */
	st_fixture_abort_clear(fx);
	assert_int_equal(st_fixture_release_all(fx, err), ST_OK);
	st_fixture_close(fx);
	st_clock_free(c);
	f.stop = 1;
	pthread_join(f.th, NULL);
	close(f.master);
	close(f.slave);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(releaseall_before_hello),
		cmocka_unit_test(error_codes),
		cmocka_unit_test(busy_and_partial_release),
		cmocka_unit_test(host_follows_time_wrap),
		cmocka_unit_test(keep_alive_while_reply_is_slow),
		cmocka_unit_test(abort_during_slow_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
