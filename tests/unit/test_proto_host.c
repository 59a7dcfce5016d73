/*
 * test_proto_host.c - the `proto` host driver against the simulated
 * fixture (station/sim/simfix.h) served on a real pty by a thread of this
 * test: handshake and scale, timed presses with LED/chime events, UART
 * passthrough, hold limits, the fixture-side watchdog, and every link
 * fault (silent, garbage, half line, reboot, vanishing port) ending as a
 * clean error with the simulated relays released.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "fixture/proto/proto.h"
#include "model/model.h"
#include "sim/simfix.h"

#define SCALE 50.0

struct simrun {
	struct st_model *m;          /* model of the simulated unit */
	struct st_simfix *s;         /* the simulated fixture */
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

	st_simfix_boot(r->s, st_clock_now(r->clock));
	st_simfix_serve(r->s, r->master, r->clock, &r->stop, err);
	if (st_simfix_vanished(r->s)) {
		close(r->master);
		close(r->slave);
		r->master = r->slave = -1;
	}
	return NULL;
}

static struct simrun *sim_start(const char *model, const char *fault, int wd_ms)
{
	struct simrun *r = calloc(1, sizeof(*r));
	struct st_simfix_opts o;
	char err[ST_ERRLEN];
	int fd;

	assert_non_null(r);
	r->m = calloc(1, sizeof(*r->m));
	assert_int_equal(st_model_find(st_data_dir(), model, r->m, err), ST_OK);
	strcpy(r->state, "/tmp/st-simfix-XXXXXX");
	fd = mkstemp(r->state);
	assert_true(fd >= 0);
	close(fd);
	memset(&o, 0, sizeof(o));
	o.model = r->m;
	o.sim.battery = -1;
	o.scale = SCALE;
	o.watchdog_ms = wd_ms;
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

/* Relays the simulated fixture has closed, from its state file. */
static unsigned sim_closed(struct simrun *r, char *reason, size_t n)
{
	char *text = NULL, *p;
	size_t len;
	unsigned v = 0xdead;

	if (st_read_file(r->state, &text, &len, NULL))
		return 0xdead;
	p = strstr(text, "closed=");
	if (p)
		v = (unsigned)strtoul(p + 7, NULL, 16);
	if (reason && (p = strstr(text, "reason=")))
		snprintf(reason, n, "%.*s", (int)strcspn(p + 7, "\n"), p + 7);
	free(text);
	return v;
}

/* Wait up to `wall` s for the sim's relays to be all open. */
static int released_within(struct simrun *r, double wall, char *reason, size_t n)
{
	for (int i = 0; i < (int)(wall * 100); i++) {
		if (sim_closed(r, reason, n) == 0)
			return 1;
		usleep(10000);
	}
	return 0;
}

static struct st_fixture *host_open(struct simrun *r, const char *opts, char *err)
{
	struct st_fixture *fx = calloc(1, sizeof(*fx));
	char addr[300];

	snprintf(addr, sizeof(addr), "%s%s", r->path, opts ? opts : "");
	fx->ops = &st_fixture_proto_ops;
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

static void handshake_and_press(void **state)
{
	struct simrun *r = sim_start("WH-1000XM5", NULL, 0);
	struct st_feedback ev[64];
	char err[ST_ERRLEN] = "", reply[600];
	struct st_fixture *fx;
	double t0, t1;
	int n, orange = 0, chime = 0;

	(void)state;
	fx = host_open(r, NULL, err);
	if (!fx)
		fail_msg("open: %s", err);
	assert_non_null(strstr(fx->desc, "station-v1"));
	assert_true(st_clock_scale(fx->clock) == SCALE);
	assert_true(fx->caps & ST_CAP_TIMED_PRESS);
	assert_true(fx->caps & ST_CAP_LED_SENSOR);
	assert_true(fx->caps & ST_CAP_UART);
	assert_true(fx->caps & ST_CAP_WATCHDOG);
	/* the unit's factory UART through the fixture */
	assert_int_equal(fx->ops->uart(fx, "INFO", reply, sizeof(reply), err), ST_OK);
	assert_non_null(strstr(reply, "model=WH-1000XM5"));
	/* soft reset: POWER 12 s, timed by the fixture */
	t0 = st_clock_now(fx->clock);
	if (fx->ops->press(fx, 1u << st_model_control(r->m, "POWER"), 12.0, err))
		fail_msg("press: %s", err);
	t1 = st_clock_now(fx->clock);
	assert_true(t1 - t0 >= 11.9);
	assert_true(t1 - t0 < 20.0); /* round trips on a loaded machine, x50 */
	assert_int_equal(sim_closed(r, NULL, 0), 0);
	assert_int_equal(fx->ops->wait(fx, 3.0, err), ST_OK);
	n = fx->ops->poll(fx, ev, 64, err);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		if (ev[i].kind == ST_FB_LED && !strcmp(ev[i].color, "orange"))
			orange++;
		if (ev[i].kind == ST_FB_CHIME)
			chime++;
		/* event times are on the host's bench clock, after the press began */
		assert_true(ev[i].t > t0 && ev[i].t < st_clock_now(fx->clock) + 0.5);
	}
	assert_true(orange >= 1);
	assert_true(chime >= 1);
	host_close(fx);
	sim_stop(r);
}

static void hold_release_and_limits(void **state)
{
	struct simrun *r = sim_start("WH-1000XM5", NULL, 0);
	char err[ST_ERRLEN] = "", reason[32];
	struct st_fixture *fx;
	double pct = -1, v = -1;

	(void)state;
	fx = host_open(r, NULL, err);
	assert_non_null(fx);
	assert_int_equal(fx->ops->hold(fx, 0x3, 30.0, err), ST_OK);
	assert_int_equal(sim_closed(r, NULL, 0), 0x3);
	assert_int_equal(fx->ops->wait(fx, 1.0, err), ST_OK);
	assert_int_equal(fx->ops->release(fx, 0x1, err), ST_OK);
	assert_int_equal(sim_closed(r, NULL, 0), 0x2);
	/* the fixture ends the hold at its limit by itself */
	assert_int_equal(fx->ops->wait(fx, 30.0, err), ST_OK);
	assert_int_equal(sim_closed(r, reason, sizeof(reason)), 0);
	assert_string_equal(reason, "limit");
	/* over the fixture's ceiling: refused by the driver */
	assert_int_equal(fx->ops->hold(fx, 0x1, 61.0, err), ST_ERR_REFUSED);
	assert_int_equal(fx->ops->charge(fx, 1, err), ST_OK);
	assert_int_equal(fx->ops->wear(fx, 0, err), ST_OK);
	assert_int_equal(st_fixture_proto_battery(fx, &pct, &v, err), ST_OK);
	assert_true(pct > 0 && pct <= 100);
	assert_true(v > 3.0 && v < 4.3);
	/* headphones have no case: the fixture says so, the link stays up */
	assert_int_equal(fx->ops->place(fx, 1, 1, err), ST_ERR_UNSUPPORTED);
	assert_int_equal(fx->ops->release_all(fx, err), ST_OK);
	host_close(fx);
	sim_stop(r);
}

static void unwired_control(void **state)
{
	const char *bench = tu_tmpfile(".fixture", "fixture partial\ndriver proto\nchannels 4\n"
				       "model WH-1000XM5\nchannel 0 POWER\n");
	struct simrun *r = sim_start("WH-1000XM5", NULL, 0);
	char err[ST_ERRLEN] = "", opt[300];
	struct st_fixture *fx;

	(void)state;
	snprintf(opt, sizeof(opt), ",bench=%s", bench);
	fx = host_open(r, opt, err);
	if (!fx)
		fail_msg("open: %s", err);
	assert_int_equal(fx->ops->press(fx, 0x2, 1.0, err), ST_ERR_UNSUPPORTED);
	assert_non_null(strstr(err, "NC_AMBIENT"));
	assert_int_equal(fx->ops->press(fx, 0x1, 0.5, err), ST_OK);
	host_close(fx);
	sim_stop(r);
	unlink(bench);
}

static void watchdog_releases(void **state)
{
	struct simrun *r = sim_start("WH-1000XM5", NULL, 0);
	char err[ST_ERRLEN] = "", reason[32];
	struct st_fixture *fx;
	struct timespec t0, t1;
	double el;

	(void)state;
	fx = host_open(r, NULL, err);
	assert_non_null(fx);
	assert_int_equal(fx->ops->hold(fx, 0x1, 60.0, err), ST_OK);
	/* the host goes quiet: the fixture releases within its watchdog
	 * (0.3 s of wall time at this scale), long before the 60 s limit */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true(released_within(r, 2.0, reason, sizeof(reason)));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	el = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	assert_string_equal(reason, "watchdog");
	assert_true(el < 1.0);
	/* the station learns about it at its next call */
	assert_int_equal(fx->ops->wait(fx, 0.1, err), ST_ERR_IO);
	assert_non_null(strstr(err, "watchdog"));
	host_close(fx);
	sim_stop(r);
}

/* A fixture fault strikes during a long hold + wait: the driver must end
 * with `want` and a message containing `msg`, and the simulated relays
 * must all be open shortly after. */
static void fault_case(const char *fault, int want, const char *msg)
{
	struct simrun *r = sim_start("WH-1000XM5", fault, 0);
	char err[ST_ERRLEN] = "", err2[ST_ERRLEN];
	struct st_fixture *fx;
	int ret = ST_OK;

	fx = host_open(r, NULL, err);
	if (!fx)
		fail_msg("%s: open: %s", fault, err);
	ret = fx->ops->hold(fx, 0x1, 30.0, err);
	for (int i = 0; i < 40 && !ret; i++)
		ret = fx->ops->wait(fx, 1.0, err);
	if (ret != want || !strstr(err, msg))
		fail_msg("%s: got %d '%s', want %d '%s'", fault, ret, err, want, msg);
	assert_null(strchr(err, '\n'));
	print_message("%s -> %s\n", fault, err);
	/* every later call fails fast with the same fault */
	assert_int_equal(fx->ops->press(fx, 0x1, 1.0, err2), want);
	assert_int_equal(fx->ops->release_all(fx, err2), want);
	if (!released_within(r, 3.0, NULL, 0))
		fail_msg("%s: relays still closed", fault);
	host_close(fx);
	sim_stop(r);
}

static void fault_silent(void **state)
{
	(void)state;
	fault_case("silent-after:4", ST_ERR_TIMEOUT, "no reply");
}

static void fault_garbage(void **state)
{
	(void)state;
	fault_case("garbage-after:4", ST_ERR_PROTO, "garbage");
}

static void fault_half_line(void **state)
{
	(void)state;
	fault_case("half-line-after:4", ST_ERR_TIMEOUT, "half a line");
}

static void fault_reboot(void **state)
{
	(void)state;
	fault_case("reboot-after:4", ST_ERR_PROTO, "rebooted");
}

static void fault_vanish(void **state)
{
	(void)state;
	fault_case("vanish-after:4", ST_ERR_IO, "vanished");
}

static void silent_from_start(void **state)
{
	struct simrun *r = sim_start("WH-1000XM5", "silent", 0);
	char err[ST_ERRLEN] = "";

	(void)state;
	assert_null(host_open(r, NULL, err));
	assert_non_null(strstr(err, "no reply to 'HELLO 1'"));
	sim_stop(r);
}

static void table_routes_paths(void **state)
{
	struct simrun *r = sim_start("WH-1000XM5", NULL, 0);
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	char err[ST_ERRLEN] = "";

	(void)state;
	/* a device path goes to the proto driver through fixture.c's table */
	if (st_fixture_open(&fx, r->path, r->m, c, NULL, 0, err))
		fail_msg("st_fixture_open: %s", err);
	assert_string_equal(fx->ops->name, "proto");
	assert_int_equal(st_fixture_press(fx, 0x4, 0.5, err), ST_OK);
	st_fixture_close(fx);
	st_clock_free(c);
	sim_stop(r);
}

static void bad_addresses(void **state)
{
	struct st_fixture fx;
	char err[ST_ERRLEN], desc[128];

	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.clock = st_clock_new_real(1.0);
	assert_int_equal(st_fixture_proto_ops.open(&fx, "/nonexistent/tty", err), ST_ERR_IO);
	assert_non_null(strstr(err, "/nonexistent/tty"));
	assert_int_equal(st_fixture_proto_ops.open(&fx, "/dev/null@abc", err), ST_ERR_ARG);
	assert_int_equal(st_fixture_proto_ops.open(&fx, "tcp:localhost", err), ST_ERR_ARG);
	assert_int_equal(st_fixture_proto_ops.open(&fx, "/dev/null,foo=1", err), ST_ERR_ARG);
	/* a file that is not a terminal */
	assert_int_equal(st_fixture_proto_ops.open(&fx, "/dev/null", err), ST_ERR_IO);
	/* nobody listening */
	assert_int_equal(st_fixture_proto_ops.open(&fx, "tcp:127.0.0.1:1", err), ST_ERR_IO);
	assert_int_equal(st_proto_probe("/nonexistent/tty", 200, desc, sizeof(desc), err),
			 ST_ERR_IO);
	st_clock_free(fx.clock);
	/* a virtual clock cannot drive real hardware */
	memset(&fx, 0, sizeof(fx));
	fx.clock = st_clock_new_virtual();
	assert_int_equal(st_fixture_proto_ops.open(&fx, "/dev/ttyS0", err), ST_ERR_ARG);
	st_clock_free(fx.clock);
}

/* The same protocol over TCP: the simulated fixture serves one
 * connection on a loopback socket. */
struct tcprun {
	struct simrun *r;            /* the simulated fixture (its pty unused) */
	int lfd;                     /* listening socket */
	int port;                    /* its port */
	pthread_t th;                /* accept + serve thread */
};

static void *tcp_serve(void *arg)
{
	struct tcprun *tr = arg;
	char err[ST_ERRLEN];
	int c = accept(tr->lfd, NULL, NULL);

	if (c < 0)
		return NULL;
	fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
	st_simfix_serve(tr->r->s, c, tr->r->clock, &tr->r->stop, err);
	close(c);
	return NULL;
}

static void tcp_transport(void **state)
{
	struct tcprun tr;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct st_fixture *fx = calloc(1, sizeof(*fx));
	char err[ST_ERRLEN] = "", addr[64], reply[600];
	struct st_simfix_opts o;

	(void)state;
	memset(&tr, 0, sizeof(tr));
	tr.r = calloc(1, sizeof(*tr.r));
	tr.r->m = calloc(1, sizeof(*tr.r->m));
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", tr.r->m, err), ST_OK);
	memset(&o, 0, sizeof(o));
	o.model = tr.r->m;
	o.sim.battery = -1;
	o.scale = SCALE;
	assert_int_equal(st_simfix_new(&tr.r->s, &o, err), ST_OK);
	tr.r->clock = st_clock_new_real(SCALE);
	tr.lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(tr.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(tr.lfd, 1), 0);
	getsockname(tr.lfd, (struct sockaddr *)&sa, &sl);
	tr.port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&tr.th, NULL, tcp_serve, &tr), 0);
	snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%d", tr.port);
	fx->ops = &st_fixture_proto_ops;
	fx->model = tr.r->m;
	fx->clock = st_clock_new_real(1.0);
	if (fx->ops->open(fx, addr, err))
		fail_msg("open %s: %s", addr, err);
	assert_non_null(strstr(fx->desc, "tcp 127.0.0.1"));
	assert_int_equal(fx->ops->uart(fx, "INFO", reply, sizeof(reply), err), ST_OK);
	assert_non_null(strstr(reply, "model=WH-1000XM5"));
	assert_int_equal(fx->ops->press(fx, 0x1, 1.0, err), ST_OK);
	host_close(fx);
	tr.r->stop = 1;
	pthread_join(tr.th, NULL);
	close(tr.lfd);
	st_simfix_free(tr.r->s);
	st_clock_free(tr.r->clock);
	free(tr.r->m);
	free(tr.r);
}

static void probe_answers(void **state)
{
	struct simrun *r = sim_start("WH-1000XM5", NULL, 0);
	char err[ST_ERRLEN] = "", desc[128];

	(void)state;
	if (st_proto_probe(r->path, 500, desc, sizeof(desc), err))
		fail_msg("probe: %s", err);
	assert_non_null(strstr(desc, "station-v1"));
	assert_non_null(strstr(desc, "scale=50"));
	sim_stop(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_and_press),
		cmocka_unit_test(hold_release_and_limits),
		cmocka_unit_test(unwired_control),
		cmocka_unit_test(watchdog_releases),
		cmocka_unit_test(fault_silent),
		cmocka_unit_test(fault_garbage),
		cmocka_unit_test(fault_half_line),
		cmocka_unit_test(fault_reboot),
		cmocka_unit_test(fault_vanish),
		cmocka_unit_test(silent_from_start),
		cmocka_unit_test(table_routes_paths),
		cmocka_unit_test(bad_addresses),
		cmocka_unit_test(probe_answers),
		cmocka_unit_test(tcp_transport),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
