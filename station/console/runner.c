/*
 * runner.c - the console's worker thread (runner.h).  A run opens the
 * bench for its unit, calls st_seq_run() with an event listener that
 * copies each event into a mutex-guarded queue and pokes a pipe, and
 * closes the bench (which releases every actuator) before the thread
 * ends.  A fixture-panel session keeps the bench open and carries out one
 * press or release at a time from a one-slot mailbox.  An abort sets the
 * sequencer's abort flag and answers any question the run waits on.
 */
#include "console/runner.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench.h"
#include "core/clock.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "plan/plan.h"

enum job { JOB_NONE, JOB_RUN, JOB_FIXTURE, JOB_IDENTIFY };
enum cmd { CMD_NONE, CMD_PRESS, CMD_RELEASE, CMD_CLOSE };

struct runner {
	struct st_bench *b;          /* the bench session (not owned) */
	pthread_mutex_t mu;          /* guards everything below but abort_flag */
	pthread_cond_t cv;           /* mailbox and answers */
	pthread_t th;                /* the worker, when have_thread */
	int have_thread;
	enum job job;                /* what the worker does; JOB_NONE = idle */
	int done;                    /* the worker finished (join it) */
	struct cons_event *q;        /* queued events, oldest first */
	int qn, qcap;
	int wake[2];                 /* pipe: a byte per batch of events */
	volatile sig_atomic_t abort_flag; /* the operator asked to stop */
	double scale;                /* bench seconds per wall second */
	struct st_model model;       /* the unit's model (run) or the panel's */
	struct st_plan plan;         /* the run's plan */
	char serial[64], operator_[64];
	int asking;                  /* a question waits for runner_answer */
	int answer;                  /* its answer, once given */
	int answered;
	enum cmd cmd;                /* fixture panel mailbox */
	unsigned cmd_mask;
	double cmd_seconds;
	unsigned held;               /* controls held (fixture panel) */
};

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void push(struct runner *r, const struct cons_event *ev)
{
	char b = 1;

	pthread_mutex_lock(&r->mu);
	if (r->qn == r->qcap) {
		int cap = r->qcap ? r->qcap * 2 : 256;
		struct cons_event *q = realloc(r->q, (size_t)cap * sizeof(*q));

		if (!q) {
			pthread_mutex_unlock(&r->mu);
			return;   /* out of memory: the event is lost, the run goes on */
		}
		r->q = q;
		r->qcap = cap;
	}
	r->q[r->qn] = *ev;
	r->q[r->qn].wall = wall_now();
	r->qn++;
	pthread_mutex_unlock(&r->mu);
	if (write(r->wake[1], &b, 1) < 0) {
		/* the pipe is full: the drawing thread is already woken */
	}
}

static void say(struct runner *r, enum st_ev_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct runner *r, enum st_ev_kind kind, const char *fmt, ...)
{
	struct cons_event ev;
	va_list ap;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.step_idx = -1;
	va_start(ap, fmt);
	vsnprintf(ev.text, sizeof(ev.text), fmt, ap);
	va_end(ap);
	push(r, &ev);
}

static void on_event(const struct st_event *e, void *ctx)
{
	struct runner *r = ctx;
	struct cons_event ev;

	if (r->abort_flag)
		st_bench_abort(r->b);   /* an abort asked for while the bench connected */
	memset(&ev, 0, sizeof(ev));
	ev.kind = e->kind;
	ev.t = e->t;
	ev.step_idx = e->step_idx;
	st_strlcpy(ev.step, e->step ? e->step : "", sizeof(ev.step));
	st_strlcpy(ev.text, e->text ? e->text : "", sizeof(ev.text));
	ev.verdict = e->verdict;
	if (e->kind == ST_EV_MEASUREMENT) {
		st_strlcpy(ev.name, e->name ? e->name : "", sizeof(ev.name));
		ev.value = e->value;
		st_strlcpy(ev.unit, e->unit ? e->unit : "", sizeof(ev.unit));
		ev.has_low = e->has_low;
		ev.has_high = e->has_high;
		ev.low = e->low;
		ev.high = e->high;
		ev.marginal = e->marginal;
	}
	if (e->kind == ST_EV_RUN_END) {
		st_strlcpy(ev.disposition, e->disposition ? e->disposition : "", sizeof(ev.disposition));
		st_strlcpy(ev.reason, e->reason ? e->reason : "", sizeof(ev.reason));
		st_strlcpy(ev.uuid, e->uuid ? e->uuid : "", sizeof(ev.uuid));
	}
	push(r, &ev);
}

/* The sequencer asks the operator: the question goes to the screen and
 * the worker waits for runner_answer() or an abort. */
int runner_confirm(const char *question, void *ctx)
{
	struct runner *r = ctx;
	struct cons_event ev;
	int a;

	memset(&ev, 0, sizeof(ev));
	ev.kind = ST_EV_INFO;
	ev.step_idx = -1;
	ev.question = 1;
	st_strlcpy(ev.text, question, sizeof(ev.text));
	pthread_mutex_lock(&r->mu);
	r->asking = 1;
	r->answered = 0;
	pthread_mutex_unlock(&r->mu);
	push(r, &ev);
	pthread_mutex_lock(&r->mu);
	while (!r->answered && !r->abort_flag)
		pthread_cond_wait(&r->cv, &r->mu);
	a = r->answered ? r->answer : -1;
	r->asking = 0;
	pthread_mutex_unlock(&r->mu);
	return a;
}

/* A run that could not start still ends, as the station's ERROR. */
static void end_unstarted(struct runner *r, const char *why)
{
	struct cons_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = ST_EV_RUN_END;
	ev.step_idx = -1;
	ev.verdict = ST_ERROR;
	st_strlcpy(ev.disposition, "retest", sizeof(ev.disposition));
	snprintf(ev.reason, sizeof(ev.reason), "the station could not start the run: %s", why);
	push(r, &ev);
}

/* The session on the run's model and operator (worker thread only). */
static int bench_for(struct runner *r, char *err)
{
	const struct st_model *cur = st_bench_model(r->b);
	int ret = ST_OK;

	if (!cur || strcmp(cur->id, r->model.id))
		ret = st_bench_set_model(r->b, r->model.id, err);
	if (!ret && r->operator_[0])
		ret = st_bench_set_operator(r->b, r->operator_, err);
	return ret;
}

static void *run_thread(void *arg)
{
	struct runner *r = arg;
	struct st_seq_result res;
	char err[ST_ERRLEN] = "";
	int ret;

	ret = bench_for(r, err);
	/* each unit on a freshly opened fixture: one replugged (or a simulator
	 * restarted with the next unit) between units is found again */
	if (!ret && !(ret = st_bench_reconnect(r->b, r->serial, err))) {
		struct st_fixture *fx = st_bench_fixture(r->b);

		pthread_mutex_lock(&r->mu);
		r->scale = fx && fx->clock ? st_clock_scale(fx->clock) : 1.0;
		pthread_mutex_unlock(&r->mu);
		st_bench_abort_clear(r->b);  /* the operator started this run */
		ret = st_bench_run_plan(r->b, &r->plan, r->serial, on_event, r, &res, err);
		st_bench_release_all(r->b, NULL);
	}
	if (ret)
		end_unstarted(r, err);
	pthread_mutex_lock(&r->mu);
	r->done = 1;
	pthread_mutex_unlock(&r->mu);
	say(r, ST_EV_INFO, "every actuator released");
	return NULL;
}

/* Feedback the fixture saw, as events. */
static void drain_feedback(struct runner *r, struct st_fixture *fx)
{
	struct st_feedback fb[16];
	char e[ST_ERRLEN];
	int n = st_fixture_poll(fx, fb, (int)ST_ARRAY_SIZE(fb), e);

	for (int i = 0; i < n; i++) {
		if (fb[i].kind == ST_FB_LED)
			say(r, ST_EV_FEEDBACK, "LED %s %s", fb[i].where, fb[i].color);
		else if (fb[i].kind == ST_FB_CHIME)
			say(r, ST_EV_FEEDBACK, "chime x%d", fb[i].count);
		else if (fb[i].kind == ST_FB_PROMPT)
			say(r, ST_EV_FEEDBACK, "voice prompt \"%s\"", fb[i].text);
		else
			say(r, ST_EV_FEEDBACK, "tone %.0f Hz", fb[i].hz);
	}
}

/* The unit's own report (battery, wear, charger) over its test UART. */
static void sense(struct runner *r, struct st_fixture *fx)
{
	char reply[512], e[ST_ERRLEN];

	if (!(fx->caps & ST_CAP_UART))
		return;
	if (st_fixture_uart(fx, "INFO", reply, sizeof(reply), e) == ST_OK)
		say(r, ST_EV_INFO, "sensors: %s", reply);
	else
		say(r, ST_EV_INFO, "sensors: no answer (%s)", e);
}

/* A hold cut short by `r` leaves the bench's abort flag up: clear it so
 * the next press is not refused (a run clears it itself). */
static void clear_abort(struct runner *r)
{
	volatile sig_atomic_t *f = st_bench_abort_flag(r->b);

	if (f)
		*f = 0;
}

static void fixture_cmd(struct runner *r, struct st_fixture *fx, enum cmd c, unsigned mask,
			double seconds)
{
	char names[96], e[ST_ERRLEN], e2[ST_ERRLEN];

	st_model_controls_str(&r->model, mask, names, sizeof(names));
	if (c == CMD_PRESS) {
		pthread_mutex_lock(&r->mu);
		r->held = mask;
		pthread_mutex_unlock(&r->mu);
		say(r, ST_EV_ACTION, "hold %s %.1f s", names, seconds);
		int ret = st_fixture_press(fx, mask, seconds, e);

		drain_feedback(r, fx);
		if (st_fixture_release_all(fx, e2))
			say(r, ST_EV_REFUSED, "%s", e2);
		clear_abort(r);
		if (ret == ST_ERR_ABORT)
			say(r, ST_EV_INFO, "released everything: the hold of %s was cut short", names);
		else if (ret)
			say(r, ST_EV_REFUSED, "%s", e);
		else
			say(r, ST_EV_INFO, "released %s", names);
	} else if (c == CMD_RELEASE) {
		if (st_fixture_release_all(fx, e))
			say(r, ST_EV_REFUSED, "%s", e);
		else
			say(r, ST_EV_INFO, "released everything");
	}
	pthread_mutex_lock(&r->mu);
	r->held = 0;
	pthread_mutex_unlock(&r->mu);
	sense(r, fx);
}

static void *fixture_thread(void *arg)
{
	struct runner *r = arg;
	struct st_fixture *fx;
	char err[ST_ERRLEN] = "";

	if (bench_for(r, err) || st_bench_connect(r->b, NULL, err)) {
		say(r, ST_EV_REFUSED, "fixture: %s", err);
		goto out;
	}
	fx = st_bench_fixture(r->b);
	clear_abort(r);
	say(r, ST_EV_INFO, "fixture open: %s", fx->desc);
	sense(r, fx);
	for (;;) {
		enum cmd c;
		unsigned mask;
		double sec;
		struct timespec ts;

		pthread_mutex_lock(&r->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (r->cmd == CMD_NONE && !r->abort_flag)
			pthread_cond_timedwait(&r->cv, &r->mu, &ts);
		c = r->abort_flag ? CMD_CLOSE : r->cmd;
		mask = r->cmd_mask;
		sec = r->cmd_seconds;
		r->cmd = CMD_NONE;
		pthread_mutex_unlock(&r->mu);
		if (c == CMD_CLOSE)
			break;
		if (c != CMD_NONE)
			fixture_cmd(r, fx, c, mask, sec);
		drain_feedback(r, fx);
	}
	st_bench_release_all(r->b, NULL);
out:
	pthread_mutex_lock(&r->mu);
	r->done = 1;
	pthread_mutex_unlock(&r->mu);
	say(r, ST_EV_INFO, "fixture closed: every actuator released");
	return NULL;
}

static void *identify_thread(void *arg)
{
	struct runner *r = arg;
	struct cons_event ev;
	char err[ST_ERRLEN] = "";

	memset(&ev, 0, sizeof(ev));
	ev.kind = ST_EV_INFO;
	ev.step_idx = -1;
	ev.identity = 1;
	if (bench_for(r, err) || st_bench_connect(r->b, NULL, err) ||
	    st_bench_identify(r->b, ev.name, sizeof(ev.name), err)) {
		ev.name[0] = 0;
		snprintf(ev.text, sizeof(ev.text), "the unit could not say its model: %s", err);
	} else {
		snprintf(ev.text, sizeof(ev.text), "the unit reports model %s", ev.name);
	}
	st_bench_release_all(r->b, NULL);
	pthread_mutex_lock(&r->mu);
	r->done = 1;
	pthread_mutex_unlock(&r->mu);
	push(r, &ev);
	return NULL;
}

int runner_new(struct runner **out, struct st_bench *b, char *err)
{
	struct runner *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	r->b = b;
	r->scale = 1.0;
	if (pipe(r->wake) < 0) {
		free(r);
		return st_fail(err, ST_ERR_IO, "pipe: %s", strerror(errno));
	}
	fcntl(r->wake[0], F_SETFL, O_NONBLOCK);
	fcntl(r->wake[1], F_SETFL, O_NONBLOCK);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	*out = r;
	return ST_OK;
}

/* Join a finished worker; with wait, the running one too. */
static void reap(struct runner *r, int wait)
{
	int done;

	pthread_mutex_lock(&r->mu);
	done = r->done;
	pthread_mutex_unlock(&r->mu);
	if (!r->have_thread || (!done && !wait))
		return;
	pthread_join(r->th, NULL);
	r->have_thread = 0;
	r->job = JOB_NONE;
	r->done = 0;
	r->abort_flag = 0;
	r->scale = 1.0;
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	if (r->have_thread) {
		runner_abort(r);
		reap(r, 1);
	}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	close(r->wake[0]);
	close(r->wake[1]);
	free(r->q);
	free(r);
}

int runner_wake_fd(const struct runner *r)
{
	return r->wake[0];
}

double runner_scale(const struct runner *r)
{
	return r->scale;
}

/* Start the worker with signals blocked in it: the drawing thread takes
 * SIGHUP, SIGTERM, SIGINT and SIGWINCH. */
static int spawn(struct runner *r, enum job job, void *(*fn)(void *), char *err)
{
	sigset_t all, old;
	int rc;

	reap(r, 0);
	if (r->have_thread)
		return st_fail(err, ST_ERR_ARG, "the bench is busy");
	r->job = job;
	r->done = 0;
	r->abort_flag = 0;
	r->cmd = CMD_NONE;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->th, NULL, fn, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		r->job = JOB_NONE;
		return st_fail(err, ST_ERR_MEM, "cannot start the worker thread: %s", strerror(rc));
	}
	r->have_thread = 1;
	return ST_OK;
}

int runner_start(struct runner *r, const struct st_model *model, const struct st_plan *plan,
		 const char *serial, const char *operator_, char *err)
{
	reap(r, 0);
	if (r->have_thread)
		return st_fail(err, ST_ERR_ARG, "a run is already on the bench");
	r->model = *model;
	r->plan = *plan;
	st_strlcpy(r->serial, serial, sizeof(r->serial));
	st_strlcpy(r->operator_, operator_, sizeof(r->operator_));
	return spawn(r, JOB_RUN, run_thread, err);
}

void runner_abort(struct runner *r)
{
	st_bench_abort(r->b);   /* thread-safe: the sequencer and the fixture's waits */
	pthread_mutex_lock(&r->mu);
	r->abort_flag = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

int runner_busy(struct runner *r)
{
	reap(r, 0);
	return r->have_thread;
}

int runner_running(struct runner *r)
{
	return runner_busy(r) && r->job == JOB_RUN;
}

void runner_answer(struct runner *r, int answer)
{
	pthread_mutex_lock(&r->mu);
	if (r->asking) {
		r->answer = answer;
		r->answered = 1;
		if (answer < 0)
			r->abort_flag = 1;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
}

int runner_identify(struct runner *r, const struct st_model *guess, char *err)
{
	reap(r, 0);
	if (r->have_thread)
		return st_fail(err, ST_ERR_ARG, "the bench is busy");
	r->model = *guess;
	r->operator_[0] = 0;
	return spawn(r, JOB_IDENTIFY, identify_thread, err);
}

int runner_fixture_open(struct runner *r, const struct st_model *model, char *err)
{
	reap(r, 0);
	if (r->have_thread)
		return st_fail(err, ST_ERR_ARG, "the bench is busy");
	r->model = *model;
	return spawn(r, JOB_FIXTURE, fixture_thread, err);
}

static int post(struct runner *r, enum cmd c, unsigned mask, double seconds, char *err)
{
	int ret = ST_OK;

	pthread_mutex_lock(&r->mu);
	if (r->job != JOB_FIXTURE || r->done)
		ret = st_fail(err, ST_ERR_ARG, "the fixture is not open");
	else if (r->cmd != CMD_NONE || r->held)
		ret = st_fail(err, ST_ERR_ARG, "the fixture is busy with the last action");
	else {
		r->cmd = c;
		r->cmd_mask = mask;
		r->cmd_seconds = seconds;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return ret;
}

int runner_fixture_press(struct runner *r, unsigned mask, double seconds, char *err)
{
	int ret = st_model_hold_check(&r->model, mask, seconds, err);

	return ret ? ret : post(r, CMD_PRESS, mask, seconds, err);
}

int runner_fixture_release(struct runner *r, char *err)
{
	if (runner_fixture_held(r)) {
		st_bench_abort(r->b);   /* the hold in progress ends now, everything released */
		return ST_OK;
	}
	return post(r, CMD_RELEASE, 0, 0, err);
}

void runner_fixture_close(struct runner *r)
{
	if (r->job != JOB_FIXTURE)
		return;
	pthread_mutex_lock(&r->mu);
	r->cmd = CMD_CLOSE;
	if (r->held)
		st_bench_abort(r->b);   /* a hold in progress ends now */
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

unsigned runner_fixture_held(struct runner *r)
{
	unsigned h;

	pthread_mutex_lock(&r->mu);
	h = r->held;
	pthread_mutex_unlock(&r->mu);
	return h;
}

int runner_take(struct runner *r, struct cons_event *out, int max)
{
	int n;

	pthread_mutex_lock(&r->mu);
	n = r->qn < max ? r->qn : max;
	if (n > 0) {
		memcpy(out, r->q, (size_t)n * sizeof(*out));
		memmove(r->q, r->q + n, (size_t)(r->qn - n) * sizeof(*out));
		r->qn -= n;
	}
	pthread_mutex_unlock(&r->mu);
	return n;
}

void runner_emergency_release(void)
{
	st_fixture_emergency_release();
}
