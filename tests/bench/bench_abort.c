/*
 * bench_abort.c - how fast a signal releases a held control, on each kind
 * of bench: the station's fixture (the simulated fixture served on a pty
 * by a thread, real time), a Numato board (the same in Numato mode) and
 * the in-process simulated bench on a real clock.  Each trial presses
 * POWER for 12 s, sends the process SIGINT 100 ms later (the handler does
 * what `station run`'s does: set the abort flag, st_fixture_abort_all()),
 * and times the signal to the return of the press, which comes only after
 * the fixture confirmed every relay open.  Median and worst of 9 trials,
 * in ms; the safety rule is 50 ms (docs/safety.md).
 * Prints one line per figure for tests/bench.sh.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "sim/simfix.h"

#define TRIALS 9

static volatile sig_atomic_t abort_flag;
static volatile double t_signal;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void on_signal(int sig)
{
	(void)sig;
	t_signal = now();
	abort_flag = 1;
	st_fixture_abort_all();
}

static void *signal_later(void *arg)
{
	struct timespec ts = { 0, 100 * 1000000L };

	(void)arg;
	nanosleep(&ts, NULL);
	kill(getpid(), SIGINT);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct server {
	struct st_simfix *s;          /* simulated fixture */
	struct st_clock *clock;       /* its clock */
	int master, slave;            /* pty */
	char path[256];               /* slave path */
	volatile sig_atomic_t stop;   /* ends the serving thread */
	pthread_t th;
};

static void *serve(void *arg)
{
	struct server *v = arg;
	char err[ST_ERRLEN];
	sigset_t set;

	/* the station's threads take the signal, as in `station run` */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	st_simfix_boot(v->s, st_clock_now(v->clock));
	st_simfix_serve(v->s, v->master, v->clock, &v->stop, err);
	return NULL;
}

static int server_start(struct server *v, const struct st_model *m, int numato, char *err)
{
	struct st_simfix_opts o;

	memset(v, 0, sizeof(*v));
	memset(&o, 0, sizeof(o));
	o.model = m;
	o.sim.battery = -1;
	o.scale = 1.0;
	o.numato = numato;
	if (st_simfix_new(&v->s, &o, err) ||
	    st_simfix_pty(&v->master, &v->slave, v->path, sizeof(v->path), err))
		return -1;
	v->clock = st_clock_new_real(1.0);
	return v->clock && !pthread_create(&v->th, NULL, serve, v) ? 0 : -1;
}

static void server_stop(struct server *v)
{
	v->stop = 1;
	pthread_join(v->th, NULL);
	close(v->master);
	close(v->slave);
	st_simfix_free(v->s);
	st_clock_free(v->clock);
}

/* TRIALS aborted presses on the fixture at addr; prints the figures. */
static int measure(const char *what, const char *addr, const struct st_model *m)
{
	struct st_clock *c = st_clock_new_real(1.0);
	struct st_fixture *fx = NULL;
	double lat[TRIALS];
	char err[ST_ERRLEN];
	unsigned power = 1u << st_model_control(m, "POWER");

	if (!c || st_fixture_open(&fx, addr, m, c, NULL, 0, err)) {
		fprintf(stderr, "%s: %s\n", what, err);
		st_clock_free(c);
		return -1;
	}
	st_fixture_set_abort(fx, &abort_flag);
	for (int i = 0; i < TRIALS; i++) {
		pthread_t th;
		int ret;

		abort_flag = 0;
		st_fixture_abort_clear(fx);
		pthread_create(&th, NULL, signal_later, NULL);
		ret = st_fixture_press(fx, power, 12.0, err);
		lat[i] = now() - t_signal;
		pthread_join(th, NULL);
		if (ret != ST_ERR_ABORT) {
			fprintf(stderr, "%s: press returned %d (%s)\n", what, ret, err);
			st_fixture_close(fx);
			st_clock_free(c);
			return -1;
		}
	}
	qsort(lat, TRIALS, sizeof(lat[0]), cmp);
	printf("%s: SIGINT mid-hold to release confirmed: median %.2f ms, worst %.2f ms "
	       "(%d trials; rule 50 ms)\n", what, lat[TRIALS / 2] * 1e3, lat[TRIALS - 1] * 1e3,
	       TRIALS);
	st_fixture_close(fx);
	st_clock_free(c);
	return 0;
}

int main(void)
{
	struct st_model m;
	struct server v;
	struct sigaction sa;
	char err[ST_ERRLEN], addr[300];
	int rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	if (st_model_find(st_data_dir(), "WH-1000XM5", &m, err)) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (server_start(&v, &m, 0, err))
		return fprintf(stderr, "%s\n", err), 1;
	rc |= measure("station fixture (pty)", v.path, &m);
	server_stop(&v);
	if (server_start(&v, &m, 1, err))
		return fprintf(stderr, "%s\n", err), 1;
	snprintf(addr, sizeof(addr), "numato:%s", v.path);
	rc |= measure("Numato board (pty)", addr, &m);
	server_stop(&v);
	rc |= measure("in-process bench (real clock)", "sim", &m);
	return rc ? 1 : 0;
}
