/*
 * test_seq_waits.c - the sequencer's waits end on events, not after fixed
 * times (issue 13): a reset ends when its feedback has been seen and the
 * model's after-feedback watch is over, a power-on when the unit reports
 * power=on, a placing in the case when the unit reports it; the key test
 * presses back to back.  On the fault paths the waits give up after the
 * model's answer-within (a unit that does not come back FAILs, buds the
 * fixture did not place are the station's ERROR), and an abort interrupts
 * every one of them within a slice of bench time.  In-process simulated
 * bench on the virtual clock, with a wrapper around its fixture for the
 * faults.
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

#define SLICE 0.05 /* the sequencer's slice of bench time (SEQ_SLICE_S) */

/* What the wrapper around the simulated fixture does wrong. */
struct fault {
	int mute_after_hold;  /* the UART stops answering after a hold >= 5 s */
	int muted;            /* ... and has */
	int no_place;         /* place() does nothing */
	int abort_when_muted; /* the first unanswered query raises the abort flag */
	double abort_t;       /* bench time the abort was raised, -1 none */
	const char *abort_on; /* raise the abort on an event naming this */
};

static struct fault F;
static const struct st_fixture_ops *sim_ops;
static volatile sig_atomic_t abort_flag;

/* The wrapper is a fixture of its own whose driver hands every call to
 * the simulated fixture behind it (priv), but for the faults. */
#define IN(fx) ((struct st_fixture *)(fx)->priv)

static int w_press(struct st_fixture *fx, unsigned mask, double sec, char *err)
{
	int ret = sim_ops->press(IN(fx), mask, sec, err);

	if (F.mute_after_hold && sec >= 5)
		F.muted = 1;
	return ret;
}

static int w_uart(struct st_fixture *fx, const char *cmd, char *reply, size_t n, char *err)
{
	if (!F.muted)
		return sim_ops->uart(IN(fx), cmd, reply, n, err);
	if (F.abort_when_muted && !abort_flag) {
		abort_flag = 1;
		F.abort_t = st_fixture_now(fx);
	}
	return st_fail(err, ST_ERR_UNIT, "unit does not answer");
}

static int w_place(struct st_fixture *fx, int in_case, int lid, char *err)
{
	return F.no_place ? ST_OK : sim_ops->place(IN(fx), in_case, lid, err);
}

static int w_hold(struct st_fixture *fx, unsigned mask, double lim, char *err)
{
	return sim_ops->hold(IN(fx), mask, lim, err);
}
static int w_release(struct st_fixture *fx, unsigned mask, char *err)
{
	return sim_ops->release(IN(fx), mask, err);
}
static int w_release_all(struct st_fixture *fx, char *err)
{
	return sim_ops->release_all(IN(fx), err);
}
static int w_slide(struct st_fixture *fx, int c, int pos, char *err)
{
	return sim_ops->slide(IN(fx), c, pos, err);
}
static int w_wait(struct st_fixture *fx, double sec, char *err)
{
	return sim_ops->wait(IN(fx), sec, err);
}
static int w_poll(struct st_fixture *fx, struct st_feedback *ev, int max, char *err)
{
	return sim_ops->poll(IN(fx), ev, max, err);
}
static int w_charge(struct st_fixture *fx, int on, char *err)
{
	return sim_ops->charge(IN(fx), on, err);
}
static int w_wear(struct st_fixture *fx, int on, char *err)
{
	return sim_ops->wear(IN(fx), on, err);
}

static const struct st_fixture_ops wrap_ops = {
	.name = "wrap", .press = w_press, .hold = w_hold, .release = w_release,
	.release_all = w_release_all, .slide = w_slide, .wait = w_wait, .poll = w_poll,
	.uart = w_uart, .charge = w_charge, .wear = w_wear, .place = w_place,
};

struct ev {
	double t;
	enum st_ev_kind kind;
	char text[128];
};

struct bench {
	struct st_model m;
	struct st_plan p;
	struct st_limits *lim;
	struct st_clock *clk;
	struct st_fixture *sim;  /* the simulated fixture */
	struct st_fixture *fx;   /* the wrapper the sequencer drives */
	struct st_fixture wrap;
	struct st_seq_result res;
	struct ev ev[512];
	int nev;
};

static void on_event(const struct st_event *e, void *ctx)
{
	struct bench *b = ctx;
	const char *text = e->kind == ST_EV_MEASUREMENT ? e->name : e->text;

	if (b->nev < 512) {
		b->ev[b->nev].t = e->t;
		b->ev[b->nev].kind = e->kind;
		st_strlcpy(b->ev[b->nev].text, text ? text : "", sizeof(b->ev[0].text));
		b->nev++;
	}
	if (F.abort_on && text && strstr(text, F.abort_on) && !abort_flag) {
		abort_flag = 1;
		F.abort_t = e->t;
	}
}

static void bench_open(struct bench *b, const char *model, const char *plan_text,
		       const struct st_sim_opts *opts)
{
	char err[ST_ERRLEN];
	struct st_sim_opts def = { .battery = -1 };

	memset(b, 0, sizeof(*b));
	assert_int_equal(st_model_find(st_data_dir(), model, &b->m, err), ST_OK);
	assert_int_equal(st_plan_parse("test.plan", plan_text, &b->p, err), ST_OK);
	assert_int_equal(st_limits_load_model(st_data_dir(), b->m.id, NULL, &b->lim, err), ST_OK);
	b->clk = st_clock_new_virtual();
	assert_non_null(b->clk);
	assert_int_equal(st_sim_fixture_open(&b->sim, NULL, &b->m, b->clk, opts ? opts : &def, err),
			 ST_OK);
	sim_ops = b->sim->ops;
	b->wrap.ops = &wrap_ops;
	b->wrap.model = &b->m;
	b->wrap.clock = b->clk;
	b->wrap.caps = b->sim->caps;
	b->wrap.priv = b->sim;
	b->wrap.wake[0] = b->wrap.wake[1] = -1;
	st_strlcpy(b->wrap.desc, "wrapped sim", sizeof(b->wrap.desc));
	b->fx = &b->wrap;
	abort_flag = 0;
	memset(&F, 0, sizeof(F));
	F.abort_t = -1;
}

static void bench_run(struct bench *b)
{
	struct st_seq_config cfg = {
		.model = &b->m, .plan = &b->p, .fx = b->fx, .limits = b->lim,
		.serial = "W1", .on_event = on_event, .ctx = b,
		.abort_flag = &abort_flag, .assume = 1,
	};
	char err[ST_ERRLEN];

	assert_int_equal(st_seq_run(&cfg, &b->res, err), ST_OK);
	/* nothing left pressed, whatever happened */
	assert_int_equal(b->fx->held, 0);
}

static void bench_close(struct bench *b)
{
	st_fixture_close(b->sim);
	st_clock_free(b->clk);
	st_limits_free(b->lim);
}

/* Bench time of the first event whose text begins with `prefix`, -1 none. */
static double ev_t(const struct bench *b, enum st_ev_kind kind, const char *prefix)
{
	for (int i = 0; i < b->nev; i++)
		if (b->ev[i].kind == kind && !strncmp(b->ev[i].text, prefix, strlen(prefix)))
			return b->ev[i].t;
	return -1;
}

/* WH-1000XM5 soft reset: a 12 s hold and 1.3 s of orange blinks (the last
 * goes dark at 13.3 s), then the model's after-feedback watch; the unit
 * answers at once, so nothing else passes (before: 17.5 s with a 1.2 s
 * "settled" wait and a fixed 3 s to come back up). */
static void test_reset_ends_on_feedback(void **state)
{
	struct bench b;

	(void)state;
	bench_open(&b, "WH-1000XM5", "plan t\nescalation off\nstep reset soft\n", NULL);
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_PASS);
	assert_true(b.res.bench_s >= 13.3 + b.m.after_feedback - 1e-6);
	assert_true(b.res.bench_s <= 13.3 + b.m.after_feedback + SLICE + 1e-6);
	/* the minimum: the hold and the unit's feedback */
	assert_true(fabs(b.res.mandated_s - 13.3) <= SLICE + 1e-6);
	bench_close(&b);
}

/* A unit that is off: the power-on wait ends when INFO says power=on, not
 * 3 s after the press. */
static void test_power_on_ends_on_answer(void **state)
{
	struct st_sim_opts o = { .battery = -1, .start_off = 1 };
	struct bench b;
	double t_on, t_next;

	(void)state;
	bench_open(&b, "WH-1000XM3", "plan t\nescalation off\nstep reset factory\n", &o);
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_PASS);
	t_on = ev_t(&b, ST_EV_ACTION, "power on");
	t_next = ev_t(&b, ST_EV_ACTION, "hold POWER+VOL_UP");
	assert_true(t_on >= 0 && t_next > t_on);
	assert_true(t_next - t_on <= b.m.power_on_hold + SLICE + 1e-6);
	bench_close(&b);
}

/* The unit stops answering after its reset: the wait for it gives up
 * after the model's answer-within, and the unit FAILs (it is its fault). */
static void test_unit_not_back_times_out(void **state)
{
	struct bench b;
	double t0;

	(void)state;
	bench_open(&b, "WH-1000XM5", "plan t\nescalation off\nstep reset soft\n", NULL);
	F.mute_after_hold = 1;
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_FAIL);
	assert_non_null(strstr(b.res.reason, "stopped answering"));
	t0 = 13.3 + b.m.after_feedback;
	assert_true(b.res.bench_s >= t0 + b.m.answer_within - SLICE - 1e-6);
	assert_true(b.res.bench_s <= t0 + b.m.answer_within + 2 * SLICE + 1e-6);
	bench_close(&b);
}

/* The fixture does not place the buds: the wait for the unit to report
 * itself in its case gives up after answer-within and the run is the
 * station's ERROR, with nothing pressed. */
static void test_case_not_placed_is_error(void **state)
{
	struct bench b;

	(void)state;
	bench_open(&b, "WF-1000XM4", "plan t\nescalation off\nstep reset factory\n", NULL);
	F.no_place = 1;
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_ERROR);
	assert_string_equal(b.res.disposition, "retest");
	assert_true(ev_t(&b, ST_EV_ACTION, "hold ") < 0);
	assert_true(b.res.bench_s >= b.m.answer_within - 1e-6);
	assert_true(b.res.bench_s <= b.m.answer_within + 2 * SLICE + 1e-6);
	bench_close(&b);

	/* placed: the wait ends on the unit's report, no fixed second */
	bench_open(&b, "WF-1000XM4", "plan t\nescalation off\nstep reset factory\n", NULL);
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_PASS);
	assert_true(ev_t(&b, ST_EV_ACTION, "hold CASE") - ev_t(&b, ST_EV_ACTION, "place") <= 1e-6);
	bench_close(&b);
}

/* An abort during the wait for a unit that does not answer ends the run
 * within a slice, not after answer-within. */
static void test_abort_interrupts_answer_wait(void **state)
{
	struct bench b;

	(void)state;
	bench_open(&b, "WH-1000XM5", "plan t\nescalation off\nstep reset soft\n", NULL);
	F.mute_after_hold = 1;
	F.abort_when_muted = 1;
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_true(F.abort_t > 0);
	assert_true(b.res.bench_s - F.abort_t <= SLICE + 1e-6);
	bench_close(&b);
}

/* An abort during the after-feedback watch (raised when the feedback
 * latency is recorded, just before the watch) ends it within a slice. */
static void test_abort_interrupts_feedback_watch(void **state)
{
	struct bench b;

	(void)state;
	bench_open(&b, "WF-1000XM5", "plan t\nescalation off\nstep reset soft\n", NULL);
	assert_true(b.m.after_feedback > 4 * SLICE);
	F.abort_on = "led.feedback_latency_s";
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_true(F.abort_t > 0);
	assert_true(b.res.bench_s - F.abort_t <= SLICE + 1e-6);
	bench_close(&b);
}

/* An abort while the LED pattern is still being watched for (its first
 * flash raises it) ends the wait within a slice. */
static void test_abort_interrupts_expectation(void **state)
{
	struct bench b;

	(void)state;
	bench_open(&b, "WH-1000XM5", "plan t\nescalation off\nstep reset factory\n", NULL);
	F.abort_on = "LED main white";
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_ABORTED);
	assert_true(F.abort_t > 0);
	assert_true(b.res.bench_s - F.abort_t <= SLICE + 1e-6);
	bench_close(&b);
}

/* The key test presses every control back to back: 0.15 s each, no pause. */
static void test_key_test_no_pause(void **state)
{
	struct bench b;

	(void)state;
	bench_open(&b, "WH-1000XM5", "plan t\nstep controls\n", NULL);
	bench_run(&b);
	assert_int_equal(b.res.verdict, ST_PASS);
	assert_true(b.res.bench_s <= b.m.ncontrols * 0.15 + 1e-6);
	assert_true(fabs(b.res.mandated_s - b.res.bench_s) <= 1e-6);
	bench_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_ends_on_feedback),
		cmocka_unit_test(test_power_on_ends_on_answer),
		cmocka_unit_test(test_unit_not_back_times_out),
		cmocka_unit_test(test_case_not_placed_is_error),
		cmocka_unit_test(test_abort_interrupts_answer_wait),
		cmocka_unit_test(test_abort_interrupts_feedback_watch),
		cmocka_unit_test(test_abort_interrupts_expectation),
		cmocka_unit_test(test_key_test_no_pause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
